"""Incident counts over time (pure): buckets on a time zone's wall clock, across daylight saving time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from vigil.db.incidents import StatsRow
from vigil.incidents.stats import MAX_BUCKETS, Bucket, TooManyBucketsError, aggregate, bucket_starts
from vigil.schedule import known_zone

PARIS = ZoneInfo("Europe/Paris")


def at(text: str) -> datetime:
    """An aware instant from ISO text with its offset."""
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None
    return value


def hours(bucket: Bucket) -> float:
    """A bucket's real length (subtracting two times of one ZoneInfo would give the wall-clock one)."""
    return (bucket.end.astimezone(UTC) - bucket.start.astimezone(UTC)) / timedelta(hours=1)


def row(started: str, label: str = "distress", camera_id: int = 1, name: str = "Gate") -> StatsRow:
    return StatsRow(at(started), label, camera_id, name)


def test_days_start_at_local_midnight_and_the_spring_day_lasts_23_hours() -> None:
    rows = [
        row("2026-03-29T00:30:00+01:00"),  # the first half hour of the short day
        row("2026-03-29T23:30:00+02:00"),  # its last half hour
        row("2026-03-30T00:30:00+02:00"),  # 22:30 UTC on the 29th, but the 30th in Paris
    ]
    answer = aggregate(
        rows, at("2026-03-28T00:00:00+01:00"), at("2026-03-31T00:00:00+02:00"), "day", "Europe/Paris"
    )
    assert [b.start.isoformat() for b in answer.buckets] == [
        "2026-03-28T00:00:00+01:00",
        "2026-03-29T00:00:00+01:00",
        "2026-03-30T00:00:00+02:00",
    ]
    assert [hours(b) for b in answer.buckets] == [24, 23, 24]
    assert answer.buckets[-1].end.isoformat() == "2026-03-31T00:00:00+02:00"
    assert [b.counts for b in answer.buckets] == [{"distress": 0}, {"distress": 2}, {"distress": 1}]
    assert answer.hour_of_day[0].counts[0] == 2
    assert answer.hour_of_day[0].counts[23] == 1


def test_the_autumn_day_has_25_hours_and_its_repeated_hour_is_two_buckets() -> None:
    rows = [
        row("2026-10-25T02:10:00+02:00", "fall"),  # the first 02:00-03:00
        row("2026-10-25T02:20:00+01:00", "fall"),  # the second one, an hour later
        row("2026-10-25T02:40:00+01:00", "fall"),
    ]
    day = aggregate(
        rows, at("2026-10-25T00:00:00+02:00"), at("2026-10-26T00:00:00+01:00"), "day", "Europe/Paris"
    )
    assert len(day.buckets) == 1
    assert hours(day.buckets[0]) == 25

    hourly = aggregate(
        rows, at("2026-10-25T00:00:00+02:00"), at("2026-10-26T00:00:00+01:00"), "hour", "Europe/Paris"
    )
    assert len(hourly.buckets) == 25
    local = [b.start.strftime("%H:%M%z") for b in hourly.buckets[:5]]
    assert local == ["00:00+0200", "01:00+0200", "02:00+0200", "02:00+0100", "03:00+0100"]
    assert [b.counts["fall"] for b in hourly.buckets[:5]] == [0, 0, 1, 2, 0]
    assert all(hours(b) == 1 for b in hourly.buckets)
    assert hourly.hour_of_day[0].counts[2] == 3  # both occurrences are the local hour 2


def test_a_range_starting_in_the_second_repeated_hour_starts_with_that_occurrence() -> None:
    starts = bucket_starts(at("2026-10-25T02:30:00+01:00"), at("2026-10-25T04:00:00+01:00"), "hour", PARIS)
    assert [s.isoformat() for s in starts] == ["2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00"]


def test_the_skipped_spring_hour_has_no_bucket() -> None:
    starts = bucket_starts(at("2026-03-29T00:00:00+01:00"), at("2026-03-29T05:00:00+02:00"), "hour", PARIS)
    assert [s.strftime("%H:%M%z") for s in starts] == ["00:00+0100", "01:00+0100", "03:00+0200", "04:00+0200"]


