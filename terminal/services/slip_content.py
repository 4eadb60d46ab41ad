"""What a member slip says, composed from a transaction's facts: no Qt, no database.

``compose_slip(facts, wording)`` decides the lines and their order; ``SlipWording``
holds the words in one language (the UI fills it from its translation catalogue, so
this module carries no language of its own) and the money format. ``text_columns``
lays a slip out in the fixed columns of a receipt printer, counting a Chinese
character as two columns, as such printers print them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Literal

from shared.domain.business_day import store_zone
from shared.domain.money import Money
from shared.domain.program import LoyaltyProgram, Tier
from shared.domain.tier_progress import tier_progress


class SlipKind(StrEnum):
    """The transactions a member slip is printed for (by their event type)."""

    EARN = "points.earned"
    REDEEM = "points.redeemed"
    COUPON = "coupon.redeemed"
    VOID = "event.voided"
    ENROL = "member.enrolled"
    ADJUST = "points.adjusted"


@dataclass(frozen=True, slots=True)
class ExpiringPoints:
    """Points of the member that expire next, and on which day (store calendar). The
    ledger fills it; a slip without it has no expiry line."""

    points: int
    expires_on: date


@dataclass(frozen=True, slots=True)
class SlipFacts:
    """Everything a slip shows, read once from the replica right after the transaction."""

    kind: SlipKind
    occurred_at: datetime  # UTC; shown on the store's clock
    store_name: str
    store_code: str
    terminal_id: str
    currency: str
    timezone: str
    program: LoyaltyProgram
    member_name: str
    member_code: str
    points_delta: int  # what the transaction moved (negative: taken from the balance)
    balance: int  # after the transaction, with what is not yet synced
    lifetime_points: int  # after the transaction: the tier and its progress
    sale_ref: str | None = None
    amount_cents: int | None = None  # the sale's amount (earn, redeem)
    value_cents: int | None = None  # the discount: points' value or the coupon's
    voided_kind: SlipKind | None = None  # what a void reversed
    pending_points: int = 0  # of the balance, not yet confirmed by head office
    expiring: ExpiringPoints | None = None
    language: str | None = None  # the member's language, when the till knows it
    # a program whose tiers go by period (shared.domain.tier_rules): the tier held after
    # the transaction and the last day it is kept (None: not lost by time)
    tier_code: str = ""
    tier_until: date | None = None


def _iso_money(amount_cents: int, currency: str) -> str:
    return Money(amount_cents, currency).format()


@dataclass(frozen=True, slots=True)
class SlipWording:
    """The words of a slip in one language. Templates take ``%1``, ``%2`` like the
    UI's catalogue. The defaults are the English source texts."""

    language: str = "en"
    title_earn: str = "Points earned"
    title_redeem: str = "Points redeemed"
    title_coupon: str = "Coupon used"
    title_void: str = "Transaction voided"
    title_enrol: str = "Welcome to our loyalty program"
    title_adjust: str = "Points adjusted"
    time: str = "Time"
    receipt: str = "Receipt no."
    till: str = "Till"
    member: str = "Member"
    card: str = "Card no."
    sale: str = "Sale amount"
    earned: str = "Earned"
    redeemed: str = "Redeemed"
    discount: str = "Discount"
    coupon: str = "Coupon"
    voided: str = "Reversed"
    adjusted: str = "Adjusted"
    balance: str = "Balance"
    pending: str = "%1 of it not yet confirmed"
    tier: str = "Tier"
    to_next: str = "%1 to %2"
    top_tier: str = "Highest tier reached"
    tier_until: str = "Kept until %1"
    expiring: str = "%1 expire on %2"
    thanks: str = "Thank you!"
    points: str = "%1 pts"
    tier_names: Mapping[str, str] = field(default_factory=dict)  # program name -> shown
    money: Callable[[int, str], str] = _iso_money


LineStyle = Literal["title", "store", "rule", "strong", "normal", "note"]


@dataclass(frozen=True, slots=True)
class SlipLine:
    """One line: ``text`` on the left and ``value`` on the right (none: ``text`` alone)."""

    text: str
    value: str = ""
    style: LineStyle = "normal"


@dataclass(frozen=True, slots=True)
class Slip:
    language: str
    kind: SlipKind
    lines: tuple[SlipLine, ...]

    def plain_text(self, columns: int = 42) -> str:
        return "\n".join(text_columns(self, columns))


# The reference the till makes up when the cashier types none (``new_sale_ref``): not shown.
_GENERATED_REF = re.compile(r"T-[0-9A-F]{12}")


def _fill(template: str, *values: str) -> str:
    text = template
    for index, value in reversed(list(enumerate(values, start=1))):  # %10 before %1
        text = text.replace(f"%{index}", value)
    return text


def mask_member_code(code: str) -> str:
    """The card number as a slip shows it: its last four digits (``****1234``), in
    characters every receipt printer has."""
    return "****" + code[-4:] if len(code) > 4 else code


def tier_name(tier: Tier, wording: SlipWording) -> str:
    return tier.name_in(wording.language) or wording.tier_names.get(tier.name, tier.name)


