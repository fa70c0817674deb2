"""Convert pyAudioAnalysis's movie8class SVM (a pickled scikit-learn SVC) into plain numpy arrays.

    usage: .venv/bin/python models/convert/convert_pyaudioanalysis_svm.py [OUT.npz] [--sdist FILE]

Runs in the project's own venv with the `dev` extra installed (it needs scikit-learn >= 1.0 to unpickle the
SVC, which was saved by scikit-learn 0.24.2: newer versions load it with an InconsistentVersionWarning, and
the arrays this script reads are the ones libsvm itself uses, so the warning does not matter here).

Steps: `pip download pyAudioAnalysis==0.3.14 --no-deps --no-binary :all:` (the sdist, checked against the
sha256 below) into a temp dir, read `pyAudioAnalysis/data/models/svm_rbf_movie8class` (the SVC) and
`svm_rbf_movie8classMEANS` (feature means/stds, class names, windows) out of the tarball, unpickle them
(once, here: Vigil never unpickles at run time) and write `models/audio/svm-movie8class.npz` with
`allow_pickle`-free arrays: support vectors (float32, the only large array), libsvm's dual coefficients,
intercepts, probA/probB, n_support, gamma, class names, feature means/stds and the window lengths.
Finally the npz's probabilities are checked against the SVC's own `predict_proba` on random feature vectors.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import pickle
import subprocess
import sys
import tarfile
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

PACKAGE = "pyAudioAnalysis==0.3.14"
SDIST_SHA256 = "03e0bb8d3831cf4cb56c8350857c0e4372dde834372686cea6bff48099a3b85e"
MODEL = "pyAudioAnalysis/data/models/svm_rbf_movie8class"
REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "models" / "audio" / "svm-movie8class.npz"


def download_sdist(folder: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", PACKAGE, "--no-deps", "--no-binary", ":all:"]
    subprocess.run([*command, "-d", str(folder)], check=True)  # noqa: S603 (fixed arguments)
    sdists = sorted(folder.glob("pyAudioAnalysis-0.3.14.tar.gz"))
    if not sdists:
        raise SystemExit(f"pip did not leave the {PACKAGE} sdist in {folder}")
    return sdists[0]


def read_member(sdist: Path, inner: str) -> bytes:
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            if member.name.split("/", 1)[-1] == inner:
                handle = archive.extractfile(member)
                if handle is not None:
                    return handle.read()
    raise SystemExit(f"{sdist.name} has no {inner}")


def unpickle_all(data: bytes) -> list[Any]:
    """Every object of a file written by several `pickle.dump` calls (as pyAudioAnalysis's MEANS file)."""
    stream, objects = io.BytesIO(data), []
    while stream.tell() < len(data):
        objects.append(pickle.load(stream))  # noqa: S301 (our pinned, checksummed file; conversion time only)
    return objects


def convert(sdist: Path) -> dict[str, np.ndarray]:
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != SDIST_SHA256:
        raise SystemExit(f"{sdist} has sha256 {digest}, expected {SDIST_SHA256}")
    import sklearn  # type: ignore[import-untyped]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # InconsistentVersionWarning: saved by scikit-learn 0.24.2
        (svc,) = unpickle_all(read_member(sdist, MODEL))
    mean, std, class_names, mid_window, mid_step, short_window, short_step, compute_beat = unpickle_all(
        read_member(sdist, MODEL + "MEANS")
    )
    if compute_beat:
        raise SystemExit("the model uses beat features, which this conversion does not support")
    if svc.kernel != "rbf" or not svc.probability or len(svc.classes_) != len(class_names):
        raise SystemExit(f"unexpected model: {svc}")
    if not np.array_equal(svc.classes_, np.arange(len(class_names))):
        raise SystemExit(f"class ids are not 0..{len(class_names) - 1}: {svc.classes_}")
    return {
        # libsvm's own arrays (sklearn keeps them in the underscore attributes; the public
        # dual_coef_/intercept_ are sign-flipped for two-class models)
        "support_vectors": np.asarray(svc.support_vectors_, dtype=np.float32),
        "dual_coef": np.asarray(svc._dual_coef_, dtype=np.float64),
        "intercept": np.asarray(svc._intercept_, dtype=np.float64),
        "prob_a": np.asarray(svc._probA, dtype=np.float64),
        "prob_b": np.asarray(svc._probB, dtype=np.float64),
        "n_support": np.asarray(svc._n_support, dtype=np.int32),
        "gamma": np.asarray(svc._gamma, dtype=np.float64),
        "class_names": np.asarray(class_names, dtype=np.str_),
        "feature_mean": np.asarray(mean, dtype=np.float64),
        "feature_std": np.asarray(std, dtype=np.float64),
        "mid_window_s": np.asarray(mid_window, dtype=np.float64),
        "mid_step_s": np.asarray(mid_step, dtype=np.float64),
        "short_window_s": np.asarray(short_window, dtype=np.float64),
        "short_step_s": np.asarray(short_step, dtype=np.float64),
        "origin": np.asarray(f"PyPI {PACKAGE} sdist {MODEL} (scikit-learn 0.24.2 SVC), Apache-2.0"),
        "converted_with": np.asarray(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}"),
        "_svc": np.asarray(pickle.dumps(svc)),  # removed before saving; used by the check below
    }


def check(arrays: dict[str, np.ndarray], out: Path) -> None:
    """The npz's probabilities equal the SVC's `predict_proba` on random standardised feature vectors."""
    sys.path.insert(0, str(REPO / "backend"))
    from vigil.perception.sound.svm import MovieSvmClassifier

    svc = pickle.loads(arrays["_svc"].item())  # noqa: S301 (the object unpickled above)
    classifier = MovieSvmClassifier(out)
    features = np.random.default_rng(0).normal(size=(200, svc.n_features_in_))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = svc.predict_proba(features)
    got = classifier.probabilities_of_standardised(features)
    error = float(np.max(np.abs(got - expected)))
    print(f"max |probability - predict_proba| over 200 random vectors: {error:.2e}")
    if error > 1e-5:
        raise SystemExit("the converted model does not reproduce predict_proba")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--sdist", type=Path, help="an already downloaded pyAudioAnalysis-0.3.14.tar.gz")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        sdist = args.sdist or download_sdist(Path(temp))
        arrays = convert(sdist)
    svc_bytes = arrays.pop("_svc")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_npz(args.out, arrays)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB), sha256 {sha256(args.out)}")
    check({**arrays, "_svc": svc_bytes}, args.out)


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """As `np.savez_compressed`, with fixed zip timestamps so that the same arrays give the same bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=False)
            archive.writestr(info, buffer.getvalue())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


if __name__ == "__main__":
    main()
