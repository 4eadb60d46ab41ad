"""Scanning benchmark: read rate and CPU time per frame of the till's QR pipeline beside
pyzbar alone and the best open-source decoders, on the same generated pictures.

    python bench/scan_bench.py [--per-class N] [--seed S] [--save DIR] [--only DECODER ...]

The pictures are ``tests/ui/scan_corpus.py``'s classes (dark-mode phones, rotated,
small, blurred, noisy, perspective, low contrast, photographed-screen moiré, all at once
in a cluttered frame), 640x480 grey frames, from a seed other than the tests' own. Each
decoder sees every picture; a picture counts as read when the decoder returns its exact
payload. Times are CPU time of this process (``time.process_time``), which the other
jobs on a shared machine do not inflate; the load average is printed beside them.

Decoders:
  pyzbar            pyzbar on the frame as it is (the till before this pipeline)
  pyzbar+prep       pyzbar on the frame and on Pillow-prepared versions of it (inverted,
                    sharpened, smoothed, local threshold dark and light, enlarged)
  pipeline          the till's reader (terminal.ui.qr_reader.STEPS): pyzbar, then
                    zxing-cpp on the frame and on prepared versions
  zxing-cpp         zxing-cpp alone on the frame as it is
  opencv-wechat     OpenCV's wechat_qrcode (traditional detector, no CNN model files)
  opencv            OpenCV's QRCodeDetector
OpenCV is not a dependency of the till: its rows appear when ``opencv-contrib-python-headless``
is installed (``pip install opencv-contrib-python-headless``), else they say so.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PIL import Image, ImageOps  # noqa: E402

from terminal.ui import qr_reader  # noqa: E402
from terminal.ui.qr_reader import Step, read_picture  # noqa: E402
from tests.ui.scan_corpus import CLASSES, Scene, pictures, render  # noqa: E402

Decode = Callable[[Image.Image], list[str]]


def _inverted(image: Image.Image) -> Image.Image:
    return ImageOps.invert(image)


def _light_threshold(image: Image.Image) -> Image.Image:
    return qr_reader.local_threshold(ImageOps.invert(image))


def _enlarged_inverted(image: Image.Image) -> Image.Image | None:
    big = qr_reader.enlarged(image)
    return None if big is None else ImageOps.invert(big)


ZBAR_WITH_PREPARATION = tuple(
    Step(name, prepare, qr_reader.zbar)
    for name, prepare in (
        ("as-is", qr_reader.as_is),
        ("inverted", _inverted),
        ("sharpened", qr_reader.sharpened),
        ("smoothed", qr_reader.smoothed),
        ("threshold", qr_reader.local_threshold),
        ("light-threshold", _light_threshold),
        ("enlarged", qr_reader.enlarged),
        ("enlarged-inverted", _enlarged_inverted),
    )
)


def decoders() -> dict[str, Decode | str]:
    """Each decoder by name, or why it is not available."""
    found: dict[str, Decode | str] = {
        "pyzbar": qr_reader.zbar,
        "pyzbar+prep": lambda image: list(read_picture(image, ZBAR_WITH_PREPARATION).texts),
        "pipeline": lambda image: list(read_picture(image).texts),
        "zxing-cpp": qr_reader.zxing,
    }
    try:
        import cv2
        import numpy as np
    except ImportError:
        found["opencv-wechat"] = found["opencv"] = "not installed (opencv-contrib-python-headless)"
        return found
    wechat = cv2.wechat_qrcode_WeChatQRCode()
    detector = cv2.QRCodeDetector()
    found["opencv-wechat"] = lambda image: list(wechat.detectAndDecode(np.asarray(image))[0])
    found["opencv"] = lambda image: (
        [text] if (text := detector.detectAndDecode(np.asarray(image))[0]) else []
    )
    return found


def empty_frames(count: int) -> list[Image.Image]:
    """Frames with no code in them (clutter and grain): what the camera sees most."""
    frames = []
    for index in range(count):
        scene = Scene("MBR:0", module_px=0.01, clutter=True, noise=10, offset=(index * 7.0, 0))
        frames.append(render(scene))
    return frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--save", type=Path, help="write every picture here as PNG")
    parser.add_argument("--only", nargs="+", metavar="DECODER", help="measure these decoders only")
    args = parser.parse_args()

    started = time.process_time()
    corpus = list(pictures(per_class=args.per_class, seed=args.seed))
    blank = empty_frames(10)
    print(
        f"corpus: {len(corpus)} pictures 640x480, {args.per_class} per class, seed {args.seed} "
        f"(made in {time.process_time() - started:.1f} s CPU)"
    )
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        for picture in corpus:
            picture.image.save(args.save / f"{picture.name}.png")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    kinds = list(CLASSES)
    header = f"{'decoder':14}" + "".join(f"{k[:11]:>12}" for k in kinds)
    print("\nread rate per class (read / pictures)")
    print(header + f"{'all':>9}")
    timing: dict[str, tuple[list[float], list[float]]] = {}
    for name, decode in decoders().items():
        if args.only and name not in args.only:
            continue
        if isinstance(decode, str):
            print(f"{name:14}  {decode}")
            continue
        read = dict.fromkeys(kinds, 0)
        found_ms: list[float] = []
        for picture in corpus:
            begin = time.process_time()
            texts = decode(picture.image)
            spent = (time.process_time() - begin) * 1000
            if picture.scene.payload in texts:
                read[picture.kind] += 1
                found_ms.append(spent)
        empty_ms = []
        for frame in blank:
            begin = time.process_time()
            decode(frame)
            empty_ms.append((time.process_time() - begin) * 1000)
        timing[name] = (found_ms, empty_ms)
        total = sum(read.values())
        cells = "".join(f"{f'{read[k]}/{args.per_class}':>12}" for k in kinds)
        print(f"{name:14}{cells}{100 * total / len(corpus):8.1f}%")

    print("\nCPU ms per 640x480 frame: when a code is read (median, p95) and with no code (median)")
    for name, (found_ms, empty_ms) in timing.items():
        median = statistics.median(found_ms) if found_ms else float("nan")
        p95 = sorted(found_ms)[int(0.95 * (len(found_ms) - 1))] if found_ms else float("nan")
        print(
            f"{name:14} read {median:6.1f} / {p95:6.1f} ms   "
            f"no code {statistics.median(empty_ms):6.1f} ms"
        )

    steps: dict[str, int] = {}
    for picture in corpus:
        reading = read_picture(picture.image)
        steps[reading.step or "(none)"] = steps.get(reading.step or "(none)", 0) + 1
    print("\npipeline: pictures read by each step")
    for step in [*(s.name for s in qr_reader.STEPS), "(none)"]:
        if step in steps:
            print(f"  {step:26} {steps[step]}")
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
