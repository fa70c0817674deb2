"""Incident counts over time (pure): rows of incidents in, buckets by label, camera and hour of day out.

Buckets follow the wall clock of one IANA time zone: a `day` starts at local midnight (so it lasts 23 or
25 hours on the days daylight saving time starts or ends), an `hour` at a local full hour (the repeated
hour of an autumn night is two buckets, the skipped hour of a spring night none).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from vigil.db.incidents import BucketSize, StatsRow

MAX_BUCKETS = 2000
HOURS_IN_DAY = 24


class TooManyBucketsError(ValueError):
    """The range holds more buckets than an answer may carry."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} buckets: choose a shorter range or a larger bucket")
        self.limit = limit


@dataclass(frozen=True)
class Bucket:
    start: datetime
    end: datetime
    counts: dict[str, int]


@dataclass(frozen=True)
class CameraCount:
    camera_id: int
    name: str
    count: int


@dataclass(frozen=True)
class LabelCount:
    label: str
    count: int


@dataclass(frozen=True)
class HourOfDay:
    label: str
    counts: list[int]


@dataclass(frozen=True)
class IncidentStats:
    since: datetime
    until: datetime
    bucket: BucketSize
    tz: str
    total: int
    labels: list[str]
    buckets: list[Bucket]
    by_camera: list[CameraCount]
    by_label: list[LabelCount]
    hour_of_day: list[HourOfDay]


def _utc(value: datetime) -> datetime:
    """In UTC (naive means UTC). Python compares and subtracts two times of one ZoneInfo by their wall
    clocks, ignoring DST, so every comparison here is made in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _wall_starts(first: datetime, bucket: BucketSize) -> Iterator[datetime]:
    """Naive local wall-clock bucket starts from the one holding `first` (a naive local time) on."""
    if bucket == "day":
        day = first.date()
        while True:
            yield datetime.combine(day, time())
            day += timedelta(days=1)
    else:
        wall = first.replace(minute=0, second=0, microsecond=0)
        while True:
            yield wall
            wall += timedelta(hours=1)


def _instants(wall: datetime, tz: ZoneInfo, bucket: BucketSize) -> list[datetime]:
    """The instants at which the local wall time `wall` begins: two for a repeated hour, and a skipped one
    resolves to the first instant after the gap (which its successor may share)."""
    folds = (0,) if bucket == "day" else (0, 1)
    return sorted({wall.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in folds})


def bucket_starts(
    since: datetime, until: datetime, bucket: BucketSize, tz: ZoneInfo, limit: int = MAX_BUCKETS
) -> list[datetime]:
    """Starts (aware, in `tz`) of every bucket that overlaps [since, until), the first at or before `since`.

    Raises TooManyBucketsError past `limit`, before generating more than `limit + 1` of them."""
    since, until = _utc(since), _utc(until)
    if until <= since:
        return []
    local_since = since.astimezone(tz).replace(tzinfo=None)
    # Walk from a little before `since` (its wall-clock floor can resolve to a later instant, as in the
    # second occurrence of a repeated hour): the last start at or before `since` opens the first bucket.
    starts: list[datetime] = []
    for wall in _wall_starts(local_since - timedelta(days=1 if bucket == "day" else 0, hours=1), bucket):
        for instant in _instants(wall, tz, bucket):
            if starts and instant <= starts[-1]:
                continue
            if instant >= until:
                return [s.astimezone(tz) for s in starts]
            if instant <= since:
                starts = [instant]  # a later start still at or before `since`: the first bucket moves up
            else:
                starts.append(instant)
            if len(starts) > limit:
                raise TooManyBucketsError(limit)
    raise AssertionError("unreachable: wall-clock starts never end")  # pragma: no cover


def bucket_end(last_start: datetime, bucket: BucketSize, tz: ZoneInfo) -> datetime:
    """Where the bucket starting at `last_start` ends: the start of the next one."""
    last_start = _utc(last_start)
    local = last_start.astimezone(tz).replace(tzinfo=None)
    for wall in _wall_starts(local, bucket):
        for instant in _instants(wall, tz, bucket):
            if instant > last_start:
                return instant.astimezone(tz)
    raise AssertionError("unreachable")  # pragma: no cover


def _ranked(counter: Counter[str]) -> list[str]:
    """Most frequent first; ties by name, so the order is stable."""
    return sorted(counter, key=lambda key: (-counter[key], key))


def aggregate(
    rows: Sequence[StatsRow],
    since: datetime,
    until: datetime,
    bucket: BucketSize,
    tz_name: str,
    limit: int = MAX_BUCKETS,
) -> IncidentStats:
    """Count the incidents of `rows` that started in [since, until) per bucket, label, camera and local
    hour of day. Every bucket of the range is present, empty ones too; labels are ranked by count."""
    tz = ZoneInfo(tz_name)
    since, until = _utc(since), _utc(until)
    starts = bucket_starts(since, until, bucket, tz, limit)
    kept = [row for row in rows if since <= _utc(row.started_at) < until]

    by_label: Counter[str] = Counter(row.label for row in kept)
    labels = _ranked(by_label)
    per_bucket = [Counter[str]() for _ in starts]
    hours = {label: [0] * HOURS_IN_DAY for label in labels}
    cameras: Counter[int] = Counter()
    names: dict[int, str] = {}
    utc_starts = [s.astimezone(UTC) for s in starts]
    for row in kept:
        started = _utc(row.started_at)
        index = _bucket_index(utc_starts, started)
        per_bucket[index][row.label] += 1
        hours[row.label][started.astimezone(tz).hour] += 1
        cameras[row.camera_id] += 1
        names[row.camera_id] = row.camera_name

    ends = [*starts[1:], bucket_end(starts[-1], bucket, tz)] if starts else []
    return IncidentStats(
        since=since.astimezone(tz),
        until=until.astimezone(tz),
        bucket=bucket,
        tz=tz_name,
        total=len(kept),
        labels=labels,
        buckets=[
            Bucket(start, end, {label: counts[label] for label in labels})
            for start, end, counts in zip(starts, ends, per_bucket, strict=True)
        ],
        by_camera=[
            CameraCount(camera_id, names[camera_id], count)
            for camera_id, count in sorted(
                cameras.items(), key=lambda item: (-item[1], names[item[0]], item[0])
            )
        ],
        by_label=[LabelCount(label, by_label[label]) for label in labels],
        hour_of_day=[HourOfDay(label, hours[label]) for label in labels],
    )


def _bucket_index(starts: Sequence[datetime], instant: datetime) -> int:
    """The last bucket starting at or before `instant` (binary search over sorted starts)."""
    low, high = 0, len(starts) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if starts[middle] <= instant:
            low = middle
        else:
            high = middle - 1
    return low
