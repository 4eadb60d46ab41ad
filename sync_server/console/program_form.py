"""The program editor's form: posted fields to a program dict, pydantic's errors back to
the input each names, the difference between two versions, and the earn preview.

Input names: ``earn_unit_cents`` for a scalar, ``tiers-0-code`` / ``tiers-0-names-zh_CN``
for a tier, ``promotions-1-multiplier`` / ``promotions-1-limit_times`` for a promotion.
The rules themselves stay in ``shared.domain``: this module only reshapes the form.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.domain.money import currency_exponent
from shared.domain.program import LoyaltyProgram
from shared.domain.promotions import EarnBreakdown
from shared.errors import ValidationFailed
from sync_server.console import i18n
from sync_server.console.i18n import N_, gettext

# The scalar settings of the form, by section (label keys are in the template).
EARN_FIELDS = ("earn_unit_cents", "points_per_unit", "max_sale_amount_cents")
REDEEM_FIELDS = (
    "redeem_points_unit",
    "redeem_value_cents_per_unit",
    "redeem_min_points",
    "redeem_max_sale_percent",
    "offline_daily_redeem_cap_points",
    "max_redeem_points",
    "max_member_daily_redeem_points",
)
EXPIRY_FIELDS = ("expiry_months",)
LIMIT_FIELDS = (
    "max_adjustment_points",
    "max_member_daily_adjustment_points",
    "manager_pin_length",
    "return_approval_cents",
)
SCALAR_FIELDS = EARN_FIELDS + REDEEM_FIELDS + EXPIRY_FIELDS + LIMIT_FIELDS
TIER_FIELDS = ("code", "name", "min_lifetime_points", "multiplier_percent")
TIER_INTS = {"min_lifetime_points", "multiplier_percent"}
FORM_LANGUAGES = ("en", "zh_CN")
PROMOTION_TEXT = ("code", "name", "kind", "multiplier", "starts_on", "ends_on")
PROMOTION_INTS = ("bonus_points", "min_sale_cents", "win_back_days")
PROMOTION_TIMES = ("from_time", "until_time")
PROMOTION_FLAGS = ("birthday_month", "welcome", "stacks")
PROMOTION_FIELDS = (
    *PROMOTION_TEXT,
    *PROMOTION_INTS,
    *PROMOTION_TIMES,
    *PROMOTION_FLAGS,
    "days_of_week",
    "stores",
    "tiers",
    "limit_times",
    "limit_per",
)
MAX_ROWS = 60


def _number(text: str) -> int | str:
    """An integer, or the text as typed (pydantic then names the field)."""
    try:
        return int(text.replace(",", "").replace(" ", ""))
    except ValueError:
        return text


def _count(form: Mapping[str, Any], name: str) -> int:
    value = _number(str(form.get(name) or "0"))
    return min(value, MAX_ROWS) if isinstance(value, int) and value > 0 else 0


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _values(form: Any, name: str) -> list[str]:
    getter = getattr(form, "getlist", None)
    values = getter(name) if getter else [form.get(name)] if form.get(name) else []
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def languages_of(program: LoyaltyProgram) -> tuple[str, ...]:
    """The languages the form asks names in: the console's, and any other the program
    already names a tier or promotion in (so an edit keeps them)."""
    named = {lang for tier in program.tiers for lang in tier.names}
    named |= {lang for promotion in program.promotions for lang in promotion.names}
    return FORM_LANGUAGES + tuple(sorted(named - set(FORM_LANGUAGES)))


def program_from_form(form: Any, base: LoyaltyProgram) -> dict[str, Any]:
    """The program the form describes, as a dict for ``LoyaltyProgram.model_validate``.
    Rows marked for removal are left out; fields the form does not show keep ``base``'s."""
    body: dict[str, Any] = base.model_dump(mode="json")
    languages = languages_of(base)
    body["rule_version"] = _number(_text(form, "rule_version"))
    body["name"] = _text(form, "name")
    for name in SCALAR_FIELDS:
        body[name] = _number(_text(form, name))
    tiers = []
    for i in range(_count(form, "tier_count")):
        prefix = f"tiers-{i}-"
        if _text(form, prefix + "remove"):
            continue
        tier: dict[str, Any] = {}
        for name in TIER_FIELDS:
            value = _text(form, prefix + name)
            tier[name] = _number(value) if name in TIER_INTS else value
        if not any(tier.values()):
            continue  # an added row left empty
        tier["names"] = {
            lang: _text(form, f"{prefix}names-{lang}")
            for lang in languages
            if _text(form, f"{prefix}names-{lang}")
        }
        tiers.append(tier)
    body["tiers"] = tiers
    promotions = []
    for i in range(_count(form, "promotion_count")):
        prefix = f"promotions-{i}-"
        if _text(form, prefix + "remove"):
            continue
        if not _text(form, prefix + "code") and not _text(form, prefix + "name"):
            continue  # an added row left empty
        promotion: dict[str, Any] = {"kind": _text(form, prefix + "kind") or "multiplier"}
        for name in PROMOTION_TEXT + PROMOTION_TIMES:
            value = _text(form, prefix + name)
            if value:
                promotion[name] = value
        for name in PROMOTION_INTS:
            value = _text(form, prefix + name)
            if value:
                promotion[name] = _number(value)
        for name in PROMOTION_FLAGS:
            promotion[name] = bool(_text(form, prefix + name))
        names = {
            lang: _text(form, f"{prefix}names-{lang}")
            for lang in languages
            if _text(form, f"{prefix}names-{lang}")
        }
        if names:
            promotion["names"] = names
        promotion["days_of_week"] = [_number(d) for d in _values(form, prefix + "days_of_week")]
        promotion["tiers"] = _values(form, prefix + "tiers")
        stores = _text(form, prefix + "stores")
        promotion["stores"] = [s.strip() for s in re.split(r"[,\s]+", stores) if s.strip()]
        times = _text(form, prefix + "limit_times")
        if times:
            promotion["limit"] = {
                "times": _number(times),
                "per": _text(form, prefix + "limit_per") or "day",
            }
        promotions.append(promotion)
    body["promotions"] = promotions
    return body


