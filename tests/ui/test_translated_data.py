"""Names that come as data are shown in the UI's language where the data has them (tier
names of the program), and Qt's own dialogs speak the UI's language too."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from shared.domain.program import DEFAULT_PROGRAM, Tier
from terminal.ui.formatting import tier_label
from tests.ui.conftest import UiTill
from tests.ui.test_manager import show_member
from tests.ui.test_till import sign_in


def _program_with_names(**names: dict[str, str]):
    tiers = tuple(
        Tier.model_validate({**t.model_dump(), "names": names.get(t.code, {})})
        for t in DEFAULT_PROGRAM.tiers
    )
    return DEFAULT_PROGRAM.model_copy(update={"tiers": tiers, "rule_version": 2})


def test_tier_badge_and_card_follow_the_language(qtbot: QtBot, till: UiTill) -> None:
    window = till.window
    names = {"zh_CN": "白银会员", "en": "Silver"}
    window.session.set_store(window.session.store, _program_with_names(silver=names))
    sign_in(qtbot, till)
    show_member(qtbot, till, 0)
    badge = window.checkout.panel.tier_badge
    assert window.checkout.member.tier == "silver"
    assert badge.text() == "Silver"
    window.set_language("zh_CN")
    qtbot.waitUntil(lambda: badge.text() == "白银会员")  # head office's name, not "银卡"
    window.card.show_member(window.checkout.member)
    assert window.card.card.canvas.card.tier_name == "白银会员"
    window.set_language("en")
    qtbot.waitUntil(lambda: badge.text() == "Silver")
    assert window.card.card.canvas.card.tier_name == "Silver"


def test_programs_without_names_fall_back_to_the_catalogue(qtbot: QtBot, till: UiTill) -> None:
    bare = _program_with_names()  # published before tiers had names per language
    till.window.set_language("zh_CN")
    assert tier_label(bare, "gold") == "金卡"
    assert tier_label(DEFAULT_PROGRAM, "silver") == "银卡"
    renamed = bare.model_copy(
        update={"tiers": (*bare.tiers[:2], bare.tiers[2].model_copy(update={"name": "VIP"}))}
    )
    assert tier_label(renamed, "gold") == "VIP"  # no translation of head office's own name
    assert tier_label(bare, "platinum") == "platinum"
    till.window.set_language("en")
    assert tier_label(bare, "gold") == "Gold"


def test_qt_dialogs_are_translated(qtbot: QtBot, till: UiTill) -> None:
    from PySide6.QtCore import QCoreApplication

    till.window.set_language("zh_CN")
    assert QCoreApplication.translate("QFileDialog", "Look in:") == "查找范围："
    assert QCoreApplication.translate("QFileDialog", "Files of type:") == "文件类型："
    till.window.set_language("en")
    assert QCoreApplication.translate("QFileDialog", "Look in:") == "Look in:"


def test_no_space_after_a_chinese_full_stop(qtbot: QtBot, till: UiTill) -> None:
    from shared.errors import RuleViolation
    from terminal.ui.messages import error_message

    till.window.set_language("zh_CN")
    cap = RuleViolation("cap", code="exceeds_sale_cap", percent=50, cap_cents=1800, max_points=1800)
    text = error_message(cap, "CNY")
    assert "。目前最多可兑换" in text
    assert "。 " not in text
    till.window.set_language("en")
    assert "(¥18.00). At most" in error_message(cap, "CNY")  # English keeps its space
