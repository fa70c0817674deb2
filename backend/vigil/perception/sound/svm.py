"""pyAudioAnalysis's movie8class SVM as a member of the sound-event ensemble, in numpy.

The model is the RBF-kernel SVC `svm_rbf_movie8class` that ships in the pyAudioAnalysis 0.3.14 sdist
(Apache-2.0), trained on movie audio in 8 classes: Speech, Music, Others1-3, Shots, Fights, Screams.
`models/convert/convert_pyaudioanalysis_svm.py` turned the pickle into plain arrays
(`models/audio/svm-movie8class.npz`); nothing is unpickled at run time. Here the 136 mid-term features of
each 1 s window (`sound/features.py`) are standardised with the training means/stds, and libsvm's
one-vs-one decision values, pairwise Platt sigmoids and pairwise coupling give the 8 class probabilities:
the numbers scikit-learn's `SVC.predict_proba` gives for the original model.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from vigil.domain import AUDIO_SAMPLE_RATE, SoundEvent
from vigil.perception.manifest import MODELS_ROOT
from vigil.perception.onnx_runtime import ModelLoadError, check_model_file
from vigil.perception.sound.features import MID_FEATURE_NAMES, mid_term_features

DEFAULT_MODEL = MODELS_ROOT / "audio" / "svm-movie8class.npz"
SOURCE = "svm-movie8class"
# The model's classes → the platform's `SOUND_LABELS`; the three "Others" classes are background sounds.
LABELS = {"Speech": "speech", "Music": "music", "Shots": "gunshot", "Fights": "fight", "Screams": "scream"}
# Measured on the shared sounds and the plaza scenario (docs/_fragments/sound-svm.md): true scream windows
# score 0.73-0.98 and clear speech 0.85-0.94, while ambience, rain, footsteps, doors, glass, the alarm, the
# explosion and the siren give mapped classes at most 0.66 (the model's "nothing special" answer for a
# short transient is Screams ≈ 0.46). 0.7 is the lowest round value above all of those.
DEFAULT_THRESHOLD = 0.7
# The samples of one call are normalised together (as pyAudioAnalysis does with a file). Over 1 s, quiet
# stretches are scaled up to full level and the siren's fading tail became Screams 0.75; over 2 s or more
# no background window reached 0.7 (the scenario gave the same events for every chunk offset tried).
DEFAULT_WINDOW_S = 2.0
MIN_WINDOW_S = 0.25  # a trailing piece shorter than this (5 short frames) is not classified
_MIN_PROB = 1e-7  # libsvm clips the pairwise probabilities to [1e-7, 1 - 1e-7]
_KEYS = (
    "support_vectors", "dual_coef", "intercept", "prob_a", "prob_b", "n_support", "gamma", "class_names",
    "feature_mean", "feature_std", "mid_window_s", "mid_step_s", "short_window_s", "short_step_s",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class WindowProbabilities:
    """The 8 class probabilities of each window; `starts_s`/`ends_s` are on the caller's clock."""

    starts_s: NDArray[np.float64]
    ends_s: NDArray[np.float64]
    probs: NDArray[np.float64]  # (windows, classes), rows sum to 1
    class_names: tuple[str, ...]


def _load(path: Path) -> dict[str, NDArray[np.generic]]:
    fix = "restore it (git checkout models/audio/svm-movie8class.npz) or rebuild it with "
    fix += "models/convert/convert_pyaudioanalysis_svm.py"
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise ModelLoadError(f"model file {path} {what}; {fix}.")
    check_model_file(path)  # a Git LFS pointer instead of the file
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in _KEYS if key not in archive.files]
            if missing:
                raise ModelLoadError(
                    f"model file {path} lacks {missing}: it is not the converted SVM; {fix}."
                )
            return {key: archive[key] for key in _KEYS}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise ModelLoadError(
            f"model file {path} is not a readable numpy .npz ({type(error).__name__}: {error}); {fix}."
        ) from error


