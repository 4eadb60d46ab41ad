"""Console query parameters out of range give a page that says so, never a 500; flagged
redemptions are listed for head office (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.sync_server.helpers import Pairing, push


@pytest.mark.parametrize(
    "url",
    [
        "/console/audit?before=9223372036854775808",
        "/console/audit?before=-1",
        "/console/board?end=9999-12-31",
        "/console/board?end=0001-01-01",
        "/console/board?end=2026-02-30",
        "/console/audit?before=2147483648",  # the audit log's ids are 32-bit
        "/console/board/00000000-0000-0000-0000-000000000000/9999-12-31",
        "/console/board/00000000-0000-0000-0000-000000000000/0001-01-01",
    ],
)
def test_out_of_range_console_parameters_are_a_friendly_page(
    as_role: Callable[[str], TestClient], url: str
) -> None:
    http = as_role("admin")
    response = http.get(url)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("text/html")
    assert "That did not work" in response.text


def test_the_board_still_pages_through_sane_dates(as_role: Callable[[str], TestClient]) -> None:
    http = as_role("admin")
    assert http.get("/console/board?end=2026-11-25&days=100").status_code == 200
    assert http.get("/console/board?end=2026-11-25&days=10000000000000000000").status_code == 200
    assert http.get("/console/audit?before=2147483647").status_code == 200


def test_the_exceptions_page_lists_flagged_redemptions(
    as_role: Callable[[str], TestClient], paired: Pairing
) -> None:
    http = as_role("auditor")
    enrol = paired.events.enrol()
    push(http, paired, [enrol, paired.events.redeem(enrol["member_id"], 150_000)])
    page = http.get("/console/exceptions")
    assert page.status_code == 200
    assert "Flagged redemptions (1)" in page.text
    assert "redemption_over_limit" in page.text
    assert enrol["data"]["member_code"] in page.text
