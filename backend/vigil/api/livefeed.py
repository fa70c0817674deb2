"""Live view: JPEG frames and the overlay as data over socket.io, only to watchers allowed to see them.

Why JPEG over socket.io rather than WebRTC out: it reuses the authenticated socket the dashboard already
holds (no second signalling path, no per-viewer encoder state), works through any proxy that passes
websockets, and at ≤ 8 fps of ≤ 960 px JPEG (~30-80 kB) stays well inside a LAN's and a phone's budget.
Latency is one encode (~5 ms here) plus the network.

A camera's privacy masks are blacked out in each frame before it is encoded, and what the models saw with
its box centred inside a mask leaves the overlay: nothing of a masked area reaches a viewer.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import av
import numpy as np
from numpy.typing import NDArray

from vigil.domain import Box, Frame, Observation, SoundEvent
from vigil.media.privacy import Polygon, mask_polygons
from vigil.tracking.zones import point_in_polygon

LIVE_FPS = 8.0
MAX_WIDTH = 960
JPEG_QSCALE = 6


def live_room(camera_id: int) -> str:
    return f"live:{camera_id}"


class JpegEncoder:
    """MJPEG through FFmpeg; one per camera, used from one thread at a time."""

    def __init__(self) -> None:
        self._context: Any = None
        self._size: tuple[int, int] | None = None
        self._pts = 0

    def encode(self, image: NDArray[np.uint8]) -> bytes:
        height, width = image.shape[:2]
        if width > MAX_WIDTH:
            step = int(np.ceil(width / MAX_WIDTH))
            image = np.ascontiguousarray(image[::step, ::step])
            height, width = image.shape[:2]
        width, height = width - width % 2, height - height % 2
        if self._size != (width, height):
            context = av.CodecContext.create("mjpeg", "w")
            context.width, context.height = width, height
            context.pix_fmt = "yuvj420p"
            context.time_base = Fraction(1, 25)
            context.flags |= av.codec.context.Flags.qscale
            context.global_quality = JPEG_QSCALE * 118  # FF_QP2LAMBDA
            self._context, self._size = context, (width, height)
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image[:height, :width]), format="rgb24")
        frame = frame.reformat(format="yuvj420p")
        frame.pts = self._pts
        self._pts += 1
        return b"".join(bytes(packet) for packet in self._context.encode(frame))


def _encode_masked(encoder: JpegEncoder, image: NDArray[np.uint8], masks: Sequence[Polygon]) -> bytes:
    return encoder.encode(mask_polygons(image, masks))


SOUND_SHOWN_S = 4.0  # a sound event stays on the live view this long after it ends


def _box(box: Box) -> list[float]:
    return [box.x1, box.y1, box.x2, box.y2]


def overlay_of(observation: Observation | None, sounds: tuple[SoundEvent, ...] = ()) -> dict[str, Any]:
    heard = [
        {"label": e.label, "conf": round(e.conf, 3), "t_s": e.t_s, "end_s": e.end_s, "source": e.source}
        for e in sounds
    ]
    if observation is None:
        return {
            "t_s": None,
            "motion": 0.0,
            "detections": [],
            "poses": [],
            "faces": [],
            "actions": [],
            "sounds": heard,
        }
    return {
        "t_s": observation.t_s,
        "motion": round(observation.motion, 4),
        "detections": [
            {
                "label": d.label,
                "conf": round(d.conf, 3),
                "box": [d.box.x1, d.box.y1, d.box.x2, d.box.y2],
                "track_id": d.track_id,
            }
            for d in observation.detections
        ],
        "poses": [
            {
                "box": [p.box.x1, p.box.y1, p.box.x2, p.box.y2],
                "conf": round(p.conf, 3),
                "keypoints": [[round(k.x, 4), round(k.y, 4), round(k.conf, 3)] for k in p.keypoints],
            }
            for p in observation.poses
        ],
        "faces": [
            {
                "box": _box(f.box),
                "conf": round(f.conf, 3),
                "emotion": f.emotion.label if f.emotion else None,
                "emotion_conf": round(f.emotion.conf, 3) if f.emotion else None,
            }
            for f in observation.faces
        ],
        "actions": [
            {"label": a.label, "conf": round(a.conf, 3), "box": _box(a.box), "track_ids": list(a.track_ids)}
            for a in observation.actions
        ],
        "sounds": heard,
    }


def _visible(box: Box, masks: Sequence[Polygon]) -> bool:
    centre = ((box.x1 + box.x2) / 2.0, (box.y1 + box.y2) / 2.0)
    return not any(point_in_polygon(centre, mask) for mask in masks)


def unmasked(observation: Observation, masks: Sequence[Polygon]) -> Observation:
    """The observation without what lies inside a privacy mask (by the centre of its box)."""
    if not masks:
        return observation
    return dataclasses.replace(
        observation,
        detections=tuple(d for d in observation.detections if _visible(d.box, masks)),
        poses=tuple(p for p in observation.poses if _visible(p.box, masks)),
        faces=tuple(f for f in observation.faces if _visible(f.box, masks)),
        actions=tuple(a for a in observation.actions if _visible(a.box, masks)),
    )


class LiveFeed:
    """Called with every converted frame; sends at most LIVE_FPS per camera, dropping while one encodes."""

    def __init__(
        self,
        sio: Any,
        masks_of: Callable[[int], Sequence[Polygon]] = lambda _camera: (),
        watched_elsewhere: Callable[[int], bool] = lambda _camera: False,
    ) -> None:
        """`sio`: what `emit`s the frames (the socket.io server, or a write-only Redis manager where no
        dashboard connects: a cluster's camera unit). `masks_of`: a camera's privacy masks (normalised
        corners), looked up in its unit's profile and blacked out in every live frame.
        `watched_elsewhere`: whether a dashboard on another node watches the camera (`WatchSharing`)."""
        self.sio = sio
        self.masks_of = masks_of
        self.watched_elsewhere = watched_elsewhere
        self._encoders: dict[int, JpegEncoder] = {}
        self._busy: set[int] = set()
        self._due: dict[int, float] = {}  # when each camera's next frame may go
        self._observations: dict[int, Observation] = {}
        self._sounds: dict[int, tuple[SoundEvent, ...]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def masks(self, camera_id: int) -> tuple[Polygon, ...]:
        return tuple(self.masks_of(camera_id))

    def _watched(self, camera_id: int) -> bool:
        if self.watched_elsewhere(camera_id):
            return True
        manager = getattr(self.sio, "manager", None)
        return manager is not None and any(True for _ in manager.get_participants("/", live_room(camera_id)))

    def observe(self, observation: Observation) -> None:
        if observation.modality == "audio":
            recent = self._sounds.get(observation.camera_id, ())
            newest = max((e.end_s for e in observation.sounds), default=observation.t_s)
            kept = tuple(e for e in recent if e.end_s > newest - SOUND_SHOWN_S)
            self._sounds[observation.camera_id] = kept + observation.sounds
            return
        self._observations[observation.camera_id] = observation

    def _recent_sounds(self, frame: Frame) -> tuple[SoundEvent, ...]:
        return tuple(e for e in self._sounds.get(frame.camera_id, ()) if e.end_s > frame.t_s - SOUND_SHOWN_S)

    def on_frame(self, frame: Frame) -> None:
        camera_id = frame.camera_id
        now = time.monotonic()
        # Sends are scheduled on a clock: measuring the gap since the last send would, for a 10 fps camera
        # and an 8 fps cap, skip every other frame (5 fps); a due time keeps the cap's rate.
        due = self._due.get(camera_id, 0.0)
        if camera_id in self._busy or now < due - 0.01:
            return
        if not self._watched(camera_id):
            return
        self._busy.add(camera_id)
        self._due[camera_id] = max(due + 1.0 / LIVE_FPS, now - 1.0 / LIVE_FPS)
        task = asyncio.create_task(self._send(frame))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, frame: Frame) -> None:
        try:
            encoder = self._encoders.setdefault(frame.camera_id, JpegEncoder())
            masks = self.masks(frame.camera_id)
            jpeg = await asyncio.to_thread(_encode_masked, encoder, frame.image, masks)
            observation = self._observations.get(frame.camera_id)
            if observation is not None:
                observation = unmasked(observation, masks)
            payload = {
                "camera_id": frame.camera_id,
                "t_s": frame.t_s,
                "wall_time_s": frame.wall_time_s,
                "width": frame.width,
                "height": frame.height,
                "jpeg": jpeg,
                "overlay": overlay_of(observation, self._recent_sounds(frame)),
            }
            await self.sio.emit("frame", payload, room=live_room(frame.camera_id))
        finally:
            self._busy.discard(frame.camera_id)

    def forget(self, camera_id: int) -> None:
        self._encoders.pop(camera_id, None)
        self._observations.pop(camera_id, None)
        self._sounds.pop(camera_id, None)
