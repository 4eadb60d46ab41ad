"""Words the pages show for stored codes (roles, statuses, event types): translated;
an unknown code is shown as it is (it is data then)."""

from __future__ import annotations

from sync_server.console.i18n import N_, gettext

LABELS: dict[str, dict[str, str]] = {
    "role": {
        "admin": N_("administrator"),
        "support": N_("support"),
        "auditor": N_("auditor"),
        "cashier": N_("cashier"),
        "manager": N_("manager"),
    },
    "day": {
        "matched": N_("matched"),
        "pending": N_("pending"),
        "mismatch": N_("mismatch"),
        "unclosed": N_("not closed"),
    },
    "member": {
        "active": N_("active"),
        "erased": N_("erased"),
    },
    "event_status": {
        "accepted": N_("accepted"),
        "rejected": N_("rejected"),
        "duplicate": N_("duplicate"),
    },
    "coupon": {
        "available": N_("available"),
        "redeemed": N_("redeemed"),
        "expired": N_("expired"),
        "void": N_("void"),
    },
    "event": {
        "member.enrolled": N_("enrolment"),
        "member.updated": N_("profile update"),
        "points.earned": N_("points earned"),
        "points.redeemed": N_("points redeemed"),
        "points.adjusted": N_("points adjusted"),
        "points.expired": N_("points expired"),
        "coupon.redeemed": N_("coupon redeemed"),
        "event.voided": N_("void"),
        "member.card_replaced": N_("card replaced"),
        "sale.returned": N_("sale returned"),
        "member.tier_changed": N_("tier changed"),
    },
    "delivery": {
        "failing": N_("failing"),
        "dead": N_("dead-lettered"),
        "pending": N_("waiting"),
        "delivered": N_("delivered"),
        "all": N_("all"),
    },
    "language": {
        "en": N_("English"),
        "zh_CN": N_("Simplified Chinese"),
    },
    "field": {
        "name": N_("name"),
        "phone": N_("phone"),
        "email": N_("e-mail"),
        "birthday": N_("birthday"),
        "consent_marketing": N_("marketing consent"),
    },
}


def label(kind: str, code: str | None) -> str:
    if code is None:
        return ""
    found = LABELS.get(kind, {}).get(code)
    return gettext(found) if found is not None else code
