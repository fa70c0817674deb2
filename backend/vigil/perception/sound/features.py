"""pyAudioAnalysis's short-term and mid-term audio features, reproduced in numpy (no scipy).

The movie8class SVM (`sound/svm.py`) was trained on these features, so they must be the same numbers
pyAudioAnalysis 0.3.14 computes: `ShortTermFeatures.feature_extraction` (34 features per short frame plus
their 34 frame-to-frame deltas) and `MidTermFeatures.mid_feature_extraction` (mean and standard deviation
of each of the 68 over every mid-term window: 136 values). Quirks are kept on purpose, because the SVM
learned them: the whole signal is DC-removed and scaled to peak 1 first (so the input's scale does not
matter; pyAudioAnalysis divides int16 samples by 2**15 before that, which changes nothing after the
peak scaling), frames have no window function, the FFT magnitude is divided by its length, and the chroma
vector is built by assigning each FFT bin to a pitch class where later bins overwrite earlier ones.

Arrays here are frames × features (pyAudioAnalysis returns features × frames).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

EPS = sys.float_info.epsilon  # pyAudioAnalysis's `eps`
N_MFCC = 13
N_CHROMA = 12

SHORT_FEATURE_NAMES: tuple[str, ...] = (
    "zcr", "energy", "energy_entropy", "spectral_centroid", "spectral_spread", "spectral_entropy",
    "spectral_flux", "spectral_rolloff",
    *(f"mfcc_{i}" for i in range(1, N_MFCC + 1)),
    *(f"chroma_{i}" for i in range(1, N_CHROMA + 1)),
    "chroma_std",
)  # fmt: skip
SHORT_WITH_DELTAS: tuple[str, ...] = SHORT_FEATURE_NAMES + tuple(f"delta {n}" for n in SHORT_FEATURE_NAMES)
MID_FEATURE_NAMES: tuple[str, ...] = tuple(f"{n}_mean" for n in SHORT_WITH_DELTAS) + tuple(
    f"{n}_std" for n in SHORT_WITH_DELTAS
)

Float64Array = NDArray[np.float64]


def normalise(signal: NDArray[np.floating]) -> Float64Array:
    """pyAudioAnalysis's `dc_normalize`: subtract the mean, divide by the peak (+1e-10), in float64."""
    out = np.asarray(signal, dtype=np.float64).copy()
    if out.size == 0:
        return out
    out -= out.mean()
    out /= np.abs(out).max() + 1e-10
    return out


@dataclass(frozen=True, slots=True)
class _Tables:
    """Everything that depends only on the sample rate and the frame length."""

    n_fft: int  # number of magnitude bins kept: half the frame length
    bin_freqs: Float64Array  # the centroid's frequency of each kept bin
    filterbank: Float64Array  # (40, n_fft) triangular MFCC filters
    dct: Float64Array  # (13, 40) orthonormal DCT-II rows
    chroma_targets: NDArray[np.intp]  # chroma-vector slots that receive a bin ...
    chroma_sources: NDArray[np.intp]  # ... and the bin each receives (the last one assigned)
    chroma_divisor: Float64Array  # (n_fft,) pyAudioAnalysis's per-slot divisor
    chroma_padded: int  # length of the chroma vector padded to a multiple of 12


def _mfcc_filterbank(sample_rate: int, n_fft: int) -> Float64Array:
    """`ShortTermFeatures.mfcc_filter_banks` (from scikits.talkbox): 13 linear + 27 log filters."""
    lowfreq, linc, logsc, n_lin, n_log = 133.33, 200 / 3, 1.0711703, 13, 27
    n_total = n_lin + n_log
    freqs = np.zeros(n_total + 2)
    freqs[:n_lin] = lowfreq + np.arange(n_lin) * linc
    freqs[n_lin:] = freqs[n_lin - 1] * logsc ** np.arange(1, n_log + 3)
    heights = 2.0 / (freqs[2:] - freqs[0:-2])
    bank = np.zeros((n_total, n_fft))
    nfreqs = np.arange(n_fft) / (1.0 * n_fft) * sample_rate
    for i in range(n_total):
        low, centre, high = freqs[i], freqs[i + 1], freqs[i + 2]
        left = np.arange(
            np.floor(low * n_fft / sample_rate) + 1, np.floor(centre * n_fft / sample_rate) + 1, dtype=int
        )
        right = np.arange(
            np.floor(centre * n_fft / sample_rate) + 1, np.floor(high * n_fft / sample_rate) + 1, dtype=int
        )
        bank[i][left] = heights[i] / (centre - low) * (nfreqs[left] - low)
        bank[i][right] = heights[i] / (high - centre) * (high - nfreqs[right])
    return bank


