"""Tables, the async engine and repositories. Alembic owns the schema."""
