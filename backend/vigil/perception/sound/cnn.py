"""Vigil's own sound-event CNN (`make train-audio`) on onnxruntime, with its log-mel front end in numpy.

The front end (`log_mel`) is the one the training code uses: 16 kHz mono, 25 ms Hann windows every 10 ms,
512-point FFT, 64 HTK-mel bands from 50 Hz to 8 kHz, power in dB. The network sees one-second windows
(64 × 101) and returns one softmax probability per class; the classes and their per-class thresholds
(chosen on held-out training data, never on the evaluation media) are stored in the ONNX file's metadata,
so a retrained file needs no code change. Class "other" (ambience, footsteps, doors, effects) never
becomes an event, and by default only `DEFAULT_REPORT` (speech: the class where it beat the acoustic
detectors and the SVM on the evaluation media) does; `report=None` lets every class through.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vigil.domain import SOUND_LABELS, SoundEvent
from vigil.perception.onnx_runtime import ModelLoadError, make_session

FloatArray = NDArray[np.float32]

SAMPLE_RATE = 16_000
N_FFT = 512
WIN_LENGTH = 400  # 25 ms
HOP_LENGTH = 160  # 10 ms
N_MELS = 64
F_MIN = 50.0
F_MAX = 8_000.0
WINDOW_S = 1.0
WINDOW_SAMPLES = int(WINDOW_S * SAMPLE_RATE)
FRAMES_PER_WINDOW = 1 + WINDOW_SAMPLES // HOP_LENGTH  # 101
BACKGROUND_LABEL = "other"
SOURCE = "cnn.vigil-sound"
DEFAULT_MODEL = Path(__file__).resolve().parents[3] / "models" / "audio" / "vigil-sound-cnn.onnx"
# The labels it reports by default: those where it beat the acoustic detectors and the SVM on the shared
# evaluation media (docs/perception.md, "Vigil's own sound CNN"); the others stay available with report=None.
DEFAULT_REPORT: tuple[str, ...] = ("speech",)
# metadata keys written by vigil.training.audio_train and read here
META_LABELS = "vigil.labels"
META_THRESHOLDS = "vigil.thresholds"
META_FRONT_END = "vigil.front_end"


def front_end_description() -> dict[str, float | int | str]:
    """The front-end parameters, stored in the model so a file made with other ones is refused."""
    return {
        "sample_rate": SAMPLE_RATE,
        "n_fft": N_FFT,
        "win_length": WIN_LENGTH,
        "hop_length": HOP_LENGTH,
        "n_mels": N_MELS,
        "f_min": F_MIN,
        "f_max": F_MAX,
        "window_s": WINDOW_S,
        "scale": "10*log10(power+1e-10), HTK mel, periodic Hann, zero-padded centred frames",
    }


def hz_to_mel(hz: NDArray[np.float64]) -> NDArray[np.float64]:
    return 2595.0 * np.log10(1.0 + hz / 700.0)


def mel_to_hz(mel: NDArray[np.float64]) -> NDArray[np.float64]:
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


@cache
def mel_filterbank() -> FloatArray:
    """Triangular HTK-mel filters, shape (N_MELS, N_FFT // 2 + 1), peak 1."""
    bin_hz = np.arange(N_FFT // 2 + 1, dtype=np.float64) * SAMPLE_RATE / N_FFT
    edges = mel_to_hz(np.linspace(hz_to_mel(np.array(F_MIN)), hz_to_mel(np.array(F_MAX)), N_MELS + 2))
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bin_hz[None, :] - lower) / (centre - lower)
    falling = (upper - bin_hz[None, :]) / (upper - centre)
    bank = np.clip(np.minimum(rising, falling), 0.0, None)
    bank.flags.writeable = False
    return bank.astype(np.float32)


@cache
def hann_window() -> FloatArray:
    """Periodic Hann of WIN_LENGTH, zero-padded to N_FFT (centred), as torch.stft pads a shorter window."""
    n = np.arange(WIN_LENGTH, dtype=np.float64)
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * n / WIN_LENGTH)
    padded = np.zeros(N_FFT, dtype=np.float64)
    start = (N_FFT - WIN_LENGTH) // 2
    padded[start : start + WIN_LENGTH] = window
    return padded.astype(np.float32)


