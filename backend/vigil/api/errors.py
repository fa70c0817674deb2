"""422 answers that are always small and always serialisable.

FastAPI's own handler echoes each wrong value whole (a 20 MB string came back as a 20 MB error) and fails
with a 500 on values JSON cannot carry (a lone surrogate, NaN or infinity). Here every echoed value is cut
to a short preview: strings to `MAX_ECHO_CHARS`, containers to their first `MAX_ECHO_ITEMS` entries,
nesting to `MAX_ECHO_DEPTH`, and what JSON cannot carry is written as text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

MAX_ECHO_CHARS = 200
MAX_ECHO_ITEMS = 10
MAX_ECHO_DEPTH = 3
MAX_ERRORS = 50
MAX_MESSAGE_CHARS = 1000


def safe_text(text: str, limit: int = MAX_ECHO_CHARS) -> str:
    """At most `limit` characters (the cut said), lone surrogates replaced by U+FFFD."""
    cut = text[:limit]
    cut = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in cut)
    return cut if len(text) <= limit else f"{cut}… ({len(text)} characters)"


def preview(value: Any, depth: int = 0) -> Any:
    """A small JSON-safe stand-in for a value a client sent."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):  # JSON carries any integer, but printing a huge one is slow or refused
        return (
            value
            if abs(value) < 10**30
            else f"an integer of about {int(value.bit_length() * 0.30103)} digits"
        )
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, bytes | bytearray):
        return safe_text(bytes(value[: MAX_ECHO_CHARS * 4]).decode("utf-8", "replace"))
    if isinstance(value, Mapping):
        if depth >= MAX_ECHO_DEPTH:
            return f"{{… {len(value)} keys}}"
        items = list(value.items())
        out = {safe_text(str(k), 64): preview(v, depth + 1) for k, v in items[:MAX_ECHO_ITEMS]}
        if len(items) > MAX_ECHO_ITEMS:
            out["…"] = f"{len(items) - MAX_ECHO_ITEMS} more keys"
        return out
    if isinstance(value, Sequence | set | frozenset):
        if depth >= MAX_ECHO_DEPTH:
            return f"[… {len(value)} items]"
        items = list(value)
        shown = [preview(v, depth + 1) for v in items[:MAX_ECHO_ITEMS]]
        if len(items) > MAX_ECHO_ITEMS:
            shown.append(f"… {len(items) - MAX_ECHO_ITEMS} more items")
        return shown
    return safe_text(str(value))


def safe_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    out = []
    for error in errors[:MAX_ERRORS]:
        entry: dict[str, Any] = {
            "type": str(error.get("type", "")),
            "loc": [part if isinstance(part, int) else safe_text(str(part), 64) for part in error["loc"]],
            "msg": safe_text(str(error.get("msg", "")), MAX_MESSAGE_CHARS),
        }
        if "input" in error:
            entry["input"] = preview(error["input"])
        if error.get("ctx"):
            entry["ctx"] = {str(k): preview(v if _plain(v) else str(v)) for k, v in error["ctx"].items()}
        out.append(entry)
    return out


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | list | tuple | dict)


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": safe_errors(exc.errors())}, status.HTTP_422_UNPROCESSABLE_CONTENT)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)
