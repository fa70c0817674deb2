"""The fusion engine: observations of each camera in, incident updates with explanations out.

Pure and deterministic: nothing reads the wall clock; time is the observations' `t_s` (camera clock), and
their `wall_time_s` only sets the schedule factor. The same observations in the same order give the same
updates, so a recording can be replayed against other rules.

Per camera and rule, at every observation, the rule's score over its window is computed (see
`vigil.fusion.rules`), and the incident's lifecycle steps:

- idle → pending when the score reaches `threshold` with evidence that came in the observation just fed (a
  score that rises only because evidence against the incident left the window opens nothing); pending →
  idle when it falls below the threshold;
- pending → open once the score has held the threshold and fresh evidence kept coming for `min_duration_s`
  (from the end of the evidence that first reached the threshold to the end of the newest evidence:
  evidence merely held by the window does not count as duration), and the (camera, label) is not cooling
  down;
- open → closed once the score stayed below `close_below` (hysteresis) for `close_after_s`; then the
  (camera, label) cools down for `cooldown_s`: no new incident of that label opens on that camera;
- open → closed when it has lasted `max_duration_s` (if the rule sets one): evidence that goes on for hours
  is told as occurrences of that length, not one incident left open forever. With `reopen_after_max` the
  next occurrence may open at once (no cooldown); without, the cooldown applies as after any close.

An open incident is updated when its peak confidence rose by `UPDATE_MIN_RISE`, or every
`UPDATE_EVERY_S` while new evidence arrives.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from vigil.domain import EMOTIONS, Box, Observation, UpdateKind
from vigil.fusion.model import EvidenceRef, IncidentExplanation, IncidentUpdate, TermContribution
from vigil.fusion.rules import Family, Read, Rule, RuleSet, Selector, Term, confidence_of
from vigil.tracking.zones import CLOSED, Zone, foot_point

UPDATE_MIN_RISE = 0.05
"""An open incident's confidence must rise this much for an update: 5 points is a change a person notices;
smaller ones would send an update per frame."""

UPDATE_EVERY_S = 10.0
"""While evidence goes on without raising the peak, one update this often says the incident is ongoing."""

MAX_EVIDENCE_PER_TERM = 3
"""The explanation lists a term's strongest pieces of evidence, not every frame of them."""

HOLD_MARGIN_S = 1.0

TimeZone = str | tzinfo


@dataclass(frozen=True, slots=True)
class ZoneAt:
    """A zone a piece of evidence stands in, as the rules see it: a closed zone is there a second time with
    kind `closed` and why (its closed hours), so a rule may weigh presence there out of hours."""

    name: str
    kind: str | None
    why: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.why})" if self.why else self.name


@dataclass(frozen=True, slots=True)
class _Item:
    """One piece of evidence, as the rules read it."""

    family: Family
    label: str
    score: float
    t_s: float
    end_s: float
    seq: int  # the observation it came with
    track_ids: tuple[int, ...] = ()
    zones: tuple[ZoneAt, ...] = ()  # the zones it stands in
    positioned: bool = False
    source: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class _Record:
    """One observation's evidence, indexed by (family, label) so each term reads only its own."""

    seq: int
    t_s: float
    modality: str
    by_kind: dict[tuple[Family, str], tuple[_Item, ...]]
    latest_s: float

    @classmethod
    def of(cls, seq: int, t_s: float, modality: str, items: Iterable[_Item]) -> _Record:
        by_kind: dict[tuple[Family, str], list[_Item]] = {}
        latest = t_s
        for item in items:
            by_kind.setdefault((item.family, item.label), []).append(item)
            latest = max(latest, item.end_s)
        return cls(seq, t_s, modality, {k: tuple(v) for k, v in by_kind.items()}, latest)


@dataclass(frozen=True, slots=True)
class _Match:
    item: _Item
    factor: float
    zone: str | None

    @property
    def value(self) -> float:
        return self.item.score * self.factor


@dataclass(frozen=True, slots=True)
class _TermResult:
    contribution: TermContribution
    matches: tuple[_Match, ...]  # every piece that passed min_conf in the window


