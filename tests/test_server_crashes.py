"""`vigil serve` when things are killed, as the kernel's OOM killer or a crash would: a model worker, then
the server itself. Real processes and SIGKILL throughout.

1. A killed model worker costs seconds: the pool is replaced, frames are analysed again, and the restart
   shows in the camera's health and in /metrics.
2. A killed server takes its model workers with it (they ignore SIGTERM, so nothing else would).
3. The incident it had open is closed, marked interrupted, when the next server starts.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from tests.media import plaza
from tests.servers.vigil_process import (
    VigilProcess,
    admin_headers,
    alive,
    kill_leftovers,
    metric,
    start_vigil,
)

pytestmark = pytest.mark.slow

T = TypeVar("T")
LIGHT = {"VIGIL_POSE_ENABLED": "false", "VIGIL_FACES_ENABLED": "false", "VIGIL_SPEECH_ENABLED": "false"}


def wait_for(probe: Callable[[], T | None], what: str, timeout_s: float, server: VigilProcess) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.3)
    pytest.fail(f"waited {timeout_s} s for {what}; the server's log:\n{server.output()[-4000:]}")


def test_killed_worker_restarts_killed_server_takes_its_workers_and_its_open_incident_is_closed(
    tmp_path: Path,
) -> None:
    data, log = tmp_path / "data", tmp_path / "vigil.log"
    env = {**LIGHT, "VIGIL_DEMO_VIDEO": str(plaza()), "VIGIL_ANALYSIS_WORKERS": "1"}
    server = start_vigil(data, log, env)
    workers: list[int] = []
    try:
        headers = admin_headers(server.url)
        client = httpx.Client(base_url=server.url, headers=headers, timeout=20)
        [camera] = client.get("/api/v1/cameras").json()["items"]

        def analysed() -> float:
            page = client.get("/metrics").text
            return metric(page, "vigil_frames_analysed_total", f'camera="{camera["id"]}"')

        wait_for(lambda: analysed() > 0, "the demo camera's first analysed frames", 60, server)
        [worker] = wait_for(server.pool_workers, "the model worker", 10, server)

        # 1. the OOM killer takes the model worker
        os.kill(worker, signal.SIGKILL)
        wait_for(
            lambda: metric(client.get("/metrics").text, "vigil_pool_restarts_total") >= 1,
            "the restart in /metrics",
            30,
            server,
        )
        before = analysed()
        wait_for(lambda: analysed() > before + 3, "frames analysed again after the restart", 60, server)
        health = client.get(f"/api/v1/cameras/{camera['id']}/health").json()
        assert health["analysis_restarts"] == 1
        assert health["state"] == "streaming"
        assert health["fps_analysed"] > 0
        assert not alive(worker)

        # 2. the scream at 25 s opens an incident; the server is killed while it is open
        def open_incident() -> dict[str, Any] | None:
            items = client.get("/api/v1/incidents").json()["items"]
            return next((item for item in items if item["ended_at"] is None), None)

        incident = wait_for(open_incident, "an open incident", 120, server)
        workers = server.pool_workers()
        assert workers
        os.kill(server.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(pid) for pid in workers):
            time.sleep(0.1)
        assert [pid for pid in workers if alive(pid)] == [], "model workers outlived the killed server"
        client.close()
    finally:
        server.stop()
        kill_leftovers(workers)

    # 3. the next server closes it, says it was interrupted, keeps its status
    server = start_vigil(data, log, LIGHT)
    try:
        with httpx.Client(base_url=server.url, headers=admin_headers(server.url), timeout=20) as client:
            detail = client.get(f"/api/v1/incidents/{incident['id']}").json()
    finally:
        server.stop()
    assert detail["ended_at"] is not None
    assert detail["status"] == incident["status"]
    assert "interrupted" in detail["explanation"]
    assert "interrupted" in detail["summary"]
    if "clip" not in {artifact["kind"] for artifact in detail["artifacts"]}:
        assert detail["explanation"]["interrupted"]["note"].endswith(
            "It has no clip: the video around it was only held in the server's memory."
        )
