"""`VIGIL_DEVICE` picks onnxruntime's execution providers; a device this install cannot use is a clear
error before any model runs (tested on a CPU-only onnxruntime; CUDA, TensorRT and OpenVINO themselves
were not run here)."""

from __future__ import annotations

import onnxruntime as ort  # type: ignore[import-untyped]
import pytest
from pydantic import ValidationError

from vigil.perception.objects import DEFAULT_NANODET, NanoDetDetector
from vigil.perception.onnx_runtime import ORT_DEVICES, DeviceUnavailableError, providers_for
from vigil.perception.worker import PerceptionConfig
from vigil.settings import Settings

CPU_ONLY = ["AzureExecutionProvider", "CPUExecutionProvider"]


def test_each_device_names_its_providers_best_first_with_the_cpu_last() -> None:
    everything = [
        "TensorrtExecutionProvider",
        "CUDAExecutionProvider",
        "OpenVINOExecutionProvider",
        "CPUExecutionProvider",
    ]
    assert providers_for("cpu", CPU_ONLY) == ["CPUExecutionProvider"]
    assert providers_for("cuda", everything) == ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert providers_for("tensorrt", everything)[:2] == ["TensorrtExecutionProvider", "CUDAExecutionProvider"]
    assert providers_for("openvino-gpu", everything)[0] == (
        "OpenVINOExecutionProvider",
        {"device_type": "GPU"},
    )
    assert providers_for("openvino-cpu", everything)[0] == (
        "OpenVINOExecutionProvider",
        {"device_type": "CPU", "num_of_threads": "1"},  # one thread a worker, as onnxruntime's own
    )
    assert providers_for("openvino-cpu", everything, threads=2)[0][1]["num_of_threads"] == "2"  # type: ignore[index]
    # `openvino` (OpenVINO's own runtime) is not onnxruntime's: tests/perception/test_openvino_runtime.py
    assert all(providers_for(d, everything)[-1] == "CPUExecutionProvider" for d in ORT_DEVICES)


@pytest.mark.parametrize(
    ("device", "provider", "package"),
    [
        ("cuda", "CUDAExecutionProvider", "onnxruntime-gpu"),
        ("tensorrt", "TensorrtExecutionProvider", "onnxruntime-gpu and TensorRT"),
        ("openvino-gpu", "OpenVINOExecutionProvider", "onnxruntime-openvino"),
    ],
)
def test_a_device_without_its_provider_says_what_to_install(device: str, provider: str, package: str) -> None:
    with pytest.raises(DeviceUnavailableError) as raised:
        providers_for(device, CPU_ONLY)
    message = str(raised.value)
    assert f"VIGIL_DEVICE={device}" in message
    assert provider in message
    assert f"Install {package} in place of onnxruntime" in message
    assert "VIGIL_DEVICE=cpu" in message


def test_an_unknown_device_lists_the_choices() -> None:
    with pytest.raises(DeviceUnavailableError, match="choose one of cpu, cuda, tensorrt"):
        providers_for("gpu", CPU_ONLY)


def test_the_settings_refuse_an_unknown_device_naming_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_DEVICE", "cuda")
    assert Settings().device == "cuda"
    monkeypatch.setenv("VIGIL_DEVICE", "gpu")
    with pytest.raises(ValidationError, match="device"):
        Settings()


@pytest.mark.skipif(
    "CUDAExecutionProvider" in ort.get_available_providers(), reason="this onnxruntime has CUDA"
)
def test_this_cpu_install_refuses_cuda_at_start_and_runs_on_the_cpu() -> None:
    with pytest.raises(DeviceUnavailableError, match="onnxruntime-gpu"):
        PerceptionConfig(DEFAULT_NANODET, device="cuda").check()
    with pytest.raises(DeviceUnavailableError, match="onnxruntime-gpu"):
        NanoDetDetector(device="cuda")
    PerceptionConfig(DEFAULT_NANODET, pose_model=None, device="cpu").check()
    assert NanoDetDetector(device="cpu")._session.get_providers() == ["CPUExecutionProvider"]