def compose_slip(facts: SlipFacts, wording: SlipWording) -> Slip:
    """The slip of one transaction, in ``wording``'s language."""
    w = wording

    def pts(points: int, signed: bool = False) -> str:
        sign = "+" if signed and points > 0 else ""
        return _fill(w.points, f"{sign}{points:,}")

    def money(cents: int) -> str:
        return w.money(cents, facts.currency)

    local = facts.occurred_at.replace(tzinfo=facts.occurred_at.tzinfo or UTC)
    when = local.astimezone(store_zone(facts.timezone)).strftime("%Y-%m-%d %H:%M")
    titles = {
        SlipKind.EARN: w.title_earn,
        SlipKind.REDEEM: w.title_redeem,
        SlipKind.COUPON: w.title_coupon,
        SlipKind.VOID: w.title_void,
        SlipKind.ENROL: w.title_enrol,
        SlipKind.ADJUST: w.title_adjust,
    }
    lines = [
        SlipLine(facts.store_name or facts.store_code, style="store"),
        SlipLine(titles[facts.kind], style="title"),
        SlipLine(w.time, when),
    ]
    if facts.sale_ref and not _GENERATED_REF.fullmatch(facts.sale_ref):  # one the cashier typed
        lines.append(SlipLine(w.receipt, facts.sale_ref))
    if facts.terminal_id:
        lines.append(SlipLine(w.till, facts.terminal_id[:8]))
    lines += [
        SlipLine("", style="rule"),
        SlipLine(w.member, facts.member_name),
        SlipLine(w.card, mask_member_code(facts.member_code)),
        SlipLine("", style="rule"),
        *_movement(facts, w, pts, money),
        SlipLine(w.balance, pts(facts.balance), "strong"),
    ]
    if facts.pending_points > 0:  # earned here, not yet confirmed by head office
        lines.append(SlipLine(_fill(w.pending, pts(facts.pending_points)), style="note"))
    progress = tier_progress(facts.program, facts.lifetime_points)
    held = next((t for t in facts.program.tiers if t.code == facts.tier_code), None)
    if facts.program.rules_for_tiers.by_period and held is not None:
        # held by the points of a period: the tier and until when, not lifetime progress
        lines.append(SlipLine(w.tier, tier_name(held, w)))
        if facts.tier_until is not None:
            lines.append(SlipLine(_fill(w.tier_until, facts.tier_until.isoformat()), style="note"))
    elif progress.next_tier is None:
        lines.append(SlipLine(w.tier, tier_name(progress.tier, w)))
        lines.append(SlipLine(w.top_tier, style="note"))
    else:
        lines.append(SlipLine(w.tier, tier_name(progress.tier, w)))
        lines.append(
            SlipLine(
                _fill(w.to_next, pts(progress.points_to_next), tier_name(progress.next_tier, w)),
                style="note",
            )
        )
    if facts.expiring is not None and facts.expiring.points > 0:
        day = facts.expiring.expires_on.isoformat()
        lines.append(SlipLine(_fill(w.expiring, pts(facts.expiring.points), day), style="note"))
    lines += [SlipLine("", style="rule"), SlipLine(w.thanks, style="store")]
    return Slip(w.language, facts.kind, tuple(lines))


def _movement(
    facts: SlipFacts,
    w: SlipWording,
    pts: Callable[..., str],
    money: Callable[[int], str],
) -> list[SlipLine]:
    """The lines of what the transaction did."""
    lines: list[SlipLine] = []
    if facts.amount_cents is not None and facts.kind in (SlipKind.EARN, SlipKind.REDEEM):
        lines.append(SlipLine(w.sale, money(facts.amount_cents)))
    if facts.kind == SlipKind.EARN:
        lines.append(SlipLine(w.earned, pts(facts.points_delta, True), "strong"))
    elif facts.kind == SlipKind.REDEEM:
        lines.append(SlipLine(w.redeemed, pts(-facts.points_delta), "strong"))
        if facts.value_cents is not None:
            lines.append(SlipLine(w.discount, money(facts.value_cents)))
    elif facts.kind == SlipKind.COUPON:
        lines.append(SlipLine(w.coupon, money(-(facts.value_cents or 0)), "strong"))
    elif facts.kind == SlipKind.VOID:
        lines.append(SlipLine(w.voided, pts(facts.points_delta, True), "strong"))
    elif facts.kind == SlipKind.ADJUST:
        lines.append(SlipLine(w.adjusted, pts(facts.points_delta, True), "strong"))
    return lines


# --- fixed columns ---------------------------------------------------------------------


def display_width(text: str) -> int:
    """Columns ``text`` takes on a receipt printer: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _cut(text: str, columns: int) -> tuple[str, str]:
    """The longest head of ``text`` that fits ``columns``, and the rest."""
    used = 0
    for index, char in enumerate(text):
        used += display_width(char)
        if used > columns:
            return text[:index], text[index:]
    return text, ""


def _wrap(text: str, columns: int) -> list[str]:
    rows = []
    rest = text
    while rest:
        head, rest = _cut(rest, columns)
        if rest and " " in head and not rest.startswith(" "):  # break at a space when one is near
            keep, _, carry = head.rpartition(" ")
            if keep:
                head, rest = keep, carry + rest
        rows.append(head.rstrip())
        rest = rest.lstrip(" ")
    return rows or [""]


def _centre(text: str, columns: int) -> str:
    pad = max(columns - display_width(text), 0) // 2
    return " " * pad + text


def line_rows(line: SlipLine, columns: int) -> list[str]:
    """One slip line as printer rows of at most ``columns`` columns."""
    if line.style == "rule":
        return ["-" * columns]
    if line.style in ("title", "store", "note") and not line.value:
        return [_centre(row, columns) for row in _wrap(line.text, columns)]
    if not line.value:
        return _wrap(line.text, columns)
    gap = columns - display_width(line.text) - display_width(line.value)
    if gap >= 1:
        return [line.text + " " * gap + line.value]
    rows = _wrap(line.text, columns)
    value_rows = _wrap(line.value, columns)
    return rows + [" " * (columns - display_width(row)) + row for row in value_rows]


def text_columns(slip: Slip, columns: int) -> list[str]:
    """The whole slip as rows of at most ``columns`` columns."""
    return [row for line in slip.lines for row in line_rows(line, columns)]
