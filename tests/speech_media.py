"""Speech made on the spot with espeak-ng (scripts/ci/install-system-deps.sh installs it): a synthetic
voice saying a given sentence, alone as a WAV or as the sound of a small camera clip."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CALL_FOR_HELP = "Help! Help me! Let me go!"
SMALL_TALK = "Good morning. I will stop by the bakery later to pick up some bread."


def spoken(path: Path, text: str, lead_s: float = 1.0, tail_s: float = 1.5) -> Path:
    """`text` said by espeak-ng (English, 140 words a minute), between `lead_s` and `tail_s` of silence,
    16 kHz mono WAV."""
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is missing: apt-get install espeak-ng (scripts/ci/install-system-deps.sh)")
    path.parent.mkdir(parents=True, exist_ok=True)
    voice = path.with_suffix(".voice.wav")
    subprocess.run(["espeak-ng", "-v", "en", "-s", "140", "-w", str(voice), text], check=True, timeout=30)
    padding = f"adelay={round(lead_s * 1000)},apad=pad_dur={tail_s}"
    command = ["ffmpeg", "-loglevel", "error", "-y", "-i", str(voice), "-af", padding, "-ar", "16000"]
    subprocess.run([*command, "-ac", "1", str(path)], check=True, timeout=30)
    voice.unlink()
    return path


def spoken_clip(path: Path, text: str, lead_s: float = 2.0, tail_s: float = 5.0) -> Path:
    """A camera clip (H.264 grey picture at 10 fps + AAC) whose sound is `text` said by espeak-ng."""
    sound = spoken(path.with_suffix(".wav"), text, lead_s, tail_s)
    command = ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=c=gray:s=320x240:r=10"]
    command += ["-i", str(sound), "-shortest", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "10"]
    subprocess.run([*command, "-c:a", "aac", "-ar", "16000", str(path)], check=True, timeout=60)
    return path
