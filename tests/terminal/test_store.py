"""StoreService (store facts, program, this terminal's language), the earn preview, and
opening a replica: the migrations and no Alembic import when it is up to date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory

from shared.errors import DomainError
from terminal.config import TerminalSettings
from terminal.offline.db import Replica, make_engine
from terminal.offline.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    is_up_to_date,
    scan_head,
)
from tests.terminal.conftest import Till


def test_store_info_and_program_come_from_the_replica(till: Till) -> None:
    info = till.services.store.info()
    assert (info.store_code, info.name, info.currency) == ("S001", "Downtown", "CNY")
    assert info.language == "zh_CN"
    assert info.terminal_id == till.seed.terminal_id
    assert info.server_url == till.settings.server_url
    till.sync.set_server_url("https://sync.example.com")
    assert till.services.store.info().server_url == "https://sync.example.com"
    assert till.services.store.program().rule_version == 1


def test_store_info_of_a_fresh_replica(tmp_path: Path) -> None:
    from terminal.services import build_services

    settings = TerminalSettings(data_dir=tmp_path)
    with Replica(settings.replica_path) as replica:
        info = build_services(replica, settings).store.info()
    assert (info.store_code, info.terminal_id, info.server_url) == ("", "", settings.server_url)


def test_the_chosen_language_is_kept_per_terminal(till: Till) -> None:
    store = till.services.store
    assert store.language() is None
    store.set_language("en")
    till.replica.close()
    with Replica(till.settings.replica_path) as reopened:
        from terminal.services import build_services

        again = build_services(reopened, till.settings, credentials=till.credentials).store
        assert again.language() == "en"
        again.set_language(None)
        assert again.language() is None
        for bad in ("", "english!", "x" * 40):
            with pytest.raises(DomainError) as err:
                again.set_language(bad)
            assert err.value.code == "invalid_input"


def test_earn_preview_is_what_earn_awards_across_a_tier_change(till: Till) -> None:
    cashier = till.cashier()
    sales = till.services.sales
    member = till.services.enrollment.enroll(
        cashier, name="New", phone="13812345678", consent_marketing=False
    ).member  # no lifetime points yet
    # The default program: 1 point per 1.00; member x1 from 0, silver x1.25 from 1,000,
    # gold x1.5 from 5,000 lifetime points, the tier being the one before the sale.
    # 9 sales of 1,000.00: 1000 (0 -> 1000), four at silver (-> 6000), four at gold.
    expected = [1000, 1250, 1250, 1250, 1250, 1500, 1500, 1500, 1500]
    # then 123.45 at gold: 123 x 1.5 = 184.5 -> 184; 0.99 earns nothing; 1.00 earns 1
    expected += [184, 0, 1]
    for index, cents in enumerate([100_000] * 9 + [12_345, 99, 100]):
        preview = sales.earn_preview(member.member_id, cents)
        receipt = sales.earn(cashier, member.member_id, amount_cents=cents, sale_ref=f"P{index}")
        assert preview == receipt.points_delta == expected[index], index
    assert till.services.lookup.member(member.member_id).tier == "gold"
    for bad in (0, -5, "12"):
        with pytest.raises(DomainError) as err:
            sales.earn_preview(member.member_id, bad)  # type: ignore[arg-type]
        assert err.value.code == "invalid_amount"
    with pytest.raises(DomainError) as err:
        sales.earn_preview("00000000-0000-0000-0000-000000000000", 1_000)
    assert err.value.code == "unknown_member"


def test_the_text_scan_finds_the_same_head_as_alembic() -> None:
    assert scan_head() == ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head_revision() == "t20e"  # the newest migration (tier points)


def test_an_unreadable_versions_directory_is_not_trusted(tmp_path: Path) -> None:
    assert scan_head(tmp_path / "missing") is None
    (tmp_path / "a.py").write_text('revision = "a"\ndown_revision = None\n')
    (tmp_path / "b.py").write_text('revision = "b"\ndown_revision = None\n')  # two heads
    assert scan_head(tmp_path) is None
    (tmp_path / "b.py").write_text('revision = "b"\ndown_revision = "a"\n')
    assert scan_head(tmp_path) == "b"


def test_a_0004_replica_gains_the_language_column(tmp_path: Path) -> None:
    path = tmp_path / "replica.sqlite3"
    engine = make_engine(path)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0004")
        conn.exec_driver_sql("INSERT INTO terminal_state (id, next_member_counter, next_seq,"
                             " watermark, online) VALUES (1, 7, 3, 0, 0)")  # fmt: skip
    assert not is_up_to_date(engine)
    engine.dispose()
    with Replica(path) as replica:
        assert current_revision(replica.engine) == head_revision()
        assert replica.backup is not None
        with replica.engine.connect() as conn:
            row = conn.exec_driver_sql("SELECT next_seq, language FROM terminal_state").one()
        assert tuple(row) == (3, None)


def test_opening_an_up_to_date_replica_does_not_import_alembic(tmp_path: Path) -> None:
    path = tmp_path / "replica.sqlite3"
    Replica(path).close()
    code = (
        "import sys; from pathlib import Path; from terminal.offline.db import Replica; "
        f"Replica(Path({str(path)!r})).close(); print('alembic' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == "False"
