"""An API node sharing live events through Redis (`VIGIL_LIVE_REDIS`) ends socket.io's Redis listener when
it stops, instead of leaving it to retry a Redis that is gone every 60 s."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from tests.alerts.support import redis_server
from tests.cluster.ray_support import admin_with_dashboard
from tests.conftest import make_settings
from tests.servers.live_server import live_server


async def test_stopping_the_server_ends_its_redis_listener(tmp_path: Path) -> None:
    with redis_server() as port:
        settings = make_settings(tmp_path, redis_url=f"redis://127.0.0.1:{port}/0", live_redis=True)
        async with live_server(settings) as server:
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
                dashboard = await admin_with_dashboard(client, server.url)
            listener = server.app.state.runtime.hub.sio.manager.thread
            assert isinstance(listener, asyncio.Task)
            assert not listener.done()
            await dashboard.client.disconnect()
        assert listener.done()
