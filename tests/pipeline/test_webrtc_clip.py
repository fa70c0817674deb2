"""A camera without encoded packets (WebRTC) still gets its incident clip: encoded from its frame buffer."""

from __future__ import annotations

import asyncio
from pathlib import Path

import av
import numpy as np

from tests.conftest import World
from tests.perception.test_objects import vtest_frames
from vigil.db import incidents as incident_store
from vigil.domain import AudioChunk, Frame, Severity, UpdateKind
from vigil.fusion import IncidentExplanation, IncidentUpdate
from vigil.incidents.artifacts import ClipTiming, IncidentMedia
from vigil.pipeline.camera import CameraPipeline
from vigil.pipeline.metrics import PipelineMetrics
from vigil.pipeline.pool import AnalysisPool


def closed_update(camera_id: int, started_s: float, ended_s: float) -> IncidentUpdate:
    explanation = IncidentExplanation("distress", "1", 0.8, 0.66, 0.5, 0.25, 8.0, 1.0, None, ())
    return IncidentUpdate(
        UpdateKind.CLOSED, 1, camera_id, "distress", "distress", Severity.HIGH, 0.66, ended_s, started_s,
        ended_s, ended_s, started_s, (started_s, ended_s), explanation,
    )  # fmt: skip


async def test_a_webrtc_incident_gets_a_clip_with_video_and_sound_from_the_buffers(
    world: World, tmp_path: Path
) -> None:
    async def ignore(_: object) -> None: ...

    pool = AnalysisPool(1, lambda: None, lambda *a: None)  # type: ignore[arg-type,return-value]
    pipeline = CameraPipeline(world.camera_id, 5.0, pool, PipelineMetrics(), ignore, 30.0, keep_frames=True)
    assert pipeline.frames is not None
    image = next(iter(vtest_frames().values()))
    tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(8_000) / 16_000)).astype(np.float32)
    for i in range(100):  # 10 s of a camera at 10 fps with 0.5 s sound chunks
        pipeline.frames.offer(Frame(world.camera_id, i, i / 10, 0.0, image))
        if i % 5 == 0:
            pipeline.audio.append(AudioChunk(world.camera_id, i / 10, 0.0, tone))
    announced: list[tuple[int, int, str]] = []

    async def announce(camera_id: int, incident_id: int, kind: object) -> None:
        announced.append((camera_id, incident_id, str(kind)))

    media = IncidentMedia(
        tmp_path / "media",
        world.app.state.runtime.session_factory,
        lambda _id: pipeline,
        announce,
        ClipTiming(1.0, 0.0),
    )
    media.on_update(closed_update(world.camera_id, 3.0, 6.0), world.incident_id, None)
    for _ in range(100):
        if announced:
            break
        await asyncio.sleep(0.1)
    assert announced == [(world.camera_id, world.incident_id, "clip")]
    async with world.app.state.runtime.session_factory() as db:
        artifacts = await incident_store.artifacts_of(db, world.incident_id)
    clip = max((a for a in artifacts if a.kind == "clip"), key=lambda a: a.id or 0)  # the new one
    with av.open(str(tmp_path / "media" / clip.path)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.audio[0].codec_context.name == "aac"
        assert container.duration is not None
        assert 4.0 <= container.duration / 1_000_000 <= 5.5  # 1 s pre-roll + the 3 s incident
    await media.close()
