"""`CameraUnit`: one camera's whole chain, built from its `CameraProfile`.

source → sampler and motion gate → perception calls in the shared pool (`CameraPipeline`) → tracking and
actions (`CameraActions`, which need every analysed frame of the camera in order) → the server's sink
(fusion, the incident recorder and its media, the live view). The unit is the one place a profile change
lands: `apply(profile)` reconnects the camera only when its source changed, and restarts tracking when its
zones changed; readers of zones, masks and privacy look the unit's profile up (`CameraUnits`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from vigil.camera.profile import CameraProfile
from vigil.camera.tracking import DEFAULT_ASPECT, CameraTracking
from vigil.domain import Observation, SourceKind
from vigil.ingest.av_source import AvSource, AvSourceConfig, SourceRules
from vigil.ingest.base import Source
from vigil.ingest.health import SourceHealth
from vigil.ingest.split_source import SplitSource
from vigil.ingest.webrtc import WebRtcRegistry
from vigil.pipeline.audio import SoundGate
from vigil.pipeline.camera import CameraPipeline, FrameListener, ObservationSink
from vigil.pipeline.metrics import PipelineMetrics
from vigil.pipeline.pool import AnalysisPool
from vigil.pipeline.speech import SpeechClipper
from vigil.tracking.zones import Zone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UnitParts:
    """What every camera unit of one server shares."""

    pool: AnalysisPool
    metrics: PipelineMetrics
    webrtc: WebRtcRegistry
    sink: ObservationSink  # every tracked observation: fusion, incidents, live view
    on_frame: FrameListener | None = None
    rules: SourceRules = field(default_factory=SourceRules)
    read_timeout_s: float = 5.0
    pre_roll_s: float = 10.0
    sound_gate: Callable[[], SoundGate] | None = None
    speech_clipper: Callable[[], SpeechClipper] = SpeechClipper


class CameraUnit:
    def __init__(self, profile: CameraProfile, parts: UnitParts) -> None:
        self.profile = profile
        self.parts = parts
        self.pipeline: CameraPipeline | None = None
        self.source: Source | None = None
        self.task: asyncio.Task[None] | None = None  # the source's reading, while connected
        self._started_kind: SourceKind | None = None
        self.tracking = CameraTracking()
        if profile.spec.enabled:
            self._start()

    @property
    def camera_id(self) -> int:
        return self.profile.camera_id

    @property
    def tracking_zones(self) -> tuple[Zone, ...] | None:
        """The zones tracking and actions run in now (None until the next observation starts them)."""
        return self.tracking.zones

    async def apply(self, profile: CameraProfile) -> None:
        """The camera's new profile, from the next frame on. A new source (or sampling, or the camera
        switched off or on) reconnects; new zones restart tracking (dwell clocks and loitering belong to
        the zones) without a reconnect; masks and privacy are read from the profile where they are used."""
        if profile.camera_id != self.camera_id:
            raise ValueError(f"camera {self.camera_id}'s unit was given camera {profile.camera_id}'s profile")
        old, self.profile = self.profile, profile
        if profile.spec != old.spec:
            await self._stop()
            if profile.spec.enabled:
                self._start()
        elif profile.zones != old.zones:
            self.tracking.reset()

    def health(self) -> SourceHealth | None:
        if self.pipeline is None or self.source is None:
            return None
        return self.pipeline.health(self.source.health())

    async def close(self) -> None:
        """Disconnect the camera, cancel its analyses and drop what its buffers hold."""
        await self._stop()

    def _start(self) -> None:
        spec, parts = self.profile.spec, self.parts
        pipeline = CameraPipeline(
            spec.id,
            spec.analysis_fps,
            parts.pool,
            parts.metrics,
            lambda observation: self._observe(pipeline, observation),
            pre_roll_s=parts.pre_roll_s,
            on_frame=parts.on_frame,
            sound_gate=parts.sound_gate() if parts.sound_gate is not None else None,
            keep_frames=spec.kind is SourceKind.WEBRTC,
            speech=parts.speech_clipper() if spec.transcribe else None,
        )
        self.pipeline, self.source = pipeline, self._source(pipeline)
        self.tracking.reset()
        self._started_kind = spec.kind
        self.task = asyncio.create_task(self._run(pipeline, self.source), name=f"camera-{spec.id}")
        log.info("camera %s: started (%s)", spec.id, spec.kind)

    def _source(self, pipeline: CameraPipeline) -> Source:
        spec, parts = self.profile.spec, self.parts
        if spec.kind is SourceKind.WEBRTC:
            return parts.webrtc.get_or_create(spec.id)
        config = AvSourceConfig(
            kind=spec.kind,
            url=spec.url,
            read_timeout_s=parts.read_timeout_s,
            loop=spec.file_loop,
            realtime=spec.file_realtime,
            rules=parts.rules,
        )
        if spec.kind is SourceKind.RTSP and spec.detect_url:
            detect = replace(config, url=spec.detect_url)
            return SplitSource(spec.id, config, detect, packet_sink=pipeline.packets.append)
        return AvSource(spec.id, config, packet_sink=pipeline.packets.append)

    async def _run(self, pipeline: CameraPipeline, source: Source) -> None:
        try:
            await pipeline.run(source)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("camera %s: stopped by an error", self.camera_id)

    def track(self, observation: Observation, frame_aspect: float = DEFAULT_ASPECT) -> Observation:
        """The observation with its tracks, zones and actions, in the profile's zones (tracking starts
        again after a reconnect or a change of zones)."""
        return self.tracking.track(observation, self.profile.zones, frame_aspect)

    async def _observe(self, pipeline: CameraPipeline, observation: Observation) -> None:
        if pipeline is not self.pipeline:
            return  # analysed by a pipeline the camera has since replaced or stopped
        frame = pipeline.latest_frame
        aspect = frame.width / frame.height if frame is not None else DEFAULT_ASPECT
        await self.parts.sink(self.track(observation, aspect))

    async def _stop(self) -> None:
        pipeline, source, task = self.pipeline, self.source, self.task
        self.pipeline, self.source, self.task = None, None, None
        self.tracking.reset()
        if pipeline is None:
            return
        if source is not None and self._started_kind is not SourceKind.WEBRTC:
            await source.close()  # a WebRTC peer belongs to the registry: the phone may publish again
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await pipeline.stop()
        pipeline.release()
