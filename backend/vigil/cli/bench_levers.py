"""`vigil bench`'s levers table: what each speed lever of docs/performance.md costs per analysed frame, the
models' own share of it, how many cameras that makes, and how many people it finds.

Every lever runs on the same consecutive plaza frames at the analysis rate, in one process, interleaved
frame by frame (lever A, lever B, ... on frame 1, then on frame 2), so a machine busy with other work slows
every row alike: compare rows of one run, not runs of different days.

Per analysed frame, a row's **pipeline** time is what the frame costs from the motion gate to the
observation: the gate's thumbnail, the hand-off to a worker (pickling, or shared memory, both ends) and the
worker's analysis; **model** time is the time inside the runtime's `run` alone (NanoDet and MoveNet). Both
are CPU time of the one thread that does the work (onnxruntime and OpenVINO run a one-thread session on
their caller's thread), so other jobs on the machine lengthen them much less than they lengthen wall time.

The OpenVINO rows (`VIGIL_DEVICE=openvino`) appear where the `openvino` package is installed.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import pickle
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vigil.perception import worker
from vigil.perception.objects import ObjectDetector
from vigil.perception.pose import MoveNetCropPose, PoseEstimator
from vigil.perception.pose_schedule import PoseSchedule
from vigil.pipeline.gating import MotionGate
from vigil.pipeline.shared_frames import FrameSlots, frame_of
from vigil.pipeline.shared_frames import available as shared_memory_available

ANALYSIS_FPS = 5.0


class TimedSession:
    """A model's session (onnxruntime or OpenVINO) adding the time of each `run` to a counter (ms)."""

    def __init__(self, session: Any, clock: list[float]) -> None:
        self._session = session
        self._clock = clock

    def run(self, *args: Any, **kwargs: Any) -> Any:
        start = time.thread_time()
        try:
            return self._session.run(*args, **kwargs)
        finally:
            self._clock[0] += (time.thread_time() - start) * 1000

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


@dataclass(frozen=True)
class Lever:
    name: str
    shared_memory: bool
    pose_schedule: PoseSchedule | None
    motion_regions: bool = False
    int8_objects: bool = False  # NanoDet quantized here (`perception/quantize.py`), calibrated on the video
    int8_pose: bool = False  # MoveNet quantized here, calibrated on the video's person crops
    device: str | None = None  # where NanoDet and MoveNet run; None: the configured `VIGIL_DEVICE`


@dataclass
class LeverResult:
    lever: Lever
    pipeline_ms: list[float] = dataclasses.field(default_factory=list)
    model_ms: list[float] = dataclasses.field(default_factory=list)
    handoff_ms: list[float] = dataclasses.field(default_factory=list)
    people: int = 0
    poses: int = 0

    def row(self, workers: int, frames: int) -> list[object]:
        pipeline = statistics.median(self.pipeline_ms)
        model = statistics.median(self.model_ms)
        cameras = workers * 1000.0 / (pipeline * ANALYSIS_FPS)
        return [
            self.lever.name,
            pipeline,
            model,
            pipeline / model if model > 0 else float("inf"),
            statistics.median(self.handoff_ms),
            cameras,
            f"{self.people / frames:.1f}",
            f"{self.poses / frames:.1f}",
        ]


LEVERS = (
    Lever("pickled frames, a pose for everyone (before)", False, None),
    Lever("shared-memory frames", True, None),
    Lever("shared memory + poses for who needs them", True, PoseSchedule()),
    Lever("shared memory + poses for who needs them + motion regions", True, PoseSchedule(), True),
    Lever("shared memory + poses for who needs them + int8 NanoDet", True, PoseSchedule(), False, True),
    Lever(
        "shared memory + poses for who needs them + int8 NanoDet + int8 MoveNet",
        True,
        PoseSchedule(),
        int8_objects=True,
        int8_pose=True,
    ),
    Lever("shared memory + poses for who needs them + OpenVINO", True, PoseSchedule(), device="openvino"),
    Lever(
        "shared memory + poses for who needs them + OpenVINO + int8 NanoDet",
        True,
        PoseSchedule(),
        int8_objects=True,
        device="openvino",
    ),
    Lever(
        "shared memory + poses for who needs them + OpenVINO + int8 NanoDet + int8 MoveNet",
        True,
        PoseSchedule(),
        int8_objects=True,
        int8_pose=True,
        device="openvino",
    ),
)


def openvino_installed() -> bool:
    return importlib.util.find_spec("openvino") is not None


def consecutive_frames(video: Path, start_s: float, seconds: float) -> Iterator[NDArray[np.uint8]]:
    from vigil.camera.offline import sampled_frames

    for t_s, image in sampled_frames(video, ANALYSIS_FPS):
        if t_s >= start_s + seconds:
            return
        if t_s >= start_s:
            yield image


