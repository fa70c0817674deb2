"""Training data of the sound-event CNN: packages, labelling, the training manifest, decoding, augmentation.

Every training sound comes from a registry package pinned to one version (Debian game and desktop data,
one npm package), fetched with the ordinary clients (`apt-get download`, `npm pack`) into a git-ignored
cache and extracted there. The training manifest (`models/audio/training-manifest.yaml`) lists each file:
package==version, path inside the package, licence, label, split and sha256. Packages the shared
evaluation media come from are refused (`EVALUATION_PACKAGES`), and so is any file whose checksum equals
an evaluation file's.

Augmentation is pure numpy (plus PyAV for codec round trips): mixing into background beds at a random SNR,
speed change (pitch and tempo together), reverberation with synthetic room responses, band-limiting like
a camera microphone, codec round trips (MP3, AAC, Opus, 8 kHz µ-law), gain and clipping. Classes whose
packaged examples are few (siren, alarm, dog bark, glass) get procedurally synthesised examples too.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import struct
import subprocess
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal, Protocol

import av
import numpy as np
import yaml
from numpy.typing import NDArray

from vigil.perception.sound.cnn import BACKGROUND_LABEL, SAMPLE_RATE, WINDOW_SAMPLES

FloatArray = NDArray[np.float32]
Rng = np.random.Generator

REPO = Path(__file__).resolve().parents[3]
DEFAULT_CACHE = REPO / "data" / "train-audio"
MANIFEST_PATH = REPO / "models" / "audio" / "training-manifest.yaml"

# the packages the shared evaluation media come from: never trained on
EVALUATION_PACKAGES = frozenset(
    {
        "scorched3d-data",
        "minetest-data",
        "btanks-data",
        "micropolis-data",
        "sound-theme-freedesktop",
        "alsa-utils",
        "pysptk",
    }
)

MODEL_LABELS = (
    BACKGROUND_LABEL,
    "speech",
    "scream",
    "gunshot",
    "explosion",
    "glass_break",
    "siren",
    "alarm",
    "dog_bark",
    "music",
)
SKIP = "skip"
AUDIO_SUFFIXES = (".wav", ".ogg", ".oga", ".wv", ".mp3", ".flac")
MAX_DECODED_S = 60.0
VALIDATION_FRACTION = 0.15


@dataclass(frozen=True, slots=True)
class Package:
    registry: Literal["debian", "npm"]
    name: str
    version: str
    licence: str  # of its sound files, from the package's copyright file
    rules: tuple[tuple[str, str], ...]  # (regex on the path inside the package, label or SKIP); first match
    cap: int = 0  # at most this many files per label (chosen by checksum); 0 = all

    @property
    def pinned(self) -> str:
        return f"{self.name}=={self.version}"

    @property
    def archive(self) -> str:
        if self.registry == "npm":
            return f"{self.name}-{self.version}.tgz"
        return f"{self.name}_{self.version.replace(':', '%3a')}_{'all'}.deb"


PACKAGES: tuple[Package, ...] = (
    Package(
        "debian", "openarena-data", "0.8.5split-14", "GPL-2+",
        (
            (r"weapons/(machinegun/machgf|shotgun/sshotf|vulcan/vulcanf)", "gunshot"),
            (r"weapons/(rocket/rocklx|grenade/hgrenb|proxmine/wstbexpl)", "explosion"),
            (r"player/\w+/(death|pain|fall)", "scream"),
            (r"player/announcer/", "speech"),
            (r"world/new/moan|player/\w+/(taunt|gasp|jump|drown)", SKIP),
            (r"weapons/(bfg|lightning|plasma|railgun)", SKIP),
            (r"\.wav$", BACKGROUND_LABEL),
        ),
    ),
    Package(
        "debian", "teeworlds-data", "0.7.5-2", "CC-BY-SA-3.0",
        (
            (r"wp_(gun|shotty)_fire", "gunshot"),
            (r"wp_flump_explo", "explosion"),
            (r"vo_teefault_(pain_long|cry)", "scream"),
            (r"music_", "music"),
            (r"vo_|wp_laser", SKIP),
            (r"\.wv$", BACKGROUND_LABEL),
        ),
    ),
    Package(
        "debian", "lincity-ng-data", "2.9~git20150314-5", "GPL-2+",
        (
            (r"RocketExplosion", "explosion"),
            (r"\.ogg$", "music"),
            (r"FireStation|Health|Raze|School", SKIP),  # possible sirens, crashes, children's voices
            (r"\.wav$", BACKGROUND_LABEL),
        ),
    ),
    Package(
        "debian", "tuxpaint-stamps-default", "2022.06.04-1", "GPL-2+",
        (
            (r"_desc", "speech"),  # spoken descriptions of the stamps, about ten languages
            (r"dogs/dog\.ogg", "dog_bark"),
            (r"emergency/firetruck", "siren"),
            (r"newyears/fireworks", "explosion"),
            (r"hobbies/music/|final-roll-call", "music"),
            (r"symbols/|dogs/|lightningbolt|dishes/glass", SKIP),
            (r"\.(ogg|wav)$", BACKGROUND_LABEL),
        ),
        cap=300,
    ),
    Package(
        "debian", "tuxpaint-data", "1:0.9.28-sdl2-1", "GPL-2+",
        ((r"giggle|youcannot|areyousure|tuxok|harp", SKIP), (r"\.wav$", BACKGROUND_LABEL)),
    ),
    Package(
        "debian", "asterisk-core-sounds-en-wav", "1.6.1-1", "CC-BY-SA-3.0",
        ((r"\.wav$", "speech"),),
        cap=200,
    ),
    Package("debian", "asterisk-moh-opsound-wav", "2.03-1.1", "CC-BY-SA-3.0", ((r"\.wav$", "music"),)),
    Package(
        "debian", "alienblaster-data", "1.1.0-11", "GPL-2+",
        ((r"alarm", "alarm"), (r"explosion", "explosion"), (r"\.wav$", SKIP)),
    ),
    Package(
        "debian", "chromium-bsu-data", "0.9.16.1-3", "Clarified-Artistic",
        ((r"boom|explo", "explosion"), (r"music_", "music"), (r"\.wav$", BACKGROUND_LABEL)),
    ),
    Package(
        "debian", "bzflag-data", "2.4.26-1", "LGPL-2.1",
        ((r"boom|explosion", "explosion"), (r"flag_alert", SKIP), (r"\.wav$", BACKGROUND_LABEL)),
    ),
    Package(
        "debian", "frozen-bubble-data", "2.212-11", "GPL-2",
        ((r"zik", "music"), (r"\.ogg$", BACKGROUND_LABEL)),
    ),
    Package(
        "debian", "pingus-data", "0.7.6-5.1", "GPL-2+",
        ((r"ohno|yipee|letsgo|goodidea", SKIP), (r"\.wav$", BACKGROUND_LABEL)),
    ),
    Package(
        "debian", "oxygen-sounds", "4:5.27.5-2", "LGPL-3.0-or-later",
        ((r"Phone-Ring", "alarm"), (r"Error|Warning|Critical", SKIP), (r"\.ogg$", BACKGROUND_LABEL)),
    ),
    Package(
        "debian", "yaru-theme-sound", "22.10.3-1", "CC-BY-SA-4.0",
        ((r"bell|battery|error|warning", SKIP), (r"\.oga$", BACKGROUND_LABEL)),
    ),
    Package(
        "debian", "deepin-sound-theme", "15.10.6-1", "GPL-3+",
        ((r"battery|error", SKIP), (r"\.wav$", BACKGROUND_LABEL)),
    ),
    Package(
        "npm", "ion-sound", "3.0.7", "MIT",
        (
            (r"light_bulb_breaking", "glass_break"),
            (r"door_bell|bell_ring|glass\.ogg", SKIP),
            (r"sounds/[^/]+\.ogg$", BACKGROUND_LABEL),
        ),
    ),
)  # fmt: skip

# which procedural generators add examples to a class, and the share of that class's examples they make
SYNTHETIC_SHARE = {
    "siren": 0.6,
    "alarm": 0.6,
    "glass_break": 0.6,
    "dog_bark": 0.5,
    "gunshot": 0.3,
    "explosion": 0.3,
}


class DataError(RuntimeError):
    """The training data cannot be fetched, extracted or verified; the message says what to do."""


@dataclass(frozen=True, slots=True)
class TrainingFile:
    package: str  # name==version
    path: str  # inside the package; "archive.pk3!member" for a sound inside a game archive
    licence: str
    label: str
    split: Literal["train", "val"]
    sha256: str


# ---------------------------------------------------------------------------------------------------------
# Fetching and extracting
# ---------------------------------------------------------------------------------------------------------
def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DataError(f"`{name}` is not installed: the training data comes through it")
    return found


def fetch(cache: Path = DEFAULT_CACHE, packages: tuple[Package, ...] = PACKAGES) -> None:
    """Download (once) and extract (once) every training package into `cache`."""
    refused = [p.name for p in packages if p.name in EVALUATION_PACKAGES]
    if refused:
        raise DataError(f"refusing to train on evaluation packages: {refused}")
    archives = cache / "archives"
    archives.mkdir(parents=True, exist_ok=True)
    for package in packages:
        archive = archives / package.archive
        if not archive.is_file():
            if package.registry == "debian":
                command = [_tool("apt-get"), "download", f"{package.name}={package.version}"]
            else:
                command = [_tool("npm"), "pack", "--silent", package.pinned.replace("==", "@")]
            done = subprocess.run(command, cwd=archives, capture_output=True, text=True, check=False)  # noqa: S603
            if done.returncode != 0 or not archive.is_file():
                raise DataError(
                    f"could not fetch {package.pinned} ({' '.join(command)}): {done.stderr.strip()[-400:]}"
                    + ("; run `apt-get update` first" if package.registry == "debian" else "")
                )
        target = cache / "extracted" / package.name
        marker = target / ".extracted"
        if marker.is_file() and marker.read_text() == package.version:
            continue
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        if package.registry == "debian":
            subprocess.run([_tool("dpkg-deb"), "-x", str(archive), str(target)], check=True)  # noqa: S603
        else:
            with tarfile.open(archive) as tar:
                tar.extractall(target, filter="data")
        marker.write_text(package.version)


CAT_MAX_SOUNDS = 1024
CAT_NEW_FORMAT = 0x8000_0000


def cat_members(data: bytes) -> Iterator[tuple[str, bytes]]:
    """The WAV sounds of an OpenTTD sound set (`.cat`): a table of (offset, size) pairs, each entry a
    length-prefixed description ('"Ship horn". Original ...') and then the RIFF data. Named "NN title" (its
    index and the quoted title, kept to plain characters); entries without RIFF data are skipped; a table
    or entry outside the file is refused."""
    if len(data) < 8:
        raise DataError("not an OpenTTD sound set: shorter than its table")
    count = (struct.unpack_from("<I", data, 0)[0] & ~CAT_NEW_FORMAT) // 8
    if not 0 < count <= CAT_MAX_SOUNDS or count * 8 > len(data):
        raise DataError(f"not an OpenTTD sound set: a table of {count} entries")
    for index in range(count):
        offset, size = struct.unpack_from("<II", data, index * 8)
        offset &= ~CAT_NEW_FORMAT
        if offset + size > len(data) or size < 1:
            raise DataError(f"OpenTTD sound set: entry {index} lies outside the file")
        length = data[offset]
        text = data[offset + 1 : offset + 1 + length].rstrip(b"\0").decode("latin-1")
        body = data[offset + 1 + length : offset + size]
        if not body.startswith(b"RIFF"):
            continue
        quoted = re.match(r'"([^"]+)"', text)
        title = re.sub(r"[^A-Za-z0-9 ()/:,+.-]", "", quoted.group(1) if quoted else text)[:60].strip()
        yield f"{index:02d} {title}", body


def package_sounds(cache: Path, package: Package) -> Iterator[tuple[str, bytes]]:
    """(path inside the package, bytes) of every sound file the package holds, in a fixed order."""
    root = cache / "extracted" / package.name
    if not root.is_dir():
        raise DataError(
            f"{package.pinned} is not extracted under {root}: run `make train-audio` (it fetches)"
        )
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = file.relative_to(root).as_posix()
        if file.suffix.lower() in AUDIO_SUFFIXES:
            yield relative, file.read_bytes()
        elif file.suffix.lower() == ".pk3":
            with zipfile.ZipFile(file) as archive:
                for member in sorted(archive.namelist()):
                    if member.startswith("sound/") and member.lower().endswith(AUDIO_SUFFIXES):
                        yield f"{relative}!{member}", archive.read(member)
        elif file.suffix.lower() == ".cat":
            for member, data in cat_members(file.read_bytes()):
                yield f"{relative}!{member}", data


def label_for(package: Package, path: str) -> str | None:
    for pattern, label in package.rules:
        if re.search(pattern, path):
            return None if label == SKIP else label
    return None


def split_for(sha256: str) -> Literal["train", "val"]:
    return "val" if int(sha256[:8], 16) / 0xFFFFFFFF < VALIDATION_FRACTION else "train"


def build_manifest(
    cache: Path = DEFAULT_CACHE,
    packages: tuple[Package, ...] = PACKAGES,
    forbidden_sha256: frozenset[str] = frozenset(),
) -> list[TrainingFile]:
    """Label every sound of the extracted packages; caps keep the big speech collections from dominating."""
    files: list[TrainingFile] = []
    seen: set[str] = set(forbidden_sha256)
    for package in packages:
        by_label: dict[str, list[TrainingFile]] = {}
        for path, data in package_sounds(cache, package):
            label = label_for(package, path)
            digest = hashlib.sha256(data).hexdigest()
            if label is None or digest in seen:
                continue
            seen.add(digest)
            entry = TrainingFile(package.pinned, path, package.licence, label, split_for(digest), digest)
            by_label.setdefault(label, []).append(entry)
        for entries in by_label.values():
            # the tail of the checksum: the head decides the split, and the cap must not pick by split
            chosen = sorted(entries, key=lambda e: e.sha256[::-1])[: package.cap] if package.cap else entries
            files.extend(sorted(chosen, key=lambda e: e.path))
    return files


def write_manifest(files: list[TrainingFile], path: Path = MANIFEST_PATH) -> None:
    counts: dict[str, int] = {}
    for entry in files:
        counts[entry.label] = counts.get(entry.label, 0) + 1
    used = {e.package for e in files}
    packages = [
        {"package": p.pinned, "registry": p.registry, "licence": p.licence}
        for p in PACKAGES
        if p.pinned in used
    ]
    header = [
        "# Training data of Vigil's sound-event CNN (`make train-audio` rebuilds and checks it).",
        "# Every file: package==version, path inside the package ('!' = member of a game archive), licence,",
        "# label, split (train / val: held out to choose the per-class thresholds) and sha256.",
        f"# Files per label: {', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}.",
        "# Synthetic examples (procedural sirens, alarm beeps, glass, barks, shots, blasts, noise beds) are",
        "# generated by vigil.training.audio_data from the training seed; they are no files.",
        "# Never trained on (the evaluation sources):",
        "#   " + ", ".join(sorted(EVALUATION_PACKAGES)) + ".",
    ]
    rows = [
        {
            "package": e.package,
            "path": e.path,
            "licence": e.licence,
            "label": e.label,
            "split": e.split,
            "sha256": e.sha256,
        }
        for e in files
    ]
    text = yaml.safe_dump({"packages": packages}, sort_keys=False, default_flow_style=False)
    text += yaml.safe_dump({"files": rows}, sort_keys=False, width=400, default_flow_style=None)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(header) + "\n" + text)


def read_manifest(path: Path = MANIFEST_PATH) -> list[TrainingFile]:
    raw = yaml.safe_load(path.read_text())
    return [
        TrainingFile(
            str(e["package"]),
            str(e["path"]),
            str(e["licence"]),
            str(e["label"]),
            e["split"],
            str(e["sha256"]),
        )
        for e in raw["files"]
    ]


class PackagedFile(Protocol):
    """A file of a manifest: `package` is name==version, `path` the path inside it ("a.pk3!member")."""

    @property
    def package(self) -> str: ...

    @property
    def path(self) -> str: ...


def read_file(cache: Path, entry: PackagedFile) -> bytes:
    """The bytes of one manifest file from the extracted cache."""
    name = entry.package.split("==")[0]
    outer, _, member = entry.path.partition("!")
    file = cache / "extracted" / name / outer
    if not file.is_file():
        raise DataError(
            f"{entry.package} {outer} is missing from {cache}: run `make train-audio` (it fetches)"
        )
    if member and file.suffix.lower() == ".cat":
        found = dict(cat_members(file.read_bytes()))
        if member not in found:
            raise DataError(f"{entry.package} {outer} holds no sound {member!r}")
        return found[member]
    if member:
        with zipfile.ZipFile(file) as archive:
            return archive.read(member)
    return file.read_bytes()


def verify(files: list[TrainingFile], cache: Path = DEFAULT_CACHE) -> list[str]:
    """The manifest entries whose extracted file lacks the recorded checksum (empty when all match)."""
    return [
        f"{e.package} {e.path}"
        for e in files
        if hashlib.sha256(read_file(cache, e)).hexdigest() != e.sha256
        or e.package.split("==")[0] in EVALUATION_PACKAGES
    ]


# ---------------------------------------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------------------------------------
def decode(data: bytes | Path, rate: int = SAMPLE_RATE, max_s: float = MAX_DECODED_S) -> FloatArray:
    """Any sound file PyAV (FFmpeg) reads, as mono float32 at `rate`, at most `max_s` seconds."""
    source: io.BytesIO | str = io.BytesIO(data) if isinstance(data, bytes) else str(data)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
    chunks: list[FloatArray] = []
    total = 0
    with av.open(source, mode="r", metadata_errors="replace") as container:
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                chunk = out.to_ndarray().reshape(-1).astype(np.float32)
                chunks.append(chunk)
                total += len(chunk)
            if total >= max_s * rate:
                break
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1).astype(np.float32))
    signal = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    return np.clip(signal[: int(max_s * rate)], -1.0, 1.0)


# ---------------------------------------------------------------------------------------------------------
# Augmentation (numpy)
# ---------------------------------------------------------------------------------------------------------
def normalised(x: NDArray[np.floating]) -> FloatArray:
    """Peak 1 (a silent signal stays silent)."""
    return np.asarray(x / (np.abs(x).max() + 1e-9), dtype=np.float32)


def rms(x: FloatArray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)) + 1e-12))


def active_rms(x: FloatArray, frame: int = 400) -> float:
    """RMS over the frames within 20 dB of the loudest: the level of an event, not of its silences."""
    usable = len(x) // frame * frame
    if usable == 0:
        return rms(x)
    energy = np.mean(np.square(x[:usable].reshape(-1, frame), dtype=np.float64), axis=1)
    loud = energy[energy >= energy.max() * 0.01]
    return float(np.sqrt(loud.mean() + 1e-12))


def change_speed(x: FloatArray, factor: float) -> FloatArray:
    """Play faster (factor > 1: higher and shorter) or slower, like a tape (linear interpolation)."""
    n_out = max(1, round(len(x) / factor))
    positions = np.arange(n_out, dtype=np.float64) * factor
    return np.interp(positions, np.arange(len(x)), x).astype(np.float32)


def fft_convolve(x: FloatArray, kernel: FloatArray) -> FloatArray:
    n = len(x) + len(kernel) - 1
    size = 1 << (n - 1).bit_length()
    out = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(kernel, size), size)[:n]
    return out.astype(np.float32)


def room_response(rng: Rng, rt60_s: float) -> FloatArray:
    """A synthetic room impulse response: direct path, then exponentially decaying, darkening noise."""
    length = int(min(rt60_s, 1.5) * SAMPLE_RATE)
    t = np.arange(length) / SAMPLE_RATE
    noise = rng.standard_normal(length) * np.exp(-6.9 * t / rt60_s)
    tail = band_limit(noise.astype(np.float32), 0.0, float(rng.uniform(2_500, 7_500)))
    tail[: int(0.003 * SAMPLE_RATE)] = 0.0
    response = tail * float(rng.uniform(0.05, 0.4)) / (np.abs(tail).max() + 1e-9)
    response[0] = 1.0
    return np.asarray(response, dtype=np.float32)


def reverberate(x: FloatArray, rng: Rng) -> FloatArray:
    wet = fft_convolve(x, room_response(rng, float(rng.uniform(0.15, 1.2))))
    return np.asarray(wet * (rms(x) / rms(wet)), dtype=np.float32)


def band_limit(x: FloatArray, low_hz: float, high_hz: float, order: int = 4) -> FloatArray:
    """High-pass above `low_hz` (0: none) and low-pass below `high_hz`: Butterworth magnitudes, zero phase."""
    spectrum = np.fft.rfft(x)
    freqs = np.fft.rfftfreq(len(x), 1.0 / SAMPLE_RATE)
    gain = 1.0 / np.sqrt(1.0 + (freqs / high_hz) ** (2 * order))
    if low_hz > 0:
        gain = gain / np.sqrt(1.0 + (low_hz / np.maximum(freqs, 1e-3)) ** (2 * order))
    return np.fft.irfft(spectrum * gain, len(x)).astype(np.float32)


def camera_microphone(x: FloatArray, rng: Rng) -> FloatArray:
    """A small camera or phone microphone: weak lows, a 3-8 kHz top, sometimes a resonance."""
    out = band_limit(
        x, float(rng.uniform(80, 450)), float(rng.uniform(3_000, 7_800)), order=int(rng.integers(2, 5))
    )
    if rng.random() < 0.4:
        centre = float(rng.uniform(1_000, 4_000))
        peak = band_limit(out, centre * 0.8, centre * 1.25)
        out = out + peak * float(rng.uniform(0.3, 1.5))
    return out


_CODECS = (
    ("mp3", "libmp3lame", 16_000),
    ("adts", "aac", 16_000),
    ("ogg", "libopus", 48_000),
    ("wav", "pcm_mulaw", 8_000),
)


def codec_round_trip(
    x: FloatArray,
    rng: Rng,
    codecs: tuple[tuple[str, str, int], ...] = _CODECS,
    bit_rates: tuple[int, ...] = (16_000, 24_000, 32_000),
) -> FloatArray:
    """Encode with a lossy codec at a low bit rate (PyAV) and decode again, back at 16 kHz. `codecs`:
    (container, codec, sample rate) to draw from; `bit_rates` for the codecs that take one."""
    fmt, codec, rate = codecs[int(rng.integers(len(codecs)))]
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate)
        assert isinstance(stream, av.AudioStream)
        stream.layout = "mono"
        if codec != "pcm_mulaw":
            stream.bit_rate = int(rng.choice(bit_rates))
        resampler = av.AudioResampler(format=stream.format, layout="mono", rate=rate)
        frame = av.AudioFrame.from_ndarray(
            np.clip(x, -1, 1).reshape(1, -1).astype(np.float32), format="flt", layout="mono"
        )
        frame.sample_rate = SAMPLE_RATE
        frame.pts = 0
        frame.time_base = Fraction(1, SAMPLE_RATE)
        for resampled in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(resampled):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    decoded = decode(buffer.getvalue())
    out = np.zeros(len(x), dtype=np.float32)
    n = min(len(x), len(decoded))
    out[:n] = decoded[:n]
    return out


def mix_at_snr(event: FloatArray, background: FloatArray, snr_db: float) -> FloatArray:
    scale = active_rms(event) / (rms(background) * 10 ** (snr_db / 20.0))
    return (event + background * scale).astype(np.float32)


def fit_window(x: FloatArray, rng: Rng, length: int = WINDOW_SAMPLES) -> FloatArray:
    """A `length` window of `x`: a random loud-enough crop of a long sound, a short one placed at random."""
    if len(x) > length:
        level = rms(x)
        for _ in range(8):
            start = int(rng.integers(0, len(x) - length + 1))
            crop = x[start : start + length]
            if rms(crop) >= 0.3 * level:
                return crop.copy()
        return crop.copy()
    out = np.zeros(length, dtype=np.float32)
    start = int(rng.integers(0, length - len(x) + 1))
    out[start : start + len(x)] = x
    return out


# ---------------------------------------------------------------------------------------------------------
# Procedural sounds
# ---------------------------------------------------------------------------------------------------------
def _times(seconds: float) -> NDArray[np.float64]:
    return np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE


def _tone(freq: NDArray[np.float64], harmonics: int, rolloff: float) -> NDArray[np.float64]:
    phase = 2 * np.pi * np.cumsum(freq) / SAMPLE_RATE
    out = np.zeros_like(phase)
    for k in range(1, harmonics + 1):
        out += np.sin(k * phase) / k**rolloff * (np.max(freq) * k < SAMPLE_RATE / 2)
    return out


def synth_siren(rng: Rng) -> FloatArray:
    t = _times(float(rng.uniform(1.5, 4.0)))
    low, high = float(rng.uniform(450, 800)), float(rng.uniform(1_100, 1_800))
    kind = rng.integers(3)
    if kind == 0:  # wail
        period = float(rng.uniform(2.0, 6.0))
        sweep = 0.5 - 0.5 * np.cos(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
    elif kind == 1:  # yelp
        period = float(rng.uniform(0.12, 0.4))
        sweep = (t / period) % 1.0
    else:  # hi-lo
        period = float(rng.uniform(0.8, 1.6))
        sweep = ((t / period) % 1.0 < 0.5).astype(np.float64)
    freq = low + (high - low) * sweep
    freq *= 1.0 + float(rng.uniform(-0.04, 0.04)) * t / t[-1]  # doppler drift
    out = _tone(freq, int(rng.integers(1, 8)), float(rng.uniform(0.7, 2.0)))
    return normalised(out)


def synth_alarm(rng: Rng) -> FloatArray:
    t = _times(float(rng.uniform(1.5, 3.5)))
    freq = float(rng.uniform(800, 4_200))
    on, off = float(rng.uniform(0.04, 0.35)), float(rng.uniform(0.04, 0.35))
    gate = ((t % (on + off)) < on).astype(np.float64)
    if rng.random() < 0.4:  # groups of beeps with a pause, as alarm clocks do
        group = int(rng.integers(2, 5)) * (on + off)
        gate *= (t % (group + 0.5)) < group
    if rng.random() < 0.3:  # two-tone
        freq_track = np.where((t % (2 * (on + off))) < on + off, freq, freq * float(rng.uniform(0.7, 0.9)))
    else:
        freq_track = np.full_like(t, freq)
    tone = _tone(freq_track, int(rng.choice([1, 1, 3, 7])), float(rng.uniform(0.8, 1.5)))
    if rng.random() < 0.25:  # bell ringing
        tone *= 0.6 + 0.4 * np.sign(np.sin(2 * np.pi * float(rng.uniform(12, 25)) * t))
    ramp = np.minimum(1.0, np.convolve(gate, np.ones(40) / 40, mode="same"))
    return normalised(tone * ramp)


def synth_glass(rng: Rng) -> FloatArray:
    t = _times(float(rng.uniform(0.5, 1.0)))
    out = np.zeros_like(t)
    burst = rng.standard_normal(len(t)) * np.exp(-t / float(rng.uniform(0.01, 0.04)))
    out += band_limit(burst.astype(np.float32), 1_500.0, 7_900.0).astype(np.float64) * 2.0
    for _ in range(int(rng.integers(15, 60))):
        onset = float(rng.exponential(0.08))
        decay = float(rng.uniform(0.01, 0.15))
        freq = float(rng.uniform(1_800, 7_800))
        shard = np.where(
            t >= onset, np.sin(2 * np.pi * freq * (t - onset)) * np.exp(-(t - onset) / decay), 0.0
        )
        out += shard * float(rng.uniform(0.1, 1.0))
    return normalised(out)


def synth_bark(rng: Rng) -> FloatArray:
    barks = []
    for _ in range(int(rng.integers(1, 4))):
        length = float(rng.uniform(0.07, 0.22))
        t = _times(length)
        f0 = float(rng.uniform(250, 750))
        contour = f0 * (1 + 0.5 * np.sin(np.pi * t / length)) * (1 - 0.3 * t / length)
        voiced = _tone(contour, 12, 0.6) + rng.standard_normal(len(t)) * float(rng.uniform(0.1, 0.6))
        envelope = np.minimum(1.0, t / 0.008) * np.exp(-t / (length * 0.5))
        bark = band_limit((voiced * envelope).astype(np.float32), 300.0, float(rng.uniform(2_500, 5_000)))
        formant = float(rng.uniform(700, 1_600))
        bark = bark + band_limit(bark, formant * 0.8, formant * 1.25) * 1.5
        barks.extend([bark, np.zeros(int(rng.uniform(0.12, 0.45) * SAMPLE_RATE), dtype=np.float32)])
    out = np.concatenate(barks)
    return normalised(out)


def synth_gunshot(rng: Rng) -> FloatArray:
    t = _times(float(rng.uniform(0.3, 0.8)))
    crack = rng.standard_normal(len(t)) * np.exp(-t / float(rng.uniform(0.005, 0.03)))
    body = rng.standard_normal(len(t)) * np.exp(-t / float(rng.uniform(0.04, 0.15))) * 0.5
    body = band_limit(body.astype(np.float32), 0.0, float(rng.uniform(600, 2_500))).astype(np.float64)
    out = reverberate((crack + body).astype(np.float32), rng)
    return normalised(out)


def synth_explosion(rng: Rng) -> FloatArray:
    t = _times(float(rng.uniform(1.0, 2.5)))
    attack = float(rng.uniform(0.003, 0.04))
    envelope = np.minimum(1.0, t / attack) * np.exp(-t / float(rng.uniform(0.2, 0.9)))
    noise = rng.standard_normal(len(t)) * envelope
    out = band_limit(noise.astype(np.float32), 0.0, float(rng.uniform(250, 1_800)), order=2)
    out = out + band_limit(noise.astype(np.float32), 1_000.0, 6_000.0) * float(rng.uniform(0.0, 0.3))
    return normalised(out)


def synth_background(rng: Rng, seconds: float = 1.2) -> FloatArray:
    """Noise beds: coloured noise, wind, hum, rain-like crackle; a quiet room when nothing else."""
    n = int(seconds * SAMPLE_RATE)
    white = rng.standard_normal(n).astype(np.float32)
    spectrum = np.fft.rfft(white)
    freqs = np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE)
    tilt = float(rng.uniform(0.0, 2.0))  # 0 white, 1 pink, 2 brown
    out = np.fft.irfft(spectrum / np.maximum(freqs, 20.0) ** (tilt / 2), n).astype(np.float32)
    out /= rms(out)
    t = np.arange(n) / SAMPLE_RATE
    if rng.random() < 0.3:  # wind gusts
        out *= (1.0 + 0.8 * np.sin(2 * np.pi * float(rng.uniform(0.2, 1.5)) * t + rng.uniform(0, 6))).astype(
            np.float32
        )
    if rng.random() < 0.25:  # mains hum
        base = float(rng.choice([50.0, 60.0]))
        hum = np.sum([np.sin(2 * np.pi * base * k * t) / k for k in range(1, 6)], axis=0)
        out += (hum * float(rng.uniform(0.2, 2.0))).astype(np.float32)
    if rng.random() < 0.25:  # rain: dense small clicks
        clicks = (rng.random(n) < float(rng.uniform(0.002, 0.02))) * rng.standard_normal(n) * 4.0
        out += band_limit(clicks.astype(np.float32), 1_000.0, 7_000.0)
    return out.astype(np.float32)


SYNTHESISERS: dict[str, Callable[[Rng], FloatArray]] = {
    "siren": synth_siren,
    "alarm": synth_alarm,
    "glass_break": synth_glass,
    "dog_bark": synth_bark,
    "gunshot": synth_gunshot,
    "explosion": synth_explosion,
}


# ---------------------------------------------------------------------------------------------------------
# Training examples
# ---------------------------------------------------------------------------------------------------------
@dataclass
class SoundBank:
    """Decoded training sounds by label, and the long "other" sounds that serve as background beds."""

    sounds: dict[str, list[FloatArray]]
    beds: list[FloatArray]

    @classmethod
    def load(cls, cache: Path, files: list[TrainingFile], split: str) -> SoundBank:
        sounds: dict[str, list[FloatArray]] = {label: [] for label in MODEL_LABELS}
        beds: list[FloatArray] = []
        for entry in files:
            if entry.split != split:
                continue
            signal = decode(read_file(cache, entry))
            if len(signal) < SAMPLE_RATE // 20 or rms(signal) < 1e-4:
                continue
            sounds[entry.label].append(signal)
            if entry.label == BACKGROUND_LABEL and len(signal) >= 2 * SAMPLE_RATE:
                beds.append(signal)
        return cls(sounds, beds)


def background_bed(bank: SoundBank, rng: Rng) -> FloatArray:
    if bank.beds and rng.random() < 0.6:
        bed = fit_window(bank.beds[int(rng.integers(len(bank.beds)))], rng)
        if rng.random() < 0.3:
            bed = bed + synth_background(rng, 1.0)[:WINDOW_SAMPLES] * rms(bed) * float(rng.uniform(0.1, 1.0))
        return bed
    return synth_background(rng, 1.0)[:WINDOW_SAMPLES]


def event_sound(bank: SoundBank, label: str, rng: Rng) -> FloatArray:
    synth = SYNTHESISERS.get(label)
    if synth is not None and (not bank.sounds[label] or rng.random() < SYNTHETIC_SHARE[label]):
        return synth(rng)
    options = bank.sounds[label]
    if not options:
        raise DataError(f"no training sound for {label!r}")
    return options[int(rng.integers(len(options)))]


def make_example(bank: SoundBank, label: str, rng: Rng) -> FloatArray:
    """One augmented one-second training window of class `label`."""
    if label == BACKGROUND_LABEL:
        # a bed, a bed with an everyday sound in it, or that sound alone in digital silence (as a short
        # file padded to one second looks)
        alone = rng.random() < 0.15
        window = np.zeros(WINDOW_SAMPLES, dtype=np.float32) if alone else background_bed(bank, rng)
        if bank.sounds[BACKGROUND_LABEL] and (alone or rng.random() < 0.6):
            other = bank.sounds[BACKGROUND_LABEL][int(rng.integers(len(bank.sounds[BACKGROUND_LABEL])))]
            other = fit_window(change_speed(other, float(rng.uniform(0.85, 1.18))), rng)
            window = other if alone else mix_at_snr(other, window, float(rng.uniform(-5, 25)))
    else:
        sound = event_sound(bank, label, rng)
        if label != "speech" and rng.random() < 0.7:
            sound = change_speed(sound, float(np.exp(rng.uniform(np.log(0.8), np.log(1.25)))))
        if rng.random() < 0.4:
            sound = reverberate(sound, rng)
        window = fit_window(sound, rng)
        if rng.random() < 0.9:
            window = mix_at_snr(window, background_bed(bank, rng), float(rng.uniform(-3, 30)))
    if rng.random() < 0.6:
        window = camera_microphone(window, rng)
    if rng.random() < 0.3:
        window = codec_round_trip(window / (np.abs(window).max() + 1e-9) * 0.7, rng)
    peak = np.abs(window).max() + 1e-9
    level = 10 ** (float(rng.uniform(-40, -1)) / 20)
    window = window / peak * level
    if rng.random() < 0.05:
        window = window * float(rng.uniform(2, 6))
    return np.asarray(np.clip(window, -1.0, 1.0), dtype=np.float32)
