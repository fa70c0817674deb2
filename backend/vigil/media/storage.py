"""Where incident media live (`<data_dir>/media/<camera_id>/<incident_id>/<kind file>`) and how a file gets
there: written under a temporary name in the same folder, fsynced, renamed over the final name, so a reader
or a crash never sees half a file under the final name."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vigil.domain import ArtifactKind
from vigil.security.paths import resolve_inside

MEDIA_DIRNAME = "media"
TEMP_SUFFIX = ".partial"
ARTIFACT_FILES: dict[ArtifactKind, tuple[str, str]] = {
    ArtifactKind.CLIP: ("clip.mp4", "video/mp4"),
    ArtifactKind.SNAPSHOT: ("snapshot.jpg", "image/jpeg"),
    ArtifactKind.AUDIO: ("audio.wav", "audio/wav"),
}


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A finished file: what an `Artifact` row records (the caller makes `path` relative to the root)."""

    path: Path
    bytes: int
    sha256: str


def media_root(data_dir: Path) -> Path:
    return data_dir / MEDIA_DIRNAME


def _positive(name: str, value: int) -> int:
    # bool is an int; a camera or incident id never is one.
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, not {value!r}")
    return value


def incident_relpath(camera_id: int, incident_id: int) -> str:
    return f"{_positive('camera_id', camera_id)}/{_positive('incident_id', incident_id)}"


def artifact_relpath(camera_id: int, incident_id: int, kind: ArtifactKind) -> str:
    """The `Artifact.path` of an incident's clip, snapshot or audio (relative to the media root)."""
    return f"{incident_relpath(camera_id, incident_id)}/{ARTIFACT_FILES[kind][0]}"


def media_type(kind: ArtifactKind) -> str:
    return ARTIFACT_FILES[kind][1]


def incident_dir(root: Path, camera_id: int, incident_id: int, create: bool = True) -> Path:
    """The incident's folder under `root`; refuses anything (a symlinked folder...) that leaves `root`."""
    if create:
        root.mkdir(parents=True, exist_ok=True)
    folder = resolve_inside(root, incident_relpath(camera_id, incident_id))
    if create:
        folder.mkdir(parents=True, exist_ok=True)
        # A symlink created between the check and mkdir would be followed by mkdir; check again.
        resolve_inside(root, incident_relpath(camera_id, incident_id))
    return folder


def artifact_path(root: Path, camera_id: int, incident_id: int, kind: ArtifactKind) -> Path:
    """Where an incident's file of `kind` is written (its folder is created)."""
    return incident_dir(root, camera_id, incident_id) / ARTIFACT_FILES[kind][0]


def digest(path: Path) -> StoredFile:
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            sha.update(block)
            size += len(block)
    return StoredFile(path, size, sha.hexdigest())


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # some filesystems cannot open or fsync a directory
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_file(final: Path) -> Iterator[Path]:
    """Yields a temporary path beside `final` to write; on success it is fsynced and renamed to `final`
    (replacing an older file at once), on any error it is removed and `final` is left as it was."""
    final.parent.mkdir(parents=True, exist_ok=True)
    temp = final.with_name(f".{final.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
    try:
        yield temp
        with temp.open("rb+") as file:
            os.fsync(file.fileno())
        os.replace(temp, final)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(final.parent)


def remove_stale_temps(root: Path) -> int:
    """Delete temporary files a crash left behind (run at start, before any writer). Returns how many."""
    removed = 0
    if root.is_dir():
        for path in root.rglob(f".*{TEMP_SUFFIX}"):
            if path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def remove_incident_media(root: Path, camera_id: int, incident_id: int) -> int:
    """Delete an incident's folder; returns the bytes it held (0 when it was already gone)."""
    folder = incident_dir(root, camera_id, incident_id, create=False)
    if not folder.is_dir():
        return 0
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    shutil.rmtree(folder)
    return size


def free_bytes(path: Path) -> int:
    """Free space for unprivileged writers on the filesystem holding `path` (or its nearest parent)."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free
