"""Baselines and judged activity in the database, and the service the incident recorder feeds.

Learning is incremental: each closed slot writes the buckets it changed (one row per measure and hour of
week), the camera-local day, and one `activity_slot` row per measure. Nothing rescans history; a restart
loads the buckets back and goes on where it stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from vigil.anomaly.baseline import BaselineRow, CameraBaseline
from vigil.anomaly.watch import ActivityWatch, JudgedSlot
from vigil.db.tables import ActivitySlot, BaselineBucket, BaselineDay
from vigil.db.types import utcnow
from vigil.domain import Observation

log = logging.getLogger(__name__)

ACTIVITY_KEEP_DAYS = 8  # the chart's today and the same day a week ago


async def load_baseline(db: AsyncSession, camera_id: int, empty: CameraBaseline) -> CameraBaseline:
    """The camera's stored baseline (`empty`, with the watch's settings, when it has none)."""
    buckets = (
        await db.scalars(select(BaselineBucket).where(col(BaselineBucket.camera_id) == camera_id))
    ).all()
    days = (await db.scalars(select(BaselineDay.day).where(col(BaselineDay.camera_id) == camera_id))).all()
    if not buckets and not days:
        return empty
    rows = [
        BaselineRow(b.measure, b.hour_of_week, b.n, b.mean, b.m2, b.accepted_low, b.accepted_high)
        for b in buckets
    ]
    return CameraBaseline(rows, days, settings=empty.settings)


async def save_rows(
    db: AsyncSession, camera_id: int, rows: Sequence[BaselineRow], days: Sequence[int]
) -> None:
    now = utcnow()
    for row in rows:
        await db.merge(
            BaselineBucket(
                camera_id=camera_id,
                measure=row.measure,
                hour_of_week=row.hour_of_week,
                n=row.n,
                mean=row.mean,
                m2=row.m2,
                accepted_low=row.accepted_low,
                accepted_high=row.accepted_high,
                updated_at=now,
            )
        )
    for day in days:
        await db.merge(BaselineDay(camera_id=camera_id, day=day))


def activity_rows(judged: JudgedSlot) -> list[ActivitySlot]:
    slot = judged.slot
    rows = []
    for verdict in judged.verdicts:
        expected = verdict.expected
        rows.append(
            ActivitySlot(
                camera_id=slot.camera_id,
                started_at=slot.start,
                slot_s=slot.slot_s,
                measure=verdict.measure,
                hour_of_week=judged.hour_of_week,
                value=verdict.value,
                low=expected.low if expected is not None else None,
                mid=expected.mid if expected is not None else None,
                high=expected.high if expected is not None else None,
                direction=verdict.direction,
            )
        )
    return rows


async def reset_baseline(db: AsyncSession, camera_id: int) -> None:
    await db.execute(delete(BaselineBucket).where(col(BaselineBucket.camera_id) == camera_id))
    await db.execute(delete(BaselineDay).where(col(BaselineDay.camera_id) == camera_id))


async def activity_between(
    db: AsyncSession, camera_id: int, start: datetime, end: datetime, unusual_only: bool = False
) -> list[ActivitySlot]:
    query = select(ActivitySlot).where(
        col(ActivitySlot.camera_id) == camera_id,
        col(ActivitySlot.started_at) >= start,
        col(ActivitySlot.started_at) < end,
    )
    if unusual_only:
        query = query.where(col(ActivitySlot.direction).is_not(None))
    return list(
        (await db.scalars(query.order_by(col(ActivitySlot.started_at), col(ActivitySlot.measure)))).all()
    )


class ActivityService:
    """The watch with its baselines kept in the database. Called under the recorder's lock."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], watch: ActivityWatch) -> None:
        self.session_factory = session_factory
        self.watch = watch
        self.slots_judged = 0

    async def baseline(self, camera_id: int) -> CameraBaseline:
        """The camera's baseline, loaded from the database the first time it is asked for."""
        if not self.watch.knows(camera_id):
            async with self.session_factory() as db:
                self.watch.load(camera_id, await load_baseline(db, camera_id, self.watch.empty_baseline()))
        return self.watch.baseline(camera_id)

    async def observe(self, observation: Observation) -> Observation | None:
        await self.baseline(observation.camera_id)
        return await self._keep(self.watch.observe(observation))

    async def advance(self, camera_id: int, wall_time_s: float) -> Observation | None:
        return await self._keep(self.watch.advance(camera_id, wall_time_s))

    async def flush(self, camera_id: int) -> Observation | None:
        return await self._keep(self.watch.flush(camera_id))

    async def reset(self, camera_id: int) -> None:
        """Forget everything the camera's baseline learned (its judged activity stays, for the chart)."""
        async with self.session_factory() as db:
            await reset_baseline(db, camera_id)
            await db.commit()
        self.watch.forget(camera_id)

    async def absorb(self, camera_id: int, start: datetime, end: datetime) -> int:
        """An operator marked the unusual activity between `start` and `end` as normal: the baseline takes
        in each unusual measure of those slots, so the same pattern at that hour no longer fires. Returns
        how many measures were taken in."""
        baseline = await self.baseline(camera_id)
        async with self.session_factory() as db:
            unusual = await activity_between(db, camera_id, start, end, unusual_only=True)
            for row in unusual:
                baseline.absorb(row.measure, row.hour_of_week, row.value)
                row.direction = None
            await save_rows(db, camera_id, baseline.dirty_rows(), ())
            await db.commit()
        return len(unusual)

    async def _keep(self, judged: JudgedSlot | None) -> Observation | None:
        if judged is None:
            return None
        self.slots_judged += 1
        camera_id = judged.slot.camera_id
        try:
            async with self.session_factory() as db:
                baseline = self.watch.baseline(camera_id)
                await save_rows(db, camera_id, baseline.dirty_rows(), (judged.day,))
                db.add_all(activity_rows(judged))
                keep_after = judged.slot.start - timedelta(days=ACTIVITY_KEEP_DAYS)
                await db.execute(
                    delete(ActivitySlot).where(
                        col(ActivitySlot.camera_id) == camera_id, col(ActivitySlot.started_at) < keep_after
                    )
                )
                await db.commit()
        except Exception:  # a camera deleted meanwhile, a full disk: judging goes on, in memory
            log.exception("camera %s: could not store its activity baseline", camera_id)
        return judged.observation()
