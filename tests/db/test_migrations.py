"""Alembic builds exactly the schema the models describe, from an empty database, on SQLite and on
PostgreSQL; and takes it down to nothing and up again."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import vigil.db.tables  # noqa: F401
from tests.conftest import ON_BOTH_DATABASES
from tests.db.conftest import on_connection
from vigil.db.migrate import alembic_config, upgrade_to_head

pytestmark = ON_BOTH_DATABASES


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def test_upgrade_head_on_an_empty_database_matches_the_models(empty_database: str) -> None:
    upgrade_to_head(empty_database)
    assert on_connection(empty_database, _differences) == []
    tables = on_connection(empty_database, _tables)
    assert {"user", "camera", "camera_share", "incident", "artifact", "alembic_version"} <= tables
    assert tables == set(SQLModel.metadata.tables) | {"alembic_version"}


def test_downgrade_to_base_and_up_again(empty_database: str) -> None:
    upgrade_to_head(empty_database)
    command.downgrade(alembic_config(empty_database), "base")
    assert on_connection(empty_database, _tables) == {"alembic_version"}
    upgrade_to_head(empty_database)
    assert on_connection(empty_database, _differences) == []
