#!/usr/bin/env python3
"""Check a Vigil installation and print what is OK and what to fix, as a table.

Run it with the project's interpreter: `.venv/bin/python scripts/verify_install.py` (exit status 1 when
something needed is missing). It checks the Python packages, the model files of the current settings,
the codecs PyAV (FFmpeg) has, the database, and Redis / SMTP / MQTT when they are configured. It reads the
same settings as `vigil serve` (environment and `.env`) and never prints a secret.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import socket
import sys
from dataclasses import dataclass
from urllib.parse import urlsplit

OK, FIX, OPTIONAL = "ok", "FIX", "optional"
REQUIRED_PACKAGES = (
    "fastapi", "uvicorn", "sqlmodel", "alembic", "fastapi_users", "socketio", "av", "numpy", "onnxruntime",
    "ai_edge_litert", "aiortc", "PIL", "yaml", "arq", "aiosmtplib", "aiomqtt", "twilio", "httpx",
)  # fmt: skip
OPTIONAL_PACKAGES = {
    "keras": "[keras] extra: Keras .h5 emotion models",
    "torch": "[torch] extra: PANNs, video models",
    "faster_whisper": "[speech] extra: speech to text (make install includes it)",
}
CODECS = {
    "h264": "decode H.264 cameras",
    "aac": "decode AAC sound",
    "libx264": "encode clips of non-H.264 cameras",
}


@dataclass(frozen=True)
class Check:
    what: str
    status: str
    detail: str


def packages() -> list[Check]:
    os.environ.setdefault("KERAS_BACKEND", "jax")  # as the [keras] extra installs it (no TensorFlow)
    checks = []
    for name in REQUIRED_PACKAGES:
        try:
            module = importlib.import_module(name)
            checks.append(Check(f"python: {name}", OK, str(getattr(module, "__version__", ""))))
        except ImportError as error:
            checks.append(Check(f"python: {name}", FIX, f"{error}: run `make install` (pip install -e .)"))
    for name, why in OPTIONAL_PACKAGES.items():
        try:
            importlib.import_module(name)
            checks.append(Check(f"python: {name}", OK, why))
        except ImportError:
            checks.append(Check(f"python: {name}", OPTIONAL, f"not installed ({why})"))
    return checks


def models() -> list[Check]:
    from vigil.api.pipelines import perception_config
    from vigil.perception.onnx_runtime import ModelLoadError, check_model_file
    from vigil.perception.speech import speech_model_problem
    from vigil.settings import Settings

    checks = []
    for path in perception_config(Settings()).model_files():
        try:
            check_model_file(path)
            checks.append(Check(f"model: {path.name}", OK, str(path)))
        except ModelLoadError as error:
            checks.append(Check(f"model: {path.name}", FIX, str(error)))
    speech = perception_config(Settings()).speech
    if speech is not None:
        problem = speech_model_problem(speech.model_dir)
        where = str(speech.model_dir)
        checks.append(Check("model: whisper-tiny-en", FIX if problem else OK, problem or where))
    return checks


def codecs() -> list[Check]:
    import av

    available = av.codecs_available
    return [
        Check(f"codec: {name}", OK if name in available else (OPTIONAL if name == "libx264" else FIX), why)
        for name, why in CODECS.items()
    ]


def database() -> Check:
    from sqlalchemy import text

    from vigil.db.engine import make_engine
    from vigil.security.urls import mask_url
    from vigil.settings import Settings

    url = Settings().resolved_database_url

    async def ping() -> None:
        engine = make_engine(url)
        try:
            async with engine.connect() as connection:
                await connection.execute(text("select 1"))
        finally:
            await engine.dispose()

    try:
        asyncio.run(ping())
        return Check("database", OK, mask_url(url))
    except Exception as error:
        return Check("database", FIX, f"{mask_url(url)}: {type(error).__name__}: {error}")


def reachable(what: str, url: str, default_port: int) -> Check:
    from vigil.security.urls import mask_url

    parts = urlsplit(url if "://" in url else f"tcp://{url}")
    host, port = parts.hostname or "localhost", parts.port or default_port
    try:
        with socket.create_connection((host, port), timeout=3):
            return Check(what, OK, f"{mask_url(url)} answers")
    except OSError as error:
        return Check(what, FIX, f"{mask_url(url)}: {error}")


def services() -> list[Check]:
    from vigil.settings import Settings

    settings = Settings()
    checks = []
    if settings.redis_url:
        checks.append(reachable("redis (alert jobs)", settings.redis_url, 6379))
    else:
        checks.append(
            Check("redis (alert jobs)", OPTIONAL, "not configured: alerts are delivered in-process")
        )
    if settings.smtp_host:
        checks.append(
            reachable("smtp (e-mail alerts)", f"smtp://{settings.smtp_host}:{settings.smtp_port}", 25)
        )
    else:
        checks.append(Check("smtp (e-mail alerts)", OPTIONAL, "not configured: no e-mail alerts"))
    if settings.mqtt_url:
        checks.append(reachable("mqtt (alerts)", settings.mqtt_url, 1883))
    else:
        checks.append(Check("mqtt (alerts)", OPTIONAL, "not configured"))
    return checks


def run() -> list[Check]:
    checks = packages()
    if any(c.status == FIX for c in checks):
        return checks  # the rest needs the packages
    try:
        checks += models() + codecs() + [database()] + services()
    except Exception as error:
        checks.append(Check("settings", FIX, f"{type(error).__name__}: {error}"))
    return checks


def table(checks: list[Check]) -> str:
    width = max(len(c.what) for c in checks)
    lines = [f"{'check'.ljust(width)}  status    detail", f"{'-' * width}  --------  ------"]
    lines += [f"{c.what.ljust(width)}  {c.status.ljust(8)}  {c.detail}" for c in checks]
    return "\n".join(lines)


def main() -> int:
    checks = run()
    print(table(checks))
    broken = [c for c in checks if c.status == FIX]
    print(f"\n{len(broken)} thing(s) to fix." if broken else "\nEverything needed is in place.")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
