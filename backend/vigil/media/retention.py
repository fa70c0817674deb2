"""Which incidents' media to delete: too old, over a camera's share, or the disk nearly full — oldest first,
never an incident marked keep (nor one still being written). The planner is pure; `apply_plan` deletes."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from vigil.media.storage import remove_incident_media

log = logging.getLogger(__name__)

Reason = Literal["age", "camera_size", "disk_space"]


@dataclass(frozen=True, slots=True)
class MediaItem:
    """All stored media of one incident."""

    camera_id: int
    incident_id: int
    bytes: int
    time_s: float  # when the incident ended (or started, while open): what "oldest" means
    keep: bool = False
    in_use: bool = False  # still open or being written: never deleted


@dataclass(frozen=True, slots=True)
class Deletion:
    item: MediaItem
    reason: Reason


@dataclass(frozen=True, slots=True)
class RetentionPlan:
    deletions: tuple[Deletion, ...]
    bytes_freed: int
    free_bytes_after: int
    # Bytes a camera stays over its share, or the disk below its minimum, because only kept/in-use media
    # are left: the operator has to decide.
    camera_over_bytes: dict[int, int]
    disk_short_bytes: int


def plan_retention(
    items: Iterable[MediaItem],
    max_age_s: float | None,
    max_bytes_per_camera: int | None,
    free_bytes: int,
    min_free_bytes: int,
    now: float,
) -> RetentionPlan:
    """Delete, in this order: media older than `max_age_s`; per camera, oldest first until its total is at
    most `max_bytes_per_camera`; then, while free space (counting what the earlier steps free) is under
    `min_free_bytes`, the oldest of all cameras. `None` switches a limit off."""
    by_age = sorted(items, key=lambda i: (i.time_s, i.camera_id, i.incident_id))
    doomed: dict[tuple[int, int], Deletion] = {}

    def delete(item: MediaItem, reason: Reason) -> None:
        doomed.setdefault((item.camera_id, item.incident_id), Deletion(item, reason))

    def deletable(item: MediaItem) -> bool:
        return not item.keep and not item.in_use and (item.camera_id, item.incident_id) not in doomed

    if max_age_s is not None:
        for item in by_age:
            if now - item.time_s > max_age_s and deletable(item):
                delete(item, "age")

    camera_over: dict[int, int] = {}
    if max_bytes_per_camera is not None:
        per_camera: dict[int, list[MediaItem]] = defaultdict(list)
        for item in by_age:
            per_camera[item.camera_id].append(item)
        for camera_id, camera_items in per_camera.items():
            total = sum(i.bytes for i in camera_items if (i.camera_id, i.incident_id) not in doomed)
            for item in camera_items:
                if total <= max_bytes_per_camera:
                    break
                if deletable(item):
                    delete(item, "camera_size")
                    total -= item.bytes
            if total > max_bytes_per_camera:
                camera_over[camera_id] = total - max_bytes_per_camera

    free = free_bytes + sum(d.item.bytes for d in doomed.values())
    for item in by_age:
        if free >= min_free_bytes:
            break
        if deletable(item):
            delete(item, "disk_space")
            free += item.bytes

    deletions = tuple(sorted(doomed.values(), key=lambda d: (d.item.time_s, d.item.incident_id)))
    freed = sum(d.item.bytes for d in deletions)
    return RetentionPlan(
        deletions=deletions,
        bytes_freed=freed,
        free_bytes_after=free_bytes + freed,
        camera_over_bytes=camera_over,
        disk_short_bytes=max(0, min_free_bytes - (free_bytes + freed)),
    )


def apply_plan(plan: RetentionPlan, media_root: Path) -> list[Deletion]:
    """Delete the planned incidents' folders, oldest first. A folder that cannot be deleted is logged and
    skipped (the next run tries again); returns what was deleted, for the caller to drop their artifacts."""
    done: list[Deletion] = []
    for deletion in plan.deletions:
        item = deletion.item
        try:
            remove_incident_media(media_root, item.camera_id, item.incident_id)
        except OSError as error:
            log.warning("retention: could not delete incident %s media: %s", item.incident_id, error)
            continue
        done.append(deletion)
    return done


def needs_cleanup(free_bytes: int, min_free_bytes: int, about_to_write: int = 0) -> bool:
    """Whether a write of `about_to_write` bytes would leave the disk under its minimum: run the planner
    (with `free_bytes` lowered by it) before writing, not after the write fails."""
    return free_bytes - about_to_write < min_free_bytes
