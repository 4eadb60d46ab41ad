"""Pictures of member QR codes as a camera or an image file gives them, made from fixed
seeds: the corpus of the scanning tests (``tests/ui/test_scan_decoding.py``) and of
``bench/scan_bench.py``.

Each picture is a camera-sized grey frame with one ``MBR:<code>`` QR code in it, drawn
the way a camera sees it: the code is laid out with exact modules, placed by a
perspective transform on a frame rendered at four times its size and averaged down
(a sensor's pixels integrate light), then blurred, made noisy, faded or overlaid with a
photographed screen's pattern according to its class. Every class has its own seed and
a range of severities; the same seed always gives the same pictures.
"""

from __future__ import annotations

import io
import math
import random
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import qrcode
from PIL import Image, ImageDraw, ImageFilter

from shared.domain.member_code import mint_member_code, qr_payload

FRAME = (640, 480)  # a webcam's frame
SUPERSAMPLE = 4


@dataclass(frozen=True, slots=True)
class Scene:
    """How one picture is made (every length in final-frame pixels)."""

    payload: str
    module_px: float = 6.0  # size of one QR module in the frame
    angle: float = 0.0  # degrees, counter-clockwise
    tilt: float = 0.0  # perspective: the far edge is this fraction shorter
    tilt_axis: float = 0.0  # degrees: which way the code leans away
    dark: int = 20  # grey of the dark modules
    light: int = 235  # grey of the light modules
    background: int | None = None  # around the code's quiet zone (None: the light grey)
    border: int = 4  # quiet zone, in modules
    blur: float = 0.0  # Gaussian radius, in pixels
    noise: float = 0.0  # standard deviation of added grey noise
    moire: float = 0.0  # depth of a photographed screen's interference (0..1)
    clutter: bool = False  # other shapes in the frame
    jpeg: int | None = None  # JPEG quality the frame went through
    offset: tuple[float, float] = (0.0, 0.0)  # the code's centre from the frame's, in px
    frame: tuple[int, int] = FRAME


@dataclass(frozen=True, slots=True)
class Picture:
    kind: str
    index: int
    scene: Scene
    image: Image.Image = field(repr=False)  # mode "L"

    @property
    def name(self) -> str:
        return f"{self.kind}-{self.index}"


def qr_modules(payload: str, border: int) -> np.ndarray:
    """The code's modules (True: dark) with ``border`` modules of quiet zone, at medium
    error correction like the member card."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border)
    code.add_data(payload)
    code.make(fit=True)
    return np.array(code.get_matrix(), dtype=bool)


def _perspective_coeffs(
    target: list[tuple[float, float]], source: list[tuple[float, float]]
) -> tuple[float, ...]:
    """Pillow's PERSPECTIVE data mapping each ``target`` corner (output) to ``source``."""
    rows, values = [], []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        values += [u, v]
    return tuple(float(c) for c in np.linalg.solve(np.array(rows), np.array(values)))


def _corners(scene: Scene, side: float) -> list[tuple[float, float]]:
    """Where the code's four corners land in the frame."""
    width, height = scene.frame
    cx, cy = width / 2 + scene.offset[0], height / 2 + scene.offset[1]
    half = side / 2
    square = [(-half, -half), (half, -half), (half, half), (-half, half)]
    # Perspective: the corners on the far side (along tilt_axis) come closer together.
    axis = math.radians(scene.tilt_axis)
    ax, ay = math.cos(axis), math.sin(axis)
    leaned = []
    for x, y in square:
        along = (x * ax + y * ay) / half  # -1 near .. +1 far
        shrink = 1 - scene.tilt * (along + 1) / 2
        leaned.append((x * shrink, y * shrink))
    turn = math.radians(-scene.angle)
    cos, sin = math.cos(turn), math.sin(turn)
    return [(cx + x * cos - y * sin, cy + x * sin + y * cos) for x, y in leaned]


