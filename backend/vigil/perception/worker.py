"""What runs inside each pool process. Models load in `init_worker`, never at import."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from vigil.domain import Detection, Observation
from vigil.perception.emotion import EmotionClassifier, TFLiteEmotionClassifier
from vigil.perception.face_stage import faces_of_image, faces_of_people
from vigil.perception.faces import BlazeFaceDetector, FaceDetector
from vigil.perception.keywords import call_for_help
from vigil.perception.objects import NanoDetDetector, ObjectDetector, YoloV8Detector
from vigil.perception.onnx_runtime import check_device, check_model_file
from vigil.perception.pose import DEFAULT_MOVENET, MoveNetCropPose, PoseEstimator
from vigil.perception.pose_schedule import PoseSchedule, PoseScheduler
from vigil.perception.regions import RegionPlanner, detect_in_regions
from vigil.perception.sound.base import SoundClassifier
from vigil.perception.sound.ensemble import SoundEnsemble, votes_beside_yamnet
from vigil.perception.speech import WhisperTranscriber, check_speech_model
from vigil.pipeline.beacon import note_model, set_aside_models

ObjectModelFormat = Literal["nanodet", "yolov8"]


@dataclass(frozen=True)
class SoundConfig:
    """The members of the sound ensemble; a member whose file is None is left out."""

    vad_model: Path | None = None
    svm_model: Path | None = None
    acoustic: bool = True
    trained_model: Path | None = None
    yamnet_model: Path | None = None  # user-supplied
    yamnet_labels: Path | None = None  # else the labels inside the .tflite
    panns_model: Path | None = None  # user-supplied, needs the [torch] extra
    panns_labels: Path | None = None
    # the default: YAMNet ONNX (model.onnx with model.data beside it), from `make models`
    yamnet_onnx_model: Path | None = None
    yamnet_onnx_labels: Path | None = None  # None: yamnet_class_map.csv beside the model
    yamnet_onnx_thresholds: Path | None = None  # None: models/audio/yamnet-thresholds.yaml

    def yamnet_onnx_files(self) -> tuple[Path, Path, Path, Path] | None:
        """(model, its external weights, class map, thresholds), or None without YAMNet ONNX."""
        from vigil.perception.sound.yamnet_onnx import DEFAULT_THRESHOLDS

        model = self.yamnet_onnx_model
        if model is None:
            return None
        labels = self.yamnet_onnx_labels or model.parent / "yamnet_class_map.csv"
        thresholds = self.yamnet_onnx_thresholds or DEFAULT_THRESHOLDS
        return model, model.parent / "model.data", labels, thresholds

    def model_files(self) -> list[Path]:
        files = (self.vad_model, self.svm_model, self.trained_model, self.yamnet_model, self.yamnet_labels)
        panns = (self.panns_model, self.panns_labels) if self.panns_model is not None else ()
        return [p for p in (*(self.yamnet_onnx_files() or ()), *files, *panns) if p is not None]


@dataclass(frozen=True)
class SpeechConfig:
    """Speech to text (Whisper) and the words of distress looked for in what it hears."""

    model_dir: Path
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class PerceptionConfig:
    """Which models a worker loads; crosses to the worker processes, so plain and picklable."""

    object_model: Path
    object_format: ObjectModelFormat = "nanodet"
    person_threshold: float = 0.5
    object_threshold: float = 0.5
    pose_model: Path | None = DEFAULT_MOVENET
    # None: a pose for every person on every frame; else only for those whose actions need one now
    pose_schedule: PoseSchedule | None = None
    # detect only where the picture changed or people were (Frigate's regions), else the whole frame
    motion_regions: bool = False
    face_model: Path | None = None
    emotion_model: Path | None = None  # used only with a face model
    sound: SoundConfig | None = field(default=None)
    speech: SpeechConfig | None = None  # needs `sound` (the voice detector finds the speech)
    # where the object and pose models run (`onnx_runtime.DEVICES`); sound and faces stay on the CPU
    device: str = "cpu"

    def model_files(self) -> list[Path]:
        files = [self.object_model, self.pose_model, self.face_model]
        if self.face_model is not None:
            files.append(self.emotion_model)
        found = [path for path in files if path is not None]
        return found + (self.sound.model_files() if self.sound is not None else [])

    def check(self) -> None:
        """In the API process at start: a missing model is a clear error before any worker starts."""
        for path in self.model_files():
            check_model_file(path)
        check_device(self.device)
        if self.speech is not None:
            check_speech_model(self.speech.model_dir)


def build_detector(config: PerceptionConfig) -> ObjectDetector:
    if config.object_format == "yolov8":
        return YoloV8Detector(
            config.object_model, conf_threshold=config.object_threshold, device=config.device
        )
    return NanoDetDetector(
        config.object_model,
        conf_threshold=config.object_threshold,
        person_threshold=config.person_threshold,
        device=config.device,
    )


def build_sound(config: SoundConfig) -> SoundEnsemble | None:
    from vigil.perception.sound.acoustic import acoustic_detectors
    from vigil.perception.sound.cnn import TrainedSoundClassifier
    from vigil.perception.sound.svm import MovieSvmClassifier
    from vigil.perception.sound.vad import SileroVad

    members: list[SoundClassifier] = []
    yamnet = config.yamnet_onnx_files()
    if yamnet is not None:
        from vigil.perception.sound.yamnet_onnx import YamnetOnnxClassifier

        model, _weights, labels, thresholds = yamnet
        members.append(YamnetOnnxClassifier(model, labels, thresholds))

    def votes(name: str) -> bool:
        """Whether a member has any label left to report (beside YAMNet, `VOTES_BESIDE_YAMNET`)."""
        allowed = votes_beside_yamnet(name) if yamnet is not None else None
        return allowed is None or bool(allowed)

    if config.vad_model is not None and votes(SileroVad.name):
        members.append(SileroVad(config.vad_model))
    if config.svm_model is not None and votes(MovieSvmClassifier.name):
        members.append(MovieSvmClassifier(config.svm_model))
    if config.acoustic:
        members.extend(d for d in acoustic_detectors() if votes(d.name))
    if config.trained_model is not None and votes(TrainedSoundClassifier.name):
        members.append(TrainedSoundClassifier(config.trained_model))
    if config.yamnet_model is not None:
        from vigil.perception.sound.yamnet import YamnetClassifier

        members.append(YamnetClassifier(config.yamnet_model, config.yamnet_labels))
    if config.panns_model is not None:
        from vigil.perception.sound.panns import PannsClassifier

        if config.panns_labels is None:
            raise ValueError("a PANNs model needs its labels file (AudioSet's class_labels_indices.csv)")
        members.append(PannsClassifier(config.panns_model, config.panns_labels))
    return SoundEnsemble(members) if members else None


@dataclass(frozen=True)
class _Models:
    objects: ObjectDetector | None  # None: set aside by the pool after crashes (frames then have no objects)
    pose: PoseEstimator | None
    faces: FaceDetector | None
    emotion: EmotionClassifier | None
    sound: SoundEnsemble | None
    pose_schedule: PoseSchedule | None = None
    motion_regions: bool = False


_models: list[_Models] = []
_speech: list[tuple[WhisperTranscriber, tuple[str, ...]]] = []  # (model, keywords) when configured
_schedulers: dict[int, PoseScheduler] = {}  # per camera, with `PerceptionConfig.pose_schedule`
_planners: dict[int, RegionPlanner] = {}  # per camera, with `PerceptionConfig.motion_regions`


def detect_objects(
    camera_id: int, t_s: float, image: NDArray[np.uint8], objects: ObjectDetector
) -> list[Detection]:
    """The objects of a frame: on the whole frame, or in the camera's motion regions."""
    if not _loaded().motion_regions:
        return objects.detect(image)
    size = int(getattr(objects, "input_size", 0) or getattr(objects, "input_width", 416))
    planner = _planners.setdefault(camera_id, RegionPlanner(size))
    regions = planner.plan(t_s, image)
    detections = objects.detect(image) if regions is None else detect_in_regions(objects, image, regions)
    planner.found(detections)
    return detections


