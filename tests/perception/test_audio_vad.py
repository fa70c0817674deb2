"""Speech from silero-vad (onnxruntime, no torch) on the shared recordings and the plaza scenario.

The model file ships in the PyPI wheel `silero-vad==6.2.3` and comes through the model manifest, as
`make models` fetches it, into the git-ignored `models/cache/`. The two speech recordings must be heard as
speech over most of their length, alone and under the scenario's street bed; no other sound (a dog, a
scream, a siren, rain, the street...) may become speech.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.media import plaza, shared_media_dir
from vigil.perception.manifest import FetchError, fetch, load_manifest
from vigil.perception.onnx_runtime import ModelLoadError
from vigil.perception.sound.base import SAMPLE_RATE, SoundClassifier, load_audio, scan
from vigil.perception.sound.vad import WINDOW, SileroVad, speech_segments

SR = SAMPLE_RATE
SPEECH = ("arctic_a0007.wav", "Front_Center.wav")
NOT_SPEECH = (
    "dog3.wav", "scream1.wav", "policecar.wav", "alarm-clock-elapsed.oga", "shotgun.wav", "exp.wav",
    "default_break_glass.1.ogg", "default_break_glass.2.ogg", "rain.wav", "citysounds.wav",
    "default_hard_footstep.1.ogg", "default_hard_footstep.2.ogg", "doors_door_close.ogg",
)  # fmt: skip
# measured: the voiced part of arctic_a0007 is 0.4-3.6 s of 4.0 s, Front_Center 0.1-1.4 s of 1.43 s
MIN_SPEECH_COVERED = 0.6


@pytest.fixture(scope="session")
def vad_model() -> Path:
    try:
        return fetch(load_manifest().entry("silero-vad"), report=lambda _line: None)
    except FetchError as error:
        pytest.fail(f"{error}. These tests need PyPI, or run `make models` where it is reachable.")


@pytest.fixture(scope="module")
def vad(vad_model: Path) -> SileroVad:
    return SileroVad(vad_model)


@functools.cache
def sound(name: str) -> NDArray[np.float32]:
    return load_audio(shared_media_dir() / "audio" / name)


def in_street(samples: NDArray[np.float32]) -> NDArray[np.float32]:
    bed = sound("citysounds.wav") * 0.35  # the scenario's street bed
    mix = np.tile(bed, (len(samples) + 2 * SR) // len(bed) + 1)[: len(samples) + 2 * SR].copy()
    mix[SR : SR + len(samples)] += samples
    return np.clip(mix, -1, 1).astype(np.float32)


def covered_s(samples: NDArray[np.float32], vad: SileroVad) -> float:
    events = scan(vad, samples, hop_s=1.0)
    assert {e.label for e in events} <= {"speech"}
    return sum(e.end_s - e.t_s for e in events)


@pytest.mark.parametrize("name", SPEECH)
def test_speech_is_heard_alone_and_in_the_street(name: str, vad: SileroVad) -> None:
    samples = sound(name)
    seconds = len(samples) / SR
    assert covered_s(samples, vad) >= MIN_SPEECH_COVERED * seconds
    street = in_street(samples)
    events = scan(vad, street, hop_s=1.0)
    assert sum(e.end_s - e.t_s for e in events) >= MIN_SPEECH_COVERED * seconds
    assert all(e.t_s >= 1.0 - 0.1 and e.end_s <= 1.0 + seconds + 0.1 for e in events), events
    assert all(e.source == "silero-vad" and e.conf >= 0.5 and "voice probability" in e.detail for e in events)


@pytest.mark.parametrize("name", NOT_SPEECH)
def test_other_sounds_are_not_speech(name: str, vad: SileroVad) -> None:
    assert scan(vad, sound(name), hop_s=1.0) == []
    assert scan(vad, in_street(sound(name)), hop_s=1.0) == []


@pytest.mark.slow
def test_nobody_speaks_in_the_plaza_scenario(vad: SileroVad) -> None:
    assert scan(vad, load_audio(plaza()), hop_s=3.0) == []


def test_probabilities_per_512_samples_and_silence(vad: SileroVad) -> None:
    assert isinstance(vad, SoundClassifier)
    assert vad.name == "silero-vad"
    probs = vad.speech_probabilities(np.zeros(SR, dtype=np.float32))
    assert probs.shape == (-(-SR // WINDOW),)
    assert float(probs.max()) < 0.1
    assert vad.classify(np.zeros(0, dtype=np.float32), 0.0) == []
    speech = vad.speech_probabilities(sound("arctic_a0007.wav"))
    assert float(np.mean(speech >= 0.5)) > 0.5


def test_each_call_starts_from_a_fresh_state(vad: SileroVad) -> None:
    samples = sound("Front_Center.wav")
    first = vad.speech_probabilities(samples)
    vad.speech_probabilities(sound("arctic_a0007.wav"))
    np.testing.assert_array_equal(vad.speech_probabilities(samples), first)


def test_times_are_on_the_camera_clock(vad: SileroVad) -> None:
    samples = sound("Front_Center.wav")
    at_zero = vad.classify(samples, 0.0)
    later = vad.classify(samples, 100.0)
    assert [(round(e.t_s + 100.0, 3), round(e.end_s + 100.0, 3)) for e in at_zero] == [
        (e.t_s, e.end_s) for e in later
    ]


def test_segments_follow_the_package_rules() -> None:
    w = WINDOW
    probs = np.array([0.1] * 5 + [0.9] * 20 + [0.4] * 2 + [0.9] * 5 + [0.1] * 10 + [0.9] * 3 + [0.1] * 10)
    segments = speech_segments(probs.astype(np.float32), len(probs) * w)
    # 0.4 is above the end threshold (0.35): the first run goes on; 3 windows (96 ms) are under 250 ms
    assert len(segments) == 1
    pad = int(0.03 * SR)
    assert segments[0].start == 5 * w - pad
    assert segments[0].end == 32 * w + pad
    # a pause shorter than min_silence (100 ms = 3.1 windows) does not split
    probs = np.array([0.9] * 20 + [0.1] * 3 + [0.9] * 20 + [0.1] * 10, dtype=np.float32)
    assert len(speech_segments(probs, len(probs) * w)) == 1
    probs = np.array([0.9] * 20 + [0.1] * 8 + [0.9] * 20 + [0.1] * 10, dtype=np.float32)
    assert len(speech_segments(probs, len(probs) * w)) == 2
    # speech to the end of the window ends there
    probs = np.array([0.1] * 5 + [0.9] * 20, dtype=np.float32)
    assert speech_segments(probs, len(probs) * w)[0].end == len(probs) * w


def test_a_missing_model_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="does not exist"):
        SileroVad(tmp_path / "silero_vad.onnx")
