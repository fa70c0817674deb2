"""Two `vigil serve` nodes behind no balancer, one database and one Redis: node A runs the cameras, node B
only answers the API (`VIGIL_RUN_CAMERAS=false`). The same user sees the same cameras, health and incidents
through either node; a camera added through B runs on A; an incident A's camera raises reaches a dashboard
connected to B, and so do its live frames when that dashboard watches it; a logout on one node closes the
user's live connection on the other."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio

from tests.alerts.support import redis_server
from tests.conftest import PASSWORD
from tests.media import scream_clip
from tests.servers.vigil_process import VigilProcess, start_vigil

LIGHT = {"VIGIL_POSE_ENABLED": "false", "VIGIL_FACES_ENABLED": "false", "VIGIL_SPEECH_ENABLED": "false"}


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[tuple[VigilProcess, VigilProcess, Path]]:
    clip = scream_clip(tmp_path)
    with redis_server() as port:
        shared = {
            **LIGHT,
            "VIGIL_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}",
            "REDIS_URL": f"redis://127.0.0.1:{port}/0",
            "VIGIL_LIVE_REDIS": "true",
            "VIGIL_FILE_ROOTS": str(clip.parent),
            "VIGIL_ANALYSIS_WORKERS": "1",
        }
        a = start_vigil(tmp_path / "a", tmp_path / "a.log", shared)
        b = None
        try:
            b = start_vigil(tmp_path / "b", tmp_path / "b.log", {**shared, "VIGIL_RUN_CAMERAS": "false"})
            yield a, b, clip
        finally:
            if b is not None:
                b.stop()
            a.stop()


def token(url: str, email: str) -> str:
    with httpx.Client(base_url=url, timeout=20) as client:
        login = client.post("/api/v1/auth/jwt/login", data={"username": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        value: str = login.json()["access_token"]
        return value


class Dashboard:
    """A socket.io connection to one node, recording what it receives."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.incidents: list[dict[str, Any]] = []
        self.frames: list[dict[str, Any]] = []
        self.expired = asyncio.Event()
        self.client.on("incident", self._on_incident)
        self.client.on("frame", self._on_frame)
        self.client.on("session_expired", self._on_expired)

    async def _on_incident(self, data: dict[str, Any]) -> None:
        self.incidents.append(data)

    async def _on_frame(self, data: dict[str, Any]) -> None:
        self.frames.append(data)

    async def _on_expired(self, _data: Any) -> None:
        self.expired.set()


async def until(
    probe: Callable[[], Awaitable[bool]], what: str, nodes: tuple[VigilProcess, ...], timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    while not await probe():
        if time.monotonic() > deadline:
            logs = "\n".join(node.output()[-3000:] for node in nodes)
            pytest.fail(f"waited {timeout_s} s for {what}; the nodes' logs:\n{logs}")
        await asyncio.sleep(0.3)


@pytest.mark.slow
async def test_either_node_shows_the_same_cameras_health_and_incidents(
    nodes: tuple[VigilProcess, VigilProcess, Path],
) -> None:
    a, b, clip = nodes
    email = "first@example.com"
    async with httpx.AsyncClient(base_url=b.url, timeout=20) as register:
        registered = await register.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
        assert registered.status_code == 201, registered.text
    on_a = {"Authorization": f"Bearer {token(a.url, email)}"}
    on_b = {"Authorization": f"Bearer {token(b.url, email)}"}

    dashboard = Dashboard()
    await dashboard.client.connect(
        b.url, auth={"token": on_b["Authorization"][7:]}, transports=["websocket"], wait_timeout=10
    )
    async with (
        httpx.AsyncClient(base_url=b.url, headers=on_b, timeout=20) as client_b,
        httpx.AsyncClient(base_url=a.url, headers=on_a, timeout=20) as client_a,
    ):
        created = await client_b.post(
            "/api/v1/cameras", json={"name": "Gate", "kind": "file", "url": str(clip)}
        )
        assert created.status_code == 201, created.text
        camera_id = created.json()["id"]

        async def streaming(client: httpx.AsyncClient) -> bool:
            state = (await client.get(f"/api/v1/cameras/{camera_id}/health")).json()
            return bool(state.get("state") == "streaming" and state.get("fps_analysed", 0) > 0)

        await until(lambda: streaming(client_a), "the camera added through B streaming on A", (a, b), 90)
        await until(lambda: streaming(client_b), "B showing A's camera health", (a, b), 10)
        assert (await client_a.get("/api/v1/cameras")).json() == (
            await client_b.get("/api/v1/cameras")
        ).json()

        assert await dashboard.client.call("watch", {"camera_id": camera_id}, timeout=10) == {"ok": True}

        async def frames_on_b() -> bool:
            return len(dashboard.frames) >= 3

        await until(frames_on_b, "live frames of A's camera reaching a watcher on B", (a, b), 20)
        assert all(f["camera_id"] == camera_id and f["jpeg"][:2] == b"\xff\xd8" for f in dashboard.frames)

        async def opened_on_b() -> bool:
            return any(e["event"] == "opened" for e in dashboard.incidents)

        await until(opened_on_b, "an incident reaching the dashboard on B", (a, b), 90)
        opened = next(e for e in dashboard.incidents if e["event"] == "opened")
        assert opened["camera_id"] == camera_id
        assert opened["label"] == "distress"
        incident_path = f"/api/v1/incidents/{opened['incident_id']}"
        assert (await client_a.get(incident_path)).status_code == 200

        # The incident is still live on A (its snapshot and clip land after it opens), so one read from
        # each node may straddle a write: the nodes agree when two reads taken together match.
        async def same_incident_on_both() -> bool:
            on_node_a, on_node_b = await asyncio.gather(
                client_a.get(incident_path), client_b.get(incident_path)
            )
            return bool(on_node_b.status_code == 200 and on_node_a.json() == on_node_b.json())

        await until(same_incident_on_both, "the same incident read through A and through B", (a, b), 30)

        logout = await client_a.post("/api/v1/auth/jwt/logout", headers=on_b)  # B's token, ended through A
        assert logout.status_code in (200, 204), logout.text
        await asyncio.wait_for(dashboard.expired.wait(), 10)
    await dashboard.client.disconnect()