def people_to_pose(
    camera_id: int, t_s: float, detections: list[Detection], frame_aspect: float
) -> list[Detection]:
    """The people of this frame who get a pose: all of them, or those the camera's schedule picks."""
    schedule = _loaded().pose_schedule
    if schedule is None:
        return detections
    scheduler = _schedulers.setdefault(camera_id, PoseScheduler(schedule))
    return [d.detection for d in scheduler.choose(t_s, detections, frame_aspect) if d.reason is not None]


def _wanted(model: str, path: Path | None) -> Path | None:
    """The file to load for `model`, unless it is not configured or the pool set it aside after crashes;
    says which model loads next, so that a crash while loading is blamed on it."""
    if path is None or model in set_aside_models():
        return None
    note_model(model, path.name)
    return path


def init_worker(config: PerceptionConfig) -> None:
    """Pool initializer: load every model once per process (but those the pool set aside)."""
    objects = build_detector(config) if _wanted("objects", config.object_model) else None
    pose_model = _wanted("pose", config.pose_model)
    pose = MoveNetCropPose(pose_model, device=config.device) if pose_model is not None else None
    face_model = _wanted("faces", config.face_model)
    faces = BlazeFaceDetector(face_model) if face_model is not None else None
    emotion = None
    emotion_model = _wanted("faces", config.emotion_model) if faces is not None else None
    if emotion_model is not None:
        emotion = TFLiteEmotionClassifier(emotion_model)
    sound = None
    if config.sound is not None and "sound" not in set_aside_models():
        note_model("sound", "the sound ensemble")
        sound = build_sound(config.sound)
    _models[:] = [_Models(objects, pose, faces, emotion, sound, config.pose_schedule, config.motion_regions)]
    _schedulers.clear()
    _planners.clear()
    _speech.clear()
    if config.speech is not None and "speech" not in set_aside_models():
        note_model("speech", "whisper-tiny-en")
        _speech.append((WhisperTranscriber(config.speech.model_dir), config.speech.keywords))


