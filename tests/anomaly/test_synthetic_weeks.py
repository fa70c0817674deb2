"""The chosen method on the TEST seeds of the synthetic weeks (settings were chosen on the TUNE seeds)."""

from __future__ import annotations

import pytest

from vigil.anomaly.baseline import CameraBaseline, hour_of_week
from vigil.anomaly.evaluate import (
    CHOSEN,
    BaselineScorer,
    Score,
    alarms,
    per_kind_lines,
    report_lines,
    run,
    score,
    streams,
)
from vigil.anomaly.synthetic import ANOMALY_KINDS, SLOTS_PER_DAY, TEST_SEEDS, TUNE_SEEDS, camera_weeks


@pytest.fixture(scope="module")
def result() -> Score:
    runs = streams(lambda: BaselineScorer(CHOSEN), TEST_SEEDS, "test")
    return score(runs, CHOSEN.threshold, CHOSEN.low_threshold, CHOSEN.low_slots)


def test_every_clear_anomaly_of_every_kind_is_found(result: Score) -> None:
    table = "\n".join(per_kind_lines("TEST", result))
    for kind in ANOMALY_KINDS:
        assert result.injected[kind, "clear"] >= 4, table
        assert result.recall("clear", kind) == 1.0, table


def test_precision_is_at_least_nine_in_ten(result: Score) -> None:
    assert result.precision() >= 0.9, "\n".join(per_kind_lines("TEST", result))


def test_a_normal_week_raises_no_alarm(result: Score) -> None:
    assert result.normal_weeks == len(TEST_SEEDS) * 3
    assert result.normal_false_alarms == 0, "\n".join(per_kind_lines("TEST", result))


def test_weeks_are_seeded_and_the_last_one_is_left_normal() -> None:
    first, again = camera_weeks("gate", TEST_SEEDS[0], "test"), camera_weeks("gate", TEST_SEEDS[0], "test")
    assert first == again
    assert camera_weeks("gate", TUNE_SEEDS[0], "tune").slots != first.slots
    assert first.injections
    assert all(
        i.first_slot >= 7 * SLOTS_PER_DAY and i.first_slot + i.slots <= first.normal_from
        for i in first.injections
    )


def test_the_evaluation_flags_what_the_product_would() -> None:
    """The evaluation scores thresholds after the fact; CameraBaseline.judge decides slot by slot. Both
    must flag the same slots, low streaks included."""
    weeks = camera_weeks("gate", TEST_SEEDS[1], "test")
    found = alarms(
        run(weeks, BaselineScorer(CHOSEN)), CHOSEN.threshold, CHOSEN.low_threshold, CHOSEN.low_slots
    )
    flagged = {(index, alarm.measure) for alarm in found for index in range(alarm.first, alarm.last + 1)}
    baseline = CameraBaseline(settings=CHOSEN)
    judged: set[tuple[int, str]] = set()
    for index, slot in enumerate(weeks.slots):
        hour = hour_of_week(slot.start)
        for measure, value in slot.values.items():
            if baseline.days_learned >= 7 and baseline.judge(measure, hour, value).direction is not None:
                judged.add((index, measure))
            baseline.learn(measure, hour, value)
        baseline.note_day(slot.start.date().toordinal())
    assert flagged
    assert judged == flagged


def test_the_table_is_the_same_twice() -> None:
    once = report_lines(TEST_SEEDS[:1], cameras=("gate",))
    assert any("silent_gate" in line for line in once)
    assert report_lines(TEST_SEEDS[:1], cameras=("gate",)) == once
