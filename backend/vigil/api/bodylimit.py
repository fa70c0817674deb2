"""A cap on request bodies, applied before anything reads or parses them.

Every request may carry at most `VIGIL_MAX_BODY_BYTES`; a route that needs more says so with
`openapi_extra=body_limit(n)` (it shows in the OpenAPI schema as `x-max-body-bytes`). A declared
`Content-Length` over the cap is answered 413 `BODY_TOO_LARGE` before a byte is read; a body without one
(chunked) is counted as it arrives and refused as soon as it passes the cap.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, status
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LIMIT_KEY = "x-max-body-bytes"
TOO_LARGE = "BODY_TOO_LARGE"


def body_limit(max_bytes: int) -> dict[str, Any]:
    """`openapi_extra` of a route whose bodies may be larger than the server's default cap."""
    return {LIMIT_KEY: max_bytes}


class BodyTooLargeError(HTTPException):
    """Raised from `receive` when a streamed body passes the cap; FastAPI answers it like any HTTP error."""

    def __init__(self) -> None:
        super().__init__(status.HTTP_413_CONTENT_TOO_LARGE, detail=TOO_LARGE)


@dataclass(frozen=True, slots=True)
class RouteLimit:
    path: re.Pattern[str]
    method: str
    max_bytes: int


def route_limits(openapi: dict[str, Any]) -> list[RouteLimit]:
    """The operations of an OpenAPI schema that declared their own cap with `body_limit`."""
    found = []
    for path, operations in openapi.get("paths", {}).items():
        pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")
        for method, operation in operations.items():
            if isinstance(operation, dict) and LIMIT_KEY in operation:
                found.append(RouteLimit(pattern, method.upper(), int(operation[LIMIT_KEY])))
    return found


class BodyLimitMiddleware:
    """`routes` is called once, on the first request (the app's routes are all there by then)."""

    def __init__(self, app: ASGIApp, default_bytes: int, routes: Callable[[], list[RouteLimit]]) -> None:
        self.app = app
        self.default_bytes = default_bytes
        self.routes = routes
        self._limits: list[RouteLimit] | None = None

    def limit_for(self, scope: Scope) -> int:
        if self._limits is None:
            self._limits = self.routes()
        path, method = scope["path"], scope["method"]
        for route in self._limits:
            if method == route.method and route.path.match(path):
                return route.max_bytes
        return self.default_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, receive, send)
            return

        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError()
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLargeError:
            if started:
                raise
            await _refuse(scope, receive, send)  # read outside a route (FastAPI answers it inside one)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse({"detail": TOO_LARGE}, status.HTTP_413_CONTENT_TOO_LARGE)
    await response(scope, receive, send)
