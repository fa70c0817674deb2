"""Artifact downloads: whole files, byte ranges for video, and nothing outside the media folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.conftest import World

ARTIFACTS = "/api/v1/artifacts"


async def test_whole_file_with_its_type_and_checksum(world: World) -> None:
    response = await world.client.get(f"{ARTIFACTS}/{world.artifact_id}", headers=world["viewer"].headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert f"incident-{world.incident_id}-clip.mp4" in response.headers["content-disposition"]
    detail = (
        await world.client.get(f"/api/v1/incidents/{world.incident_id}", headers=world["viewer"].headers)
    ).json()
    assert hashlib.sha256(response.content).hexdigest() == detail["artifacts"][0]["sha256"]


async def test_range_requests_answer_206(world: World) -> None:
    url = f"{ARTIFACTS}/{world.artifact_id}"
    whole = (await world.client.get(url, headers=world["owner"].headers)).content
    response = await world.client.get(url, headers={**world["owner"].headers, "Range": "bytes=100-199"})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes 100-199/{len(whole)}"
    assert response.content == whole[100:200]
    tail = await world.client.get(url, headers={**world["owner"].headers, "Range": "bytes=-10"})
    assert tail.content == whole[-10:]
    beyond = await world.client.get(
        url, headers={**world["owner"].headers, "Range": f"bytes={len(whole) + 5}-"}
    )
    assert beyond.status_code == 416


async def test_stored_paths_that_leave_the_media_folder_are_never_served(
    world: World, tmp_path: Path
) -> None:
    secret = tmp_path / "data" / "vigil.db"
    assert secret.exists()
    media = world.app.state.runtime.settings.media_dir
    (media / "evil").mkdir(parents=True, exist_ok=True)
    (media / "evil" / "link.mp4").symlink_to(secret)
    for relative in ["../vigil.db", "/etc/passwd", "evil/link.mp4", "incidents/../../vigil.db"]:
        artifact_id = await world.add_artifact(world.incident_id, b"", relative=relative, write=False)
        response = await world.client.get(f"{ARTIFACTS}/{artifact_id}", headers=world["owner"].headers)
        assert (response.status_code, response.json()["detail"]) == (404, "ARTIFACT_FILE_MISSING"), relative


async def test_missing_file_is_a_clear_404(world: World) -> None:
    artifact_id = await world.add_artifact(world.incident_id, b"gone", relative="incidents/1/removed.mp4")
    (world.app.state.runtime.settings.media_dir / "incidents/1/removed.mp4").unlink()
    response = await world.client.get(f"{ARTIFACTS}/{artifact_id}", headers=world["owner"].headers)
    assert (response.status_code, response.json()["detail"]) == (404, "ARTIFACT_FILE_MISSING")


async def test_stranger_gets_the_same_404_as_for_nothing(world: World) -> None:
    hidden = await world.client.get(f"{ARTIFACTS}/{world.artifact_id}", headers=world["stranger"].headers)
    missing = await world.client.get(f"{ARTIFACTS}/987654", headers=world["stranger"].headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == {"detail": "ARTIFACT_NOT_FOUND"}
