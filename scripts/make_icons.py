"""Draws the dashboard's app icons (an eye in a shield-blue square) with Pillow into frontend/public/icons:
192 and 512 px, and a maskable 512 px whose drawing stays inside the central 80 % safe zone.

Run: .venv/bin/python scripts/make_icons.py  (the PNGs are committed; rerun only to change the drawing)."""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "frontend" / "public" / "icons"
BACKGROUND = (15, 23, 42)  # the dashboard's dark slate, also the manifest's background_color
ACCENT = (56, 189, 248)  # the theme colour
WHITE = (241, 245, 249)
SUPERSAMPLE = 4


def draw_eye(size: int, scale: float, rounded: bool) -> Image.Image:
    """The mark drawn at `size` px, filling `scale` of the square (smaller for maskable icons)."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if rounded:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 5, fill=BACKGROUND)
    else:
        draw.rectangle((0, 0, big - 1, big - 1), fill=BACKGROUND)
    centre = big / 2
    half_w, half_h = big * scale / 2, big * scale / 3.2
    # the eye's outline: an almond, y = ±h·sin(πt) across the width
    steps = 64
    upper = [(centre - half_w + 2 * half_w * i / steps, centre - half_h * math.sin(math.pi * i / steps))
             for i in range(steps + 1)]  # fmt: skip
    lower = [(x, 2 * centre - y) for x, y in reversed(upper)]
    draw.polygon(upper + lower, fill=WHITE)
    iris = big * scale * 0.17
    draw.ellipse((centre - iris, centre - iris, centre + iris, centre + iris), fill=ACCENT)
    pupil = iris * 0.45
    draw.ellipse((centre - pupil, centre - pupil, centre + pupil, centre + pupil), fill=BACKGROUND)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    draw_eye(192, 0.78, rounded=True).save(OUT / "icon-192.png", optimize=True)
    draw_eye(512, 0.78, rounded=True).save(OUT / "icon-512.png", optimize=True)
    # maskable: a full-bleed background, the mark inside the 80 % safe circle
    draw_eye(512, 0.56, rounded=False).save(OUT / "maskable-512.png", optimize=True)
    print(f"icons written to {OUT}")


if __name__ == "__main__":
    main()
