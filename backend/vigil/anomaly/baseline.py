"""A camera's baseline by hour of week, learned slot by slot, and the verdict on a new slot.

Per (measure, hour of week) a bucket keeps weighted Welford statistics on the measure's transformed scale.
The estimate for a bucket borrows a prior from its neighbours (the hour before and after, the same hour on
the other days), worth at most `shrink_slots` slots, so a young or noisy bucket leans on its neighbours and
an old one stands on its own. The method, and how it was chosen, is in docs/anomaly.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from vigil.anomaly.kinds import MeasureKind, describe, kind_of

HOURS_OF_WEEK = 168
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
Neighbours = Literal["all_days", "same_day_type"]


def hour_of_week(moment: datetime) -> int:
    """0 = Monday 00:00-00:59, 167 = Sunday 23:00-23:59, in the zone `moment` carries (the camera's)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("hour_of_week needs an aware datetime in the camera's time zone")
    return moment.weekday() * 24 + moment.hour


def hour_label(hour: int) -> str:
    """`Tue 03:00-04:00` for hour of week 27."""
    day, h = divmod(hour % HOURS_OF_WEEK, 24)
    return f"{DAY_NAMES[day]} {h:02d}:00-{(h + 1) % 24:02d}:00"


@dataclass(frozen=True, slots=True)
class BaselineSettings:
    threshold: float = 4.5  # spreads above the middle before a slot is unusually high
    low_threshold: float = 1.25  # spreads below it before unusually low (the transformed scale is bounded
    # below, so a small count cannot fall as many spreads as it can rise) ...
    low_slots: int = 6  # ... for this many slots in a row: one quiet slot in a busy hour is not "too little"
    shrink_slots: float = 48.0  # the most weight, in slots, the neighbours' prior may carry
    clip: float = 2.0  # learn(): values beyond mid ± clip·spread are winsorised to that edge ...
    clip_after: float = 12.0  # ... once the bucket has learned this many slots of its own
    memory_slots: float = 96.0  # a bucket's weight stops growing here: old weeks fade, new ones count
    neighbours: Neighbours = "same_day_type"  # same hour on the other days: all, or weekday/weekend apart
    absorb_cap: float = 48.0  # absorb(): the most slots' weight a value marked normal is learned with


@dataclass(slots=True)
class BucketStats:
    """One (measure, hour of week), on the transformed scale."""

    n: float = 0.0  # weighted number of slots learned
    mean: float = 0.0
    m2: float = 0.0  # weighted sum of squared deviations (West's update)
    accepted_low: float | None = None  # raw values an operator marked normal here
    accepted_high: float | None = None

    def add(self, x: float, weight: float, memory: float) -> None:
        if self.n + weight > memory and self.n > 0:
            keep = max(memory - weight, 1.0) / self.n
            if keep < 1.0:
                self.n *= keep
                self.m2 *= keep
        n = self.n + weight
        delta = x - self.mean
        self.mean += delta * weight / n
        self.m2 += weight * delta * (x - self.mean)
        self.n = n


@dataclass(frozen=True, slots=True)
class Expected:
    low: float  # raw units: values from low to high are usual here
    mid: float
    high: float
    history: float  # the weight of slots the estimate rests on (own + borrowed)


def _number(value: float) -> str:
    size = abs(value)
    if size >= 10:
        return f"{value:.0f}"
    if size >= 0.95 or size == 0:
        return f"{value:.1f}"
    return f"{value:.2g}"


@dataclass(frozen=True, slots=True)
class Verdict:
    measure: str
    value: float  # raw
    expected: Expected | None  # None: no history at all for this measure
    deviation: float  # signed, in spreads on the transformed scale
    direction: Literal["high", "low"] | None  # None: usual, or a side that is not reported
    strength: float  # 0..1: 0.5 at the threshold, towards 1 far past it; 0 when usual

    def words(self, hour_label: str, days: int) -> str:
        """The explanation: `people in view: 7.2 at Tue 03:00-04:00, expected 0.0-2.0 people (from 14
        days, 168 slots)`."""
        kind = kind_of(self.measure)
        head = f"{describe(self.measure)}: {_number(self.value)} at {hour_label}"
        if self.expected is None:
            return f"{head}, no history yet"
        low, high = _number(self.expected.low), _number(self.expected.high)
        span = f"{low} to {high}" if self.expected.low < 0 else f"{low}-{high}"
        day_words = "1 day" if days == 1 else f"{days} days"
        slots = round(self.expected.history)
        return f"{head}, expected {span} {kind.unit} (from {day_words}, {slots} slots)"


@dataclass(frozen=True, slots=True)
class BaselineRow:
    """One stored (measure, hour of week)."""

    measure: str
    hour_of_week: int
    n: float
    mean: float
    m2: float
    accepted_low: float | None
    accepted_high: float | None


def _neighbour_hours(neighbours: Neighbours) -> tuple[tuple[int, ...], ...]:
    """For each hour of week: the hour before and after, and the same hour on the other days (all of
    them, or those of the same type: weekdays with weekdays, Saturday with Sunday)."""
    table: list[tuple[int, ...]] = []
    for hour in range(HOURS_OF_WEEK):
        day, h = divmod(hour, 24)
        weekend = day >= 5
        others = [
            d * 24 + h for d in range(7) if d != day and (neighbours == "all_days" or (d >= 5) == weekend)
        ]
        table.append(((hour - 1) % HOURS_OF_WEEK, (hour + 1) % HOURS_OF_WEEK, *others))
    return tuple(table)


_NEIGHBOURS = {mode: _neighbour_hours(mode) for mode in ("all_days", "same_day_type")}


@dataclass(frozen=True, slots=True)
class _Estimate:
    history: float
    mean: float
    spread: float  # sqrt(var + floor²), transformed scale


class CameraBaseline:
    """Everything one camera has learned, bucket by bucket. Pure: the caller stores rows() and days()."""

    def __init__(
        self,
        rows: Iterable[BaselineRow] = (),
        days: Iterable[int] = (),
        settings: BaselineSettings = BaselineSettings(),
    ) -> None:
        self.settings = settings
        self._neighbours = _NEIGHBOURS[settings.neighbours]
        self._buckets: dict[str, list[BucketStats | None]] = {}
        self._kinds: dict[str, MeasureKind] = {}
        self._dirty: set[tuple[str, int]] = set()
        self._days: set[int] = set(days)
        self._low_streak: dict[str, tuple[int, int]] = {}  # measure -> (slots in a row too low, last hour)
        for row in rows:
            if not 0 <= row.hour_of_week < HOURS_OF_WEEK:
                raise ValueError(f"{row.measure}: hour_of_week {row.hour_of_week} is outside 0..167")
            self._row_buckets(row.measure)[row.hour_of_week] = BucketStats(
                row.n, row.mean, row.m2, row.accepted_low, row.accepted_high
            )

    @property
    def days_learned(self) -> int:
        """Distinct local days (date.toordinal()) with learned slots."""
        return len(self._days)

    def note_day(self, day: int) -> None:
        self._days.add(day)

    def days(self) -> frozenset[int]:
        return frozenset(self._days)

    def measures(self) -> list[str]:
        return sorted(self._buckets)

    def expected(self, measure: str, hour: int) -> Expected | None:
        kind = self._kind(measure)
        estimate = self._estimate(measure, hour, kind)
        if estimate is None:
            return None
        bucket = self._bucket(measure, hour)
        return self._expected(kind, estimate, bucket)

    def judge(self, measure: str, hour: int, value: float) -> Verdict:
        """The verdict on one slot's value. Call it once per measure per slot, in order: "too little"
        needs `low_slots` slots in a row (kept in memory only; a restart starts the count again)."""
        kind = self._kind(measure)
        estimate = self._estimate(measure, hour, kind)
        if estimate is None:
            self._low_streak.pop(measure, None)
            return Verdict(measure, value, None, 0.0, None, 0.0)
        bucket = self._bucket(measure, hour)
        expected = self._expected(kind, estimate, bucket)
        deviation = (kind.forward(value) - estimate.mean) / estimate.spread
        high, low = self.settings.threshold, self.settings.low_threshold
        direction: Literal["high", "low"] | None = None
        too_low = False
        if bucket is not None and _accepted(kind, bucket, value, estimate.spread):
            direction = None
        elif deviation >= high and value - expected.mid >= kind.min_change:
            direction = "high"
        elif kind.low_side and deviation <= -low and expected.mid - value >= kind.min_change:
            too_low = True
            if self._low_in_a_row(measure, hour) >= self.settings.low_slots:
                direction = "low"
        if not too_low:
            self._low_streak.pop(measure, None)
        strength = 0.0
        if direction is not None:
            threshold = high if direction == "high" else low
            past = (abs(deviation) - threshold) / threshold
            strength = 1.0 / (1.0 + math.exp(-4.0 * past))
        return Verdict(measure, value, expected, deviation, direction, strength)

    def _low_in_a_row(self, measure: str, hour: int) -> int:
        streak, last = self._low_streak.get(measure, (0, -1))
        count = streak + 1 if last in (hour, (hour - 1) % HOURS_OF_WEEK) else 1
        self._low_streak[measure] = (count, hour)
        return count

    def learn(self, measure: str, hour: int, value: float) -> None:
        """One slot. Once the bucket has its own history, a value beyond mid ± clip·spread is winsorised to
        that edge and weighted down by how far out it was, so a burst of anomalies does not widen the band
        it is judged against, while a lasting change still moves the middle, slowly."""
        kind = self._kind(measure)
        x = kind.forward(value)
        weight = 1.0
        bucket = self._bucket(measure, hour)
        if bucket is not None and bucket.n >= self.settings.clip_after:
            estimate = self._estimate(measure, hour, kind)
            if estimate is not None:
                reach = self.settings.clip * estimate.spread
                distance = abs(x - estimate.mean)
                if distance > reach:
                    # Huber's weight: a value far out moves the bucket as little as one at the edge would
                    x = estimate.mean + reach if x > estimate.mean else estimate.mean - reach
                    weight = reach / distance
        self._ensure(measure, hour).add(x, weight, self.settings.memory_slots)
        self._dirty.add((measure, hour))

    def absorb(self, measure: str, hour: int, value: float) -> None:
        """An operator said this value is normal here: learn it unclipped with the weight of the bucket's
        own history (capped), and keep it as accepted so it, and values near it, stay usual here."""
        kind = self._kind(measure)
        bucket = self._ensure(measure, hour)
        weight = min(max(bucket.n, 1.0), self.settings.absorb_cap)
        bucket.add(kind.forward(value), weight, self.settings.memory_slots + weight)
        bucket.accepted_low = value if bucket.accepted_low is None else min(bucket.accepted_low, value)
        bucket.accepted_high = value if bucket.accepted_high is None else max(bucket.accepted_high, value)
        self._dirty.add((measure, hour))

    def rows(self) -> list[BaselineRow]:
        return [
            _row(measure, hour, bucket)
            for measure, buckets in sorted(self._buckets.items())
            for hour, bucket in enumerate(buckets)
            if bucket is not None
        ]

    def dirty_rows(self) -> list[BaselineRow]:
        """The rows changed since the last call (or since loading), for storage."""
        rows = []
        for measure, hour in sorted(self._dirty):
            bucket = self._bucket(measure, hour)
            if bucket is not None:
                rows.append(_row(measure, hour, bucket))
        self._dirty.clear()
        return rows

    def reset(self) -> None:
        self._buckets.clear()
        self._low_streak.clear()
        self._dirty.clear()
        self._days.clear()

    # --- inside

    def _kind(self, measure: str) -> MeasureKind:
        kind = self._kinds.get(measure)
        if kind is None:
            kind = self._kinds[measure] = kind_of(measure)
        return kind

    def _row_buckets(self, measure: str) -> list[BucketStats | None]:
        buckets = self._buckets.get(measure)
        if buckets is None:
            self._kind(measure)  # refuses an unknown measure before anything is kept
            buckets = self._buckets[measure] = [None] * HOURS_OF_WEEK
        return buckets

    def _bucket(self, measure: str, hour: int) -> BucketStats | None:
        buckets = self._buckets.get(measure)
        return None if buckets is None else buckets[hour]

    def _ensure(self, measure: str, hour: int) -> BucketStats:
        if not 0 <= hour < HOURS_OF_WEEK:
            raise ValueError(f"hour of week {hour} is outside 0..167")
        buckets = self._row_buckets(measure)
        bucket = buckets[hour]
        if bucket is None:
            bucket = buckets[hour] = BucketStats()
        return bucket

    def _estimate(self, measure: str, hour: int, kind: MeasureKind) -> _Estimate | None:
        buckets = self._buckets.get(measure)
        if buckets is None:
            return None
        # The prior: the same hour on the other days gives the middle and its spread (how much they differ
        # is day-to-day variation, a real spread); the hour before and after add only their own spread,
        # since their middle is another hour's (a rush hour next to a quiet one is not noise).
        pn = pmean = pm2 = 0.0
        hn = hm2 = 0.0
        hour_before, hour_after, *other_days = self._neighbours[hour]
        for other in other_days:
            b = buckets[other]
            if b is None or b.n <= 0:
                continue
            n = pn + b.n
            delta = b.mean - pmean
            pmean += delta * b.n / n
            pm2 += b.m2 + delta * delta * pn * b.n / n
            pn = n
        for other in (hour_before, hour_after):
            b = buckets[other]
            if b is not None and b.n > 0:
                if pn <= 0 and hn <= 0:
                    pmean = b.mean  # no other day yet (the first week): the nearest hour's middle
                hn += b.n
                hm2 += b.m2
        pn += hn
        pm2 += hm2
        own = buckets[hour]
        on, omean, om2 = (own.n, own.mean, own.m2) if own is not None else (0.0, 0.0, 0.0)
        prior = min(self.settings.shrink_slots, pn)
        total = on + prior
        if total <= 0:
            return None
        mean = (on * omean + prior * pmean) / total
        m2 = om2 + (prior * pm2 / pn if pn > 0 else 0.0) + (on * prior / total) * (omean - pmean) ** 2
        var = m2 / total
        return _Estimate(total, mean, math.sqrt(var + kind.floor * kind.floor))

    def _expected(self, kind: MeasureKind, estimate: _Estimate, bucket: BucketStats | None) -> Expected:
        mid = kind.back(estimate.mean)
        reach_high = self.settings.threshold * estimate.spread
        high = max(kind.back(estimate.mean + reach_high), mid + kind.min_change)
        if kind.low_side:
            reach_low = self.settings.low_threshold * estimate.spread
            low = min(kind.back(estimate.mean - reach_low), mid - kind.min_change)
        else:
            low = kind.lowest
        if bucket is not None and bucket.accepted_low is not None and bucket.accepted_high is not None:
            low, high = min(low, bucket.accepted_low), max(high, bucket.accepted_high)
        low, high = max(low, kind.lowest), min(high, kind.highest)
        return Expected(low, mid, high, estimate.history)


def _accepted(kind: MeasureKind, bucket: BucketStats, value: float, spread: float) -> bool:
    """Within one spread (or min_change) of the values an operator marked normal at this hour."""
    if bucket.accepted_low is None or bucket.accepted_high is None:
        return False
    if bucket.accepted_low - kind.min_change <= value <= bucket.accepted_high + kind.min_change:
        return True
    x = kind.forward(value)
    return kind.forward(bucket.accepted_low) - spread <= x <= kind.forward(bucket.accepted_high) + spread


def _row(measure: str, hour: int, bucket: BucketStats) -> BaselineRow:
    return BaselineRow(
        measure, hour, bucket.n, bucket.mean, bucket.m2, bucket.accepted_low, bucket.accepted_high
    )
