"""`vigil replay FILE`: the whole chain on a recording, as fast as the machine allows → incidents.

Frames are analysed by the pool worker's own functions (in this process), tracked and turned into actions
as a live camera's are, sound goes through the live windows and the ensemble, and the observations of
both reach the fusion engine in camera-time order. Fusion is deterministic, so a recording always gives
the same incidents for the same models and rules.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import numpy as np

from vigil.detect import DetectError, kind_of, sampled_frames
from vigil.detect import sound_observations as detect_sound_observations
from vigil.domain import Observation, UpdateKind
from vigil.fusion import FusionEngine, IncidentUpdate, RuleSet
from vigil.perception import worker
from vigil.perception.sound.base import load_audio
from vigil.tracking.actions import CameraActions
from vigil.tracking.zones import Zone

CAMERA_ID = 0


@dataclass(frozen=True)
class ReplayedIncident:
    label: str
    rule: str
    severity: str
    confidence: float
    start_s: float
    end_s: float
    key_evidence_s: float
    explanation: dict[str, Any]
    summary: str

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "rule": self.rule,
            "severity": self.severity,
            "confidence": round(self.confidence, 3),
            "start_s": round(self.start_s, 2),
            "end_s": round(self.end_s, 2),
            "key_evidence_s": round(self.key_evidence_s, 2),
            "summary": self.summary,
            "explanation": self.explanation,
        }


def video_observations(
    path: Path, fps: float, start_wall_s: float, zones: Sequence[Zone] = ()
) -> list[Observation]:
    actions = CameraActions(zones=zones)
    out: list[Observation] = []
    for t_s, image in sampled_frames(path, fps):
        if not out:
            actions = CameraActions(zones=zones, frame_aspect=image.shape[1] / image.shape[0])
        observation = worker.analyse_frame(CAMERA_ID, t_s, start_wall_s + t_s, 1.0, image)
        out.append(actions.update(observation))
    return out


def sound_observations(path: Path, start_wall_s: float, transcribe: bool = False) -> list[Observation]:
    try:
        samples = load_audio(path)
    except ValueError:
        return []  # a recording without sound
    return detect_sound_observations(samples, CAMERA_ID, start_wall_s, transcribe=transcribe)


def replay(
    path: Path,
    config: worker.PerceptionConfig,
    rules: RuleSet,
    *,
    fps: float = 5.0,
    start: datetime | None = None,
    tz: tzinfo = UTC,
    zones: Sequence[Zone] = (),
    transcribe: bool = False,
) -> list[ReplayedIncident]:
    """Every incident the recording gives, closed, in order of start. `start` is the wall-clock time of
    the recording's first instant, `tz` the time zone of the rules' schedules (the server's
    `VIGIL_TIMEZONE`); default: the file's modification time. `zones`: the camera's tracking zones, so a
    replay sees loitering and restricted areas as the live camera did. `transcribe`: speech to text, as a
    camera with its `transcribe` switch on (needs a config with the speech model)."""
    kind = kind_of(path)
    if kind == "image":
        raise DetectError(f"{path}: replay needs a recording (video or sound), not an image")
    worker.init_worker(config)
    start_wall_s = (
        (start.timestamp() if start is not None else path.stat().st_mtime) if path.exists() else 0.0
    )
    video = video_observations(path, fps, start_wall_s, zones) if kind == "video" else []
    sound = sound_observations(path, start_wall_s, transcribe) if worker.hears() else []
    engine = FusionEngine(rules, zones_by_camera={CAMERA_ID: zones}, tz=tz)
    updates: list[IncidentUpdate] = []
    last_t = 0.0
    for observation in heapq.merge(video, sound, key=lambda o: (o.t_s, o.modality)):
        updates += engine.feed(observation)
        last_t = observation.t_s
    updates += engine.flush(last_t)
    return incidents_of(updates)


def incidents_of(updates: list[IncidentUpdate]) -> list[ReplayedIncident]:
    final: dict[int, IncidentUpdate] = {}
    for update in updates:
        final[update.incident_id] = update
    incidents = []
    for update in final.values():
        if update.kind is not UpdateKind.CLOSED:
            continue
        assert update.ended_s is not None
        incidents.append(
            ReplayedIncident(
                label=update.label,
                rule=update.rule,
                severity=str(update.severity),
                confidence=update.confidence,
                start_s=update.started_s,
                end_s=update.ended_s,
                key_evidence_s=update.key_evidence_s,
                explanation=_jsonable(update.as_dict()["explanation"]),
                summary=update.explanation.summary(),
            )
        )
    return sorted(incidents, key=lambda i: (i.start_s, i.label))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return round(value, 4) if np.isfinite(value) else None
    return value


def print_incidents(path: Path, incidents: list[ReplayedIncident]) -> None:
    print(f"{path}: {len(incidents)} incident(s)")
    for incident in incidents:
        print(
            f"  {incident.start_s:7.2f}-{incident.end_s:7.2f} s  {incident.label:<18} "
            f"{incident.confidence:.2f}  {incident.severity}"
        )
        print(f"      {incident.summary}")
