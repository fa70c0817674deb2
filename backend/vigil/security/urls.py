"""Source URLs may carry credentials: store them whole, show them masked."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit, urlunsplit

MASK = "***"


def mask_url(url: str) -> str:
    """`rtsp://admin:secret@cam/stream` → `rtsp://admin:***@cam/stream`; other strings unchanged."""
    parts = urlsplit(url)
    if not parts.netloc or "@" not in parts.netloc:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, has_password, _ = userinfo.partition(":")
    if not has_password:
        return url
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{hostport}"))


def unmask_url(submitted: str, stored: str) -> str:
    """A client that sends back the masked URL it was shown keeps the stored password."""
    return stored if submitted == mask_url(stored) else submitted


def control_character_problem(text: str) -> str | None:
    """What is wrong with control characters (CR, LF, NUL, DEL, Unicode line separators…) in `text`, or
    None. They would end a protocol line early: FFmpeg sends the URL in its RTSP requests."""
    for index, char in enumerate(text):
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            return f"contains a control character (U+{ord(char):04X}) at position {index}: remove it"
    return None


def network_url_problem(url: str) -> str | None:
    """Control characters or whitespace anywhere in a network URL, raw or %-encoded, or None."""
    problem = control_character_problem(url)
    if problem is not None:
        return problem
    for index, char in enumerate(url):
        if char.isspace():
            return f"contains whitespace (U+{ord(char):04X}) at position {index}: write a space as %20"
    decoded = unquote(url)
    if decoded != url and control_character_problem(decoded) is not None:
        return "contains a %-encoded control character (such as %0D or %0A): remove it"
    return None
