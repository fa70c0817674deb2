"""Signal measurements shared by the acoustic detectors: levels, tonal lines, flatness, band shares,
pitch, onsets and decays. Pure numpy on 16 kHz mono float32; no thresholds of any one detector."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from vigil.perception.sound.base import SAMPLE_RATE, Spectrogram, frame_signal

# ---------------------------------------------------------------------------------------------------------
# Shared measurements
# ---------------------------------------------------------------------------------------------------------
LEVEL_FLOOR_DB = -80.0  # levels below this (dBFS) count as this: digital silence is not a background
TONAL_FLANK_BINS = (4, 20)  # a tonal line is compared with the spectrum 4-20 bins either side of it
FLATNESS_FRAME = 256  # 16 ms frames for spectral flatness


def frame_levels_db(samples: NDArray[np.float32], frame: int, hop: int) -> NDArray[np.float64]:
    """Mean-square level of each frame in dBFS (a full-scale sine is -3 dBFS), floored at `LEVEL_FLOOR_DB`."""
    frames = frame_signal(samples, frame, hop).astype(np.float64)
    power = np.mean(frames * frames, axis=1) if len(frames) else np.zeros(0)
    return np.maximum(10.0 * np.log10(np.maximum(power, 1e-12)), LEVEL_FLOOR_DB)


@dataclass(frozen=True, slots=True)
class TonalTrack:
    """The strongest spectral peak of each frame within a band, and how far it stands out."""

    freq_hz: NDArray[np.float64]
    prominence_db: NDArray[np.float64]  # peak minus the louder of the median flanks either side
    level_db: NDArray[np.float64]  # the frame's loudest bin, dB
    times: NDArray[np.float64]
    hop_s: float


def tonal_track(spec: Spectrogram, fmin: float, fmax: float) -> TonalTrack:
    """Per frame, the loudest bin in [fmin, fmax] of a dB spectrogram and its prominence over its flanks.

    A narrow line (a siren, a beep, a harmonic) stands far above the spectrum a few bins away; broadband
    noise does not, whatever its level or slope, because the louder flank is the reference.
    """
    db = spec.mag.astype(np.float64)
    if len(db) == 0:
        empty = np.zeros(0)
        return TonalTrack(empty, empty, empty, empty, spec.hop_s)
    band = (spec.freqs >= fmin) & (spec.freqs <= fmax)
    peak = np.argmax(np.where(band, db, -np.inf), axis=1)
    rows = np.arange(len(peak))
    last = db.shape[1] - 1
    near, far = TONAL_FLANK_BINS
    offsets = np.arange(near, far)
    left = db[rows[:, None], np.clip(peak[:, None] - offsets, 0, last)]
    right = db[rows[:, None], np.clip(peak[:, None] + offsets, 0, last)]
    flank = np.maximum(np.median(left, axis=1), np.median(right, axis=1))
    return TonalTrack(
        freq_hz=spec.freqs[peak],
        prominence_db=db[rows, peak] - flank,
        level_db=db.max(axis=1),
        times=spec.times,
        hop_s=spec.hop_s,
    )


def runs(mask: NDArray[np.bool_], max_gap: int = 0) -> list[tuple[int, int]]:
    """[start, end) index ranges where `mask` is true, joining runs separated by at most `max_gap` falses."""
    found: list[tuple[int, int]] = []
    index = np.flatnonzero(mask)
    if len(index) == 0:
        return found
    start = prev = int(index[0])
    for i in index[1:]:
        if i - prev - 1 > max_gap:
            found.append((start, prev + 1))
            start = int(i)
        prev = int(i)
    found.append((start, prev + 1))
    return found


def spectral_flatness(samples: NDArray[np.float32], fmin: float = 100.0, fmax: float = 5000.0) -> float:
    """Geometric over arithmetic mean of the power spectrum in [fmin, fmax]: 1 for white noise, near 0 for
    a tone. A bang (gunshot, breaking glass) is flat; a thud or a voice is not. Averaged over 16 ms frames
    (Welch), so a transient at the segment's very start counts as much as one in its middle."""
    if len(samples) < FLATNESS_FRAME:
        return 0.0
    frames = frame_signal(samples, FLATNESS_FRAME, FLATNESS_FRAME // 2)
    power = np.mean(np.abs(np.fft.rfft(frames * np.hanning(FLATNESS_FRAME), axis=1)) ** 2, axis=0)
    freqs = np.fft.rfftfreq(FLATNESS_FRAME, 1.0 / SAMPLE_RATE)
    band = power[(freqs >= fmin) & (freqs <= fmax)] + 1e-20
    return float(np.exp(np.mean(np.log(band))) / np.mean(band))


def band_share(samples: NDArray[np.float32], fmin: float, fmax: float) -> float:
    """Fraction of the signal's power between fmin and fmax."""
    if len(samples) < 2:
        return 0.0
    power = np.abs(np.fft.rfft(samples)) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1.0 / SAMPLE_RATE)
    total = float(power.sum())
    return float(power[(freqs >= fmin) & (freqs < fmax)].sum() / total) if total > 0 else 0.0


