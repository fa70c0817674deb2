"""Int8 NanoDet: post-training static quantization of its convolutions, calibrated on a video's frames.

    python -m vigil.perception.quantize ../shared/media/scenarios/plaza_incident.mp4 nanodet-int8.onnx
    VIGIL_OBJECT_MODEL=nanodet-int8.onnx vigil serve

Only the convolutions are quantized (QDQ, weights int8 per channel, activations uint8); the heads' sigmoid,
reshape and concat stay float32. Quantizing every operator makes NanoDet find nobody (its class scores
collapse); convolutions alone keep its people (docs/performance.md, "Speed levers": the same 26 people on
vtest's counted frames, 70 boxes against 68 on 12 plaza frames) at 0.4× its CPU time. Calibrate on frames
of the cameras it will watch.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from vigil.perception.objects import DEFAULT_NANODET, nanodet_input


def calibration_frames(video: Path, count: int = 16, every_s: float = 4.5) -> list[NDArray[np.uint8]]:
    from vigil.camera.offline import sampled_frames

    frames: list[NDArray[np.uint8]] = []
    for _t_s, image in sampled_frames(video, 1.0 / every_s):
        frames.append(image)
        if len(frames) == count:
            break
    if not frames:
        raise ValueError(f"{video}: no frames to calibrate on")
    return frames


def quantize_nanodet(frames: list[NDArray[np.uint8]], target: Path, source: Path = DEFAULT_NANODET) -> Path:
    """Write an int8 copy of the NanoDet at `source` to `target`, calibrated on `frames` (RGB)."""
    import onnxruntime as ort  # type: ignore[import-untyped]
    from onnxruntime.quantization import (  # type: ignore[import-untyped]
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process  # type: ignore[import-untyped]

    session = ort.InferenceSession(str(source), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    size = int(session.get_inputs()[0].shape[2])

    class Frames(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self._inputs: Iterator[dict[str, NDArray[np.float32]]] = iter(
                [{name: nanodet_input(frame, size)[0]} for frame in frames]
            )

        def get_next(self) -> dict[str, NDArray[np.float32]] | None:
            return next(self._inputs, None)

    with tempfile.TemporaryDirectory() as scratch:
        prepared = Path(scratch) / "prepared.onnx"
        quant_pre_process(str(source), str(prepared))
        quantize_static(
            str(prepared),
            str(target),
            Frames(),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["Conv"],
            extra_options={"CalibMovingAverage": True},
        )
    return target


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        sys.exit("usage: python -m vigil.perception.quantize VIDEO OUTPUT.onnx")
    video, target = Path(argv[0]), Path(argv[1])
    if not video.is_file():
        sys.exit(f"{video}: no such video")
    print(quantize_nanodet(calibration_frames(video), target))


if __name__ == "__main__":
    main(sys.argv[1:])