def _dct_matrix(n_out: int, n_in: int) -> Float64Array:
    """Rows of scipy's `dct(type=2, norm='ortho')`, so that `x @ matrix.T` is its first `n_out` values."""
    k = np.arange(n_out)[:, None]
    n = np.arange(n_in)[None, :]
    matrix: Float64Array = np.cos(np.pi * k * (2 * n + 1) / (2 * n_in)) * np.sqrt(2.0 / n_in)
    matrix[0] /= np.sqrt(2.0)
    return matrix


@lru_cache(maxsize=8)
def _tables(sample_rate: int, window: int) -> _Tables:
    n_fft = window // 2
    # `chroma_features_init`: the pitch class number (semitones above 27.5 Hz) of each bin; the lowest
    # bins get negative numbers, which numpy's indexing wraps to the end of the vector.
    freqs = np.array([((f + 1) * sample_rate) / (2 * n_fft) for f in range(n_fft)])
    numbers = np.round(12.0 * np.log2(freqs / 27.50)).astype(int)
    per_number = np.zeros(n_fft)
    for number in np.unique(numbers):
        index = np.nonzero(numbers == number)
        per_number[index] = index[0].shape
    if numbers.max() >= n_fft:
        raise ValueError(
            f"frames of {window} samples at {sample_rate} Hz take pyAudioAnalysis's other chroma path"
        )
    # `C[numbers] = spec` with repeated numbers keeps one bin per slot; find which by doing it once
    probe = np.full(n_fft, -1, dtype=np.intp)
    probe[numbers] = np.arange(n_fft)
    targets = np.nonzero(probe >= 0)[0]
    return _Tables(
        n_fft=n_fft,
        bin_freqs=np.arange(1, n_fft + 1, dtype=np.float64) * (sample_rate / (2.0 * n_fft)),
        filterbank=_mfcc_filterbank(sample_rate, n_fft),
        dct=_dct_matrix(N_MFCC, 40),
        chroma_targets=targets,
        chroma_sources=probe[targets],
        chroma_divisor=per_number[numbers],
        chroma_padded=int(np.ceil(n_fft / 12.0) * 12),
    )


def _block_entropy(values: Float64Array, blocks: int = 10) -> Float64Array:
    """`energy_entropy` / `spectral_entropy`: entropy of the energies of `blocks` equal sub-blocks."""
    total = np.sum(values**2, axis=1)
    length = values.shape[1] // blocks
    sub = values[:, : length * blocks].reshape(len(values), blocks, length)
    share = np.sum(sub**2, axis=2) / (total[:, None] + EPS)
    result: Float64Array = -np.sum(share * np.log2(share + EPS), axis=1)
    return result


def _frames(signal: Float64Array, window: int, step: int) -> Float64Array:
    if len(signal) < window:
        return np.zeros((0, window))
    count = (len(signal) - window) // step + 1
    view = np.lib.stride_tricks.sliding_window_view(signal, window)[::step][:count]
    return np.ascontiguousarray(view)


