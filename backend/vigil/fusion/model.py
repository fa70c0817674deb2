"""What the fusion engine hands on: incident updates and their explanations (plain frozen dataclasses)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from vigil.domain import Severity, UpdateKind


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    """One piece of evidence behind a term: what was seen or heard, how sure, when, who and where."""

    label: str  # e.g. "fight", "scream", "person", "fear"
    score: float  # the model's confidence (or, for `object.count.*`, the count)
    t_s: float  # camera clock
    end_s: float  # = t_s for evidence of one instant (a frame); a sound's end
    track_ids: tuple[int, ...] = ()
    zone: str | None = None  # the zone that set its zone factor, if any
    zone_factor: float = 1.0
    source: str = ""  # the sound model, for audio evidence
    detail: str = ""  # the recognizer's own words (features, thresholds)


@dataclass(frozen=True, slots=True)
class TermContribution:
    """One weighted term of a rule: `contribution = schedule_factor × weight × value`."""

    evidence: str  # the selector, e.g. "audio.scream"
    modality: str  # "audio", "action", "face" or "object"
    read: str  # max | mean | count | presence
    weight: float
    value: float  # what the read gave over the window (zone factors included)
    contribution: float
    evidence_items: tuple[EvidenceRef, ...] = ()  # the items that set the value, best first


@dataclass(frozen=True, slots=True)
class IncidentExplanation:
    """Why a rule fired: the terms sum to `score`; `confidence` is `score` mapped to 0..1."""

    rule: str
    rule_version: str
    score: float
    confidence: float
    threshold: float
    close_below: float
    window_s: float
    schedule_factor: float
    schedule: str | None  # the name of the schedule window that set the factor
    terms: tuple[TermContribution, ...]
    camera_overrides: bool = False  # whether this camera's overrides changed the rule

    def summary(self) -> str:
        """One line a person can read: each contributing term with its evidence."""
        parts = []
        for term in self.terms:
            if term.contribution == 0.0:
                continue
            text = f"{term.evidence} {term.value:.2f}×{term.weight:g}={term.contribution:.2f}"
            if term.evidence_items:
                top = term.evidence_items[0]
                where = []
                if top.track_ids:
                    where.append("track " + ",".join(str(t) for t in top.track_ids))
                if top.zone:
                    where.append(f"zone {top.zone} ×{top.zone_factor:g}")
                span = f"{top.t_s:.1f}s" if top.end_s == top.t_s else f"{top.t_s:.1f}–{top.end_s:.1f}s"
                text += f" ({top.label} {top.score:.2f} at {span}{'; ' + ', '.join(where) if where else ''})"
            parts.append(text)
        schedule = f" (schedule ×{self.schedule_factor:g}, {self.schedule})" if self.schedule else ""
        return (
            f"{self.rule} v{self.rule_version}: score {self.score:.2f}{schedule}"
            f" / threshold {self.threshold:g} → confidence {self.confidence:.2f}: " + "; ".join(parts)
        )


@dataclass(frozen=True, slots=True)
class IncidentUpdate:
    """An incident opened, updated (its confidence rose, or evidence goes on) or closed.

    `confidence` and `explanation` are the incident's peak so far: an incident is as serious as the worst
    moment it had, not its fading end. Times are on the camera clock.
    """

    kind: UpdateKind
    incident_id: int  # per engine, from 1, in the order incidents open
    camera_id: int
    rule: str
    label: str
    severity: Severity
    confidence: float
    t_s: float  # when the engine decided this (the newest observation's time)
    started_s: float  # the earliest evidence of the incident
    ended_s: float | None  # closed: the newest evidence; otherwise None
    last_evidence_s: float  # the newest evidence so far
    key_evidence_s: float  # the moment of the strongest evidence: the snapshot's time
    sound_span: tuple[float, float] | None  # the sounds behind it, for the audio snippet
    explanation: IncidentExplanation

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (enums are strings, tuples become lists when dumped)."""
        return dataclasses.asdict(self)
