"""Glue between the database's cameras and the running pipelines (and the demo camera of `make run`)."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from vigil.api.livefeed import LiveFeed
from vigil.db.tables import Camera, User
from vigil.domain import Observation, Role, SourceKind
from vigil.perception.worker import PerceptionConfig, analyse_frame, init_worker
from vigil.pipeline.pool import AnalysisPool
from vigil.pipeline.supervisor import CameraSpec, PipelineSupervisor
from vigil.settings import Settings

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
    )


def build_supervisor(app: FastAPI, settings: Settings) -> PipelineSupervisor:
    feed: LiveFeed = app.state.livefeed

    async def on_observation(observation: Observation) -> None:
        feed.observe(observation)  # fusion consumes observations here once it exists

    perception = perception_config(settings)
    perception.check()
    return PipelineSupervisor(
        pool=AnalysisPool(settings.analysis_worker_count, init_worker, analyse_frame, initargs=(perception,)),
        metrics=app.state.metrics,
        health=app.state.health,
        webrtc=app.state.webrtc,
        on_observation=on_observation,
        on_frame=feed.on_frame,
        read_timeout_s=settings.read_timeout_s,
        pre_roll_s=settings.pre_roll_s,
    )


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
