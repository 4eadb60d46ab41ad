"""Member QR codes as cameras and image files give them: every class of the generated
corpus (``tests/ui/scan_corpus.py``, fixed seed) is read, through the same paths the
till scans with (a camera frame's grey pixels, an image file on a worker thread)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from terminal.ui.camera import decode_gray, decode_image_file, decode_qimage, gray_bytes
from terminal.ui.qr_reader import read_picture, zbar
from terminal.ui.runner import Runner
from tests.ui.scan_corpus import CLASSES, SEED, Picture, pictures
from tests.ui.test_till import sign_in

PER_CLASS = 6


@pytest.fixture(scope="module")
def corpus() -> list[Picture]:
    return list(pictures(per_class=PER_CLASS, seed=SEED))


@pytest.mark.parametrize("kind", list(CLASSES))
def test_every_picture_of_each_class_is_read(corpus: list[Picture], kind: str) -> None:
    unread = [
        picture.name
        for picture in corpus
        if picture.kind == kind and picture.scene.payload not in read_picture(picture.image).texts
    ]
    assert unread == []


def test_pyzbar_alone_misses_what_the_reader_reads(corpus: list[Picture]) -> None:
    """The corpus is hard where it should be: pyzbar on the frame as it is reads no
    dark-mode phone and no code seen in perspective."""
    for kind in ("dark_mode", "perspective"):
        read = [p for p in corpus if p.kind == kind and p.scene.payload in zbar(p.image)]
        assert read == [], kind


def test_a_camera_frame_is_decoded_off_the_gui_thread(qtbot: QtBot, corpus: list[Picture]) -> None:
    """What the camera does with a frame: its grey pixels (GUI thread), decoded on the
    Runner's worker thread."""
    picture = next(p for p in corpus if p.kind == "phone_in_hand")
    rgb = picture.image.convert("RGB")
    frame = QImage(rgb.tobytes(), rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888)
    gui = threading.get_ident()
    threads: list[int] = []

    def decode(raw: bytes, width: int, height: int) -> list[str]:
        threads.append(threading.get_ident())
        return decode_gray(raw, width, height)

    runner = Runner()
    found: list[list[str]] = []
    with qtbot.waitSignal(runner.submit(decode, *gray_bytes(frame), on_result=found.append).done):
        pass
    assert found == [[picture.scene.payload]]
    assert len(threads) == 1
    assert threads[0] != gui
    assert decode_qimage(frame) == [picture.scene.payload]
    runner.shutdown()


def test_an_image_file_of_a_dark_mode_phone_finds_the_member(
    qtbot: QtBot, till, tmp_path: Path
) -> None:
    """The cashier scans a screenshot a member sent: light modules on a dark screen."""
    from shared.domain.member_code import qr_payload
    from tests.ui.scan_corpus import Scene, render

    sign_in(qtbot, till)
    member = till.seed.members[3]
    scene = Scene(
        qr_payload(member.member_code),
        module_px=3.2,
        angle=33,
        dark=225,
        light=18,
        background=18,
        blur=0.6,
        noise=6,
    )
    path = tmp_path / "screenshot.png"
    render(scene).save(path)
    assert zbar(render(scene)) == []  # the till before could not read it
    assert decode_image_file(path) == [scene.payload]
    till.window.checkout.search.scan_image_file(str(path))
    checkout = till.window.checkout
    qtbot.waitUntil(
        lambda: checkout.member is not None and checkout.member.member_code == member.member_code
    )
    assert decode_image_file(tmp_path / "missing.png") == []


def test_one_dimensional_codes_count_only_as_member_codes() -> None:
    """A member code printed as a Code 128 barcode is read; other 1-D numbers (what grain
    makes a 1-D decoder see, a product's barcode) are not taken for a card."""
    from io import BytesIO

    import barcode
    from barcode.writer import ImageWriter
    from PIL import Image

    from shared.domain.member_code import mint_member_code

    def code128(text: str) -> Image.Image:
        buffer = BytesIO()
        barcode.get("code128", text, writer=ImageWriter()).write(buffer)
        return Image.open(BytesIO(buffer.getvalue())).convert("L")

    member = mint_member_code("100001", 457)
    assert read_picture(code128(member)).texts == (member,)
    assert read_picture(code128("874499")).texts == ()