def form_values(program: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs' values for a program dict (published, or as posted): what the
    template fills in. Tiers and promotions keep their order."""
    values: dict[str, Any] = {
        name: program.get(name, "") for name in ("rule_version", "name", *SCALAR_FIELDS)
    }
    values["tiers"] = [
        {
            **{name: tier.get(name, "") for name in TIER_FIELDS},
            "names": dict(tier.get("names") or {}),
        }
        for tier in program.get("tiers") or ()
    ]
    promotions = []
    for promotion in program.get("promotions") or ():
        row = {name: promotion.get(name) for name in PROMOTION_FIELDS}
        for name in PROMOTION_TIMES:
            if isinstance(row[name], str):
                row[name] = row[name][:5]  # "18:00:00" as the time input shows it
        row["names"] = dict(promotion.get("names") or {})
        limit = promotion.get("limit") or {}
        row["limit_times"] = limit.get("times", "")
        row["limit_per"] = limit.get("per", "day")
        row["days_of_week"] = [str(d) for d in promotion.get("days_of_week") or ()]
        row["tiers"] = list(promotion.get("tiers") or ())
        row["stores"] = ", ".join(promotion.get("stores") or ())
        promotions.append(row)
    values["promotions"] = promotions
    return values


_LEADING_PATH = re.compile(r"^(promotions|tiers)(?:\[(\d+)\])?(?:\.(\w+))?:\s*")
_PROMOTION_FIELD = re.compile(r"^promotion '[^']*': (\w+)\b")


def input_name(loc: Iterable[Any], message: str = "") -> str:
    """The form input an error belongs to: pydantic's ``loc`` (``("tiers", 0, "code")``)
    or, for a program-wide check, the path its message starts with
    (``"promotions[0].tiers: ..."``). ``""`` is the form as a whole."""
    parts = list(loc)
    if not parts:
        match = _LEADING_PATH.match(message)
        if not match:
            return "tiers" if "tier" in message else ""
        section, index, name = match.groups()
        parts = [section] + ([int(index)] if index else []) + ([name] if name else [])
    head = parts[0]
    if head not in ("tiers", "promotions") or len(parts) == 1:
        return str(head)
    index = parts[1]
    rest = [str(p) for p in parts[2:]]
    if head == "promotions" and not rest:
        found = _PROMOTION_FIELD.match(message)
        if found and found.group(1) in PROMOTION_FIELDS:
            rest = [found.group(1)]
    if not rest:
        return f"{head}-{index}"
    if rest[0] == "names" and len(rest) > 1:
        return f"{head}-{index}-names-{rest[1]}"
    if rest[0] == "limit":
        return f"{head}-{index}-limit_" + (rest[1] if len(rest) > 1 else "times")
    return f"{head}-{index}-{rest[0]}"


# pydantic's commonest refusals, in the page's language (others keep pydantic's words).
_MESSAGES = {
    "missing": N_("This field is required."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "decimal_parsing": N_("Enter a number, e.g. 1.5."),
    "greater_than_equal": N_("Enter %(ge)s or more."),
    "greater_than": N_("Enter more than %(gt)s."),
    "less_than_equal": N_("Enter %(le)s or less."),
    "string_too_short": N_("This field is required."),
    "string_too_long": N_("At most %(max_length)s characters."),
    "string_pattern_mismatch": N_("Use letters, digits, dots, dashes or underscores only."),
    "date_from_datetime_parsing": N_("Enter a date."),
    "time_parsing": N_("Enter a time of day, e.g. 18:00."),
    "decimal_max_places": N_("At most %(decimal_places)s decimal places."),
}


class Untranslated(str):
    """A message in the program's own words (English): the page marks it so."""

    __slots__ = ()
    untranslated = True


def _message(error: Mapping[str, Any]) -> str:
    template = _MESSAGES.get(str(error.get("type", "")))
    if template is None:
        return Untranslated(str(error.get("msg", "")).removeprefix("Value error, "))
    context = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    try:
        return i18n._(template, **context) if "%(" in template else i18n._(template)
    except (KeyError, ValueError):
        return Untranslated(str(error.get("msg", "")))


def field_errors(errors: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """pydantic's ``errors()`` grouped by the input each names, in the page's language
    where the refusal is a common one (call inside ``i18n.using``)."""
    found: dict[str, list[str]] = {}
    for error in errors:
        message = _message(error)
        raw = str(error.get("msg", "")).removeprefix("Value error, ")
        name = input_name(error.get("loc", ()), raw)
        found.setdefault(name, []).append(message)
    return found


def placed(
    errors: dict[str, list[str]], values: Mapping[str, Any], languages: Iterable[str]
) -> dict[str, list[str]]:
    """``errors`` with any whose input the form does not show moved to the form as a
    whole (``""``), each prefixed with the input's name, so that none is lost."""
    shown = {"", "rule_version", "name", "tiers", "promotions", *SCALAR_FIELDS}
    for section, fields, count in (
        ("tiers", TIER_FIELDS, len(values.get("tiers") or ())),
        ("promotions", PROMOTION_FIELDS, len(values.get("promotions") or ())),
    ):
        for i in range(count):
            shown.add(f"{section}-{i}")
            shown.update(f"{section}-{i}-{name}" for name in fields)
            shown.update(f"{section}-{i}-names-{lang}" for lang in languages)
    result: dict[str, list[str]] = {}
    for name, messages in errors.items():
        if name in shown:
            result.setdefault(name, []).extend(messages)
        else:
            result.setdefault("", []).extend(Untranslated(f"{name}: {m}") for m in messages)
    return result


def _flatten(value: Any, path: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        for index, item in enumerate(value):
            label = item.get("code", index)
            _flatten(item, f"{path}[{label}]", out)
    else:
        out[path] = value


def shown(value: Any) -> str:
    """A setting's value as JSON would write it (the fallback for an unknown setting)."""
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


# What the review calls each setting (the form's own labels), by its last path part.
FIELD_LABELS: dict[str, str] = {
    "name": N_("Name"),
    "earn_unit_cents": N_("Spend per earn unit"),
    "points_per_unit": N_("Points per earn unit"),
    "max_sale_amount_cents": N_("Largest sale accepted"),
    "redeem_points_unit": N_("Points per redemption unit"),
    "redeem_value_cents_per_unit": N_("Value of a redemption unit"),
    "redeem_min_points": N_("Fewest points a member may redeem"),
    "redeem_max_sale_percent": N_("Most of a sale paid with points (%)"),
    "offline_daily_redeem_cap_points": N_("Daily redemption cap while a till is offline (points)"),
    "max_redeem_points": N_("Largest redemption without review (points)"),
    "max_member_daily_redeem_points": N_(
        "One member's redemptions per day without review (points)"
    ),
    "expiry_months": N_("Points expire after (months)"),
    "max_adjustment_points": N_("Largest manager adjustment (points)"),
    "max_member_daily_adjustment_points": N_("One member's adjustments per day (points)"),
    "manager_pin_length": N_("Manager PIN length"),
    "return_approval_cents": N_("Returns above this need a manager"),
    "code": N_("Code"),
    "min_lifetime_points": N_("Lifetime points from"),
    "multiplier_percent": N_("Multiplier (%)"),
    "kind": N_("Kind"),
    "multiplier": N_("Multiplier"),
    "bonus_points": N_("Bonus points"),
    "min_sale_cents": N_("Minimum sale"),
    "starts_on": N_("From date"),
    "ends_on": N_("Until date"),
    "days_of_week": N_("Days of the week"),
    "from_time": N_("From time of day"),
    "until_time": N_("Until time of day"),
    "stores": N_("Only at stores"),
    "tiers": N_("Only for tiers"),
    "birthday_month": N_("In the member's birthday month"),
    "welcome": N_("First purchase after enrolment"),
    "win_back_days": N_("Member not seen for at least (days)"),
    "stacks": N_("Stacks with other promotions"),
    "limit.times": N_("At most (times per member)"),
    "limit.per": N_("per"),
    "limit": N_("Trigger limit"),
}
MONEY_FIELDS = frozenset(
    {
        "earn_unit_cents",
        "max_sale_amount_cents",
        "redeem_value_cents_per_unit",
        "return_approval_cents",
        "min_sale_cents",
    }
)
CHOICES: dict[str, dict[str, str]] = {
    "kind": {"multiplier": N_("Points multiplier"), "bonus": N_("Fixed bonus points")},
    "limit.per": {
        "day": N_("day"),
        "week": N_("week"),
        "month": N_("month"),
        "program": N_("as long as the program runs"),
    },
}
LANGUAGE_NAMES = {"en": N_("English"), "zh_CN": N_("Simplified Chinese")}
_PATH = re.compile(r"^(?:(tiers|promotions)\[([^\]]*)\]\.)?(.+)$")


@dataclass(frozen=True, slots=True)
class Change:
    path: str
    before: Any
    after: Any

    @property
    def shown_before(self) -> str:
        return shown(self.before)

    @property
    def shown_after(self) -> str:
        return shown(self.after)


@dataclass(frozen=True, slots=True)
class ShownChange:
    """One difference as the review page shows it, in the page's language: where
    (``section``: "Tier" or "Promotion", with ``code``, which is data), what (``label``)
    and the values written for people (yes/no, weekday names, money, dates)."""

    section: str
    code: str
    label: str
    before: str
    after: str
    path: str
    data: bool  # the values are data (names, codes), not words of the page


DATA_SETTINGS = frozenset({"name", "code", "stores", "tiers"})


def _setting(path: str) -> tuple[str, str, str]:
    """("tiers" | "promotions" | "", the row's code, the setting's path in the row)."""
    found = _PATH.match(path)
    assert found is not None
    return found.group(1) or "", found.group(2) or "", found.group(3)


def _label(setting: str) -> str:
    if setting.startswith("names."):
        language = setting.partition(".")[2]
        named = LANGUAGE_NAMES.get(language)
        return gettext(N_("Name in %(language)s")) % {
            "language": gettext(named) if named else language
        }
    known = FIELD_LABELS.get(setting)
    return gettext(known) if known else setting


def human(setting: str, value: Any, currency: str, day_names: Sequence[str]) -> str:
    """``value`` of ``setting`` as the page's locale writes it."""
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext(N_("yes")) if value else gettext(N_("no"))
    if setting in CHOICES and isinstance(value, str):
        known = CHOICES[setting].get(value)
        return gettext(known) if known else value
    if setting == "days_of_week" and isinstance(value, list):
        return ", ".join(
            day_names[d - 1] if isinstance(d, int) and 1 <= d <= 7 else str(d) for d in value
        )
    if setting in MONEY_FIELDS and isinstance(value, int):
        return i18n.money(value, currency)
    if setting in ("starts_on", "ends_on") and isinstance(value, str):
        return i18n.day(value)
    if isinstance(value, int):
        return i18n.number(value)
    if setting == "multiplier" and isinstance(value, str | float):
        try:
            return i18n.number(Decimal(str(value)))
        except InvalidOperation:
            return str(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return shown(value)


def shown_changes(
    changes: Sequence[Change], currency: str, day_names: Sequence[str]
) -> list[ShownChange]:
    """The review's rows (call it with the page's language in force, ``i18n.using``)."""
    rows = []
    for change in changes:
        section, code, setting = _setting(change.path)
        title = {"tiers": gettext(N_("Tier")), "promotions": gettext(N_("Promotion"))}.get(
            section, ""
        )
        rows.append(
            ShownChange(
                section=title,
                code=code,
                label=_label(setting),
                before=human(setting, change.before, currency, day_names),
                after=human(setting, change.after, currency, day_names),
                path=change.path,
                data=setting in DATA_SETTINGS or setting.startswith("names."),
            )
        )
    return rows


def program_diff(current: LoyaltyProgram, proposed: LoyaltyProgram) -> list[Change]:
    """Every setting that differs, by path (tiers and promotions named by code)."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    _flatten(current.model_dump(mode="json", exclude={"rule_version"}), "", before)
    _flatten(proposed.model_dump(mode="json", exclude={"rule_version"}), "", after)
    paths = list(before) + [p for p in after if p not in before]
    return [
        Change(path, before.get(path), after.get(path))
        for path in paths
        if before.get(path) != after.get(path)
        and {repr(before.get(path)), repr(after.get(path))} != {"[]", "None"}  # a list's rows
    ]


@dataclass(frozen=True, slots=True)
class Preview:
    amount_cents: int
    currency: str
    tier_name: str
    weekday: int
    breakdown: EarnBreakdown


def amount_cents(text: str, currency: str) -> int | None:
    """ "128.00" in ``currency``'s minor units; None when it is not a positive amount."""
    try:
        amount = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        return None
    cents = amount.scaleb(currency_exponent(currency))
    if not amount.is_finite() or amount <= 0 or cents != cents.to_integral_value():
        return None
    return int(cents)


def preview(
    program: LoyaltyProgram,
    cents: int,
    currency: str,
    tier_code: str,
    weekday: int,
    *,
    today: date,
    language: str,
    store_code: str = "",
) -> Preview:
    """What a sale of ``cents`` earns at ``tier_code`` at noon on the next ``weekday``
    (ISO, 1 Monday) from ``today``, with the shared earn rules and promotions."""
    tier = next((t for t in program.tiers if t.code == tier_code), program.tiers[-1])
    day = today + timedelta(days=(weekday - today.isoweekday()) % 7)
    breakdown = program.earn_breakdown(
        cents,
        tier.min_lifetime_points,
        local_time=datetime.combine(day, time(12, 0)),
        store_code=store_code,
        language=language,
    )
    return Preview(cents, currency, tier.name_in(language) or tier.name, weekday, breakdown)


def effective_from(text: str, time_zone: str) -> datetime | None:
    """The publish form's "effective from" (``YYYY-MM-DDTHH:MM`` in the chain's time
    zone) as an aware moment; None when left empty (at once)."""
    text = text.strip()
    if not text:
        return None
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            "The effective time is a date and a time.", code="invalid_effective_from"
        ) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=i18n.zone(time_zone))
    return local


def chosen_stores(form: Any) -> list[str] | None:
    """None: every store; else the stores ticked (refused later when none is)."""
    if form.get("scope", "all") != "stores":
        return None
    return [str(code) for code in form.getlist("stores")]