@dataclass(frozen=True, slots=True)
class _Evaluation:
    score: float
    confidence: float
    explanation: IncidentExplanation
    earliest_s: float | None  # the contributing evidence's span
    latest_s: float | None
    key_s: float | None  # the strongest piece of the strongest term
    sound_span: tuple[float, float] | None
    fresh: bool  # evidence for the incident came with the observation just fed


@dataclass(slots=True)
class _OpenIncident:
    incident_id: int
    rule: Rule
    started_s: float
    peak: _Evaluation
    last_evidence_s: float
    sound_span: tuple[float, float] | None
    last_emitted_conf: float
    last_emit_s: float
    last_emitted_evidence_s: float
    below_since_s: float | None = None


@dataclass(slots=True)
class _RuleState:
    pending_since_s: float | None = None
    pending_earliest_s: float | None = None
    incident: _OpenIncident | None = None


@dataclass(slots=True)
class _Camera:
    zones: tuple[Zone, ...]
    tz: tzinfo
    records: list[_Record] = field(default_factory=list)
    now_s: float = -math.inf
    wall_time_s: float = 0.0
    seq: int = 0
    states: dict[str, _RuleState] = field(default_factory=dict)


class FusionEngine:
    """Feed it every observation of every camera in order; it returns what changed."""

    def __init__(
        self,
        rules: RuleSet,
        zones_by_camera: Mapping[int, Sequence[Zone]] | None = None,
        tz: TimeZone = "UTC",
        tz_by_camera: Mapping[int, TimeZone] | None = None,
        zones_of: Callable[[int], Sequence[Zone]] | None = None,
    ) -> None:
        """`zones_of`: a camera's zones, looked up at each of its observations (the server passes its
        cameras' profiles); without it, `zones_by_camera` and `set_zones` (offline replays)."""
        self._rules = rules
        self._zones_of = zones_of
        self._rules_by_camera: dict[int, dict[str, Rule]] = {}
        self._zones = {k: tuple(v) for k, v in (zones_by_camera or {}).items()}
        self._tz = _zone_info(tz)
        self._tz_by_camera = {k: _zone_info(v) for k, v in (tz_by_camera or {}).items()}
        self._cameras: dict[int, _Camera] = {}
        self._cooldown_until: dict[tuple[int, str], float] = {}
        self._next_id = 1

    @property
    def rules(self) -> RuleSet:
        return self._rules

    def replace_rules(self, rules: RuleSet) -> None:
        """New rules from the next observation on. Open incidents of rules kept go on; those of rules
        removed or disabled close at their camera's next observation."""
        self._rules = rules
        self._rules_by_camera.clear()

    def set_zones(self, camera_id: int, zones: Sequence[Zone]) -> None:
        self._zones[camera_id] = tuple(zones)
        if camera_id in self._cameras:
            self._cameras[camera_id].zones = tuple(zones)

    def feed(self, observation: Observation) -> list[IncidentUpdate]:
        camera = self._camera(observation.camera_id)
        camera.seq += 1
        record = _Record.of(
            camera.seq, observation.t_s, observation.modality, self._items(camera, observation)
        )
        camera.records.append(record)
        if observation.t_s >= camera.now_s:
            camera.now_s = observation.t_s
            camera.wall_time_s = observation.wall_time_s
        return self._step(observation.camera_id, camera)

    def advance(self, camera_id: int, t_s: float, wall_time_s: float | None = None) -> list[IncidentUpdate]:
        """Let time pass on a camera without new evidence (a motion-gated camera gone still, a dead one).

        Call it regularly (say every second): closing counts `close_after_s` from the first evaluation
        below `close_below`, so the gaps between calls delay a close by up to one gap."""
        camera = self._camera(camera_id)
        camera.seq += 1  # no observation: nothing is fresh
        if t_s > camera.now_s:
            if wall_time_s is None:
                wall_time_s = camera.wall_time_s + (
                    t_s - camera.now_s if math.isfinite(camera.now_s) else 0.0
                )
            camera.now_s, camera.wall_time_s = t_s, wall_time_s
        return self._step(camera_id, camera)

    def flush(self, t_s: float | None = None, camera_id: int | None = None) -> list[IncidentUpdate]:
        """End of a recording (or of a camera): close every open incident, forget pending ones.

        A camera's clock never runs backwards in the engine: replay another recording in a new engine."""
        updates: list[IncidentUpdate] = []
        for cid in sorted(self._cameras):
            if camera_id is not None and cid != camera_id:
                continue
            camera = self._cameras[cid]
            now = camera.now_s if t_s is None else max(t_s, camera.now_s)
            for name in sorted(camera.states):
                state = camera.states[name]
                if state.incident is not None:
                    updates.append(self._close(cid, name, state, now))
                state.pending_since_s = state.pending_earliest_s = None
        return updates

    def open_incidents(self) -> list[tuple[int, str, int]]:
        """(camera, rule, incident id) of every open incident."""
        return [
            (cid, name, s.incident.incident_id)
            for cid, camera in sorted(self._cameras.items())
            for name, s in sorted(camera.states.items())
            if s.incident is not None
        ]

    # -----------------------------------------------------------------------------------------------------

    def zones(self, camera_id: int) -> tuple[Zone, ...]:
        """The zones this camera's next observation is judged in."""
        if self._zones_of is not None:
            return tuple(self._zones_of(camera_id))
        return self._zones.get(camera_id, ())

    def _camera(self, camera_id: int) -> _Camera:
        zones = self.zones(camera_id)
        camera = self._cameras.get(camera_id)
        if camera is None:
            camera = _Camera(zones, self._tz_by_camera.get(camera_id, self._tz))
            self._cameras[camera_id] = camera
        elif camera.zones != zones:
            camera.zones = zones
        return camera

    def _items(self, camera: _Camera, obs: Observation) -> Iterable[_Item]:
        t, seq = float(obs.t_s), camera.seq
        closed = _closed_zones(camera.zones, obs.wall_time_s, camera.tz)
        person_boxes = {d.track_id: d.box for d in obs.detections if d.track_id is not None}
        for d in obs.detections:
            track = (d.track_id,) if d.track_id is not None else ()
            yield _Item(
                Family.OBJECT, d.label, d.conf, t, t, seq, track, _zones_at(camera.zones, d.box, closed), True
            )
        for face in obs.faces:
            if face.emotion is None:
                continue
            box = person_boxes.get(face.track_id, face.box) if face.track_id is not None else face.box
            zones = _zones_at(camera.zones, box, closed)
            track = (face.track_id,) if face.track_id is not None else ()
            emotion = face.emotion
            probs = (
                zip(EMOTIONS, emotion.scores, strict=True)
                if len(emotion.scores) == len(EMOTIONS)
                else [(emotion.label, emotion.conf)]
            )
            for label, prob in probs:
                if prob > 0.0:
                    yield _Item(Family.FACE, label, float(prob), t, t, seq, track, zones, True)
        for action in obs.actions:
            zones = _zones_at(camera.zones, action.box, closed)
            if action.zone is not None and all(z.name != action.zone for z in zones):
                kinds = {z.name: z.kind.value for z in camera.zones}
                zones = (*zones, ZoneAt(action.zone, kinds.get(action.zone)))
            yield _Item(
                Family.ACTION,
                action.label,
                float(action.conf),
                float(action.t_s),
                float(action.t_s),
                seq,
                action.track_ids,
                zones,
                positioned=True,
                detail=action.detail,
            )
        for sound in obs.sounds:
            yield _Item(
                Family.AUDIO,
                sound.label,
                float(sound.conf),
                float(sound.t_s),
                float(max(sound.end_s, sound.t_s)),
                seq,
                source=sound.source,
                detail=sound.detail,
            )
        for anomaly in obs.anomalies:
            yield _Item(
                Family.ANOMALY,
                anomaly.kind,
                float(anomaly.conf),
                float(anomaly.t_s),
                float(max(anomaly.end_s, anomaly.t_s)),
                seq,
                source=anomaly.measure,
                detail=anomaly.detail,
            )

    def _step(self, camera_id: int, camera: _Camera) -> list[IncidentUpdate]:
        rules = self._rules_by_camera.get(camera_id)
        if rules is None:
            rules = self._rules_by_camera[camera_id] = self._rules.for_camera(camera_id)
        now = camera.now_s
        horizon = max((r.window_s for r in rules.values()), default=0.0) + HOLD_MARGIN_S
        camera.records = [r for r in camera.records if r.latest_s >= now - horizon]
        updates: list[IncidentUpdate] = []
        for name in sorted(set(camera.states) - set(rules)):
            state = camera.states.pop(name)
            if state.incident is not None:
                updates.append(self._close(camera_id, name, state, now))
        for name, rule in rules.items():
            state = camera.states.setdefault(name, _RuleState())
            evaluation = self._evaluate(camera_id, camera, name, rule, now)
            update = self._lifecycle(camera_id, name, rule, state, evaluation, now)
            if update is not None:
                updates.append(update)
        return updates

    def _lifecycle(
        self, camera_id: int, name: str, rule: Rule, state: _RuleState, ev: _Evaluation, now: float
    ) -> IncidentUpdate | None:
        incident = state.incident
        if incident is not None:
            if rule.max_duration_s is not None and now - incident.started_s >= rule.max_duration_s:
                return self._close(camera_id, name, state, now, cool_down=not rule.reopen_after_max)
            if ev.score >= rule.close_level:
                incident.below_since_s = None
                if ev.latest_s is not None:
                    incident.last_evidence_s = max(incident.last_evidence_s, ev.latest_s)
                incident.sound_span = _union(incident.sound_span, ev.sound_span)
                if ev.score > incident.peak.score:
                    incident.peak = ev
                rose = incident.peak.confidence >= incident.last_emitted_conf + UPDATE_MIN_RISE
                ongoing = (
                    now - incident.last_emit_s >= UPDATE_EVERY_S
                    and incident.last_evidence_s > incident.last_emitted_evidence_s
                )
                if rose or ongoing:
                    return self._emit(UpdateKind.UPDATED, camera_id, name, incident, now)
                return None
            if incident.below_since_s is None:
                incident.below_since_s = now
            if now - incident.below_since_s >= rule.close_after_s:
                return self._close(camera_id, name, state, now)
            return None

        if ev.score < rule.threshold or ev.latest_s is None:
            state.pending_since_s = state.pending_earliest_s = None
            return None
        if state.pending_since_s is None and not ev.fresh:
            return None  # the score rose only because evidence against the incident left the window
        if state.pending_since_s is None:
            state.pending_since_s = ev.latest_s  # the evidence that reached the threshold
            state.pending_earliest_s = ev.earliest_s
        elif ev.earliest_s is not None and state.pending_earliest_s is not None:
            state.pending_earliest_s = min(state.pending_earliest_s, ev.earliest_s)
        if ev.latest_s - state.pending_since_s < rule.min_duration_s - 1e-9:
            return None
        if now < self._cooldown_until.get((camera_id, rule.label), -math.inf):
            return None
        started = state.pending_earliest_s if state.pending_earliest_s is not None else now
        state.incident = _OpenIncident(
            incident_id=self._next_id,
            rule=rule,
            started_s=started,
            peak=ev,
            last_evidence_s=ev.latest_s,
            sound_span=ev.sound_span,
            last_emitted_conf=ev.confidence,
            last_emit_s=now,
            last_emitted_evidence_s=ev.latest_s,
        )
        self._next_id += 1
        state.pending_since_s = state.pending_earliest_s = None
        return self._emit(UpdateKind.OPENED, camera_id, name, state.incident, now)

    def _close(
        self, camera_id: int, name: str, state: _RuleState, now: float, cool_down: bool = True
    ) -> IncidentUpdate:
        incident = state.incident
        assert incident is not None
        state.incident = None
        if cool_down:
            key = (camera_id, incident.rule.label)
            self._cooldown_until[key] = max(
                self._cooldown_until.get(key, -math.inf), now + incident.rule.cooldown_s
            )
        return self._emit(UpdateKind.CLOSED, camera_id, name, incident, now)

    def _emit(
        self, kind: UpdateKind, camera_id: int, name: str, incident: _OpenIncident, now: float
    ) -> IncidentUpdate:
        incident.last_emitted_conf = incident.peak.confidence
        incident.last_emit_s = now
        incident.last_emitted_evidence_s = incident.last_evidence_s
        peak = incident.peak
        return IncidentUpdate(
            kind=kind,
            incident_id=incident.incident_id,
            camera_id=camera_id,
            rule=name,
            label=incident.rule.label,
            severity=incident.rule.severity,
            confidence=peak.confidence,
            t_s=now,
            started_s=incident.started_s,
            ended_s=incident.last_evidence_s if kind is UpdateKind.CLOSED else None,
            last_evidence_s=incident.last_evidence_s,
            key_evidence_s=peak.key_s if peak.key_s is not None else incident.started_s,
            sound_span=incident.sound_span,
            explanation=peak.explanation,
        )

    # ----------------------------------------------------------------------------------------------------

    def _evaluate(self, camera_id: int, camera: _Camera, name: str, rule: Rule, now: float) -> _Evaluation:
        since = now - rule.window_s
        video = [r for r in camera.records if r.modality == "video" and since <= r.t_s <= now]
        records = [r for r in camera.records if r.latest_s >= since]
        schedule_factor, schedule_name = _schedule_factor(rule, camera.wall_time_s, camera.tz)
        results = [_read_term(term, rule, records, video, since, now, schedule_factor) for term in rule.terms]
        score = math.fsum(r.contribution.contribution for r in results)
        contributing = [r for r in results if r.contribution.contribution > 0.0]  # evidence for, not against
        pieces = [m.item for r in contributing for m in r.matches]
        sounds = [p for p in pieces if p.family is Family.AUDIO]
        key_s = None
        if contributing:
            strongest = max(contributing, key=lambda r: r.contribution.contribution)
            if strongest.contribution.evidence_items:
                key_s = strongest.contribution.evidence_items[0].t_s
        explanation = IncidentExplanation(
            rule=name,
            rule_version=self._rules.version,
            score=score,
            confidence=confidence_of(score, rule.threshold),
            threshold=rule.threshold,
            close_below=rule.close_level,
            window_s=rule.window_s,
            schedule_factor=schedule_factor,
            schedule=schedule_name,
            terms=tuple(r.contribution for r in results),
            camera_overrides=self._rules.has_overrides(camera_id, name),
        )
        return _Evaluation(
            score=score,
            confidence=explanation.confidence,
            explanation=explanation,
            earliest_s=min((p.t_s for p in pieces), default=None),
            latest_s=max((p.end_s for p in pieces), default=None),
            key_s=key_s,
            sound_span=(min(s.t_s for s in sounds), max(s.end_s for s in sounds)) if sounds else None,
            fresh=any(p.seq == camera.seq for p in pieces),
        )


