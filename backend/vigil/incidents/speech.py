"""Which transcribed speech is stored, and with which incident: only speech around an incident.

A camera's transcripts wait in memory (never logged) for `KEEP_S` of camera time. Speech that overlaps an
incident of the same camera — from `MARGIN_S` before its first evidence to its end — is handed over to be
stored with it, each transcript once per incident; the rest is forgotten. Pure bookkeeping: the recorder
stores what it is handed.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from vigil.domain import Transcript

KEEP_S = 60.0  # a transcript no incident claimed within this long (camera time) is dropped
MARGIN_S = 5.0  # speech this long before an incident's first evidence belongs to it ("let me go!", a scream)


@dataclass
class _Open:
    camera_id: int
    stored_id: int
    started_s: float
    claimed: set[Transcript] = field(default_factory=set)


class SpeechKeeper:
    def __init__(self) -> None:
        self._recent: dict[int, deque[Transcript]] = {}
        self._open: dict[int, _Open] = {}  # engine incident id → the stored incident

    def hear(self, camera_id: int, transcripts: tuple[Transcript, ...], now_s: float) -> None:
        recent = self._recent.setdefault(camera_id, deque())
        recent.extend(t for t in transcripts if t.text.strip())
        while recent and recent[0].end_s < now_s - KEEP_S:
            recent.popleft()

    def _claim(self, incident: _Open, until_s: float) -> list[Transcript]:
        new = [
            t
            for t in self._recent.get(incident.camera_id, ())
            if t.end_s >= incident.started_s - MARGIN_S and t.t_s <= until_s and t not in incident.claimed
        ]
        incident.claimed.update(new)
        return new

    def for_update(
        self,
        incident_id: int,
        stored_id: int,
        camera_id: int,
        started_s: float,
        ended_s: float | None,
    ) -> list[Transcript]:
        """An incident was opened, updated or (with `ended_s`) closed: the speech to store with it now."""
        incident = self._open.setdefault(incident_id, _Open(camera_id, stored_id, started_s))
        new = self._claim(incident, ended_s if ended_s is not None else float("inf"))
        if ended_s is not None:
            del self._open[incident_id]
        return new

    def for_open_incidents(self, camera_id: int) -> list[tuple[int, Transcript]]:
        """Speech that came after its camera's open incidents were last stored: (stored id, transcript)."""
        return [
            (incident.stored_id, transcript)
            for incident in self._open.values()
            if incident.camera_id == camera_id
            for transcript in self._claim(incident, float("inf"))
        ]

    def forget(self, camera_id: int) -> None:
        self._recent.pop(camera_id, None)
        for key in [k for k, incident in self._open.items() if incident.camera_id == camera_id]:
            del self._open[key]
