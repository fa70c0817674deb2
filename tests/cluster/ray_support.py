"""What the cluster tests share: an admin signed in through the API with a dashboard's socket.io connection,
and waiting for what a user would see. The local Ray cluster itself is `vigil.cluster.local`."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio

from tests.conftest import PASSWORD, make_settings
from vigil.settings import Settings

ADMIN = "admin@example.com"


def cluster_settings(tmp_path: Path, redis_port: int, ray_address: str, **overrides: object) -> Settings:
    """An API node in cluster mode on loopback: live events through the test Redis, cameras on the Ray
    cluster at `ray_address`, objects and sound only (no pose, faces or speech: the cluster tests are
    about where cameras run)."""
    return make_settings(
        tmp_path,
        redis_url=f"redis://127.0.0.1:{redis_port}/0",
        live_redis=True,
        ray_address=ray_address,
        node_ip="127.0.0.1",
        pose_enabled=False,
        faces_enabled=False,
        speech_enabled=False,
        **overrides,
    )


class Dashboard:
    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.incidents: list[dict[str, Any]] = []
        self.client.on("incident", self._on_incident)

    async def _on_incident(self, data: dict[str, Any]) -> None:
        self.incidents.append(data)

    def opened(self) -> list[dict[str, Any]]:
        return [e for e in self.incidents if e["event"] == "opened"]


async def admin_with_dashboard(client: httpx.AsyncClient, url: str) -> Dashboard:
    """Registers the first account (the admin), signs `client` in as it and connects its dashboard."""
    made = await client.post("/api/v1/auth/register", json={"email": ADMIN, "password": PASSWORD})
    assert made.status_code == 201, made.text
    login = await client.post("/api/v1/auth/jwt/login", data={"username": ADMIN, "password": PASSWORD})
    token = login.json()["access_token"]
    client.headers["Authorization"] = f"Bearer {token}"
    dashboard = Dashboard()
    await dashboard.client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=10)
    return dashboard


async def until(probe: Any, what: str, timeout_s: float) -> float:
    """Seconds it took `probe()` to answer true; fails after `timeout_s`."""
    start = time.monotonic()
    while not await probe():
        if time.monotonic() - start > timeout_s:
            pytest.fail(f"waited {timeout_s} s for {what}")
        await asyncio.sleep(0.25)
    return time.monotonic() - start