def render(scene: Scene) -> Image.Image:
    """The picture of ``scene``: only the code's surroundings are drawn at four times the
    frame's resolution and averaged down, the rest of the frame at its own."""
    modules = qr_modules(scene.payload, scene.border)
    count = modules.shape[0]
    code = np.where(np.kron(modules, np.ones((_SOURCE_PX, _SOURCE_PX), bool)), 0, 255)
    code_image = Image.fromarray(code.astype(np.uint8), "L")
    side_src = count * _SOURCE_PX
    width, height = scene.frame
    corners = _corners(scene, count * scene.module_px)
    left = max(int(min(x for x, _ in corners)) - 2, 0)
    top = max(int(min(y for _, y in corners)) - 2, 0)
    right = min(int(max(x for x, _ in corners)) + 3, width)
    bottom = min(int(max(y for _, y in corners)) + 3, height)
    patch = (right - left) * SUPERSAMPLE, (bottom - top) * SUPERSAMPLE
    target = [((x - left) * SUPERSAMPLE, (y - top) * SUPERSAMPLE) for x, y in corners]
    square = [(0, 0), (side_src, 0), (side_src, side_src), (0, side_src)]
    coeffs = _perspective_coeffs(target, square)
    warp = Image.Transform.PERSPECTIVE
    placed = code_image.transform(patch, warp, coeffs, Image.Resampling.BILINEAR, fillcolor=255)
    inside = Image.new("L", code_image.size, 255).transform(
        patch, warp, coeffs, Image.Resampling.BILINEAR, fillcolor=0
    )
    light = np.asarray(placed, dtype=np.float32) / 255.0  # 0 dark module .. 1 light
    grey = scene.dark + (scene.light - scene.dark) * light
    if scene.moire:
        grey = _screen_grid(grey, scene)
    down = Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8), "L")
    down = down.resize((right - left, bottom - top), Image.Resampling.BOX)
    alpha = np.asarray(inside.resize(down.size, Image.Resampling.BOX), dtype=np.float32) / 255
    background = scene.light if scene.background is None else scene.background
    frame = Image.new("L", scene.frame, background)
    if scene.clutter:
        _clutter(frame, scene)
    out = np.asarray(frame, dtype=np.float32).copy()
    region = out[top:bottom, left:right]
    out[top:bottom, left:right] = np.asarray(down, dtype=np.float32) * alpha + region * (1 - alpha)
    if scene.blur:
        blurred = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "L")
        out = np.asarray(blurred.filter(ImageFilter.GaussianBlur(scene.blur)), dtype=np.float32)
    if scene.moire:
        out = _fringes(out, scene)
    if scene.noise:
        rng = np.random.default_rng(zlib.crc32(f"{scene.payload}/{scene.noise}".encode()))
        out = out + rng.normal(0, scene.noise, out.shape)
    image = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "L")
    if scene.jpeg is not None:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=scene.jpeg)
        image = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    return image


_SOURCE_PX = 8  # pixels per module of the code before it is placed


