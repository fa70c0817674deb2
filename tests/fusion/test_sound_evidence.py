"""The default rules against the sound evidence of the YAMNet ensemble: an unknown loud sound is weak
evidence that opens nothing alone, a confident scream still opens distress, a shout alone never does.

Confidences are those the ensemble gives (docs/perception.md, "Sound"): YAMNet's Screaming 0.64-0.83 on
the shared screams, `unknown_loud` at 0.25-0.5.
"""

from __future__ import annotations

import pytest

from tests.fusion.test_engine import DOOR, NIGHT, opened, run, street
from vigil.fusion import load_default_rules
from vigil.fusion.rules import load_rules
from vigil.fusion.simulate import Sound


def test_no_default_rule_reads_an_unknown_loud_sound() -> None:
    rules = load_default_rules()
    read = {term.evidence for rule in rules.rules.values() for term in rule.terms}
    assert "audio.unknown_loud" not in read


@pytest.mark.parametrize("conf", [0.5, 1.0])  # the ensemble's most, and more than it ever gives
@pytest.mark.parametrize("at_night", [False, True])
def test_unknown_loud_sounds_alone_open_nothing_by_day_or_night(conf: float, at_night: bool) -> None:
    bangs = [Sound("unknown_loud", conf, t, t + 1.0) for t in range(5, 55, 2)]  # one every 2 s for 50 s
    if at_night:
        updates = run(street(60, wall_start=NIGHT, sounds=bangs), zones=[DOOR])
    else:
        updates = run(street(60, sounds=bangs))
    assert opened(updates) == []


def test_an_unknown_loud_sound_with_a_shout_is_still_no_distress() -> None:
    sounds = [Sound("shout", 0.9, 10, 11), Sound("unknown_loud", 0.5, 10, 12)]
    assert opened(run(street(30, sounds=sounds))) == []


@pytest.mark.parametrize("conf", [0.64, 0.83])  # YAMNet's range on the shared screams
def test_a_confident_scream_alone_still_opens_distress(conf: float) -> None:
    updates = run(street(30, sounds=[Sound("scream", conf, 25.0, 26.0)]))
    assert [u.rule for u in opened(updates)] == ["distress"]


def test_a_shout_alone_never_opens_distress_however_sure() -> None:
    assert opened(run(street(30, sounds=[Sound("shout", 1.0, 10, 13)]))) == []


def test_a_site_may_use_unknown_loud_sounds_in_its_own_rules() -> None:
    text = """
version: "site.1"
rules:
  bang_at_night:
    label: bang
    severity: low
    window_s: 5
    threshold: 0.5
    terms:
      - {evidence: audio.unknown_loud, weight: 1.0, read: max, min_conf: 0.25}
"""
    rules = load_rules(text)
    bang = [Sound("unknown_loud", 0.5, 10, 11)]
    assert [u.rule for u in opened(run(street(20, sounds=bang), rules=rules))] == ["bang_at_night"]
