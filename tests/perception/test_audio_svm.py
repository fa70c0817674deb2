"""pyAudioAnalysis's movie8class SVM, converted: same features, same probabilities, and what it hears.

The reference is pyAudioAnalysis 0.3.14 itself (in the `dev` extra; its sdist declares no dependencies, so
that installs nothing else). Its feature modules import scipy and tqdm (there with scikit-learn and
ai-edge-litert) and matplotlib, eyed3, pydub and aifc only to plot and to decode files; none of that runs
here, so empty stand-ins replace those when they are not installed.
The original SVC is unpickled here, in the test, to compare; Vigil never unpickles it.
"""

from __future__ import annotations

import importlib
import pickle
import sys
import types
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.media import plaza, shared_media_dir
from vigil.domain import SOUND_LABELS
from vigil.perception.onnx_runtime import ModelLoadError
from vigil.perception.sound.base import SoundClassifier, load_audio
from vigil.perception.sound.features import MID_FEATURE_NAMES, mid_term_features
from vigil.perception.sound.svm import (
    DEFAULT_MODEL,
    LABELS,
    SOURCE,
    MovieSvmClassifier,
)

# Our features and pyAudioAnalysis's differ only by floating-point summation order (numpy's rfft and
# vectorised sums against scipy.fftpack and per-frame loops): measured at most 2e-14 absolute, 4e-11
# relative on features that range from 1e-6 to 1e2. These bounds leave room for other BLAS/FFT builds
# and still catch any real difference (a wrong constant or frame changes features by 1e-3 or more).
FEATURE_RTOL, FEATURE_ATOL = 1e-9, 1e-12
# The support vectors are stored as float32 (halves the file); measured effect on probabilities: 2e-7.
PROBABILITY_ATOL = 1e-5
FEATURE_SOUNDS = (
    "scream1.wav", "arctic_a0007.wav", "policecar.wav", "dog3.wav", "rain.wav", "shotgun.wav",
    "doors_door_close.ogg",
)  # fmt: skip
SCENARIO_SCREAM_S = 25.0  # plaza_incident.json: scream1.wav from 25.0 to 27.0 s


@pytest.fixture(scope="module")
def pyaudioanalysis() -> Iterator[types.ModuleType]:
    """pyAudioAnalysis's `MidTermFeatures`, with stand-ins for the plotting and decoding libraries."""
    patch = pytest.MonkeyPatch()
    for name in ("matplotlib", "matplotlib.pyplot", "eyed3", "pydub", "aifc"):  # aifc: gone in Python 3.13
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                importlib.import_module(name)
        except ImportError:
            stub = types.ModuleType(name)
            stub.__dict__["AudioSegment"] = None
            patch.setitem(sys.modules, name, stub)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # aifc, scipy.fftpack.realtransforms
            module = importlib.import_module("pyAudioAnalysis.MidTermFeatures")
        yield module
    except ImportError as error:
        pytest.fail(
            f"pyAudioAnalysis is not importable ({error}): install the dev extra (pip install -e .[dev])"
        )
    finally:
        patch.undo()


@pytest.fixture(scope="module")
def classifier() -> MovieSvmClassifier:
    return MovieSvmClassifier()


def audio(name: str) -> NDArray[np.float32]:
    return load_audio(shared_media_dir() / "audio" / name)


def events_of(classifier: MovieSvmClassifier, samples: NDArray[np.float32], t0: float = 0.0) -> list[Any]:
    """As the pipeline runs a member: consecutive calls of `window_s` seconds of audio."""
    step = round(classifier.window_s * 16_000)
    events = []
    for start in range(0, len(samples), step):
        events += classifier.classify(samples[start : start + step], t0 + start / 16_000)
    return events


@pytest.mark.parametrize("name", FEATURE_SOUNDS)
def test_features_equal_pyaudioanalysis(pyaudioanalysis: types.ModuleType, name: str) -> None:
    samples = audio(name)
    # what pyAudioAnalysis's readers hand it for a 16-bit file: int16 numbers, which it divides by 2**15
    pcm = np.clip(np.round(samples * 32767.0), -32768, 32767).astype(np.int16)
    reference, short_reference, names = pyaudioanalysis.mid_feature_extraction(
        pcm, 16_000, 1.0 * 16_000, 1.0 * 16_000, round(16_000 * 0.05), round(16_000 * 0.05)
    )
    ours = mid_term_features((pcm / 32768.0).astype(np.float32), 16_000)
    assert tuple(names) == MID_FEATURE_NAMES
    assert ours.shape == reference.T.shape
    np.testing.assert_allclose(ours, reference.T, rtol=FEATURE_RTOL, atol=FEATURE_ATOL)
    assert short_reference.shape[0] == 68


def test_features_do_not_depend_on_the_input_scale() -> None:
    samples = audio("scream1.wav")
    np.testing.assert_allclose(
        mid_term_features(samples * 0.1, 16_000), mid_term_features(samples, 16_000), rtol=1e-6, atol=1e-9
    )


def original_svc(
    pyaudioanalysis: types.ModuleType,
) -> tuple[Any, NDArray[np.float64], NDArray[np.float64], list[str]]:
    """The pickled SVC and its MEANS file (means, stds, class names, ...) as pyAudioAnalysis loads them."""
    model = Path(str(pyaudioanalysis.__file__)).parent / "data" / "models" / "svm_rbf_movie8class"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pickled by scikit-learn 0.24.2
        with model.open("rb") as handle:
            svc = pickle.load(handle)  # noqa: S301 (the reference, in a test only)
        with Path(f"{model}MEANS").open("rb") as handle:
            mean, std, classes = (pickle.load(handle) for _ in range(3))  # noqa: S301
    return svc, np.asarray(mean), np.asarray(std), list(classes)


