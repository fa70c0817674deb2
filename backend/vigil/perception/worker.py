"""What runs inside each pool process. Models load in `init_worker`, never at import."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from vigil.domain import Observation
from vigil.perception.emotion import EmotionClassifier, TFLiteEmotionClassifier
from vigil.perception.face_stage import faces_of_people
from vigil.perception.faces import BlazeFaceDetector, FaceDetector
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
    face_model: Path | None = None
    emotion_model: Path | None = None  # used only with a face model

    def model_files(self) -> list[Path]:
        files = [self.object_model, self.pose_model, self.face_model]
        if self.face_model is not None:
            files.append(self.emotion_model)
        return [path for path in files if path is not None]

    def check(self) -> None:
        """In the API process at start: a missing model is a clear error before any worker starts."""
        for path in self.model_files():
            check_model_file(path)


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
    faces: FaceDetector | None
    emotion: EmotionClassifier | None


_models: list[_Models] = []


def init_worker(config: PerceptionConfig) -> None:
    """Pool initializer: load every model once per process."""
    pose = MoveNetCropPose(config.pose_model) if config.pose_model is not None else None
    faces = BlazeFaceDetector(config.face_model) if config.face_model is not None else None
    emotion = None
    if faces is not None and config.emotion_model is not None:
        emotion = TFLiteEmotionClassifier(config.emotion_model)
    _models[:] = [_Models(build_detector(config), pose, faces, emotion)]


def analyse_frame(
    camera_id: int, t_s: float, wall_time_s: float, motion: float, image: NDArray[np.uint8]
) -> Observation:
    if not _models:
        raise RuntimeError("perception worker used before init_worker ran")
    models = _models[0]
    start = time.perf_counter()
    detections = models.objects.detect(image)
    poses = models.pose.estimate(image, detections) if models.pose is not None else []
    faces = faces_of_people(image, detections, models.faces, models.emotion) if models.faces else []
    return Observation(
        camera_id=camera_id,
        t_s=t_s,
        wall_time_s=wall_time_s,
        motion=motion,
        detections=tuple(detections),
        poses=tuple(poses),
        faces=tuple(faces),
        analysis_ms=(time.perf_counter() - start) * 1000,
    )
