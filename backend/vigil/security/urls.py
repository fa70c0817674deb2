"""Source URLs may carry credentials: store them whole, show them masked."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

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
