"""The baseline's statistics on hand-made weeks: what is flagged, in which words, and what survives."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from vigil.anomaly.baseline import (
    BaselineSettings,
    CameraBaseline,
    hour_label,
    hour_of_week,
)
from vigil.anomaly.kinds import describe, kind_of, zone_of

TUE_03 = 24 + 3  # Tuesday 03:00-04:00
TUE_12 = 24 + 12
FIRST_DAY = date(2024, 1, 1).toordinal()  # a Monday


def yard(hour: int, rng: random.Random) -> float:
    """People in view: about 12 by day (08:00-18:00), about nobody at night."""
    if 8 <= hour % 24 < 18:
        return max(0.0, rng.gauss(12.0, 1.5))
    return rng.choice((0.0, 0.0, 0.0, 0.1, 0.2))


def learned(
    days: int = 14,
    measure: str = "people",
    value: Callable[[int, random.Random], float] = yard,
    settings: BaselineSettings = BaselineSettings(),
) -> CameraBaseline:
    """`days` days of 5-minute slots from Monday 00:00, twelve a hour."""
    baseline = CameraBaseline(settings=settings)
    rng = random.Random(7)
    for day in range(days):
        for h in range(24):
            hour = (day % 7) * 24 + h
            for _ in range(12):
                baseline.learn(measure, hour, value(hour, rng))
        baseline.note_day(FIRST_DAY + day)
    return baseline


def test_hour_of_week_counts_from_monday_midnight_in_the_cameras_zone() -> None:
    paris = ZoneInfo("Europe/Paris")
    assert hour_of_week(datetime(2024, 1, 1, 0, 30, tzinfo=paris)) == 0
    assert hour_of_week(datetime(2024, 1, 7, 23, 59, tzinfo=paris)) == 167
    assert hour_of_week(datetime(2024, 1, 2, 3, 15, tzinfo=paris)) == TUE_03
    # the same instant in UTC is still Sunday evening: the zone the caller gives decides
    instant = datetime(2024, 1, 1, 0, 30, tzinfo=paris)
    assert hour_of_week(instant.astimezone(UTC)) == 167
    with pytest.raises(ValueError, match="aware"):
        hour_of_week(datetime(2024, 1, 1, 0, 30))
    assert hour_label(TUE_03) == "Tue 03:00-04:00"
    assert hour_label(167) == "Sun 23:00-00:00"


def test_measure_keys_name_kind_zone_and_direction() -> None:
    assert kind_of("dwell:Gate").name == "dwell"
    assert zone_of("direction:Gate:left") == "Gate"
    assert zone_of("people") is None
    assert describe("dwell:Gate") == "time spent in zone Gate"
    assert describe("direction:Gate:left") == "people heading left in zone Gate"
    assert describe("sound_level") == "sound level"
    for bad in ("smell", "direction:Gate:sideways", "dwell", "people:Gate:left"):
        with pytest.raises(ValueError, match=bad.split(":")[0]):
            kind_of(bad)


def test_a_crowd_at_night_is_flagged_high_in_words_naming_measure_value_range_and_history() -> None:
    baseline = learned()
    assert baseline.days_learned == 14
    usual = baseline.judge("people", TUE_03, 0.1)
    assert usual.direction is None
    assert usual.strength == 0.0

    verdict = baseline.judge("people", TUE_03, 7.2)
    assert verdict.direction == "high"
    assert verdict.expected is not None
    assert verdict.expected.low == 0.0
    assert verdict.expected.mid < 0.2
    assert verdict.expected.high < 7.2
    assert verdict.deviation > BaselineSettings().threshold
    assert 0.5 < verdict.strength <= 1.0
    words = verdict.words(hour_label(TUE_03), baseline.days_learned)
    history = round(verdict.expected.history)
    assert history >= 24  # two weeks of its own hour, plus what it borrows
    assert words == (
        f"people in view: 7.2 at Tue 03:00-04:00, expected 0.0-{verdict.expected.high:.1f} people "
        f"(from 14 days, {history} slots)"
    )


def test_strength_is_one_half_at_the_threshold_and_grows_past_it() -> None:
    baseline = learned()
    strengths = []
    for value in (3.0, 5.0, 10.0, 40.0):
        verdict = baseline.judge("people", TUE_03, value)
        if verdict.direction == "high":
            strengths.append(verdict.strength)
    assert len(strengths) >= 3
    assert strengths == sorted(strengths)
    assert strengths[-1] > 0.9


def test_too_little_fires_only_where_something_is_expected() -> None:
    baseline = learned()
    slots = BaselineSettings().low_slots
    first = [baseline.judge("people", TUE_12, 0.3) for _ in range(slots - 1)]
    # one quiet slot in a busy hour is not yet "too little": it takes low_slots in a row
    assert [v.direction for v in first] == [None] * (slots - 1)
    assert all(v.deviation < -BaselineSettings().low_threshold for v in first)
    baseline.judge("people", TUE_12, 12.0)  # a usual slot starts the count again
    streak = [baseline.judge("people", TUE_12, 0.3).direction for _ in range(slots)]
    assert streak == [None] * (slots - 1) + ["low"]
    empty_noon = baseline.judge("people", TUE_12, 0.3)
    assert empty_noon.direction == "low"
    assert empty_noon.expected is not None
    assert empty_noon.expected.low > 0.3
    assert "expected" in empty_noon.words(hour_label(TUE_12), 14)
    # nobody at night is what night looks like
    assert baseline.judge("people", TUE_03, 0.0).direction is None
    # a short stay is never reported: only unusually long ones are
    dwell = learned(measure="dwell:Gate", value=lambda hour, rng: rng.uniform(20.0, 40.0))
    assert dwell.judge("dwell:Gate", TUE_12, 1.0).direction is None
    assert dwell.judge("dwell:Gate", TUE_12, 600.0).direction == "high"


def test_no_history_gives_no_verdict() -> None:
    baseline = learned()
    verdict = baseline.judge("vehicles", TUE_03, 5.0)
    assert verdict.expected is None
    assert verdict.direction is None
    assert verdict.words("Tue 03:00-04:00", 14) == "vehicles in view: 5.0 at Tue 03:00-04:00, no history yet"


def crowd_hour(baseline: CameraBaseline) -> None:
    for _ in range(12):
        baseline.learn("people", TUE_03, 30.0)


def test_a_burst_of_anomalies_barely_widens_the_band_it_is_judged_against() -> None:
    robust = learned()
    naive = learned(settings=BaselineSettings(clip=math.inf))
    before = robust.expected("people", TUE_03)
    assert before is not None
    crowd_hour(robust)
    crowd_hour(naive)
    after, naive_after = robust.expected("people", TUE_03), naive.expected("people", TUE_03)
    assert after is not None
    assert naive_after is not None
    assert after.high < 2 * before.high + 1.0
    assert naive_after.high > 3 * after.high  # what learning the crowd unclipped would have done
    # so the same crowd next week is still unusual
    assert robust.judge("people", TUE_03, 30.0).direction == "high"
    assert naive.judge("people", TUE_03, 30.0).direction is None


def test_absorb_stops_the_same_value_firing_at_that_hour() -> None:
    baseline = learned()
    assert baseline.judge("people", TUE_03, 7.2).direction == "high"
    baseline.absorb("people", TUE_03, 7.2)
    assert baseline.judge("people", TUE_03, 7.2).direction is None
    assert baseline.judge("people", TUE_03, 8.0).direction is None  # and a little more, too
    expected = baseline.expected("people", TUE_03)
    assert expected is not None
    assert expected.high >= 7.2
    # the same pattern keeps being usual after more ordinary weeks are learned
    rng = random.Random(3)
    for _ in range(48):
        baseline.learn("people", TUE_03, yard(TUE_03, rng))
    assert baseline.judge("people", TUE_03, 7.2).direction is None
    # a far bigger crowd still is not
    assert baseline.judge("people", TUE_03, 60.0).direction == "high"


def test_rows_and_days_restore_a_baseline_with_identical_verdicts() -> None:
    baseline = learned(days=9)
    for measure, value in (("sound_level", -55.0), ("direction:Gate:left", 0.0), ("dwell:Gate", 20.0)):
        for hour in range(0, 168, 5):
            baseline.learn(measure, hour, value)
    baseline.absorb("people", TUE_03, 7.2)
    restored = CameraBaseline(baseline.rows(), baseline.days())
    assert restored.days_learned == 9
    assert restored.measures() == baseline.measures()
    assert restored.rows() == baseline.rows()
    for measure in baseline.measures():
        for hour in range(168):
            for value in (-70.0, 0.0, 0.3, 7.2, 30.0, 600.0):
                assert restored.judge(measure, hour, value) == baseline.judge(measure, hour, value)
    # learning goes on where it stopped
    baseline.learn("people", TUE_12, 11.0)
    restored.learn("people", TUE_12, 11.0)
    assert restored.rows() == baseline.rows()


def test_dirty_rows_are_what_changed_since_the_last_call() -> None:
    baseline = learned(days=8)
    assert len(baseline.dirty_rows()) == 168
    assert baseline.dirty_rows() == []
    baseline.learn("people", TUE_12, 11.0)
    baseline.absorb("people", TUE_03, 7.2)
    changed = baseline.dirty_rows()
    assert [(row.measure, row.hour_of_week) for row in changed] == [("people", TUE_03), ("people", TUE_12)]
    assert changed[0].accepted_low == changed[0].accepted_high == 7.2
    assert CameraBaseline(baseline.rows()).dirty_rows() == []


def test_reset_forgets_everything() -> None:
    baseline = learned(days=8)
    baseline.reset()
    assert baseline.rows() == []
    assert baseline.days_learned == 0
    assert baseline.measures() == []
    assert baseline.judge("people", TUE_03, 7.2).expected is None


def test_bad_rows_and_hours_are_refused() -> None:
    baseline = CameraBaseline()
    with pytest.raises(ValueError, match=r"outside 0\.\.167"):
        baseline.learn("people", 168, 1.0)
    with pytest.raises(ValueError, match="smell"):
        baseline.learn("smell", 3, 1.0)
