"""A user's torch video classifier: a clip of T RGB frames in, (label, confidence) pairs out.

The model is a TorchScript file (`torch.jit.save`; any architecture), a `torch.export` program (`.pt2`,
`torch.export.save`: TorchScript's successor, which torch 2.13 deprecates), or a state_dict for the
built-in `r3d_18` (torchvision's 3-D ResNet-18 with its parameter names, so a torchvision-trained or
fine-tuned `r3d_18` state_dict loads without torchvision). A sidecar file beside it — `MODEL.json`,
`MODEL.yaml` or `MODEL.yml` (same stem), or one given explicitly — says how to feed it:

    labels: [fall, fighting, walking]       # the model's outputs, in order (required)
    frames: 16                              # T: frames per clip
    size: [112, 112]                        # H, W after resizing the short side and centre-cropping
    mean: [0.43216, 0.394666, 0.37645]      # per RGB channel, on pixels scaled to 0..1
    std: [0.22803, 0.22145, 0.216989]
    layout: NCTHW                           # or NTCHW
    activation: softmax                     # or sigmoid (multi-label) or none (outputs already scores)
    architecture: r3d_18                    # only for a state_dict
    label_map: {"punching person": fight}   # optional: user label → platform action

User labels that name a platform action (`ACTION_LABELS`: fall, fight, running, loitering, or an obvious
synonym such as "falling", "fighting", "run") are reported under the platform's name; others as they are.
torch is an optional extra (`pip install -e .[torch]`), imported inside this module only.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import yaml
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from vigil.domain import ACTION_LABELS, ActionEvidence, Box
from vigil.perception.onnx_runtime import ModelLoadError, check_model_file

if TYPE_CHECKING:
    import torch

KINETICS_MEAN = (0.43216, 0.394666, 0.37645)
KINETICS_STD = (0.22803, 0.22145, 0.216989)
SIDECAR_SUFFIXES = (".json", ".yaml", ".yml")
ACTION_SYNONYMS: dict[str, str] = {
    "fall": "fall",
    "falling": "fall",
    "fall_down": "fall",
    "falling_down": "fall",
    "fallen": "fall",
    "fight": "fight",
    "fighting": "fight",
    "fight_person": "fight",
    "run": "running",
    "running": "running",
    "loiter": "loitering",
    "loitering": "loitering",
}
assert set(ACTION_SYNONYMS.values()) == set(ACTION_LABELS)


class VideoSidecar(BaseModel):
    """What the sidecar file says; unknown fields are refused (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    labels: list[str] = Field(min_length=1)
    frames: int = Field(16, ge=1, le=512)
    size: tuple[int, int] = (112, 112)
    mean: tuple[float, float, float] = KINETICS_MEAN
    std: tuple[float, float, float] = KINETICS_STD
    layout: Literal["NCTHW", "NTCHW"] = "NCTHW"
    activation: Literal["softmax", "sigmoid", "none"] = "softmax"
    architecture: Literal["r3d_18"] | None = None
    label_map: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _square_size(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("size"), int):
            return {**data, "size": (data["size"], data["size"])}
        return data


def platform_label(label: str, label_map: dict[str, str] | None = None) -> str:
    """The platform action a user label stands for, or the label itself."""
    if label_map and label in label_map:
        return label_map[label]
    return ACTION_SYNONYMS.get(re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_"), label)


def find_sidecar(model_path: Path) -> Path:
    for suffix in SIDECAR_SUFFIXES:
        candidate = model_path.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    raise ModelLoadError(
        f"no sidecar for {model_path}: write {model_path.with_suffix('.json')} (or .yaml) with at least "
        '`labels` (the model\'s outputs in order), e.g. {"labels": ["fall", "walk"], "frames": 16}'
    )


def read_sidecar(path: Path) -> VideoSidecar:
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise ModelLoadError(f"sidecar {path} is not readable JSON/YAML: {error}") from error
    try:
        return VideoSidecar.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'sidecar'}: {e['msg']}" for e in error.errors()
        )
        raise ModelLoadError(f"sidecar {path}: {problems}") from error


def _torch() -> Any:
    try:
        import torch
    except ImportError as error:
        raise ModelLoadError(
            f"video models need torch, an optional extra: `pip install -e .[torch]` ({error})"
        ) from error
    return torch


