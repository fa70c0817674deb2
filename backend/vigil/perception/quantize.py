"""Int8 NanoDet and MoveNet: post-training static quantization of their convolutions, calibrated on a video.

    python -m vigil.perception.quantize ../shared/media/scenarios/plaza_incident.mp4 nanodet-int8.onnx
    VIGIL_OBJECT_MODEL=nanodet-int8.onnx vigil serve
    python -m vigil.perception.quantize --pose ../shared/media/scenarios/plaza_incident.mp4 movenet-int8.onnx
    VIGIL_POSE_MODEL=movenet-int8.onnx vigil serve

Only the convolutions are quantized (QDQ, weights int8 per channel, activations uint8); the heads' sigmoid,
reshape and concat stay float32. Quantizing every operator makes NanoDet find nobody (its class scores
collapse); convolutions alone keep its people (docs/performance.md, "Speed levers": the same 26 people on
vtest's counted frames, 70 boxes against 68 on 12 plaza frames) at 0.4× its CPU time. MoveNet is calibrated
on the crops of the people NanoDet finds in the frames, as the pipeline cuts them. Calibrate on frames of
the cameras it will watch.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from vigil.perception.objects import DEFAULT_NANODET, NanoDetDetector, nanodet_input
from vigil.perception.pose import DEFAULT_MOVENET, crop_window, cut_crop

Inputs = dict[str, NDArray[np.float32] | NDArray[np.int32]]


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


def person_crops(
    frames: list[NDArray[np.uint8]], crop: tuple[int, int] = (192, 256)
) -> list[NDArray[np.uint8]]:
    """The crops MoveNet gets in the pipeline: one per person NanoDet finds, cut as `pose.py` cuts them."""
    detector = NanoDetDetector()
    crops = []
    for frame in frames:
        height, width = frame.shape[:2]
        for found in detector.detect(frame):
            box = found.box
            box_px = (box.x1 * width, box.y1 * height, box.x2 * width, box.y2 * height)
            window = crop_window(box_px, width, height, crop[0], crop[1]) if found.label == "person" else None
            if window is not None:
                crops.append(cut_crop(frame, window))
    if not crops:
        raise ValueError("nobody found in the calibration frames: no crops to calibrate MoveNet on")
    return crops


def _quantize_convolutions(source: Path, target: Path, inputs: list[Inputs], prepare: bool = True) -> Path:
    """Static QDQ quantization of `source`'s convolutions (int8 weights per channel, uint8 activations),
    calibrated on `inputs`, written to `target`; `prepare`: with onnxruntime's shape inference first."""
    from onnxruntime.quantization import (  # type: ignore[import-untyped]
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process  # type: ignore[import-untyped]

    class Calibration(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self._inputs: Iterator[Inputs] = iter(inputs)

        def get_next(self) -> Inputs | None:
            return next(self._inputs, None)

    with tempfile.TemporaryDirectory() as scratch:
        prepared = source
        if prepare:
            prepared = Path(scratch) / "prepared.onnx"
            quant_pre_process(str(source), str(prepared))
        quantize_static(
            str(prepared),
            str(target),
            Calibration(),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["Conv"],
            extra_options={"CalibMovingAverage": True},
        )
    return target


def quantize_nanodet(frames: list[NDArray[np.uint8]], target: Path, source: Path = DEFAULT_NANODET) -> Path:
    """Write an int8 copy of the NanoDet at `source` to `target`, calibrated on `frames` (RGB)."""
    import onnxruntime as ort  # type: ignore[import-untyped]

    session = ort.InferenceSession(str(source), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    size = int(session.get_inputs()[0].shape[2])
    return _quantize_convolutions(source, target, [{name: nanodet_input(frame, size)[0]} for frame in frames])


def quantize_movenet(crops: list[NDArray[np.uint8]], target: Path, source: Path = DEFAULT_MOVENET) -> Path:
    """Write an int8 copy of the MoveNet at `source` to `target`, calibrated on person `crops` (RGB)."""
    import onnxruntime as ort

    name = ort.InferenceSession(str(source), providers=["CPUExecutionProvider"]).get_inputs()[0].name
    inputs: list[Inputs] = [{name: np.ascontiguousarray(crop, dtype=np.int32)[None]} for crop in crops]
    # MoveNet's free crop size defeats the shape inference (which then leaves temporary files in the
    # working folder): quantize it as it is
    return _quantize_convolutions(source, target, inputs, prepare=False)


def main(argv: list[str]) -> None:
    pose = argv[:1] == ["--pose"]
    if pose:
        argv = argv[1:]
    if len(argv) != 2:
        sys.exit("usage: python -m vigil.perception.quantize [--pose] VIDEO OUTPUT.onnx")
    video, target = Path(argv[0]), Path(argv[1])
    if not video.is_file():
        sys.exit(f"{video}: no such video")
    frames = calibration_frames(video)
    print(quantize_movenet(person_crops(frames), target) if pose else quantize_nanodet(frames, target))


if __name__ == "__main__":
    main(sys.argv[1:])
