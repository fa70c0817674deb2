"""`vigil replay`: the plaza scenario through every model, tracking, the sound ensemble and fusion."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from tests.distractors import DISTRACTORS, distractor_sound
from tests.media import plaza, scream_clip, shared_media_dir
from tests.test_detect import config  # noqa: F401 (the fixture: every default model)
from vigil.camera.offline import replay
from vigil.domain import AUDIO_SAMPLE_RATE
from vigil.fusion import default_rules_text, load_default_rules
from vigil.perception.sound.base import load_audio
from vigil.perception.worker import PerceptionConfig
from vigil.tracking.zones import ClosedHours, Zone

AFTERNOON = datetime.fromisoformat("2026-11-24T14:00:00+00:00")
# the rule each ground-truth sound of the scenario should raise; the dog bark alone raises nothing
RULE_OF = {"scream": "distress", "glass_break": "glass_break", "siren": "alarm"}


@pytest.mark.slow
def test_the_plaza_scenario_gives_its_incidents_and_no_false_one(config: PerceptionConfig) -> None:  # noqa: F811
    truth = json.loads((shared_media_dir() / "scenarios" / "plaza_incident.json").read_text())
    incidents = replay(plaza(), config, load_default_rules(), fps=2.0, start=AFTERNOON)
    for event in truth["audio_events"]:
        rule = RULE_OF.get(event["label"])
        near = [i for i in incidents if abs(i.start_s - event["t_start"]) <= 1.0]
        if rule is None:
            assert not near, f"{event['label']} alone raised {near}"
            continue
        assert [i.rule for i in near] == [rule], (event, incidents)
        incident = near[0]
        assert 0.5 <= incident.confidence < 1.0
        assert incident.end_s >= incident.start_s
        terms = incident.explanation["terms"]
        assert any(t["modality"] == "audio" and t["contribution"] > 0 for t in terms)
        assert incident.explanation["rule_version"]
    # people walk and wait; nobody falls or fights; no zones are drawn, so nobody loiters
    assert len(incidents) == 3, [(i.rule, i.start_s) for i in incidents]


# quiet stretches of the plaza (no event within 3 s) where each everyday sound is mixed in
DISTRACTOR_AT_S = {"car horn": 31.0, "cheering crowd": 36.0, "helicopter": 55.0}


def write_wav(path: Path, samples: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(AUDIO_SAMPLE_RATE)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


@pytest.mark.slow
def test_a_car_horn_cheering_and_a_helicopter_in_the_plaza_open_nothing(
    config: PerceptionConfig,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The plaza's sound with three everyday recordings mixed into its street bed, each as loud as the
    plaza's scream: the four events still give their three incidents, and the everyday sounds none."""
    mix = load_audio(plaza())
    scream = mix[25 * AUDIO_SAMPLE_RATE : 27 * AUDIO_SAMPLE_RATE]
    peak = float(np.abs(scream).max())
    for distractor in DISTRACTORS:
        sound = distractor_sound(distractor)
        if len(sound) < 4 * AUDIO_SAMPLE_RATE:  # the helicopter is a 1.6 s loop in its game
            sound = np.tile(sound, 3)
        start = round(DISTRACTOR_AT_S[distractor.name] * AUDIO_SAMPLE_RATE)
        mix[start : start + len(sound)] += sound * (peak / float(np.abs(sound).max()))
    recording = write_wav(tmp_path / "plaza-with-everyday-sounds.wav", mix)
    incidents = replay(recording, config, load_default_rules(), start=AFTERNOON)
    opened = sorted((round(i.start_s), i.rule) for i in incidents)
    assert [rule for _start, rule in opened] == ["distress", "glass_break", "alarm"], opened
    truth = json.loads((shared_media_dir() / "scenarios" / "plaza_incident.json").read_text())
    starts = {e["label"]: e["t_start"] for e in truth["audio_events"]}
    for incident in incidents:
        label = {v: k for k, v in RULE_OF.items()}[incident.rule]
        assert abs(incident.start_s - starts[label]) <= 1.0, (incident.rule, incident.start_s)


def test_a_rule_file_with_an_error_is_refused_with_its_line(tmp_path: Path) -> None:
    lines = default_rules_text().splitlines()
    broken = next(i for i, line in enumerate(lines) if line.strip().startswith("threshold:"))
    lines[broken] = lines[broken].split("threshold:")[0] + "threshold: high"
    rules = tmp_path / "rules.yaml"
    rules.write_text("\n".join(lines) + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "replay", str(plaza()), "--rules", str(rules)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert f"vigil replay: line {broken + 1}, column" in result.stderr, result.stderr
    assert "threshold" in result.stderr


@pytest.mark.slow
def test_people_at_night_are_intruders_only_in_a_zone_closed_then_in_the_cameras_time_zone(
    config: PerceptionConfig,  # noqa: F811
    tmp_path: Path,
) -> None:
    """14:00 UTC is the afternoon in UTC and 23:00 in Tokyo. The plaza at night with no zones (the demo
    camera) raises no intrusion; with the whole view marked closed 22:00-06:00 it does, in Tokyo only."""
    clip = scream_clip(tmp_path)
    yard = Zone(
        "plaza",
        ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)),
        closed_hours=(ClosedHours("22:00", "06:00"),),
    )
    tokyo = ZoneInfo("Asia/Tokyo")
    unmarked = replay(clip, config, load_default_rules(), fps=2.0, start=AFTERNOON, tz=tokyo)
    assert "intrusion" not in [i.rule for i in unmarked]
    in_utc = replay(clip, config, load_default_rules(), fps=2.0, start=AFTERNOON, tz=UTC, zones=[yard])
    in_tokyo = replay(clip, config, load_default_rules(), fps=2.0, start=AFTERNOON, tz=tokyo, zones=[yard])
    assert "intrusion" not in [i.rule for i in in_utc]
    night = [i for i in in_tokyo if i.rule == "intrusion"]
    assert night, [(i.rule, i.start_s) for i in in_tokyo]
    zones = {item["zone"] for term in night[0].explanation["terms"] for item in term["evidence_items"]}
    assert zones == {"plaza (closed 22:00–06:00)"}
