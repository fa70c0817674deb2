"""Apply Alembic migrations from code (the app does this at start)."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.config import Config
from sqlalchemy import pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from vigil.settings import REPO_ROOT

# Any fixed 64-bit number: the PostgreSQL advisory lock that nodes migrating at once queue on.
MIGRATION_LOCK = 0x56494749_4C4D4947  # "VIGILMIG"


def alembic_config(database_url: str) -> Config:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade_to_head(database_url: str) -> None:
    """Blocking: run it in a thread from async code (Alembic's env runs its own event loop).

    On PostgreSQL several nodes may start at once on one database (API nodes, workers, each migrating at
    start): they take turns through an advisory lock, so the first migrates and the others find the schema
    at head, instead of creating the same tables side by side and failing."""
    if make_url(database_url).get_backend_name() == "postgresql":
        asyncio.run(_upgrade_in_turn(database_url))
    else:
        command.upgrade(alembic_config(database_url), "head")


async def _upgrade_in_turn(database_url: str) -> None:
    engine = create_async_engine(database_url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as lock:
            await lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            try:
                await asyncio.to_thread(command.upgrade, alembic_config(database_url), "head")
            finally:
                await lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
    finally:
        await engine.dispose()


async def upgrade_to_head_async(database_url: str) -> None:
    await asyncio.to_thread(upgrade_to_head, database_url)
