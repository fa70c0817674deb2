"""Fixtures of the dashboard e2e tests: a real server serving the built dashboard, and Debian's chromium."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from tests.conftest import make_settings
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, DIST
from tests.media import shared_media_dir
from tests.servers.live_server import LiveServer, live_server

ServerFactory = Callable[..., AbstractAsyncContextManager[LiveServer]]


@pytest.fixture
def dashboard_server(tmp_path: Path) -> ServerFactory:
    """`async with dashboard_server(**settings) as server`: the dashboard and API on a free port, SQLite in
    tmp_path, file cameras allowed from ../shared/media and tmp_path/videos, one analysis worker."""
    if not (DIST / "index.html").is_file():
        pytest.fail(f"the dashboard is not built ({DIST}): run `make frontend`")

    def start(**overrides: object) -> AbstractAsyncContextManager[LiveServer]:
        values: dict[str, object] = {
            "frontend_dist": DIST,
            "file_roots": f"{shared_media_dir()}:{tmp_path / 'videos'}",
            "analysis_workers": 1,
            "pre_roll_s": 2,
            "post_roll_s": 2,
            "buffer_s": 30,
        }
        values.update(overrides)
        return live_server(make_settings(tmp_path, **values))

    return start


@pytest.fixture
async def server(dashboard_server: ServerFactory) -> AsyncIterator[LiveServer]:
    async with dashboard_server() as server:
        yield server


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.is_file() or shutil.which("ffmpeg") is None:
        pytest.fail("needs /usr/bin/chromium and ffmpeg: scripts/ci/install-system-deps.sh")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        await browser.close()