def _int8_detectors(
    video: Path, config: worker.PerceptionConfig, devices: tuple[str, ...] = ("cpu",)
) -> dict[str, ObjectDetector]:
    """NanoDet quantized on the video's own frames, on each device (none for another detector)."""
    if config.object_format != "nanodet":
        return {}
    from vigil.perception.objects import NanoDetDetector
    from vigil.perception.quantize import calibration_frames, quantize_nanodet

    with tempfile.TemporaryDirectory() as scratch:  # each session reads the file when it is made
        model = quantize_nanodet(
            calibration_frames(video), Path(scratch) / "nanodet-int8.onnx", config.object_model
        )
        return {
            device: NanoDetDetector(
                model,
                conf_threshold=config.object_threshold,
                person_threshold=config.person_threshold,
                device=device,
            )
            for device in devices
        }


def _int8_poses(
    video: Path, config: worker.PerceptionConfig, devices: tuple[str, ...] = ("cpu",)
) -> dict[str, PoseEstimator]:
    """MoveNet quantized on the person crops of the video's own frames, on each device."""
    if config.pose_model is None:
        return {}
    from vigil.perception.quantize import calibration_frames, person_crops, quantize_movenet

    with tempfile.TemporaryDirectory() as scratch:
        crops = person_crops(calibration_frames(video))
        model = quantize_movenet(crops, Path(scratch) / "movenet-int8.onnx", config.pose_model)
        return {device: MoveNetCropPose(model, device=device) for device in devices}


@dataclass(frozen=True)
class DeviceModels:
    objects: ObjectDetector | None
    pose: PoseEstimator | None
    int8_objects: ObjectDetector | None
    int8_pose: PoseEstimator | None


def _on_devices(
    video: Path, config: worker.PerceptionConfig, models: worker._Models
) -> dict[str, DeviceModels]:
    """The object and pose models on the configured device (the worker's own) and on OpenVINO where it is
    installed, with NanoDet in int8 on each."""
    devices = [config.device]
    if openvino_installed() and config.device != "openvino":
        devices.append("openvino")
    int8 = _int8_detectors(video, config, tuple(devices))
    int8_pose = _int8_poses(video, config, tuple(devices))
    on = {
        config.device: DeviceModels(
            models.objects, models.pose, int8.get(config.device), int8_pose.get(config.device)
        )
    }
    for device in devices[1:]:
        moved = dataclasses.replace(config, device=device)
        pose = MoveNetCropPose(config.pose_model, device=device) if config.pose_model is not None else None
        on[device] = DeviceModels(worker.build_detector(moved), pose, int8.get(device), int8_pose.get(device))
    return on


def _handoff(shared: bool, slots: FrameSlots | None, camera_id: int) -> Callable[[NDArray[np.uint8]], Any]:
    """Both ends of the frame's trip to a worker: what the server does and what the worker gets."""
    if shared and slots is not None:
        return lambda image: frame_of(slots.put(camera_id, image))
    # what the pool's executor does with an array argument; our own bytes, never untrusted input
    return lambda image: pickle.loads(pickle.dumps(image, protocol=pickle.HIGHEST_PROTOCOL))  # noqa: S301


def measure(
    video: Path, config: worker.PerceptionConfig, start_s: float = 20.0, seconds: float = 12.0
) -> list[LeverResult]:
    """Each lever on the same consecutive frames, interleaved frame by frame. The levers' device is the
    configured one (`VIGIL_DEVICE`), OpenVINO for the OpenVINO rows."""
    worker.init_worker(config)
    models = worker._loaded()
    on = _on_devices(video, config, models)
    clock = [0.0]
    for device_models in on.values():
        for model in (
            device_models.objects,
            device_models.pose,
            device_models.int8_objects,
            device_models.int8_pose,
        ):
            if model is not None and hasattr(model, "_session"):
                model._session = TimedSession(model._session, clock)

    def models_of(lever: Lever) -> DeviceModels | None:
        found = on.get(lever.device or config.device)
        if found is None or (lever.int8_objects and found.int8_objects is None):
            return None
        return None if lever.int8_pose and found.int8_pose is None else found

    results = [LeverResult(lever) for lever in LEVERS if models_of(lever) is not None]
    gates = [MotionGate() for _ in results]
    slots = FrameSlots() if shared_memory_available() else None
    frames = 0
    try:
        for index, image in enumerate(consecutive_frames(video, start_s, seconds)):
            t_s = start_s + index / ANALYSIS_FPS
            frames += 1
            for camera_id, (result, gate) in enumerate(zip(results, gates, strict=True), start=1):
                lever = result.lever
                chosen = models_of(lever)
                assert chosen is not None
                worker._models[:] = [
                    dataclasses.replace(
                        models,
                        objects=chosen.int8_objects if lever.int8_objects else chosen.objects,
                        pose=chosen.int8_pose if lever.int8_pose else chosen.pose,
                        pose_schedule=lever.pose_schedule,
                        motion_regions=lever.motion_regions,
                    )
                ]
                handoff = _handoff(result.lever.shared_memory, slots, camera_id)
                clock[0] = 0.0
                start = time.thread_time()
                gate.check(t_s, image)
                sent = time.thread_time()
                received = handoff(image)
                handed = time.thread_time()
                observation = worker.analyse_frame(camera_id, t_s, 0.0, 1.0, received)
                result.pipeline_ms.append((time.thread_time() - start) * 1000)
                result.handoff_ms.append((handed - sent) * 1000)
                result.model_ms.append(clock[0])
                result.people += sum(d.label == "person" for d in observation.detections)
                result.poses += len(observation.poses)
    finally:
        worker._models[:] = [models]
        if slots is not None:
            slots.release()
    if not frames:
        raise ValueError(f"{video}: no frames between {start_s} and {start_s + seconds} s")
    return results


