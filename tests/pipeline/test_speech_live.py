"""Through the whole server: two file cameras play the same synthetic call for help. The one whose
`transcribe` switch is on turns it into a distress incident that carries the words and is found by them;
the one left off transcribes nothing, keeps nothing and raises nothing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import World, make_settings, world_over_http
from tests.perception.test_faces_emotion import model_file
from tests.servers.live_server import LiveServer, live_server
from tests.speech_media import CALL_FOR_HELP, spoken_clip

pytestmark = pytest.mark.slow


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    model_file("whisper-tiny-en")  # as `make models` puts it in place
    settings = make_settings(
        tmp_path, file_roots=str(tmp_path / "videos"), analysis_workers=1, pre_roll_s=1, post_roll_s=1
    )
    async with live_server(settings) as server:
        yield server


@pytest.fixture
async def world(server: LiveServer) -> AsyncIterator[World]:
    async with world_over_http(server.app, server.url) as world:
        yield world


async def test_a_call_for_help_on_a_transcribing_camera_is_a_distress_incident_with_its_words(
    tmp_path: Path, server: LiveServer, world: World
) -> None:
    clip = spoken_clip(tmp_path / "videos" / "call.mp4", CALL_FOR_HELP)
    client, owner = world.client, world["owner"]
    cameras: dict[bool, int] = {}
    for transcribe in (True, False):
        created = await client.post(
            "/api/v1/cameras",
            json={
                "name": f"hall {'on' if transcribe else 'off'}",
                "kind": "file",
                "url": str(clip),
                "analysis_fps": 1,
                "file_loop": False,
                "transcribe": transcribe,
            },
            headers=owner.headers,
        )
        assert created.status_code == 201, created.text
        assert created.json()["transcribe"] is transcribe
        cameras[transcribe] = created.json()["id"]

    deadline = time.monotonic() + 60
    distress: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not distress:
        await asyncio.sleep(1)
        listed = await client.get("/api/v1/incidents", params={"label": "distress"}, headers=owner.headers)
        distress = listed.json()["items"]
    assert [i["camera_id"] for i in distress] == [cameras[True]], distress
    assert "audio.call_for_help" in distress[0]["summary"]

    detail = (await client.get(f"/api/v1/incidents/{distress[0]['id']}", headers=owner.headers)).json()
    words = " ".join(line["text"] for line in detail["transcript"]).lower()
    assert "help" in words
    assert all(line["source"] == "whisper-tiny-en" for line in detail["transcript"])
    terms = {t["evidence"]: t for t in detail["explanation"]["terms"]}
    assert terms["audio.call_for_help"]["contribution"] >= 0.5

    found = await client.get("/api/v1/incidents", params={"transcript": "help"}, headers=owner.headers)
    # the distress incident, and any other incident of that camera around the words (the speech is kept
    # with every incident it overlaps)
    assert distress[0]["id"] in [i["id"] for i in found.json()["items"]]
    assert {i["camera_id"] for i in found.json()["items"]} == {cameras[True]}
    stranger = await client.get(
        "/api/v1/incidents", params={"transcript": "help"}, headers=world["stranger"].headers
    )
    assert stranger.json()["items"] == []

    # the camera left off heard the same voice (speech is no evidence) and sent none of it to the model
    metrics = (await client.get("/metrics", headers=world["admin"].headers)).text
    assert f'vigil_sound_windows_total{{camera="{cameras[True]}",fate="transcribed"}}' in metrics
    assert f'camera="{cameras[False]}",fate="transcribed"' not in metrics
    assert f'vigil_sound_windows_total{{camera="{cameras[False]}",fate="analysed"}}' in metrics
    off = await client.get("/api/v1/incidents", params={"camera_id": cameras[False]}, headers=owner.headers)
    for incident in off.json()["items"]:
        detail = (await client.get(f"/api/v1/incidents/{incident['id']}", headers=owner.headers)).json()
        assert detail["transcript"] == []
        assert "call_for_help" not in detail["summary"]