def test_probabilities_equal_scikit_learn(
    pyaudioanalysis: types.ModuleType, classifier: MovieSvmClassifier
) -> None:
    svc, mean, std, classes = original_svc(pyaudioanalysis)
    assert list(classifier.class_names) == classes
    features = np.concatenate([mid_term_features(audio(name), 16_000) for name in FEATURE_SOUNDS])
    standardised = (features - mean) / std
    assert len(standardised) >= 30
    svc.decision_function_shape = "ovo"  # libsvm's raw one-vs-one values
    expected_values = svc.decision_function(standardised)
    np.testing.assert_allclose(classifier.decision_values(standardised), expected_values, rtol=0, atol=1e-5)
    ours = classifier.probabilities_of_standardised(standardised)
    np.testing.assert_allclose(ours, svc.predict_proba(standardised), rtol=0, atol=PROBABILITY_ATOL)
    np.testing.assert_allclose(ours.sum(axis=1), 1.0, atol=1e-9)
    speech = audio("arctic_a0007.wav")  # the classifier's own path: samples → windows → probabilities
    expected = svc.predict_proba((mid_term_features(speech, 16_000) - mean) / std)
    np.testing.assert_allclose(classifier.window_probabilities(speech).probs, expected, atol=PROBABILITY_ATOL)


def test_is_an_ensemble_member(classifier: MovieSvmClassifier) -> None:
    assert isinstance(classifier, SoundClassifier)
    assert classifier.name == SOURCE == "svm-movie8class"
    assert classifier.window_s >= 1.0
    assert set(LABELS.values()) <= set(SOUND_LABELS)
    assert classifier.classify(np.zeros(0, dtype=np.float32), 3.0) == []
    assert classifier.classify(np.zeros(400, dtype=np.float32), 3.0) == []  # shorter than a frame
    assert classifier.classify(np.zeros(32_000, dtype=np.float32), 3.0) == []  # digital silence


def test_hears_the_scream(classifier: MovieSvmClassifier) -> None:
    events = events_of(classifier, audio("scream1.wav"), t0=10.0)
    assert events, "scream1.wav: nothing heard"
    assert {e.label for e in events} == {"scream"}
    assert max(e.conf for e in events) >= 0.9
    first = events[0]
    assert first.source == SOURCE
    assert first.t_s == pytest.approx(10.0)
    assert first.end_s > first.t_s
    assert "Screams p=" in first.detail


def test_hears_english_speech(classifier: MovieSvmClassifier) -> None:
    labels = [e.label for e in events_of(classifier, audio("arctic_a0007.wav"))]
    assert labels.count("speech") >= 2, labels


@pytest.mark.parametrize(
    "name",
    ["rain.wav", "citysounds.wav", "default_hard_footstep.1.ogg", "default_hard_footstep.2.ogg",
     "doors_door_close.ogg"],
)  # fmt: skip
def test_background_sounds_are_not_screams_or_shots(classifier: MovieSvmClassifier, name: str) -> None:
    samples = audio(name)
    windows = classifier.window_probabilities(samples)
    assert len(windows.probs) >= 1, f"{name}: too short to be classified at all"
    labels = {e.label for e in events_of(classifier, samples)}
    assert not labels & {"scream", "gunshot"}, f"{name}: {labels}"


def test_threshold_filters_events(classifier: MovieSvmClassifier) -> None:
    samples = audio("scream1.wav")
    strict = MovieSvmClassifier(threshold=0.999)
    assert strict.classify(samples, 0.0) == []
    everything = MovieSvmClassifier(threshold=0.0).classify(audio("shotgun.wav"), 0.0)
    assert [e.label for e in everything] == ["gunshot"]  # Shots is the top class, at about 0.54
    with pytest.raises(ValueError, match="threshold"):
        MovieSvmClassifier(threshold=1.5)
    assert classifier.classify(samples, 0.0)


@pytest.mark.slow
def test_plaza_scenario_has_the_scream_at_25_s(classifier: MovieSvmClassifier) -> None:
    events = events_of(classifier, load_audio(plaza()))
    screams = [e for e in events if e.label == "scream"]
    assert any(abs(e.t_s - SCENARIO_SCREAM_S) <= 1.0 for e in screams), events
    # the siren (65-70.5 s) and the glass (50 s) are not screams or shots at the default threshold
    assert all(SCENARIO_SCREAM_S - 1.0 <= e.t_s <= 27.0 for e in screams), events
    assert not [e for e in events if e.label == "gunshot"], events


def test_missing_or_broken_model_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="does not exist"):
        MovieSvmClassifier(tmp_path / "nothing.npz")
    broken = tmp_path / "broken.npz"
    broken.write_bytes(DEFAULT_MODEL.read_bytes()[:5000])
    with pytest.raises(ModelLoadError, match=r"broken\.npz.*convert_pyaudioanalysis_svm\.py"):
        MovieSvmClassifier(broken)
    other = tmp_path / "other.npz"
    np.savez(other, weights=np.zeros(3))
    with pytest.raises(ModelLoadError, match="lacks"):
        MovieSvmClassifier(other)
    pointer = tmp_path / "pointer.npz"
    pointer.write_bytes(b"version https://git-lfs.github.com/spec/v1\n")
    with pytest.raises(ModelLoadError, match="git lfs pull"):
        MovieSvmClassifier(pointer)


def test_never_unpickles(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the model must not be unpickled at run time")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    assert MovieSvmClassifier().classify(audio("scream1.wav"), 0.0)