def build_r3d_18(classes: int) -> torch.nn.Module:
    """torchvision's `r3d_18` (Tran et al. 2018) with its parameter names, without torchvision."""
    _torch()
    import torch
    from torch import nn

    def conv3(inputs: int, outputs: int, stride: int) -> Any:
        return nn.Conv3d(inputs, outputs, 3, stride=stride, padding=1, bias=False)

    class BasicBlock(nn.Module):
        def __init__(self, inputs: int, outputs: int, stride: int) -> None:
            super().__init__()
            self.conv1 = nn.Sequential(
                conv3(inputs, outputs, stride), nn.BatchNorm3d(outputs), nn.ReLU(inplace=True)
            )
            self.conv2 = nn.Sequential(conv3(outputs, outputs, 1), nn.BatchNorm3d(outputs))
            self.relu = nn.ReLU(inplace=True)
            self.downsample = None
            if stride != 1 or inputs != outputs:
                self.downsample = nn.Sequential(
                    nn.Conv3d(inputs, outputs, 1, stride=stride, bias=False), nn.BatchNorm3d(outputs)
                )

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            shortcut = x if self.downsample is None else self.downsample(x)
            return self.relu(self.conv2(self.conv1(x)) + shortcut)  # type: ignore[no-any-return]

    class R3d18(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem = nn.Sequential(
                nn.Conv3d(3, 64, (3, 7, 7), stride=(1, 2, 2), padding=(1, 3, 3), bias=False),
                nn.BatchNorm3d(64),
                nn.ReLU(inplace=True),
            )
            widths = (64, 64, 128, 256, 512)
            for number in range(1, 5):
                stride = 1 if number == 1 else 2
                blocks = [
                    BasicBlock(widths[number - 1], widths[number], stride),
                    BasicBlock(widths[number], widths[number], 1),
                ]
                setattr(self, f"layer{number}", nn.Sequential(*blocks))
            self.avgpool = nn.AdaptiveAvgPool3d(1)
            self.fc = nn.Linear(512, classes)

        def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, 3, T, H, W)
            x = self.stem(x)
            for number in range(1, 5):
                x = getattr(self, f"layer{number}")(x)
            return self.fc(torch.flatten(self.avgpool(x), 1))  # type: ignore[no-any-return]

    return R3d18()


def sample_frames(clip: Sequence[NDArray[np.uint8]], count: int) -> list[NDArray[np.uint8]]:
    """`count` frames evenly spread over the clip (frames repeat when the clip is shorter)."""
    if not clip:
        raise ValueError("an empty clip")
    picks = np.linspace(0, len(clip) - 1, count).round().astype(int)
    return [clip[i] for i in picks]