def _clutter(frame: Image.Image, scene: Scene) -> None:
    """Rectangles and strokes around the code (a counter, a hand, a receipt); the code
    is drawn over them."""
    rng = random.Random(scene.payload)
    draw = ImageDraw.Draw(frame)
    width, height = frame.size
    for _ in range(25):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(20, width // 4), rng.randrange(4, height // 6)
        draw.rectangle((x, y, x + w, y + h), fill=rng.randrange(0, 256))


def _screen_grid(grey: np.ndarray, scene: Scene) -> np.ndarray:
    """A phone screen's pixel grid (dark gaps between its pixels), a little finer than
    the camera's and turned against it, so that the sensor folds it into moiré."""
    height, width = grey.shape
    pitch = 1.3 * SUPERSAMPLE  # one screen pixel: 1.3 camera pixels
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    turn = math.radians(scene.angle + 2.0)
    u = (xx * math.cos(turn) + yy * math.sin(turn)) / pitch
    v = (-xx * math.sin(turn) + yy * math.cos(turn)) / pitch
    gaps = ((u % 1.0) > 0.75) | ((v % 1.0) > 0.75)
    return np.where(gaps, grey * (1 - scene.moire), grey)


def _fringes(frame: np.ndarray, scene: Scene) -> np.ndarray:
    """The slow light and dark bands of a photographed screen."""
    height, width = frame.shape
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    period = 23.0
    turn = math.radians(scene.angle + 31.0)
    phase = (xx * math.cos(turn) + yy * math.sin(turn)) * 2 * math.pi / period
    return frame * (1 - scene.moire * 0.5 * (1 + np.cos(phase)))


# --- the classes ------------------------------------------------------------------------

Maker = Callable[[random.Random, str], Scene]


def _payload(rng: random.Random) -> str:
    return qr_payload(mint_member_code(f"{rng.randrange(100000, 999999)}", rng.randrange(1, 10**7)))


def _somewhere(rng: random.Random, reach: float = 120) -> tuple[float, float]:
    return (rng.uniform(-reach, reach), rng.uniform(-reach * 0.6, reach * 0.6))


def _plain(rng: random.Random, payload: str) -> Scene:
    return Scene(
        payload, module_px=rng.uniform(4, 8), angle=rng.uniform(-8, 8), offset=_somewhere(rng)
    )


def _dark_mode(rng: random.Random, payload: str) -> Scene:
    """A phone in dark mode: light modules on a dark screen, quiet zone dark too."""
    bg = rng.randrange(0, 40)
    return Scene(
        payload,
        module_px=rng.uniform(3, 7),
        angle=rng.uniform(-20, 20),
        dark=rng.randrange(200, 250),
        light=bg,
        background=bg,
        offset=_somewhere(rng),
        blur=rng.uniform(0, 0.8),
    )


def _rotated(rng: random.Random, payload: str) -> Scene:
    return Scene(
        payload,
        module_px=rng.uniform(3, 6),
        angle=rng.uniform(0, 360),
        offset=_somewhere(rng),
        background=rng.randrange(120, 220),
    )


def _small(rng: random.Random, payload: str) -> Scene:
    return Scene(
        payload,
        module_px=rng.uniform(1.5, 2.0),
        angle=rng.uniform(0, 360),
        offset=_somewhere(rng, 200),
        background=rng.randrange(150, 240),
    )


def _blurred(rng: random.Random, payload: str) -> Scene:
    module = rng.uniform(3, 5)
    return Scene(
        payload,
        module_px=module,
        angle=rng.uniform(0, 360),
        blur=module * rng.uniform(0.45, 0.6),
        offset=_somewhere(rng),
    )


def _noisy(rng: random.Random, payload: str) -> Scene:
    return Scene(
        payload,
        module_px=rng.uniform(3, 5),
        angle=rng.uniform(0, 360),
        noise=rng.uniform(45, 60),
        offset=_somewhere(rng),
    )


def _perspective(rng: random.Random, payload: str) -> Scene:
    return Scene(
        payload,
        module_px=rng.uniform(4, 7),
        angle=rng.uniform(0, 360),
        tilt=rng.uniform(0.25, 0.4),
        tilt_axis=rng.uniform(0, 360),
        offset=_somewhere(rng, 60),
    )


def _low_contrast(rng: random.Random, payload: str) -> Scene:
    dark = rng.randrange(90, 130)
    light = dark + rng.randrange(22, 32)
    if rng.random() < 0.5:
        dark, light = light, dark  # a dimmed phone in dark mode
    return Scene(
        payload,
        module_px=rng.uniform(3, 6),
        angle=rng.uniform(0, 360),
        dark=dark,
        light=light,
        background=light,
        offset=_somewhere(rng),
        noise=3,
    )


def _moire(rng: random.Random, payload: str) -> Scene:
    inverted = rng.random() < 0.5
    return Scene(
        payload,
        module_px=rng.uniform(4, 7),
        angle=rng.uniform(-25, 25),
        moire=rng.uniform(0.3, 0.45),
        dark=230 if inverted else 25,
        light=25 if inverted else 230,
        background=25 if inverted else 230,
        offset=_somewhere(rng, 60),
        blur=0.6,
        noise=6,
        jpeg=75,
    )


def _phone_in_hand(rng: random.Random, payload: str) -> Scene:
    """Everything at once, as a cashier meets it: a dark-mode phone held at an angle,
    small in a cluttered frame, a little blurred and noisy, through JPEG."""
    return Scene(
        payload,
        module_px=rng.uniform(2.5, 3.5),
        angle=rng.uniform(0, 360),
        tilt=rng.uniform(0, 0.25),
        tilt_axis=rng.uniform(0, 360),
        dark=rng.randrange(190, 240),
        light=rng.randrange(10, 40),
        background=rng.randrange(10, 40),
        blur=rng.uniform(0.5, 1.0),
        noise=rng.uniform(8, 16),
        clutter=True,
        jpeg=70,
        offset=_somewhere(rng, 150),
    )


CLASSES: dict[str, Maker] = {
    "plain": _plain,
    "dark_mode": _dark_mode,
    "rotated": _rotated,
    "small": _small,
    "blurred": _blurred,
    "noisy": _noisy,
    "perspective": _perspective,
    "low_contrast": _low_contrast,
    "moire": _moire,
    "phone_in_hand": _phone_in_hand,
}
SEED = 15  # the issue the corpus was made for


def pictures(
    per_class: int = 6, seed: int = SEED, classes: tuple[str, ...] | None = None
) -> Iterator[Picture]:
    for offset, kind in enumerate(CLASSES):
        if classes is not None and kind not in classes:
            continue
        rng = random.Random(seed * 1000 + offset)
        for index in range(per_class):
            scene = CLASSES[kind](rng, _payload(rng))
            yield Picture(kind, index, scene, render(scene))
