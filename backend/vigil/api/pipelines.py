"""Glue between the database's cameras and the running pipelines (and the demo camera of `make run`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from vigil.anomaly.store import ActivityService
from vigil.anomaly.watch import ActivityWatch, WatchSettings
from vigil.camera.profile import CameraProfile, CameraSpec
from vigil.camera.supervisor import CameraSupervisor, PipelineSupervisor
from vigil.camera.unit import UnitParts
from vigil.db.tables import Camera, User
from vigil.domain import Observation, Role, SourceKind
from vigil.ingest.av_source import SourceRules
from vigil.ingest.webrtc import WebRtcRegistry
from vigil.perception.pose_schedule import PoseSchedule
from vigil.perception.sound.gate import LoudnessGate
from vigil.perception.worker import (
    PerceptionConfig,
    SoundConfig,
    SpeechConfig,
    analyse_audio,
    analyse_frame,
    init_worker,
    transcribe_speech,
)
from vigil.pipeline.camera import FrameListener, ObservationSink
from vigil.pipeline.metrics import PipelineMetrics
from vigil.pipeline.pool import AnalysisPool
from vigil.pipeline.speech import SpeechClipper
from vigil.settings import Settings
from vigil.tracking.zones import ClosedHours, Zone, ZoneKind, privacy_masks, tracked_zones

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from vigil.api.runtime import Runtime

log = logging.getLogger(__name__)

DEMO_CAMERA_NAME = "Demo: plaza"


def spec_of(camera: Camera) -> CameraSpec:
    assert camera.id is not None
    return CameraSpec(
        id=camera.id,
        kind=camera.kind,
        url=camera.url,
        analysis_fps=camera.analysis_fps,
        enabled=camera.enabled,
        file_loop=camera.file_loop,
        file_realtime=camera.file_realtime,
        transcribe=camera.transcribe,
        detect_url=camera.detect_url,
    )


def source_rules(settings: Settings) -> SourceRules:
    """What the cameras' sources may open: files inside VIGIL_FILE_ROOTS (and the demo video), network
    cameras where the outbound policy allows."""
    roots = settings.allowed_file_roots
    if settings.demo_video is not None:
        roots = (*roots, settings.demo_video.expanduser().resolve())
    return SourceRules(roots, settings.camera_outbound())


def perception_config(settings: Settings) -> PerceptionConfig:
    return PerceptionConfig(
        object_model=settings.object_model,
        object_format=settings.object_model_format,
        person_threshold=settings.person_threshold,
        object_threshold=settings.object_threshold,
        pose_model=settings.pose_model if settings.pose_enabled else None,
        face_model=settings.face_model if settings.faces_enabled else None,
        emotion_model=settings.emotion_model if settings.faces_enabled else None,
        sound=SoundConfig(
            vad_model=settings.sound_vad_model,
            svm_model=settings.sound_svm_model,
            yamnet_model=settings.sound_yamnet_model,
            yamnet_labels=settings.sound_yamnet_labels,
            panns_model=settings.sound_panns_model,
            panns_labels=settings.sound_panns_labels,
            yamnet_onnx_model=settings.sound_yamnet_onnx_model if settings.sound_yamnet_onnx else None,
            yamnet_onnx_thresholds=settings.sound_yamnet_onnx_thresholds,
        )
        if settings.sound_enabled
        else None,
        speech=SpeechConfig(settings.speech_model, settings.speech_keyword_list)
        if settings.speech_on
        else None,
        pose_schedule=PoseSchedule() if settings.pose_schedule else None,
        device=settings.device,
    )


def activity_service(
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    zones: Callable[[int], Sequence[Zone]],
) -> ActivityService | None:
    """Each camera's activity against its baseline (None when `VIGIL_ANOMALY_ENABLED` is off)."""
    if not settings.anomaly_enabled:
        return None
    tz = settings.tzinfo()
    watch_settings = WatchSettings(settings.anomaly_slot_s, settings.anomaly_min_days)
    return ActivityService(session_factory, ActivityWatch(watch_settings, lambda _camera: tz, zones))


def zones_of(stored: Sequence[Mapping[str, Any]]) -> tuple[Zone, ...]:
    """A camera's `zones` column (as the API checked it) as tracking and fusion zones."""
    return tuple(
        Zone(
            name=str(zone["name"]),
            points=tuple((float(x), float(y)) for x, y in zone["points"]),
            kind=ZoneKind(zone["kind"]),
            loiter_s=None if zone.get("loiter_s") is None else float(zone["loiter_s"]),
            closed_hours=tuple(
                ClosedHours(str(w["start"]), str(w["end"]), tuple(w["days"]) if w.get("days") else None)
                for w in zone.get("closed_hours") or ()
            ),
        )
        for zone in stored
    )


def profile_of(camera: Camera) -> CameraProfile:
    """A stored camera as its unit takes it: the spec, the zones tracking and fusion use, the privacy masks
    and the face blur."""
    all_zones = zones_of(camera.zones)
    return CameraProfile(
        spec_of(camera), tracked_zones(all_zones), privacy_masks(all_zones), privacy=camera.privacy
    )


