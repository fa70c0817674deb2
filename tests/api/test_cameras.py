"""Cameras over the API: create, read, update, delete, share, masked credentials, precise 422s."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import World
from vigil.db.tables import Camera

CAMERAS = "/api/v1/cameras"


def field_errors(response_json: dict[str, object]) -> dict[str, str]:
    detail = response_json["detail"]
    assert isinstance(detail, list)
    return {error["loc"][-1]: error["msg"] for error in detail}


async def test_owner_creates_lists_updates_and_deletes(world: World) -> None:
    client, owner = world.client, world["owner"]
    response = await client.post(
        CAMERAS,
        json={
            "name": " Loading bay ",
            "kind": "rtsp",
            "url": "rtsp://ops:pa55word@127.0.0.1:9/live",
            "analysis_fps": 3,
        },
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    camera = response.json()
    assert camera["name"] == "Loading bay"
    assert camera["url"] == "rtsp://ops:***@127.0.0.1:9/live"
    assert camera["owner_id"] == str(owner.id)
    assert (camera["analysis_fps"], camera["enabled"], camera["access"]) == (3, True, "manage")

    listed = (await client.get(CAMERAS, headers=owner.headers)).json()
    assert camera["id"] in [c["id"] for c in listed["items"]]
    assert listed["total"] == len(listed["items"]) == 2

    response = await client.patch(
        f"{CAMERAS}/{camera['id']}", json={"enabled": False, "name": "Bay 2"}, headers=owner.headers
    )
    assert response.status_code == 200
    assert (response.json()["enabled"], response.json()["name"]) == (False, "Bay 2")
    health = (await client.get(f"{CAMERAS}/{camera['id']}/health", headers=owner.headers)).json()
    assert health["state"] == "disabled"
    assert health["analysis_behind"] is False

    assert (await client.delete(f"{CAMERAS}/{camera['id']}", headers=owner.headers)).status_code == 204
    assert (await client.get(f"{CAMERAS}/{camera['id']}", headers=owner.headers)).status_code == 404


async def test_password_is_stored_but_never_returned(world: World) -> None:
    client, owner = world.client, world["owner"]
    url = f"{CAMERAS}/{world.camera_id}"
    for body in [
        (await client.get(url, headers=owner.headers)).text,
        (await client.get(CAMERAS, headers=owner.headers)).text,
        (await client.get(url, headers=world["viewer"].headers)).text,
        (await client.patch(url, json={"name": "renamed"}, headers=owner.headers)).text,
    ]:
        assert "s3cret" not in body
        assert "admin:***@" in body


async def test_masked_url_sent_back_keeps_the_stored_password(world: World) -> None:
    client, owner = world.client, world["owner"]
    url = f"{CAMERAS}/{world.camera_id}"
    shown = (await client.get(url, headers=owner.headers)).json()["url"]
    assert (await client.patch(url, json={"url": shown}, headers=owner.headers)).status_code == 200
    async with world.app.state.runtime.session_factory() as db:
        camera = await db.get(Camera, world.camera_id)
        assert camera is not None
        assert camera.url == "rtsp://admin:s3cret@127.0.0.1:9/stream1"

    new_url = "rtsp://admin:rotated@127.0.0.1:9/stream1"
    assert (await client.patch(url, json={"url": new_url}, headers=owner.headers)).status_code == 200
    async with world.app.state.runtime.session_factory() as db:
        camera = await db.get(Camera, world.camera_id)
        assert camera is not None
        assert camera.url == new_url


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"name": "", "kind": "rtsp", "url": "rtsp://h/s"}, "name", "at least 1"),
        ({"name": "x" * 101, "kind": "rtsp", "url": "rtsp://h/s"}, "name", "at most 100"),
        ({"name": "a", "kind": "ftp", "url": "rtsp://h/s"}, "kind", "rtsp"),
        ({"name": "a", "kind": "rtsp", "url": "http://h/s"}, "url", "rtsp://"),
        ({"name": "a", "kind": "rtsp", "url": "rtsp:///s"}, "url", "no host"),
        ({"name": "a", "kind": "rtsp", "url": "rtsp://h:99999/s"}, "url", "not a valid RTSP URL"),
        ({"name": "a", "kind": "usb", "url": "/etc/passwd"}, "url", "/dev/videoN"),
        ({"name": "a", "kind": "webrtc", "url": "rtsp://h/s"}, "url", "takes no URL"),
        ({"name": "a", "kind": "file", "url": "relative.mp4"}, "url", "absolute path"),
        ({"name": "a", "kind": "file", "url": "/etc/passwd"}, "url", "outside the folders"),
        (
            {"name": "a", "kind": "rtsp", "url": "rtsp://h/s", "analysis_fps": 0},
            "analysis_fps",
            "greater than 0",
        ),
        ({"name": "a", "kind": "rtsp", "url": "rtsp://h/s", "analysis_fps": 31}, "analysis_fps", "30"),
        ({"name": "a", "kind": "rtsp", "url": "rtsp://h/s", "owner_id": "x"}, "owner_id", "not permitted"),
        ({"kind": "rtsp", "url": "rtsp://h/s"}, "name", "required"),
        (
            {"name": "a", "kind": "rtsp", "url": "rtsp://h/s", "detect_url": "rtsp://h/s2\r\nSETUP x"},
            "detect_url",
            "control character",
        ),
        (
            {"name": "a", "kind": "rtsp", "url": "rtsp://h/s", "detect_url": "rtsp://169.254.169.254/s"},
            "detect_url",
            "link-local",
        ),
        (
            {"name": "a", "kind": "rtsp", "url": "rtsp://h/s", "detect_url": "http://h/s"},
            "detect_url",
            "rtsp://",
        ),
        (
            {"name": "a", "kind": "rtsp", "url": "rtsp://h/s", "detect_url": "rtsp://h/s"},
            "detect_url",
            "is the main URL",
        ),
        (
            {"name": "a", "kind": "usb", "url": "0", "detect_url": "rtsp://127.0.0.1:9/sub"},
            "detect_url",
            "only RTSP cameras",
        ),
    ],
)
async def test_bad_camera_answers_422_naming_the_field(
    world: World, body: dict[str, object], field: str, words: str
) -> None:
    response = await world.client.post(CAMERAS, json=body, headers=world["owner"].headers)
    assert response.status_code == 422, response.text
    errors = field_errors(response.json())
    assert field in errors, errors
    assert words in errors[field]


async def test_detect_substream_is_stored_masked_and_cleared(world: World) -> None:
    client, owner = world.client, world["owner"]
    url = f"{CAMERAS}/{world.camera_id}"
    sub = "rtsp://admin:s3cret@127.0.0.1:9/stream2"
    response = await client.patch(url, json={"detect_url": sub}, headers=owner.headers)
    assert response.status_code == 200, response.text
    shown = response.json()["detect_url"]
    assert shown == "rtsp://admin:***@127.0.0.1:9/stream2"
    assert "s3cret" not in (await client.get(url, headers=world["viewer"].headers)).text

    # sent back masked with another change, the stored password stays
    response = await client.patch(url, json={"detect_url": shown, "name": "gate"}, headers=owner.headers)
    assert response.status_code == 200, response.text
    async with world.app.state.runtime.session_factory() as db:
        camera = await db.get(Camera, world.camera_id)
        assert camera is not None
        assert camera.detect_url == sub

    # a camera that stops being RTSP must drop its substream, and may with the same change
    response = await client.patch(url, json={"kind": "usb", "url": "0"}, headers=owner.headers)
    assert response.status_code == 422
    assert "only RTSP cameras" in field_errors(response.json())["detect_url"]
    response = await client.patch(url, json={"detect_url": ""}, headers=owner.headers)
    assert (response.status_code, response.json()["detect_url"]) == (200, "")


async def test_file_cameras_only_from_allowed_folders(world: World, tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    (videos / "lobby.mp4").write_bytes(b"\x00")
    (tmp_path / "private.mp4").write_bytes(b"\x00")
    (videos / "link.mp4").symlink_to(tmp_path / "private.mp4")
    headers = world["owner"].headers

    def body(path: str) -> dict[str, object]:
        return {"name": "file", "kind": "file", "url": path}

    assert (
        await world.client.post(CAMERAS, json=body(str(videos / "lobby.mp4")), headers=headers)
    ).status_code == 201
    for sneaky in [f"{videos}/../private.mp4", str(videos / "link.mp4"), str(tmp_path / "private.mp4")]:
        response = await world.client.post(CAMERAS, json=body(sneaky), headers=headers)
        assert response.status_code == 422, sneaky
        assert "VIGIL_FILE_ROOTS" in field_errors(response.json())["url"]
    response = await world.client.post(CAMERAS, json=body(str(videos / "missing.mp4")), headers=headers)
    assert field_errors(response.json())["url"] == "no such file"


async def test_patch_validates_the_url_against_the_kind(world: World) -> None:
    url = f"{CAMERAS}/{world.camera_id}"
    response = await world.client.patch(url, json={"kind": "usb"}, headers=world["owner"].headers)
    assert response.status_code == 422
    assert "url" in field_errors(response.json())
    response = await world.client.patch(url, json={"name": None}, headers=world["owner"].headers)
    assert response.status_code == 422
    assert "name" in field_errors(response.json())


async def test_viewers_cannot_add_cameras(world: World) -> None:
    response = await world.client.post(
        CAMERAS, json={"name": "a", "kind": "rtsp", "url": "rtsp://h/s"}, headers=world["viewer"].headers
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "ROLE_CANNOT_ADD_CAMERAS"


async def test_strangers_never_see_each_others_cameras(world: World) -> None:
    client = world.client
    owner_ids = {c["id"] for c in (await client.get(CAMERAS, headers=world["owner"].headers)).json()["items"]}
    stranger_ids = {
        c["id"] for c in (await client.get(CAMERAS, headers=world["stranger"].headers)).json()["items"]
    }
    admin_ids = {c["id"] for c in (await client.get(CAMERAS, headers=world["admin"].headers)).json()["items"]}
    assert owner_ids == {world.camera_id}
    assert stranger_ids == {world.stranger_camera_id}
    assert admin_ids == {world.camera_id, world.stranger_camera_id}
    missing = await client.get(f"{CAMERAS}/999999", headers=world["stranger"].headers)
    hidden = await client.get(f"{CAMERAS}/{world.camera_id}", headers=world["stranger"].headers)
    assert (missing.status_code, missing.json()) == (hidden.status_code, hidden.json())


async def test_sharing_gives_and_takes_access(world: World) -> None:
    client, owner, bystander_email = world.client, world["owner"], world.bystander_email
    from tests.conftest import login

    bystander = {"Authorization": f"Bearer {await login(client, bystander_email)}"}
    shares_url = f"{CAMERAS}/{world.camera_id}/shares"
    assert (await client.get(f"{CAMERAS}/{world.camera_id}", headers=bystander)).status_code == 404

    response = await client.post(
        shares_url, json={"email": bystander_email, "role": "viewer"}, headers=owner.headers
    )
    assert response.status_code == 201
    shared = (await client.get(f"{CAMERAS}/{world.camera_id}", headers=bystander)).json()
    assert shared["access"] == "view"

    response = await client.post(
        shares_url, json={"email": bystander_email.upper(), "role": "operator"}, headers=owner.headers
    )
    assert response.json()["role"] == "operator"
    shares = (await client.get(shares_url, headers=owner.headers)).json()
    assert {s["email"]: s["role"] for s in shares["items"]} == {
        "viewer@example.com": "viewer",
        "operator@example.com": "operator",
        bystander_email: "operator",
    }

    user_id = response.json()["user_id"]
    assert (await client.delete(f"{shares_url}/{user_id}", headers=owner.headers)).status_code == 204
    assert (await client.get(f"{CAMERAS}/{world.camera_id}", headers=bystander)).status_code == 404
    assert (await client.delete(f"{shares_url}/{user_id}", headers=owner.headers)).status_code == 404


async def test_share_errors_are_precise(world: World) -> None:
    shares_url = f"{CAMERAS}/{world.camera_id}/shares"
    headers = world["owner"].headers
    unknown = await world.client.post(shares_url, json={"email": "ghost@example.com"}, headers=headers)
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "USER_NOT_FOUND")
    to_self = await world.client.post(shares_url, json={"email": world["owner"].email}, headers=headers)
    assert (to_self.status_code, to_self.json()["detail"]) == (409, "SHARE_WITH_OWNER")
    bad_role = await world.client.post(
        shares_url, json={"email": world.bystander_email, "role": "god"}, headers=headers
    )
    assert bad_role.status_code == 422
    assert "role" in field_errors(bad_role.json())


async def test_deleting_a_camera_deletes_its_incidents_and_shares(world: World) -> None:
    client, owner = world.client, world["owner"]
    assert (await client.delete(f"{CAMERAS}/{world.camera_id}", headers=owner.headers)).status_code == 204
    assert (
        await client.get(f"/api/v1/incidents/{world.incident_id}", headers=owner.headers)
    ).status_code == 404
    assert (
        await client.get(f"/api/v1/artifacts/{world.artifact_id}", headers=owner.headers)
    ).status_code == 404
    listed = (await client.get(CAMERAS, headers=world["viewer"].headers)).json()
    assert listed == {"items": [], "total": 0}
