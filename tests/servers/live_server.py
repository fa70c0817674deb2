"""A real uvicorn server inside the test process, on a free port, so tests can reach `app.state`."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from vigil.api.app import create_app, with_sockets
from vigil.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    app: FastAPI
    url: str


@asynccontextmanager
async def live_server(settings: Settings) -> AsyncIterator[LiveServer]:
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            with_sockets(app),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            proxy_headers=False,  # as `vigil serve`: forwarded headers are the app's (VIGIL_TRUSTED_PROXIES)
        )
    )
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    else:
        raise RuntimeError("uvicorn did not start within 10 s")
    try:
        yield LiveServer(app, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)
