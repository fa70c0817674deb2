"""onnxruntime sessions for the perception models: idle threads that sleep instead of spinning, on the
device `VIGIL_DEVICE` names (`DEVICES`: the CPU by default; CUDA or TensorRT with `onnxruntime-gpu`,
OpenVINO with `onnxruntime-openvino`, each in place of `onnxruntime`). A device whose execution provider is
missing is a clear error at start, never a silent fall back to the CPU. `openvino` is not onnxruntime's:
the same files run on OpenVINO's own runtime (`openvino_runtime.py`), behind the same session interface.

Spinning is off because several sessions run in turn in one process (detector, then pose): with
onnxruntime's default, the idle threads of the previous session busy-wait and steal the cores from the
next one. On the 2-core machine this made NanoDet 50 ms instead of 22 ms (models/convert/REPORT.md).

Telemetry is off: onnxruntime would otherwise send usage events to Microsoft (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol, get_args

import onnxruntime as ort  # type: ignore[import-untyped]

_LFS_POINTER = b"version https://git-lfs"


class ModelLoadError(RuntimeError):
    """A model file is missing or is not a model onnxruntime can load. The message says what to do."""


OrtDevice = Literal["cpu", "cuda", "tensorrt", "openvino-cpu", "openvino-gpu"]
# `openvino`: OpenVINO's own runtime on the CPU (`pip install 'vigil[openvino]'`), not an onnxruntime provider
Device = OrtDevice | Literal["openvino"]
ORT_DEVICES: tuple[OrtDevice, ...] = get_args(OrtDevice)
DEVICES: tuple[Device, ...] = (*ORT_DEVICES, "openvino")
OPENVINO: Device = "openvino"
CPU = "CPUExecutionProvider"
Provider = str | tuple[str, dict[str, Any]]
# each device's providers, best first; the CPU last, for the few operators a device cannot run
_PROVIDERS: dict[OrtDevice, tuple[Provider, ...]] = {
    "cpu": (CPU,),
    "cuda": ("CUDAExecutionProvider", CPU),
    "tensorrt": ("TensorrtExecutionProvider", "CUDAExecutionProvider", CPU),
    "openvino-cpu": (("OpenVINOExecutionProvider", {"device_type": "CPU"}), CPU),
    "openvino-gpu": (("OpenVINOExecutionProvider", {"device_type": "GPU"}), CPU),
}
_PACKAGE = {
    "cuda": "onnxruntime-gpu",
    "tensorrt": "onnxruntime-gpu and TensorRT",
    "openvino-cpu": "onnxruntime-openvino",
    "openvino-gpu": "onnxruntime-openvino",
}


class DeviceUnavailableError(ModelLoadError):
    """`VIGIL_DEVICE` names a device this install cannot use. The message says what to install."""


class Session(Protocol):
    """What the model wrappers call on a session: onnxruntime's `InferenceSession`, or
    `openvino_runtime.OpenVinoSession` for `VIGIL_DEVICE=openvino`."""

    def get_inputs(self) -> Any: ...

    def get_outputs(self) -> Any: ...

    def get_modelmeta(self) -> Any: ...

    def get_providers(self) -> list[str]: ...

    def run(self, output_names: list[str] | None, feeds: dict[str, Any]) -> Any: ...


def _name(provider: Provider) -> str:
    return provider if isinstance(provider, str) else provider[0]


def providers_for(device: str, available: Sequence[str], threads: int = 1) -> list[Provider]:
    """The execution providers for `device`, given the providers this onnxruntime has (pure). OpenVINO's
    CPU plugin gets `threads` too: left to itself it runs on every core (measured: 256 ms of CPU a plaza
    frame against 210 with one thread, the same boxes), which a pool of one-thread workers oversubscribes."""
    if device == OPENVINO:
        raise DeviceUnavailableError(
            f"VIGIL_DEVICE={device} is OpenVINO's own runtime, not an onnxruntime execution provider"
        )
    if device not in _PROVIDERS:
        raise DeviceUnavailableError(
            f"VIGIL_DEVICE={device!r} is not a device; choose one of {', '.join(DEVICES)}"
        )
    wanted = _PROVIDERS[device]
    missing = [_name(p) for p in wanted if _name(p) not in available]
    if missing:
        raise DeviceUnavailableError(
            f"VIGIL_DEVICE={device} needs onnxruntime's {' and '.join(missing)}, but this onnxruntime "
            f"({ort.__version__}) has only {', '.join(available) or 'none'}. Install "
            f"{_PACKAGE.get(device, 'onnxruntime')} in place of onnxruntime, or set VIGIL_DEVICE=cpu."
        )
    return [
        (_name(p), {**p[1], "num_of_threads": str(threads)})
        if not isinstance(p, str)
        and _name(p) == "OpenVINOExecutionProvider"
        and p[1].get("device_type") == "CPU"
        else p
        for p in wanted
    ]


def check_device(device: str) -> None:
    """In the API process at start: a device this install cannot use is an error before any worker starts."""
    if device == OPENVINO:
        from vigil.perception.openvino_runtime import check_openvino

        check_openvino()
        return
    providers_for(device, ort.get_available_providers())


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


def make_session(path: Path, threads: int = 1, device: str = "cpu") -> Session:
    """A session for the ONNX model at `path` on `device`, with `threads` intra-op threads, spinning off."""
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    check_model_file(path)
    if device == OPENVINO:
        from vigil.perception.openvino_runtime import OpenVinoSession

        return OpenVinoSession(path, threads)
    providers = providers_for(device, ort.get_available_providers(), threads)
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
        session = ort.InferenceSession(str(path), sess_options=options, providers=providers)
    except Exception as error:  # onnxruntime's errors (InvalidProtobuf, Fail, ...) derive from Exception
        raise ModelLoadError(
            f"model file {path} is not a valid ONNX model that onnxruntime {ort.__version__} can load "
            f"({type(error).__name__}: {error}). Replace it with a complete copy: re-export it, or restore "
            "it from the repository (models/onnx/, checksums in models/onnx/SHA256SUMS)."
        ) from error
    # onnxruntime falls back to the CPU when a device's libraries do not load (a CUDA without its cuDNN):
    # say so rather than run ten times slower than the user asked for
    used = session.get_providers()
    if _name(providers[0]) not in used:
        raise DeviceUnavailableError(
            f"VIGIL_DEVICE={device}: onnxruntime could not start {_name(providers[0])} for {path.name} "
            f"(it fell back to {', '.join(used)}); its log above says which library is missing."
        )
    made: Session = session
    return made
