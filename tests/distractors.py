"""Everyday sounds that must open nothing (a car horn, a cheering crowd, a helicopter): real recordings
from pinned Debian packages, fetched with `apt-get download` into the git-ignored `data/train-audio/`
cache the training and evaluation data use (`vigil.training.audio_data.fetch`), and checked by sha256.

The issue's unseen trial called a car horn a scream and cheering a scream and a siren; YAMNet hears these
as "Vehicle horn" 0.97, "Cheering" 0.33 and "Engine"/"Vehicle" 0.37.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np
import pytest
from numpy.typing import NDArray

from vigil.perception.sound.base import load_audio
from vigil.training.audio_data import DEFAULT_CACHE, DataError, Package, fetch


@dataclass(frozen=True)
class Distractor:
    name: str
    package: Package
    path: str  # inside the package
    sha256: str


def _package(name: str, version: str) -> Package:
    return Package("debian", name, version, "GPL-2+", ())


DISTRACTORS = (
    Distractor(
        "car horn",
        _package("heroes-sound-effects", "1.0-6"),  # 0.3 MB
        "usr/share/games/heroes/sfx/claxon.wav",
        "574bc6d0c83fb6be881976cfd97ecf3e40a8f01cbc24e6a96c66263836a99842",
    ),
    Distractor(
        "cheering crowd",
        _package("dustracing2d-data", "2.1.1-2"),  # 4 MB
        "usr/share/games/dustracing2d/sounds/cheering.ogg",
        "36645c2bc7f1db4ed0dd71ff979846d3a31bb855763a20095b1c6a3cdae9a569",
    ),
    Distractor(
        "helicopter",
        _package("searchandrescue-data", "1.3.0-1.1"),  # 46 MB, shared with `make eval-audio`'s corpus
        "usr/share/games/searchandrescue/sounds/helicopter_engine_outside.wav",
        "514c1ab0be606fd6fc965bd162f73d24f36def7a327549d0437cbcbed6607422",
    ),
)


def _fetch(package: Package) -> None:
    try:
        fetch(DEFAULT_CACHE, (package,))
    except DataError as error:
        if "apt-get update" not in str(error) or shutil.which("apt-get") is None:
            pytest.fail(f"{error}. These tests need Debian's package registry (apt-get download).")
        subprocess.run(["apt-get", "update", "-qq"], check=False, timeout=300)  # stale lists: once
        try:
            fetch(DEFAULT_CACHE, (package,))
        except DataError as again:
            pytest.fail(f"{again}. These tests need Debian's package registry (apt-get download).")


def distractor_sound(distractor: Distractor) -> NDArray[np.float32]:
    """The recording as 16 kHz mono float32, fetched once and checked against its pinned checksum."""
    _fetch(distractor.package)
    path = DEFAULT_CACHE / "extracted" / distractor.package.name / distractor.path
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != distractor.sha256:
        pytest.fail(f"{path}: sha256 {digest}, expected {distractor.sha256} ({distractor.package.pinned})")
    return load_audio(path)
