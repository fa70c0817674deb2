from pathlib import Path

import pytest

from vigil.security.paths import UnsafePathError, resolve_inside
from vigil.security.urls import mask_url, unmask_url


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("rtsp://admin:hunter2@10.0.0.5:554/s1", "rtsp://admin:***@10.0.0.5:554/s1"),
        ("rtsp://admin:p%40ss@cam/s?x=1", "rtsp://admin:***@cam/s?x=1"),
        ("rtsp://admin@cam/s", "rtsp://admin@cam/s"),
        ("rtsp://cam/s", "rtsp://cam/s"),
        ("/srv/videos/a.mp4", "/srv/videos/a.mp4"),
        ("", ""),
    ],
)
def test_mask_hides_only_the_password(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_sending_the_masked_url_back_keeps_the_password() -> None:
    stored = "rtsp://admin:hunter2@cam/s"
    assert unmask_url(mask_url(stored), stored) == stored
    assert unmask_url("rtsp://admin:new@cam/s", stored) == "rtsp://admin:new@cam/s"


def test_paths_stay_inside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "media"
    (root / "a").mkdir(parents=True)
    (root / "a" / "clip.mp4").write_bytes(b"x")
    (tmp_path / "secret.txt").write_text("no")
    (root / "a" / "escape").symlink_to(tmp_path / "secret.txt")
    assert resolve_inside(root, "a/clip.mp4") == (root / "a" / "clip.mp4").resolve()
    for bad in ["../secret.txt", "a/../../secret.txt", "/etc/passwd", "", "a/escape", "a/\x00x"]:
        with pytest.raises(UnsafePathError):
            resolve_inside(root, bad)
