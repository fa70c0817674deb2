"""LiteRT (TFLite) interpreters for the models that ship as .tflite (faces, emotion)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vigil.perception.onnx_runtime import ModelLoadError, check_model_file


def make_interpreter(path: Path, threads: int = 1) -> Any:
    """A LiteRT (TFLite) interpreter for the model at `path`, tensors allocated, `threads` CPU threads."""
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    check_model_file(path)
    try:
        from ai_edge_litert.interpreter import Interpreter  # type: ignore[import-untyped]
    except ImportError as error:
        raise ModelLoadError(f"ai-edge-litert is not installed ({error}): `pip install -e .`") from error
    try:
        interpreter = Interpreter(model_path=str(path), num_threads=threads)
        interpreter.allocate_tensors()
    except Exception as error:  # LiteRT raises ValueError/RuntimeError on a bad flatbuffer
        raise ModelLoadError(
            f"model file {path} is not a TFLite model LiteRT can load ({type(error).__name__}: {error})"
        ) from error
    return interpreter
