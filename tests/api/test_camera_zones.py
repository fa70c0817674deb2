"""A camera's zones and privacy switch over the API: stored, returned, checked field by field, and handed
to tracking, fusion and the incident media of the running server."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import World
from vigil.api.livefeed import LiveFeed
from vigil.camera.units import CameraUnits
from vigil.incidents.recorder import IncidentRecorder
from vigil.tracking.zones import ClosedHours, Zone, ZoneKind

CAMERAS = "/api/v1/cameras"
DOOR = {"name": "door", "kind": "restricted", "points": [[0.1, 0.5], [0.4, 0.5], [0.4, 1.0], [0.1, 1.0]]}
WINDOW = {"name": "neighbour's window", "kind": "privacy", "points": [[0.6, 0.0], [1.0, 0.0], [1.0, 0.3]]}
BENCH = {"name": "bench", "kind": "loiter", "points": [[0.5, 0.5], [0.9, 0.5], [0.7, 0.9]], "loiter_s": 20}


def rtsp_camera(**fields: Any) -> dict[str, Any]:
    return {"name": "gate", "kind": "rtsp", "url": "rtsp://127.0.0.1:9/live", **fields}


def errors_at(response_json: dict[str, Any]) -> dict[tuple[Any, ...], str]:
    """Each error's location in the body (without the leading "body") → its message."""
    return {tuple(error["loc"][1:]): error["msg"] for error in response_json["detail"]}


def scenes_and_media(world: World) -> tuple[CameraUnits, IncidentRecorder]:
    """The camera units (whose profiles tracking reads) and the incident recorder (fusion, media)."""
    return world.app.state.runtime.units, world.app.state.runtime.incidents


async def test_zones_and_privacy_round_trip_and_reach_the_pipeline(world: World) -> None:
    client, headers = world.client, world["owner"].headers
    created = await client.post(CAMERAS, json=rtsp_camera(zones=[DOOR, BENCH], privacy=True), headers=headers)
    assert created.status_code == 201, created.text
    camera = created.json()
    assert camera["privacy"] is True
    assert camera["zones"] == [
        {**DOOR, "loiter_s": None, "closed_hours": []},
        {**BENCH, "loiter_s": 20.0, "closed_hours": []},
    ]
    read = (await client.get(f"{CAMERAS}/{camera['id']}", headers=headers)).json()
    assert (read["zones"], read["privacy"]) == (camera["zones"], True)
    scenes, recorder = scenes_and_media(world)
    assert scenes.zones(camera["id"]) == (
        Zone("door", ((0.1, 0.5), (0.4, 0.5), (0.4, 1.0), (0.1, 1.0)), ZoneKind.RESTRICTED),
        Zone("bench", ((0.5, 0.5), (0.9, 0.5), (0.7, 0.9)), ZoneKind.LOITER, 20.0),
    )
    assert recorder.media is not None
    assert recorder.media.is_private(camera["id"])

    # a PATCH of other fields keeps them; zones replace all zones; [] removes them
    renamed = await client.patch(f"{CAMERAS}/{camera['id']}", json={"name": "Gate 2"}, headers=headers)
    assert (renamed.json()["zones"], renamed.json()["privacy"]) == (camera["zones"], True)
    patched = await client.patch(
        f"{CAMERAS}/{camera['id']}", json={"zones": [BENCH], "privacy": False}, headers=headers
    )
    assert patched.status_code == 200, patched.text
    assert [z["name"] for z in patched.json()["zones"]] == ["bench"]
    assert patched.json()["privacy"] is False
    assert [z.name for z in scenes.zones(camera["id"])] == ["bench"]
    assert [z.name for z in recorder.engine.zones(camera["id"])] == ["bench"]
    assert not recorder.media.is_private(camera["id"])
    cleared = await client.patch(f"{CAMERAS}/{camera['id']}", json={"zones": []}, headers=headers)
    assert cleared.json()["zones"] == []
    assert scenes.zones(camera["id"]) == ()

    # a camera made without them has none, and privacy off
    plain = (await client.post(CAMERAS, json=rtsp_camera(), headers=headers)).json()
    assert (plain["zones"], plain["privacy"]) == ([], False)