def log_mel(samples: FloatArray) -> FloatArray:
    """Log-mel power (dB) of one 16 kHz mono signal: shape (N_MELS, 1 + len // HOP_LENGTH)."""
    if samples.ndim != 1:
        raise ValueError(f"expected a mono 1-D signal, got shape {samples.shape}")
    padded = np.pad(samples.astype(np.float32), N_FFT // 2)
    frames = 1 + (len(padded) - N_FFT) // HOP_LENGTH
    index = np.arange(N_FFT)[None, :] + HOP_LENGTH * np.arange(frames)[:, None]
    spectrum = np.fft.rfft(padded[index] * hann_window()[None, :], axis=1)
    power = spectrum.real.astype(np.float32) ** 2 + spectrum.imag.astype(np.float32) ** 2
    mel = mel_filterbank() @ power.T
    return (10.0 * np.log10(mel + 1e-10)).astype(np.float32)


def window_starts(n_samples: int, hop_s: float) -> list[int]:
    """Start samples of the one-second windows over a signal; one (zero-padded) window when it is shorter."""
    hop = max(1, int(hop_s * SAMPLE_RATE))
    if n_samples <= WINDOW_SAMPLES:
        return [0]
    starts = list(range(0, n_samples - WINDOW_SAMPLES + 1, hop))
    if starts[-1] + WINDOW_SAMPLES < n_samples:
        starts.append(n_samples - WINDOW_SAMPLES)
    return starts


def window_features(samples: FloatArray, starts: list[int]) -> FloatArray:
    """The network input for the windows starting at `starts`: (len(starts), 1, N_MELS, FRAMES_PER_WINDOW)."""
    out = np.empty((len(starts), 1, N_MELS, FRAMES_PER_WINDOW), dtype=np.float32)
    for row, start in enumerate(starts):
        piece = samples[start : start + WINDOW_SAMPLES]
        if len(piece) < WINDOW_SAMPLES:
            piece = np.pad(piece, (0, WINDOW_SAMPLES - len(piece)))
        out[row, 0] = log_mel(piece)
    return out


@dataclass(frozen=True, slots=True)
class WindowScores:
    """The class probabilities of one window of a signal (seconds from the signal's start)."""

    start_s: float
    end_s: float
    probabilities: dict[str, float]


def _metadata(session: Any, path: Path) -> tuple[tuple[str, ...], dict[str, float]]:
    meta = session.get_modelmeta().custom_metadata_map
    try:
        labels = tuple(json.loads(meta[META_LABELS]))
        thresholds = {str(k): float(v) for k, v in json.loads(meta[META_THRESHOLDS]).items()}
        front_end = json.loads(meta[META_FRONT_END])
    except (KeyError, ValueError, TypeError) as error:
        raise ModelLoadError(
            f"model file {path} has no Vigil sound-model metadata ({error}): it was not made by "
            "`make train-audio` (vigil.training.audio_train)."
        ) from error
    unknown = [label for label in labels if label not in SOUND_LABELS and label != BACKGROUND_LABEL]
    if unknown:
        raise ModelLoadError(f"model file {path} has labels outside SOUND_LABELS: {unknown}")
    if front_end != json.loads(json.dumps(front_end_description())):
        raise ModelLoadError(
            f"model file {path} was trained with another front end ({front_end}); retrain it with "
            "`make train-audio`."
        )
    return labels, thresholds


class TrainedSoundClassifier:
    """Sound events from Vigil's trained log-mel CNN: 1 s windows, 0.5 s hop, per-class thresholds."""

    name = SOURCE
    window_s = WINDOW_S

    def __init__(
        self,
        model_path: Path = DEFAULT_MODEL,
        threads: int = 1,
        hop_s: float = 0.5,
        report: Collection[str] | None = DEFAULT_REPORT,
    ) -> None:
        """`report`: the labels that may become events (None: all of the model's); the others stay scores."""
        self.model_path = model_path
        self.hop_s = hop_s
        self._session = make_session(model_path, threads=threads)
        self._input = self._session.get_inputs()[0].name
        self.labels, self.thresholds = _metadata(self._session, model_path)
        unknown = set(report or ()) - set(self.labels)
        if unknown:
            raise ValueError(f"labels {sorted(unknown)} are not among the model's {self.labels}")
        self.report = frozenset(self.labels if report is None else report) - {BACKGROUND_LABEL}

    def scores(self, samples: FloatArray) -> list[WindowScores]:
        """Class probabilities of each window of a 16 kHz mono float32 signal."""
        if samples.ndim != 1:
            raise ValueError(f"expected 16 kHz mono samples as a 1-D array, got shape {samples.shape}")
        if samples.dtype != np.float32:
            raise ValueError(f"expected float32 samples in [-1, 1], got {samples.dtype}")
        starts = window_starts(len(samples), self.hop_s)
        probabilities = self.run(window_features(samples, starts))
        return [
            WindowScores(
                start / SAMPLE_RATE,
                min(start + WINDOW_SAMPLES, max(len(samples), 1)) / SAMPLE_RATE,
                dict(zip(self.labels, (float(p) for p in row), strict=True)),
            )
            for start, row in zip(starts, probabilities, strict=True)
        ]

    def run(self, features: FloatArray) -> FloatArray:
        """Softmax probabilities for a batch of front-end features (B, 1, N_MELS, FRAMES_PER_WINDOW)."""
        (probabilities,) = self._session.run(None, {self._input: features})
        return np.asarray(probabilities, dtype=np.float32)

    def classify(self, samples: FloatArray, t_s: float) -> list[SoundEvent]:
        """Events in a signal starting at camera time `t_s`; overlapping windows of a label make one event."""
        events: list[SoundEvent] = []
        open_events: dict[str, SoundEvent] = {}
        for window in self.scores(samples):
            fired = {
                label: p
                for label, p in window.probabilities.items()
                if label in self.report and p >= self.thresholds.get(label, 1.01)
            }
            for label in list(open_events):
                if label not in fired:
                    events.append(open_events.pop(label))
            for label, p in fired.items():
                previous = open_events.get(label)
                start = previous.t_s if previous else t_s + window.start_s
                conf = max(p, previous.conf) if previous else p
                open_events[label] = SoundEvent(
                    label=label,
                    conf=round(conf, 3),
                    t_s=start,
                    end_s=t_s + window.end_s,
                    source=SOURCE,
                    detail=f"p({label})={conf:.2f} ≥ threshold {self.thresholds[label]:.2f} (log-mel CNN)",
                )
        events.extend(open_events.values())
        return sorted(events, key=lambda event: (event.t_s, event.label))
