"""Security headers on every response, and the API docs page with the policy it needs.

The dashboard is Vite's build: scripts and styles from its own origin, images and media from the API, blob:
(clips and snapshots fetched with the token) and data: (probe stills), socket.io over the same origin.
Styles allow 'unsafe-inline' because the rules editor (CodeMirror) injects `<style>` elements at run time.
Swagger UI (`/api/v1/docs`) loads its script and styles from a CDN and starts with one inline script: its
page carries its own policy naming that CDN and the script's hash; it needs the browser to reach the CDN.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = "max-age=31536000; includeSubDomains"
SWAGGER_CDN = "https://cdn.jsdelivr.net"
FASTAPI_FAVICON = "https://fastapi.tiangolo.com"
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def dashboard_policy(host: str | None) -> str:
    """The Content-Security-Policy of the dashboard and API answers; `host` adds its ws:// and wss://
    (browsers older than CSP 3 do not count same-origin websockets as 'self')."""
    sockets = f" ws://{host} wss://{host}" if host and _HOST.match(host) else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; media-src 'self' blob:; font-src 'self'; "
        f"connect-src 'self'{sockets}; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


class SecurityHeadersMiddleware:
    """Adds the headers to every HTTP answer; a header the answer already has (the docs page's own
    policy) is kept. HSTS only when the request came over HTTPS (uvicorn sets the scheme, from
    `X-Forwarded-Proto` only for proxies it trusts)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), None)
        extra = {
            b"content-security-policy": dashboard_policy(host).encode(),
            b"x-frame-options": b"DENY",
            b"x-content-type-options": b"nosniff",
            b"referrer-policy": b"no-referrer",
            b"cross-origin-opener-policy": b"same-origin",
        }
        if scope.get("scheme") == "https":
            extra[b"strict-transport-security"] = HSTS.encode()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra.items() if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def docs_policy(html: str) -> str:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'none'; script-src {SWAGGER_CDN} {hashes}; style-src {SWAGGER_CDN} 'unsafe-inline'; "
        f"img-src 'self' data: {FASTAPI_FAVICON}; connect-src 'self'; frame-ancestors 'none'"
    )


def add_docs(app: FastAPI, path: str, openapi_url: str) -> None:
    """Swagger UI at `path` (create the app with `docs_url=None`), with its own policy."""
    html = bytes(
        get_swagger_ui_html(openapi_url=openapi_url, title=f"{app.title} - Swagger UI").body
    ).decode()
    policy = docs_policy(html)

    @app.get(path, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(html, headers={"Content-Security-Policy": policy})
