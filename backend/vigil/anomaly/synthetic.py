"""Seeded synthetic weeks of per-slot activity for three camera archetypes, with injected anomalies.

A yard busy by day and empty at night, a gate busy at the start and end of the working day and quiet at
weekends, a quiet hall with sound. Counts come from Poisson arrivals with a random time in view, each day has
its own level (day-to-day variation), sound and motion have their own noise. The last week of every stream
has nothing injected: it is the normal week. The same (seed, variant) gives the same weeks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np

SLOT_S = 300
SLOTS_PER_HOUR = 3600 // SLOT_S
SLOTS_PER_DAY = 24 * SLOTS_PER_HOUR
START = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday; the synthetic cameras live in UTC

AnomalyKind = Literal["crowd_at_night", "loud_hour", "dwell", "silent_gate", "wrong_way", "motion_at_night"]
ANOMALY_KINDS: tuple[AnomalyKind, ...] = (
    "crowd_at_night",
    "loud_hour",
    "dwell",
    "silent_gate",
    "wrong_way",
    "motion_at_night",
)
Size = Literal["clear", "subtle"]
Variant = Literal["tune", "test"]
Archetype = Literal["yard", "gate", "hall"]
ARCHETYPES: tuple[Archetype, ...] = ("yard", "gate", "hall")
TUNE_SEEDS = (1, 2, 3, 4)
TEST_SEEDS = (101, 102, 103, 104)


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime  # wall-time start, in the camera's zone
    values: Mapping[str, float]  # measure -> value; a measure with nothing to say is absent


@dataclass(frozen=True, slots=True)
class Injection:
    kind: AnomalyKind
    size: Size
    first_slot: int  # index into the stream's slots
    slots: int  # how many slots it covers
    measures: tuple[str, ...]  # where finding it counts

    def covers(self, index: int) -> bool:
        return self.first_slot <= index < self.first_slot + self.slots


@dataclass(frozen=True, slots=True)
class CameraWeeks:
    camera: Archetype
    seed: int
    slots: list[Slot]
    injections: list[Injection]
    normal_from: int  # the first slot of the normal week (nothing injected from here)


@dataclass(frozen=True, slots=True)
class Params:
    """What differs between the TUNE and TEST variants of an archetype."""

    yard_peak: float = 40.0  # people arriving per slot at midday
    yard_day: tuple[float, float] = (7.0, 19.0)  # hours the yard is busy
    gate_peaks: tuple[float, float] = (8.0, 17.0)
    gate_peak: float = 60.0
    hall_quiet_db: float = -62.0
    hall_day_db: float = -55.0
    day_sigma: float = 0.2  # day-to-day variation (lognormal)
    sizes: Mapping[str, Mapping[Size, float]] = field(
        default_factory=lambda: {
            "crowd_at_night": {"clear": 6.0, "subtle": 2.5},  # mean people in view
            "motion_at_night": {"clear": 15.0, "subtle": 4.0},  # % of frame added
            "dwell": {"clear": 400.0, "subtle": 100.0},  # s, one long stay
            "silent_gate": {"clear": 0.02, "subtle": 0.35},  # share of the usual arrivals
            "wrong_way": {"clear": 3.0, "subtle": 1.2},  # a minute
            "loud_hour": {"clear": 25.0, "subtle": 9.0},  # dB added; events a minute added = dB / 5
        }
    )


VARIANTS: Mapping[Variant, Params] = {
    "tune": Params(),
    "test": Params(
        yard_peak=30.0,
        yard_day=(6.5, 20.0),
        gate_peaks=(7.5, 16.5),
        gate_peak=45.0,
        hall_quiet_db=-58.0,
        hall_day_db=-50.0,
        day_sigma=0.25,
    ),
}

_KINDS_OF: Mapping[Archetype, tuple[AnomalyKind, ...]] = {
    "yard": ("crowd_at_night", "motion_at_night", "dwell"),
    "gate": ("silent_gate", "wrong_way"),
    "hall": ("loud_hour", "dwell"),
}


def _bump(hours: np.ndarray, centre: float, width: float) -> np.ndarray:
    result: np.ndarray = np.exp(-0.5 * ((hours - centre) / width) ** 2)
    return result


def _plateau(hours: np.ndarray, start: float, end: float) -> np.ndarray:
    """About 1 between start and end, smooth edges an hour wide, about 0 outside."""
    result: np.ndarray = 1.0 / (1.0 + np.exp(-(hours - start) * 3.0)) / (1.0 + np.exp((hours - end) * 3.0))
    return result


def _seen(rng: np.random.Generator, arrivals: np.ndarray, seconds_in_view: float) -> np.ndarray:
    """Mean number in view per frame over each slot: each arrival stays an exponential time in view."""
    total = np.array([rng.gamma(k, seconds_in_view) if k > 0 else 0.0 for k in arrivals])
    return np.asarray(total / SLOT_S)


def _zone(
    rng: np.random.Generator,
    name: str,
    arrivals: np.ndarray,
    dwell_s: float,
    directions: Mapping[str, np.ndarray],
) -> list[dict[str, float]]:
    """Per slot: the longest stay, the median speed (when anyone passed) and the rate per direction."""
    out: list[dict[str, float]] = []
    for i, k in enumerate(arrivals):
        values: dict[str, float] = {}
        if k > 0:
            stays = rng.lognormal(math.log(dwell_s), 0.35, size=int(min(k, 200)))
            values[f"dwell:{name}"] = float(stays.max())
            values[f"speed:{name}"] = float(max(0.02, rng.normal(0.12, 0.015)))
        for direction, rate in directions.items():
            values[f"direction:{name}:{direction}"] = float(rng.poisson(rate[i] * SLOT_S / 60)) / (
                SLOT_S / 60
            )
        out.append(values)
    return out


def _day(camera: Archetype, rng: np.random.Generator, p: Params, weekday: int) -> list[dict[str, float]]:
    hours = (np.arange(SLOTS_PER_DAY) + 0.5) / SLOTS_PER_HOUR
    level = float(rng.lognormal(0.0, p.day_sigma))
    weekend = weekday >= 5
    if camera == "yard":
        shape = _plateau(hours, *p.yard_day) * (0.7 if weekend else 1.0)
        arrivals = rng.poisson(p.yard_peak * level * shape + 0.02)
        cars = rng.poisson(3.0 * level * shape + 0.01)
        people = _seen(rng, arrivals, 30.0)
        vehicles = _seen(rng, cars, 20.0)
        motion = 0.3 + rng.gamma(1.0, 0.3, SLOTS_PER_DAY) + people * 1.2 + vehicles * 4.0
        sound = -58.0 + 13.0 * shape + people * 0.8 + rng.normal(0, 1.5, SLOTS_PER_DAY)
        events = rng.poisson(0.3 * 5 * shape + 0.02) / 5.0
        passing = rng.binomial(arrivals, 0.5)
        zone = _zone(rng, "Path", passing, 12.0, {"left": passing / 10, "right": passing / 10})
        slots = _day_slots(people, vehicles, motion, sound, events, zone)
    elif camera == "gate":
        morning, evening = p.gate_peaks
        rush = 0.0 if weekend else 1.0
        shape_in = rush * p.gate_peak * _bump(hours, morning, 0.75)
        shape_out = rush * p.gate_peak * _bump(hours, evening, 0.75)
        background = (1.0 if weekend else 3.0) * _plateau(hours, 6.0, 21.0) + 0.05
        up = rng.poisson((shape_in + background / 2) * level)
        down = rng.poisson((shape_out + background / 2) * level)
        arrivals = up + down
        people = _seen(rng, arrivals, 15.0)
        cars = rng.poisson(level * (0.1 * (shape_in + shape_out) + background / 2))
        vehicles = _seen(rng, cars, 10.0)
        motion = 0.4 + rng.gamma(1.0, 0.3, SLOTS_PER_DAY) + people * 1.5 + vehicles * 3.0
        sound = -60.0 + 8.0 * _plateau(hours, 6.0, 21.0) + people * 0.5 + rng.normal(0, 1.5, SLOTS_PER_DAY)
        events = rng.poisson(0.1 * 5 * _plateau(hours, 6.0, 21.0) + 0.01) / 5.0
        stray = np.full(SLOTS_PER_DAY, 0.01)  # almost nobody walks along the gate
        zone = _zone(
            rng, "Gate", arrivals, 6.0, {"up": up / 5.0, "down": down / 5.0, "left": stray, "right": stray}
        )
        slots = _day_slots(people, vehicles, motion, sound, events, zone)
    else:
        shape = _plateau(hours, 8.0, 18.0) * (0.2 if weekend else 1.0)
        arrivals = rng.poisson(2.0 * level * shape + 0.01)
        people = _seen(rng, arrivals, 60.0)
        motion = 0.2 + rng.gamma(1.0, 0.2, SLOTS_PER_DAY) + people * 2.0
        sound = (
            p.hall_quiet_db
            + (p.hall_day_db - p.hall_quiet_db) * shape
            + people * 1.5
            + rng.normal(0, 1.5, SLOTS_PER_DAY)
        )
        events = rng.poisson(0.2 * 5 * shape * level + 0.02) / 5.0
        zone = _zone(rng, "Corridor", arrivals, 8.0, {"left": arrivals / 10, "right": arrivals / 10})
        slots = _day_slots(people, None, motion, sound, events, zone)
    return slots


def _day_slots(
    people: np.ndarray,
    vehicles: np.ndarray | None,
    motion: np.ndarray,
    sound: np.ndarray,
    events: np.ndarray,
    zone: list[dict[str, float]],
) -> list[dict[str, float]]:
    """A day's slots as measure → value, motion capped at 100 % and sound at 0 dBFS (`vehicles` None: a
    camera that sees none)."""
    slots = []
    for i in range(SLOTS_PER_DAY):
        slot = {"people": float(people[i])}
        if vehicles is not None:
            slot["vehicles"] = float(vehicles[i])
        slot["motion"] = float(min(motion[i], 100.0))
        slot["sound_level"] = float(min(sound[i], 0.0))
        slot["sound_events"] = float(events[i])
        slots.append({**slot, **zone[i]})
    return slots


def _plan(
    camera: Archetype, rng: np.random.Generator, p: Params, weeks: int
) -> list[tuple[AnomalyKind, Size, int, int]]:
    """(kind, size, first slot, slots) for each injection: each of the camera's kinds once a week, clear
    and subtle in turn, in every week but the first (learning) and the last (normal), never overlapping.
    Anomalies are rare: were the same hour silent every other day, silence would be this gate's normal."""
    chosen: list[tuple[AnomalyKind, Size, int, int]] = []
    sizes: tuple[Size, Size] = ("clear", "subtle")
    for kind in _KINDS_OF[camera]:
        first_size = int(rng.integers(0, 2))
        for week in range(1, weeks - 1):
            size = sizes[(first_size + week) % 2]
            for _ in range(100):
                start, length = _draw(kind, rng, p, week)
                if all(start + length + 12 <= s or s + n + 12 <= start for _, _, s, n in chosen):
                    chosen.append((kind, size, start, length))
                    break
    return chosen


