"""Issue 12, item 5: an ffconcat list inside VIGIL_FILE_ROOTS whose entry is a relative path through a
symlink out of the root was probed and streamed (an incident opened on the outside file), and cameras
saved under old roots kept streaming after the roots changed. File cameras now open only real media
containers (FFmpeg's format whitelist, from the file alone), the real path (symlinks resolved) must lie
inside a root, and that is checked again each time the source is opened: at start, on apply, on a loop."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import World
from tests.media import make_clip
from vigil.api.pipelines import apply_camera
from vigil.db.tables import Camera
from vigil.domain import SourceKind
from vigil.ingest.av_source import AvSourceConfig, SourceRefusedError, SourceRules, open_input

CAMERAS = "/api/v1/cameras"
PROBE = "/api/v1/cameras/probe"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside every root, holding a real video."""
    folder = tmp_path / "outside"
    folder.mkdir()
    make_clip(folder / "secret.mp4", seconds=1.0)
    return folder


def root_of(world: World) -> Path:
    root = Path(world.app.state.runtime.settings.file_roots)
    root.mkdir(parents=True, exist_ok=True)
    return root


def escape_through_a_symlink(root: Path, outside: Path) -> dict[str, Path]:
    """The attacker's files, all inside the root: lists and playlists that lead out of it."""
    (root / "link").symlink_to(outside)
    files = {
        "ffconcat": root / "list.ffconcat",
        "concat named .mp4": root / "innocent.mp4",
        "hls playlist": root / "live.m3u8",
    }
    files["ffconcat"].write_text("ffconcat version 1.0\nfile 'link/secret.mp4'\n")
    files["concat named .mp4"].write_text("ffconcat version 1.0\nfile 'link/secret.mp4'\n")
    files["hls playlist"].write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nlink/secret.mp4\n#EXT-X-ENDLIST\n"
    )
    return files


async def test_lists_and_playlists_that_lead_out_of_the_root_are_neither_probed_nor_streamed(
    world: World, outside: Path
) -> None:
    files = escape_through_a_symlink(root_of(world), outside)
    for what, path in files.items():
        for actor in ("admin", "owner"):
            response = await world.client.post(
                PROBE, json={"kind": "file", "url": str(path)}, headers=world[actor].headers
            )
            assert response.status_code == 200, response.text
            answer = response.json()
            assert answer["reachable"] is False, (what, answer)
            assert answer["error"].startswith("not a video file Vigil reads"), (what, answer)
            assert answer["video"] is None

    # saved anyway, the camera does not stream: its health says why
    created = await world.client.post(
        CAMERAS,
        json={"name": "list", "kind": "file", "url": str(files["ffconcat"])},
        headers=world["owner"].headers,
    )
    assert created.status_code == 201, created.text
    health = await wait_for_error(world, created.json()["id"])
    assert health["last_error"].startswith("not a video file Vigil reads"), health
    assert health["fps_in"] == 0


def test_ffmpeg_is_not_asked_to_open_anything_but_a_media_container(tmp_path: Path, outside: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    files = escape_through_a_symlink(root, outside)
    rules = SourceRules((root,))
    for path in files.values():
        with pytest.raises(SourceRefusedError, match="not a video file Vigil reads"):
            open_input(AvSourceConfig(SourceKind.FILE, str(path), rules=rules))
    # a real video inside the root still opens (so the refusals above are about the container)
    make_clip(root / "real.mp4", seconds=1.0)
    with open_input(AvSourceConfig(SourceKind.FILE, str(root / "real.mp4"), rules=rules)) as container:
        assert container.streams.video


async def test_a_symlink_out_of_the_root_is_refused_when_saved_and_when_opened(
    world: World, outside: Path
) -> None:
    root = root_of(world)
    (root / "secret.mp4").symlink_to(outside / "secret.mp4")
    created = await world.client.post(
        CAMERAS,
        json={"name": "s", "kind": "file", "url": str(root / "secret.mp4")},
        headers=world["owner"].headers,
    )
    assert created.status_code == 422, created.text
    assert "outside the folders allowed by VIGIL_FILE_ROOTS" in created.json()["detail"][0]["msg"]

    # a symlink that pointed inside when the camera was saved, and was turned outward afterwards
    make_clip(root / "inside.mp4", seconds=1.0)
    (root / "turned.mp4").symlink_to(root / "inside.mp4")
    rules = SourceRules((root,))
    with open_input(AvSourceConfig(SourceKind.FILE, str(root / "turned.mp4"), rules=rules)):
        pass
    (root / "turned.mp4").unlink()
    (root / "turned.mp4").symlink_to(outside / "secret.mp4")
    with pytest.raises(SourceRefusedError, match="outside the folders allowed by VIGIL_FILE_ROOTS"):
        open_input(AvSourceConfig(SourceKind.FILE, str(root / "turned.mp4"), rules=rules))


async def wait_for_error(world: World, camera_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while True:
        response = await world.client.get(f"{CAMERAS}/{camera_id}/health", headers=world["admin"].headers)
        health: dict[str, Any] = response.json()
        if health["state"] == "error":
            return health
        assert time.monotonic() < deadline, health
        await asyncio.sleep(0.1)


async def test_a_camera_saved_under_old_roots_stops_with_a_clear_error(world: World, outside: Path) -> None:
    # saved when `outside` was a root (the roots have changed since): as at start-up, or on any change
    async with world.app.state.runtime.session_factory() as db:
        camera = Camera(
            name="old roots",
            kind=SourceKind.FILE,
            url=str(outside / "secret.mp4"),
            owner_id=world["owner"].id,
        )
        db.add(camera)
        await db.commit()
        await db.refresh(camera)
    assert camera.id is not None
    await apply_camera(world.app.state.runtime, camera)
    health = await wait_for_error(world, camera.id)
    assert "outside the folders allowed by VIGIL_FILE_ROOTS" in health["last_error"], health
    assert health["fps_in"] == 0
