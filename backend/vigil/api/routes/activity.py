"""A camera's activity beside its baseline, resetting the baseline, and marking an anomaly as normal."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from vigil.anomaly.baseline import CameraBaseline, hour_of_week
from vigil.anomaly.kinds import describe, kind_of, zone_of
from vigil.anomaly.store import activity_between
from vigil.api.deps import CurrentUser, ManagedCamera, OperableIncident, RuntimeDep, Session, VisibleCamera
from vigil.api.routes.incidents import incident_detail
from vigil.api.schemas import (
    ActivityMeasure,
    ActivityPoint,
    BaselineLearning,
    CameraActivity,
    ExpectedHour,
    MarkedNormal,
)
from vigil.db import incidents as incident_repo
from vigil.db.tables import ActivitySlot
from vigil.domain import ANOMALY_KINDS, IncidentStatus

router = APIRouter(tags=["activity"])


@router.get("/cameras/{camera_id}/activity", name="get")
async def camera_activity(
    context: VisibleCamera,
    rt: RuntimeDep,
    db: Session,
    day: Annotated[date | None, Query(description="The camera-local day (default: today).")] = None,
) -> CameraActivity:
    """The day's activity, slot by slot, beside the range the camera's baseline expects hour by hour."""
    settings = rt.settings
    tz = settings.tzinfo()
    shown = day or datetime.now(tz).date()
    start = datetime.combine(shown, time(), tz)
    hours = [(start + timedelta(hours=h)).astimezone(tz) for h in range(24)]  # DST: local hours as lived
    end = datetime.combine(shown + timedelta(days=1), time(), tz)
    service = rt.incidents.activity
    baseline = await service.baseline(context.id) if service is not None else None
    rows = await activity_between(db, context.id, start.astimezone(UTC), end.astimezone(UTC))
    by_measure: dict[str, list[ActivitySlot]] = {}
    for row in rows:
        by_measure.setdefault(row.measure, []).append(row)
    names = set(by_measure) | set(baseline.measures() if baseline is not None else ())
    measures = [
        _measure(name, hours, baseline, by_measure.get(name, []))
        for name in sorted(names, key=lambda m: (ANOMALY_KINDS.index(kind_of(m).name), m))
    ]
    days = baseline.days_learned if baseline is not None else 0
    learning = BaselineLearning(
        enabled=service is not None,
        days=days,
        days_needed=settings.anomaly_min_days,
        learning=days < settings.anomaly_min_days,
    )
    return CameraActivity(
        camera_id=context.id,
        day=shown,
        timezone=str(tz),
        slot_s=settings.anomaly_slot_s,
        learning=learning,
        measures=measures,
    )


def _measure(
    name: str, hours: list[datetime], baseline: CameraBaseline | None, rows: list[ActivitySlot]
) -> ActivityMeasure:
    kind = kind_of(name)
    expected = []
    for moment in hours:
        found = baseline.expected(name, hour_of_week(moment)) if baseline is not None else None
        if found is not None:
            expected.append(
                ExpectedHour(
                    hour=moment.hour,
                    starts_at=moment,
                    low=found.low,
                    mid=found.mid,
                    high=found.high,
                    history=found.history,
                )
            )
    observed = [
        ActivityPoint(
            started_at=row.started_at,
            slot_s=row.slot_s,
            value=row.value,
            low=row.low,
            mid=row.mid,
            high=row.high,
            direction="high" if row.direction == "high" else "low" if row.direction == "low" else None,
        )
        for row in rows
    ]
    return ActivityMeasure(
        measure=name,
        kind=kind.name,
        label=describe(name),
        unit=kind.unit,
        zone=zone_of(name),
        expected=expected,
        observed=observed,
    )


@router.delete("/cameras/{camera_id}/baseline", name="reset", status_code=status.HTTP_204_NO_CONTENT)
async def reset_baseline(context: ManagedCamera, rt: RuntimeDep) -> None:
    """Forget what the camera's baseline learned: it learns again from now ("learning, 0 of N days")."""
    await rt.incidents.reset_baseline(context.id)


@router.post("/incidents/{incident_id}/normal", name="mark_normal")
async def mark_normal(
    context: OperableIncident, user: CurrentUser, rt: RuntimeDep, db: Session
) -> MarkedNormal:
    """This anomaly is normal for the camera: its baseline takes in the unusual activity of the incident's
    slots (so the same pattern at that hour no longer fires) and the incident is resolved."""
    incident = context.incident
    if incident.label != "anomaly":
        raise HTTPException(status.HTTP_409_CONFLICT, detail="NOT_AN_ANOMALY")
    slot = timedelta(seconds=rt.settings.anomaly_slot_s)
    # an incident still open: its slots so far (the rule tells a long one every hour at most)
    last = incident.ended_at or max(datetime.now(UTC), incident.started_at + timedelta(hours=1))
    until = last + slot
    absorbed = await rt.incidents.mark_normal(incident.camera_id, incident.started_at - slot, until)
    resolved = await incident_repo.set_status(db, incident, user, IncidentStatus.RESOLVED, None)
    return MarkedNormal(incident=await incident_detail(db, resolved), absorbed=absorbed)
