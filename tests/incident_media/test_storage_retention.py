"""Where incident media are stored, atomic writes, and which incidents retention deletes."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.domain import ArtifactKind
from vigil.media.retention import MediaItem, apply_plan, needs_cleanup, plan_retention
from vigil.media.storage import (
    artifact_path,
    artifact_relpath,
    atomic_file,
    incident_dir,
    remove_stale_temps,
)
from vigil.security.paths import UnsafePathError, resolve_inside

DAY = 86_400.0
MB = 1_000_000
NOW = 100 * DAY


def test_incident_files_live_under_camera_and_incident(tmp_path: Path) -> None:
    root = tmp_path / "media"
    assert artifact_relpath(3, 17, ArtifactKind.CLIP) == "3/17/clip.mp4"
    path = artifact_path(root, 3, 17, ArtifactKind.SNAPSHOT)
    assert path == (root / "3" / "17" / "snapshot.jpg").resolve()
    assert path.parent.is_dir()
    # What the artifact route does with the stored relative path finds the same file.
    assert resolve_inside(root, artifact_relpath(3, 17, ArtifactKind.SNAPSHOT)) == path


@pytest.mark.parametrize("bad", [0, -1, True])
def test_ids_that_are_not_positive_integers_are_refused(tmp_path: Path, bad: int) -> None:
    with pytest.raises(ValueError, match="positive integer"):
        incident_dir(tmp_path, bad, 1)


def test_a_camera_folder_symlinked_out_of_the_media_root_is_refused(tmp_path: Path) -> None:
    root, elsewhere = tmp_path / "media", tmp_path / "elsewhere"
    root.mkdir()
    elsewhere.mkdir()
    (root / "4").symlink_to(elsewhere)
    with pytest.raises(UnsafePathError):
        artifact_path(root, 4, 1, ArtifactKind.CLIP)
    assert list(elsewhere.iterdir()) == []


def test_atomic_file_publishes_only_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "snapshot.jpg"
    with atomic_file(target) as temp:
        assert temp.parent == target.parent
        assert temp != target
        temp.write_bytes(b"new")
        assert not target.exists()
    assert target.read_bytes() == b"new"

    def crash_mid_write() -> None:
        with atomic_file(target) as temp:
            temp.write_bytes(b"half")
            raise RuntimeError("crash mid-write")

    with pytest.raises(RuntimeError, match="crash mid-write"):
        crash_mid_write()
    assert target.read_bytes() == b"new"
    assert list(tmp_path.iterdir()) == [target]


def test_temp_files_a_crash_left_are_swept(tmp_path: Path) -> None:
    folder = tmp_path / "1" / "2"
    folder.mkdir(parents=True)
    (folder / ".clip.mp4.1a2b3c4d.partial").write_bytes(b"half")
    (folder / "clip.mp4").write_bytes(b"whole")
    assert remove_stale_temps(tmp_path) == 1
    assert [p.name for p in folder.iterdir()] == ["clip.mp4"]


def item(
    incident: int, age_days: float, mb: int, camera: int = 1, keep: bool = False, in_use: bool = False
) -> MediaItem:
    return MediaItem(camera, incident, mb * MB, NOW - age_days * DAY, keep=keep, in_use=in_use)


def deleted(items: list[MediaItem], **limits: object) -> list[tuple[int, str]]:
    arguments: dict[str, object] = {
        "max_age_s": None,
        "max_bytes_per_camera": None,
        "free_bytes": 10_000 * MB,
        "min_free_bytes": 0,
        "now": NOW,
    }
    arguments.update(limits)
    plan = plan_retention(items, **arguments)  # type: ignore[arg-type]
    return [(d.item.incident_id, d.reason) for d in plan.deletions]


def test_media_older_than_the_limit_go_but_kept_ones_stay() -> None:
    items = [item(1, 40, 10), item(2, 31, 10, keep=True), item(3, 29, 10), item(4, 35, 10, in_use=True)]
    assert deleted(items, max_age_s=30 * DAY) == [(1, "age")]


def test_a_camera_over_its_share_loses_its_oldest_first() -> None:
    items = [
        item(1, 5, 40),
        item(2, 4, 40, keep=True),
        item(3, 3, 40),
        item(4, 2, 40),
        item(5, 9, 500, camera=2),  # another camera's size is its own business
    ]
    # Camera 1 holds 160 MB of a 100 MB share: its two oldest deletable incidents go (the kept one stays).
    assert deleted(items, max_bytes_per_camera=600 * MB) == []
    assert deleted(items, max_bytes_per_camera=100 * MB) == [
        (5, "camera_size"),
        (1, "camera_size"),
        (3, "camera_size"),
    ]


def test_a_share_only_kept_media_exceed_is_reported_not_forced() -> None:
    items = [item(1, 5, 80, keep=True), item(2, 4, 80, keep=True), item(3, 1, 10)]
    plan = plan_retention(items, None, 100 * MB, 10_000 * MB, 0, NOW)
    assert [d.item.incident_id for d in plan.deletions] == [3]
    assert plan.camera_over_bytes == {1: 60 * MB}


def test_a_nearly_full_disk_deletes_the_oldest_of_all_cameras_until_enough_is_free() -> None:
    items = [
        item(1, 3, 30, camera=1),
        item(2, 5, 30, camera=2, keep=True),
        item(3, 4, 30, camera=2),
        item(4, 1, 30),
    ]
    plan = plan_retention(items, None, None, free_bytes=50 * MB, min_free_bytes=100 * MB, now=NOW)
    assert [(d.item.incident_id, d.reason) for d in plan.deletions] == [(3, "disk_space"), (1, "disk_space")]
    assert plan.free_bytes_after == 110 * MB
    assert plan.disk_short_bytes == 0
    # Ages and shares first: what they free counts towards the disk's minimum.
    assert deleted(items, max_age_s=3.5 * DAY, free_bytes=50 * MB, min_free_bytes=70 * MB) == [(3, "age")]
    # Not enough deletable media: delete all there is and say how much is missing.
    short = plan_retention(items, None, None, free_bytes=0, min_free_bytes=200 * MB, now=NOW)
    assert [d.item.incident_id for d in short.deletions] == [3, 1, 4]
    assert short.disk_short_bytes == 110 * MB


def test_cleanup_is_due_before_a_write_would_cross_the_minimum() -> None:
    assert not needs_cleanup(free_bytes=500 * MB, min_free_bytes=100 * MB, about_to_write=50 * MB)
    assert needs_cleanup(free_bytes=120 * MB, min_free_bytes=100 * MB, about_to_write=50 * MB)


def test_the_executor_deletes_planned_incident_folders_only(tmp_path: Path) -> None:
    for camera, incident in ((1, 1), (1, 2), (2, 3)):
        folder = incident_dir(tmp_path, camera, incident)
        (folder / "clip.mp4").write_bytes(b"x" * 1000)
    items = [item(1, 40, 1), item(2, 40, 1, keep=True), item(3, 40, 1, camera=2)]
    plan = plan_retention(items, 30 * DAY, None, 10_000 * MB, 0, NOW)

    done = apply_plan(plan, tmp_path)

    assert [d.item.incident_id for d in done] == [1, 3]
    assert not (tmp_path / "1" / "1").exists()
    assert not (tmp_path / "2" / "3").exists()
    assert (tmp_path / "1" / "2" / "clip.mp4").exists()
    assert [d.item.incident_id for d in apply_plan(plan, tmp_path)] == [1, 3]  # already gone: fine
