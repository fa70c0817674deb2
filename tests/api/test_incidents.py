"""Incidents: filters, paging, sort, detail with explanation and artifacts, acknowledge and resolve."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import World

INCIDENTS = "/api/v1/incidents"


@pytest.fixture
async def many(world: World) -> World:
    """Six more incidents on the main camera: labels, confidences and start times to filter on."""
    for label, confidence, ago_s in [
        ("fall", 0.95, 10),
        ("fall", 0.40, 3600),
        ("intrusion", 0.70, 7200),
        ("scream", 0.55, 86400 * 2),
        ("glass_break", 0.90, 30),
        ("intrusion", 0.65, 90),
    ]:
        await world.add_incident(world.camera_id, label, confidence, ago_s)
    return world


async def _list(world: World, actor: str = "owner", **params: object) -> dict[str, object]:
    response = await world.client.get(INCIDENTS, params=params, headers=world[actor].headers)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def labels(page: dict[str, object]) -> list[str]:
    items = page["items"]
    assert isinstance(items, list)
    return [item["label"] for item in items]


async def test_lists_newest_first_only_from_visible_cameras(many: World) -> None:
    page = await _list(many)
    assert page["total"] == 7
    assert labels(page) == ["fall", "glass_break", "scream", "intrusion", "fall", "intrusion", "scream"]
    stranger = await _list(many, "stranger")
    assert labels(stranger) == ["glass_break"]
    assert stranger["total"] == 1
    assert (await _list(many, "admin"))["total"] == 8


async def test_filters_combine(many: World) -> None:
    assert labels(await _list(many, label="fall")) == ["fall", "fall"]
    assert labels(await _list(many, min_confidence=0.9)) == ["fall", "glass_break"]
    since = (datetime.now(UTC) - timedelta(hours=1, minutes=30)).isoformat()
    until = (datetime.now(UTC) - timedelta(seconds=45)).isoformat()
    assert labels(await _list(many, since=since, until=until)) == ["scream", "intrusion", "fall"]
    assert labels(await _list(many, label="intrusion", min_confidence=0.66)) == ["intrusion"]
    assert (await _list(many, camera_id=many.stranger_camera_id))["total"] == 0
    assert (await _list(many, "stranger", camera_id=many.camera_id))["total"] == 0


async def test_pages_and_sorts(many: World) -> None:
    first = await _list(many, limit=3, offset=0, sort="-confidence")
    second = await _list(many, limit=3, offset=3, sort="-confidence")
    assert first["total"] == second["total"] == 7
    confidences = [i["confidence"] for i in first["items"] + second["items"]]  # type: ignore[operator]
    assert confidences == sorted(confidences, reverse=True)
    assert len(confidences) == 6
    oldest = await _list(many, sort="started_at", limit=1)
    assert labels(oldest) == ["scream"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_confidence": 1.5}, "min_confidence"),
        ({"status": "done"}, "status"),
        ({"sort": "name"}, "sort"),
        ({"limit": 0}, "limit"),
        ({"since": "yesterday"}, "since"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_filters_answer_422_naming_the_parameter(
    world: World, params: dict[str, object], field: str
) -> None:
    response = await world.client.get(INCIDENTS, params=params, headers=world["owner"].headers)
    assert response.status_code == 422
    assert [error["loc"][-1] for error in response.json()["detail"]] == [field]


async def test_detail_has_explanation_and_artifacts(world: World) -> None:
    response = await world.client.get(f"{INCIDENTS}/{world.incident_id}", headers=world["viewer"].headers)
    assert response.status_code == 200
    detail = response.json()
    assert detail["explanation"]["terms"][0]["modality"] == "audio"
    assert [a["id"] for a in detail["artifacts"]] == [world.artifact_id]
    assert detail["artifacts"][0]["url"] == f"/api/v1/artifacts/{world.artifact_id}"
    assert detail["status"] == "new"


async def test_operator_acknowledges_then_resolves(world: World) -> None:
    url = f"{INCIDENTS}/{world.incident_id}"
    operator = world["operator"]
    acked = (await world.client.patch(url, json={"status": "acknowledged"}, headers=operator.headers)).json()
    assert acked["status"] == "acknowledged"
    assert acked["acknowledged_by"] == str(operator.id)
    assert acked["acknowledged_at"] is not None
    assert acked["resolved_at"] is None

    resolved = (
        await world.client.patch(
            url, json={"status": "resolved", "keep": True}, headers=world["owner"].headers
        )
    ).json()
    assert (resolved["status"], resolved["keep"]) == ("resolved", True)
    assert resolved["acknowledged_by"] == str(operator.id)
    assert resolved["resolved_at"] is not None
    assert labels(await _list(world, status="resolved")) == ["scream"]
    assert (await _list(world, status="new"))["total"] == 0


async def test_viewer_cannot_change_an_incident(world: World) -> None:
    url = f"{INCIDENTS}/{world.incident_id}"
    response = await world.client.patch(url, json={"status": "resolved"}, headers=world["viewer"].headers)
    assert (response.status_code, response.json()["detail"]) == (403, "INCIDENT_OPERATE_FORBIDDEN")
    bad = await world.client.patch(url, json={"status": "closed"}, headers=world["owner"].headers)
    assert bad.status_code == 422
