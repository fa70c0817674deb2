"""Retention in the server: every few minutes (and before media is written on a nearly full disk), the
incidents' media are measured, `media/retention.plan_retention` decides what goes — too old, over a
camera's share, or the disk nearly full; oldest first; never an incident marked keep nor one still open —
the files are deleted and their `Artifact` rows with them. The incidents themselves stay, with their
explanation: only their media go."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from vigil.db.tables import Artifact, Incident
from vigil.media.retention import MediaItem, RetentionPlan, apply_plan, needs_cleanup, plan_retention
from vigil.media.storage import free_bytes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionLimits:
    max_age_days: float | None = 30.0
    max_gb_per_camera: float | None = 20.0
    min_free_gb: float = 2.0
    every_s: float = 300.0


async def media_items(session_factory: async_sessionmaker[AsyncSession]) -> list[MediaItem]:
    async with session_factory() as db:
        rows = await db.execute(
            select(
                col(Incident.id),
                col(Incident.camera_id),
                col(Incident.keep),
                col(Incident.started_at),
                col(Incident.ended_at),
                func.sum(col(Artifact.bytes)),
            )
            .join(Artifact, col(Artifact.incident_id) == col(Incident.id))
            .group_by(col(Incident.id))
        )
        items = []
        for incident_id, camera_id, keep, started, ended, total in rows.all():
            when = (ended or started).timestamp()
            items.append(
                MediaItem(camera_id, incident_id, int(total or 0), when, keep=keep, in_use=ended is None)
            )
        return items


class RetentionRunner:
    def __init__(
        self, media_dir: Path, session_factory: async_sessionmaker[AsyncSession], limits: RetentionLimits
    ) -> None:
        self.media_dir = media_dir
        self.session_factory = session_factory
        self.limits = limits
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("retention: a run failed; the next one tries again")
            await asyncio.sleep(self.limits.every_s)

    async def make_room(self) -> None:
        """Before media is written: if the disk is under its minimum, clean up now rather than in minutes."""
        self.media_dir.mkdir(parents=True, exist_ok=True)
        if needs_cleanup(free_bytes(self.media_dir), int(self.limits.min_free_gb * 1e9)):
            await self.run_once()

    async def run_once(self, now: float | None = None) -> RetentionPlan:
        async with self._lock:
            limits = self.limits
            self.media_dir.mkdir(parents=True, exist_ok=True)
            plan = plan_retention(
                await media_items(self.session_factory),
                max_age_s=limits.max_age_days * 86_400 if limits.max_age_days is not None else None,
                max_bytes_per_camera=int(limits.max_gb_per_camera * 1e9)
                if limits.max_gb_per_camera
                else None,
                free_bytes=free_bytes(self.media_dir),
                min_free_bytes=int(limits.min_free_gb * 1e9),
                now=now if now is not None else time.time(),
            )
            if not plan.deletions:
                return plan
            done = await asyncio.to_thread(apply_plan, plan, self.media_dir)
            async with self.session_factory() as db:
                ids = [d.item.incident_id for d in done]
                await db.execute(delete(Artifact).where(col(Artifact.incident_id).in_(ids)))
                await db.commit()
            log.info(
                "retention: deleted the media of %d incident(s), %.1f MB (%s)",
                len(done),
                sum(d.item.bytes for d in done) / 1e6,
                ", ".join(sorted({d.reason for d in done})),
            )
            if plan.disk_short_bytes:
                log.warning(
                    "retention: the disk stays %.1f GB under its minimum: only kept or open incidents remain",
                    plan.disk_short_bytes / 1e9,
                )
            return plan