class TorchVideoClassifier:
    """A user's TorchScript or r3d_18 state_dict with its sidecar; `classify(clip)` → [(label, conf)]."""

    def __init__(self, model_path: Path, sidecar_path: Path | None = None, threads: int = 1) -> None:
        torch = _torch()
        torch.set_num_threads(threads)
        self._torch = torch
        check_model_file(model_path)
        self.sidecar = read_sidecar(sidecar_path or find_sidecar(model_path))
        self.model = self._load(model_path)
        self.labels = [platform_label(label, self.sidecar.label_map) for label in self.sidecar.labels]
        height, width = self.sidecar.size
        probe = np.zeros((height, width, 3), dtype=np.uint8)
        try:
            outputs = self._logits([probe] * self.sidecar.frames).shape[-1]
        except Exception as error:  # whatever the user's model raises on a wrongly shaped input
            raise ModelLoadError(
                f"{model_path} does not take the clip its sidecar describes ({self.sidecar.frames} frames of "
                f"{height}×{width}, {self.sidecar.layout}): {type(error).__name__}: {error}"
            ) from error
        if outputs != len(self.labels):
            raise ModelLoadError(
                f"{model_path} gives {outputs} outputs, its sidecar names {len(self.labels)} labels: "
                "the sidecar must list every output in order"
            )

    def _load(self, path: Path) -> Any:
        torch = self._torch
        if path.suffix == ".pt2":  # torch.export.save: the successor of TorchScript
            try:
                return torch.export.load(str(path)).module()
            except Exception as error:
                raise ModelLoadError(
                    f"{path} is not a torch.export program ({type(error).__name__}: {error})"
                ) from error
        if self.sidecar.architecture is None:
            try:
                with warnings.catch_warnings():  # torch 2.13 deprecates TorchScript; users' files still load
                    warnings.simplefilter("ignore", DeprecationWarning)
                    model = torch.jit.load(str(path), map_location="cpu")
            except Exception as error:
                raise ModelLoadError(
                    f"{path} is not a TorchScript file ({type(error).__name__}: {error}); for a state_dict, "
                    "name its architecture in the sidecar (architecture: r3d_18)"
                ) from error
            return model.eval()
        try:
            data = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:
            raise ModelLoadError(
                f"{path} is not a torch state_dict ({type(error).__name__}: {error})"
            ) from error
        state = data.get("model", data.get("state_dict", data)) if isinstance(data, dict) else None
        if not isinstance(state, dict):
            raise ModelLoadError(f"{path} holds no state_dict")
        model = build_r3d_18(len(self.sidecar.labels))
        try:
            model.load_state_dict(state, strict=True)
        except RuntimeError as error:
            raise ModelLoadError(
                f"{path} is not an r3d_18 state_dict for {len(self.sidecar.labels)} labels: {error}"
            ) from error
        return model.eval()

    def preprocess(self, clip: Sequence[NDArray[np.uint8]]) -> torch.Tensor:
        """T frames (RGB uint8 H×W×3) → the model's input tensor, batch of one."""
        torch = self._torch
        functional = torch.nn.functional
        frames = np.stack(sample_frames(clip, self.sidecar.frames))  # T, H, W, 3
        x = torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 255.0  # T, 3, H, W
        height, width = self.sidecar.size
        scale = max(height / x.shape[2], width / x.shape[3])
        resized = (max(height, round(x.shape[2] * scale)), max(width, round(x.shape[3] * scale)))
        x = functional.interpolate(x, size=resized, mode="bilinear", align_corners=False, antialias=True)
        top, left = (resized[0] - height) // 2, (resized[1] - width) // 2
        x = x[:, :, top : top + height, left : left + width]
        mean = torch.tensor(self.sidecar.mean).view(1, 3, 1, 1)
        std = torch.tensor(self.sidecar.std).view(1, 3, 1, 1)
        x = (x - mean) / std
        if self.sidecar.layout == "NCTHW":
            x = x.permute(1, 0, 2, 3)
        return x[None].contiguous()  # type: ignore[no-any-return]

    def _logits(self, clip: Sequence[NDArray[np.uint8]]) -> torch.Tensor:
        with self._torch.inference_mode():
            output = self.model(self.preprocess(clip))
        if isinstance(output, (tuple, list)):
            output = output[0]
        return output.reshape(-1).float()  # type: ignore[no-any-return]

    def classify(self, clip: Sequence[NDArray[np.uint8]]) -> list[tuple[str, float]]:
        """Every label with its confidence, best first; platform actions under their platform name."""
        logits = self._logits(clip)
        if self.sidecar.activation == "softmax":
            scores = self._torch.softmax(logits, dim=0)
        elif self.sidecar.activation == "sigmoid":
            scores = self._torch.sigmoid(logits)
        else:
            scores = logits
        ranked = sorted(zip(self.labels, scores.tolist(), strict=True), key=lambda pair: -pair[1])
        return [(label, float(conf)) for label, conf in ranked]

    def evidence(
        self,
        clip: Sequence[NDArray[np.uint8]],
        t_s: float,
        box: Box,
        track_ids: tuple[int, ...] = (),
        threshold: float = 0.5,
    ) -> list[ActionEvidence]:
        """`ActionEvidence` for the platform actions at or above `threshold` in the clip ending at `t_s`."""
        return [
            ActionEvidence(
                label=label,
                conf=conf,
                t_s=t_s,
                track_ids=track_ids,
                box=box,
                detail=f"video classifier: '{label}' {conf:.2f} over {self.sidecar.frames} frames",
            )
            for label, conf in self.classify(clip)
            if label in ACTION_LABELS and conf >= threshold
        ]
