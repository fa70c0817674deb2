"""`GET /incidents/stats`: counts of the incidents a caller may see, per bucket, camera, label and hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import World
from vigil.db import incidents as incident_repo
from vigil.db.tables import Incident

STATS = "/api/v1/incidents/stats"
# A week of Paris time around the spring change (29 March 2026 has 23 hours).
SINCE, UNTIL = "2026-03-27T00:00:00+01:00", "2026-04-03T00:00:00+02:00"


async def add_at(world: World, camera_id: int, label: str, started: str, confidence: float = 0.8) -> None:
    async with world.app.state.runtime.session_factory() as db:
        await incident_repo.add(
            db,
            Incident(
                camera_id=camera_id,
                label=label,
                confidence=confidence,
                started_at=datetime.fromisoformat(started),
            ),
        )


@pytest.fixture
async def spring(world: World) -> World:
    """The owner's camera (shared with viewer and operator): 3 distress, 1 fall; the stranger's: 2 alarms."""
    for label, started, confidence in [
        ("distress", "2026-03-28T14:10:00+01:00", 0.9),
        ("distress", "2026-03-28T14:50:00+01:00", 0.5),
        ("distress", "2026-03-30T00:30:00+02:00", 0.9),  # 29 March in UTC, the 30th in Paris
        ("fall", "2026-03-29T03:15:00+02:00", 0.7),
    ]:
        await add_at(world, world.camera_id, label, started, confidence)
    for started in ["2026-03-28T14:20:00+01:00", "2026-04-01T09:00:00+02:00"]:
        await add_at(world, world.stranger_camera_id, "alarm", started)
    return world


async def stats(world: World, actor: str, **params: object) -> dict[str, Any]:
    query = {"since": SINCE, "until": UNTIL, "bucket": "day", "tz": "Europe/Paris", **params}
    response = await world.client.get(STATS, params=query, headers=world[actor].headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def day_counts(body: dict[str, Any], label: str) -> dict[str, int]:
    return {b["start"][:10]: b["counts"].get(label, 0) for b in body["buckets"] if b["counts"].get(label)}


async def test_owner_counts_their_camera_per_local_day(spring: World) -> None:
    body = await stats(spring, "owner")
    assert body["total"] == 4
    assert body["labels"] == ["distress", "fall"]
    assert [b["start"] for b in body["buckets"]][:4] == [
        "2026-03-27T00:00:00+01:00",
        "2026-03-28T00:00:00+01:00",
        "2026-03-29T00:00:00+01:00",
        "2026-03-30T00:00:00+02:00",
    ]
    assert len(body["buckets"]) == 7
    assert body["buckets"][2]["end"] == "2026-03-30T00:00:00+02:00"
    assert day_counts(body, "distress") == {"2026-03-28": 2, "2026-03-30": 1}
    assert day_counts(body, "fall") == {"2026-03-29": 1}
    assert body["by_camera"] == [{"camera_id": spring.camera_id, "name": "owner's camera", "count": 4}]
    assert body["by_label"] == [{"label": "distress", "count": 3}, {"label": "fall", "count": 1}]
    distress = body["hour_of_day"][0]
    assert distress["label"] == "distress"
    assert len(distress["counts"]) == 24
    assert distress["counts"][14] == 2
    assert distress["counts"][0] == 1
    assert (body["since"], body["until"], body["tz"], body["bucket"]) == (SINCE, UNTIL, "Europe/Paris", "day")


async def test_a_stranger_never_counts_another_users_cameras(spring: World) -> None:
    body = await stats(spring, "stranger")
    assert body["total"] == 2
    assert body["labels"] == ["alarm"]
    assert [c["camera_id"] for c in body["by_camera"]] == [spring.stranger_camera_id]
    hidden = await stats(spring, "stranger", camera_id=spring.camera_id)
    assert hidden["total"] == 0
    assert hidden["by_camera"] == []
    assert len(hidden["buckets"]) == 7
    assert (await stats(spring, "bystander"))["total"] == 0


async def test_shared_viewers_count_the_shared_camera_and_admins_count_all(spring: World) -> None:
    assert (await stats(spring, "viewer"))["total"] == 4
    assert (await stats(spring, "operator"))["by_label"][0] == {"label": "distress", "count": 3}
    admin = await stats(spring, "admin")
    assert admin["total"] == 6
    assert [c["count"] for c in admin["by_camera"]] == [4, 2]
    assert admin["labels"] == ["distress", "alarm", "fall"]


async def test_filters_narrow_the_counts(spring: World) -> None:
    assert (await stats(spring, "admin", label="alarm"))["total"] == 2
    assert (await stats(spring, "admin", min_confidence=0.85))["total"] == 2
    assert (await stats(spring, "admin", camera_id=spring.camera_id, label="fall"))["total"] == 1


async def test_hourly_buckets_skip_the_missing_spring_hour(spring: World) -> None:
    body = await stats(
        spring, "owner", since="2026-03-29T00:00:00+01:00", until="2026-03-30T00:00:00+02:00", bucket="hour"
    )
    assert len(body["buckets"]) == 23
    assert [b["start"][11:] for b in body["buckets"][1:4]] == [
        "01:00:00+01:00",
        "03:00:00+02:00",
        "04:00:00+02:00",
    ]
    assert body["buckets"][2]["counts"] == {"fall": 1}


async def test_the_default_range_is_the_last_seven_days_in_utc(world: World) -> None:
    response = await world.client.get(STATS, headers=world["owner"].headers)
    assert response.status_code == 200, response.text
    body = response.json()
    since, until = datetime.fromisoformat(body["since"]), datetime.fromisoformat(body["until"])
    assert until - since == timedelta(days=7)
    assert abs(until - datetime.now(UTC)) < timedelta(minutes=1)
    assert body["tz"] == "UTC"
    assert body["bucket"] == "day"
    assert len(body["buckets"]) == 8  # the partial first day, six whole ones, today
    assert body["total"] == 1
    assert body["labels"] == ["scream"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"tz": "Mars/Olympus"}, "tz"),
        ({"tz": "../../etc/passwd"}, "tz"),
        ({"bucket": "week"}, "bucket"),
        ({"since": "2026-03-27T00:00:00"}, "since"),  # no offset: which midnight?
        ({"since": UNTIL, "until": SINCE}, "until"),
        ({"since": "2026-01-01T00:00:00Z", "until": "2026-04-01T00:00:00Z", "bucket": "hour"}, "bucket"),
        ({"min_confidence": 2}, "min_confidence"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_queries_answer_422_naming_the_parameter(
    world: World, params: dict[str, object], field: str
) -> None:
    response = await world.client.get(STATS, params=params, headers=world["owner"].headers)
    assert response.status_code == 422, response.text
    assert [error["loc"] for error in response.json()["detail"]] == [["query", field]]


async def test_2000_hourly_buckets_are_allowed(world: World) -> None:
    since = datetime(2026, 1, 1, tzinfo=UTC)
    params = {
        "since": since.isoformat(),
        "until": (since + timedelta(hours=2000)).isoformat(),
        "bucket": "hour",
    }
    response = await world.client.get(STATS, params=params, headers=world["owner"].headers)
    assert response.status_code == 200, response.text
    assert len(response.json()["buckets"]) == 2000
