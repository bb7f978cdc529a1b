"""Pictures of the official tables for the image corpus: the drawing lives in the sample portal
(`crawler.sampleportal.table_images`, which serves 图片版 tables too) and is re-exported here under its old
names; degrading a clean drawing into a poor scan (blur, a slight rotation, JPEG artefacts) is the corpus's
own step.
"""

from __future__ import annotations

import random

from PIL import Image, ImageFilter

from crawler.sampleportal.table_images import (
    FONT_CANDIDATES,
    FONT_PT,
    PAGE_WIDTH_INCH,
    FontMissing,
    Placed,
    Rect,
    draw_line,
    draw_table,
    encode,
    font,
    place,
    stack,
)

__all__ = [
    "FONT_CANDIDATES",
    "FONT_PT",
    "PAGE_WIDTH_INCH",
    "FontMissing",
    "Placed",
    "Rect",
    "degrade",
    "draw_line",
    "draw_table",
    "encode",
    "font",
    "place",
    "stack",
]


def degrade(image: Image.Image, rng: random.Random) -> Image.Image:
    """A poor scan: slight rotation (≤ 1°), blur, speckle; JPEG artefacts are added when it is saved."""
    angle = rng.uniform(0.3, 1.0) * rng.choice((-1, 1))
    out = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    out = out.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.0)))
    noise = Image.effect_noise(out.size, 12)
    return Image.blend(out, noise, 0.08).point(lambda v: min(255, v + 8))
