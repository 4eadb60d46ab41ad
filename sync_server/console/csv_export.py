"""CSV downloads of the console's lists: streamed (a million rows never sit in memory),
UTF-8 with a byte-order mark (spreadsheets then read Chinese names right), and cells
that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR) quoted
with a leading apostrophe."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

from starlette.responses import StreamingResponse

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(_FORMULA) and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([cell(v) for v in row])
        yield buffer.getvalue().encode("utf-8")


def csv_response(
    filename: str,
    header: Sequence[str],
    rows: Iterable[Any],
    columns: Callable[[Any], Sequence[Any]],
) -> StreamingResponse:
    return StreamingResponse(
        _lines(header, (columns(r) for r in rows)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{quote(filename)}"'},
    )
