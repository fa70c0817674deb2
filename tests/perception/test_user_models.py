"""Loaders for user-supplied pretrained models: YAMNet (.tflite), PANNs CNN14 and video classifiers (torch).

No weights for these ship in any package reachable here, so each loader is tested with a randomly
initialised network of the real architecture, saved in the format a user has (a .tflite flatbuffer, the
official `{"model": state_dict}` checkpoint, a TorchScript file with its sidecar). What is tested is what
the user sees: the file loads, its outputs reach the platform vocabulary under the right names and times,
and a wrong file is refused with a message that says what is wrong. A class whose bias is raised ("planted")
must come out under its platform label: that checks the label plumbing end to end.
The random YAMNet is written without TensorFlow by models/convert/make_random_yamnet_tflite.py.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import importlib.util
import io
import json
import math
import socket
import sys
import tarfile
import threading
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import numpy as np
import pytest

from tests.media import REPO, shared_media_dir
from vigil.domain import ACTION_LABELS, SOUND_LABELS, Box, SoundEvent
from vigil.perception.manifest import FetchError, ModelEntry, UrlSource, fetch, how_to_get, load_manifest
from vigil.perception.onnx_runtime import ModelLoadError
from vigil.perception.sound.base import load_audio
from vigil.perception.sound.panns import (
    PannsClassifier,
    build_cnn14,
    load_cnn14,
    mel_filterbank,
    upsample_16k_to_32k,
)
from vigil.perception.sound.yamnet import (
    AUDIOSET_TO_SOUND,
    YAMNET_WINDOW_SAMPLES,
    YamnetClassifier,
    embedded_labels,
    parse_labels,
    vocabulary_indices,
)
from vigil.perception.video_torch import TorchVideoClassifier, build_r3d_18, platform_label

HAS_TORCH = importlib.util.find_spec("torch") is not None
if HAS_TORCH:
    import torch
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="needs the [torch] extra: pip install -e .[torch]")

# AudioSet display names as TF's yamnet_class_map.csv and AudioSet's class_labels_indices.csv spell them,
# with the platform label each must map to. The real files are not reachable here.
AUDIOSET_NAMES = {
    "Speech": "speech",
    "Shout": "shout",
    "Yell": "shout",
    "Screaming": "scream",
    "Crying, sobbing": "crying",
    "Baby cry, infant cry": "crying",
    "Music": "music",
    "Dog": "dog_bark",
    "Bark": "dog_bark",
    "Siren": "siren",
    "Police car (siren)": "siren",
    "Ambulance (siren)": "siren",
    "Fire engine, fire truck (siren)": "siren",
    "Alarm": "alarm",
    "Smoke detector, smoke alarm": "alarm",
    "Buzzer": "alarm",
    "Gunshot, gunfire": "gunshot",
    "Machine gun": "gunshot",
    "Explosion": "explosion",
    "Glass": "glass_break",
    "Shatter": "glass_break",
}
UNMAPPED = ("Laughter", "Cat", "Rain", "Engine", "Silence", "Door")


def synthetic_class_list(count: int) -> list[str]:
    """`count` class names: the AudioSet names above spread over the list, the rest unmapped or fillers."""
    names = [f"Filler class {index}" for index in range(count)]
    for offset, name in enumerate((*AUDIOSET_NAMES, *UNMAPPED)):
        names[7 + offset * 13] = name
    return names


YAMNET_NAMES = synthetic_class_list(521)
POLICE = YAMNET_NAMES.index("Police car (siren)")
SCREAMING = YAMNET_NAMES.index("Screaming")


def _generator() -> ModuleType:
    path = REPO / "models" / "convert" / "make_random_yamnet_tflite.py"
    spec = importlib.util.spec_from_file_location("make_random_yamnet_tflite", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def make_yamnet(tmp_path_factory: pytest.TempPathFactory) -> Any:
    generator = _generator()
    folder = tmp_path_factory.mktemp("yamnet")

    def make(name: str, planted: int | None = None, embed: bool = True) -> Path:
        bias = None
        if planted is not None:  # every class strongly off, one strongly on
            bias = dict.fromkeys(range(521), -12.0) | {planted: 12.0}
        model = generator.yamnet_tflite(generator.random_weights(seed=1, class_bias=bias))
        if embed:
            model = generator.with_label_zip(model, YAMNET_NAMES)
        path = folder / name
        path.write_bytes(model)
        return path

    return make


def shared_sound(name: str) -> np.ndarray[Any, np.dtype[np.float32]]:
    return load_audio(shared_media_dir() / "audio" / name)


def assert_well_formed(events: list[SoundEvent], source: str, t0: float, duration_s: float) -> None:
    assert events
    for event in events:
        assert event.label in SOUND_LABELS
        assert 0.0 <= event.conf <= 1.0
        assert event.source == source
        assert t0 <= event.t_s < event.end_s <= t0 + duration_s + 1e-6
        assert "AudioSet '" in event.detail


# --- label maps --------------------------------------------------------------------------------------


def test_audioset_names_map_onto_the_platform_vocabulary() -> None:
    indices = vocabulary_indices(YAMNET_NAMES)
    for name, label in AUDIOSET_NAMES.items():
        assert YAMNET_NAMES.index(name) in indices[label], name
    mapped = {i for members in indices.values() for i in members}
    assert not mapped & {YAMNET_NAMES.index(name) for name in UNMAPPED}
    # AudioSet has no class for a fight; an unknown loud sound is the ensemble's (no model names it), and a
    # call for help comes from transcribed speech
    assert set(indices) == set(SOUND_LABELS) - {"fight", "unknown_loud", "call_for_help"}
    assert set(AUDIOSET_TO_SOUND.values()) <= set(SOUND_LABELS)


def test_frigate_label_names_map_too() -> None:
    frigate = ["speech", "yell", "crying", "bark", "bow-wow", "gunshot", "machine_gun", "explosion", "glass"]
    frigate += [
        "shatter",
        "siren",
        "police_car",
        "ambulance",
        "fire_engine",
        "smoke_detector",
        "music",
        "cat",
    ]
    labels = {name: label for label, members in vocabulary_indices(frigate).items() for name in
              (frigate[i] for i in members)}  # fmt: skip
    assert labels == {
        "speech": "speech", "yell": "shout", "crying": "crying", "bark": "dog_bark", "bow-wow": "dog_bark",
        "gunshot": "gunshot", "machine_gun": "gunshot", "explosion": "explosion", "glass": "glass_break",
        "shatter": "glass_break", "siren": "siren", "police_car": "siren", "ambulance": "siren",
        "fire_engine": "siren", "smoke_detector": "alarm", "music": "music",
    }  # fmt: skip


def test_tf_class_map_csv_is_read_in_index_order_with_quoted_names() -> None:
    text = (
        "index,mid,display_name\n"
        '2,/m/032s66,"Gunshot, gunfire"\n'
        "0,/m/09x0r,Speech\n"
        '1,/m/012ndj,"Fire engine, fire truck (siren)"\n'
    )
    assert parse_labels(text) == ["Speech", "Fire engine, fire truck (siren)", "Gunshot, gunfire"]
    assert parse_labels("speech\nyell\n\n") == ["speech", "yell"]


def test_labels_embedded_in_a_tflite_zip_are_found(make_yamnet: Any) -> None:
    assert embedded_labels(make_yamnet("embedded.tflite")) == YAMNET_NAMES
    assert embedded_labels(make_yamnet("bare.tflite", embed=False)) is None


# --- YAMNet ------------------------------------------------------------------------------------------


def test_random_yamnet_classifies_a_shared_sound_into_well_formed_events(make_yamnet: Any) -> None:
    classifier = YamnetClassifier(make_yamnet("random.tflite"), threshold=0.0)
    assert classifier.window_s == pytest.approx(0.975)
    siren = shared_sound("policecar.wav")
    events = classifier.classify(siren, t_s=100.0)
    duration = len(siren) / 16_000
    assert_well_formed(events, "yamnet", 100.0, duration)
    windows = math.ceil(len(siren) / YAMNET_WINDOW_SAMPLES)
    assert len(siren) - (windows - 1) * YAMNET_WINDOW_SAMPLES > YAMNET_WINDOW_SAMPLES / 4  # the tail counts
    assert sorted({e.t_s for e in events}) == pytest.approx([100.0 + k * 0.975 for k in range(windows)])
    # with no threshold every mapped label is reported once per window
    assert len(events) == windows * len(classifier.indices)


def test_a_planted_class_comes_out_under_its_platform_label(make_yamnet: Any) -> None:
    classifier = YamnetClassifier(make_yamnet("planted.tflite", planted=POLICE), threshold=0.5)
    events = classifier.classify(shared_sound("scream1.wav"), t_s=3.0)
    assert {e.label for e in events} == {"siren"}
    assert all(e.conf > 0.95 and "Police car (siren)" in e.detail for e in events)


def test_a_frigate_label_file_overrides_the_embedded_list(make_yamnet: Any, tmp_path: Path) -> None:
    frigate = [name.lower().replace(" ", "_") for name in YAMNET_NAMES]
    frigate[SCREAMING] = "yell"  # Frigate's map merges Screaming into yell
    labelmap = tmp_path / "audio-labelmap.txt"
    labelmap.write_text("\n".join(frigate) + "\n")
    model = make_yamnet("planted-scream.tflite", planted=SCREAMING)
    assert {
        e.label for e in YamnetClassifier(model, threshold=0.5).classify(shared_sound("scream1.wav"), 0)
    } == {"scream"}
    with_frigate = YamnetClassifier(model, labels_path=labelmap, threshold=0.5)
    assert {e.label for e in with_frigate.classify(shared_sound("scream1.wav"), 0)} == {"shout"}


def test_short_audio_is_padded_to_one_window(make_yamnet: Any) -> None:
    classifier = YamnetClassifier(make_yamnet("short.tflite", planted=POLICE), threshold=0.5)
    events = classifier.classify(np.zeros(4_000, dtype=np.float32), t_s=1.0)
    [event] = events
    assert (event.label, event.t_s) == ("siren", 1.0)
    assert event.end_s == pytest.approx(1.25)
    assert classifier.classify(np.zeros(0, dtype=np.float32), t_s=1.0) == []
    # a tail of less than a quarter window is mostly padding: no window of its own
    assert len(classifier.classify(np.zeros(YAMNET_WINDOW_SAMPLES + 3_000, dtype=np.float32), t_s=0.0)) == 1


def test_yamnet_without_labels_or_with_the_wrong_ones_is_refused(make_yamnet: Any, tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="carries no label list: give a label file"):
        YamnetClassifier(make_yamnet("no-labels.tflite", embed=False))
    wrong = tmp_path / "labels.txt"
    wrong.write_text("\n".join(YAMNET_NAMES[:527]) + "\n" + "\n".join(f"x{i}" for i in range(6)))
    with pytest.raises(ModelLoadError, match=r"no output has one score per label \(527 labels"):
        YamnetClassifier(make_yamnet("embedded2.tflite"), labels_path=wrong)
    with pytest.raises(ModelLoadError, match=r"label file .* does not exist"):
        YamnetClassifier(make_yamnet("embedded3.tflite"), labels_path=tmp_path / "missing.csv")


def test_a_tflite_that_is_not_yamnet_is_refused(tmp_path: Path) -> None:
    generator = _generator()
    graph = generator._Graph()
    image = graph.tensor("image", (1, 8, 8, 3))
    out = graph.tensor("out", (1, 8, 8, 3))
    graph.op(generator.schema.BuiltinOperator.RELU, [image], [out])
    path = tmp_path / "image.tflite"
    path.write_bytes(graph.serialise([image], [out]))
    with pytest.raises(ModelLoadError, match=r"is not YAMNet: it takes \[\[1, 8, 8, 3\]\]"):
        YamnetClassifier(path)


# --- PANNs CNN14 -------------------------------------------------------------------------------------

PANNS_NAMES = synthetic_class_list(527)


def official_cnn14_keys() -> dict[str, tuple[int, ...]]:
    """The parameter names and shapes of the official Cnn14 checkpoint (audioset_tagging_cnn/pytorch/models.py
    with torchlibrosa's Spectrogram and LogmelFilterBank), written out independently of our module."""
    keys: dict[str, tuple[int, ...]] = {
        "spectrogram_extractor.stft.conv_real.weight": (513, 1, 1024),
        "spectrogram_extractor.stft.conv_imag.weight": (513, 1, 1024),
        "logmel_extractor.melW": (513, 64),
    }

    def batch_norm(prefix: str, channels: int) -> None:
        for name in ("weight", "bias", "running_mean", "running_var"):
            keys[f"{prefix}.{name}"] = (channels,)
        keys[f"{prefix}.num_batches_tracked"] = ()

    batch_norm("bn0", 64)
    inputs = 1
    for block, channels in enumerate((64, 128, 256, 512, 1024, 2048), start=1):
        keys[f"conv_block{block}.conv1.weight"] = (channels, inputs, 3, 3)
        keys[f"conv_block{block}.conv2.weight"] = (channels, channels, 3, 3)
        batch_norm(f"conv_block{block}.bn1", channels)
        batch_norm(f"conv_block{block}.bn2", channels)
        inputs = channels
    keys |= {"fc1.weight": (2048, 2048), "fc1.bias": (2048,), "fc_audioset.weight": (527, 2048)}
    keys["fc_audioset.bias"] = (527,)
    return keys


@pytest.fixture(scope="module")
def cnn14_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Any]:
    torch.manual_seed(0)
    model = build_cnn14().eval()
    folder = tmp_path_factory.mktemp("panns")
    checkpoint = folder / "Cnn14_mAP=0.431.pth"
    # the official files also carry the iteration and the training sampler's state (numpy arrays)
    sampler = {"indexes": np.arange(10), "pointer": np.int64(3), "weights": np.ones(4)}
    torch.save({"iteration": 660000, "model": model.state_dict(), "sampler": sampler}, checkpoint)
    labels = folder / "class_labels_indices.csv"
    rows = [f'{i},/m/x{i},"{name}"' for i, name in enumerate(PANNS_NAMES)]
    labels.write_text("index,mid,display_name\n" + "\n".join(rows) + "\n")
    return checkpoint, labels, model


