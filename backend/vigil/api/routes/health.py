from __future__ import annotations

from fastapi import APIRouter

from vigil import __version__
from vigil.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> Health:
    """Liveness, without authentication."""
    return Health(status="ok", version=__version__)
