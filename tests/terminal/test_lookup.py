from __future__ import annotations

from pathlib import Path

import pytest

from shared.domain.member_code import luhn_check_digit
from shared.errors import DomainError
from tests.terminal.conftest import Till, make_till


def test_lookup_by_code_and_qr(till: Till) -> None:
    member = till.seed.members[2]
    view = till.services.lookup.by_code(member.member_code)
    assert (view.member_id, view.display_name) == (member.member_id, member.name)
    assert view.balance == member.balance
    assert view.pending_points == 0
    assert till.services.lookup.by_scan(f"MBR:{member.member_code}").member_id == member.member_id
    assert (
        till.services.lookup.by_scan(f" mbr:{member.member_code}\n").member_id == member.member_id
    )
    assert till.services.lookup.by_scan(member.member_code).member_id == member.member_id


@pytest.mark.parametrize(
    "raw", ["", "abc", "12345", "9000000000199", "1" * 17, "９００００００００１９", "' OR 1=1 --"]
)
def test_malformed_codes_are_invalid_member_code(till: Till, raw: str) -> None:
    with pytest.raises(DomainError) as err:
        till.services.lookup.by_code(raw)
    assert err.value.code == "invalid_member_code"


def test_wrong_check_digit_never_finds_another_member(till: Till) -> None:
    code = till.seed.members[0].member_code
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    with pytest.raises(DomainError) as err:
        till.services.lookup.by_code(wrong)
    assert err.value.code == "invalid_member_code"


@pytest.mark.parametrize("raw", ["https://evil.example/x", "WIFI:S:net;;", "MBR:123", "MBR:"])
def test_malformed_qr_payloads(till: Till, raw: str) -> None:
    with pytest.raises(DomainError) as err:
        till.services.lookup.by_scan(raw)
    assert err.value.code in {"invalid_qr_payload", "invalid_member_code"}


def test_valid_code_not_in_replica_is_unknown_member(till: Till) -> None:
    body = "90000099999"
    with pytest.raises(DomainError) as err:
        till.services.lookup.by_code(body + luhn_check_digit(body))
    assert err.value.code == "unknown_member"


def test_lookup_by_full_phone_in_any_format(till: Till) -> None:
    member = till.seed.members[1]
    national = member.phone.removeprefix("+86")
    for raw in (member.phone, national, f"{national[:3]} {national[3:7]} {national[7:]}"):
        assert till.services.lookup.by_phone(raw).member_id == member.member_id
    with pytest.raises(DomainError) as err:
        till.services.lookup.by_phone("13700000000")
    assert err.value.code == "unknown_member"
    with pytest.raises(DomainError) as err:
        till.services.lookup.by_phone("12")
    assert err.value.code == "invalid_phone"


def test_lookup_by_phone_without_a_phone_key_is_a_clear_error(till: Till) -> None:
    till.credentials.clear()
    with pytest.raises(DomainError) as err:
        till.services.lookup.by_phone(till.seed.members[0].phone)
    assert err.value.code == "terminal_not_paired"
    assert "pair" in err.value.message


def test_phone_last4_pages_of_twenty(tmp_path: Path) -> None:
    till = make_till(tmp_path, members=45)
    try:
        # Seeded phones end with the member index: every member ending in 0001..0045 differs,
        # so enrol 25 members sharing a tail to exercise paging.
        cashier = till.cashier()
        for n in range(25):
            till.services.enrollment.enroll(
                cashier, name=f"Tail {n:02d}", phone=f"1370{n:03d}7777", consent_marketing=False
            )
        first = till.services.lookup.by_phone_last4("7777")
        second = till.services.lookup.by_phone_last4("7777", page=1)
        assert len(first.items) == 20
        assert first.has_more
        assert len(second.items) == 5
        assert not second.has_more
        names = [m.display_name for m in first.items + second.items]
        assert names == sorted(names)
        assert len(set(names)) == 25
        assert till.services.lookup.by_phone_last4("0003").items[0].member_code
        for bad in ("777", "abcd", "77777", ""):
            with pytest.raises(DomainError) as err:
                till.services.lookup.by_phone_last4(bad)
            assert err.value.code == "invalid_phone"
    finally:
        till.replica.close()


def test_name_prefix_is_case_insensitive_unicode_and_paged(tmp_path: Path) -> None:
    till = make_till(tmp_path, members=60)
    try:
        page = till.services.lookup.by_name("zhang")
        assert page.items
        assert all(m.display_name.startswith("Zhang") for m in page.items)
        assert till.services.lookup.by_name("王").items[0].display_name.startswith("王芳")
        assert till.services.lookup.by_name("ANNA MÜLLER").items
        all_pages = []
        page_no = 0
        while True:
            result = till.services.lookup.by_name("l", page=page_no)
            all_pages.extend(result.items)
            if not result.has_more:
                break
            page_no += 1
        assert len(all_pages) == len({m.member_id for m in all_pages})
        assert all(m.display_name.casefold().startswith("l") for m in all_pages)
        assert till.services.lookup.by_name("%").items == ()
        assert till.services.lookup.by_name("' OR 1=1 --").items == ()
        for bad in ("", "   ", "x" * 101):
            with pytest.raises(DomainError) as err:
                till.services.lookup.by_name(bad)
            assert err.value.code == "invalid_name"
        with pytest.raises(DomainError) as err:
            till.services.lookup.by_name("a", page=-1)
        assert err.value.code == "invalid_page"
    finally:
        till.replica.close()


def test_member_coupons_and_unknown_ids(till: Till) -> None:
    member_id = next(iter(till.seed.coupons.values()))
    coupons = till.services.lookup.coupons(member_id)
    assert coupons
    assert coupons[0].status == "available"
    for bad in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(DomainError) as err:
            till.services.lookup.member(bad)
        assert err.value.code == "unknown_member"