@needs_torch
def test_cnn14_has_the_official_parameter_names_and_size() -> None:
    state = build_cnn14().state_dict()
    assert {name: tuple(value.shape) for name, value in state.items()} == official_cnn14_keys()
    trainable = sum(p.numel() for p in build_cnn14().parameters() if p.requires_grad)
    assert trainable == 80_753_615  # CNN14's parameter count as the PANNs paper and code report it


@needs_torch
@pytest.mark.slow
def test_random_cnn14_checkpoint_loads_strictly_and_classifies_a_shared_sound(
    cnn14_files: tuple[Path, Path, Any],
) -> None:
    checkpoint, labels, original = cnn14_files
    classifier = PannsClassifier(checkpoint, labels, threshold=0.0, threads=2)
    scream = shared_sound("scream1.wav")
    events = classifier.classify(scream, t_s=20.0)
    assert_well_formed(events, "panns-cnn14", 20.0, len(scream) / 16_000)
    assert sorted({e.t_s for e in events}) == pytest.approx([20.0, 21.0])  # 1.5 s → two 1 s windows
    window = scream[:16_000]
    with torch.inference_mode():
        direct = original(torch.from_numpy(upsample_16k_to_32k(window))[None, :])[0].numpy()
    np.testing.assert_allclose(classifier.scores(window), direct, atol=1e-6)  # the weights, all of them


