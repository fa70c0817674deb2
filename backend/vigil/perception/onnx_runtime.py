"""onnxruntime sessions for the perception models: CPU only, idle threads that sleep instead of spinning.

Spinning is off because several sessions run in turn in one process (detector, then pose): with
onnxruntime's default, the idle threads of the previous session busy-wait and steal the cores from the
next one. On the 2-core machine this made NanoDet 50 ms instead of 22 ms (models/convert/REPORT.md).

Telemetry is off: onnxruntime would otherwise send usage events to Microsoft (docs/architecture.md).
"""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort  # type: ignore[import-untyped]

_LFS_POINTER = b"version https://git-lfs"


class ModelLoadError(RuntimeError):
    """A model file is missing or is not a model onnxruntime can load. The message says what to do."""


def check_model_file(path: Path) -> None:
    """Cheap checks before anything loads: the file is there and is not a Git LFS pointer."""
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise ModelLoadError(
            f"model file {path} {what}. Put the file there or point the setting at the right file: "
            "the bundled ONNX models are committed under models/onnx/, the others come from `make models` "
            "(`vigil models list` says where each model comes from); "
            "a YOLOv8/YOLO11 detector comes from `yolo export model=yolov8n.pt format=onnx`."
        )
    with path.open("rb") as handle:
        head = handle.read(len(_LFS_POINTER))
    if head == _LFS_POINTER:
        raise ModelLoadError(
            f"model file {path} is a Git LFS pointer, not the model: run `git lfs pull` in the repository."
        )


def make_session(path: Path, threads: int = 1) -> ort.InferenceSession:
    """A CPU session for the ONNX model at `path`, with `threads` intra-op threads and spinning off."""
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    check_model_file(path)
    # Belt and braces with ORT_DISABLE_TELEMETRY (set in vigil/__init__.py before this import): no
    # usage events leave the machine even if the environment variable was cleared by someone.
    ort.disable_telemetry_events()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime's errors (InvalidProtobuf, Fail, ...) derive from Exception
        raise ModelLoadError(
            f"model file {path} is not a valid ONNX model that onnxruntime {ort.__version__} can load "
            f"({type(error).__name__}: {error}). Replace it with a complete copy: re-export it, or restore "
            "it from the repository (models/onnx/, checksums in models/onnx/SHA256SUMS)."
        ) from error
