"""The rule language: the defaults load, and a broken rule file is refused with its line and column named."""

from __future__ import annotations

import pytest

from vigil.domain import Severity
from vigil.fusion import (
    FusionEngine,
    RuleError,
    ScheduleWindow,
    Selector,
    confidence_of,
    default_rules_text,
    load_default_rules,
    load_rules,
)
from vigil.fusion.simulate import Scene, StreamClock, action, video

MINIMAL = """\
version: "1"
rules:
  violence:
    label: violence
    severity: high
    window_s: 5
    threshold: 0.5
    terms:
      - evidence: action.fight
        weight: 1.0
      - evidence: audio.scream
        weight: 0.3
"""


def refused(text: str) -> RuleError:
    with pytest.raises(RuleError) as caught:
        load_rules(text)
    return caught.value


def test_the_defaults_cover_every_incident_type_the_issue_names() -> None:
    rules = load_default_rules()
    assert set(rules.rules) == {
        "violence", "fall", "intrusion", "loitering", "distress", "glass_break", "gunshot_explosion", "alarm",
        "crowding", "anomaly",
    }  # fmt: skip
    assert rules.version
    assert rules.rules["gunshot_explosion"].severity is Severity.CRITICAL
    for name, rule in rules.rules.items():
        assert rule.close_level <= rule.threshold, name


def test_every_default_threshold_is_explained_by_a_comment() -> None:
    lines = default_rules_text().splitlines()
    for index, line in enumerate(lines):
        if line.strip().startswith("threshold:"):
            before = "\n".join(lines[max(0, index - 6) : index])
            assert "#" in line or "# " in before, f"threshold on line {index + 1} has no comment"


def test_a_minimal_rule_file_loads_with_defaults_filled_in() -> None:
    rules = load_rules(MINIMAL)
    rule = rules.rules["violence"]
    assert [t.evidence for t in rule.terms] == ["action.fight", "audio.scream"]
    assert rule.close_level == 0.25  # half the threshold when not given
    assert rule.terms[0].read.value == "max"


def test_a_wrong_weight_names_its_line_column_and_path() -> None:
    error = refused(MINIMAL.replace("weight: 0.3", "weight: lots"))
    assert error.line == 12
    assert error.column == 17
    assert str(error).startswith(
        "line 12, column 17: rules.violence.terms[1].weight: Input should be a valid number"
    )


def test_a_missing_field_points_at_the_rule_that_lacks_it() -> None:
    error = refused(MINIMAL.replace("    threshold: 0.5\n", ""))
    assert (error.line, error.path) == (4, "rules.violence.threshold")
    assert "Field required" in str(error)


def test_an_unknown_key_points_at_the_key() -> None:
    error = refused(MINIMAL.replace("    window_s: 5\n", "    window_s: 5\n    treshold: 2\n"))
    assert (error.line, error.column) == (7, 5)
    assert "rules.violence.treshold" in str(error)


def test_an_unknown_evidence_label_is_refused_with_the_labels_known() -> None:
    error = refused(MINIMAL.replace("audio.scream", "audio.screem"))
    assert (error.line, error.column) == (11, 19)
    assert "unknown audio label 'screem'" in str(error)
    assert "scream" in str(error)


def test_a_syntax_error_names_its_line() -> None:
    error = refused(MINIMAL.replace("        weight: 0.3\n", "        weight: [0.3\n"))
    assert error.line is not None
    assert error.line >= 12
    assert "YAML syntax" in str(error)


def test_a_duplicate_key_is_refused_not_silently_overwritten() -> None:
    error = refused(MINIMAL + "  violence:\n    label: again\n")
    assert error.line == 13
    assert "duplicate key 'violence' (first on line 3)" in str(error)


def test_unquoted_times_are_refused_with_the_reason() -> None:
    text = MINIMAL + "    schedule:\n      - {start: 22:00, end: '06:00', factor: 2}\n"
    error = refused(text)
    assert error.line == 14
    assert "quoted 'HH:MM'" in str(error)


def test_close_below_above_the_threshold_is_refused_at_close_below() -> None:
    error = refused(MINIMAL.replace("    threshold: 0.5\n", "    threshold: 0.5\n    close_below: 0.8\n"))
    assert (error.line, error.path) == (8, "rules.violence.close_below")


def test_mean_over_sound_is_refused_because_sounds_are_reported_once() -> None:
    error = refused(MINIMAL.replace("        weight: 0.3\n", "        weight: 0.3\n        read: mean\n"))
    assert error.line == 13
    assert "reported once" in str(error)


def test_an_override_of_an_unknown_rule_or_term_names_its_line() -> None:
    error = refused(MINIMAL + "cameras:\n  3:\n    violnce: {threshold: 2}\n")
    assert (error.line, error.path) == (15, "cameras.3.violnce")
    assert "no rule named 'violnce'" in str(error)
    error = refused(MINIMAL + "cameras:\n  3:\n    violence:\n      weights: {audio.shout: 2}\n")
    assert (error.line, error.path) == (16, "cameras.3.violence.weights.audio.shout")


def test_several_problems_are_all_kept_first_line_first() -> None:
    error = refused(MINIMAL.replace("weight: 0.3", "weight: x").replace("window_s: 5", "window_s: -1"))
    assert [p[0] for p in error.problems] == [6, 12]
    assert "(and 1 more)" in str(error)


def test_a_broken_file_leaves_the_running_rules_in_place() -> None:
    """The API's pattern: load first, replace only on success."""
    engine = FusionEngine(load_rules(MINIMAL))
    with pytest.raises(RuleError):
        engine.replace_rules(load_rules(MINIMAL.replace("weight: 1.0", "weight: heavy")))
    clock = StreamClock()
    stream = video(clock, 0, 3, lambda t: Scene(actions=(action("fight", 0.9, t, (1, 2), 0.5),)))
    updates = [u for o in stream for u in engine.feed(o)]
    assert [u.rule for u in updates][:1] == ["violence"]


def test_selectors_round_trip_and_coco_names_take_underscores() -> None:
    assert str(Selector.parse("object.count.person")) == "object.count.person"
    assert Selector.parse("object.traffic_light").label == "traffic light"
    with pytest.raises(ValueError, match=r"FAMILY\.LABEL"):
        Selector.parse("smell.smoke")


def test_confidence_is_half_at_the_threshold_and_rises_without_reaching_one() -> None:
    assert confidence_of(0.0, 0.5) == 0.0
    assert confidence_of(0.5, 0.5) == pytest.approx(0.5)
    assert confidence_of(1.0, 0.5) == pytest.approx(0.75)
    assert confidence_of(0.25, 0.5) < 0.5 < confidence_of(0.6, 0.5) < confidence_of(5.0, 0.5) < 1.0


def test_a_night_range_belongs_to_the_day_it_starts_on() -> None:
    friday_night = ScheduleWindow(start="22:00", end="06:00", factor=2, days=("fri",))
    friday, saturday = 4, 5
    assert friday_night.matches(23 * 60, friday)
    assert friday_night.matches(2 * 60, saturday)  # Saturday 02:00 is still Friday night
    assert not friday_night.matches(2 * 60, friday)  # Friday 02:00 is Thursday night
    assert not friday_night.matches(12 * 60, saturday)
    office = ScheduleWindow(start="09:00", end="17:30", factor=0)
    assert office.matches(17 * 60 + 29, 0)
    assert not office.matches(17 * 60 + 30, 0)
