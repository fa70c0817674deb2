"""`vigil bench` runs and prints its tables (figures are not asserted: they belong to docs/performance.md)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.media import plaza

pytestmark = pytest.mark.slow


def test_bench_prints_decode_and_capacity_tables() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "vigil.cli",
            "bench",
            str(plaza()),
            "--no-models",
            "--max-cameras",
            "1",
            "--seconds",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "## Decode (one pass, as fast as possible)" in result.stdout
    assert "| 1       | 10.00" in result.stdout or "| 1 " in result.stdout
    assert "Held without a drop:" in result.stdout


def test_bench_names_a_missing_video() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "bench", "/nonexistent/video.mp4"], capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "no such video /nonexistent/video.mp4" in result.stderr


def test_bench_with_models_prints_each_model_and_the_cost_of_a_camera() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "bench", str(plaza()), "--max-cameras", "1", "--seconds", "1"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "## Each model, one thread" in out
    for model in ("objects (nanodet)", "pose (MoveNet", "faces (blazeface", "emotion (", "sound: silero-vad"):
        assert f"| {model}" in out, out
    for member in ("svm-movie8class", "acoustic.siren", "acoustic.glass"):
        assert f"sound: {member}" in out
    assert "## What one camera costs (analysis at 5 fps)" in out
    assert "every model on one analysed frame" in out
