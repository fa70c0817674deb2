"""A restricted zone drawn on a live file camera of the plaza scenario turns its walkers into an intrusion.

People walk across most of the plaza. In daytime a person anywhere scores 0.6 of the intrusion threshold
(`default_rules.yaml`), so a camera without zones never reports one; a restricted zone multiplies that
by 3.5 for whoever stands in it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import socketio

from tests.conftest import World, make_settings, world_over_http
from tests.media import plaza, shared_media_dir
from tests.servers.live_server import LiveServer, live_server

pytestmark = pytest.mark.slow

LOWER_HALF = {"name": "lower half", "kind": "restricted", "points": [[0, 0.5], [1, 0.5], [1, 1], [0, 1]]}
WATCH_WITHOUT_ZONES_S = 15.0
INTRUSION_WITHIN_S = 12.0  # a 3 s window, 2 s held, and the first analyses after the restart


def noon_zone(now: datetime) -> str:
    """A fixed-offset time zone where it is 12:00-12:59 now, so the schedule's "out of hours" (22-06) never
    applies, whatever time the tests run. Etc/GMT names count the other way round: Etc/GMT-5 is UTC+5."""
    offset_h = 12 - now.astimezone(UTC).hour  # -11..+12, all of which Etc/GMT names exist for
    return f"Etc/GMT{-offset_h:+d}"


def test_noon_zone_is_at_noon() -> None:
    for hour in range(24):
        now = datetime(2026, 11, 24, hour, 30, tzinfo=UTC)
        assert now.astimezone(ZoneInfo(noon_zone(now))).hour == 12


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    settings = make_settings(
        tmp_path,
        file_roots=str(shared_media_dir()),
        analysis_workers=1,
        timezone=noon_zone(datetime.now(UTC)),  # VIGIL_TIMEZONE
    )
    async with live_server(settings) as server:
        yield server


@pytest.fixture
async def world(server: LiveServer) -> AsyncIterator[World]:
    async with world_over_http(server.app, server.url) as world:
        yield world


async def intrusions(client: httpx.AsyncClient, camera_id: int, headers: dict[str, str]) -> list[Any]:
    listed = await client.get(
        "/api/v1/incidents", params={"camera_id": camera_id, "label": "intrusion"}, headers=headers
    )
    assert listed.status_code == 200, listed.text
    items: list[Any] = listed.json()["items"]
    return items


async def test_a_restricted_zone_makes_walkers_an_intrusion_and_no_zone_does_not(
    server: LiveServer, world: World
) -> None:
    assert 6 <= datetime.now(server.app.state.runtime.settings.tzinfo()).hour < 22
    client, owner = world.client, world["owner"]
    created = await client.post(
        "/api/v1/cameras",
        json={"name": "plaza", "kind": "file", "url": str(plaza()), "analysis_fps": 4},
        headers=owner.headers,
    )
    assert created.status_code == 201, created.text
    camera_id = created.json()["id"]
    frames: list[dict[str, Any]] = []
    viewer = socketio.AsyncClient(reconnection=False)
    viewer.on("frame", frames.append)
    await viewer.connect(server.url, auth={"token": owner.token}, transports=["websocket"], wait_timeout=10)
    assert await viewer.call("watch", {"camera_id": camera_id}) == {"ok": True}

    # Without zones, in daytime: people walk in the lower half, and that is no intrusion.
    await asyncio.sleep(WATCH_WITHOUT_ZONES_S)
    await viewer.disconnect()
    people = [d for f in frames for d in f["overlay"]["detections"] if d["label"] == "person"]
    in_lower_half = [d for d in people if d["box"][3] > 0.5]  # foot point below the middle
    assert len(in_lower_half) >= 50, f"{len(people)} people seen, {len(in_lower_half)} in the lower half"
    assert await intrusions(client, camera_id, owner.headers) == []

    # The same camera with the lower half restricted: an intrusion within seconds, explained by the zone.
    patched = await client.patch(
        f"/api/v1/cameras/{camera_id}", json={"zones": [LOWER_HALF]}, headers=owner.headers
    )
    assert patched.status_code == 200, patched.text
    started = time.monotonic()
    found: list[Any] = []
    while time.monotonic() - started < INTRUSION_WITHIN_S and not found:
        await asyncio.sleep(0.5)
        found = await intrusions(client, camera_id, owner.headers)
    assert found, f"no intrusion {INTRUSION_WITHIN_S} s after the zone was drawn"
    took = time.monotonic() - started
    assert "zone lower half ×3.5" in found[0]["summary"], found[0]
    assert found[0]["severity"] == "high"
    print(f"intrusion {took:.1f} s after the zone was drawn: {found[0]['summary']}")
