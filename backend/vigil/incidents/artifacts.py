"""An incident's media, written from the camera's buffers once the incident is stored.

- On opening: the **snapshot** (the camera's latest frame with what was seen drawn on it) and, when
  sound is part of the evidence, the **WAV snippet** around it (the sound was heard a moment ago, so it is
  in the audio buffer).
- On closing: the **clip**, after the post-roll has passed, cut from the packet buffer from `pre_roll_s`
  before the first evidence to `post_roll_s` after the last.
Each file is written atomically in a thread (media/), then recorded as an `Artifact` row; a failure is
logged and loses nothing else: the incident is already stored and announced.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigil.db import incidents as incident_store
from vigil.db.tables import Artifact
from vigil.domain import ArtifactKind, AudioChunk, EncodedPacket, Observation
from vigil.fusion import IncidentUpdate, UpdateKind
from vigil.media.audio import NoAudioError, write_wav
from vigil.media.clips import ClipError, write_clip
from vigil.media.snapshot import write_snapshot
from vigil.media.storage import StoredFile, artifact_path, artifact_relpath, media_type
from vigil.pipeline.camera import CameraPipeline

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
    ) -> None:
        self.media_dir = media_dir
        self.session_factory = session_factory
        self.pipeline_of = pipeline_of
        self.announce = announce
        self.timing = timing
        self._tasks: set[asyncio.Task[None]] = set()

    def on_update(self, update: IncidentUpdate, incident_id: int, seen: Observation | None) -> None:
        """Schedule the files this update calls for (never blocks the caller)."""
        pipeline = self.pipeline_of(update.camera_id)
        if pipeline is None:
            return
        if update.kind is UpdateKind.OPENED:
            self._spawn(self._on_open(update, incident_id, pipeline, seen))
        elif update.kind is UpdateKind.CLOSED:
            self._spawn(self._on_close(update, incident_id, pipeline))

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _on_open(
        self, update: IncidentUpdate, incident_id: int, pipeline: CameraPipeline, seen: Observation | None
    ) -> None:
        frame = pipeline.latest_frame
        if frame is not None:
            target = artifact_path(self.media_dir, update.camera_id, incident_id, ArtifactKind.SNAPSHOT)
            observations = [seen] if seen is not None else []
            await self._store(
                update, incident_id, ArtifactKind.SNAPSHOT, write_snapshot, frame.image, observations, target
            )
        if update.sound_span is not None:
            start, end = update.sound_span
            chunks = pipeline.audio.snapshot()
            target = artifact_path(self.media_dir, update.camera_id, incident_id, ArtifactKind.AUDIO)
            await self._store(update, incident_id, ArtifactKind.AUDIO, _wav, chunks, start, end, target)

    async def _on_close(self, update: IncidentUpdate, incident_id: int, pipeline: CameraPipeline) -> None:
        await asyncio.sleep(self.timing.post_roll_s)
        packets = pipeline.packets.snapshot()
        if not packets:
            log.info(
                "camera %s: no encoded packets (a WebRTC camera): incident %s has no clip",
                update.camera_id,
                incident_id,
            )
            return
        start = update.started_s - self.timing.pre_roll_s
        end = (update.ended_s if update.ended_s is not None else update.t_s) + self.timing.post_roll_s
        target = artifact_path(self.media_dir, update.camera_id, incident_id, ArtifactKind.CLIP)
        await self._store(update, incident_id, ArtifactKind.CLIP, _clip, packets, start, end, target)

    async def _store(
        self,
        update: IncidentUpdate,
        incident_id: int,
        kind: ArtifactKind,
        write: Callable[..., StoredFile],
        *args: object,
    ) -> None:
        try:
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
            return
        except Exception:
            log.exception(
                "camera %s: could not write the %s of incident %s", update.camera_id, kind, incident_id
            )
            return
        await self.announce(update.camera_id, incident_id, kind)


def _wav(chunks: list[AudioChunk], start: float, end: float, target: Path) -> StoredFile:
    written = write_wav(chunks, start, end, target)
    return StoredFile(written.path, written.bytes, written.sha256)


def _clip(packets: list[EncodedPacket], start: float, end: float, target: Path) -> StoredFile:
    written = write_clip(packets, None, start, end, target)
    return StoredFile(written.path, written.bytes, written.sha256)
