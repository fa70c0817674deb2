"""Alembic environment: async engine, SQLModel metadata, batch mode for SQLite."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config
from sqlmodel import SQLModel

import vigil.db.tables  # noqa: F401  (registers the tables on the metadata)
from vigil.db.types import EnumText, UTCDateTime
from vigil.settings import Settings

config = context.config
if config.config_file_name and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)

if not config.get_main_option("sqlalchemy.url"):
    config.set_main_option("sqlalchemy.url", Settings().resolved_database_url.replace("%", "%%"))

target_metadata = SQLModel.metadata


def _render_item(kind: str, obj: Any, autogen_context: Any) -> str | bool:
    """Our column types render as what they store, so migrations never import enum classes."""
    if kind == "type" and isinstance(obj, EnumText):
        return f"sa.String(length={obj.impl.length})"
    if kind == "type" and isinstance(obj, UTCDateTime):
        autogen_context.imports.add("import vigil.db.types")
        return "vigil.db.types.UTCDateTime()"
    return False


def _configure(connection: Connection | None = None) -> None:
    kwargs = {
        "target_metadata": target_metadata,
        "render_as_batch": True,
        "compare_type": True,
        "render_item": _render_item,
    }
    if connection is None:
        context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True, **kwargs)
    else:
        context.configure(connection=connection, **kwargs)


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = async_engine_from_config(
        config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    async with engine.connect() as connection:
        await connection.run_sync(_run_sync)
    await engine.dispose()


if context.is_offline_mode():
    _configure()
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
