"""Settings, credentials, ids and business days (the small pieces the services stand on)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.business_day import business_date
from shared.domain.member_code import mint_member_code, next_member_code, transposition_safe
from shared.errors import DomainError
from shared.ids import Uuid7Generator, uuid7, uuid7_timestamp_ms
from shared.protocol import StoreSettings
from terminal.config import TerminalSettings
from terminal.offline.credentials import CredentialStore
from tests.conftest import MemoryKeyring
from tests.terminal.conftest import Till


def test_uuid7_is_version_7_time_ordered_and_unique() -> None:
    gen = Uuid7Generator()
    ids = [gen() for _ in range(5000)]
    assert all(i.version == 7 and i.variant == "specified in RFC 4122" for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    assert abs(uuid7_timestamp_ms(uuid7()) - now_ms) < 5_000


@pytest.mark.parametrize(
    ("moment", "closing", "expected"),
    [
        (datetime(2026, 3, 10, 15, 59, tzinfo=UTC), "23:00", date(2026, 3, 10)),  # 23:59 local
        (datetime(2026, 3, 10, 16, 1, tzinfo=UTC), "23:00", date(2026, 3, 11)),  # 00:01 local
        (datetime(2026, 3, 10, 17, 30, tzinfo=UTC), "02:00", date(2026, 3, 10)),  # 01:30 local
        (datetime(2026, 3, 10, 18, 30, tzinfo=UTC), "02:00", date(2026, 3, 11)),  # 02:30 local
    ],
)
def test_business_day_in_the_store_time_zone(
    moment: datetime, closing: str, expected: date
) -> None:
    assert business_date(moment, "Asia/Shanghai", closing) == expected


def test_events_carry_the_business_date(till: Till) -> None:
    till.clock.now = datetime(2026, 3, 10, 16, 30, tzinfo=UTC)  # 00:30 on the 11th in Shanghai
    receipt = till.services.sales.earn(
        till.cashier(), till.seed.members[0].member_id, amount_cents=1000, sale_ref="late"
    )
    assert till.services.activity.recent(1)[0].event_id == receipt.event_id
    assert till.services.activity.recent(1)[0].business_date == "2026-03-11"


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("POS_TERMINAL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("POS_TERMINAL_ARGON2__TIME_COST", "1")
    settings = TerminalSettings()
    assert settings.replica_path == tmp_path / "replica.sqlite3"
    assert settings.argon2.time_cost == 1


def test_secrets_live_in_the_keyring_only(till: Till, memory_keyring: MemoryKeyring) -> None:
    key = memory_keyring.get_password(till.settings.keyring_service, "phone_hash_key")
    token = till.credentials.token()
    assert key
    assert token
    till.services.enrollment.enroll(
        till.cashier(), name="K", phone="13812345678", consent_marketing=True
    )
    till.replica.close()
    for path in till.settings.data_dir.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            assert key.encode() not in blob, path
            assert token.encode() not in blob, path


def test_bad_phone_keys_are_refused() -> None:
    store = CredentialStore("pos-test")
    for bad in ("zz", "00"):
        with pytest.raises(DomainError) as err:
            store.set_phone_hash_key(bad)
        assert err.value.code == "invalid_key"
    store.clear()
    store.clear()  # clearing twice is fine
    with pytest.raises(DomainError) as err:
        store.phone_hash_key()
    assert err.value.code == "terminal_not_paired"


@pytest.mark.parametrize(
    "change",
    [
        {"timezone": "Nowhere/Land"},
        {"currency": "euro"},
        {"closing_time": "25:99"},
        {"phone_region": "CHN"},
    ],
)
def test_store_settings_are_validated(till: Till, change: dict[str, str]) -> None:
    settings = StoreSettings(store_code="S001").model_copy(update=change)
    with pytest.raises(DomainError):
        till.sync.save_store_settings(settings)
    assert till.sync.store_settings() == StoreSettings(store_code="S001", name="Downtown")


def test_operations_need_a_paired_terminal(tmp_path: Path) -> None:
    from terminal.offline.db import Replica
    from terminal.services import build_services

    settings = TerminalSettings(data_dir=tmp_path, keyring_service="pos-unpaired")
    with Replica(settings.replica_path) as replica:
        services = build_services(replica, settings)
        with pytest.raises(DomainError) as err:
            services.lookup.by_phone("13812345678")
        assert err.value.code in {"terminal_not_configured", "terminal_not_paired"}
        assert services.activity.outbox().pending == 0


def _naive_next_code(prefix: str, counter: int) -> tuple[str, int]:
    while True:
        code = mint_member_code(prefix, counter)
        counter += 1
        if transposition_safe(code):
            return code, counter


@settings(max_examples=300, deadline=None)
@given(
    prefix=st.text("0123456789", min_size=6, max_size=6).filter(transposition_safe),
    counter=st.integers(1, 10**6),
)
def test_code_minting_jumps_give_the_same_codes_as_trying_each_counter(
    prefix: str, counter: int
) -> None:
    fast = next_member_code(prefix, counter)
    if fast[1] - counter <= 20_000:  # keep the one-by-one reference quick
        assert fast == _naive_next_code(prefix, counter)


def test_code_minting_never_stalls() -> None:
    start = time.perf_counter()
    assert next_member_code("100000", 93_709_795) == ("1000001000000006", 100_000_001)
    assert time.perf_counter() - start < 0.1
