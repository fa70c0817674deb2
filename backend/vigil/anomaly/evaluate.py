"""Precision and recall of the anomaly methods on the synthetic weeks: `python -m vigil.anomaly.evaluate`.

Each stream goes through a method as the product runs it: every slot is judged, then learned; learning
starts on day 1 and judging counts from day `min_days` + 1. A method gives each (slot, measure) a signed
score in spreads (0 where the value is too close to the middle to be unusual, or on a side not reported),
so every threshold is scored from one pass. Consecutive flagged slots of one measure and side are one
alarm, as they would be one incident. `--tune` chooses the settings on the TUNE seeds; without it the
chosen settings are reported on the TEST seeds.
"""

from __future__ import annotations

import argparse
import bisect
import importlib
import importlib.util
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from statistics import NormalDist
from typing import Protocol

from vigil.anomaly.baseline import BaselineSettings, CameraBaseline, hour_of_week
from vigil.anomaly.kinds import MeasureKind, kind_of
from vigil.anomaly.synthetic import (
    ANOMALY_KINDS,
    ARCHETYPES,
    SLOTS_PER_DAY,
    TEST_SEEDS,
    TUNE_SEEDS,
    Archetype,
    CameraWeeks,
    Variant,
    camera_weeks,
)

MIN_DAYS = 7
THRESHOLDS = (2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 7.0, 8.0)
LOW_THRESHOLDS = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0, 5.0)
LOW_SLOTS = (1, 2, 3, 4, 5, 6, 8)
CHOSEN = BaselineSettings()


class Scorer(Protocol):
    def score(self, measure: str, hour: int, value: float) -> float: ...
    def learn(self, measure: str, hour: int, value: float) -> None: ...


def _gated(kind: MeasureKind, value: float, mid: float, deviation: float) -> float:
    """The deviation where the raw change is big enough and the side is reported, else 0: the same rule
    for every method, so the comparison is of the statistics alone."""
    if deviation > 0 and value - mid >= kind.min_change:
        return deviation
    if deviation < 0 and kind.low_side and mid - value >= kind.min_change:
        return deviation
    return 0.0


class BaselineScorer:
    """(c) the product's method: CameraBaseline."""

    def __init__(self, settings: BaselineSettings) -> None:
        self.baseline = CameraBaseline(settings=settings)

    def score(self, measure: str, hour: int, value: float) -> float:
        verdict = self.baseline.judge(measure, hour, value)
        if verdict.expected is None:
            return 0.0
        return _gated(kind_of(measure), value, verdict.expected.mid, verdict.deviation)

    def learn(self, measure: str, hour: int, value: float) -> None:
        self.baseline.learn(measure, hour, value)


@dataclass(slots=True)
class _Welford:
    n: float = 0.0
    mean: float = 0.0
    m2: float = 0.0

    def add(self, x: float) -> None:
        self.n += 1
        delta = x - self.mean
        self.mean += delta / self.n
        self.m2 += delta * (x - self.mean)

    def deviation(self, kind: MeasureKind, x: float) -> float:
        var = self.m2 / (self.n - 1) if self.n > 1 else 0.0
        return (x - self.mean) / math.sqrt(var + kind.floor * kind.floor)


class GlobalZ:
    """(a) one mean and spread per measure over all hours: no seasonality."""

    def __init__(self) -> None:
        self.stats: dict[str, _Welford] = defaultdict(_Welford)

    def score(self, measure: str, hour: int, value: float) -> float:
        stats = self.stats.get(measure)
        if stats is None or stats.n < 2:
            return 0.0
        kind = kind_of(measure)
        return _gated(kind, value, kind.back(stats.mean), stats.deviation(kind, kind.forward(value)))

    def learn(self, measure: str, hour: int, value: float) -> None:
        self.stats[measure].add(kind_of(measure).forward(value))


