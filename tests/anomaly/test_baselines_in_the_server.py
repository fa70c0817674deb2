"""Baselines in the running server: a camera learns its nights, says "learning, N of M days" until it has
enough, then raises an `anomaly` incident whose explanation names the measure, the value, the expected range
and the history; an operator marks it normal and the same pattern no longer fires; a restart in the middle of
learning loses nothing; a reset starts over."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import col, select

from tests.anomaly.nights import MONDAY, feed, night
from tests.conftest import World, build_world, make_settings
from vigil.api.app import create_app
from vigil.db.tables import Incident
from vigil.settings import Settings

SLOT_S = 60.0
MIN_DAYS = 3


def anomaly_settings(tmp_path: Path) -> Settings:
    return make_settings(
        tmp_path, anomaly_slot_s=SLOT_S, anomaly_min_days=MIN_DAYS, timezone="UTC", speech_enabled=False
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return anomaly_settings(tmp_path)


async def anomalies(app: FastAPI, camera_id: int) -> list[Incident]:
    async with app.state.runtime.session_factory() as db:
        query = select(Incident).where(col(Incident.camera_id) == camera_id, col(Incident.label) == "anomaly")
        return list((await db.scalars(query)).all())


async def activity(world: World, day: int, who: str = "viewer") -> dict[str, Any]:
    shown = (MONDAY + timedelta(days=day)).date()
    response = await world.client.get(
        f"/api/v1/cameras/{world.camera_id}/activity",
        params={"day": shown.isoformat()},
        headers=world[who].headers,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["day"] == shown.isoformat()
    return body


def measure(body: dict[str, Any], name: str) -> dict[str, Any]:
    return next(m for m in body["measures"] if m["measure"] == name)


async def test_a_crowd_at_night_is_an_anomaly_once_learned_and_marked_normal_it_stops(world: World) -> None:
    app, camera = world.app, world.camera_id
    for day in range(MIN_DAYS - 1):
        await feed(app, night(camera, day, people=0))
    learning = (await activity(world, MIN_DAYS - 2))["learning"]
    assert learning == {"enabled": True, "days": MIN_DAYS - 1, "days_needed": MIN_DAYS, "learning": True}
    await feed(app, night(camera, MIN_DAYS - 1, people=0))
    await feed(app, night(camera, MIN_DAYS - 1, people=6, hour=14))  # still learning: nothing fires yet
    assert await anomalies(app, camera) == []
    await feed(app, night(camera, MIN_DAYS, people=0))
    assert (await activity(world, MIN_DAYS))["learning"]["learning"] is False

    day = MIN_DAYS + 1
    await feed(app, night(camera, day, people=0))  # a usual night raises nothing
    assert await anomalies(app, camera) == []
    await feed(app, night(camera, day + 7, people=7))  # the same weekday a week later: a crowd at 03:00
    found = await anomalies(app, camera)
    assert len(found) == 1, [i.explanation.get("summary") for i in found]
    incident = found[0]
    items = [item for term in incident.explanation["terms"] for item in term.get("evidence_items", [])]
    words = " ".join(item["detail"] for item in items)
    assert "people in view" in words
    assert "expected" in words
    assert f"{MIN_DAYS + 2} days" in words  # the history the range rests on
    assert any(item["source"] == "people" for item in items)

    body = await activity(world, day + 7)
    people = measure(body, "people")
    assert people["unit"] == "people"
    unusual = [p for p in people["observed"] if p["direction"] == "high"]
    assert unusual, "the chart marks the crowd's slots as unusual"
    assert all(p["value"] > p["high"] for p in unusual)
    assert unusual[0]["high"] < 3  # the range of empty nights, expected before the crowd came
    assert 3 in [h["hour"] for h in people["expected"]]  # hours without history have no range

    viewer = await world.client.post(
        f"/api/v1/incidents/{incident.id}/normal", headers=world["viewer"].headers
    )
    assert viewer.status_code == 403
    marked = await world.client.post(
        f"/api/v1/incidents/{incident.id}/normal", headers=world["operator"].headers
    )
    assert marked.status_code == 200, marked.text
    assert marked.json()["absorbed"] >= 1
    assert marked.json()["incident"]["status"] == "resolved"

    await feed(app, night(camera, day + 14, people=7))  # the same pattern, a week later again
    assert len(await anomalies(app, camera)) == 1

    other = await world.client.post(
        f"/api/v1/incidents/{world.incident_id}/normal", headers=world["owner"].headers
    )
    assert other.status_code == 409
    assert other.json()["detail"] == "NOT_AN_ANOMALY"


async def test_a_restart_in_the_middle_of_learning_loses_no_baseline_and_a_reset_starts_over(
    tmp_path: Path,
) -> None:
    settings = anomaly_settings(tmp_path)

    async def running() -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://vigil.test") as client:
                yield app, client

    async for app, client in running():
        world = await build_world(app, client)
        camera, owner = world.camera_id, world["owner"]
        for day in range(2):
            await feed(app, night(camera, day, people=1))
        before = await activity(world, 1, who="owner")
    assert before["learning"]["days"] == 2

    async for app, client in running():
        world.app, world.client = app, client
        after = await activity(world, 1, who="owner")
        assert after["learning"] == before["learning"]
        assert measure(after, "people")["expected"] == measure(before, "people")["expected"]
        assert measure(after, "people")["observed"] == measure(before, "people")["observed"]

        assert (
            await client.delete(f"/api/v1/cameras/{camera}/baseline", headers=world["viewer"].headers)
        ).status_code == 403
        reset = await client.delete(f"/api/v1/cameras/{camera}/baseline", headers=owner.headers)
        assert reset.status_code == 204
        cleared = await activity(world, 1, who="owner")
        assert cleared["learning"]["days"] == 0
        assert measure(cleared, "people")["expected"] == []
        assert measure(cleared, "people")["observed"]  # what was seen stays on the chart


def test_monday_is_a_monday() -> None:
    assert MONDAY.weekday() == 0
    assert MONDAY.date() > date.today()