def _read_term(
    term: Term,
    rule: Rule,
    records: Sequence[_Record],
    video: Sequence[_Record],
    since: float,
    now: float,
    schedule_factor: float,
) -> _TermResult:
    selector = term.selector
    kind = (selector.family, selector.label)
    matches = [
        _match(rule, i)
        for r in records
        for i in r.by_kind.get(kind, ())
        if i.end_s >= since and i.t_s <= now and i.score >= term.min_conf and i.score > 0.0
    ]
    value, refs = _value(term, selector, matches, video)
    if term.cap is not None:
        value = min(value, term.cap)
    contribution = TermContribution(
        evidence=term.evidence,
        modality=selector.family.value,
        read=term.read.value,
        weight=term.weight,
        value=value,
        contribution=schedule_factor * term.weight * value,
        evidence_items=refs,
    )
    return _TermResult(contribution, tuple(m for m in matches if m.factor > 0.0) if value else ())


def _value(
    term: Term, selector: Selector, matches: Sequence[_Match], video: Sequence[_Record]
) -> tuple[float, tuple[EvidenceRef, ...]]:
    if selector.count:
        per_frame: dict[int, float] = {}
        for m in matches:
            per_frame[m.item.seq] = per_frame.get(m.item.seq, 0.0) + m.factor
        counts = [per_frame.get(r.seq, 0.0) for r in video]
        best = max(video, key=lambda r: (per_frame.get(r.seq, 0.0), r.t_s), default=None)
        refs: tuple[EvidenceRef, ...] = ()
        if best is not None and per_frame.get(best.seq, 0.0) > 0.0:
            refs = (EvidenceRef(selector.label, per_frame[best.seq], best.t_s, best.t_s),)
        if term.read is Read.MEAN:
            return (math.fsum(counts) / len(counts) if counts else 0.0), refs
        if term.read is Read.PRESENCE:
            return (1.0 if any(c > 0.0 for c in counts) else 0.0), refs
        return max(counts, default=0.0), refs
    top = heapq.nlargest(MAX_EVIDENCE_PER_TERM, matches, key=lambda m: (m.value, m.item.t_s, -m.item.seq))
    refs = tuple(_ref(m) for m in top if m.value > 0.0)
    if term.read is Read.MAX:
        return (top[0].value if top else 0.0), refs
    if term.read is Read.PRESENCE:
        return max((m.factor for m in matches), default=0.0), refs
    if term.read is Read.MEAN:
        best_per_frame: dict[int, float] = {}
        for m in matches:
            best_per_frame[m.item.seq] = max(best_per_frame.get(m.item.seq, 0.0), m.value)
        values = [best_per_frame.get(r.seq, 0.0) for r in video]
        return (math.fsum(values) / len(values) if values else 0.0), refs
    # COUNT: distinct tracks (or sound events); untracked video evidence counts by its busiest frame
    instances: dict[tuple[object, ...], float] = {}
    untracked: dict[int, float] = {}
    for m in matches:
        if m.item.track_ids:
            key: tuple[object, ...] = ("track", *m.item.track_ids)
        elif m.item.family is Family.AUDIO:
            key = ("sound", m.item.t_s, m.item.end_s)
        else:
            untracked[m.item.seq] = untracked.get(m.item.seq, 0.0) + m.factor
            continue
        instances[key] = max(instances.get(key, 0.0), m.factor)
    return math.fsum(instances.values()) + max(untracked.values(), default=0.0), refs


