"""A file camera added over the API runs through the whole pipeline: health, metrics, live view."""

from __future__ import annotations

import asyncio
import json
import time
import wave
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
import socketio

from tests.alerts.support import LOOPBACK, MailSink, Receiver, free_port, http_server, smtp_server, wait_until
from tests.conftest import World, make_settings, world_over_http
from tests.media import plaza, scream_clip, shared_media_dir
from tests.servers.live_server import LiveServer, live_server
from vigil.alerts.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature

pytestmark = pytest.mark.slow

PUBLIC_URL = "https://vigil.example.org"
HOOK_SECRET = "plaza-webhook-secret"


@pytest.fixture
def mail() -> Iterator[tuple[MailSink, int]]:
    """A real SMTP server (aiosmtpd) on loopback, the server's e-mail relay."""
    port = free_port()
    with smtp_server(port) as sink:
        yield sink, port


@pytest.fixture
async def hooks() -> AsyncIterator[tuple[Receiver, str]]:
    receiver = Receiver()
    async with http_server(receiver.app()) as url:
        yield receiver, f"{url}/hook"


@pytest.fixture
async def server(tmp_path: Path, mail: tuple[MailSink, int]) -> AsyncIterator[LiveServer]:
    roots = f"{shared_media_dir()}:{tmp_path / 'videos'}"
    settings = make_settings(
        tmp_path,
        file_roots=roots,
        analysis_workers=1,
        pre_roll_s=2,
        post_roll_s=2,
        buffer_s=30,
        smtp_host="127.0.0.1",
        smtp_port=mail[1],
        smtp_security="none",
        smtp_sender="vigil@example.org",
        public_url=PUBLIC_URL,
        outbound_allow_webhooks=LOOPBACK,  # the test receiver listens on loopback
    )
    async with live_server(settings) as server:
        yield server


@pytest.fixture
async def world(server: LiveServer) -> AsyncIterator[World]:
    async with world_over_http(server.app, server.url) as world:
        yield world


async def wait_for_health(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], state: str
) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        health: dict[str, Any] = (await client.get(url, headers=headers)).json()
        if health["state"] == state:
            return health
        await asyncio.sleep(0.25)
    raise AssertionError(f"camera did not reach {state}: {health}")


async def test_file_camera_streams_is_analysed_and_watched_live(server: LiveServer, world: World) -> None:
    client, owner = world.client, world["owner"]
    created = await client.post(
        "/api/v1/cameras",
        json={"name": "plaza", "kind": "file", "url": str(plaza()), "analysis_fps": 4},
        headers=owner.headers,
    )
    assert created.status_code == 201, created.text
    camera_id = created.json()["id"]
    health_url = f"/api/v1/cameras/{camera_id}/health"
    await wait_for_health(client, health_url, owner.headers, "streaming")
    # the first analysis starts the worker process; then it runs at the asked rate (the rates this machine
    # reaches are `make bench` figures: here only that frames come in and are analysed, never faster
    # than the file's 10 fps in real time or the asked 4 fps)
    deadline = time.monotonic() + 30
    while (health := (await client.get(health_url, headers=owner.headers)).json())["fps_analysed"] == 0:
        assert time.monotonic() < deadline, health
        await asyncio.sleep(0.25)
    # a rate read over the first analysed frames is noisy: read the caps over a few seconds of analysis
    await asyncio.sleep(3)
    health = (await client.get(health_url, headers=owner.headers)).json()
    assert 0 < health["fps_in"] <= 12
    assert 0 < health["fps_analysed"] <= 4.5
    assert health["last_frame_age_s"] is not None

    frames: list[dict[str, Any]] = []
    viewer = socketio.AsyncClient(reconnection=False)
    viewer.on("frame", frames.append)
    await viewer.connect(
        server.url, auth={"token": world["viewer"].token}, transports=["websocket"], wait_timeout=10
    )
    stranger = socketio.AsyncClient(reconnection=False)
    stranger_frames: list[dict[str, Any]] = []
    stranger.on("frame", stranger_frames.append)
    await stranger.connect(
        server.url, auth={"token": world["stranger"].token}, transports=["websocket"], wait_timeout=10
    )
    assert await stranger.call("watch", {"camera_id": camera_id}) == {
        "ok": False,
        "detail": "CAMERA_NOT_FOUND",
    }

    # The viewer is not shared this new camera yet: sharing lets them watch it.
    shared = await client.post(
        f"/api/v1/cameras/{camera_id}/shares", json={"email": world["viewer"].email}, headers=owner.headers
    )
    assert shared.status_code == 201
    assert await viewer.call("watch", {"camera_id": camera_id}) == {"ok": True}
    await asyncio.sleep(3)
    await viewer.call("unwatch", {"camera_id": camera_id})
    received = len(frames)
    await asyncio.sleep(0.5)
    assert len(frames) <= received + 1
    assert received >= 3  # frames arrive (how many a second this machine sends is a bench figure)
    first = frames[-1]
    assert first["jpeg"][:2] == b"\xff\xd8"
    assert (first["width"], first["height"]) == (768, 576)
    labels = [d["label"] for frame in frames for d in frame["overlay"]["detections"]]
    assert labels.count("person") >= 2 * len(frames)  # 3-7 people walk the plaza (NanoDet finds most)
    box = next(d["box"] for frame in frames for d in frame["overlay"]["detections"])
    assert all(0 <= v <= 1 for v in box)
    poses = [pose for frame in frames for pose in frame["overlay"]["poses"]]
    assert len(poses) >= len(frames)  # most walkers get a pose
    assert all(len(pose["keypoints"]) == 17 for pose in poses)
    assert first["wall_time_s"] <= time.time()  # when the camera's frame was taken
    assert stranger_frames == []
    await viewer.disconnect()
    await stranger.disconnect()

    anonymous = await client.get("/metrics")
    assert anonymous.status_code == 401
    metrics = (await client.get("/metrics", headers=world["admin"].headers)).text
    assert f'vigil_frames_in_total{{camera="{camera_id}"}}' in metrics
    assert f'vigil_frames_analysed_total{{camera="{camera_id}"}}' in metrics
    assert "vigil_stage_seconds_bucket" in metrics

    disabled = await client.patch(
        f"/api/v1/cameras/{camera_id}", json={"enabled": False}, headers=owner.headers
    )
    assert disabled.status_code == 200
    assert (await client.get(health_url, headers=owner.headers)).json()["state"] == "disabled"


async def test_a_scream_on_a_camera_reaches_the_live_view_and_becomes_an_incident(
    tmp_path: Path,
    server: LiveServer,
    world: World,
    mail: tuple[MailSink, int],
    hooks: tuple[Receiver, str],
) -> None:
    clip = scream_clip(tmp_path)
    client, owner = world.client, world["owner"]
    # the owner's alert routes, made through the API: e-mail for distress on every camera of theirs
    # (this one does not exist yet), a signed webhook for the new camera
    email_route = await client.post(
        "/api/v1/alert-routes",
        json={
            "name": "distress mail",
            "channel": "email",
            "target": "owner@example.org",
            "labels": ["distress"],
        },
        headers=owner.headers,
    )
    assert email_route.status_code == 201, email_route.text
    created = await client.post(
        "/api/v1/cameras",
        json={"name": "scream", "kind": "file", "url": str(clip), "analysis_fps": 4, "file_loop": False},
        headers=owner.headers,
    )
    assert created.status_code == 201, created.text
    camera_id = created.json()["id"]
    receiver, hook_url = hooks
    webhook_route = await client.post(
        "/api/v1/alert-routes",
        json={
            "channel": "webhook",
            "target": hook_url,
            "cameras": [camera_id],
            "labels": ["distress"],
            "webhook_secret": HOOK_SECRET,
        },
        headers=owner.headers,
    )
    assert webhook_route.status_code == 201, webhook_route.text
    frames: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    viewer = socketio.AsyncClient(reconnection=False)
    viewer.on("frame", frames.append)
    viewer.on("incident", events.append)
    await viewer.connect(server.url, auth={"token": owner.token}, transports=["websocket"], wait_timeout=10)
    stranger = socketio.AsyncClient(reconnection=False)
    stranger_events: list[dict[str, Any]] = []
    stranger.on("incident", stranger_events.append)
    await stranger.connect(
        server.url, auth={"token": world["stranger"].token}, transports=["websocket"], wait_timeout=10
    )
    assert await viewer.call("watch", {"camera_id": camera_id}) == {"ok": True}
    deadline = time.monotonic() + 25
    heard: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not (heard and events):
        await asyncio.sleep(0.5)
        heard = [s for frame in frames for s in frame["overlay"]["sounds"] if s["label"] == "scream"]
    await viewer.disconnect()
    await stranger.disconnect()
    assert heard, "no scream in the live overlay"
    assert 3.0 <= heard[0]["t_s"] <= 5.5  # the scream starts ~4 s into the clip (keyframe-aligned cut)
    tracked = [d for frame in frames for d in frame["overlay"]["detections"] if d["track_id"] is not None]
    assert len(tracked) >= len(frames)  # people keep ids from frame to frame

    # the scream is a distress incident: stored first, then announced to who may see the camera only
    # (people in view out of hours, 22:00-06:00 in the server's time zone, are an intrusion by default)
    hour = datetime.now(server.app.state.runtime.settings.tzinfo()).hour
    expected_others = {"intrusion"} if hour >= 22 or hour < 6 else set()
    opened = {e["label"]: e for e in events if e["event"] == "opened"}
    assert "distress" in opened, events
    assert set(opened) - {"distress"} <= expected_others, events
    assert stranger_events == []
    listed = await client.get(
        "/api/v1/incidents", params={"camera_id": camera_id, "label": "distress"}, headers=owner.headers
    )
    incidents = listed.json()["items"]
    assert [i["id"] for i in incidents] == [opened["distress"]["incident_id"]]
    assert "audio.scream" in incidents[0]["summary"]
    detail = await client.get(f"/api/v1/incidents/{incidents[0]['id']}", headers=owner.headers)
    explanation = detail.json()["explanation"]
    assert "audio.scream" in explanation["summary"]
    assert any(t["evidence"] == "audio.scream" and t["contribution"] > 0 for t in explanation["terms"])
    assert 0.5 <= incidents[0]["confidence"] < 1

    # its snapshot and sound snippet at once, its clip once it closed and the post-roll passed
    artifacts = await wait_for_artifacts(
        client, incidents[0]["id"], owner.headers, {"snapshot", "audio", "clip"}
    )
    snapshot = await client.get(artifacts["snapshot"]["url"], headers=owner.headers)
    assert snapshot.status_code == 200
    assert snapshot.content[:2] == b"\xff\xd8"
    stranger_get = await client.get(artifacts["clip"]["url"], headers=world["stranger"].headers)
    assert stranger_get.status_code == 404
    clip = tmp_path / "downloaded.mp4"
    clip.write_bytes((await client.get(artifacts["clip"]["url"], headers=owner.headers)).content)
    with av.open(str(clip)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.audio[0].codec_context.name == "aac"
        assert container.duration is not None
        assert container.duration / 1_000_000 >= 4.0  # pre-roll + the scream + post-roll
    wav = tmp_path / "downloaded.wav"
    wav.write_bytes((await client.get(artifacts["audio"]["url"], headers=owner.headers)).content)
    with wave.open(str(wav)) as sound:
        assert sound.getframerate() == 16_000
        assert sound.getnframes() / 16_000 >= 2.0  # the 2 s scream, padded

    # the owner was told: an e-mail through the real SMTP server with the snapshot and the link,
    # a webhook signed with the route's secret, both recorded as delivered
    incident_id = incidents[0]["id"]
    link = f"{PUBLIC_URL}/incidents/{incident_id}"
    sink = mail[0]
    await wait_until(
        lambda: any(_opened_distress(m["Subject"]) for m in sink.messages), 20, "the distress e-mail"
    )
    opened_mails = [m for m in sink.messages if _opened_distress(m["Subject"])]
    assert len(opened_mails) == 1, [m["Subject"] for m in sink.messages]
    message = opened_mails[0]
    assert message["To"] == "owner@example.org"
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_content()
    assert link in text
    images = [p for p in message.walk() if p.get_content_type() == "image/jpeg"]
    assert len(images) == 1
    assert images[0].get_payload(decode=True) == snapshot.content  # the incident's own snapshot

    await wait_until(lambda: receiver.requests, 20, "the webhook")
    opened_hooks = [
        (body, headers)
        for body, headers in receiver.requests
        if json.loads(body)["event"] == "incident.opened"
    ]
    assert len(opened_hooks) == 1
    body, headers = opened_hooks[0]
    assert verify_signature(HOOK_SECRET, body, headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER])
    event = json.loads(body)
    assert event["incident"]["id"] == incident_id
    assert event["incident"]["label"] == "distress"
    assert event["incident"]["url"] == link
    assert event["camera"] == {"id": camera_id, "name": "scream", "slug": "scream"}
    assert event["has_snapshot"] is True

    delivered = await wait_for_deliveries(client, incident_id, owner.headers)
    assert {d["route_id"]: d["channel"] for d in delivered} == {
        email_route.json()["id"]: "email",
        webhook_route.json()["id"]: "webhook",
    }
    assert all(d["target"] and d["attempts"] == 1 for d in delivered)
    stranger_view = await client.get(
        "/api/v1/alert-deliveries", params={"incident_id": incident_id}, headers=world["stranger"].headers
    )
    assert stranger_view.json() == {"items": [], "total": 0}


def _opened_distress(subject: object) -> bool:
    return str(subject).startswith("[Vigil] Distress on scream (")


async def wait_for_deliveries(
    client: httpx.AsyncClient, incident_id: int, headers: dict[str, str]
) -> list[dict[str, Any]]:
    """The incident's `opened` deliveries, once none is pending or retrying any more."""
    deadline = time.monotonic() + 20
    opened: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        listed = await client.get(
            "/api/v1/alert-deliveries", params={"incident_id": incident_id}, headers=headers
        )
        opened = [d for d in listed.json()["items"] if d["update_kind"] == "opened"]
        if opened and all(d["status"] == "delivered" for d in opened) and len(opened) >= 2:
            return opened
        await asyncio.sleep(0.25)
    raise AssertionError(f"deliveries of incident {incident_id} not all delivered: {opened}")


async def wait_for_artifacts(
    client: httpx.AsyncClient, incident_id: int, headers: dict[str, str], kinds: set[str]
) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + 45
    found: dict[str, dict[str, Any]] = {}
    while time.monotonic() < deadline:
        detail = (await client.get(f"/api/v1/incidents/{incident_id}", headers=headers)).json()
        found = {a["kind"]: a for a in detail["artifacts"]}
        if kinds <= set(found):
            return found
        await asyncio.sleep(1)
    raise AssertionError(f"incident {incident_id} has only {sorted(found)} after 45 s")
