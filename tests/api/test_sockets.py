"""socket.io over a real uvicorn server: a JWT to connect, and incidents only for cameras you may see."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio

from tests.conftest import World, make_settings, world_over_http
from tests.servers.live_server import LiveServer, live_server
from vigil.api.users import RevocableJWTStrategy
from vigil.db.tables import User

pytestmark = pytest.mark.slow


MARKER = "test-marker"  # an event only the tests send, to one connection at a time
markers = itertools.count(1)


class Listener:
    """One socket.io client that records the incident events (and the test's markers) it receives."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.incidents: list[dict[str, Any]] = []
        self.markers: list[int] = []
        self.expired = asyncio.Event()
        self.client.on("incident", self._on_incident)
        self.client.on(MARKER, self._on_marker)
        self.client.on("session_expired", self._on_expired)

    async def _on_incident(self, data: dict[str, Any]) -> None:
        self.incidents.append(data)

    async def _on_marker(self, data: int) -> None:
        self.markers.append(data)

    async def _on_expired(self, _data: Any) -> None:
        self.expired.set()

    async def connect(self, url: str, token: str | None) -> None:
        auth = {"token": token} if token is not None else None
        await self.client.connect(url, auth=auth, transports=["websocket"], wait_timeout=5)

    def ids(self) -> list[int]:
        return [event["incident_id"] for event in self.incidents]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    async with live_server(make_settings(tmp_path)) as server:
        yield server


@pytest.fixture
async def live_world(server: LiveServer) -> AsyncIterator[World]:
    async with world_over_http(server.app, server.url) as world:
        yield world


async def listen(server: LiveServer, world: World, *names: str) -> dict[str, Listener]:
    listeners = {name: Listener() for name in names}
    for name, listener in listeners.items():
        await listener.connect(server.url, world[name].token)
    return listeners


async def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def emit_and_settle(
    server: LiveServer, listeners: dict[str, Listener], camera_id: int, incident_id: int
) -> None:
    """Emit an incident, then wait until it has reached every connection it was sent to: the server sends
    each connected listener a marker after it, and one connection's events arrive in order."""
    await server.app.state.runtime.hub.emit_incident(camera_id, "opened", {"incident_id": incident_id})
    await settle(server, listeners.values())


async def settle(server: LiveServer, listeners: Iterable[Listener]) -> None:
    marker = next(markers)
    connected = [listener for listener in listeners if listener.client.connected]
    for listener in connected:
        await server.app.state.runtime.hub.sio.emit(MARKER, marker, to=listener.client.get_sid())
    await wait_for(lambda: all(marker in listener.markers for listener in connected), f"marker {marker}")


async def test_connect_needs_a_valid_token(server: LiveServer, live_world: World) -> None:
    for token in [None, "", "not-a-jwt", live_world["viewer"].token[:-3] + "abc"]:
        listener = Listener()
        with pytest.raises(socketio.exceptions.ConnectionError):
            await listener.connect(server.url, token)
    listener = Listener()
    await listener.connect(server.url, live_world["viewer"].token)
    assert listener.client.connected
    await listener.client.disconnect()


async def test_incident_reaches_exactly_the_users_who_may_see_its_camera(
    server: LiveServer, live_world: World
) -> None:
    world = live_world
    listeners = await listen(server, world, "owner", "viewer", "operator", "stranger", "admin")
    await emit_and_settle(server, listeners, world.camera_id, 101)
    await emit_and_settle(server, listeners, world.stranger_camera_id, 202)
    received = {name: listener.ids() for name, listener in listeners.items()}
    assert received == {
        "owner": [101],
        "viewer": [101],
        "operator": [101],
        "stranger": [202],
        "admin": [101, 202],
    }
    for listener in listeners.values():
        await listener.client.disconnect()


async def test_rooms_follow_shares_and_new_cameras(server: LiveServer, live_world: World) -> None:
    world = live_world
    listeners = await listen(server, world, "owner", "stranger", "bystander")
    async with httpx.AsyncClient(base_url=server.url) as client:
        shares = f"/api/v1/cameras/{world.camera_id}/shares"
        response = await client.post(
            shares, json={"email": world.bystander_email}, headers=world["owner"].headers
        )
        assert response.status_code == 201
        await emit_and_settle(server, listeners, world.camera_id, 1)
        assert listeners["bystander"].ids() == [1]

        response = await client.delete(f"{shares}/{world['bystander'].id}", headers=world["owner"].headers)
        assert response.status_code == 204
        await emit_and_settle(server, listeners, world.camera_id, 2)
        assert listeners["bystander"].ids() == [1]

        response = await client.post(
            "/api/v1/cameras",
            json={"name": "new", "kind": "rtsp", "url": "rtsp://127.0.0.1:9/s"},
            headers=world["stranger"].headers,
        )
        new_camera = response.json()["id"]
        await emit_and_settle(server, listeners, new_camera, 3)
    assert listeners["stranger"].ids() == [3]
    assert listeners["owner"].ids() == [1, 2]
    for listener in listeners.values():
        await listener.client.disconnect()


async def test_a_tab_closed_during_a_room_resync_does_not_fail_the_change_that_caused_it(
    server: LiveServer, live_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Adding a camera recomputes every connection's rooms; a connection that ends while its cameras are
    read from the database (someone closes a tab at that moment) must not turn the request into a 500,
    and the other connections still get their new rooms."""
    world = live_world
    listeners = await listen(server, world, "owner", "stranger")
    hub = server.app.state.runtime.hub
    owner_sid = listeners["owner"].client.get_sid()

    def participants() -> set[str]:
        return {sid for sid, _ in hub.sio.manager.get_participants("/", None)}

    assert len(participants()) == 2
    assert owner_sid in participants()
    read_rooms = hub._visible_ids
    closed: list[str] = []

    async def closing_tab(session: Any, user: User) -> set[int]:
        visible: set[int] = await read_rooms(session, user)
        if user.id == world["owner"].id and not closed:
            await listeners["owner"].client.disconnect()
            await wait_for(lambda: owner_sid not in participants(), "the server to see the tab go")
            closed.append(owner_sid or "")
        return visible

    monkeypatch.setattr(hub, "_visible_ids", closing_tab)
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.post(
            "/api/v1/cameras",
            json={"name": "new", "kind": "rtsp", "url": "rtsp://127.0.0.1:9/s"},
            headers=world["stranger"].headers,
        )
    assert response.status_code == 201, response.text
    assert closed, "the owner's tab was not closed during the resync"
    await emit_and_settle(server, listeners, response.json()["id"], 7)
    assert listeners["stranger"].ids() == [7]
    await listeners["stranger"].client.disconnect()


async def test_connection_ends_when_its_token_expires(server: LiveServer, live_world: World) -> None:
    async with server.app.state.runtime.session_factory() as db:
        user = await db.get(User, live_world["viewer"].id)
    strategy = RevocableJWTStrategy(server.app.state.runtime.settings.jwt_secret, lifetime_seconds=2)
    short = await strategy.write_token(user)
    listener = Listener()
    await listener.connect(server.url, short)
    await asyncio.wait_for(listener.expired.wait(), timeout=6)
    for _ in range(50):
        if not listener.client.connected:
            break
        await asyncio.sleep(0.1)
    assert not listener.client.connected