def _draw(kind: AnomalyKind, rng: np.random.Generator, p: Params, week: int) -> tuple[int, int]:
    first = week * 7 * SLOTS_PER_DAY
    if kind == "silent_gate":
        day = int(rng.integers(0, 5))
        start = first + day * SLOTS_PER_DAY + round((p.gate_peaks[0] - 0.5) * SLOTS_PER_HOUR)
        return start, SLOTS_PER_HOUR
    day = int(rng.integers(0, 7))
    if kind in ("crowd_at_night", "motion_at_night"):
        hour, length = int(rng.integers(0, 4)), int(rng.integers(3, 10))
    elif kind == "loud_hour":
        hour, length = int(rng.integers(0, 24)), SLOTS_PER_HOUR
    elif kind == "dwell":
        hour, length = int(rng.integers(10, 16)), int(rng.integers(1, 3))
    else:
        hour, length = int(rng.integers(9, 17)), int(rng.integers(2, 6))
    return first + day * SLOTS_PER_DAY + hour * SLOTS_PER_HOUR + int(rng.integers(0, SLOTS_PER_HOUR)), length


def _inject(
    camera: Archetype, kind: AnomalyKind, size: Size, p: Params, values: dict[str, float]
) -> tuple[str, ...]:
    """Change one slot's values in place; returns the measures where finding it counts."""
    amount = p.sizes[kind][size]
    zone = "Path" if camera == "yard" else "Corridor"
    if kind == "crowd_at_night":
        values["people"] = values["people"] + amount
        values["motion"] = min(values["motion"] + amount * 1.2, 100.0)
        return ("people",)
    if kind == "motion_at_night":
        values["motion"] = min(values["motion"] + amount, 100.0)
        return ("motion",)
    if kind == "dwell":
        values[f"dwell:{zone}"] = max(values.get(f"dwell:{zone}", 0.0), amount)
        values.setdefault(f"speed:{zone}", 0.05)
        return (f"dwell:{zone}",)
    if kind == "silent_gate":
        for measure in ("people", "direction:Gate:up", "direction:Gate:down"):
            values[measure] = values[measure] * amount
        return ("people", "direction:Gate:up")
    if kind == "wrong_way":
        values["direction:Gate:left"] = values["direction:Gate:left"] + amount
        return ("direction:Gate:left",)
    values["sound_level"] = min(values["sound_level"] + amount, 0.0)
    values["sound_events"] = values["sound_events"] + amount / 5.0
    return ("sound_level", "sound_events")


def camera_weeks(camera: Archetype, seed: int, variant: Variant, weeks: int = 5) -> CameraWeeks:
    """`weeks` weeks of 5-minute slots from Monday 2024-01-01 00:00 UTC: the first only learns, the middle
    ones carry injections, the last is the normal week."""
    if weeks < 3:
        raise ValueError("weeks: at least 3 (one to learn, one with anomalies, one normal)")
    p = VARIANTS[variant]
    rng = np.random.default_rng([seed, ARCHETYPES.index(camera)])
    days = [_day(camera, rng, p, day % 7) for day in range(weeks * 7)]
    values = [slot for day in days for slot in day]
    injections: list[Injection] = []
    for kind, size, first, length in _plan(camera, rng, p, weeks):
        measures: tuple[str, ...] = ()
        for index in range(first, first + length):
            measures = _inject(camera, kind, size, p, values[index])
        injections.append(Injection(kind, size, first, length, measures))
    slots = [Slot(START + timedelta(seconds=SLOT_S * i), v) for i, v in enumerate(values)]
    return CameraWeeks(camera, seed, slots, injections, (weeks - 1) * 7 * SLOTS_PER_DAY)