@needs_torch
@pytest.mark.slow
def test_a_planted_audioset_class_comes_out_of_cnn14_as_its_platform_label(
    cnn14_files: tuple[Path, Path, Any], tmp_path: Path
) -> None:
    _, labels, model = cnn14_files
    state = {k: v.clone() for k, v in model.state_dict().items()}
    state["fc_audioset.weight"].mul_(0.01)
    state["fc_audioset.bias"].fill_(-8.0)
    state["fc_audioset.bias"][PANNS_NAMES.index("Gunshot, gunfire")] = 8.0
    planted = tmp_path / "planted.pth"
    torch.save({"model": state}, planted)
    events = PannsClassifier(planted, labels, threshold=0.5).classify(shared_sound("shotgun.wav"), t_s=0.0)
    assert events
    assert {e.label for e in events} == {"gunshot"}
    assert all("Gunshot, gunfire" in e.detail and e.conf > 0.99 for e in events)


@needs_torch
def test_a_checkpoint_with_a_wrong_key_is_refused(
    cnn14_files: tuple[Path, Path, Any], tmp_path: Path
) -> None:
    _, _labels, model = cnn14_files
    state = dict(model.state_dict())
    state["fc.weight"] = state.pop("fc_audioset.weight")
    wrong = tmp_path / "wrong.pth"
    torch.save({"model": state}, wrong)
    with pytest.raises(ModelLoadError, match=r"not a PANNs CNN14 checkpoint: 1 parameters missing \(first: "
                       r"\['fc_audioset.weight'\]\), 1 unexpected \(first: \['fc.weight'\]\)"):  # fmt: skip
        load_cnn14(wrong)
    with pytest.raises(ModelLoadError, match="does not exist"):
        load_cnn14(tmp_path / "absent.pth")


