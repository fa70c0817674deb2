"""What every member of the sound-event ensemble is, and the small pure helpers they share.

A member (`SoundClassifier`) takes one window of 16 kHz mono float32 audio in [-1, 1] (the samples of the
platform's `AudioChunk`) and the camera time of its first sample, and says which sounds it heard there as
`SoundEvent`s (label from `SOUND_LABELS`, times on the camera clock, the measured features in `detail`).

The helpers are numpy only: `load_audio` (any file PyAV can decode → 16 kHz mono float32), `frame_signal`,
`rms_dbfs`, `stft_magnitude` / `log_stft` (Hann-windowed short-time spectra).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import av
import numpy as np
from numpy.typing import NDArray

from vigil.domain import AUDIO_SAMPLE_RATE, SoundEvent

SAMPLE_RATE = AUDIO_SAMPLE_RATE  # 16 kHz: every member works at the platform's rate
DBFS_FLOOR = -120.0  # the dBFS of digital silence (log of 0 is clipped here)


@runtime_checkable
class SoundClassifier(Protocol):
    """One member of the ensemble. `window_s` is the length of audio it wants per call."""

    name: str
    window_s: float

    def classify(self, samples: NDArray[np.float32], t_s: float) -> list[SoundEvent]:
        """Sounds heard in `samples` (16 kHz mono, [-1, 1]) whose first sample is at camera time `t_s`."""
        ...


def load_audio(path: Path | str, sample_rate: int = SAMPLE_RATE) -> NDArray[np.float32]:
    """Decode the first audio stream of any file PyAV reads, as mono float32 at `sample_rate`.

    Channels are mixed down and the rate converted by FFmpeg's resampler (as the ingest does).
    """
    resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
    pieces: list[NDArray[np.float32]] = []
    with av.open(str(path)) as container:
        if not container.streams.audio:
            raise ValueError(f"{path} has no audio stream")
        stream = container.streams.audio[0]
        for frame in container.decode(stream):
            for converted in resampler.resample(frame):
                pieces.append(converted.to_ndarray().reshape(-1).astype(np.float32, copy=False))
        for converted in resampler.resample(None):
            pieces.append(converted.to_ndarray().reshape(-1).astype(np.float32, copy=False))
    if not pieces:
        return np.zeros(0, dtype=np.float32)
    return np.clip(np.concatenate(pieces), -1.0, 1.0).astype(np.float32, copy=False)


def frame_signal(samples: NDArray[np.float32], frame_len: int, hop: int) -> NDArray[np.float32]:
    """Frames of `frame_len` samples every `hop` samples, as rows; the tail is zero-padded to a frame.

    An empty signal gives zero frames; a signal shorter than one frame gives one padded frame.
    """
    if frame_len < 1 or hop < 1:
        raise ValueError(f"frame_len and hop must be positive, got {frame_len}, {hop}")
    n = len(samples)
    if n == 0:
        return np.zeros((0, frame_len), dtype=np.float32)
    count = 1 + max(0, -(-(n - frame_len) // hop))
    padded = np.zeros((count - 1) * hop + frame_len, dtype=np.float32)
    padded[:n] = samples
    view = np.lib.stride_tricks.sliding_window_view(padded, frame_len)[::hop]
    return np.ascontiguousarray(view[:count])


def rms_dbfs(samples: NDArray[np.float32]) -> float:
    """Root-mean-square level in dBFS (0 dBFS = a full-scale square wave; silence = `DBFS_FLOOR`)."""
    if len(samples) == 0:
        return DBFS_FLOOR
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return max(DBFS_FLOOR, 20.0 * np.log10(rms)) if rms > 0 else DBFS_FLOOR


@dataclass(frozen=True, slots=True)
class Spectrogram:
    """Magnitudes `mag[frame, bin]`; `times` are frame centres in seconds from the first sample."""

    mag: NDArray[np.float32]
    times: NDArray[np.float64]
    freqs: NDArray[np.float64]
    hop_s: float


def stft_magnitude(
    samples: NDArray[np.float32], n_fft: int = 1024, hop: int = 256, sample_rate: int = SAMPLE_RATE
) -> Spectrogram:
    """Hann-windowed magnitude spectra of frames of `n_fft` samples every `hop` (no centring)."""
    frames = frame_signal(samples, n_fft, hop)
    window = np.hanning(n_fft).astype(np.float32)
    mag = np.abs(np.fft.rfft(frames * window, axis=1)).astype(np.float32)
    times = (np.arange(len(frames)) * hop + n_fft / 2) / sample_rate
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sample_rate).astype(np.float64)
    return Spectrogram(mag=mag, times=times, freqs=freqs, hop_s=hop / sample_rate)


def log_stft(
    samples: NDArray[np.float32], n_fft: int = 1024, hop: int = 256, sample_rate: int = SAMPLE_RATE
) -> Spectrogram:
    """As `stft_magnitude`, in dB (20·log10, floored at `DBFS_FLOOR`)."""
    spec = stft_magnitude(samples, n_fft, hop, sample_rate)
    db = 20.0 * np.log10(np.maximum(spec.mag, 10 ** (DBFS_FLOOR / 20)))
    return Spectrogram(mag=db.astype(np.float32), times=spec.times, freqs=spec.freqs, hop_s=spec.hop_s)


def merge_events(events: list[SoundEvent], gap_s: float = 0.5, by_source: bool = True) -> list[SoundEvent]:
    """Events of the same label (and, with `by_source`, the same source) that overlap or lie within `gap_s`
    become one: highest conf, union of times, the detail of the most confident, every source named
    ("a+b"); ordered by start time."""
    merged: list[SoundEvent] = []
    for event in sorted(events, key=lambda e: (e.source if by_source else "", e.label, e.t_s)):
        last = merged[-1] if merged else None
        if (
            last
            and (last.source == event.source or not by_source)
            and last.label == event.label
            and event.t_s <= last.end_s + gap_s
        ):
            best = last if last.conf >= event.conf else event
            sources = last.source.split("+")
            if event.source not in sources:
                sources.append(event.source)
            merged[-1] = SoundEvent(
                label=last.label,
                conf=best.conf,
                t_s=last.t_s,
                end_s=max(last.end_s, event.end_s),
                source="+".join(sources),
                detail=best.detail,
            )
        else:
            merged.append(event)
    return sorted(merged, key=lambda e: (e.t_s, e.label))


def scan(
    member: SoundClassifier,
    samples: NDArray[np.float32],
    t_s: float = 0.0,
    hop_s: float | None = None,
    sample_rate: int = SAMPLE_RATE,
) -> list[SoundEvent]:
    """Run `member` over a long recording in windows of its `window_s`, every `hop_s` (half a window by
    default, so a sound cut by one window is whole in the next), and merge what the windows report."""
    window = max(1, round(member.window_s * sample_rate))
    hop = max(1, round((hop_s if hop_s is not None else member.window_s / 2) * sample_rate))
    events: list[SoundEvent] = []
    start = 0
    while True:
        piece = samples[start : start + window]
        events.extend(member.classify(piece, t_s + start / sample_rate))
        if start + window >= len(samples):
            break
        start += hop
    return merge_events(events)