def _couple(pairwise: NDArray[np.float64], k: int) -> NDArray[np.float64]:
    """libsvm's `multiclass_probability` (Wu, Lin & Weng 2004, method 2), step for step.

    `pairwise[i, j]` is P(i | i or j). The iteration stops on the same criterion as libsvm's, so the
    result matches scikit-learn's to rounding, not just to the tolerance.
    """
    # Q[t][j] = -r[j][t] r[t][j] and Q[t][t] = sum over j != t of r[j][t]^2 (the diagonal of r is 0)
    q = -pairwise.T * pairwise
    np.fill_diagonal(q, np.sum(pairwise**2, axis=0))
    qd = [[float(v) for v in row] for row in q]
    p = [1.0 / k] * k
    eps = 0.005 / k
    for _ in range(max(100, k)):
        qp = [sum(qd[t][j] * p[j] for j in range(k)) for t in range(k)]
        pqp = sum(p[t] * qp[t] for t in range(k))
        if max(abs(qp[t] - pqp) for t in range(k)) < eps:
            break
        for t in range(k):
            diff = (-qp[t] + pqp) / qd[t][t]
            p[t] += diff
            pqp = (pqp + diff * (diff * qd[t][t] + 2 * qp[t])) / (1 + diff) / (1 + diff)
            for j in range(k):
                qp[j] = (qp[j] + diff * qd[t][j]) / (1 + diff)
                p[j] /= 1 + diff
    return np.array(p)