@needs_torch
def test_cnn14_labels_must_match_its_outputs(cnn14_files: tuple[Path, Path, Any], tmp_path: Path) -> None:
    checkpoint, _, _ = cnn14_files
    short = tmp_path / "labels.csv"
    short.write_text("index,mid,display_name\n0,/m/09x0r,Speech\n")
    with pytest.raises(ModelLoadError, match="names 1 classes, the checkpoint has 527"):
        PannsClassifier(checkpoint, short)


@needs_torch
def test_cnn14_front_end_is_a_centred_power_stft_and_slaney_mels() -> None:
    model = build_cnn14().eval()
    audio = torch.randn(1, 32_000, dtype=torch.float32) * 0.1
    with torch.inference_mode():
        power = cast(Any, model).spectrogram_extractor(audio)[0, 0]  # time, bins
    window = torch.hann_window(1024, periodic=True)
    reference = torch.stft(
        audio[0], 1024, 320, window=window, center=True, pad_mode="reflect", return_complex=True
    )
    np.testing.assert_allclose(power.numpy(), (reference.abs() ** 2).T.numpy(), rtol=1e-3, atol=1e-3)
    mels = mel_filterbank()
    assert mels.shape == (513, 64)
    peaks_hz = mels.argmax(axis=0) * 32_000 / 1024
    assert np.all(np.diff(peaks_hz) >= 0)
    assert 50 <= peaks_hz[0] < 120
    assert 13_000 < peaks_hz[-1] < 14_000
    # Slaney normalisation: each band's area is about constant across the scale (2 / bandwidth × width / 2)
    areas = mels.sum(axis=0) * 32_000 / 1024
    assert np.all(np.abs(areas[8:] / areas[8:].mean() - 1) < 0.1)


