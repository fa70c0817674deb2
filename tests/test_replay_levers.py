"""The plaza replay with the speed levers on (docs/performance.md) finds the same incidents as without."""

from __future__ import annotations

import dataclasses
import json

import pytest

from tests.media import plaza, shared_media_dir
from tests.test_detect import config  # noqa: F401 (the fixture: every default model)
from tests.test_replay import AFTERNOON, RULE_OF
from vigil.camera.offline import replay
from vigil.fusion import load_default_rules
from vigil.perception.pose_schedule import PoseSchedule
from vigil.perception.worker import PerceptionConfig


@pytest.mark.slow
def test_the_plaza_gives_its_incidents_with_every_lever_on(
    config: PerceptionConfig,  # noqa: F811
) -> None:
    levers = dataclasses.replace(config, pose_schedule=PoseSchedule(), motion_regions=True)
    truth = json.loads((shared_media_dir() / "scenarios" / "plaza_incident.json").read_text())
    incidents = replay(plaza(), levers, load_default_rules(), fps=2.0, start=AFTERNOON)
    expected = sorted(
        (e["t_start"], RULE_OF[e["label"]]) for e in truth["audio_events"] if e["label"] in RULE_OF
    )
    opened = sorted((i.start_s, i.rule) for i in incidents)
    assert [rule for _t, rule in opened] == [rule for _t, rule in expected], opened  # nobody falls or fights
    for (start, _rule), (truth_start, _same) in zip(opened, expected, strict=True):
        assert abs(start - truth_start) <= 1.0
