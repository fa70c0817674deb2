"""The only way a stored relative path becomes a file to serve."""

from __future__ import annotations

from pathlib import Path, PurePosixPath


class UnsafePathError(ValueError):
    pass


def resolve_inside(root: Path, relative: str) -> Path:
    """Resolve `relative` under `root`, refusing absolute paths, `..`, and symlinks that leave `root`."""
    candidate = PurePosixPath(relative)
    if not relative or candidate.is_absolute() or ".." in candidate.parts or "\x00" in relative:
        raise UnsafePathError(f"refused media path {relative!r}")
    real_root = root.resolve()
    resolved = (real_root / candidate).resolve()
    if not resolved.is_relative_to(real_root):
        raise UnsafePathError(f"media path {relative!r} leaves the media folder")
    return resolved


def is_inside_any(path: Path, roots: tuple[Path, ...]) -> bool:
    resolved = path.resolve()
    return any(resolved.is_relative_to(root.resolve()) for root in roots)
