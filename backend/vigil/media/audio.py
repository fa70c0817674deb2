"""The sound around an incident's sound evidence as a WAV file (PCM 16-bit, mono, 16 kHz)."""

from __future__ import annotations

import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from vigil.domain import AUDIO_SAMPLE_RATE, AudioChunk
from vigil.media.storage import atomic_file, digest

DEFAULT_PAD_S = 1.0


class NoAudioError(ValueError):
    """No audio chunk overlaps the asked time span."""


@dataclass(frozen=True, slots=True)
class AudioSnippet:
    samples: NDArray[np.float32]
    start_s: float  # camera clock time of the first sample
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


@dataclass(frozen=True, slots=True)
class WrittenAudio:
    path: Path
    bytes: int
    sha256: str
    start_s: float
    duration_s: float


def cut_audio(
    chunks: Sequence[AudioChunk], start_s: float, end_s: float, pad_s: float = DEFAULT_PAD_S
) -> AudioSnippet:
    """The audio from `start_s - pad_s` to `end_s + pad_s`, trimmed to what the chunks cover; samples a
    dropped chunk would have held are silence, so times in the snippet stay true."""
    rates = {c.sample_rate for c in chunks}
    if len(rates) > 1:
        raise ValueError(f"audio chunks at several sample rates: {sorted(rates)}")
    rate = rates.pop() if rates else AUDIO_SAMPLE_RATE
    wanted_start, wanted_end = start_s - pad_s, end_s + pad_s
    overlapping = [c for c in chunks if c.t_s < wanted_end and c.t_s + c.duration_s > wanted_start]
    if not overlapping or wanted_end <= wanted_start:
        raise NoAudioError(f"no audio between {wanted_start:.2f} s and {wanted_end:.2f} s")
    begin = max(wanted_start, min(c.t_s for c in overlapping))
    finish = min(wanted_end, max(c.t_s + c.duration_s for c in overlapping))
    out = np.zeros(max(0, round((finish - begin) * rate)), dtype=np.float32)
    for chunk in overlapping:
        offset = round((chunk.t_s - begin) * rate)
        lo, hi = max(0, offset), min(len(out), offset + len(chunk.samples))
        if hi > lo:
            out[lo:hi] = chunk.samples[lo - offset : hi - offset]
    return AudioSnippet(out, begin, rate)


def pcm16(samples: NDArray[np.float32]) -> bytes:
    return (np.clip(samples, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()


def write_wav(
    chunks: Sequence[AudioChunk], start_s: float, end_s: float, target: Path, pad_s: float = DEFAULT_PAD_S
) -> WrittenAudio:
    """Write the padded snippet to `target` atomically; raises `NoAudioError` when there is none."""
    snippet = cut_audio(chunks, start_s, end_s, pad_s)
    with atomic_file(target) as temp, wave.open(str(temp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(snippet.sample_rate)
        out.writeframes(pcm16(snippet.samples))
    stored = digest(target)
    return WrittenAudio(target, stored.bytes, stored.sha256, snippet.start_s, snippet.duration_s)