async def apply_camera(runtime: Runtime, camera: Camera) -> None:
    """A new or changed camera: its profile to its unit, which reconnects only if its source changed. With
    several nodes, the node that runs cameras hears of it too."""
    if runtime.settings.run_cameras:
        await runtime.pipelines.apply(profile_of(camera))
    if runtime.control is not None:
        await runtime.control.publish("camera", camera_id=camera.id)


async def forget_camera(runtime: Runtime, camera_id: int) -> None:
    """The camera was deleted: close its unit and drop what the API process kept of it."""
    await _forget_here(runtime, camera_id)
    if runtime.control is not None:
        await runtime.control.publish("camera", camera_id=camera_id)


async def _forget_here(runtime: Runtime, camera_id: int) -> None:
    await runtime.pipelines.remove(camera_id)
    runtime.incidents.forget(camera_id)
    runtime.livefeed.forget(camera_id)


async def on_control(runtime: Runtime, op: str, args: dict[str, Any]) -> None:
    """A message from another node: a camera changed (this node runs cameras: apply it from the database),
    or something its connections' rooms depend on."""
    if op != "camera":
        await runtime.hub.on_control(op, args)
        return
    camera_id = args.get("camera_id")
    if not runtime.settings.run_cameras or not isinstance(camera_id, int):
        return
    async with runtime.session_factory() as db:
        camera = await db.get(Camera, camera_id)
    if camera is None:
        await _forget_here(runtime, camera_id)
    else:
        await runtime.pipelines.apply(profile_of(camera))


async def start_cameras(runtime: Runtime) -> None:
    """At start-up: every stored camera's unit (on a node that runs cameras), then the health publisher."""
    if runtime.settings.run_cameras:
        async with runtime.session_factory() as db:
            cameras = list((await db.scalars(select(Camera))).all())
        for camera in cameras:
            await runtime.pipelines.apply(profile_of(camera))
    await runtime.pipelines.start([])


def unit_parts(
    settings: Settings,
    workers: int,
    metrics: PipelineMetrics,
    webrtc: WebRtcRegistry,
    sink: ObservationSink,
    on_frame: FrameListener | None = None,
) -> UnitParts:
    """What the camera units of one process share: a perception pool of `workers` processes, the metrics,
    the WebRTC peers, where tracked observations go (`sink`) and who sees each frame (`on_frame`)."""
    perception = perception_config(settings)
    perception.check()
    return UnitParts(
        pool=AnalysisPool(
            workers,
            init_worker,
            analyse_frame,
            initargs=(perception,),
            analyse_audio=analyse_audio if perception.sound is not None else None,
            transcribe=transcribe_speech if perception.speech is not None else None,
        ),
        metrics=metrics,
        webrtc=webrtc,
        sink=sink,
        on_frame=on_frame,
        rules=source_rules(settings),
        read_timeout_s=settings.read_timeout_s,
        pre_roll_s=settings.buffer_s,
        sound_gate=LoudnessGate if perception.sound is not None else None,
        speech_clipper=lambda: SpeechClipper(settings.speech_min_interval_s, settings.speech_max_clip_s),
    )


def build_supervisor(runtime: Runtime) -> CameraSupervisor:
    """The camera units in this process with its own perception pool, or, in cluster mode
    (`VIGIL_RAY_ADDRESS`), as Ray actors: then this process builds no pool and runs no unit."""
    settings, feed, recorder = runtime.settings, runtime.livefeed, runtime.incidents
    if settings.ray_address:
        from vigil.cluster.units import RayCameraSupervisor  # the `cluster` extra

        return RayCameraSupervisor(settings, runtime.health)

    async def observed(observation: Observation) -> None:
        feed.observe(observation)
        await recorder.observe(observation)

    parts = unit_parts(
        settings, settings.analysis_worker_count, runtime.metrics, runtime.webrtc, observed, feed.on_frame
    )
    return PipelineSupervisor(parts, runtime.health, runtime.units)


async def ensure_demo_camera(runtime: Runtime) -> None:
    """With `VIGIL_DEMO_VIDEO` set, the first admin gets a looping camera of it (once)."""
    video = runtime.settings.demo_video
    if video is None:
        return
    if not video.is_file():
        log.warning("demo video %s not found: no demo camera", video)
        return
    async with runtime.session_factory() as db:
        admin = (
            await db.scalars(select(User).where(User.role == Role.ADMIN).order_by(col(User.created_at)))
        ).first()
        if admin is None:
            log.info("demo camera: waiting for the first account (register one; it becomes admin)")
            return
        existing = (await db.scalars(select(Camera).where(Camera.name == DEMO_CAMERA_NAME))).first()
        if existing is not None:
            return
        # a recording, not people: its speech (if any) is transcribed to show the feature
        camera = Camera(
            name=DEMO_CAMERA_NAME, kind=SourceKind.FILE, url=str(video), owner_id=admin.id, transcribe=True
        )
        db.add(camera)
        await db.commit()
        await db.refresh(camera)
    log.info("demo camera %s added from %s", camera.id, video)
    await apply_camera(runtime, camera)
    await runtime.hub.resync_all()
