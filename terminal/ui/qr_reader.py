"""Reading member cards from pictures: camera frames and image files.

No Qt here: Pillow, pyzbar (libzbar) and zxing-cpp, so any thread may call it (the
camera and the image-file path call it through :class:`~terminal.ui.runner.Runner`).

A picture goes through a fixed list of steps, each a way of preparing the picture and a
decoder, until one reads a code. pyzbar reads the picture as it is first, as the till
always has (QR codes and 1-D member barcodes printed dark on light). What it misses,
zxing-cpp reads: light modules on a dark screen (a phone in dark mode), codes seen at
an angle in perspective, and, after Pillow prepares the picture, codes that are blurred
(sharpened), noisy (smoothed), faint or behind a photographed screen's moiré (a local
threshold) or only a pixel or two a module (enlarged). The steps and their order come
from ``bench/scan_bench.py``'s corpus: each step reads pictures that none before it
reads, and the cheap ones come first. On a 640x480 frame the whole list costs about
60 ms of CPU when no code is in it, far less when one is.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageFilter, UnidentifiedImageError

from shared.domain.member_code import bare_member_code

log = logging.getLogger(__name__)

Decoder = Callable[[Image.Image], list[str]]
Prepare = Callable[[Image.Image], Image.Image | None]  # None: the step does not apply

MAX_ENLARGED_PIXELS = 2_000_000  # an enlarged frame stays below this (time per frame)


@cache
def _zbar_symbols() -> list[Any]:
    from pyzbar.pyzbar import ZBarSymbol

    # QR codes and the 1-D codes a member card may carry; no DataBar or PDF417, whose
    # decoders cost time and print assertion noise on grainy frames.
    return [
        ZBarSymbol.QRCODE,
        ZBarSymbol.CODE128,
        ZBarSymbol.CODE39,
        ZBarSymbol.CODE93,
        ZBarSymbol.EAN13,
        ZBarSymbol.UPCA,
        ZBarSymbol.I25,
    ]


def zbar(image: Image.Image) -> list[str]:
    """pyzbar on a grey picture (libzbar is loaded on first use). A 1-D code counts only
    when it is a member code (length and check digit): grain and stripes in a camera
    frame make 1-D decoders read short numbers that are not there, QR codes' error
    correction does not."""
    from pyzbar import pyzbar

    texts = []
    for result in pyzbar.decode(image, symbols=_zbar_symbols()):
        text = result.data.decode("utf-8", errors="replace")
        if result.type == "QRCODE" or bare_member_code(text):
            texts.append(text)
    return texts


def zxing(image: Image.Image) -> list[str]:
    """zxing-cpp's QR reader on a grey picture: any orientation, perspective, light on
    dark too. QR codes only (1-D member barcodes are pyzbar's): looking for every 1-D
    format on a grainy frame costs it five times as long."""
    import zxingcpp

    qr_only = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    found = zxingcpp.read_barcodes(image, formats=qr_only)
    return [result.text for result in found if result.valid]


# --- ways of preparing a picture -------------------------------------------------------


def as_is(image: Image.Image) -> Image.Image:
    return image


def sharpened(image: Image.Image) -> Image.Image:
    """Edges of a blurred code made steep again (an unsharp mask a few pixels wide)."""
    return image.filter(ImageFilter.UnsharpMask(radius=2, percent=400, threshold=0))


def smoothed(image: Image.Image) -> Image.Image:
    """Grain averaged away (a Gaussian of one pixel): noisy frames of a dim counter."""
    return image.filter(ImageFilter.GaussianBlur(1))


def local_threshold(image: Image.Image, radius: int = 8, offset: int = 6) -> Image.Image:
    """Black where a pixel is darker than the mean around it by ``offset``, else white.

    A threshold that follows the light: a faint code, a code under the bands of a
    photographed screen, or one in uneven light becomes crisp black and white."""
    mean = image.filter(ImageFilter.BoxBlur(radius))
    darker = ImageChops.subtract(mean, image)
    return darker.point(lambda value: 0 if value > offset else 255)


def smoothed_light_threshold(image: Image.Image) -> Image.Image:
    """The local threshold of a smoothed picture, for light modules: a noisy dark screen."""
    smooth = image.filter(ImageFilter.GaussianBlur(1.2))
    lighter = ImageChops.subtract(smooth, smooth.filter(ImageFilter.BoxBlur(10)))
    return lighter.point(lambda value: 0 if value > 4 else 255)


def _enlarge(image: Image.Image) -> Image.Image | None:
    """Twice the size (bicubic), or less for big frames; None if it would not grow."""
    factor = min(2.0, math.sqrt(MAX_ENLARGED_PIXELS / max(image.width * image.height, 1)))
    if factor < 1.25:
        return None
    size = (round(image.width * factor), round(image.height * factor))
    return image.resize(size, Image.Resampling.BICUBIC)


def enlarged(image: Image.Image) -> Image.Image | None:
    """Small codes (about 1.5 to 3 pixels a module): more pixels for the finder patterns."""
    return _enlarge(image)


def enlarged_sharpened(image: Image.Image) -> Image.Image | None:
    """Small and blurred at once (a phone held far off): enlarged, then sharpened."""
    big = _enlarge(image)
    return None if big is None else big.filter(ImageFilter.UnsharpMask(3, 300, 0))


def enlarged_sharpened_wide(image: Image.Image) -> Image.Image | None:
    """The same with a wider, gentler mask: what moiré and grain leave of the edges."""
    big = _enlarge(image)
    return None if big is None else big.filter(ImageFilter.UnsharpMask(6, 200, 0))


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    prepare: Prepare
    decode: Decoder


STEPS: tuple[Step, ...] = (
    Step("zbar", as_is, zbar),
    Step("zxing", as_is, zxing),
    Step("zxing-threshold", local_threshold, zxing),
    Step("zxing-sharpened", sharpened, zxing),
    Step("zxing-smoothed", smoothed, zxing),
    Step("zxing-enlarged", enlarged, zxing),
    Step("zxing-light-threshold", smoothed_light_threshold, zxing),
    Step("zxing-enlarged-sharpened", enlarged_sharpened, zxing),
    Step("zxing-enlarged-sharpened-wide", enlarged_sharpened_wide, zxing),
)


@dataclass(frozen=True, slots=True)
class Reading:
    """What a picture held (in the order the decoder found it) and which step read it."""

    texts: tuple[str, ...] = ()
    step: str | None = None


def read_picture(image: Image.Image, steps: Sequence[Step] = STEPS) -> Reading:
    """Every code the first successful step reads in ``image`` (any mode: made grey)."""
    grey = image if image.mode == "L" else image.convert("L")
    if grey.width <= 0 or grey.height <= 0:
        return Reading()
    for step in steps:
        prepared = step.prepare(grey)
        if prepared is None:
            continue
        try:
            texts = step.decode(prepared)
        except (OSError, ValueError, RuntimeError) as error:  # a decoder's own failure
            log.warning("QR step %s failed: %s", step.name, error)
            continue
        if texts:
            return Reading(tuple(dict.fromkeys(texts)), step.name)
    return Reading()


def read_grey(raw: bytes, width: int, height: int) -> list[str]:
    """Every code in 8-bit grey pixels (rows of ``width`` bytes, no padding)."""
    if not raw or width <= 0 or height <= 0 or len(raw) < width * height:
        return []
    image = Image.frombytes("L", (width, height), raw[: width * height])
    return list(read_picture(image).texts)


def read_image_file(path: str | Path) -> list[str]:
    """Every code in the image file at ``path``; nothing for a file that is no image."""
    try:
        with Image.open(path) as opened:
            grey = opened.convert("L")
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return []
    return list(read_picture(grey).texts)
