"""From the fusion engine's updates to stored incidents and live events.

Each update is persisted first (an `Incident` row created, raised or closed), then broadcast to the
camera's socket.io room: a client never hears of an incident the API cannot show. Artifacts and alerts
hang off the stored incident (media/ and alerts/, the latter through `IncidentAlerts`).

Camera time → wall time: fusion works on the camera clock (`t_s`); every observation also carries the
wall time it was taken, and the offset between the two, per camera, turns an incident's start and end into
datetimes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigil.anomaly.store import ActivityService
from vigil.db.tables import Incident, IncidentSpeech
from vigil.db.types import utcnow
from vigil.domain import ArtifactKind, Observation, Transcript, UpdateKind
from vigil.fusion import FusionEngine, IncidentUpdate, RuleSet
from vigil.incidents.alerting import IncidentAlerts
from vigil.incidents.artifacts import IncidentMedia
from vigil.incidents.speech import SpeechKeeper
from vigil.tracking.zones import Zone

log = logging.getLogger(__name__)

Broadcast = Callable[[int, str, dict[str, Any]], Awaitable[None]]
TICK_S = 1.0  # how often quiet cameras' open incidents are moved on (a motion-gated camera sends nothing)


class IncidentRecorder:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        broadcast: Broadcast,
        rules: RuleSet,
        tz: tzinfo = UTC,
        media: IncidentMedia | None = None,
        alerts: IncidentAlerts | None = None,
        zones_of: Callable[[int], Sequence[Zone]] | None = None,
        activity: ActivityService | None = None,
    ) -> None:
        """`activity`: each camera's activity judged against its baseline (the `anomaly` rule's evidence)."""
        self.session_factory = session_factory
        self.activity = activity
        self.broadcast = broadcast
        self.media = media
        self.alerts = alerts
        self.engine = FusionEngine(rules, tz=tz, zones_of=zones_of)
        self._seen: dict[int, Observation] = {}  # camera → its latest video observation (for snapshots)
        self._stored: dict[int, int] = {}  # engine incident id → Incident.id
        self._clock: dict[int, tuple[float, float]] = {}  # camera → (camera t_s, wall time) last seen
        self.speech = SpeechKeeper()  # transcripts wait here; only those around an incident are stored
        self._lock = asyncio.Lock()
        self._ticker: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._ticker = asyncio.create_task(self._tick())

    async def close(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)
        if self.media is not None:
            await self.media.close()
        if self.alerts is not None:
            await self.alerts.close()

    async def observe(self, observation: Observation) -> None:
        async with self._lock:
            self._clock[observation.camera_id] = (observation.t_s, observation.wall_time_s)
            if observation.modality == "video":
                self._seen[observation.camera_id] = observation
            if self.media is not None:
                self.media.observe(observation)
            if observation.transcripts:
                self.speech.hear(observation.camera_id, observation.transcripts, observation.t_s)
            for update in self.engine.feed(observation):
                await self._record(update)
            if self.activity is not None:
                await self._feed(await self.activity.observe(observation))
            if observation.transcripts:
                later = self.speech.for_open_incidents(observation.camera_id)
                await self._store_speech(observation.camera_id, later)

    def forget(self, camera_id: int) -> None:
        """The camera was deleted or restarted: its open incidents end with what was seen."""
        self._clock.pop(camera_id, None)
        self._seen.pop(camera_id, None)
        self.speech.forget(camera_id)
        if self.activity is not None:
            self.activity.watch.forget(camera_id)

    async def mark_normal(self, camera_id: int, start: datetime, end: datetime) -> int:
        """The baseline takes in the unusual activity between `start` and `end` (an anomaly an operator
        marked as normal); returns how many measures it took in (0 when anomalies are off)."""
        if self.activity is None:
            return 0
        async with self._lock:
            return await self.activity.absorb(camera_id, start, end)

    async def reset_baseline(self, camera_id: int) -> None:
        if self.activity is not None:
            async with self._lock:
                await self.activity.reset(camera_id)

    async def _feed(self, observation: Observation | None) -> None:
        if observation is not None:
            for update in self.engine.feed(observation):
                await self._record(update)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            async with self._lock:
                for camera_id, (t_s, wall) in list(self._clock.items()):
                    now = time.time()
                    for update in self.engine.advance(camera_id, t_s + max(0.0, now - wall), now):
                        await self._record(update)
                    if self.activity is not None:
                        await self._feed(await self.activity.advance(camera_id, now))

    def _wall(self, camera_id: int, t_s: float) -> datetime:
        camera_t, wall = self._clock.get(camera_id, (t_s, time.time()))
        return datetime.fromtimestamp(wall + (t_s - camera_t), UTC)

    async def _record(self, update: IncidentUpdate) -> None:
        try:
            incident = await self._persist(update)
        except Exception:
            log.exception(
                "camera %s: could not store incident %s (%s)", update.camera_id, update.label, update.kind
            )
            return
        assert incident.id is not None
        speech = self.speech.for_update(
            update.incident_id,
            incident.id,
            update.camera_id,
            update.started_s,
            update.ended_s if update.kind is UpdateKind.CLOSED else None,
        )
        await self._store_speech(update.camera_id, [(incident.id, t) for t in speech], announce=False)
        await self.broadcast(update.camera_id, str(update.kind), payload_of(incident, update))
        snapshot = None
        if self.media is not None:
            snapshot = self.media.on_update(update, incident.id, self._seen.get(update.camera_id))
        if self.alerts is not None:  # queued: detection never waits for routes or channels
            self.alerts.submit(update, incident.id, snapshot)

    async def _store_speech(
        self, camera_id: int, said: list[tuple[int, Transcript]], announce: bool = True
    ) -> None:
        """Store transcripts with their incidents; clients of an incident already announced refetch it."""
        if not said:
            return
        try:
            async with self.session_factory() as db:
                for incident_id, transcript in said:
                    db.add(
                        IncidentSpeech(
                            incident_id=incident_id,
                            started_at=self._wall(camera_id, transcript.t_s),
                            ended_at=self._wall(camera_id, transcript.end_s),
                            text=transcript.text,
                            conf=transcript.conf,
                            source=transcript.source,
                        )
                    )
                await db.commit()
        except Exception:  # the words stay out of the log: they are the sensitive part
            log.exception("camera %s: could not store the speech of an incident", camera_id)
            return
        if announce:
            for incident_id in sorted({incident_id for incident_id, _ in said}):
                await self.broadcast(
                    camera_id, "updated", {"incident_id": incident_id, "camera_id": camera_id, "speech": True}
                )

    async def announce_artifact(self, camera_id: int, incident_id: int, kind: ArtifactKind) -> None:
        """A file of the incident is ready: clients refetch it."""
        await self.broadcast(
            camera_id, "updated", {"incident_id": incident_id, "camera_id": camera_id, "artifact": str(kind)}
        )

    async def _persist(self, update: IncidentUpdate) -> Incident:
        explanation = {
            **update.as_dict()["explanation"],
            "summary": update.explanation.summary(),
            # the explanation's times are camera-clock seconds; wall time = t_s + wall_offset_s (Unix s)
            "wall_offset_s": self._wall(update.camera_id, update.t_s).timestamp() - update.t_s,
        }
        async with self.session_factory() as db:
            stored_id = self._stored.get(update.incident_id)
            incident = await db.get(Incident, stored_id) if stored_id is not None else None
            if incident is None:
                incident = Incident(
                    camera_id=update.camera_id,
                    label=update.label,
                    confidence=update.confidence,
                    severity=update.severity,
                    started_at=self._wall(update.camera_id, update.started_s),
                    explanation=explanation,
                )
            else:
                incident.confidence = update.confidence
                incident.explanation = explanation
                incident.updated_at = utcnow()
            if update.kind is UpdateKind.CLOSED and update.ended_s is not None:
                incident.ended_at = self._wall(update.camera_id, update.ended_s)
            db.add(incident)
            await db.commit()
            await db.refresh(incident)
        assert incident.id is not None
        if update.kind is UpdateKind.CLOSED:
            self._stored.pop(update.incident_id, None)
        else:
            self._stored[update.incident_id] = incident.id
        return incident


def payload_of(incident: Incident, update: IncidentUpdate) -> dict[str, Any]:
    return {
        "incident_id": incident.id,
        "camera_id": incident.camera_id,
        "label": incident.label,
        "severity": str(incident.severity),
        "confidence": round(incident.confidence, 3),
        "started_at": incident.started_at.isoformat(),
        "ended_at": incident.ended_at.isoformat() if incident.ended_at else None,
        "summary": update.explanation.summary(),
    }
