"""An incident's media, written from the camera's buffers once the incident is stored.

- On opening: the **snapshot** (the camera's latest frame with what was seen drawn on it) and, when
  sound is part of the evidence, the **WAV snippet** around it (the sound was heard a moment ago, so it is
  in the audio buffer).
- On closing: the **clip**, after the post-roll has passed, cut from the packet buffer from `pre_roll_s`
  before the first evidence to `post_roll_s` after the last.
Each file is written atomically in a thread (media/), then recorded as an `Artifact` row; a failure is
logged and loses nothing else: the incident is already stored and announced. The snapshot's bytes are
handed on (`on_update`'s future) so the incident's first alert can carry it.

Privacy cameras (`privacy` in the camera's profile, `is_private_of`): the snapshot has the faces of the
observation drawn on it pixelated, and the clip is re-encoded with, on each frame, the faces of the analysed
frames around it. For that the recent video observations of those cameras are kept (`observe`),
`faces_kept_s` of them: longer than any clip the packet buffer can hold. A camera's privacy masks (its
profile's, `masks_of`) are blacked out in its snapshots and clips whatever its privacy switch.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigil.db import incidents as incident_store
from vigil.db.tables import Artifact
from vigil.domain import ArtifactKind, AudioChunk, EncodedPacket, Observation, UpdateKind
from vigil.fusion import IncidentUpdate
from vigil.media.audio import NoAudioError, write_wav
from vigil.media.clips import ClipError, write_clip, write_clip_from_frames
from vigil.media.privacy import FaceTimeline, Polygon
from vigil.media.snapshot import JPEG_QUALITY, write_snapshot
from vigil.media.storage import StoredFile, artifact_path, artifact_relpath, media_type
from vigil.pipeline.camera import CameraPipeline
from vigil.pipeline.ring import StoredFrame

log = logging.getLogger(__name__)

PipelineOf = Callable[[int], CameraPipeline | None]
Announce = Callable[[int, int, ArtifactKind], Awaitable[None]]


@dataclass(frozen=True)
class ClipTiming:
    pre_roll_s: float = 5.0
    post_roll_s: float = 5.0


class IncidentMedia:
    def __init__(
        self,
        media_dir: Path,
        session_factory: async_sessionmaker[AsyncSession],
        pipeline_of: PipelineOf,
        announce: Announce,
        timing: ClipTiming = ClipTiming(),
        faces_kept_s: float = 300.0,
        masks_of: Callable[[int], Sequence[Polygon]] = lambda _camera: (),
        is_private_of: Callable[[int], bool] = lambda _camera: False,
        make_room: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.media_dir = media_dir
        self.session_factory = session_factory
        self.pipeline_of = pipeline_of
        self.announce = announce
        self.timing = timing
        self.faces_kept_s = faces_kept_s
        self._tasks: set[asyncio.Task[None]] = set()
        self.masks_of = masks_of
        self.is_private_of = is_private_of
        self._faces: dict[int, deque[Observation]] = {}  # privacy camera → its recent video observations
        # called before each write: frees space when the disk is nearly full, before a write can fail
        self.make_room = make_room

    def masks(self, camera_id: int) -> tuple[Polygon, ...]:
        return tuple(self.masks_of(camera_id))

    def is_private(self, camera_id: int) -> bool:
        return self.is_private_of(camera_id)

    def observe(self, observation: Observation) -> None:
        """Remember where the faces of a privacy camera were (every analysed frame, in time order)."""
        camera_id = observation.camera_id
        if not self.is_private(camera_id):
            self._faces.pop(camera_id, None)
            return
        if observation.modality != "video":
            return
        history = self._faces.setdefault(camera_id, deque())
        if history and observation.t_s < history[-1].t_s:
            history.clear()  # a restarted pipeline's clock starts again
        history.append(dataclasses.replace(observation, detections=(), poses=(), actions=(), sounds=()))
        while history[0].t_s < observation.t_s - self.faces_kept_s:
            history.popleft()

    def _face_timeline(self, camera_id: int) -> FaceTimeline | None:
        if not self.is_private(camera_id):
            return None
        return FaceTimeline(list(self._faces.get(camera_id, ())))

    def on_update(
        self, update: IncidentUpdate, incident_id: int, seen: Observation | None
    ) -> asyncio.Future[bytes | None] | None:
        """Schedule the files this update calls for (never blocks the caller).

        For an opened incident, returns what resolves to the snapshot's JPEG bytes once it is written
        (None if there is no frame or writing failed), so that alerts can carry it.
        """
        pipeline = self.pipeline_of(update.camera_id)
        if pipeline is None:
            return None
        if update.kind is UpdateKind.OPENED:
            snapshot: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
            self._spawn(self._on_open(update, incident_id, pipeline, seen, snapshot))
            return snapshot
        if update.kind is UpdateKind.CLOSED:
            self._spawn(self._on_close(update, incident_id, pipeline))
        return None

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _on_open(
        self,
        update: IncidentUpdate,
        incident_id: int,
        pipeline: CameraPipeline,
        seen: Observation | None,
        snapshot: asyncio.Future[bytes | None],
    ) -> None:
        try:
            await self._write_snapshot(update, incident_id, pipeline, seen, snapshot)
        finally:
            if not snapshot.done():
                snapshot.set_result(None)
        if update.sound_span is not None:
            start, end = update.sound_span
            chunks = pipeline.audio.snapshot()
            target = artifact_path(self.media_dir, update.camera_id, incident_id, ArtifactKind.AUDIO)
            await self._store(update, incident_id, ArtifactKind.AUDIO, _wav, chunks, start, end, target)

    async def _write_snapshot(
        self,
        update: IncidentUpdate,
        incident_id: int,
        pipeline: CameraPipeline,
        seen: Observation | None,
        snapshot: asyncio.Future[bytes | None],
    ) -> None:
        frame = pipeline.latest_frame
        if frame is None:
            return
        target = artifact_path(self.media_dir, update.camera_id, incident_id, ArtifactKind.SNAPSHOT)
        observations = [seen] if seen is not None else []
        blur_faces = self.is_private(update.camera_id)
        stored = await self._store(
            update,
            incident_id,
            ArtifactKind.SNAPSHOT,
            write_snapshot,
            frame.image,
            observations,
            target,
            blur_faces,
            JPEG_QUALITY,
            self.masks(update.camera_id),
        )
        if stored is not None:
            try:
                jpeg = await asyncio.to_thread(stored.path.read_bytes)
                if not snapshot.done():
                    snapshot.set_result(jpeg)
            except OSError:
                log.exception("camera %s: snapshot of incident %s unreadable", update.camera_id, incident_id)

    async def _on_close(self, update: IncidentUpdate, incident_id: int, pipeline: CameraPipeline) -> None:
        await asyncio.sleep(self.timing.post_roll_s)
        start = update.started_s - self.timing.pre_roll_s
        end = (update.ended_s if update.ended_s is not None else update.t_s) + self.timing.post_roll_s
        target = artifact_path(self.media_dir, update.camera_id, incident_id, ArtifactKind.CLIP)
        packets = pipeline.packets.snapshot()
        faces = self._face_timeline(update.camera_id)
        masks = self.masks(update.camera_id)
        if packets:
            await self._store(
                update, incident_id, ArtifactKind.CLIP, _clip, packets, start, end, target, faces, masks
            )
        elif pipeline.frames is not None:  # a camera without encoded packets (WebRTC): encode its frames
            frames, chunks = pipeline.frames.ring.snapshot(), pipeline.audio.snapshot()
            await self._store(
                update,
                incident_id,
                ArtifactKind.CLIP,
                _clip_of_frames,
                frames,
                chunks,
                start,
                end,
                target,
                faces,
                masks,
            )
        else:
            log.info(
                "camera %s: neither packets nor frames kept: incident %s has no clip",
                update.camera_id,
                incident_id,
            )

    async def _store(
        self,
        update: IncidentUpdate,
        incident_id: int,
        kind: ArtifactKind,
        write: Callable[..., StoredFile],
        *args: object,
    ) -> StoredFile | None:
        """Write and record one file; None when it could not be (said in the log)."""
        try:
            if self.make_room is not None:
                await self.make_room()
            stored = await asyncio.to_thread(write, *args)
            async with self.session_factory() as db:
                await incident_store.add_artifact(
                    db,
                    Artifact(
                        incident_id=incident_id,
                        kind=kind,
                        path=artifact_relpath(update.camera_id, incident_id, kind),
                        media_type=media_type(kind),
                        bytes=stored.bytes,
                        sha256=stored.sha256,
                    ),
                )
        except (NoAudioError, ClipError) as error:
            log.warning("camera %s: incident %s has no %s: %s", update.camera_id, incident_id, kind, error)
            return None
        except Exception:
            log.exception(
                "camera %s: could not write the %s of incident %s", update.camera_id, kind, incident_id
            )
            return None
        await self.announce(update.camera_id, incident_id, kind)
        return stored


def _wav(chunks: list[AudioChunk], start: float, end: float, target: Path) -> StoredFile:
    written = write_wav(chunks, start, end, target)
    return StoredFile(written.path, written.bytes, written.sha256)


def _clip(
    packets: list[EncodedPacket],
    start: float,
    end: float,
    target: Path,
    faces: FaceTimeline | None,
    masks: Sequence[Polygon] = (),
) -> StoredFile:
    written = write_clip(packets, None, start, end, target, faces, masks)
    return StoredFile(written.path, written.bytes, written.sha256)


def _clip_of_frames(
    frames: list[StoredFrame],
    chunks: list[AudioChunk],
    start: float,
    end: float,
    target: Path,
    faces: FaceTimeline | None,
    masks: Sequence[Polygon] = (),
) -> StoredFile:
    decoded = [stored.decode() for stored in frames if start <= stored.t_s <= end]
    written = write_clip_from_frames(decoded, chunks, start, end, target, faces, masks)
    return StoredFile(written.path, written.bytes, written.sha256)
