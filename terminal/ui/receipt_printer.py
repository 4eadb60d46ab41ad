"""Member slips on a thermal receipt printer, in ESC/POS through python-escpos.

No Qt: the printer is a socket, a USB endpoint, a serial port or a device file, so the
till calls :func:`send_slip` off the GUI thread (through the Runner). What is sent:

* ``ESC @`` (initialise), so no style from a previous job carries over;
* the character set: a slip that Latin-1 with the euro sign covers goes out in code
  page PC858 (``ESC t 19``); any other (Chinese names, Chinese words) goes out in
  GB18030 after ``FS &`` (the Chinese character mode of Chinese-market printers), which
  is left with ``FS .`` at the end; ASCII reads the same in both;
* each line padded to the paper's columns (a Chinese character takes two), titles in
  bold and double height, totals in bold;
* a feed and a full cut (``GS V``).
"""

from __future__ import annotations

import contextlib
from typing import Any, Protocol

from terminal.config import ReceiptPrinterSettings
from terminal.services.slip_content import LineStyle, Slip, line_rows

INIT = b"\x1b@"
LATIN_CODE_PAGE = b"\x1bt\x13"  # ESC t 19: PC858 (Latin-1 and the euro sign)
CHINESE_ON = b"\x1c&"  # FS &: two-byte (Chinese) characters
CHINESE_OFF = b"\x1c."  # FS .
LATIN_ENCODING = "cp858"
CHINESE_ENCODING = "gb18030"


class EscposPrinter(Protocol):
    """What this module needs of a python-escpos printer (``escpos.escpos.Escpos``)."""

    def hw(self, hw: str) -> None: ...
    def set(self, **kwargs: Any) -> None: ...
    def cut(self, mode: str = "FULL", feed: bool = True) -> None: ...
    def _raw(self, msg: bytes) -> None: ...
    def close(self) -> None: ...


class ReceiptPrinterError(Exception):
    """The receipt printer could not be opened or written to (the reason in ``args``)."""


def slip_encoding(slip: Slip, columns: int) -> str:
    """``cp858`` when every row of the slip is in it, else ``gb18030``."""
    text = "\n".join(row for line in slip.lines for row in line_rows(line, columns))
    try:
        text.encode(LATIN_ENCODING)
    except UnicodeEncodeError:
        return CHINESE_ENCODING
    return LATIN_ENCODING


def _style(printer: EscposPrinter, style: LineStyle) -> None:
    printer.set(
        align="left",
        bold=style in ("title", "strong"),
        double_height=style == "title",
        normal_textsize=style != "title",
    )


def write_slip(printer: EscposPrinter, slip: Slip, columns: int) -> None:
    """The slip's bytes, from initialise to cut, on ``printer``."""
    encoding = slip_encoding(slip, columns)
    printer.hw("INIT")
    printer._raw(CHINESE_ON if encoding == CHINESE_ENCODING else LATIN_CODE_PAGE)
    for line in slip.lines:
        _style(printer, line.style)
        for row in line_rows(line, columns):
            printer._raw(row.encode(encoding, errors="replace") + b"\n")
    _style(printer, "normal")
    if encoding == CHINESE_ENCODING:
        printer._raw(CHINESE_OFF)
    printer.cut()


def open_printer(settings: ReceiptPrinterSettings) -> EscposPrinter:
    """The printer the settings name (python-escpos opens the connection on first use)."""
    from escpos import printer as escpos

    connection = settings.connection
    if connection == "network":
        if not settings.host:
            raise ReceiptPrinterError("no printer address (receipt_printer.host)")
        return escpos.Network(settings.host, settings.port, timeout=settings.timeout_seconds)  # type: ignore[no-any-return]
    if connection == "usb":
        if not settings.usb_vendor_id or not settings.usb_product_id:
            raise ReceiptPrinterError("no USB vendor and product id (receipt_printer.usb_*)")
        return escpos.Usb(  # type: ignore[no-any-return]
            settings.usb_vendor_id,
            settings.usb_product_id,
            timeout=int(settings.timeout_seconds * 1000),
        )
    if connection == "serial":
        if not settings.serial_device:
            raise ReceiptPrinterError("no serial port (receipt_printer.serial_device)")
        return escpos.Serial(  # type: ignore[no-any-return]
            settings.serial_device, baudrate=settings.baudrate, timeout=settings.timeout_seconds
        )
    if not settings.device_file:
        raise ReceiptPrinterError("no device file (receipt_printer.device_file)")
    return escpos.File(settings.device_file)  # type: ignore[no-any-return]


def send_slip(slip: Slip, settings: ReceiptPrinterSettings) -> None:
    """Print ``slip`` on the receipt printer of ``settings`` (blocking: off the GUI thread).
    Any failure (no such device, no answer, paper jam reported as an error) is raised as
    :class:`ReceiptPrinterError`."""
    try:
        printer = open_printer(settings)
        try:
            write_slip(printer, slip, settings.columns)
        finally:
            # a connection that never opened has nothing to close
            with contextlib.suppress(Exception):
                printer.close()
    except ReceiptPrinterError:
        raise
    except Exception as error:  # python-escpos raises its own, OSError or USB errors
        raise ReceiptPrinterError(str(error) or type(error).__name__) from error
