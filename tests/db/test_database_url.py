"""Where the database is set: `VIGIL_DATABASE_URL` or `DATABASE_URL`, any PostgreSQL URL on asyncpg."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_settings


def test_default_is_sqlite_in_the_data_folder(tmp_path: Path) -> None:
    assert (
        make_settings(tmp_path).resolved_database_url == f"sqlite+aiosqlite:///{tmp_path / 'data'}/vigil.db"
    )


@pytest.mark.parametrize("variable", ["VIGIL_DATABASE_URL", "DATABASE_URL"])
def test_either_variable_points_vigil_at_postgresql(
    variable: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, "postgresql+asyncpg://vigil:pw@db.internal:5432/vigil")
    assert (
        make_settings(tmp_path).resolved_database_url
        == "postgresql+asyncpg://vigil:pw@db.internal:5432/vigil"
    )


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://vigil:pw@db/vigil", "postgresql+asyncpg://vigil:pw@db/vigil"),
        (
            "postgresql://vigil@db:6432/vigil?ssl=require",
            "postgresql+asyncpg://vigil@db:6432/vigil?ssl=require",
        ),
        ("postgresql+asyncpg://vigil@db/vigil", "postgresql+asyncpg://vigil@db/vigil"),
        ("sqlite+aiosqlite:////var/lib/vigil/vigil.db", "sqlite+aiosqlite:////var/lib/vigil/vigil.db"),
    ],
)
def test_a_url_without_a_driver_gets_asyncpg(given: str, used: str, tmp_path: Path) -> None:
    assert make_settings(tmp_path, database_url=given).resolved_database_url == used
