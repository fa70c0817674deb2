"""What runs inside each pool process. Models load in `init_worker`, never at import."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from vigil.domain import Observation
from vigil.perception.objects import NanoDetDetector, ObjectDetector, YoloV8Detector
from vigil.perception.onnx_runtime import check_model_file
from vigil.perception.pose import DEFAULT_MOVENET, MoveNetCropPose, PoseEstimator

ObjectModelFormat = Literal["nanodet", "yolov8"]


@dataclass(frozen=True)
class PerceptionConfig:
    """Which models a worker loads; crosses to the worker processes, so plain and picklable."""

    object_model: Path
    object_format: ObjectModelFormat = "nanodet"
    person_threshold: float = 0.5
    object_threshold: float = 0.5
    pose_model: Path | None = DEFAULT_MOVENET

    def check(self) -> None:
        """In the API process at start: a missing model is a clear error before any worker starts."""
        check_model_file(self.object_model)
        if self.pose_model is not None:
            check_model_file(self.pose_model)


def build_detector(config: PerceptionConfig) -> ObjectDetector:
    if config.object_format == "yolov8":
        return YoloV8Detector(config.object_model, conf_threshold=config.object_threshold)
    return NanoDetDetector(
        config.object_model, conf_threshold=config.object_threshold, person_threshold=config.person_threshold
    )


@dataclass(frozen=True)
class _Models:
    objects: ObjectDetector
    pose: PoseEstimator | None


_models: list[_Models] = []


def init_worker(config: PerceptionConfig) -> None:
    """Pool initializer: load every model once per process."""
    pose = MoveNetCropPose(config.pose_model) if config.pose_model is not None else None
    _models[:] = [_Models(build_detector(config), pose)]


def analyse_frame(
    camera_id: int, t_s: float, wall_time_s: float, motion: float, image: NDArray[np.uint8]
) -> Observation:
    if not _models:
        raise RuntimeError("perception worker used before init_worker ran")
    models = _models[0]
    start = time.perf_counter()
    detections = models.objects.detect(image)
    poses = models.pose.estimate(image, detections) if models.pose is not None else []
    return Observation(
        camera_id=camera_id,
        t_s=t_s,
        wall_time_s=wall_time_s,
        motion=motion,
        detections=tuple(detections),
        poses=tuple(poses),
        analysis_ms=(time.perf_counter() - start) * 1000,
    )