def frame_f0(
    frames: NDArray[np.float32], fmin: float = 70.0, fmax: float = 1500.0
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Fundamental frequency and periodicity (normalised autocorrelation at that lag, 0..1) of each frame.

    The lag is the shortest local maximum reaching 85 % of the best one, so a periodic sound is not read an
    octave low; a frame whose best lag is the shortest allowed (a low-pass rumble, not a pitch) gets 0.
    """
    if len(frames) == 0:
        return np.zeros(0), np.zeros(0)
    centred = frames - frames.mean(axis=1, keepdims=True)
    n = centred.shape[1]
    spectrum = np.fft.rfft(centred * np.hanning(n), 2 * n, axis=1)
    ac = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, :n]
    ac = ac / np.maximum(ac[:, :1], 1e-12)
    lo, hi = int(SAMPLE_RATE / fmax), min(n - 2, int(SAMPLE_RATE / fmin))
    f0 = np.zeros(len(frames))
    strength = np.zeros(len(frames))
    for row in range(len(frames)):
        seg = ac[row, lo - 1 : hi + 2]
        peaks = np.flatnonzero((seg[1:-1] > seg[:-2]) & (seg[1:-1] >= seg[2:])) + 1
        if len(peaks) == 0:
            continue
        best = float(seg[peaks].max())
        first = int(peaks[np.argmax(seg[peaks] >= 0.85 * best)])
        lag = lo - 1 + first
        if lag <= lo:
            continue
        f0[row] = SAMPLE_RATE / lag
        strength[row] = float(seg[first])
    return f0, strength


# ---------------------------------------------------------------------------------------------------------
# Impulsive sounds: onsets shared by gunshot/explosion and glass
# ---------------------------------------------------------------------------------------------------------
ENVELOPE_FRAME = 80  # 5 ms level frames for onsets and decays
ONSET_CONTEXT_S = 0.15  # the background an onset is measured against: the median level of the 150 ms before
ONSET_RISE_S = 0.03  # the jump must happen within 30 ms
ONSET_MIN_SEPARATION_S = 0.3  # onsets closer than this are one event (a shot's echo, glass fragments)


@dataclass(frozen=True, slots=True)
class Onset:
    index: int  # envelope frame of the onset
    peak: int  # envelope frame of the loudest point within `ONSET_PEAK_S` after it
    jump_db: float  # how far the level jumped over the background within `ONSET_RISE_S`
    background_db: float
    peak_db: float


ONSET_PEAK_S = 0.2  # the peak of an event is the loudest 5 ms within 200 ms of its onset


def find_onsets(levels: NDArray[np.float64], min_jump_db: float) -> list[Onset]:
    """Frames where the level rises ≥ `min_jump_db` above the background within `ONSET_RISE_S`.

    The background is the median level over the `ONSET_CONTEXT_S` before the rise, so an onset needs that
    much context: none is looked for in a window's first 150 ms (`scan` overlaps windows by half, so every
    onset has its context in some window). The onset frame is the first of the rise within 10 dB of the
    jump's top, where the sound starts.
    """
    hop_s = ENVELOPE_FRAME / SAMPLE_RATE
    context = round(ONSET_CONTEXT_S / hop_s)
    rise = max(1, round(ONSET_RISE_S / hop_s))
    peak_span = round(ONSET_PEAK_S / hop_s)
    separation = round(ONSET_MIN_SEPARATION_S / hop_s)
    onsets: list[Onset] = []
    i = context + rise
    while i < len(levels):
        background = float(np.median(levels[i - rise - context : i - rise]))
        if levels[i] - background >= min_jump_db:
            rising = levels[i - rise : i + 1]
            start = i - rise + int(np.argmax(rising >= background + min_jump_db - 10.0))
            peak = start + int(np.argmax(levels[start : start + peak_span]))
            onsets.append(Onset(start, peak, float(levels[i]) - background, background, float(levels[peak])))
            i = peak + separation
        else:
            i += 1
    return onsets


def broadband_onsets(
    samples: NDArray[np.float32], levels: NDArray[np.float64], min_jump_db: float, min_flatness: float
) -> Iterator[tuple[Onset, int, float]]:
    """(onset, its first sample, the flatness of its first 50 ms) of each onset at least `min_jump_db`
    over the background whose start is broadband (flatness ≥ `min_flatness`): bangs and breaks, not voices."""
    for onset in find_onsets(levels, min_jump_db):
        first = onset.index * ENVELOPE_FRAME
        flatness = spectral_flatness(samples[first : first + int(0.05 * SAMPLE_RATE)])
        if flatness >= min_flatness:
            yield onset, first, flatness


def decay_time(levels: NDArray[np.float64], onset: Onset, drop_db: float) -> float | None:
    """Seconds from the peak until the level (20 ms running mean) falls `drop_db` below it, or to 6 dB
    over the background if that is higher; None if it does not fall within the levels given."""
    hop_s = ENVELOPE_FRAME / SAMPLE_RATE
    smooth = np.convolve(levels, np.ones(4) / 4, mode="same")
    target = max(onset.peak_db - drop_db, onset.background_db + 6.0)
    below = np.flatnonzero(smooth[onset.peak :] < target)
    return float(below[0] * hop_s) if len(below) else None


def rise_time(levels: NDArray[np.float64], onset: Onset) -> float:
    """Seconds from the onset to the first 5 ms frame within 6 dB of the event's peak."""
    reached = np.flatnonzero(levels[onset.index : onset.peak + 1] >= onset.peak_db - 6.0)
    return float(reached[0] * ENVELOPE_FRAME / SAMPLE_RATE) if len(reached) else 0.0


def voiced_fraction(samples: NDArray[np.float32]) -> float:
    """Fraction of 40 ms frames (10 ms hop) that are periodic (autocorrelation ≥ 0.5, F0 70-1500 Hz)."""
    frames = frame_signal(samples, 640, 160)
    if len(frames) == 0:
        return 0.0
    _, strength = frame_f0(frames)
    return float(np.mean(strength >= 0.5))
