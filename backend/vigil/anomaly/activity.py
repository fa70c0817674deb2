"""A camera's activity, slot by slot: the values its baseline learns and judges (pure; no I/O).

A slot is a fixed stretch of wall time (`slot_s`, 300 s by default, aligned to the clock). Every observation
of the camera falls in one; when an observation of a later slot arrives (or the clock passes the slot's
end), the slot closes with one value per measure (the measure keys of `vigil.anomaly.kinds`):

- `people`, `vehicles`: the mean count per analysed frame (people from conf 0.5, as the detector keeps them);
- `motion`: the mean share of the picture that moved, in % (frames the motion gate let through, plus its
  heartbeat every 5 s: a still camera reads low);
- `sound_level`: the mean loudness of the sound windows (dBFS), `sound_events`: sound events a minute
  other than speech and music (only for cameras with sound);
- per tracked zone `Z`: `dwell:Z` the longest stay of a person in it so far (s), `speed:Z` the median
  speed of the people who moved in it (frame widths a second; only when someone did), and
  `direction:Z:left|right|up|down` people a minute setting off across it that way.

A slot that observed the camera for less than `min_coverage_s` (a camera down, a restart) gives nothing:
an empty yard and a dead camera must not look alike.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from vigil.domain import Observation
from vigil.tracking.zones import Zone, foot_point

PERSON_MIN_CONF = 0.5
VEHICLES = frozenset({"car", "truck", "bus", "motorcycle", "bicycle"})
EVERYDAY_SOUNDS = frozenset({"speech", "music"})
DIRECTIONS = ("left", "right", "up", "down")
SETTING_OFF = 0.08  # a stay has set off in a direction once it moved this far (frame units) from its entry
STAY_GONE_S = 2.0  # a track unseen in a zone this long has left it
MIN_MOVE_S = 1.0  # speeds are measured on stays at least this long


@dataclass(frozen=True, slots=True)
class Slot:
    """One closed slot of one camera: its values by measure key."""

    camera_id: int
    start: datetime  # aware (UTC): the slot's first instant
    slot_s: float
    t_s: float  # the camera clock of its first and last observation
    end_s: float
    covered_s: float
    values: dict[str, float]


@dataclass(slots=True)
class _Stay:
    """One person track in one zone."""

    first_t: float
    first_point: tuple[float, float]
    last_t: float
    last_point: tuple[float, float]
    set_off: bool = False

    @property
    def dwell_s(self) -> float:
        return self.last_t - self.first_t


@dataclass(slots=True)
class _Tally:
    index: int
    first_wall: float
    last_wall: float
    first_t: float
    last_t: float
    frames: int = 0
    people: float = 0.0
    vehicles: float = 0.0
    motion: float = 0.0
    levels: list[float] = field(default_factory=list)
    events: int = 0
    heard: bool = False
    dwell: dict[str, float] = field(default_factory=dict)
    speeds: dict[tuple[int, str], float] = field(default_factory=dict)  # per stay, its latest
    heading: dict[str, dict[str, int]] = field(default_factory=dict)


class ActivityMeter:
    """One camera's running slot and the stays that span slots."""

    def __init__(self, camera_id: int, slot_s: float = 300.0, min_coverage_s: float = 60.0) -> None:
        if slot_s <= 0:
            raise ValueError(f"slot_s must be positive, got {slot_s}")
        self.camera_id = camera_id
        self.slot_s = slot_s
        self.min_coverage_s = min(min_coverage_s, slot_s / 2)
        self._tally: _Tally | None = None
        self._stays: dict[tuple[int, str], _Stay] = {}

    def observe(self, obs: Observation, zones: Sequence[Zone] = ()) -> Slot | None:
        """Count one observation; the slot it ended, if it is the first of a later one."""
        index = math.floor(obs.wall_time_s / self.slot_s)
        closed = None
        if self._tally is not None and index != self._tally.index:
            closed = self.close()
        tally = self._tally
        if tally is None:
            tally = self._tally = _Tally(index, obs.wall_time_s, obs.wall_time_s, obs.t_s, obs.t_s)
            for name in (z.name for z in zones):
                tally.dwell[name] = 0.0
                tally.heading[name] = dict.fromkeys(DIRECTIONS, 0)
        tally.last_wall = max(tally.last_wall, obs.wall_time_s)
        tally.last_t = max(tally.last_t, obs.t_s)
        if obs.modality == "video":
            self._count_frame(tally, obs, zones)
        elif obs.modality == "audio":
            if obs.sound_level_db is not None:
                tally.heard = True
                tally.levels.append(obs.sound_level_db)
            tally.events += sum(1 for s in obs.sounds if s.label not in EVERYDAY_SOUNDS)
        return closed

    def due(self, wall_time_s: float) -> bool:
        """Whether the running slot is over by this wall time (a camera gone quiet)."""
        return self._tally is not None and wall_time_s >= (self._tally.index + 1) * self.slot_s

    def close(self) -> Slot | None:
        """End the running slot now (its end passed, or the recording ended)."""
        tally, self._tally = self._tally, None
        if tally is None:
            return None
        covered = tally.last_wall - tally.first_wall
        if covered < self.min_coverage_s or tally.frames + len(tally.levels) == 0:
            return None
        minutes = covered / 60.0
        values: dict[str, float] = {}
        if tally.frames:
            values["people"] = tally.people / tally.frames
            values["vehicles"] = tally.vehicles / tally.frames
            values["motion"] = 100.0 * tally.motion / tally.frames
            for zone, longest in tally.dwell.items():
                values[f"dwell:{zone}"] = longest
                for direction, count in tally.heading.get(zone, {}).items():
                    values[f"direction:{zone}:{direction}"] = count / minutes
            by_zone: dict[str, list[float]] = {}
            for (_track, zone), speed in tally.speeds.items():
                by_zone.setdefault(zone, []).append(speed)
            for zone, speeds in by_zone.items():
                values[f"speed:{zone}"] = statistics.median(speeds)
        if tally.heard:
            values["sound_level"] = statistics.fmean(tally.levels)
            values["sound_events"] = tally.events / minutes
        start = datetime.fromtimestamp(tally.index * self.slot_s, UTC)
        return Slot(self.camera_id, start, self.slot_s, tally.first_t, tally.last_t, covered, values)

    def _count_frame(self, tally: _Tally, obs: Observation, zones: Sequence[Zone]) -> None:
        tally.frames += 1
        tally.motion += obs.motion
        people = [d for d in obs.detections if d.label == "person" and d.conf >= PERSON_MIN_CONF]
        tally.people += len(people)
        tally.vehicles += sum(1 for d in obs.detections if d.label in VEHICLES and d.conf >= PERSON_MIN_CONF)
        if not zones:
            return
        t = obs.t_s
        for person in people:
            if person.track_id is None:
                continue
            point = foot_point(person.box)
            for zone in zones:
                if zone.contains(point):
                    self._stay(tally, (person.track_id, zone.name), t, point)
        for key in [k for k, s in self._stays.items() if t - s.last_t > STAY_GONE_S]:
            del self._stays[key]

    def _stay(self, tally: _Tally, key: tuple[int, str], t: float, point: tuple[float, float]) -> None:
        zone = key[1]
        stay = self._stays.get(key)
        if stay is None:
            stay = self._stays[key] = _Stay(t, point, t, point)
        stay.last_t, stay.last_point = t, point
        tally.dwell[zone] = max(tally.dwell.get(zone, 0.0), stay.dwell_s)
        dx, dy = point[0] - stay.first_point[0], point[1] - stay.first_point[1]
        travel = math.hypot(dx, dy)
        if stay.dwell_s >= MIN_MOVE_S:
            tally.speeds[key] = travel / stay.dwell_s
        if not stay.set_off and travel >= SETTING_OFF:
            stay.set_off = True
            way = ("right" if dx > 0 else "left") if abs(dx) >= abs(dy) else ("down" if dy > 0 else "up")
            heading = tally.heading.setdefault(zone, dict.fromkeys(DIRECTIONS, 0))
            heading[way] += 1