def test_buckets_align_to_local_time_and_only_the_range_counts() -> None:
    since, until = at("2026-06-10T10:37:00+02:00"), at("2026-06-10T13:05:00+02:00")
    rows = [
        row("2026-06-10T10:30:00+02:00"),  # in the first bucket but before `since`: not counted
        row("2026-06-10T10:37:00+02:00"),  # at `since`: counted
        row("2026-06-10T13:04:59+02:00"),
        row("2026-06-10T13:05:00+02:00"),  # at `until`: not counted
    ]
    answer = aggregate(rows, since, until, "hour", "Europe/Paris")
    assert [b.start.strftime("%H:%M") for b in answer.buckets] == ["10:00", "11:00", "12:00", "13:00"]
    assert [b.counts["distress"] for b in answer.buckets] == [1, 0, 0, 1]
    assert answer.total == 2
    assert answer.since.isoformat() == "2026-06-10T10:37:00+02:00"

    days = aggregate(rows, since, until, "day", "Europe/Paris")
    assert [b.start.isoformat() for b in days.buckets] == ["2026-06-10T00:00:00+02:00"]


def test_a_zone_with_a_quarter_hour_offset_buckets_on_its_own_hours() -> None:
    starts = bucket_starts(
        at("2026-01-01T00:00:00+00:00"), at("2026-01-02T00:00:00+00:00"), "hour", ZoneInfo("Asia/Kathmandu")
    )
    assert starts[0].isoformat() == "2026-01-01T05:00:00+05:45"  # holds 00:00 UTC = 05:45 local
    assert starts[1].astimezone(UTC).isoformat() == "2026-01-01T00:15:00+00:00"
    assert len(starts) == 25


def test_an_empty_range_still_has_every_bucket() -> None:
    answer = aggregate([], at("2026-05-01T00:00:00+00:00"), at("2026-05-08T00:00:00+00:00"), "day", "UTC")
    assert answer.total == 0
    assert answer.labels == []
    assert answer.by_label == []
    assert answer.by_camera == []
    assert answer.hour_of_day == []
    assert len(answer.buckets) == 7
    assert all(b.counts == {} for b in answer.buckets)
    nothing = aggregate([], at("2026-05-01T00:00:00+00:00"), at("2026-05-01T00:00:00+00:00"), "day", "UTC")
    assert nothing.buckets == []


def test_labels_and_cameras_are_ranked_by_count() -> None:
    rows = [
        row("2026-05-01T10:00:00+00:00", "fall", 2, "Yard"),
        row("2026-05-01T11:00:00+00:00", "distress", 1, "Gate"),
        row("2026-05-01T12:00:00+00:00", "distress", 2, "Yard"),
        row("2026-05-02T12:00:00+00:00", "alarm", 2, "Yard"),
    ]
    answer = aggregate(rows, at("2026-05-01T00:00:00+00:00"), at("2026-05-03T00:00:00+00:00"), "day", "UTC")
    assert answer.labels == ["distress", "alarm", "fall"]  # ties by name
    assert [(c.camera_id, c.name, c.count) for c in answer.by_camera] == [(2, "Yard", 3), (1, "Gate", 1)]
    assert [(entry.label, entry.count) for entry in answer.by_label] == [
        ("distress", 2),
        ("alarm", 1),
        ("fall", 1),
    ]
    assert answer.buckets[0].counts == {"distress": 2, "alarm": 0, "fall": 1}
    assert [h.label for h in answer.hour_of_day] == answer.labels
    assert answer.hour_of_day[0].counts[11] == 1
    assert answer.hour_of_day[0].counts[12] == 1
    assert sum(sum(h.counts) for h in answer.hour_of_day) == answer.total == 4


def test_too_many_buckets_are_refused_without_making_them_all() -> None:
    since = at("2026-01-01T00:00:00+00:00")
    assert (
        len(bucket_starts(since, since + timedelta(hours=MAX_BUCKETS), "hour", ZoneInfo("UTC")))
        == MAX_BUCKETS
    )
    with pytest.raises(TooManyBucketsError):
        bucket_starts(since, since + timedelta(hours=MAX_BUCKETS + 1), "hour", ZoneInfo("UTC"))
    with pytest.raises(TooManyBucketsError):
        bucket_starts(since, since + timedelta(days=365 * 100), "day", ZoneInfo("UTC"))


@pytest.mark.parametrize("name", ["Mars/Olympus", "../etc/passwd", "", "Europe/"])
def test_unknown_zones_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        known_zone(name)
