"""Member slips in ESC/POS: the bytes python-escpos's Dummy and File devices receive."""

from __future__ import annotations

import re
import socket
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from escpos.printer import Dummy

from shared.domain.program import DEFAULT_PROGRAM
from terminal.config import ReceiptPrinterSettings
from terminal.services.slip_content import SlipFacts, SlipKind, compose_slip
from terminal.ui.receipt_printer import ReceiptPrinterError, send_slip, write_slip
from terminal.ui.slip_wording import wording

INIT = b"\x1b\x40"  # ESC @
PC858 = b"\x1b\x74\x13"  # ESC t 19
CHINESE = b"\x1c\x26"  # FS &
CUT = b"\x1d\x56\x00"  # GS V 0: full cut


def _facts(name: str = "Wang Fang", currency: str = "EUR") -> SlipFacts:
    return SlipFacts(
        kind=SlipKind.EARN,
        occurred_at=datetime(2026, 5, 1, 9, 30, tzinfo=UTC),
        store_name="Rue Neuve",
        store_code="S001",
        terminal_id="",
        currency=currency,
        timezone="Europe/Brussels",
        program=DEFAULT_PROGRAM,
        member_name=name,
        member_code="100001000457",
        points_delta=120,
        balance=3760,
        lifetime_points=3760,
        amount_cents=12_050,
    )


def test_an_english_slip_is_initialised_in_pc858_and_cut(qapp) -> None:
    printer = Dummy()
    write_slip(printer, compose_slip(_facts(), wording("en")), 48)
    out = printer.output
    assert out.startswith(INIT + PC858)
    assert out.endswith(CUT)
    assert CHINESE not in out
    text = out.decode("cp858")
    for expected in ("Rue Neuve", "Points earned", "Wang Fang", "+120 pts", "1,240 pts to Gold"):
        assert expected in text
    assert "€120.50".encode("cp858") in out  # the euro sign is in PC858
    assert "11:30" in text  # 09:30 UTC on the store's clock (Brussels, summer time)
    printed = re.sub(rb"\x1b@|\x1b[!Eatd].|\x1dV.", b"", out).decode("cp858")
    rows = printed.split("\n")
    assert len(rows) > 12
    assert max(len(row) for row in rows) == 48  # the paper's columns, no more


def test_a_chinese_slip_goes_out_in_gb18030(qapp) -> None:
    printer = Dummy()
    write_slip(printer, compose_slip(_facts("王芳", "CNY"), wording("zh_CN")), 32)
    out = printer.output
    assert out.startswith(INIT + CHINESE)
    assert out.endswith(b"\x1c\x2e" + b"\x1b\x64\x06" + CUT) or out.endswith(CUT)
    assert "王芳".encode("gb18030") in out
    assert "积分".encode("gb18030") in out
    assert "距金卡还差 1,240 积分".encode("gb18030") in out
    assert "王芳".encode() not in out


def test_an_english_slip_with_a_chinese_name_switches_to_gb18030(qapp) -> None:
    printer = Dummy()
    write_slip(printer, compose_slip(_facts("李娜", "CNY"), wording("en")), 48)
    assert printer.output.startswith(INIT + CHINESE)
    assert "李娜".encode("gb18030") in printer.output
    assert b"Points earned" in printer.output


def test_the_file_device_and_a_network_printer_receive_the_slip(qapp, tmp_path: Path) -> None:
    device = tmp_path / "lp0"
    device.write_bytes(b"")
    slip = compose_slip(_facts(), wording("en"))
    send_slip(slip, ReceiptPrinterSettings(connection="file", device_file=str(device)))
    written = device.read_bytes()
    assert written.startswith(INIT)
    assert written.endswith(CUT)

    received = bytearray()
    with socket.socket() as server:  # a printer's raw port on loopback
        server.bind(("127.0.0.1", 0))
        server.listen(1)

        def accept() -> None:
            connection, _ = server.accept()
            with connection:
                while chunk := connection.recv(4096):
                    received.extend(chunk)

        thread = threading.Thread(target=accept)
        thread.start()
        port = server.getsockname()[1]
        send_slip(slip, ReceiptPrinterSettings(connection="network", host="127.0.0.1", port=port))
        thread.join(10)
    assert bytes(received) == written


def test_a_printer_that_cannot_be_reached_is_a_clear_error(qapp, tmp_path: Path) -> None:
    slip = compose_slip(_facts(), wording("en"))
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = ReceiptPrinterSettings(
        connection="network", host="127.0.0.1", port=port, timeout_seconds=2
    )
    with pytest.raises(ReceiptPrinterError):
        send_slip(slip, closed)
    with pytest.raises(ReceiptPrinterError, match=r"receipt_printer\.host"):
        send_slip(slip, ReceiptPrinterSettings(connection="network"))
    with pytest.raises(ReceiptPrinterError):
        send_slip(
            slip,
            ReceiptPrinterSettings(connection="file", device_file=str(tmp_path / "no" / "lp0")),
        )
