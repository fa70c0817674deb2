"""`vigil bench` runs and prints its tables (figures are not asserted: they belong to docs/performance.md)."""

from __future__ import annotations

import re
import subprocess
import sys

import av
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
    with av.open(str(plaza())) as container:
        frames = container.streams.video[0].frames
        seconds = float(container.duration or 0) / 1_000_000
    decode = table_rows(result.stdout, "Decode (one pass, as fast as possible)")
    assert [row[0] for row in decode] == ["decode, RGB of 1 frame a second", "decode + RGB of every frame"]
    assert [int(row[1]) for row in decode] == [frames, frames]  # one whole pass of the file, both times
    assert abs(int(decode[0][2]) - seconds) <= 2  # one frame a second converted
    assert 0 < int(decode[1][2]) <= frames  # every frame converted, less those dropped, not queued
    assert all(float(row[4]) > 0 for row in decode)
    capacity = table_rows(
        result.stdout, "Real-time cameras of the scenario (1 s each, stops at the first drop)"
    )
    assert [row[0] for row in capacity] == ["1"]  # --max-cameras 1: one run, of one camera
    fps_in, dropped = float(capacity[0][1]), int(capacity[0][3])
    held = re.search(r"Held without a drop: (\d+) camera\(s\) at full rate\.", result.stdout)
    assert held is not None, result.stdout
    assert int(held[1]) == (1 if dropped == 0 and fps_in >= 9.5 else 0)  # the summary follows the table


def table_rows(stdout: str, title: str) -> list[list[str]]:
    """The cells of the Markdown table printed under `## title` (header and rule left out)."""
    lines = stdout.split(f"## {title}\n", 1)[1].splitlines()
    rows = []
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    assert rows, f"no rows under {title!r}"
    return rows


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
    # the default sound ensemble: YAMNet first (and its cost per patch), the members that keep a vote
    for member in ("yamnet-onnx", "yamnet-onnx, one patch", "acoustic.impulse", "acoustic.alarm"):
        assert f"| sound: {member} " in out, out
    assert "## What one camera costs (analysis at 5 fps)" in out
    assert "every model on one analysed frame" in out