async def test_a_zones_closed_hours_round_trip_reach_fusion_and_are_checked(world: World) -> None:
    client, headers = world.client, world["owner"].headers
    weekend_nights = {"start": "22:00", "end": "06:00", "days": ["sat", "sun"]}
    yard = {**BENCH, "name": "yard", "closed_hours": [weekend_nights, {"start": "12:00", "end": "13:00"}]}
    created = await client.post(CAMERAS, json=rtsp_camera(zones=[yard]), headers=headers)
    assert created.status_code == 201, created.text
    stored = created.json()["zones"][0]["closed_hours"]
    assert stored == [weekend_nights, {"start": "12:00", "end": "13:00", "days": None}]
    scenes, _ = scenes_and_media(world)
    (zone,) = scenes.zones(created.json()["id"])
    assert zone.closed_hours == (ClosedHours("22:00", "06:00", ("sat", "sun")), ClosedHours("12:00", "13:00"))

    for bad, where in (
        ({"start": "22:00", "end": "6:00"}, ("zones", 0, "closed_hours", 0, "end")),
        ({"start": "22:00", "end": "06:00", "days": ["someday"]}, ("zones", 0, "closed_hours", 0, "days")),
    ):
        refused = await client.post(
            CAMERAS, json=rtsp_camera(zones=[{**BENCH, "closed_hours": [bad]}]), headers=headers
        )
        assert refused.status_code == 422, refused.text
        assert where in errors_at(refused.json()), refused.json()


@pytest.mark.parametrize(
    ("zones", "where", "words"),
    [
        ([{**DOOR, "points": [[0.1, 0.1], [0.2, 0.2]]}], ("zones", 0, "points"), "at least 3"),
        ([{**DOOR, "points": [[0.1, 0.1], [1.2, 0.2], [0.3, 0.9]]}], ("zones", 0, "points", 1, 0), "1"),
        ([{**DOOR, "points": [[0.1, -0.1], [0.5, 0.2], [0.3, 0.9]]}], ("zones", 0, "points", 0, 1), "0"),
        ([{**DOOR, "points": [[0.1, 0.1, 0.1], [0.5, 0.2], [0.3, 0.9]]}], ("zones", 0, "points", 0), "2"),
        ([{**DOOR, "kind": "forbidden"}], ("zones", 0, "kind"), "'restricted', 'loiter' or 'privacy'"),
        ([{**DOOR, "name": " "}], ("zones", 0, "name"), "at least 1"),
        ([DOOR, {**BENCH, "name": "door"}], ("zones",), "zone names must be unique: 'door'"),
        ([{**BENCH, "loiter_s": 0}], ("zones", 0, "loiter_s"), "greater than 0"),
        ([{**BENCH, "colour": "red"}], ("zones", 0, "colour"), "not permitted"),
        ([{"name": "x", "kind": "loiter"}], ("zones", 0, "points"), "required"),
    ],
)
async def test_bad_zones_answer_422_at_the_field(
    world: World, zones: list[dict[str, Any]], where: tuple[Any, ...], words: str
) -> None:
    client, headers = world.client, world["owner"].headers
    created = await client.post(CAMERAS, json=rtsp_camera(zones=zones), headers=headers)
    assert created.status_code == 422, created.text
    errors = errors_at(created.json())
    assert where in errors, errors
    assert words in errors[where]
    patched = await client.patch(f"{CAMERAS}/{world.camera_id}", json={"zones": zones}, headers=headers)
    assert patched.status_code == 422, patched.text
    assert words in errors_at(patched.json())[where]


async def test_zones_and_privacy_may_not_be_null_and_only_managers_change_them(world: World) -> None:
    url = f"{CAMERAS}/{world.camera_id}"
    for field in ("zones", "privacy"):
        response = await world.client.patch(url, json={field: None}, headers=world["owner"].headers)
        assert response.status_code == 422
        assert errors_at(response.json()) == {(field,): "may not be null"}
    operator = await world.client.patch(url, json={"privacy": True}, headers=world["operator"].headers)
    assert operator.status_code == 403
    shown = (await world.client.get(url, headers=world["viewer"].headers)).json()
    assert shown["privacy"] is False


async def test_a_privacy_mask_is_no_zone_for_tracking_and_fusion_but_masks_media_and_live_view(
    world: World,
) -> None:
    client, headers = world.client, world["owner"].headers
    created = await client.post(CAMERAS, json=rtsp_camera(zones=[DOOR, WINDOW]), headers=headers)
    assert created.status_code == 201, created.text
    camera = created.json()
    assert [z["kind"] for z in camera["zones"]] == ["restricted", "privacy"]
    scenes, recorder = scenes_and_media(world)
    feed: LiveFeed = world.app.state.runtime.livefeed
    window = ((0.6, 0.0), (1.0, 0.0), (1.0, 0.3))
    assert [z.name for z in scenes.zones(camera["id"])] == ["door"]  # tracking does not see the mask
    assert [z.name for z in recorder.engine.zones(camera["id"])] == ["door"]  # nor fusion
    assert recorder.media is not None
    assert recorder.media.masks(camera["id"]) == (window,)  # face privacy stays off; masks apply anyway
    assert not recorder.media.is_private(camera["id"])
    assert feed.masks(camera["id"]) == (window,)

    cleared = await client.patch(f"{CAMERAS}/{camera['id']}", json={"zones": [DOOR]}, headers=headers)
    assert cleared.status_code == 200, cleared.text
    assert recorder.media.masks(camera["id"]) == ()
    assert feed.masks(camera["id"]) == ()