def test_upsampling_keeps_the_band_and_adds_no_images() -> None:
    t16 = np.arange(16_000) / 16_000
    for hz in (1_000.0, 6_000.0):
        up = upsample_16k_to_32k(np.sin(2 * np.pi * hz * t16).astype(np.float32))
        t32 = np.arange(32_000) / 32_000
        middle = slice(1_000, 31_000)
        assert np.max(np.abs(up[middle] - np.sin(2 * np.pi * hz * t32)[middle])) < 0.02, hz
        spectrum = np.abs(np.fft.rfft(up[middle] * np.hanning(30_000)))
        freqs = np.fft.rfftfreq(30_000, 1 / 32_000)
        image = spectrum[np.abs(freqs - (16_000 - hz)) < 50].max()
        assert 20 * np.log10(image / spectrum.max()) < -50, hz  # the mirror at 16 kHz − f is gone


# --- video classifiers -------------------------------------------------------------------------------

VIDEO_LABELS = ["Falling", "punching person", "walking", "Running"]


def tiny_3d_cnn(planted: int | None = None, script: bool = True) -> Any:
    torch.manual_seed(0)
    head = torch.nn.Linear(8, len(VIDEO_LABELS))
    model = torch.nn.Sequential(
        torch.nn.Conv3d(3, 8, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool3d(1),
        torch.nn.Flatten(),
        head,
    ).eval()
    if planted is not None:
        with torch.no_grad():
            head.weight.mul_(0.01)
            head.bias.fill_(-5.0)
            head.bias[planted] = 5.0
    if not script:
        return model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return torch.jit.script(model)


def random_clip(count: int = 12) -> list[np.ndarray[Any, np.dtype[np.uint8]]]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (48, 64, 3), dtype=np.uint8) for _ in range(count)]


def write_torchscript(folder: Path, sidecar: dict[str, Any], planted: int | None = None) -> Path:
    path = folder / "actions.pt"
    with warnings.catch_warnings():  # torch 2.13 deprecates TorchScript; users still have such files
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(tiny_3d_cnn(planted), str(path))
    (folder / "actions.json").write_text(json.dumps(sidecar))
    return path


