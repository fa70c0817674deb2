"""PANNs CNN14 (Kong et al. 2020, AudioSet tagging, 527 classes) in torch, for a user's `Cnn14_mAP=0.431.pth`.

The network is written here from the paper's description, with the parameter names of the official
checkpoint (`{"model": state_dict, ...}`) so that it loads with `strict=True`:

- front end at 32 kHz: a 1024-point STFT every 320 samples (Hann window, centred, reflect padding) as two
  1-D convolutions whose kernels are the windowed DFT (`spectrogram_extractor.stft.conv_real/conv_imag`,
  [513, 1, 1024]); power spectrum; 64 Slaney mel bands 50-14000 Hz (`logmel_extractor.melW`, [513, 64]);
  10·log10 with a floor of 1e-10 — plain torch ops, no torchlibrosa;
- `bn0` over the mel bands; six blocks (`conv_block1..6`) of two 3×3 convolutions with batch norm and
  ReLU, 64→128→256→512→1024→2048 channels, 2×2 average pooling after the first five;
- mean over frequency, then max + mean over time; `fc1` 2048→2048 ReLU; `fc_audioset` 2048→527, sigmoid.

Inferred rather than read (the original code was not available here): the STFT kernels are
`Re/Im(exp(-2πi·k·n/1024)) · hann_periodic(n)`, k ≤ 512 — with a real checkpoint these come from the file
anyway, as do the mel weights; the names and shapes follow torchlibrosa's `Spectrogram`/`LogmelFilterBank`
as the published checkpoints use them. Audio arrives at 16 kHz and is upsampled ×2 with a windowed-sinc
low-pass (no content above 8 kHz is invented). AudioSet class names come from the user's
`class_labels_indices.csv`; they map onto `SOUND_LABELS` with YAMNet's table.

torch is an optional extra (`pip install -e .[torch]`): it is imported inside this module only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from vigil.domain import AUDIO_SAMPLE_RATE, SOUND_LABELS, SoundEvent
from vigil.perception.onnx_runtime import ModelLoadError, check_model_file
from vigil.perception.sound.yamnet import (
    DEFAULT_THRESHOLD,
    read_label_file,
    scores_to_events,
    vocabulary_indices,
    windows,
)

if TYPE_CHECKING:
    import torch

PANNS_SAMPLE_RATE = 32_000
N_FFT = 1024
HOP = 320
MEL_BANDS = 64
FMIN, FMAX = 50.0, 14_000.0
AUDIOSET_CLASSES = 527
BLOCK_CHANNELS = (64, 128, 256, 512, 1024, 2048)


def _torch() -> Any:
    try:
        import torch
    except ImportError as error:
        raise ModelLoadError(
            f"PANNs needs torch, an optional extra: `pip install -e .[torch]` ({error})"
        ) from error
    return torch


def _slaney_hz_to_mel(hz: NDArray[np.float64]) -> NDArray[np.float64]:
    step = 200.0 / 3
    log_step = np.log(6.4) / 27.0
    mel = hz / step
    above = hz >= 1000.0
    return np.where(above, 15.0 + np.log(np.maximum(hz, 1e-12) / 1000.0) / log_step, mel)


def _slaney_mel_to_hz(mel: NDArray[np.float64]) -> NDArray[np.float64]:
    step = 200.0 / 3
    log_step = np.log(6.4) / 27.0
    return np.where(mel >= 15.0, 1000.0 * np.exp(log_step * (mel - 15.0)), mel * step)


def mel_filterbank(
    sample_rate: int = PANNS_SAMPLE_RATE, n_fft: int = N_FFT, bands: int = MEL_BANDS, fmin: float = FMIN,
    fmax: float = FMAX,
) -> NDArray[np.float32]:  # fmt: skip
    """Slaney-scale, Slaney-normalised triangular mel filters (librosa's default), [n_fft/2+1, bands]."""
    fft_hz = np.linspace(0.0, sample_rate / 2, n_fft // 2 + 1)
    edges_mel = np.linspace(_slaney_hz_to_mel(np.array(fmin)), _slaney_hz_to_mel(np.array(fmax)), bands + 2)
    edges_hz = _slaney_mel_to_hz(edges_mel)
    widths = np.diff(edges_hz)
    ramps = edges_hz[:, None] - fft_hz[None, :]
    weights = np.zeros((bands, len(fft_hz)))
    for band in range(bands):
        rising = -ramps[band] / widths[band]
        falling = ramps[band + 2] / widths[band + 1]
        weights[band] = np.maximum(0.0, np.minimum(rising, falling))
    weights *= (2.0 / (edges_hz[2 : bands + 2] - edges_hz[:bands]))[:, None]
    return weights.T.astype(np.float32)


def upsample_16k_to_32k(samples: NDArray[np.float32], taps: int = 64) -> NDArray[np.float32]:
    """×2 by zero insertion and a Kaiser-windowed sinc low-pass at 8 kHz (the input's Nyquist)."""
    stuffed = np.zeros(2 * len(samples), dtype=np.float64)
    stuffed[::2] = samples
    n = np.arange(-taps, taps + 1)
    kernel = np.sinc(n / 2.0) * np.kaiser(len(n), 8.0)  # gain 2 at DC compensates the inserted zeros
    return np.convolve(stuffed, kernel, mode="same").astype(np.float32)


def build_cnn14(classes: int = AUDIOSET_CLASSES) -> torch.nn.Module:
    """CNN14 with the official checkpoint's parameter names; STFT and mel weights initialised as the
    published model's, everything else as torch initialises it."""
    _torch()
    import torch
    from torch import nn
    from torch.nn import functional

    class Stft(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            bins = N_FFT // 2 + 1
            self.conv_real = nn.Conv1d(1, bins, N_FFT, stride=HOP, bias=False)
            self.conv_imag = nn.Conv1d(1, bins, N_FFT, stride=HOP, bias=False)
            n = np.arange(N_FFT)
            window = 0.5 - 0.5 * np.cos(2 * np.pi * n / N_FFT)
            angle = -2 * np.pi * np.outer(np.arange(bins), n) / N_FFT
            with torch.no_grad():
                self.conv_real.weight.copy_(torch.from_numpy((np.cos(angle) * window)[:, None, :]).float())
                self.conv_imag.weight.copy_(torch.from_numpy((np.sin(angle) * window)[:, None, :]).float())
            for parameter in self.parameters():
                parameter.requires_grad = False

        def forward(self, audio: torch.Tensor) -> torch.Tensor:  # (batch, samples) → (batch, 1, time, bins)
            x = functional.pad(audio[:, None, :], (N_FFT // 2, N_FFT // 2), mode="reflect")
            real, imag = self.conv_real(x), self.conv_imag(x)
            return (real**2 + imag**2).transpose(1, 2)[:, None, :, :]  # type: ignore[no-any-return]

    class Spectrogram(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stft = Stft()

        def forward(self, audio: torch.Tensor) -> torch.Tensor:
            return self.stft(audio)  # type: ignore[no-any-return]

    class LogMel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.melW = nn.Parameter(torch.from_numpy(mel_filterbank()), requires_grad=False)

        def forward(self, power: torch.Tensor) -> torch.Tensor:
            return 10.0 * torch.log10(torch.clamp(torch.matmul(power, self.melW), min=1e-10))

    class ConvBlock(nn.Module):
        def __init__(self, inputs: int, outputs: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(inputs, outputs, 3, padding=1, bias=False)
            self.conv2 = nn.Conv2d(outputs, outputs, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(outputs)
            self.bn2 = nn.BatchNorm2d(outputs)

        def forward(self, x: torch.Tensor, pool: int) -> torch.Tensor:
            x = functional.relu(self.bn1(self.conv1(x)))
            x = functional.relu(self.bn2(self.conv2(x)))
            return functional.avg_pool2d(x, pool) if pool > 1 else x

    class Cnn14(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.spectrogram_extractor = Spectrogram()
            self.logmel_extractor = LogMel()
            self.bn0 = nn.BatchNorm2d(MEL_BANDS)
            channels = (1, *BLOCK_CHANNELS)
            for number in range(1, len(BLOCK_CHANNELS) + 1):
                setattr(self, f"conv_block{number}", ConvBlock(channels[number - 1], channels[number]))
            self.fc1 = nn.Linear(BLOCK_CHANNELS[-1], BLOCK_CHANNELS[-1])
            self.fc_audioset = nn.Linear(BLOCK_CHANNELS[-1], classes)

        def forward(self, audio: torch.Tensor) -> torch.Tensor:  # (batch, samples at 32 kHz) → (batch, C)
            x = self.logmel_extractor(self.spectrogram_extractor(audio))  # (batch, 1, time, mels)
            x = self.bn0(x.transpose(1, 3)).transpose(1, 3)
            for number in range(1, len(BLOCK_CHANNELS) + 1):
                x = getattr(self, f"conv_block{number}")(x, 2 if number < len(BLOCK_CHANNELS) else 1)
            x = torch.mean(x, dim=3)
            x = torch.amax(x, dim=2) + torch.mean(x, dim=2)
            x = functional.relu(self.fc1(x))
            return torch.sigmoid(self.fc_audioset(x))

    return Cnn14()


def load_cnn14(checkpoint: Path) -> torch.nn.Module:
    """The CNN14 in `checkpoint` (the official `{"model": state_dict}` layout, or a bare state_dict),
    loaded with strict names, in eval mode. Another network's file is refused with the keys that differ."""
    torch = _torch()
    check_model_file(checkpoint)
    try:  # the official files also hold the training sampler's state: numpy arrays among plain data
        with torch.serialization.safe_globals(_numpy_globals()):
            data = torch.load(checkpoint, map_location="cpu", weights_only=True)
    except Exception as error:
        raise ModelLoadError(
            f"{checkpoint} is not a torch checkpoint that loads without running code "
            f"({type(error).__name__}: {error}); save it as torch.save({{'model': model.state_dict()}}, path)"
        ) from error
    state = data.get("model", data) if isinstance(data, dict) else None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ModelLoadError(f"{checkpoint} holds no state_dict (expected {{'model': state_dict}})")
    classes = int(state["fc_audioset.weight"].shape[0]) if "fc_audioset.weight" in state else AUDIOSET_CLASSES
    model = build_cnn14(classes)
    expected = set(model.state_dict())
    missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
    if missing or unexpected:
        raise ModelLoadError(
            f"{checkpoint} is not a PANNs CNN14 checkpoint: {len(missing)} parameters missing "
            f"(first: {missing[:4]}), {len(unexpected)} unexpected (first: {unexpected[:4]})"
        )
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise ModelLoadError(f"{checkpoint}: a parameter has the wrong shape for CNN14: {error}") from error
    return model.eval()


def _numpy_globals() -> list[Any]:
    """What pickled numpy arrays name, under numpy 1's (`numpy.core`) and numpy 2's (`numpy._core`) paths."""
    from numpy._core import multiarray

    reconstruct, scalar = multiarray._reconstruct, multiarray.scalar
    kinds: list[Any] = [np.ndarray, np.dtype]
    for module in ("numpy.core.multiarray", "numpy._core.multiarray"):
        kinds += [(reconstruct, f"{module}._reconstruct"), (scalar, f"{module}.scalar")]
    kinds += [type(np.dtype(name)) for name in ("float32", "float64", "int64", "int32", "uint8", "bool")]
    return kinds


class PannsClassifier:
    """A `SoundClassifier` (sound.base) over a user's CNN14 checkpoint, reporting `SOUND_LABELS` events."""

    name = "panns-cnn14"

    def __init__(
        self,
        checkpoint: Path,
        labels_path: Path,
        threshold: float = DEFAULT_THRESHOLD,
        window_s: float = 1.0,
        threads: int = 1,
    ) -> None:
        torch = _torch()
        torch.set_num_threads(threads)
        self.threshold = threshold
        self.window_s = window_s
        self._torch = torch
        self.model = load_cnn14(checkpoint)
        names = read_label_file(labels_path)
        classes = int(self.model.state_dict()["fc_audioset.weight"].shape[0])
        if len(names) != classes:
            raise ModelLoadError(
                f"{labels_path} names {len(names)} classes, the checkpoint has {classes}: "
                "give AudioSet's class_labels_indices.csv (527 rows)"
            )
        self.class_names = names
        self.indices = vocabulary_indices(names)
        if not self.indices:
            raise ModelLoadError(
                f"none of the labels in {labels_path} maps to the platform's sounds {SOUND_LABELS}"
            )

    def scores(self, window_16k: NDArray[np.float32]) -> NDArray[np.float32]:
        """AudioSet scores [C] for one window of 16 kHz audio."""
        audio = self._torch.from_numpy(upsample_16k_to_32k(window_16k))[None, :]
        with self._torch.inference_mode():
            return np.asarray(self.model(audio)[0].numpy(), dtype=np.float32)

    def classify(self, samples: NDArray[np.float32], t_s: float) -> list[SoundEvent]:
        length = round(self.window_s * AUDIO_SAMPLE_RATE)
        events = []
        for start, window in windows(np.asarray(samples, dtype=np.float32), length):
            begin = t_s + start / AUDIO_SAMPLE_RATE
            end = t_s + min(start + length, len(samples)) / AUDIO_SAMPLE_RATE
            events += scores_to_events(
                self.scores(window), self.indices, self.class_names, self.threshold, begin, end, self.name
            )
        return events
