"""A real incident's whole life on socket.io: the scream of the plaza recording, played once by a file
camera, is `opened`, `updated` and `closed` in the camera's room, and the API stores and returns the end
time the `closed` event carries."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import socketio

from tests.conftest import World, make_settings, world_over_http
from tests.media import scream_clip
from tests.servers.live_server import LiveServer, live_server

pytestmark = pytest.mark.slow


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    settings = make_settings(tmp_path, analysis_workers=1, pre_roll_s=2, post_roll_s=2, buffer_s=30)
    async with live_server(settings) as server:
        yield server


@pytest.fixture
async def world(server: LiveServer) -> AsyncIterator[World]:
    async with world_over_http(server.app, server.url) as world:
        yield world


class Events:
    """A socket.io connection recording its `incident` events."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: list[dict[str, Any]] = []
        self.client.on("incident", self._on_incident)

    async def _on_incident(self, data: dict[str, Any]) -> None:
        self.received.append(data)

    async def connect(self, url: str, token: str) -> None:
        await self.client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=5)

    def closed(self, label: str) -> dict[str, Any] | None:
        return next((e for e in self.received if e["event"] == "closed" and e.get("label") == label), None)

    def clip_announced(self, incident_id: int) -> bool:
        return any(e["incident_id"] == incident_id and e.get("artifact") == "clip" for e in self.received)


async def test_an_incident_is_opened_updated_and_closed_in_its_camera_room_with_its_end_stored(
    tmp_path: Path, server: LiveServer, world: World
) -> None:
    owner, viewer, stranger = Events(), Events(), Events()
    for listener, name in ((owner, "owner"), (viewer, "viewer"), (stranger, "stranger")):
        await listener.connect(server.url, world[name].token)
    clip = scream_clip(tmp_path)
    created = await world.client.post(
        "/api/v1/cameras",
        json={"name": "scream", "kind": "file", "url": str(clip), "analysis_fps": 4, "file_loop": False},
        headers=world["owner"].headers,
    )
    assert created.status_code == 201, created.text
    camera_id = created.json()["id"]
    shared = await world.client.post(
        f"/api/v1/cameras/{camera_id}/shares",
        json={"email": world["viewer"].email},
        headers=world["owner"].headers,
    )
    assert shared.status_code == 201, shared.text  # the viewer's connection joins the camera's room

    deadline = time.monotonic() + 60
    while owner.closed("distress") is None:
        assert time.monotonic() < deadline, f"no closed distress incident within 60 s: {owner.received}"
        await asyncio.sleep(0.25)
    closed = owner.closed("distress")
    assert closed is not None
    incident_id = closed["incident_id"]
    # its clip (pre-roll, the incident, post-roll) is cut after the close, and announced as an update
    while not (owner.clip_announced(incident_id) and viewer.clip_announced(incident_id)):
        assert time.monotonic() < deadline, f"no clip announced within 60 s: {owner.received}"
        await asyncio.sleep(0.25)
    for listener in (owner, viewer, stranger):
        await listener.client.disconnect()

    # one incident, in order: opened first, updated when its snapshot is stored, closed once, updated
    # again when its clip is (it ends with the post-roll); the viewer it is shared with saw the same
    # events, the stranger none
    mine = [e for e in owner.received if e["incident_id"] == incident_id]
    kinds = [e["event"] for e in mine]
    assert kinds[0] == "opened", kinds
    assert kinds.count("opened") == 1, kinds
    assert kinds.count("closed") == 1, kinds
    closing = kinds.index("closed")
    assert "snapshot" in {e.get("artifact") for e in mine[:closing] if e["event"] == "updated"}, mine
    assert "clip" in {e.get("artifact") for e in mine[closing + 1 :] if e["event"] == "updated"}, mine
    announced = sorted(e["artifact"] for e in mine if e["event"] == "updated" and "artifact" in e)
    assert announced == ["audio", "clip", "snapshot"], mine
    assert all(e["camera_id"] == camera_id for e in mine)
    assert [e for e in viewer.received if e["incident_id"] == incident_id] == mine
    assert stranger.received == []

    opened = mine[0]
    assert opened["label"] == "distress"
    assert opened["ended_at"] is None
    started = datetime.fromisoformat(closed["started_at"])
    ended = datetime.fromisoformat(closed["ended_at"])
    assert closed["started_at"] == opened["started_at"]
    assert started < ended

    # the end is stored: the API returns it, in the detail and in the list
    detail = await world.client.get(f"/api/v1/incidents/{incident_id}", headers=world["viewer"].headers)
    assert detail.status_code == 200, detail.text
    assert datetime.fromisoformat(detail.json()["ended_at"]) == ended
    assert datetime.fromisoformat(detail.json()["started_at"]) == started
    listed = await world.client.get(
        "/api/v1/incidents", params={"camera_id": camera_id}, headers=world["owner"].headers
    )
    item = next(i for i in listed.json()["items"] if i["id"] == incident_id)
    assert datetime.fromisoformat(item["ended_at"]) == ended
