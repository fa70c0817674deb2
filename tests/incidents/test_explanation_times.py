"""A stored explanation says how its camera-clock times become wall-clock times (`wall_offset_s`), so the
dashboard can show each piece of evidence at the time of day it happened."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from tests.conftest import build_world
from vigil.db.tables import Incident
from vigil.fusion import load_default_rules
from vigil.fusion.simulate import Scene, Sound, StreamClock, audio, merged, video
from vigil.incidents.recorder import IncidentRecorder

WALL_START = 1_780_000_000.0  # a Unix time: the camera's clock read 0 then


async def test_every_evidence_time_maps_to_the_wall_time_it_was_observed(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    world = await build_world(app, client)
    events: list[dict[str, Any]] = []

    async def broadcast(camera_id: int, event: str, payload: dict[str, Any]) -> None:
        events.append(payload)

    recorder = IncidentRecorder(app.state.runtime.session_factory, broadcast, load_default_rules())
    clock = StreamClock(camera_id=world.camera_id, wall_start_s=WALL_START)
    observations = merged(
        video(clock, 0, 20, lambda t: Scene()),
        audio(clock, 0, 20, [Sound("scream", 0.8, 10, 11.5)]),
    )
    for observation in observations:
        await recorder.observe(observation)
    assert events, "the scream opened no incident"
    async with app.state.runtime.session_factory() as db:
        incident = await db.get(Incident, events[0]["incident_id"])
    assert incident is not None
    explanation = incident.explanation
    offset = explanation["wall_offset_s"]
    assert offset == WALL_START  # camera second t happened at WALL_START + t
    times = [item["t_s"] + offset for term in explanation["terms"] for item in term.get("evidence_items", [])]
    assert WALL_START + 10 in times  # the scream, at the wall time its sound began
    assert incident.started_at.timestamp() == WALL_START + 10
