"""Runs one pipeline per enabled camera, restarts it when its settings change, publishes health."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from vigil.domain import SourceKind
from vigil.ingest.av_source import AvSource, AvSourceConfig, SourceRules
from vigil.ingest.base import Source
from vigil.ingest.health import HealthRegistry
from vigil.ingest.webrtc import WebRtcRegistry
from vigil.pipeline.audio import SoundGate
from vigil.pipeline.camera import CameraPipeline, FrameListener, ObservationSink
from vigil.pipeline.metrics import PipelineMetrics
from vigil.pipeline.pool import AnalysisPool
from vigil.pipeline.speech import SpeechClipper

log = logging.getLogger(__name__)

HEALTH_PERIOD_S = 0.5


@dataclass(frozen=True)
class CameraSpec:
    """What a pipeline needs to know of a camera; a change of any field restarts it."""

    id: int
    kind: SourceKind
    url: str
    analysis_fps: float
    enabled: bool
    file_loop: bool = True
    file_realtime: bool = True
    transcribe: bool = False  # speech to text for this camera (off by default: privacy)


@dataclass
class _Running:
    spec: CameraSpec
    source: Source
    pipeline: CameraPipeline
    task: asyncio.Task[None]


class PipelineSupervisor:
    def __init__(
        self,
        pool: AnalysisPool,
        metrics: PipelineMetrics,
        health: HealthRegistry,
        webrtc: WebRtcRegistry,
        on_observation: ObservationSink,
        on_frame: FrameListener | None = None,
        read_timeout_s: float = 5.0,
        pre_roll_s: float = 10.0,
        sound_gate: Callable[[], SoundGate] | None = None,
        speech_clipper: Callable[[], SpeechClipper] = SpeechClipper,
        rules: SourceRules | None = None,
    ) -> None:
        self.rules = rules if rules is not None else SourceRules()
        self.pool = pool
        self.sound_gate = sound_gate
        self.speech_clipper = speech_clipper
        self.metrics = metrics
        self.health = health
        self.webrtc = webrtc
        self.on_observation = on_observation
        self.on_frame = on_frame
        self.read_timeout_s = read_timeout_s
        self.pre_roll_s = pre_roll_s
        self._running: dict[int, _Running] = {}
        self._health_task: asyncio.Task[None] | None = None
        self._restarts_counted = 0

    def pipeline(self, camera_id: int) -> CameraPipeline | None:
        running = self._running.get(camera_id)
        return None if running is None else running.pipeline

    async def start(self, specs: list[CameraSpec]) -> None:
        for spec in specs:
            await self.apply(spec)
        self._health_task = asyncio.create_task(self._publish_health())

    async def apply(self, spec: CameraSpec) -> None:
        running = self._running.get(spec.id)
        if running is not None and running.spec == spec:
            return
        await self._stop(spec.id)
        if not spec.enabled:
            self.health.forget(spec.id)
            return
        pipeline = CameraPipeline(
            spec.id,
            spec.analysis_fps,
            self.pool,
            self.metrics,
            self.on_observation,
            pre_roll_s=self.pre_roll_s,
            on_frame=self.on_frame,
            sound_gate=self.sound_gate() if self.sound_gate is not None else None,
            keep_frames=spec.kind is SourceKind.WEBRTC,
            speech=self.speech_clipper() if spec.transcribe else None,
        )
        source = self._source(spec, pipeline)
        task = asyncio.create_task(self._run(spec.id, pipeline, source), name=f"pipeline-{spec.id}")
        self._running[spec.id] = _Running(spec, source, pipeline, task)
        log.info("camera %s: pipeline started (%s)", spec.id, spec.kind)

    def _source(self, spec: CameraSpec, pipeline: CameraPipeline) -> Source:
        if spec.kind is SourceKind.WEBRTC:
            return self.webrtc.get_or_create(spec.id)
        config = AvSourceConfig(
            kind=spec.kind,
            url=spec.url,
            read_timeout_s=self.read_timeout_s,
            loop=spec.file_loop,
            realtime=spec.file_realtime,
            rules=self.rules,
        )
        return AvSource(spec.id, config, packet_sink=pipeline.packets.append)

    async def _run(self, camera_id: int, pipeline: CameraPipeline, source: Source) -> None:
        try:
            await pipeline.run(source)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("camera %s: pipeline stopped by an error", camera_id)

    async def remove(self, camera_id: int) -> None:
        """The camera is gone: stop its pipeline and forget its WebRTC peer and health."""
        await self._stop(camera_id)
        await self.webrtc.remove(camera_id)
        self.health.forget(camera_id)

    async def _stop(self, camera_id: int) -> None:
        running = self._running.pop(camera_id, None)
        if running is None:
            return
        if running.spec.kind is not SourceKind.WEBRTC:
            await running.source.close()
        running.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running.task
        await running.pipeline.stop()

    def publish_health(self) -> None:
        streaming = 0
        for camera_id, running in self._running.items():
            state = running.pipeline.health(running.source.health())
            self.health.publish(camera_id, state)
            label = str(camera_id)
            self.metrics.fps_in.labels(label).set(state.fps_in)
            self.metrics.fps_analysed.labels(label).set(state.fps_analysed)
            streaming += state.state == "streaming"
        self.metrics.cameras_streaming.set(streaming)
        self.metrics.pool_in_flight.set(self.pool.in_flight)
        if self.pool.restarts > self._restarts_counted:
            self.metrics.pool_restarts.inc(self.pool.restarts - self._restarts_counted)
            self._restarts_counted = self.pool.restarts
        for model in self.pool.set_aside:
            self.metrics.models_set_aside.labels(model).set(1)

    async def _publish_health(self) -> None:
        while True:
            self.publish_health()
            await asyncio.sleep(HEALTH_PERIOD_S)

    async def close(self) -> None:
        if self._health_task is not None:
            self._health_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._health_task
        for camera_id in list(self._running):
            await self._stop(camera_id)
        await asyncio.to_thread(self.pool.shutdown)