class HourOfWeek:
    """(b) mean ± k·sd per (measure, hour of week): no neighbours, no winsorising, no forgetting."""

    def __init__(self) -> None:
        self.stats: dict[tuple[str, int], _Welford] = defaultdict(_Welford)

    def score(self, measure: str, hour: int, value: float) -> float:
        stats = self.stats.get((measure, hour))
        if stats is None or stats.n < 2:
            return 0.0
        kind = kind_of(measure)
        return _gated(kind, value, kind.back(stats.mean), stats.deviation(kind, kind.forward(value)))

    def learn(self, measure: str, hour: int, value: float) -> None:
        self.stats[measure, hour].add(kind_of(measure).forward(value))


@dataclass(frozen=True, slots=True)
class Stream:
    """One camera's weeks with every nonzero score a method gave: (slot, measure, score)."""

    weeks: CameraWeeks
    scores: list[tuple[int, str, float]]


def run(weeks: CameraWeeks, scorer: Scorer, min_days: int = MIN_DAYS) -> Stream:
    scores: list[tuple[int, str, float]] = []
    days: set[int] = set()
    for index, slot in enumerate(weeks.slots):
        hour = hour_of_week(slot.start)
        judging = len(days) >= min_days
        for measure, value in slot.values.items():
            if judging:
                score = scorer.score(measure, hour, value)
                if score != 0.0:
                    scores.append((index, measure, score))
            scorer.learn(measure, hour, value)
        days.add(slot.start.date().toordinal())
    return Stream(weeks, scores)


@dataclass(frozen=True, slots=True)
class Alarm:
    measure: str
    direction: str
    first: int
    last: int


def alarms(stream: Stream, high: float, low: float, low_slots: int) -> list[Alarm]:
    """Runs of flagged slots; a low run is flagged from its `low_slots`-th slot, as CameraBaseline does."""
    candidates = sorted(
        (measure, "high" if score > 0 else "low", index)
        for index, measure, score in stream.scores
        if score >= high or -score >= low
    )
    out: list[Alarm] = []
    run = 0
    previous: tuple[str, str, int] | None = None
    for measure, direction, index in candidates:
        consecutive = previous is not None and previous == (measure, direction, index - 1)
        run = run + 1 if consecutive else 1
        previous = (measure, direction, index)
        if direction == "low" and run < low_slots:
            continue
        last = out[-1] if out else None
        if last and (last.measure, last.direction) == (measure, direction) and last.last + 1 == index:
            out[-1] = replace(last, last=index)
        else:
            out.append(Alarm(measure, direction, index, index))
    return out


def _kind_of_alarm(alarm: Alarm) -> str:
    """Which kind of anomaly a false alarm would pass for, to charge it to that kind's precision."""
    kind = kind_of(alarm.measure).name
    if kind == "people":
        return "crowd_at_night" if alarm.direction == "high" else "silent_gate"
    return {
        "motion": "motion_at_night",
        "sound_level": "loud_hour",
        "sound_events": "loud_hour",
        "dwell": "dwell",
        "direction": "wrong_way",
    }.get(kind, f"other ({kind} {alarm.direction})")


@dataclass(slots=True)
class Score:
    found: dict[tuple[str, str], int]  # (kind, size) -> injections found
    injected: dict[tuple[str, str], int]
    true_alarms: dict[str, int]
    false_alarms: dict[str, int]
    normal_false_alarms: int
    normal_weeks: int  # camera-weeks of normal week

    def recall(self, size: str, kind: str | None = None) -> float:
        keys = [k for k in self.injected if k[1] == size and (kind is None or k[0] == kind)]
        total = sum(self.injected[k] for k in keys)
        return sum(self.found.get(k, 0) for k in keys) / total if total else math.nan

    def precision(self, kind: str | None = None) -> float:
        true = sum(v for k, v in self.true_alarms.items() if kind is None or k == kind)
        false = sum(v for k, v in self.false_alarms.items() if kind is None or k == kind)
        return true / (true + false) if true + false else math.nan

    @property
    def normal_rate(self) -> float:
        return self.normal_false_alarms / self.normal_weeks if self.normal_weeks else math.nan


