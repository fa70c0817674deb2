"""What a camera's baseline costs: time per observation, memory and storage after a simulated year."""

from __future__ import annotations

import random
import statistics
import time
import tracemalloc

from vigil.anomaly.baseline import CameraBaseline
from vigil.anomaly.kinds import DIRECTIONS

ZONES = ("Gate", "Path", "Door")
MEASURES = (
    "people",
    "vehicles",
    "motion",
    "sound_level",
    "sound_events",
    *(f"{kind}:{zone}" for zone in ZONES for kind in ("dwell", "speed")),
    *(f"direction:{zone}:{d}" for zone in ZONES for d in DIRECTIONS),
)
ROW_OVERHEAD_BYTES = 24  # a stored row's header and index entry, roughly, in SQLite or PostgreSQL


def _value(measure: str, hour: int, rng: random.Random) -> float:
    busy = 8 <= hour % 24 < 18
    if measure == "sound_level":
        return rng.gauss(-45.0 if busy else -60.0, 2.0)
    if measure.startswith("dwell"):
        return rng.lognormvariate(3.0, 0.4)
    if measure.startswith("speed"):
        return rng.gauss(0.12, 0.02)
    return rng.expovariate(1.0 / (3.0 if busy else 0.1))


def simulated_year(slots_per_hour: int = 1) -> CameraBaseline:
    """A year of slots with the 5 camera measures and 3 zones (dwell, speed, 4 directions each)."""
    baseline = CameraBaseline()
    rng = random.Random(18)  # noqa: S311 — synthetic load, not secrets
    for day in range(365):
        for h in range(24):
            hour = (day % 7) * 24 + h
            for _ in range(slots_per_hour):
                for measure in MEASURES:
                    baseline.learn(measure, hour, _value(measure, hour, rng))
        baseline.note_day(738_886 + day)
    return baseline


def update_cost_us(baseline: CameraBaseline, slots: int = 2000) -> tuple[float, float]:
    """(median, 95th percentile) µs of judge + learn for one measure of one slot, over `slots` slots."""
    rng = random.Random(5)  # noqa: S311 — synthetic load, not secrets
    per_observation: list[float] = []
    for slot in range(slots):
        hour = (slot // 12) % 168
        values = [(measure, _value(measure, hour, rng)) for measure in MEASURES]
        start = time.perf_counter_ns()
        for measure, value in values:
            baseline.judge(measure, hour, value)
            baseline.learn(measure, hour, value)
        per_observation.append((time.perf_counter_ns() - start) / 1000 / len(values))
    per_observation.sort()
    return statistics.median(per_observation), per_observation[int(0.95 * len(per_observation))]


def memory_bytes(baseline: CameraBaseline) -> int:
    """Python heap held by the same baseline rebuilt from its rows (tracemalloc)."""
    rows, days = baseline.rows(), baseline.days()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        restored = CameraBaseline(rows, days)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert restored.days_learned == len(days)
    return after - before


def bench_lines() -> list[str]:
    baseline = simulated_year()
    median, p95 = update_cost_us(baseline)
    rows = baseline.rows()
    stored = sum(len(r.measure.encode()) + 2 + 5 * 8 + ROW_OVERHEAD_BYTES for r in rows)
    return [
        "",
        "## Anomaly baseline (per camera: a simulated year of hourly slots, 5 measures + 3 zones = "
        f"{len(MEASURES)} measures)",
        "| what | value |",
        "|---|---|",
        f"| judge + learn per observation (median, µs) | {median:.1f} |",
        f"| judge + learn per observation (95th percentile, µs) | {p95:.1f} |",
        f"| per slot of 5 min, all {len(MEASURES)} measures (median, µs) | {median * len(MEASURES):.0f} |",
        f"| rows stored (measure × hour of week) | {len(rows)} |",
        f"| storage, estimated (KiB) | {stored / 1024:.0f} |",
        f"| memory held, tracemalloc (KiB) | {memory_bytes(baseline) / 1024:.0f} |",
        f"| days learned | {baseline.days_learned} |",
    ]


if __name__ == "__main__":
    print("\n".join(bench_lines()))
