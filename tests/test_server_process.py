"""`vigil serve` as a real process: health, the register → login → camera round trip, bad config."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import PASSWORD
from tests.media import plaza
from tests.servers.live_server import free_port

pytestmark = pytest.mark.slow


def vigil_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.update(VIGIL_DATA_DIR=str(tmp_path / "data"), VIGIL_SECRET_KEY="process-test-" + "k" * 40, **extra)
    return env


@pytest.fixture
def extra_env() -> dict[str, str]:
    return {}


@pytest.fixture
def served(tmp_path: Path, extra_env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "vigil.cli", "serve"],
        env=vigil_env(tmp_path, PORT=str(port), **extra_env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"vigil serve exited with {process.returncode}:\n{output}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("vigil serve did not answer /api/v1/health within 30 s")
    try:
        yield url
    finally:
        process.terminate()
        assert process.wait(timeout=15) in (0, -15)  # uvicorn re-raises SIGTERM after a clean shutdown
        output = process.stdout.read() if process.stdout else ""
        assert "Application shutdown complete" in output
        assert PASSWORD not in output
        assert "k" * 40 not in output


def test_health_and_round_trip_over_http(served: str) -> None:
    with httpx.Client(base_url=served, timeout=10) as client:
        health = client.get("/api/v1/health").json()
        assert health["status"] == "ok"
        assert health["version"]
        assert (
            client.post(
                "/api/v1/auth/register", json={"email": "ops@example.com", "password": PASSWORD}
            ).status_code
            == 201
        )
        login = client.post(
            "/api/v1/auth/jwt/login", data={"username": "ops@example.com", "password": PASSWORD}
        )
        token = login.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        created = client.post(
            "/api/v1/cameras",
            json={"name": "Gate", "kind": "rtsp", "url": "rtsp://admin:pw12345@127.0.0.1:9/live"},
            headers=headers,
        )
        assert created.status_code == 201
        camera = client.get(f"/api/v1/cameras/{created.json()['id']}", headers=headers).json()
        assert (camera["name"], camera["url"]) == ("Gate", "rtsp://admin:***@127.0.0.1:9/live")
        assert client.get("/api/v1/cameras").status_code == 401
        assert "openapi" in client.get("/api/v1/openapi.json").json()
        assert "Vigil" in client.get("/").text


def test_production_without_a_secret_refuses_to_start(tmp_path: Path) -> None:
    env = vigil_env(tmp_path, VIGIL_ENV="production")
    env["VIGIL_SECRET_KEY"] = "change-me"
    result = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "VIGIL_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_setting_names_the_setting(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "serve"],
        env=vigil_env(tmp_path, VIGIL_PORT="eighty"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "VIGIL_PORT: Input should be a valid integer" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("extra_env", [{"VIGIL_DEMO_VIDEO": str(plaza())}])
def test_demo_camera_appears_for_the_first_admin_and_streams(served: str) -> None:
    with httpx.Client(base_url=served, timeout=10) as client:
        client.post("/api/v1/auth/register", json={"email": "first@example.com", "password": PASSWORD})
        login = client.post(
            "/api/v1/auth/jwt/login", data={"username": "first@example.com", "password": PASSWORD}
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        cameras = client.get("/api/v1/cameras", headers=headers).json()["items"]
        assert [(c["name"], c["kind"]) for c in cameras] == [("Demo: plaza", "file")]
        deadline = time.monotonic() + 15
        state = None
        while time.monotonic() < deadline and state != "streaming":
            state = client.get(f"/api/v1/cameras/{cameras[0]['id']}/health", headers=headers).json()["state"]
            time.sleep(0.3)
        assert state == "streaming"


@pytest.mark.parametrize("setting", ["VIGIL_OBJECT_MODEL", "VIGIL_POSE_MODEL"])
def test_missing_model_file_is_a_clear_startup_error(tmp_path: Path, setting: str) -> None:
    missing = tmp_path / "yolov8n.onnx"
    result = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "serve"],
        env=vigil_env(tmp_path, **{setting: str(missing)}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert f"model file {missing} does not exist" in result.stderr
    assert "Traceback" not in result.stderr
