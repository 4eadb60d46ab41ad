"""Draw the terminal icon (same design as pos-terminal.svg) as PNG and ICO with Pillow.

Run from the repository root: .venv/bin/python installers/assets/make_icon.py
The results are committed; re-run only when the design changes.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).parent
TEAL, PALE, WHITE, GOLD = "#1f6f8b", "#99c4d1", "#ffffff", "#f2a900"


def draw(size: int = 256) -> Image.Image:
    scale = 4  # draw large, shrink: smooth edges
    s = size * scale / 256
    image = Image.new("RGBA", (size * scale, size * scale), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)

    def box(x: float, y: float, w: float, h: float, r: float, fill: str) -> None:
        pen.rounded_rectangle([x * s, y * s, (x + w) * s, (y + h) * s], radius=r * s, fill=fill)

    box(8, 8, 240, 240, 48, TEAL)
    box(44, 52, 168, 112, 14, WHITE)
    box(60, 72, 72, 12, 6, TEAL)
    box(60, 96, 104, 10, 5, PALE)
    box(60, 116, 84, 10, 5, PALE)
    star = [(176, 104), (183, 120), (200, 121), (187, 132), (191, 149), (176, 140),
            (161, 149), (165, 132), (152, 121), (169, 120)]  # fmt: skip
    pen.polygon([(x * s, y * s) for x, y in star], fill=GOLD)
    box(108, 164, 40, 24, 0, WHITE)
    box(72, 188, 112, 16, 8, WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    icon = draw(256)
    icon.save(HERE / "pos-terminal.png")
    icon.save(HERE / "pos-terminal.ico", sizes=[(16, 16), (32, 32), (48, 48), (64, 64), (256, 256)])


if __name__ == "__main__":
    main()
