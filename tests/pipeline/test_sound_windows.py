"""Sound windows for the models: overlapping, restarted after a hole, and each event reported once."""

from __future__ import annotations

import numpy as np

from vigil.domain import AudioChunk, SoundEvent
from vigil.pipeline.audio import AudioWindower, SoundEventMerger

RATE = 16_000


def chunks(start_s: float, seconds: float, chunk_s: float = 0.5) -> list[AudioChunk]:
    out = []
    t = start_s
    while t < start_s + seconds - 1e-9:
        n = round(chunk_s * RATE)
        first = round(t * RATE)
        out.append(AudioChunk(1, t, 1000.0 + t, np.arange(first, first + n, dtype=np.float32)))
        t += chunk_s
    return out


def test_windows_of_three_seconds_every_second_carry_the_right_samples_and_time() -> None:
    windower = AudioWindower(window_s=3.0, hop_s=1.0)
    windows = [w for c in chunks(10.0, 6.0) if (w := windower.push(c)) is not None]
    assert len(windows) == 6  # one per second of sound, the first ones shorter than 3 s
    assert [round(w.duration_s, 3) for w in windows] == [1.0, 2.0, 3.0, 3.0, 3.0, 3.0]
    for window in windows:
        first_sample = window.samples[0] / RATE
        assert abs(window.t_s - first_sample) < 1e-6  # t_s is the time of the first sample
    last = windows[-1]
    assert (last.t_s, last.t_s + last.duration_s) == (13.0, 16.0)
    np.testing.assert_array_equal(windower.newest(last), np.arange(15 * RATE, 16 * RATE, dtype=np.float32))


def test_a_hole_in_the_sound_starts_a_new_window() -> None:
    windower = AudioWindower(window_s=3.0, hop_s=1.0)
    for chunk in chunks(0.0, 4.0):
        windower.push(chunk)
    after_gap = [w for c in chunks(20.0, 2.0) if (w := windower.push(c)) is not None]
    assert [w.t_s for w in after_gap] == [20.0, 20.0]  # nothing from before the hole is glued on


def event(label: str, t_s: float, end_s: float, conf: float = 0.9) -> SoundEvent:
    return SoundEvent(label=label, conf=conf, t_s=t_s, end_s=end_s, source="test")


def test_a_sound_heard_in_three_overlapping_windows_is_reported_once() -> None:
    merger = SoundEventMerger()
    assert merger.fresh([event("scream", 25.0, 26.0)]) == [event("scream", 25.0, 26.0)]
    assert merger.fresh([event("scream", 25.0, 26.0)]) == []  # the next window hears it again
    longer = merger.fresh([event("scream", 25.0, 27.0), event("siren", 25.5, 27.0)])
    assert longer == [event("scream", 26.0, 27.0), event("siren", 25.5, 27.0)]  # only the new second
    assert merger.fresh([event("scream", 40.0, 41.0)]) == [event("scream", 40.0, 41.0)]  # a new scream
