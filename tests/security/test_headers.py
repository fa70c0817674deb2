"""Security headers on the dashboard and API: a Content-Security-Policy the built dashboard runs under
without one violation (checked in chromium on every page), no framing, no sniffing, no referrer, HSTS only
over HTTPS; the API docs page with its own policy that allows exactly what Swagger UI loads."""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import ConsoleMessage, async_playwright, expect

from tests.conftest import World, make_settings
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, DIST, log_in
from tests.servers.live_server import LiveServer, live_server

ALWAYS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        if part.strip():
            name, *values = part.split()
            parsed[name] = values
    return parsed


def assert_hardened(response: httpx.Response) -> dict[str, list[str]]:
    for name, value in ALWAYS.items():
        assert response.headers.get(name) == value, (name, response.headers)
    policy = directives(response.headers["content-security-policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert "strict-transport-security" not in response.headers  # plain http
    return policy


async def test_api_answers_carry_the_headers_whatever_their_status(world: World) -> None:
    client, viewer = world.client, world["viewer"].headers
    answers = [
        await client.get("/api/v1/health"),
        await client.get("/api/v1/cameras", headers=viewer),
        await client.get("/api/v1/cameras"),  # 401
        await client.get("/api/v1/cameras/99999", headers=viewer),  # 404
        await client.post("/api/v1/cameras", json={"name": ""}, headers=viewer),  # 403 or 422
        await client.post("/api/v1/auth/register", content=b"x" * (2 * 1024 * 1024)),  # 413
        await client.get("/"),  # the page that says the dashboard is not built
    ]
    for answer in answers:
        policy = assert_hardened(answer)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]


async def test_hsts_only_over_https(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://vigil.test") as client:
        answer = await client.get("/api/v1/health")
    assert answer.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_websockets_of_the_same_host_may_connect(world: World) -> None:
    answer = await world.client.get("/api/v1/health", headers={"Host": "cams.example.org:8443"})
    policy = directives(answer.headers["content-security-policy"])
    assert policy["connect-src"] == ["'self'", "ws://cams.example.org:8443", "wss://cams.example.org:8443"]
    odd = await world.client.get("/api/v1/health", headers={"Host": "evil; script-src *"})
    assert directives(odd.headers["content-security-policy"])["connect-src"] == ["'self'"]


def allowed(source: str, sources: list[str]) -> bool:
    return any(source.startswith(allowed) for allowed in sources if allowed.startswith("https://"))


async def test_the_docs_page_has_a_policy_that_allows_what_swagger_ui_loads(world: World) -> None:
    answer = await world.client.get("/api/v1/docs")
    assert answer.status_code == 200
    policy = assert_hardened(answer)
    html = answer.text
    scripts = re.findall(r'<script src="([^"]+)"', html)
    styles = re.findall(r'<link type="text/css" rel="stylesheet" href="([^"]+)"', html)
    inline = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert scripts
    assert styles
    assert len(inline) == 1
    assert all(allowed(src, policy["script-src"]) for src in scripts), (scripts, policy)
    assert all(allowed(href, policy["style-src"]) for href in styles), (styles, policy)
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy["script-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "/api/v1/openapi.json" in inline[0]
    assert policy["connect-src"] == ["'self'"]


@pytest.fixture
async def dashboard(tmp_path: Path) -> AsyncIterator[LiveServer]:
    if not (DIST / "index.html").is_file():
        pytest.fail(f"the dashboard is not built ({DIST}): run `make frontend`")
    async with live_server(make_settings(tmp_path, frontend_dist=DIST)) as server:
        yield server


PAGES = ["/", "/incidents", "/history", "/cameras", "/rules", "/alerts", "/publish", "/users"]

REPORT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${where}`);
});
"""


@pytest.mark.slow
async def test_the_built_dashboard_runs_under_its_policy(dashboard: LiveServer) -> None:
    """Every page of the dashboard, logged in as the admin, with the rules editor (CodeMirror injects
    styles) and charts: not one policy violation, in the page or the console."""
    if not CHROMIUM.is_file() or shutil.which("ffmpeg") is None:
        pytest.fail("needs /usr/bin/chromium: scripts/ci/install-system-deps.sh")
    email, password = f"admin-{uuid.uuid4().hex[:6]}@example.org", f"csp-{uuid.uuid4().hex}"
    async with httpx.AsyncClient(base_url=dashboard.url) as client:
        registered = await client.post("/api/v1/auth/register", json={"email": email, "password": password})
        assert registered.status_code == 201, registered.text
        index = await client.get("/")
        assert_hardened(index)
    console: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            console.append(message.text)

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            page.on("console", on_console)
            await page.add_init_script(REPORT_VIOLATIONS)
            await log_in(page, dashboard.url, email, password)
            for path in PAGES:
                await page.goto(dashboard.url + path)
                await expect(page.get_by_role("main")).to_be_visible()
                await page.wait_for_load_state("networkidle")
                violations = await page.evaluate("window.__cspViolations")
                assert not violations, (path, violations)
            await page.goto(dashboard.url + "/rules")
            await expect(page.locator(".cm-editor")).to_be_visible()  # CodeMirror mounted its styles
        finally:
            await browser.close()
    assert not console, console