def _match(rule: Rule, item: _Item) -> _Match:
    if not item.positioned:
        return _Match(item, 1.0, None)
    best: tuple[float, str] | None = None
    for zone in item.zones:
        factor = rule.zone_factors.get(zone.name) if zone.kind != CLOSED else None
        if factor is None and zone.kind is not None:
            factor = rule.zone_factors.get(zone.kind)
        if factor is not None and (best is None or factor > best[0]):
            best = (factor, zone.label)
    if best is None:
        return _Match(item, rule.outside_zones, None)
    return _Match(item, best[0], best[1])


def _ref(m: _Match) -> EvidenceRef:
    item = m.item
    return EvidenceRef(
        label=item.label,
        score=item.score,
        t_s=item.t_s,
        end_s=item.end_s,
        track_ids=item.track_ids,
        zone=m.zone,
        zone_factor=m.factor,
        source=item.source,
        detail=item.detail,
    )


def _closed_zones(zones: Sequence[Zone], wall_time_s: float, tz: tzinfo) -> dict[str, str]:
    """The zones inside their closed hours at this moment (camera-local), with the window's words."""
    if not any(z.closed_hours for z in zones):
        return {}
    local = datetime.fromtimestamp(wall_time_s, tz)
    minute, weekday = local.hour * 60 + local.minute, local.weekday()
    windows = {z.name: z.closed_window(minute, weekday) for z in zones}
    return {name: window.label for name, window in windows.items() if window is not None}


def _zones_at(zones: Sequence[Zone], box: Box, closed: Mapping[str, str]) -> tuple[ZoneAt, ...]:
    foot = foot_point(box)
    inside = [z for z in zones if z.contains(foot)]
    return (
        *(ZoneAt(z.name, z.kind.value) for z in inside),
        *(ZoneAt(z.name, CLOSED, closed[z.name]) for z in inside if z.name in closed),
    )


def _schedule_factor(rule: Rule, wall_time_s: float, tz: tzinfo) -> tuple[float, str | None]:
    if not rule.schedule:
        return 1.0, None
    local = datetime.fromtimestamp(wall_time_s, tz)
    minute, weekday = local.hour * 60 + local.minute, local.weekday()
    matching = [w for w in rule.schedule if w.matches(minute, weekday)]
    if not matching:
        return 1.0, None
    best = max(matching, key=lambda w: w.factor)
    return best.factor, best.label


def _union(a: tuple[float, float] | None, b: tuple[float, float] | None) -> tuple[float, float] | None:
    if a is None:
        return b
    if b is None:
        return a
    return (min(a[0], b[0]), max(a[1], b[1]))


def _zone_info(tz: TimeZone) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz
