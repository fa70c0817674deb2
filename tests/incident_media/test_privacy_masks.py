"""Privacy masks: the polygon is flat black in every picture that leaves the server (stored snapshot, clip,
live frame), measured on the plaza scenario as pixel variance inside the mask against outside it."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from tests.camera_units import change, idle_unit
from tests.incident_media.clipkit import video_frames
from tests.incident_media.conftest import Recorded
from vigil.api.livefeed import LiveFeed
from vigil.camera.units import CameraUnits
from vigil.domain import Box, Detection, Frame, Observation
from vigil.media.clips import write_clip, write_clip_from_frames
from vigil.media.privacy import mask_area, mask_polygons
from vigil.media.snapshot import write_snapshot

# a quadrilateral over the plaza's upper right (buildings, windows: plenty of detail when not masked)
WINDOW = ((0.55, 0.05), (0.95, 0.05), (0.95, 0.45), (0.6, 0.4))
INSIDE = (slice(0.1, 0.35), slice(0.65, 0.9))  # rows, columns well within WINDOW (fractions)
OUTSIDE = (slice(0.55, 0.95), slice(0.05, 0.5))


def region(image: NDArray[np.uint8], where: tuple[slice, slice]) -> NDArray[np.float32]:
    height, width = image.shape[:2]
    rows, cols = where
    part = image[
        int(rows.start * height) : int(rows.stop * height), int(cols.start * width) : int(cols.stop * width)
    ]
    return part.astype(np.float32)


def assert_masked(image: NDArray[np.uint8]) -> None:
    inside, outside = region(image, INSIDE), region(image, OUTSIDE)
    assert inside.mean() < 12, inside.mean()  # black
    assert inside.std() < 3, inside.std()  # and flat (JPEG / H.264 leave a little ringing at most)
    assert outside.std() > 20, outside.std()  # the rest is still the scene


def jpeg_pixels(data: bytes) -> NDArray[np.uint8]:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.uint8)


def test_mask_polygons_fills_exactly_the_polygon_and_leaves_the_rest(plaza_recording: Recorded) -> None:
    image = plaza_recording.frames[50].image
    masked = mask_polygons(image, [WINDOW])
    covered = mask_area(image.shape[1], image.shape[0], [WINDOW])
    assert (masked[covered] == 0).all()
    assert np.array_equal(masked[~covered], image[~covered])
    assert 0.13 < covered.mean() < 0.16  # the quadrilateral's area: 0.15 of the frame
    assert mask_polygons(image, []) is image  # no masks: no copy


def test_a_stored_snapshot_has_the_mask_black_over_the_drawing_too(
    plaza_recording: Recorded, tmp_path: Path
) -> None:
    image = plaza_recording.frames[50].image
    inside_box = Box(0.7, 0.1, 0.85, 0.3)
    seen = Observation(1, 5.0, 0.0, detections=(Detection("person", 0.9, inside_box),))
    plain = write_snapshot(image, [seen], tmp_path / "plain.jpg")
    masked = write_snapshot(image, [seen], tmp_path / "masked.jpg", masks=[WINDOW])
    assert region(jpeg_pixels(plain.path.read_bytes()), INSIDE).std() > 20  # the scene (and a box) there
    assert_masked(jpeg_pixels(masked.path.read_bytes()))


@pytest.mark.slow
def test_a_clip_cut_from_h264_packets_is_re_encoded_with_the_mask(
    plaza_recording: Recorded, tmp_path: Path
) -> None:
    packets, info = plaza_recording.packets, plaza_recording.stream_info
    copied = write_clip(packets, info, 10.0, 12.0, tmp_path / "plain.mp4")
    masked = write_clip(packets, info, 10.0, 12.0, tmp_path / "masked.mp4", masks=[WINDOW])
    assert (copied.video, masked.video) == ("copy", "encode")
    frames = video_frames(masked.path)
    assert len(frames) >= 15
    for _t, image in frames[:: max(1, len(frames) // 5)]:
        assert_masked(image)


def test_a_clip_of_decoded_frames_has_the_mask(plaza_recording: Recorded, tmp_path: Path) -> None:
    frames = [f for f in plaza_recording.frames if 10.0 <= f.t_s <= 11.0]
    written = write_clip_from_frames(frames, [], 10.0, 11.0, tmp_path / "frames.mp4", masks=[WINDOW])
    decoded = video_frames(written.path)
    assert decoded
    for _t, image in decoded:
        assert_masked(image)


class FakeSio:
    """One watcher in every room; what is emitted is kept."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.manager = self

    def get_participants(self, _namespace: str, _room: str) -> list[tuple[str, str]]:
        return [("sid", "eio")]

    async def emit(self, event: str, payload: dict[str, Any], room: str) -> None:
        assert event == "frame"
        self.sent.append(payload)


async def test_live_frames_have_the_mask_and_the_overlay_loses_what_is_inside(
    plaza_recording: Recorded,
) -> None:
    sio = FakeSio()
    units = CameraUnits()
    camera = idle_unit(units, 3)
    feed = LiveFeed(sio, masks_of=units.masks)
    inside, outside = Box(0.7, 0.1, 0.85, 0.3), Box(0.1, 0.6, 0.2, 0.9)
    feed.observe(
        Observation(
            3,
            5.0,
            0.0,
            detections=(Detection("person", 0.9, inside, 1), Detection("person", 0.8, outside, 2)),
        )
    )
    image = plaza_recording.frames[50].image

    async def one_frame(index: int) -> dict[str, Any]:
        feed.on_frame(Frame(3, index, 5.0 + index, 0.0, image))
        for _ in range(200):
            if len(sio.sent) > index:
                return sio.sent[index]
            await asyncio.sleep(0.01)
        raise AssertionError("no frame sent")

    plain = await one_frame(0)
    assert region(jpeg_pixels(plain["jpeg"]), INSIDE).std() > 20
    assert [d["track_id"] for d in plain["overlay"]["detections"]] == [1, 2]

    await change(camera, masks=(WINDOW,))
    feed._due.clear()  # the next frame may go at once
    masked = await one_frame(1)
    assert_masked(jpeg_pixels(masked["jpeg"]))
    assert [d["track_id"] for d in masked["overlay"]["detections"]] == [2]
    assert (masked["width"], masked["height"]) == (image.shape[1], image.shape[0])
