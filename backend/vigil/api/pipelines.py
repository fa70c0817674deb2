"""Glue between the database's cameras and the running pipelines (and the demo camera of `make run`)."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from vigil.api.livefeed import LiveFeed
from vigil.db.tables import Camera, User
from vigil.domain import Observation, Role, SourceKind
from vigil.incidents.recorder import IncidentRecorder
from vigil.perception.audio_gate import LoudnessGate
from vigil.perception.worker import PerceptionConfig, SoundConfig, analyse_audio, analyse_frame, init_worker
from vigil.pipeline.pool import AnalysisPool
from vigil.pipeline.supervisor import CameraSpec, PipelineSupervisor
from vigil.settings import Settings
from vigil.tracking.actions import CameraActions

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
    )


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
        )
        if settings.sound_enabled
        else None,
    )


class CameraScenes:
    """Tracks and actions per camera, in the API process: they need every analysed frame of a camera in
    order, which no single pool worker sees. A camera's state starts again when its pipeline restarts."""

    def __init__(self) -> None:
        self._cameras: dict[int, tuple[int, CameraActions]] = {}

    def update(self, observation: Observation, pipeline_id: int, frame_aspect: float) -> Observation:
        known = self._cameras.get(observation.camera_id)
        if known is None or known[0] != pipeline_id:
            known = (pipeline_id, CameraActions(frame_aspect=frame_aspect))
            self._cameras[observation.camera_id] = known
        return known[1].update(observation)


def build_supervisor(app: FastAPI, settings: Settings) -> PipelineSupervisor:
    feed: LiveFeed = app.state.livefeed
    recorder: IncidentRecorder = app.state.incidents
    scenes = CameraScenes()
    running: list[PipelineSupervisor] = []

    async def on_observation(observation: Observation) -> None:
        pipeline = running[0].pipeline(observation.camera_id) if running else None
        if pipeline is None:
            return  # the camera stopped while its frame was analysed
        frame = pipeline.latest_frame
        aspect = frame.width / frame.height if frame is not None else 16 / 9
        observation = scenes.update(observation, id(pipeline), aspect)
        feed.observe(observation)
        await recorder.observe(observation)

    perception = perception_config(settings)
    perception.check()
    supervisor = PipelineSupervisor(
        pool=AnalysisPool(
            settings.analysis_worker_count,
            init_worker,
            analyse_frame,
            initargs=(perception,),
            analyse_audio=analyse_audio if perception.sound is not None else None,
        ),
        sound_gate=LoudnessGate if perception.sound is not None else None,
        metrics=app.state.metrics,
        health=app.state.health,
        webrtc=app.state.webrtc,
        on_observation=on_observation,
        on_frame=feed.on_frame,
        read_timeout_s=settings.read_timeout_s,
        pre_roll_s=settings.buffer_s,
    )
    running.append(supervisor)
    return supervisor


async def camera_specs(session_factory: async_sessionmaker[AsyncSession]) -> list[CameraSpec]:
    async with session_factory() as db:
        return [spec_of(camera) for camera in (await db.scalars(select(Camera))).all()]


async def ensure_demo_camera(app: FastAPI) -> None:
    """With `VIGIL_DEMO_VIDEO` set, the first admin gets a looping camera of it (once)."""
    settings: Settings = app.state.settings
    video = settings.demo_video
    if video is None:
        return
    if not video.is_file():
        log.warning("demo video %s not found: no demo camera", video)
        return
    async with app.state.session_factory() as db:
        admin = (
            await db.scalars(select(User).where(User.role == Role.ADMIN).order_by(col(User.created_at)))
        ).first()
        if admin is None:
            log.info("demo camera: waiting for the first account (register one; it becomes admin)")
            return
        existing = (await db.scalars(select(Camera).where(Camera.name == DEMO_CAMERA_NAME))).first()
        if existing is not None:
            return
        camera = Camera(name=DEMO_CAMERA_NAME, kind=SourceKind.FILE, url=str(video), owner_id=admin.id)
        db.add(camera)
        await db.commit()
        await db.refresh(camera)
    log.info("demo camera %s added from %s", camera.id, video)
    await app.state.pipelines.apply(spec_of(camera))
    await app.state.hub.resync_all()