HEADER = [
    "lever",
    "pipeline CPU ms / frame",
    "model CPU ms / frame",
    "pipeline ÷ model",
    "hand-off CPU ms",
    "cameras at 5 fps (est.)",
    "people / frame",
    "poses / frame",
]


def rows(video: Path, config: worker.PerceptionConfig, workers: int) -> tuple[list[list[object]], int]:
    results = measure(video, config)
    frames = len(results[0].pipeline_ms)
    return [r.row(workers, frames) for r in results], frames


# vtest.avi frames whose people were counted by eye (docs/perception.md, "people found vs counted by eye"):
# t_s → (clear people, hard ones: cut by the edge or almost hidden)
VTEST_BY_EYE = {5.0: (5, 1), 20.0: (7, 0), 35.0: (5, 1), 50.0: (4, 1), 65.0: (6, 0)}


def _frame_at(video: Path, t_s: float) -> NDArray[np.uint8]:
    from vigil.camera.offline import sampled_frames

    for frame_t, image in sampled_frames(video, ANALYSIS_FPS):
        if frame_t >= t_s - 1e-6:
            return image
    raise ValueError(f"{video} is shorter than {t_s} s")


EYE_HEADER = [
    "frame",
    "by eye (clear + hard)",
    "whole frame",
    "motion regions",
    "detector calls",
    "int8 NanoDet",
    "OpenVINO",
    "OpenVINO + int8 NanoDet",
]


def eye_counts(video: Path, config: worker.PerceptionConfig, calibration: Path) -> list[list[object]]:
    """Per counted vtest frame: people by eye, found on the whole frame, found in motion regions (the
    camera's previous analysed frame, 0.2 s earlier, seen first), the detector calls that took, found by
    NanoDet quantized to int8 on `calibration`'s frames, and found by both on OpenVINO ("—": not run)."""
    from vigil.perception.regions import RegionPlanner, detect_in_regions

    worker.init_worker(config)
    models = worker._loaded()
    detector = models.objects
    assert detector is not None
    size = int(getattr(detector, "input_size", 416))
    on = _on_devices(calibration, config, models)
    mine = on[config.device]
    openvino = on.get("openvino")
    others = [
        mine.int8_objects,
        openvino.objects if openvino is not None else None,
        openvino.int8_objects if openvino is not None else None,
    ]
    rows: list[list[object]] = []
    totals = [0, 0, 0, 0, 0, 0, 0]
    for t_s, (clear, hard) in VTEST_BY_EYE.items():
        before, image = _frame_at(video, t_s - 1 / ANALYSIS_FPS), _frame_at(video, t_s)
        planner = RegionPlanner(size)
        planner.plan(t_s - 1 / ANALYSIS_FPS, before)
        planner.found(detector.detect(before))
        whole = sum(d.label == "person" for d in detector.detect(image))
        regions = planner.plan(t_s, image)
        found = detector.detect(image) if regions is None else detect_in_regions(detector, image, regions)
        in_regions = sum(d.label == "person" for d in found)
        calls = "1 (whole frame)" if regions is None else str(len(regions))
        elsewhere = [
            sum(d.label == "person" for d in other.detect(image)) if other is not None else None
            for other in others
        ]
        rows.append([f"vtest {t_s:g} s", f"{clear} + {hard}", whole, in_regions, calls, *elsewhere])
        for column, value in enumerate((clear, hard, whole, in_regions, *elsewhere)):
            totals[column] += value or 0
    rows.append(["total", f"{totals[0]} + {totals[1]}", totals[2], totals[3], "", *totals[4:]])
    for row in rows:  # another detector than NanoDet (nothing quantized), or no OpenVINO installed
        for column, other in enumerate(others, start=5):
            if other is None:
                row[column] = "—"
    return rows
