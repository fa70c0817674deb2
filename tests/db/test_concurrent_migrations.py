"""Several nodes starting at once on one new PostgreSQL database (API nodes, workers: each migrates at
start) leave one schema at head, and every one of them starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ON_POSTGRESQL
from tests.db.conftest import on_connection
from tests.db.test_migrations import _differences

pytestmark = ON_POSTGRESQL

NODES = 4


def test_nodes_migrating_at_once_all_start_on_one_schema(empty_database: str, tmp_path: Path) -> None:
    env = {**os.environ, "VIGIL_DATABASE_URL": empty_database, "VIGIL_DATA_DIR": str(tmp_path)}
    nodes = [
        subprocess.Popen(
            [sys.executable, "-m", "vigil.cli", "migrate"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(NODES)
    ]
    outputs = [node.communicate(timeout=120)[0].decode(errors="replace") for node in nodes]
    assert [node.returncode for node in nodes] == [0] * NODES, "\n---\n".join(outputs)
    assert all("database schema is up to date" in output for output in outputs)
    assert on_connection(empty_database, _differences) == []
