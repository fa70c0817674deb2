"""Alembic builds exactly the schema the models describe, from an empty SQLite file."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import vigil.db.tables  # noqa: F401
from vigil.db.migrate import alembic_config, upgrade_to_head


def test_upgrade_head_on_empty_sqlite_matches_the_models(tmp_path: Path) -> None:
    database = tmp_path / "fresh.db"
    upgrade_to_head(f"sqlite+aiosqlite:///{database}")
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
        tables = set(inspect(connection).get_table_names())
    engine.dispose()
    assert diff == []
    assert {"user", "camera", "camera_share", "incident", "artifact", "alembic_version"} <= tables


def test_downgrade_to_base_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'roundtrip.db'}"
    upgrade_to_head(url)
    command.downgrade(alembic_config(url), "base")
    engine = create_engine(f"sqlite:///{tmp_path / 'roundtrip.db'}")
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == {"alembic_version"}
    engine.dispose()
    upgrade_to_head(url)
