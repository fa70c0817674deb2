"""What was said around an incident: shown with its detail, searchable, per visible camera; the camera's
`transcribe` switch (off by default)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import World
from vigil.db.tables import IncidentSpeech

INCIDENTS = "/api/v1/incidents"


async def add_speech(world: World, incident_id: int, text: str, seconds_in: float = 0.0) -> None:
    start = datetime.now(UTC) - timedelta(seconds=60 - seconds_in)
    async with world.app.state.runtime.session_factory() as db:
        db.add(
            IncidentSpeech(
                incident_id=incident_id,
                started_at=start,
                ended_at=start + timedelta(seconds=2),
                text=text,
                conf=0.75,
                source="whisper-tiny-en",
            )
        )
        await db.commit()


async def found(world: World, text: str, actor: str = "owner") -> list[int]:
    response = await world.client.get(INCIDENTS, params={"transcript": text}, headers=world[actor].headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_the_transcript_is_shown_with_the_incident_and_its_audio(world: World) -> None:
    await add_speech(world, world.incident_id, "Let me go!", seconds_in=3)
    await add_speech(world, world.incident_id, "Help! Somebody call the police!")
    detail = await world.client.get(f"{INCIDENTS}/{world.incident_id}", headers=world["viewer"].headers)
    assert detail.status_code == 200
    body = detail.json()
    assert [line["text"] for line in body["transcript"]] == ["Help! Somebody call the police!", "Let me go!"]
    assert body["transcript"][0]["source"] == "whisper-tiny-en"
    assert body["transcript"][0]["conf"] == 0.75
    assert "artifacts" in body
    other = await world.client.get(
        f"{INCIDENTS}/{world.stranger_incident_id}", headers=world["stranger"].headers
    )
    assert other.json()["transcript"] == []


async def test_incidents_are_found_by_what_was_said_on_cameras_one_may_see(world: World) -> None:
    quiet = await world.add_incident(world.camera_id, "glass_break")
    odd = await world.add_incident(world.camera_id, "distress")
    await add_speech(world, world.incident_id, "Help! Somebody call the police!")
    await add_speech(world, odd, "I am 100% sure it_was him")
    await add_speech(world, world.stranger_incident_id, "help me")

    assert await found(world, "police") == [world.incident_id]
    assert await found(world, "HELP") == [world.incident_id]  # case-insensitive; not the stranger's
    assert await found(world, "help", "stranger") == [world.stranger_incident_id]
    assert sorted(await found(world, "help", "admin")) == sorted(
        [world.incident_id, world.stranger_incident_id]
    )
    assert await found(world, "%") == [odd]  # a literal percent sign, not a wildcard
    assert await found(world, "t_w") == [odd]
    assert await found(world, "p_l") == []  # a literal underscore: as a wildcard it would find "police"
    assert await found(world, "fire") == []
    assert quiet not in await found(world, "e")
    listed = await world.client.get(
        INCIDENTS, params={"transcript": "police", "label": "distress"}, headers=world["owner"].headers
    )
    assert listed.json()["total"] == 0  # combines with the other filters (the seeded incident is a scream)


async def test_a_bad_transcript_search_names_the_field(world: World) -> None:
    for value in ("", "x" * 201):
        response = await world.client.get(
            INCIDENTS, params={"transcript": value}, headers=world["owner"].headers
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "transcript"]


async def test_a_camera_transcribes_only_when_switched_on(world: World) -> None:
    camera = f"/api/v1/cameras/{world.camera_id}"
    assert (await world.client.get(camera, headers=world["owner"].headers)).json()["transcribe"] is False
    switched = await world.client.patch(camera, json={"transcribe": True}, headers=world["owner"].headers)
    assert switched.status_code == 200, switched.text
    assert switched.json()["transcribe"] is True
    assert world.app.state.runtime.units.profile(world.camera_id).spec.transcribe is True
    refused = await world.client.patch(camera, json={"transcribe": None}, headers=world["owner"].headers)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "transcribe"]
    viewer = await world.client.patch(camera, json={"transcribe": False}, headers=world["viewer"].headers)
    assert viewer.status_code in (403, 404)
    off = await world.client.patch(camera, json={"transcribe": False}, headers=world["owner"].headers)
    assert off.json()["transcribe"] is False
    assert world.app.state.runtime.units.profile(world.camera_id).spec.transcribe is False


async def test_reviewing_everything_a_search_finds_marks_only_those(world: World) -> None:
    other = await world.add_incident(world.camera_id, "glass_break")
    await add_speech(world, world.incident_id, "Help! Somebody call the police!")
    reviewed = await world.client.post(
        f"{INCIDENTS}/review", json={"filter": {"transcript": "police"}}, headers=world["owner"].headers
    )
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json() == {"reviewed": 1}
    statuses = {}
    for incident_id in (world.incident_id, other):
        detail = await world.client.get(f"{INCIDENTS}/{incident_id}", headers=world["owner"].headers)
        statuses[incident_id] = detail.json()["status"]
    assert statuses == {world.incident_id: "acknowledged", other: "new"}
