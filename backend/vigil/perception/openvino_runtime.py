"""OpenVINO's own runtime for the object and pose models (`VIGIL_DEVICE=openvino`, the optional extra
`vigil[openvino]`): the same ONNX files, compiled by `openvino.Core().compile_model` for the CPU plugin,
behind `OpenVinoSession`, which offers what the model wrappers call on an onnxruntime session (`get_inputs()`,
`get_outputs()`, `get_modelmeta()`, `run(None, feeds)` → numpy arrays in the model's output order).

Settings of the CPU plugin, and why:
- `INFERENCE_NUM_THREADS` = the session's threads and one stream with the LATENCY hint: a pool worker is
  one thread, as with onnxruntime (the inference runs on the caller's thread).
- `ENABLE_CPU_PINNING` off: left on, every one-thread worker process pins its thread, and several workers
  can end up on the same core.
- Inference precision is the plugin's default: bf16 on CPUs that compute it natively (AVX512_BF16, AMX),
  f32 elsewhere. bf16 is where the speed comes from (×0.5 on NanoDet and MoveNet on an AVX512_BF16 EPYC;
  in f32 OpenVINO costs what onnxruntime costs); what it changes in the people, poses and incidents found
  is measured in docs/performance.md. `PRECISION_F32` forces f32 (tests compare runtimes with it).
- No model cache (`CACHE_DIR` is left unset), nothing downloaded.
- No telemetry. `import openvino` imports its model converter (`openvino.tools.ovc`), which, when the
  `openvino-telemetry` package (a dependency of `openvino`) is importable and the user never opted out,
  writes a client id to `~/intel/` and sends an "import" event to Google Analytics. Every place that uses
  the package falls back to a stub that sends nothing when it cannot be imported, so `_openvino()` makes it
  unimportable before the first `import openvino` of the process (tests/perception/test_openvino_runtime.py
  checks that nothing is written to the home folder and the package stays unloaded).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vigil.perception.onnx_runtime import DeviceUnavailableError, ModelLoadError

INSTALL = "pip install 'vigil[openvino]'"
PRECISION_F32 = "f32"

# OpenVINO element type → the type string onnxruntime's NodeArg gives
_ONNX_TYPES = {
    "f32": "tensor(float)",
    "f16": "tensor(float16)",
    "f64": "tensor(double)",
    "i32": "tensor(int32)",
    "i64": "tensor(int64)",
    "u8": "tensor(uint8)",
    "i8": "tensor(int8)",
    "boolean": "tensor(bool)",
}


def _openvino() -> Any:
    if "openvino" not in sys.modules:
        # None in sys.modules makes `import openvino_telemetry` raise ImportError: OpenVINO then uses its
        # own stub, which sends nothing (see the module's docstring)
        sys.modules.setdefault("openvino_telemetry", None)  # type: ignore[arg-type]
    try:
        import openvino  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError as error:
        raise DeviceUnavailableError(
            f"VIGIL_DEVICE=openvino needs OpenVINO's runtime (the `openvino` package), which is not "
            f"installed ({error}). Install it with {INSTALL}, or set VIGIL_DEVICE=cpu."
        ) from None
    return openvino


def check_openvino() -> None:
    """In the API process at start: `VIGIL_DEVICE=openvino` without the package is an error there."""
    _openvino()


@dataclass(frozen=True)
class TensorInfo:
    """An input or output as onnxruntime's `NodeArg` describes it; a dynamic dimension is "?"."""

    name: str
    shape: list[int | str]
    type: str


@dataclass(frozen=True)
class ModelMeta:
    """The ONNX file's metadata properties (a YOLO export's `names` and `imgsz`)."""

    custom_metadata_map: dict[str, str]


def _info(port: Any) -> TensorInfo:
    shape: list[int | str] = [dim.get_length() if dim.is_static else "?" for dim in port.get_partial_shape()]
    kind = port.get_element_type().get_type_name()
    return TensorInfo(port.get_any_name(), shape, _ONNX_TYPES.get(kind, f"tensor({kind})"))