class MovieSvmClassifier:
    """Screams, shots, fights, speech and music in 1 s windows of 16 kHz mono audio.

    `classify` treats the samples it is given as one recording (normalised as a whole, as pyAudioAnalysis
    does with a file), cuts them into 1 s windows from their first sample, and reports each window whose
    most probable class maps to a platform label with probability ≥ `threshold`.
    """

    name = SOURCE

    def __init__(
        self,
        path: Path = DEFAULT_MODEL,
        threshold: float = DEFAULT_THRESHOLD,
        window_s: float = DEFAULT_WINDOW_S,
    ) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {threshold}")
        arrays = _load(path)
        self.path = path
        self.threshold = threshold
        self.class_names: tuple[str, ...] = tuple(str(n) for n in arrays["class_names"])
        self.mid_window_s = float(arrays["mid_window_s"])
        self.mid_step_s = float(arrays["mid_step_s"])
        self.short_window_s = float(arrays["short_window_s"])
        self.short_step_s = float(arrays["short_step_s"])
        if window_s < self.mid_window_s:
            raise ValueError(f"window_s must be at least the model's {self.mid_window_s} s, got {window_s}")
        self.window_s = window_s
        self._mean = arrays["feature_mean"].astype(np.float64)
        self._std = arrays["feature_std"].astype(np.float64)
        self._sv = arrays["support_vectors"].astype(np.float64)
        self._sv_sq = np.sum(self._sv**2, axis=1)
        self._gamma = float(arrays["gamma"])
        self._prob_a = arrays["prob_a"].astype(np.float64)
        self._prob_b = arrays["prob_b"].astype(np.float64)
        self._intercept = arrays["intercept"].astype(np.float64)
        k = len(self.class_names)
        n_support = arrays["n_support"].astype(np.intp)
        dual = arrays["dual_coef"].astype(np.float64)
        n_pairs = k * (k - 1) // 2
        shapes_ok = (
            len(n_support) == k
            and self._sv.shape == (int(n_support.sum()), len(MID_FEATURE_NAMES))
            and dual.shape == (k - 1, len(self._sv))
            and all(len(a) == n_pairs for a in (self._intercept, self._prob_a, self._prob_b))
            and self._mean.shape == self._std.shape == (len(MID_FEATURE_NAMES),)
        )
        if not shapes_ok:
            raise ModelLoadError(
                f"model file {path} has inconsistent array shapes; rebuild it with "
                "models/convert/convert_pyaudioanalysis_svm.py"
            )
        # libsvm's one-vs-one decision value of pair (i, j) is a weighted sum over the support vectors of
        # classes i and j; as one weight row per pair it becomes a single matrix product.
        start = np.concatenate([[0], np.cumsum(n_support)])
        self._pair_weights = np.zeros((n_pairs, len(self._sv)))
        self._pairs: list[tuple[int, int]] = []
        for i in range(k):
            for j in range(i + 1, k):
                row = len(self._pairs)
                self._pair_weights[row, start[i] : start[i + 1]] = dual[j - 1, start[i] : start[i + 1]]
                self._pair_weights[row, start[j] : start[j + 1]] = dual[i, start[j] : start[j + 1]]
                self._pairs.append((i, j))

    def decision_values(self, standardised: NDArray[np.float64]) -> NDArray[np.float64]:
        """libsvm's one-vs-one decision values, (n, 28) in the order (0,1), (0,2), ..., (6,7)."""
        x = np.atleast_2d(np.asarray(standardised, dtype=np.float64))
        sq = np.sum(x**2, axis=1)[:, None] + self._sv_sq[None, :] - 2.0 * (x @ self._sv.T)
        kernel = np.exp(-self._gamma * sq)
        values: NDArray[np.float64] = kernel @ self._pair_weights.T + self._intercept
        return values

    def probabilities_of_standardised(self, standardised: NDArray[np.float64]) -> NDArray[np.float64]:
        """Class probabilities (n, 8) of standardised feature vectors, as `SVC.predict_proba`."""
        values = self.decision_values(standardised)
        f_apb = values * self._prob_a + self._prob_b
        # libsvm's `sigmoid_predict`, written to avoid overflow on either side
        sigmoid = np.where(
            f_apb >= 0,
            np.exp(-np.abs(f_apb)) / (1.0 + np.exp(-np.abs(f_apb))),
            1.0 / (1.0 + np.exp(-np.abs(f_apb))),
        )
        sigmoid = np.clip(sigmoid, _MIN_PROB, 1 - _MIN_PROB)
        k = len(self.class_names)
        out = np.zeros((len(values), k))
        for row in range(len(values)):
            pairwise = np.zeros((k, k))
            for column, (i, j) in enumerate(self._pairs):
                pairwise[i, j] = sigmoid[row, column]
                pairwise[j, i] = 1.0 - sigmoid[row, column]
            out[row] = _couple(pairwise, k)
        return out

    def features(self, samples: NDArray[np.float32]) -> NDArray[np.float64]:
        """The 136 mid-term features of each window (pyAudioAnalysis's, not yet standardised)."""
        return mid_term_features(
            samples,
            AUDIO_SAMPLE_RATE,
            self.mid_window_s,
            self.mid_step_s,
            self.short_window_s,
            self.short_step_s,
        )

    def window_probabilities(self, samples: NDArray[np.float32], t_s: float = 0.0) -> WindowProbabilities:
        """Every window's class probabilities; a trailing piece shorter than `MIN_WINDOW_S` is left out."""
        features = self.features(samples)
        starts = t_s + np.arange(len(features)) * self.mid_step_s
        ends = np.minimum(starts + self.mid_window_s, t_s + len(samples) / AUDIO_SAMPLE_RATE)
        keep = ends - starts >= MIN_WINDOW_S - 1e-9
        probs = self.probabilities_of_standardised((features[keep] - self._mean) / self._std)
        return WindowProbabilities(starts[keep], ends[keep], probs, self.class_names)

    def classify(self, samples: NDArray[np.float32], t_s: float) -> list[SoundEvent]:
        """A `SoundEvent` per window whose top class maps to a platform label with probability ≥ threshold."""
        windows = self.window_probabilities(samples, t_s)
        events = []
        for start, end, probs in zip(windows.starts_s, windows.ends_s, windows.probs, strict=True):
            top = int(np.argmax(probs))
            label = LABELS.get(self.class_names[top])
            if label is None or probs[top] < self.threshold:
                continue
            runner_up = int(np.argsort(probs)[-2])
            detail = (
                f"movie8class SVM: {self.class_names[top]} p={probs[top]:.2f} "
                f"(next {self.class_names[runner_up]} p={probs[runner_up]:.2f}) over {end - start:.1f} s"
            )
            events.append(SoundEvent(label, float(probs[top]), float(start), float(end), SOURCE, detail))
        return events