def score(streams: Iterable[Stream], high: float, low: float, low_slots: int) -> Score:
    result = Score(defaultdict(int), defaultdict(int), defaultdict(int), defaultdict(int), 0, 0)
    for stream in streams:
        weeks = stream.weeks
        result.normal_weeks += (len(weeks.slots) - weeks.normal_from) // (7 * SLOTS_PER_DAY)
        found = [False] * len(weeks.injections)
        for alarm in alarms(stream, high, low, low_slots):
            hits = [
                i
                for i, injection in enumerate(weeks.injections)
                if injection.first_slot <= alarm.last and alarm.first < injection.first_slot + injection.slots
            ]
            right = [i for i in hits if alarm.measure in weeks.injections[i].measures]
            for i in right:
                found[i] = True
            if right:
                result.true_alarms[weeks.injections[right[0]].kind] += 1
            elif not hits:
                result.false_alarms[_kind_of_alarm(alarm)] += 1
                result.normal_false_alarms += alarm.first >= weeks.normal_from
        for injection, hit in zip(weeks.injections, found, strict=True):
            result.injected[injection.kind, injection.size] += 1
            result.found[injection.kind, injection.size] += hit
    return result


def streams(
    make: Callable[[], Scorer],
    seeds: Sequence[int],
    variant: Variant,
    cameras: Sequence[Archetype] = ARCHETYPES,
) -> list[Stream]:
    return [run(camera_weeks(camera, seed, variant), make()) for seed in seeds for camera in cameras]


def acceptable(result: Score) -> bool:
    """What tuning requires: no false alarm in the normal weeks and precision at least 0.9."""
    return result.normal_false_alarms == 0 and result.precision() >= 0.9


Thresholds = tuple[float, float, int]  # (high, low) in spreads, low slots in a row


def best_thresholds(runs: list[Stream]) -> tuple[Thresholds, Score]:
    """The thresholds with the most injections found (clear and subtle) among the robustly acceptable
    ones (acceptable, and so is every neighbour on the grid: a setting on the edge of a cliff of false
    alarms is not kept); on a tie the higher ones. If none is, the fewest false alarms."""
    grid = {
        (i, j, k): score(runs, h, lo, n)
        for i, h in enumerate(THRESHOLDS)
        for j, lo in enumerate(LOW_THRESHOLDS)
        for k, n in enumerate(LOW_SLOTS)
    }

    def robust(at: tuple[int, int, int]) -> bool:
        steps = [(d, 0, 0) for d in (-1, 1)] + [(0, d, 0) for d in (-1, 1)] + [(0, 0, d) for d in (-1, 1)]
        near = [tuple(a + b for a, b in zip(at, step, strict=True)) for step in steps]
        return acceptable(grid[at]) and all(acceptable(grid[n]) for n in near if n in grid)

    def thresholds(at: tuple[int, int, int]) -> Thresholds:
        return THRESHOLDS[at[0]], LOW_THRESHOLDS[at[1]], LOW_SLOTS[at[2]]

    scored = [(thresholds(at), result) for at, result in grid.items()]
    good = [(thresholds(at), result) for at, result in grid.items() if robust(at)]
    if good:
        return max(good, key=lambda ts: (ts[1].recall("clear") + ts[1].recall("subtle"), ts[0]))
    return min(scored, key=lambda ts: (ts[1].normal_false_alarms, -ts[1].precision(), ts[0]))


def _cell(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.2f}"


