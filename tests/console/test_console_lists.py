"""The console's lists page by keyset: following "Next page" visits every row once, in
the order asked for, with filters kept; the CSV export holds the same rows; a forged
cursor is refused. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from sync_server.repositories.keyset import PAGE_SIZE
from tests.sync_server.helpers import Pairing, push

_NEXT = re.compile(r'href="(/console/[^"]+after=[^"]+)" rel="next"')
_CODE = re.compile(r'<a href="/console/members/(\d+)">')

NAMES = [f"{surname}{given}" for surname in ("Zhao", "Qian", "Sun") for given in range(40)]


def _walk(http: TestClient, first: str) -> list[list[str]]:
    """The member codes of each page, following the Next links."""
    pages, url = [], first
    while url:
        text = http.get(url.replace("&amp;", "&")).text
        pages.append(_CODE.findall(text))
        found = _NEXT.search(text)
        url = found.group(1) if found else ""
    return pages


def _members(client: TestClient, paired: Pairing) -> dict[str, str]:
    """code -> name of 120 members, enrolled one minute apart (old first)."""
    start = datetime.now(UTC) - timedelta(days=20)
    events = []
    for i, name in enumerate(NAMES):
        event = paired.events.enrol(name=name)
        event["occurred_at"] = (start + timedelta(minutes=i)).isoformat()
        events.append(event)
    for chunk in range(0, len(events), 50):
        push(client, paired, events[chunk : chunk + 50])
    return {str(e["data"]["member_code"]): str(e["data"]["name"]) for e in events}


def test_member_pages_follow_the_sort_and_filters(
    as_role, client: TestClient, paired: Pairing
) -> None:
    codes = _members(client, paired)
    auditor = as_role("auditor")
    by_code = _walk(auditor, "/console/members?sort=code&dir=asc")
    assert [len(p) for p in by_code] == [PAGE_SIZE, PAGE_SIZE, len(codes) - 2 * PAGE_SIZE]
    assert [c for p in by_code for c in p] == sorted(codes)

    by_name = _walk(auditor, "/console/members?sort=name&dir=desc")
    expected = sorted(codes, key=lambda c: (codes[c], c), reverse=True)
    assert [c for p in by_name for c in p] == expected

    by_enrolment = _walk(auditor, "/console/members?sort=enrolled&dir=asc")
    assert [c for p in by_enrolment for c in p] == list(codes)  # enrolled in this order

    qian = _walk(auditor, "/console/members?q=qian&sort=name&dir=asc")
    assert [c for p in qian for c in p] == sorted(
        (c for c in codes if codes[c].startswith("Qian")), key=lambda c: (codes[c], c)
    )

    # the name search is by prefix, case aside, as on the tills
    sun = _walk(auditor, "/console/members?q=SUN1&sort=code&dir=asc")
    assert [c for p in sun for c in p] == sorted(c for c in codes if codes[c].startswith("Sun1"))
    assert _walk(auditor, "/console/members?q=un1") == [[]]

    exported = auditor.get("/console/members.csv", params={"sort": "name", "dir": "desc"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["member_code", "name"]
    assert [r[0] for r in rows[1:]] == expected

    refused = auditor.get("/console/members?after=not-a-cursor")
    assert refused.status_code == 400
    assert "out of date" in refused.text


def test_churn_and_history_are_paged(as_role, client: TestClient, paired: Pairing) -> None:
    codes = _members(client, paired)
    admin = as_role("admin")
    churn = _walk(admin, "/console/churn?days=7")
    # nobody visited: absent since enrolment, the earliest first
    assert [c for p in churn for c in p] == list(codes)
    assert len(churn) == 3
    exported = admin.get("/console/churn.csv?days=7").content.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(exported)))) == len(codes) + 1

    code = next(iter(codes))
    member_id = client.app.state.console.members.member(  # type: ignore[attr-defined]
        _cli(), code
    )["member_id"]
    push(client, paired, [paired.events.earn(member_id, 1000, 10) for _ in range(60)])
    first = admin.get(f"/console/members/{code}").text
    assert first.count("points earned") == PAGE_SIZE
    found = _NEXT.search(first)
    assert found
    rest = admin.get(found.group(1).replace("&amp;", "&")).text
    assert rest.count("points earned") == 60 - PAGE_SIZE
    assert "enrolment" in rest  # the oldest event comes last


def test_csv_cells_cannot_start_a_formula(as_role, client: TestClient, paired: Pairing) -> None:
    push(client, paired, [paired.events.enrol(name="=HYPERLINK(1)")])
    text = as_role("admin").get("/console/members.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text


def _cli():  # the command line's principal (admin)
    from sync_server.services.accounts import CLI_PRINCIPAL

    return CLI_PRINCIPAL
