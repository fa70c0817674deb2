"""Triage: bulk review (a selection, a filter up to a moment), severity groups, thumbnails and the labels
the label filter offers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import World
from vigil.db.tables import Incident
from vigil.domain import ArtifactKind, Severity

INCIDENTS = "/api/v1/incidents"
REVIEW = f"{INCIDENTS}/review"


async def statuses(world: World, actor: str = "owner") -> dict[int, str]:
    page = (await world.client.get(INCIDENTS, params={"limit": 500}, headers=world[actor].headers)).json()
    return {item["id"]: item["status"] for item in page["items"]}


async def unread(world: World, actor: str = "owner") -> int:
    page = await world.client.get(
        INCIDENTS, params={"status": "new", "limit": 1}, headers=world[actor].headers
    )
    total: int = page.json()["total"]
    return total


@pytest.fixture
async def forty(world: World) -> list[int]:
    """Forty new incidents on the owner's camera, one a minute, half of them alerts."""
    return [
        await world.add_incident(
            world.camera_id,
            "scream" if i % 2 else "loitering",
            0.8,
            started_ago_s=60 * (i + 1),
            severity=Severity.HIGH if i % 2 else Severity.LOW,
        )
        for i in range(40)
    ]


async def test_a_selection_is_marked_reviewed_and_only_it(world: World, forty: list[int]) -> None:
    before = await unread(world)
    chosen = forty[:3]
    response = await world.client.post(REVIEW, json={"ids": chosen}, headers=world["owner"].headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"reviewed": 3}
    after = await statuses(world)
    assert {after[i] for i in chosen} == {"acknowledged"}
    assert {after[i] for i in forty[3:]} == {"new"}
    assert await unread(world) == before - 3
    detail = (await world.client.get(f"{INCIDENTS}/{chosen[0]}", headers=world["owner"].headers)).json()
    assert detail["acknowledged_by"] == str(world["owner"].id)
    again = await world.client.post(REVIEW, json={"ids": chosen}, headers=world["owner"].headers)
    assert again.json() == {"reviewed": 0}  # already reviewed: nothing changes twice


async def test_everything_up_to_now_under_a_filter_is_reviewed(world: World, forty: list[int]) -> None:
    alerts = await world.client.post(
        REVIEW, json={"filter": {"group": "alert"}}, headers=world["owner"].headers
    )
    assert alerts.json() == {"reviewed": 20}
    group = await world.client.get(
        INCIDENTS, params={"group": "alert", "status": "new"}, headers=world["owner"].headers
    )
    assert group.json()["total"] == 0
    ten_minutes_ago = (datetime.now(UTC) - timedelta(minutes=10, seconds=30)).isoformat()
    older = await world.client.post(
        REVIEW, json={"filter": {}, "up_to": ten_minutes_ago}, headers=world["owner"].headers
    )
    assert older.json() == {"reviewed": 15}  # the detections of minutes 11 to 40
    everything = await world.client.post(REVIEW, json={"filter": {}}, headers=world["owner"].headers)
    assert everything.json()["reviewed"] >= 5
    assert await unread(world) == 0


async def test_reviewing_leaves_cameras_one_may_only_view_or_not_see(world: World, forty: list[int]) -> None:
    viewer = await world.client.post(REVIEW, json={"filter": {}}, headers=world["viewer"].headers)
    assert viewer.json() == {"reviewed": 0}
    stranger = await world.client.post(REVIEW, json={"ids": forty[:5]}, headers=world["stranger"].headers)
    assert stranger.json() == {"reviewed": 0}
    assert set((await statuses(world)).values()) == {"new"}
    operator = await world.client.post(REVIEW, json={"ids": forty[:5]}, headers=world["operator"].headers)
    assert operator.json() == {"reviewed": 5}


@pytest.mark.parametrize(
    "body",
    [{}, {"ids": [1], "filter": {}}, {"ids": []}, {"ids": [2**63]}, {"filter": {"group": "urgent"}}],
)
async def test_a_review_must_say_what_it_marks(world: World, body: dict[str, Any]) -> None:
    response = await world.client.post(REVIEW, json=body, headers=world["owner"].headers)
    assert response.status_code == 422, response.text


async def test_lists_carry_thumbnails_and_severity_groups(world: World) -> None:
    with_snapshot = await world.add_incident(world.camera_id, "fall", severity=Severity.HIGH)
    snapshot = await world.add_artifact(with_snapshot, b"\xff\xd8jpeg", kind=ArtifactKind.SNAPSHOT)
    await world.add_artifact(with_snapshot, b"clip")
    plain = await world.add_incident(world.camera_id, "crowding", severity=Severity.MEDIUM)
    headers = world["owner"].headers
    items = {i["id"]: i for i in (await world.client.get(INCIDENTS, headers=headers)).json()["items"]}
    assert items[with_snapshot]["snapshot_url"] == f"/api/v1/artifacts/{snapshot}"
    assert items[plain]["snapshot_url"] is None
    thumb = await world.client.get(items[with_snapshot]["snapshot_url"], headers=headers)
    assert thumb.status_code == 200
    alerts = (await world.client.get(INCIDENTS, params={"group": "alert"}, headers=headers)).json()
    detections = (await world.client.get(INCIDENTS, params={"group": "detection"}, headers=headers)).json()
    assert {i["severity"] for i in alerts["items"]} <= {"high", "critical"}
    assert {i["severity"] for i in detections["items"]} <= {"low", "medium"}
    assert with_snapshot in [i["id"] for i in alerts["items"]]
    assert plain in [i["id"] for i in detections["items"]]


async def test_the_label_filter_offers_the_labels_one_may_see(world: World) -> None:
    await world.add_incident(world.camera_id, "glass_break")
    await world.add_incident(world.stranger_camera_id, "gunshot_explosion")
    owner = (await world.client.get(f"{INCIDENTS}/labels", headers=world["owner"].headers)).json()
    assert "glass_break" in owner
    assert "gunshot_explosion" not in owner
    assert owner == sorted(set(owner))
    admin = (await world.client.get(f"{INCIDENTS}/labels", headers=world["admin"].headers)).json()
    assert {"glass_break", "gunshot_explosion"} <= set(admin)


async def test_open_incidents_are_those_not_ended(world: World) -> None:
    ongoing = await world.add_incident(world.camera_id, "intrusion", severity=Severity.HIGH)
    ended = await world.add_incident(world.camera_id, "fall", severity=Severity.HIGH)
    async with world.app.state.runtime.session_factory() as db:
        incident = await db.get(Incident, ended)
        assert incident is not None
        incident.ended_at = datetime.now(UTC)
        db.add(incident)
        await db.commit()
    headers = world["owner"].headers
    open_ids = [
        i["id"]
        for i in (await world.client.get(INCIDENTS, params={"open": True}, headers=headers)).json()["items"]
    ]
    done_ids = [
        i["id"]
        for i in (await world.client.get(INCIDENTS, params={"open": False}, headers=headers)).json()["items"]
    ]
    assert ongoing in open_ids
    assert ended not in open_ids
    assert ended in done_ids
    assert ongoing not in done_ids
