"""Checks of a camera's source before it is saved: each problem is a sentence naming the fix."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from vigil.domain import SourceKind
from vigil.security.outbound import OutboundPolicy, OutboundRefusedError
from vigil.security.paths import is_inside_any
from vigil.security.urls import control_character_problem, network_url_problem

_USB_DEVICE = re.compile(r"^(/dev/video\d{1,3}|\d{1,3})$")


def source_url_problem(
    kind: SourceKind, url: str, file_roots: tuple[Path, ...], outbound: OutboundPolicy | None = None
) -> str | None:
    """None when `url` is a usable source of `kind`, else what is wrong with it. `outbound`: the cameras'
    policy, applied here to hosts that name an address without DNS (`127.1`, `[::1]`, `localhost`); a
    name is resolved and checked each time the camera connects."""
    problem = control_character_problem(url)
    if problem is not None:
        return f"the URL {problem}"
    if kind is SourceKind.RTSP:
        problem = network_url_problem(url)
        if problem is not None:
            return f"the URL {problem}"
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as error:
            return f"not a valid RTSP URL: {error}"
        if parts.scheme not in ("rtsp", "rtsps"):
            return "an RTSP camera needs an rtsp:// or rtsps:// URL"
        if not parts.hostname:
            return "the RTSP URL has no host"
        if port == 0:
            return "the RTSP URL has port 0"
        if outbound is not None:
            try:
                outbound.check_literal(parts.hostname, port or (322 if parts.scheme == "rtsps" else 554))
            except OutboundRefusedError as error:
                return str(error)
        return None
    if kind is SourceKind.FILE:
        if not url.startswith("/"):
            return "a file camera needs an absolute path"
        if not file_roots:
            return "file cameras are disabled: an administrator must list allowed folders in VIGIL_FILE_ROOTS"
        path = Path(url)
        if ".." in path.parts or not is_inside_any(path, file_roots):
            allowed = ":".join(str(root) for root in file_roots)
            return f"the file is outside the folders allowed by VIGIL_FILE_ROOTS ({allowed})"
        if not path.is_file():
            return "no such file"
        return None
    if kind is SourceKind.USB:
        return None if _USB_DEVICE.match(url) else "a USB camera is /dev/videoN or a device index N"
    if url:
        return "a WebRTC camera takes no URL: the browser publishes to it"
    return None
