"""An empty database of the test's kind (`database`: sqlite or postgresql) for the migration tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from tests.servers.postgres import PostgresServer

T = TypeVar("T")


@pytest.fixture
def empty_database(database: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a database with nothing in it: a new SQLite file, or a new PostgreSQL database."""
    if database == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'vigil.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.create_database(request.node.name)
    yield url
    server.drop_database(url)


async def on_connection_async(url: str, work: Callable[[Connection], T]) -> T:
    """`work` on a synchronous connection to `url`, through the app's own async driver."""
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


def on_connection(url: str, work: Callable[[Connection], T]) -> T:
    return asyncio.run(on_connection_async(url, work))
