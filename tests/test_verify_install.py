"""`scripts/verify_install.py`: a table of what is in place and what to fix, never a secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def verify(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("VIGIL_", "REDIS_URL"))}
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / "verify_install.py")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**clean, "VIGIL_DATA_DIR": str(tmp_path / "data"), **env},
    )


def test_a_working_install_is_all_ok(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    result = verify(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Everything needed is in place." in result.stdout
    for row in ("model: nanodet.onnx", "model: silero_vad.onnx", "codec: h264", "database"):
        line = next(line for line in result.stdout.splitlines() if line.startswith(row))
        assert "  ok  " in line, line


def test_a_missing_model_and_a_dead_redis_are_named_without_the_password(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    result = verify(
        tmp_path,
        VIGIL_OBJECT_MODEL=str(tmp_path / "gone.onnx"),
        REDIS_URL="redis://:hunter2secret@127.0.0.1:9",
    )
    assert result.returncode == 1
    model = next(line for line in result.stdout.splitlines() if line.startswith("model: gone.onnx"))
    assert "FIX" in model
    assert "does not exist" in model
    redis = next(line for line in result.stdout.splitlines() if line.startswith("redis"))
    assert "FIX" in redis
    assert "hunter2secret" not in result.stdout + result.stderr
    assert "2 thing(s) to fix." in result.stdout
