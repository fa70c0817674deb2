"""Sound on its way to the models: overlapping windows, a gate in front, and each event reported once.

Windows overlap (default 3 s every 1 s) because several detectors need seconds of context (a siren's
sweep, a dog's repeated barks) while the answer should come about a second after the sound. Overlap means
the same scream is heard in up to three windows; `SoundEventMerger` reports each stretch of sound once.
"""

from __future__ import annotations

from collections import deque
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from vigil.domain import AUDIO_SAMPLE_RATE, AudioChunk, SoundEvent

SOUND_WINDOW_S = 3.0
SOUND_HOP_S = 1.0
MAX_GAP_S = 0.5  # a hole in the sound (reconnect, loop restart) larger than this starts a new window
SAME_SOUND_GAP_S = 0.5  # a label heard again within this of its last report continues that sound


class SoundGate(Protocol):
    """Decides, per camera and cheaply, whether the newest audio is worth the models (Frigate's idea)."""

    def passes(self, samples: NDArray[np.float32]) -> bool: ...


class AudioWindower:
    """Chunks in; every `hop_s` of new sound, the last `window_s` seconds out as one `AudioChunk`."""

    def __init__(
        self,
        window_s: float = SOUND_WINDOW_S,
        hop_s: float = SOUND_HOP_S,
        sample_rate: int = AUDIO_SAMPLE_RATE,
    ) -> None:
        if not 0 < hop_s <= window_s:
            raise ValueError(f"need 0 < hop_s <= window_s, got {hop_s}, {window_s}")
        self.window = round(window_s * sample_rate)
        self.hop = round(hop_s * sample_rate)
        self.sample_rate = sample_rate
        self._chunks: deque[AudioChunk] = deque()
        self._buffered = 0
        self._new = 0

    def push(self, chunk: AudioChunk) -> AudioChunk | None:
        if self._chunks:
            last = self._chunks[-1]
            expected = last.t_s + len(last.samples) / self.sample_rate
            if abs(chunk.t_s - expected) > MAX_GAP_S:
                self._chunks.clear()
                self._buffered = self._new = 0
        self._chunks.append(chunk)
        self._buffered += len(chunk.samples)
        self._new += len(chunk.samples)
        while self._chunks and self._buffered - len(self._chunks[0].samples) >= self.window:
            self._buffered -= len(self._chunks.popleft().samples)
        if self._new < self.hop:
            return None
        self._new = 0
        samples = np.concatenate([c.samples for c in self._chunks])[-self.window :]
        end_s = chunk.t_s + len(chunk.samples) / self.sample_rate
        return AudioChunk(
            camera_id=chunk.camera_id,
            t_s=end_s - len(samples) / self.sample_rate,
            wall_time_s=chunk.wall_time_s,
            samples=samples.astype(np.float32, copy=False),
            sample_rate=self.sample_rate,
        )

    def newest(self, window: AudioChunk) -> NDArray[np.float32]:
        """The part of a window that no earlier window had: what a gate should judge."""
        return window.samples[-self.hop :]


SILENCE_DBFS = -100.0


def level_dbfs(samples: NDArray[np.float32]) -> float:
    """The loudness of a stretch of sound: its RMS in dB relative to full scale (silence: -100)."""
    if len(samples) == 0:
        return SILENCE_DBFS
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return max(SILENCE_DBFS, 20.0 * float(np.log10(rms))) if rms > 0.0 else SILENCE_DBFS


class SoundEventMerger:
    """Reports each stretch of a sound once, though overlapping windows hear it several times.

    An event wholly inside what was already reported for its label is dropped; one that goes on past it
    is reported for its new part only (so evidence is never counted twice downstream).
    """

    def __init__(self) -> None:
        self._reported_until: dict[str, float] = {}

    def fresh(self, events: tuple[SoundEvent, ...] | list[SoundEvent]) -> list[SoundEvent]:
        out: list[SoundEvent] = []
        for event in sorted(events, key=lambda e: (e.t_s, e.label)):
            until = self._reported_until.get(event.label)
            if until is not None and event.end_s <= until:
                continue
            start = event.t_s
            if until is not None and event.t_s < until + SAME_SOUND_GAP_S:
                start = max(event.t_s, until)
            self._reported_until[event.label] = event.end_s
            out.append(event if start == event.t_s else _starting_at(event, start))
        return out


def _starting_at(event: SoundEvent, start: float) -> SoundEvent:
    return SoundEvent(
        label=event.label,
        conf=event.conf,
        t_s=start,
        end_s=event.end_s,
        source=event.source,
        detail=event.detail,
    )