SIDECAR = {"labels": VIDEO_LABELS, "frames": 8, "size": 32, "label_map": {"punching person": "fight"}}


def test_user_labels_map_onto_platform_actions() -> None:
    assert platform_label("Falling") == "fall"
    assert platform_label("fall down") == "fall"
    assert platform_label("Running") == "running"
    assert platform_label("punching person", {"punching person": "fight"}) == "fight"
    assert platform_label("walking") == "walking"
    assert {platform_label(label) for label in ACTION_LABELS} == set(ACTION_LABELS)


@needs_torch
def test_torchscript_video_classifier_gives_mapped_labels(tmp_path: Path) -> None:
    classifier = TorchVideoClassifier(write_torchscript(tmp_path, SIDECAR))
    ranked = classifier.classify(random_clip())
    assert {label for label, _ in ranked} == {"fall", "fight", "walking", "running"}
    confs = [conf for _, conf in ranked]
    assert confs == sorted(confs, reverse=True)
    assert sum(confs) == pytest.approx(1.0, abs=1e-5)
    evidence = classifier.evidence(random_clip(), t_s=7.5, box=Box(0.1, 0.2, 0.3, 0.9), threshold=0.0)
    assert {e.label for e in evidence} == {"fall", "fight", "running"}  # "walking" is no platform action
    assert all(e.t_s == 7.5 and e.box == Box(0.1, 0.2, 0.3, 0.9) for e in evidence)


@needs_torch
def test_a_torch_export_program_loads_too(tmp_path: Path) -> None:
    model = tiny_3d_cnn(planted=1, script=False)
    program = torch.export.export(model, (torch.zeros(1, 3, 8, 32, 32),))
    torch.export.save(program, str(tmp_path / "actions.pt2"))
    (tmp_path / "actions.json").write_text(json.dumps(SIDECAR))
    label, conf = TorchVideoClassifier(tmp_path / "actions.pt2").classify(random_clip())[0]
    assert label == "fight"
    assert conf > 0.99


@needs_torch
def test_a_planted_video_class_wins(tmp_path: Path) -> None:
    classifier = TorchVideoClassifier(write_torchscript(tmp_path, SIDECAR, planted=0))
    label, conf = classifier.classify(random_clip(3))[0]  # fewer frames than the model takes: repeated
    assert label == "fall"
    assert conf > 0.99
    [evidence] = classifier.evidence(random_clip(), t_s=1.0, box=Box(0, 0, 1, 1), track_ids=(4,))
    assert (evidence.label, evidence.track_ids) == ("fall", (4,))
    assert "'fall'" in evidence.detail


@needs_torch
def test_a_wrong_sidecar_is_refused_with_what_is_wrong(tmp_path: Path) -> None:
    too_few = {**SIDECAR, "labels": VIDEO_LABELS[:3]}
    with pytest.raises(ModelLoadError, match="gives 4 outputs, its sidecar names 3 labels"):
        TorchVideoClassifier(write_torchscript(tmp_path, too_few))
    typo = {"lables": VIDEO_LABELS}
    with pytest.raises(ModelLoadError, match=r"actions.json: labels: Field required; lables: Extra inputs"):
        TorchVideoClassifier(write_torchscript(tmp_path, typo))
    (tmp_path / "actions.json").unlink()
    with pytest.raises(ModelLoadError, match=r"no sidecar for .*actions.pt: write .*actions.json"):
        TorchVideoClassifier(tmp_path / "actions.pt")
    state_dict = tmp_path / "weights.pt"
    torch.save({"w": torch.zeros(1)}, state_dict)
    (tmp_path / "weights.yaml").write_text("labels: [a, b]\n")
    with pytest.raises(ModelLoadError, match=r"is not a TorchScript file .*architecture: r3d_18"):
        TorchVideoClassifier(state_dict)