def table(title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    cells = [list(header), *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [f"## {title}", "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells[1:]]
    return [*lines, ""]


def summary_row(name: str, setting: str, result: Score) -> list[object]:
    return [
        name,
        setting,
        _cell(result.precision()),
        _cell(result.recall("clear")),
        _cell(result.recall("subtle")),
        _cell(result.normal_rate),
    ]


SUMMARY_HEADER = (
    "method",
    "setting",
    "precision",
    "recall clear",
    "recall subtle",
    "false alarms/camera-week",
)


def per_kind_lines(title: str, result: Score) -> list[str]:
    rows: list[list[object]] = []
    for kind in ANOMALY_KINDS:
        clear = f"{result.found.get((kind, 'clear'), 0)}/{result.injected.get((kind, 'clear'), 0)}"
        subtle = f"{result.found.get((kind, 'subtle'), 0)}/{result.injected.get((kind, 'subtle'), 0)}"
        rows.append([kind, clear, subtle, _cell(result.precision(kind)), result.false_alarms.get(kind, 0)])
    others = {k: v for k, v in result.false_alarms.items() if k not in ANOMALY_KINDS}
    for other, count in sorted(others.items()):
        rows.append([other, "", "", "", count])
    header = ("kind", "clear found", "subtle found", "precision", "false alarms")
    return table(title, header, rows)


def report_lines(
    seeds: Sequence[int] = TEST_SEEDS,
    settings: BaselineSettings = CHOSEN,
    cameras: Sequence[Archetype] = ARCHETYPES,
) -> list[str]:
    """The chosen method on the given seeds (TEST variant): per kind, and the summary."""
    runs = streams(lambda: BaselineScorer(settings), seeds, "test", cameras)
    result = score(runs, settings.threshold, settings.low_threshold, settings.low_slots)
    title = f"chosen method on TEST seeds {', '.join(map(str, seeds))}"
    return [
        *per_kind_lines(title, result),
        *table("summary", SUMMARY_HEADER, [summary_row("baseline", _describe(settings), result)]),
    ]


def _describe(settings: BaselineSettings) -> str:
    return (
        f"k {settings.threshold:g}/{settings.low_threshold:g}×{settings.low_slots}, "
        f"shrink {settings.shrink_slots:g}, clip {settings.clip:g}, {settings.neighbours}"
    )


# --- river's streaming detector, only when it is installed (it is not a dependency of Vigil)


class RiverTrees:
    """(d) river's HalfSpaceTrees per measure on (value, hour of day, weekend). Its score is put on the
    others' scale by rank, as river's QuantileFilter does: the share of this measure's past scores below
    it, as a normal deviate (k = 4 is the 0.99997 quantile). The side comes from the hour of week's
    running mean, through the same raw-change gate as the others."""

    def __init__(self) -> None:
        # optional: only for this comparison, never a dependency of Vigil (so imported by name)
        self._anomaly = importlib.import_module("river.anomaly")
        self.models: dict[str, object] = {}
        self.past: dict[str, list[float]] = defaultdict(list)  # sorted scores seen while learning
        self.middles: dict[tuple[str, int], _Welford] = defaultdict(_Welford)
        self._scored: tuple[str, int, float, float] | None = None  # score() kept for learn() to reuse

    @staticmethod
    def _features(kind: MeasureKind, hour: int, value: float) -> dict[str, float]:
        x = kind.forward(value)
        scaled = (x + 90.0) / 90.0 if kind.name == "sound_level" else min(x / 5.0, 1.0)
        h = hour % 24
        return {
            "x": scaled,
            "sin": (math.sin(2 * math.pi * h / 24) + 1) / 2,
            "cos": (math.cos(2 * math.pi * h / 24) + 1) / 2,
            "weekend": float(hour >= 120),
        }

    def _model(self, measure: str) -> object:
        model = self.models.get(measure)
        if model is None:
            model = self.models[measure] = self._anomaly.HalfSpaceTrees(n_trees=10, height=8, seed=7)
        return model

    def score(self, measure: str, hour: int, value: float) -> float:
        kind = kind_of(measure)
        raw = float(self._model(measure).score_one(self._features(kind, hour, value)))  # type: ignore[attr-defined]
        self._scored = (measure, hour, value, raw)
        past, middle = self.past[measure], self.middles[measure, hour]
        if len(past) < 100 or middle.n < 1:
            return 0.0
        rank = (bisect.bisect_left(past, raw) + 0.5) / (len(past) + 1)
        size = NormalDist().inv_cdf(rank)
        if size <= 0:
            return 0.0
        mid = kind.back(middle.mean)
        return _gated(kind, value, mid, size if kind.forward(value) >= middle.mean else -size)

    def learn(self, measure: str, hour: int, value: float) -> None:
        kind = kind_of(measure)
        features = self._features(kind, hour, value)
        model = self._model(measure)
        scored = self._scored
        if scored is not None and scored[:3] == (measure, hour, value):
            raw = scored[3]
        else:
            raw = float(model.score_one(features))  # type: ignore[attr-defined]
        bisect.insort(self.past[measure], raw)
        model.learn_one(features)  # type: ignore[attr-defined]
        self.middles[measure, hour].add(kind.forward(value))


def river_available() -> bool:
    return importlib.util.find_spec("river") is not None


# --- the whole evaluation


def tune_lines() -> tuple[list[str], BaselineSettings]:
    """The grid on the TUNE seeds; returns its table and the best settings."""
    rows: list[list[object]] = []
    best: tuple[tuple[bool, float, float, float], BaselineSettings] | None = None
    for neighbours in ("all_days", "same_day_type"):
        for shrink in (0.0, 6.0, 12.0, 24.0, 48.0):
            for clip in (1.0, 1.5, 2.0, math.inf):
                settings = BaselineSettings(shrink_slots=shrink, clip=clip, neighbours=neighbours)
                runs = streams(lambda s=settings: BaselineScorer(s), TUNE_SEEDS, "tune")  # type: ignore[misc]
                (high, low, slots), result = best_thresholds(runs)
                settings = replace(settings, threshold=high, low_threshold=low, low_slots=slots)
                rows.append(summary_row("baseline", _describe(settings), result))
                found = result.recall("clear") + result.recall("subtle")
                key = (acceptable(result), found, result.precision(), high)
                if best is None or key > best[0]:
                    best = (key, settings)
    assert best is not None
    return table(f"TUNE seeds {', '.join(map(str, TUNE_SEEDS))}: the grid", SUMMARY_HEADER, rows), best[1]


def compare_lines(with_river: bool) -> list[str]:
    """Each method's threshold chosen on TUNE, then scored on TEST."""
    methods: list[tuple[str, Callable[[], Scorer]]] = [
        ("(a) global z-score", GlobalZ),
        ("(b) hour-of-week mean ± k·sd", HourOfWeek),
        ("(c) chosen: shrunk, winsorised", lambda: BaselineScorer(CHOSEN)),
    ]
    if with_river:
        methods.append(("(d) river HalfSpaceTrees", RiverTrees))
    rows: list[list[object]] = []
    for name, make in methods:
        (high, low, slots), tuned = best_thresholds(streams(make, TUNE_SEEDS, "tune"))
        if name.startswith("(c)"):
            high, low, slots = CHOSEN.threshold, CHOSEN.low_threshold, CHOSEN.low_slots
            tuned = score(streams(make, TUNE_SEEDS, "tune"), high, low, slots)
        tested = score(streams(make, TEST_SEEDS, "test"), high, low, slots)
        rows.append(summary_row(name, f"TUNE, k={high:g}/{low:g}×{slots}", tuned))
        rows.append(summary_row(name, f"TEST, k={high:g}/{low:g}×{slots}", tested))
    return table("methods compared (k chosen on TUNE, then TEST)", SUMMARY_HEADER, rows)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m vigil.anomaly.evaluate", description=__doc__)
    parser.add_argument("--tune", action="store_true", help="run the settings grid on the TUNE seeds")
    parser.add_argument("--compare", action="store_true", help="compare the methods (slower)")
    parser.add_argument("--no-river", action="store_true", help="leave river out of --compare")
    args = parser.parse_args(argv)
    lines: list[str] = []
    if args.tune:
        grid, best = tune_lines()
        lines += [*grid, f"best on TUNE: {_describe(best)}", ""]
    if args.compare:
        lines += compare_lines(with_river=river_available() and not args.no_river)
    lines += report_lines(TEST_SEEDS)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
