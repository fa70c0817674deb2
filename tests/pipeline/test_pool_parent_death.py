"""Pool workers ignore SIGTERM (the server stops them in order), so they must not outlive a server that is
killed outright: a parent-death signal on Linux, a polling watchdog elsewhere. Real processes, real kills."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_until_gone(pids: list[int], timeout_s: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.1)
    return [pid for pid in pids if alive(pid)]


@pytest.mark.parametrize("mode", ["pool", "watchdog"])
def test_workers_die_when_their_parent_is_killed(mode: str) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-m", "tests.pipeline.pool_parent", mode],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    workers: list[int] = []
    try:
        assert parent.stdout is not None
        workers = json.loads(parent.stdout.readline())
        assert workers
        assert all(alive(pid) for pid in workers)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        assert wait_until_gone(workers) == [], f"{mode}: workers outlived their killed parent"
    finally:
        parent.kill()
        parent.wait(timeout=10)
        for pid in workers:  # a failed run leaves no orphans behind
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