def _loaded() -> _Models:
    if not _models:
        raise RuntimeError("perception worker used before init_worker ran")
    return _models[0]


def hears() -> bool:
    """Whether this worker's configuration includes sound."""
    return _loaded().sound is not None


def transcribes() -> bool:
    """Whether this worker's configuration includes speech to text."""
    return bool(_speech)


def transcribe_speech(
    camera_id: int, t_s: float, wall_time_s: float, samples: NDArray[np.float32]
) -> Observation:
    """What is said in a clip of a camera's speech (16 kHz mono, first sample at camera time `t_s`): its
    transcript, and a `call_for_help` sound when it holds words of distress."""
    if not _speech:
        raise RuntimeError("this worker has no speech model (PerceptionConfig.speech is None)")
    model, keywords = _speech[0]
    start = time.perf_counter()
    note_model("speech")
    transcript = model.transcribe(samples, t_s)
    call = call_for_help(transcript, keywords) if transcript is not None else None
    return Observation(
        camera_id=camera_id,
        t_s=t_s + len(samples) / 16_000,
        wall_time_s=wall_time_s,
        sounds=(call,) if call is not None else (),
        transcripts=(transcript,) if transcript is not None else (),
        analysis_ms=(time.perf_counter() - start) * 1000,
        modality="audio",
    )


def analyse_frame(
    camera_id: int,
    t_s: float,
    wall_time_s: float,
    motion: float,
    image: NDArray[np.uint8],
    whole_image_faces: bool = False,
) -> Observation:
    """Objects, poses, faces and their emotion in one frame. Faces are looked for on the heads of the
    people found, or on the whole image with `whole_image_faces` (photos, `vigil detect`)."""
    models = _loaded()
    start = time.perf_counter()
    detections = []
    if models.objects is not None:
        note_model("objects")
        detections = detect_objects(camera_id, t_s, image, models.objects)
    poses = []
    if models.pose is not None:
        note_model("pose")
        people = people_to_pose(camera_id, t_s, detections, image.shape[1] / max(image.shape[0], 1))
        poses = models.pose.estimate(image, people) if people else []
    faces = []
    if models.faces is not None:
        note_model("faces")
        if whole_image_faces:
            faces = faces_of_image(image, models.faces, models.emotion)
        else:
            faces = faces_of_people(image, detections, models.faces, models.emotion)
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


def analyse_audio(
    camera_id: int, t_s: float, wall_time_s: float, samples: NDArray[np.float32]
) -> Observation:
    """The sound events of one window (16 kHz mono, first sample at camera time `t_s`)."""
    models = _loaded()
    start = time.perf_counter()
    if models.sound is not None:
        note_model("sound")
        events = models.sound.classify(samples, t_s)
    elif "sound" in set_aside_models():
        events = []
    else:
        raise RuntimeError("this worker has no sound models (PerceptionConfig.sound is None)")
    return Observation(
        camera_id=camera_id,
        t_s=t_s + len(samples) / 16_000,
        wall_time_s=wall_time_s,
        sounds=tuple(events),
        analysis_ms=(time.perf_counter() - start) * 1000,
        modality="audio",
    )