class OpenVinoSession:
    """An ONNX model compiled by OpenVINO for the CPU. A model with dynamic input dimensions (MoveNet's
    crop size) is compiled once per input shape it is fed, since static shapes run faster on the CPU."""

    def __init__(self, path: Path, threads: int = 1, precision: str | None = None) -> None:
        openvino = _openvino()
        self._core = openvino.Core()
        try:
            self._model = self._core.read_model(str(path))
        except Exception as error:  # OpenVINO raises RuntimeError subclasses of its own
            raise ModelLoadError(
                f"model file {path} is not a valid ONNX model that OpenVINO {openvino.__version__} can "
                f"read ({type(error).__name__}: {error}). Replace it with a complete copy, or set "
                "VIGIL_DEVICE=cpu."
            ) from error
        self._config: dict[str, Any] = {
            "INFERENCE_NUM_THREADS": threads,
            "NUM_STREAMS": 1,
            "PERFORMANCE_HINT": "LATENCY",
            "ENABLE_CPU_PINNING": False,
        }
        if precision is not None:
            self._config["INFERENCE_PRECISION_HINT"] = precision
        self._inputs = [_info(port) for port in self._model.inputs]
        self._outputs = [_info(port) for port in self._model.outputs]
        self._requests: dict[tuple[tuple[int, ...], ...], tuple[Any, list[Any]]] = {}
        self.precision = ""
        if all(isinstance(dim, int) for i in self._inputs for dim in i.shape):
            self._request(tuple(tuple(int(d) for d in i.shape) for i in self._inputs))

    def _request(self, shapes: tuple[tuple[int, ...], ...]) -> tuple[Any, list[Any]]:
        """The infer request for inputs of these shapes, compiled on first use."""
        found = self._requests.get(shapes)
        if found is None:
            model = self._model
            if any(not port.get_partial_shape().is_static for port in model.inputs):
                model = model.clone()
                model.reshape(
                    {port.get_any_name(): list(s) for port, s in zip(model.inputs, shapes, strict=True)}
                )
            compiled = self._core.compile_model(model, "CPU", self._config)
            self.precision = compiled.get_property("INFERENCE_PRECISION_HINT").get_type_name()
            found = (compiled.create_infer_request(), list(compiled.outputs))
            self._requests[shapes] = found
        return found

    def get_inputs(self) -> list[TensorInfo]:
        return list(self._inputs)

    def get_outputs(self) -> list[TensorInfo]:
        return list(self._outputs)

    def get_providers(self) -> list[str]:
        return ["OpenVINO CPU"]

    def get_modelmeta(self) -> ModelMeta:
        # ONNX metadata properties land in the model's rt_info under "framework" (an RTMap has no get)
        rt_info = dict(self._model.get_rt_info().items())
        framework = rt_info.get("framework", {})
        items = framework.items() if isinstance(framework, dict) else []
        return ModelMeta({str(key): str(value.astype(str)) for key, value in items})

    def run(self, output_names: list[str] | None, feeds: dict[str, NDArray[Any]]) -> list[NDArray[Any]]:
        """Like onnxruntime's `run`: the named outputs (None: all) for the inputs by name, as arrays the
        caller owns (copied out of the request, which the next call overwrites)."""
        arrays = [np.asarray(feeds[i.name]) for i in self._inputs]
        request, outputs = self._request(tuple(a.shape for a in arrays))
        # the inputs are read in place (the call is synchronous); the outputs come back as copies
        results = request.infer(
            {i.name: a for i, a in zip(self._inputs, arrays, strict=True)}, share_inputs=True
        )
        wanted = (
            outputs
            if output_names is None
            else [outputs[[o.name for o in self._outputs].index(name)] for name in output_names]
        )
        return [np.asarray(results[port]) for port in wanted]
