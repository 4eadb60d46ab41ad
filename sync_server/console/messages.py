"""What the console says when something is refused: one translated sentence per error
code (the services' English ``message`` is the fallback for a code not listed here).
``%(name)s`` placeholders are filled from the error's ``params``."""

from __future__ import annotations

from shared.errors import DomainError
from sync_server.console.i18n import N_, gettext

ERRORS: dict[str, str] = {
    "account_exists": N_("An account with this name exists."),
    "already_rolled_out": N_("This rule version already reaches those stores."),
    "effective_from_past": N_(
        "The effective time must be in the future; leave it empty to publish at once."
    ),
    "invalid_effective_from": N_("The effective time is a date and a time."),
    "no_stores_chosen": N_("Choose at least one store, or every store."),
    "unknown_rule_version": N_("There is no such rule version."),
    "cannot_change_self": N_("You cannot disable your own account or change its role."),
    "confirmation_required": N_("Type the member code to confirm the erasure."),
    "csrf_refused": N_(
        "The form is missing its security token or came from another site; reload the page and try again."
    ),
    "forbidden": N_("Your role may not do this."),
    "invalid_amount": N_("The amount must be more than zero."),
    "invalid_birthday": N_("The birthday is a date (YYYY-MM-DD) in the past."),
    "invalid_closing_time": N_("The closing time is HH:MM (00:00 to 23:59)."),
    "invalid_currency": N_("The currency is a three-letter ISO code such as CNY."),
    "invalid_cursor": N_("This page link is out of date; start from the first page."),
    "invalid_date": N_("A date is written YYYY-MM-DD (for example 2026-12-01)."),
    "invalid_days": N_("The number of days is out of range."),
    "invalid_event_type": N_("Choose at least one event type."),
    "invalid_email": N_("The e-mail address is not valid."),
    "invalid_language": N_("Choose English or Simplified Chinese."),
    "invalid_month": N_("The month is 1 to 12."),
    "invalid_name": N_("The name is missing or not valid."),
    "invalid_number": N_("Enter a whole number."),
    "invalid_phone": N_("The phone number is not valid for the store's region."),
    "invalid_pin": N_("The PIN must be digits only."),
    "invalid_pin_length": N_("A PIN for this role is %(min_length)s to %(max_length)s digits."),
    "invalid_range": N_("The first day of the range is after its last day."),
    "invalid_range_length": N_("A range is at most %(days)s days."),
    "invalid_program": N_("This is not a valid loyalty program: %(detail)s"),
    "invalid_region": N_("The phone region is two capital letters, such as CN."),
    "invalid_store_region": N_("A region is at most 64 characters."),
    "invalid_request": N_("Something in the address is out of range or malformed."),
    "invalid_role": N_("Choose one of the roles offered."),
    "invalid_staff_code": N_("A staff code is 1 to 32 letters, digits, '-' or '_'."),
    "invalid_url": N_("The address must start with https:// or http://."),
    "invalid_store_code": N_("A store code is 1 to 32 letters, digits, '-' or '_'."),
    "invalid_timezone": N_("Unknown time zone; use a name such as Asia/Shanghai."),
    "invalid_rate": N_("The rate is 1 to 1,000,000 requests a minute."),
    "invalid_scope": N_("Choose at least one scope."),
    "invalid_title": N_("The coupon needs a title."),
    "not_found": N_("Nothing was found here."),
    "merge_code_required": N_("Enter the code of the member to merge into this one."),
    "merge_reason_required": N_("Say why these members are merged (at least 4 characters)."),
    "merge_same": N_("A member cannot be merged into itself."),
    "member_erased": N_("This member was erased and cannot be merged."),
    "member_merged": N_("This member was already merged into another member."),
    "nothing_changed": N_("Nothing was changed."),
    "passwords_differ": N_("The two passwords differ."),
    "program_version_exists": N_("The rule version must be newer than the current %(current)s."),
    "reason_required": N_("Say why you need this (at least 4 characters)."),
    "sign_in_failed": N_("Wrong name or password."),
    "sign_in_throttled": N_("Too many failed sign-ins; try again in %(retry_after)s seconds."),
    "staff_exists": N_("A staff member with this code exists."),
    "store_exists": N_("A store with this code exists."),
    "store_has_terminals": N_("Revoke this store's terminals before you deactivate it."),
    "store_inactive": N_("This store is deactivated."),
    "terminal_already_paired": N_("This terminal is paired already."),
    "unknown_delivery": N_("There is no such delivery."),
    "unknown_endpoint": N_("There is no such webhook endpoint."),
    "unknown_key": N_("There is no such API key."),
    "unknown_account": N_("There is no such account."),
    "unknown_member": N_("There is no such member."),
    "unknown_staff": N_("There is no such staff member."),
    "unknown_store": N_("There is no such store."),
    "unknown_region": N_("There is no such region."),
    "unknown_terminal": N_("There is no such terminal."),
    "weak_password": N_("A password has at least 12 characters."),
}


def error_text(error: DomainError) -> str:
    """The error in the page's language."""
    key = error.code
    if key == "invalid_pin" and "min_length" in error.params:
        key = "invalid_pin_length"
    template = ERRORS.get(key)
    if template is None:
        return error.message
    try:
        return gettext(template) % error.params if "%(" in template else gettext(template)
    except (KeyError, ValueError, TypeError):
        return error.message
