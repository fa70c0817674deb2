"""Which stretches of a camera's speech go to the speech-to-text model, and how often.

Whisper costs about the same for 1 s of speech as for 10 (it always reads a 30 s frame), so transcribing
each 3 s sound window would pay for the same audio three times. Instead the voice detector's speech
events are gathered into one clip per utterance: a clip is due when the speech has paused (a window ends
`PAUSE_S` after it) or has gone on for `max_clip_s`, and at most one clip per `min_interval_s` is sent
per camera. Each stretch of speech is transcribed once (`transcribed_until`); speech that waited longer
than `max_clip_s` behind the rate limit is cut to its newest `max_clip_s`.
Pure: the camera pipeline, replay and `vigil detect` feed it the same events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from vigil.domain import AudioChunk, SoundEvent

SPEECH_LABEL = "speech"
PAUSE_S = 0.3  # speech that ended this long before a window's end has paused: transcribe it now
PAD_S = 0.2  # of sound kept either side of the speech (the voice detector cuts close to the words)
MIN_INTERVAL_S = 6.0  # Whisper costs ~0.6 s of CPU a clip whatever its length: ≤ 0.1 core per camera
MAX_CLIP_S = 12.0  # ≥ MIN_INTERVAL_S: the speech that waited for the rate limit fits in the next clip


@dataclass(frozen=True, slots=True)
class SpeechClip:
    """Camera time of the sound to transcribe."""

    t_s: float
    end_s: float


class SpeechClipper:
    def __init__(self, min_interval_s: float = MIN_INTERVAL_S, max_clip_s: float = MAX_CLIP_S) -> None:
        if min_interval_s < 0 or max_clip_s <= 0:
            raise ValueError(f"need min_interval_s >= 0 and max_clip_s > 0: {min_interval_s}, {max_clip_s}")
        self.min_interval_s = min_interval_s
        self.max_clip_s = max_clip_s
        self.transcribed_until = float("-inf")
        self._pending: tuple[float, float] | None = None
        self._last_clip_at = float("-inf")

    def hear(self, sounds: Iterable[SoundEvent], window_end_s: float) -> SpeechClip | None:
        """The sounds of one analysed window ending at `window_end_s` (a skipped, quiet window: none) →
        the clip to transcribe now, if one is due."""
        for event in sounds:
            if event.label != SPEECH_LABEL:
                continue
            start = max(event.t_s, self.transcribed_until)
            if event.end_s <= start:
                continue
            if self._pending is None:
                self._pending = (start, event.end_s)
            else:
                self._pending = (min(self._pending[0], start), max(self._pending[1], event.end_s))
        if self._pending is None:
            return None
        start, end = self._pending
        paused = window_end_s - end >= PAUSE_S
        long_enough = end - start >= self.max_clip_s
        if not (paused or long_enough) or window_end_s - self._last_clip_at < self.min_interval_s:
            return None
        return self._take(window_end_s)

    def flush(self, end_s: float) -> SpeechClip | None:
        """The sound ended at `end_s` (a recording's end): the speech still waiting, whatever the rate."""
        return self._take(end_s) if self._pending is not None else None

    def _take(self, now_s: float) -> SpeechClip:
        assert self._pending is not None
        start, end = self._pending
        start = max(start, end - self.max_clip_s)
        clip = SpeechClip(max(start - PAD_S, self.transcribed_until), min(end + PAD_S, now_s))
        self.transcribed_until = end
        self._pending = None
        self._last_clip_at = now_s
        return clip


def clip_audio(chunks: Sequence[AudioChunk], clip: SpeechClip) -> AudioChunk | None:
    """The sound of `clip` cut from consecutive chunks of one camera (its audio ring); None when the ring
    no longer holds any of it."""
    kept = [c for c in chunks if c.t_s < clip.end_s and c.t_s + c.duration_s > clip.t_s]
    if not kept:
        return None
    rate = kept[0].sample_rate
    samples = np.concatenate([c.samples for c in kept])
    first = max(0, round((clip.t_s - kept[0].t_s) * rate))
    last = min(len(samples), round((clip.end_s - kept[0].t_s) * rate))
    if last <= first:
        return None
    start_s = kept[0].t_s + first / rate
    return AudioChunk(
        camera_id=kept[0].camera_id,
        t_s=start_s,
        wall_time_s=kept[0].wall_time_s + (start_s - kept[0].t_s),
        samples=samples[first:last].astype(np.float32, copy=False),
        sample_rate=rate,
    )