@needs_torch
def test_r3d_18_state_dict_with_a_yaml_sidecar(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = build_r3d_18(3)
    assert sum(p.numel() for p in build_r3d_18(400).parameters()) == 33_371_472  # torchvision's r3d_18
    assert {"stem.0.weight", "layer1.0.conv1.0.weight", "layer2.0.downsample.0.weight", "fc.weight"} <= set(
        model.state_dict()
    )
    torch.save(model.state_dict(), tmp_path / "r3d.pth")
    (tmp_path / "r3d.yaml").write_text("labels: [fall, fighting, other]\nframes: 4\nsize: [32, 32]\n"
                                       "architecture: r3d_18\n")  # fmt: skip
    ranked = TorchVideoClassifier(tmp_path / "r3d.pth").classify(random_clip(6))
    assert sorted(label for label, _ in ranked) == ["fall", "fight", "other"]
    (tmp_path / "r3d.yaml").write_text("labels: [a, b]\narchitecture: r3d_18\n")
    with pytest.raises(ModelLoadError, match="is not an r3d_18 state_dict for 2 labels"):
        TorchVideoClassifier(tmp_path / "r3d.pth")


# --- the manifest: `vigil models fetch yamnet|panns` -----------------------------------------------------


def test_manifest_names_both_audio_models_with_their_web_sources() -> None:
    manifest = load_manifest()
    yamnet, panns = manifest.entry("yamnet"), manifest.entry("panns")  # a unique prefix names panns-cnn14
    assert panns.name == "panns-cnn14"
    assert isinstance(yamnet.source, UrlSource)
    assert isinstance(panns.source, UrlSource)
    assert (yamnet.licence, panns.licence.split(" (")[0]) == ("Apache-2.0", "CC BY 4.0")
    assert "models/user/Cnn14_mAP=0.431.pth" in how_to_get(panns)
    for entry in (yamnet, panns):  # `make models` (default and fetch: true) stays offline
        assert not entry.default
        assert not entry.fetch


def url_entry(url: str, how: str = "put x.tflite in models/user/", **source: Any) -> ModelEntry:
    url_source = {"kind": "url", "url": url, "origin": "a test server", "how": how, **source}
    return ModelEntry.model_validate(
        {"name": "web-model", "task": "audio", "runtime": "litert", "file": "user/x.tflite", "licence": "MIT",
         "source": url_source}
    )  # fmt: skip


@pytest.fixture
def web_server(tmp_path: Path) -> Any:
    """A server on the loopback interface serving `tmp_path/www`."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_fetch_downloads_a_member_of_a_tarball_checks_it_and_adds_companions(
    web_server: Any, tmp_path: Path
) -> None:
    www, base = web_server
    payload = b"TFL3 model bytes"
    with tarfile.open(www / "download", "w:gz") as bundle:
        info = tarfile.TarInfo("1.tflite")
        info.size = len(payload)
        bundle.addfile(info, io.BytesIO(payload))
    (www / "labels.csv").write_text("index,mid,display_name\n0,/m/09x0r,Speech\n")
    md5 = hashlib.md5((www / "download").read_bytes(), usedforsecurity=False).hexdigest()
    entry = url_entry(
        f"{base}/download", member="1.tflite", md5=md5, companions={"user/l.csv": f"{base}/labels.csv"}
    )
    root = tmp_path / "models"
    lines: list[str] = []
    assert (
        fetch(entry, root=root, downloads=tmp_path / "dl", report=lines.append) == root / "user" / "x.tflite"
    )
    assert (root / "user" / "x.tflite").read_bytes() == payload
    assert (root / "user" / "l.csv").read_text().startswith("index,mid,display_name")
    assert lines[-1].startswith("web-model: ok")
    assert list((tmp_path / "dl").iterdir()) == []  # the download is not kept

    wrong = url_entry(f"{base}/download", member="1.tflite", md5="0" * 32)
    with pytest.raises(FetchError, match="does not match its published md5"):
        fetch(wrong, root=tmp_path / "other", downloads=tmp_path / "dl", report=lines.append)
    assert not (tmp_path / "other" / "user" / "x.tflite").exists()


def test_fetch_without_a_network_says_which_file_to_put_where(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on: the connection is refused at once
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    entry = url_entry(
        f"http://127.0.0.1:{port}/yamnet.tflite", how="copy yamnet.tflite to models/user/x.tflite"
    )
    with pytest.raises(FetchError) as raised:
        fetch(entry, root=tmp_path, downloads=tmp_path / "dl", report=lambda _line: None)
    message = str(raised.value)
    assert "needs a network" in message
    assert message.endswith("Without one: copy yamnet.tflite to models/user/x.tflite")
