"""`make eval-audio`'s corpus, conditions and scoring, and that the harness gives the same table twice.

The full evaluation is not run here (it takes tens of minutes); the determinism test runs the real members
on three shared recordings in the street bed, twice.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.media import shared_media_dir
from tests.perception.test_faces_emotion import model_file
from vigil.domain import SoundEvent
from vigil.fusion.rules import load_default_rules
from vigil.training import audio_eval
from vigil.training.audio_data import EVALUATION_PACKAGES, DataError, active_rms, label_for, rms
from vigil.training.audio_eval import (
    Recording,
    Setup,
    WindowHeard,
    YamnetScores,
    alarming_labels,
    choose_thresholds,
    score,
)
from vigil.training.audio_eval_corpus import (
    EVAL_MANIFEST_PATH,
    EVENT_LABELS,
    SPLITS,
    TUNE_PACKAGES,
    EvalFile,
    place,
    read_eval_manifest,
    shared_media_sounds,
)

SR = 16_000


def test_the_corpus_is_split_by_package_and_leaves_the_shared_media_packages_out() -> None:
    files = read_eval_manifest()
    groups: dict[str, set[str]] = {"tune": set(), "test": set()}
    for entry in files:
        groups[entry.split].add(entry.package_name)
        assert entry.package_name not in EVALUATION_PACKAGES
        assert len(entry.sha256) == 64
        assert "==" in entry.package
        assert entry.licence
    assert not groups["tune"] & groups["test"], "a package in both groups"
    test_labels = {e.label for e in files if e.split == "test"}
    for label in ("scream", "gunshot", "explosion", "glass_break", "dog_bark", "speech"):
        assert label in test_labels, f"no {label} in the test packages"
    assert {"siren", "alarm"} & test_labels
    assert any(e.label == "everyday:crowd_cheering" for e in files if e.split == "test")


def test_the_tune_group_holds_real_screams_and_barks_and_leaves_unclear_sounds_out() -> None:
    """Scratch's library: recorded screams and dogs are events of the tune group; a baby's cry is left out
    (crying is not a label of this corpus), and so are bleeps, other animals and percussion."""
    [scratch] = [p for p in TUNE_PACKAGES if p.name == "scratch"]
    sounds = "usr/share/scratch/Media/Sounds/"
    assert label_for(scratch, sounds + "Human/Scream-female.wav") == "scream"
    assert label_for(scratch, sounds + "Human/Scream-male2.mp3") == "scream"
    assert label_for(scratch, sounds + "Animal/Dog1.wav") == "dog_bark"
    assert label_for(scratch, sounds + "Human/PartyNoise.wav") == "everyday:crowd_cheering"
    assert label_for(scratch, sounds + "Effects/MotorcyclePassing.wav") == "everyday:traffic_horns"
    assert label_for(scratch, sounds + "Music Loops/Techno.mp3") == "everyday:music"
    assert "crying" not in EVENT_LABELS
    for unclear in ("Human/BabyCry.mp3", "Electronic/Screech.wav", "Animal/WolfHowl.wav",
                    "Percussion/CymbalCrash.wav", "Human/Footsteps-1.wav"):  # fmt: skip
        assert label_for(scratch, sounds + unclear) is None, unclear
    listed = [e for e in read_eval_manifest() if e.package_name == "scratch"]
    assert {e.split for e in listed} == {"tune"}
    assert {e.label for e in listed} >= {"scream", "dog_bark"}
    assert all(e.licence == "CC-BY-SA-3.0" and e.path.startswith(sounds) for e in listed)


def test_a_file_listed_under_the_other_group_than_its_package_is_refused(tmp_path: Path) -> None:
    text = EVAL_MANIFEST_PATH.read_text()
    package = next(name for name, split in SPLITS.items() if split == "test")
    first = next(line for line in text.splitlines() if f"package: {package}==" in line)
    moved = tmp_path / "manifest.yaml"
    moved.write_text(text.replace(first, first.replace("split: test", "split: tune")))
    with pytest.raises(DataError, match="split 'tune'"):
        read_eval_manifest(moved)


def test_a_placed_sound_is_seeded_and_stands_at_its_drawn_level_over_the_bed() -> None:
    t = np.arange(SR) / SR
    tone = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    first, again = place(tone, "street", 13, "abc"), place(tone, "street", 13, "abc")
    assert np.array_equal(first.samples, again.samples)
    assert first.condition == again.condition
    assert not np.array_equal(first.samples, place(tone, "street", 13, "abd").samples)
    assert (first.start_s, first.end_s) == (3.0, 4.0)
    assert len(first.samples) == 6 * SR  # 3 s lead, the sound, 2 s tail; the codec keeps the length
    sound = first.samples[int(3.2 * SR) : int(3.8 * SR)]
    bed = first.samples[int(0.5 * SR) : int(2.5 * SR)]
    over_db = 20 * np.log10(active_rms(sound) / rms(bed))
    assert 3.0 <= over_db <= 25.0, first.condition  # drawn 5-20 dB, less what the microphone takes
    indoor = place(tone, "indoor", 13, "abc")
    assert indoor.condition.startswith("indoor")
    assert len(indoor.samples) > len(first.samples)


def test_alarming_labels_are_those_a_default_rule_opens_an_incident_on_alone() -> None:
    alarming = alarming_labels(load_default_rules())
    assert {"scream", "crying", "glass_break", "gunshot", "explosion", "siren", "alarm"} <= alarming
    # weak or combined evidence only (shout, fight), or no rule at all
    assert not alarming & {"speech", "shout", "fight", "music", "dog_bark", "unknown_loud"}


def _entry(label: str, name: str = "x.ogg", split: str = "test") -> EvalFile:
    return EvalFile("pkg==1", name, "MIT", label, split, "0" * 64, 1.0)  # type: ignore[arg-type]


def _recording(label: str, events: list[SoundEvent], scores: YamnetScores | None = None) -> Recording:
    window = WindowHeard(3.0, {"acoustic.siren": tuple(events)}, scores)
    return Recording(_entry(label), "street", "street", 3.0, 4.0, 3600.0, (window,))


def _event(label: str, t_s: float) -> SoundEvent:
    return SoundEvent(label, 0.9, t_s, t_s + 0.5, "acoustic.siren")


def test_a_recording_is_found_when_its_label_is_heard_within_its_span_and_false_elsewhere() -> None:
    setup = Setup("siren", ("acoustic.siren",))
    recordings = [
        _recording("siren", [_event("siren", 3.5)]),  # found
        _recording("siren", [_event("siren", 6.0)]),  # 2 s after the end: too late
        _recording("everyday:crowd_cheering", [_event("siren", 3.2), _event("siren", 5.0)]),
        _recording("speech", [_event("siren", 3.0)]),
    ]
    result = score(recordings, setup, {}, frozenset({"siren"}))
    siren = result.classes["siren"]
    assert (siren.found, siren.total, siren.false) == (1, 2, 2)
    assert result.classes["siren/alarm"].found == 1
    assert len(result.false_alarms) == 2
    assert result.distractor_s == 3600.0
    assert result.false_per_hour == 2.0


def test_the_chosen_threshold_is_the_lowest_keeping_precision_and_no_false_alarm_on_tune() -> None:
    def scores(value: float) -> YamnetScores:
        return YamnetScores(np.array([3.0]), np.array([3.96]), np.array([[value]], np.float32), ("scream",))

    tune = [_recording("scream", [], scores(0.62)) for _ in range(3)]
    tune.append(_recording("everyday:crowd_cheering", [], scores(0.41)))
    [choice] = choose_thresholds(tune, ["scream"], frozenset({"scream"}))
    assert (choice.threshold, choice.found, choice.total, choice.false_alarms, choice.met) == (
        0.45,
        3,
        3,
        0,
        True,
    )
    # a label the tune packages have no recording of gains no recall from a low threshold
    [unheard] = choose_thresholds(tune[3:], ["scream"], frozenset({"scream"}))
    assert unheard.threshold == audio_eval.NO_EVIDENCE_FLOOR
    tune.append(_recording("everyday:music", [], scores(0.99)))
    [never] = choose_thresholds(tune, ["scream"], frozenset({"scream"}))
    assert never.threshold == audio_eval.THRESHOLD_GRID[-1]
    assert not never.met


def test_the_harness_gives_the_same_table_twice() -> None:
    model_file("silero-vad")
    model_file("yamnet-onnx")
    folder = shared_media_dir() / "audio"
    wanted = {"scream1.wav", "shotgun.wav", "doors_door_close.ogg"}
    files = [f for f in shared_media_sounds(folder) if f.path in wanted]
    jobs = [job for job in audio_eval.jobs_for(files, 13, Path("unused"), folder) if job.bed == "street"]
    members = audio_eval.build_members()
    thresholds = audio_eval.current_thresholds()

    def table() -> list[str]:
        recordings = [audio_eval.run_job(members, job) for job in jobs]
        return audio_eval.evaluate(
            recordings, members.windows, members.labels, [], choose=False, fixed=thresholds
        ).tables

    first, second = table(), table()
    assert first == second
    assert "| ensemble (deployed votes) |" in first[0]
    assert "| YAMNet alone |" in first[0]
    assert "Shared media" in first[0]


def test_scoring_from_kept_answers_gives_what_the_ensemble_reports() -> None:
    """The table is computed from each member's kept answers and YAMNet's kept scores; on real windows
    it must equal SoundEnsemble.classify (less its unknown-loud event, which no rule alarms on)."""
    from vigil.domain import AUDIO_SAMPLE_RATE, AudioChunk
    from vigil.perception.sound.ensemble import UNKNOWN_LOUD, SoundEnsemble
    from vigil.perception.sound.gate import LoudnessGate
    from vigil.pipeline.audio import AudioWindower

    model_file("silero-vad")
    model_file("yamnet-onnx")
    members = audio_eval.build_members()
    assert members.yamnet is not None
    ensemble = SoundEnsemble([*members.classifiers, members.yamnet])
    thresholds = dict(members.yamnet.thresholds.by_label)
    [deployed] = [s for s in audio_eval.default_setups(members.windows) if s.name.startswith("ensemble (")]
    folder = shared_media_dir() / "audio"
    compared = 0
    for name in (
        "shotgun.wav",
        "exp.wav",
        "default_break_glass.1.ogg",
        "dog3.wav",
        "scream1.wav",
        "policecar.wav",
    ):
        sound = audio_eval.load_shared(next(f for f in shared_media_sounds(folder) if f.path == name), folder)
        samples = place(sound, "street", 13, name).samples
        windower, gate = AudioWindower(), LoudnessGate()
        for start in range(0, len(samples), SR // 2):
            t_s = start / AUDIO_SAMPLE_RATE
            window = windower.push(AudioChunk(0, t_s, t_s, samples[start : start + SR // 2]))
            if window is None or not gate.passes(windower.newest(window)):
                continue
            kept = audio_eval.window_events(members.hear(window.samples, window.t_s), deployed, thresholds)
            live = [e for e in ensemble.classify(window.samples, window.t_s) if e.label != UNKNOWN_LOUD]

            def key(events: list[SoundEvent]) -> list[tuple[str, float, float, float]]:
                return sorted((e.label, round(e.t_s, 3), round(e.end_s, 3), round(e.conf, 4)) for e in events)

            assert key(kept) == key(live), (name, window.t_s)
            compared += bool(live)
    assert compared >= 5  # windows where the ensemble reported something