def short_term_features(
    signal: NDArray[np.floating], sample_rate: int, window: int, step: int, deltas: bool = True
) -> Float64Array:
    """`ShortTermFeatures.feature_extraction`: (frames, 34) or, with `deltas`, (frames, 68).

    `window` and `step` are in samples; the signal is normalised here, as pyAudioAnalysis does.
    """
    tables = _tables(sample_rate, int(window))
    frames = _frames(normalise(signal), int(window), int(step))
    n_frames, n_fft = len(frames), tables.n_fft
    features = np.zeros((n_frames, len(SHORT_FEATURE_NAMES)))
    if n_frames == 0:
        return np.zeros((0, 2 * features.shape[1])) if deltas else features

    features[:, 0] = np.sum(np.abs(np.diff(np.sign(frames), axis=1)), axis=1) / 2 / (window - 1.0)
    features[:, 1] = np.sum(frames**2, axis=1) / np.float64(window)
    features[:, 2] = _block_entropy(frames)

    mag = np.abs(np.fft.rfft(frames, axis=1))[:, :n_fft] / n_fft
    peak = mag.max(axis=1, keepdims=True)
    shape = mag / np.where(peak == 0, EPS, peak)
    den = np.sum(shape, axis=1) + EPS
    centroid = np.sum(tables.bin_freqs * shape, axis=1) / den
    spread = np.sqrt(np.sum((tables.bin_freqs - centroid[:, None]) ** 2 * shape, axis=1) / den)
    features[:, 3] = centroid / (sample_rate / 2.0)
    features[:, 4] = spread / (sample_rate / 2.0)
    features[:, 5] = _block_entropy(mag)

    previous = np.concatenate([mag[:1], mag[:-1]])  # the first frame's flux is against itself: 0
    share = mag / np.sum(mag + EPS, axis=1, keepdims=True)
    previous_share = previous / np.sum(previous + EPS, axis=1, keepdims=True)
    features[:, 6] = np.sum((share - previous_share) ** 2, axis=1)

    power = mag**2
    above = np.cumsum(power, axis=1) + EPS > 0.90 * np.sum(power, axis=1, keepdims=True)
    features[:, 7] = np.where(above.any(axis=1), np.argmax(above, axis=1) / float(n_fft), 0.0)

    mel = np.log10(mag @ tables.filterbank.T + EPS)
    features[:, 8 : 8 + N_MFCC] = mel @ tables.dct.T

    chroma = np.zeros((n_frames, n_fft))
    chroma[:, tables.chroma_targets] = power[:, tables.chroma_sources]
    chroma /= tables.chroma_divisor
    padded = np.zeros((n_frames, tables.chroma_padded))
    padded[:, :n_fft] = chroma
    pitch = padded.reshape(n_frames, -1, N_CHROMA).sum(axis=1)
    total = power.sum(axis=1, keepdims=True)
    pitch /= np.where(total == 0, EPS, total)
    start = 8 + N_MFCC
    features[:, start : start + N_CHROMA] = pitch
    features[:, start + N_CHROMA] = pitch.std(axis=1)

    if not deltas:
        return features
    delta = np.zeros_like(features)
    delta[1:] = features[1:] - features[:-1]
    return np.concatenate([features, delta], axis=1)


def mid_term_features(
    signal: NDArray[np.floating],
    sample_rate: int,
    mid_window_s: float = 1.0,
    mid_step_s: float = 1.0,
    short_window_s: float = 0.05,
    short_step_s: float = 0.05,
) -> Float64Array:
    """`MidTermFeatures.mid_feature_extraction` as pyAudioAnalysis's classifiers call it: (windows, 136).

    Row i covers short frames [i·step, i·step + window): means of the 68 short-term features, then their
    standard deviations. The last row may cover fewer frames (a partial window), as in pyAudioAnalysis.
    """
    short_window = round(sample_rate * short_window_s)
    short_step = round(sample_rate * short_step_s)
    short = short_term_features(signal, sample_rate, short_window, short_step)
    window_ratio = round((mid_window_s * sample_rate - (short_window - short_step)) / short_step)
    step_ratio = round(mid_step_s * sample_rate / short_step)
    starts = range(0, len(short), step_ratio)
    rows = np.zeros((len(starts), 2 * short.shape[1]))
    for row, start in enumerate(starts):
        block = short[start : start + window_ratio]
        rows[row, : short.shape[1]] = block.mean(axis=0)
        rows[row, short.shape[1] :] = block.std(axis=0)
    return np.nan_to_num(rows)
