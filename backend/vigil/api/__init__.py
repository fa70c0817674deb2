"""HTTP and socket API: `create_app()` builds it; routers per resource live in `routes/`."""
