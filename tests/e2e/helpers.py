"""What every dashboard e2e test shares: the built dashboard, a server factory, chromium, screenshots, and
the register → log in steps. The built dashboard is `frontend/dist` unless `VIGIL_E2E_DIST` names another
build (so two builds in parallel never serve each other's half-written files)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from pathlib import Path

import httpx
from playwright.async_api import Page, expect

from tests.media import REPO, scream_clip

__all__ = ["scream_clip"]  # the e2e tests' clip of the scream, from tests.media

CHROMIUM = Path("/usr/bin/chromium")
DIST = Path(os.environ.get("VIGIL_E2E_DIST") or REPO / "frontend" / "dist")
SHOTS = REPO / "test-output" / "e2e"
EMAIL = "operator@example.org"
PASSWORD = "plaza-watch-2026"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--autoplay-policy=no-user-gesture-required",
    "--no-first-run",
]


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def canvas_digest(page: Page, camera_id: int) -> str:
    data_url: str = await page.locator(f'.tile[data-camera-id="{camera_id}"] canvas').evaluate(
        "c => c.toDataURL('image/png')"
    )
    return hashlib.sha256(data_url.encode()).hexdigest()


async def frames_drawn(page: Page, camera_id: int) -> int:
    canvas = page.locator(f'.tile[data-camera-id="{camera_id}"] canvas')
    return int(await canvas.get_attribute("data-frames") or 0)


async def frames_received(page: Page, camera_id: int) -> int:
    canvas = page.locator(f'.tile[data-camera-id="{camera_id}"] canvas')
    return int(await canvas.get_attribute("data-received") or 0)


def expired_token() -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256'})}.{part({'sub': 'x', 'exp': int(time.time()) - 60})}.sig"


async def add_camera(url: str, token: str, fields: dict[str, object]) -> int:
    """A camera added through the API (kind `file` at 4 fps unless `fields` says otherwise)."""
    async with httpx.AsyncClient(base_url=url, timeout=20) as client:
        created = await client.post(
            "/api/v1/cameras",
            json={"kind": "file", "analysis_fps": 4, **fields},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert created.status_code == 201, created.text
    camera_id: int = created.json()["id"]
    return camera_id


async def page_token(page: Page) -> str:
    token: str = await page.evaluate("localStorage.getItem('vigil.token')")
    return token


async def register_and_log_in(page: Page, url: str, email: str = EMAIL, *, screenshots: bool = True) -> None:
    """Through the pages: the guard sends a stranger to login, register, a wrong password, then log in."""
    await page.goto(url)
    await expect(page).to_have_url(f"{url}/login?redirect=%2F")
    await page.get_by_role("link", name="Register").click()
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_label("Repeat password").fill(PASSWORD)
    if screenshots:
        await shot(page, "01-register")
    await page.get_by_role("button", name="Register").click()
    await expect(page.get_by_role("status")).to_have_text("Account created. Log in.")
    await expect(page.get_by_label("Email")).to_have_value(email)
    await page.get_by_label("Password").fill("wrong-password-123")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    await page.get_by_label("Password").fill(PASSWORD)
    if screenshots:
        await shot(page, "02-login")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Live")).to_be_visible()


async def log_in(page: Page, url: str, email: str = EMAIL, password: str = PASSWORD) -> None:
    await page.goto(f"{url}/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Live")).to_be_visible()


async def assert_fits_phone(page: Page, url: str, path: str, name: str) -> None:
    """The page at `path` is no wider than a 375 px screen (and a screenshot of it is kept)."""
    await page.goto(f"{url}{path}")
    await page.wait_for_load_state("networkidle")
    await page.wait_for_timeout(300)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{path} is {width} px wide on a 375 px screen"
    await shot(page, name)
