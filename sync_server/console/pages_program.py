"""The program editor: a form for the next rule version, its errors next to their
inputs, an earn preview with the shared rules, and the difference from the published
version shown before publishing (the confirm step posts to ``POST /console/program``,
which also takes the raw JSON of the "advanced" view)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Annotated, Any

from babel.dates import get_day_names
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from shared.domain.program import LoyaltyProgram
from shared.errors import ValidationFailed
from sync_server.console import i18n, program_form
from sync_server.console.deps import (
    ConsoleRoute,
    allowed,
    checked_form,
    console,
    field,
    page_language,
    render,
    store_zones,
)
from sync_server.services.accounts import Principal

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
PREVIEW_CURRENCIES = ("CNY", "HKD", "USD", "EUR", "JPY")
DEFAULT_PREVIEW = {"amount": "128.00", "currency": "", "tier": "", "weekday": "2"}


def _day_names(request: Request) -> list[str]:
    """Monday to Sunday in the page's language."""
    names = get_day_names("wide", locale=i18n.locale_of(page_language(request)))
    return [str(names[d]) for d in range(7)]


def _currencies(request: Request) -> list[str]:
    """The stores' currencies, the commonest first, then the usual others."""
    stores = console(request).admin.stores()
    counted = Counter(store.currency for store in stores if store.active)
    ranked = [currency for currency, _n in counted.most_common()]
    return ranked + [c for c in PREVIEW_CURRENCIES if c not in ranked]


def _preview_inputs(source: Any, currencies: list[str]) -> dict[str, str]:
    chosen = {}
    for key, default in DEFAULT_PREVIEW.items():
        value = source.get(f"preview_{key}")
        chosen[key] = value.strip() if isinstance(value, str) and value.strip() else default
    if chosen["currency"] not in currencies:  # nothing chosen: the stores' commonest
        chosen["currency"] = currencies[0]
    if chosen["weekday"] not in {str(d) for d in range(1, 8)}:
        chosen["weekday"] = "2"
    return chosen


def _preview(
    program: LoyaltyProgram | None, inputs: dict[str, str], language: str
) -> tuple[program_form.Preview | None, str]:
    """The preview of ``program`` for the chosen sale, or the error that prevents one."""
    if program is None:
        return None, ""
    cents = program_form.amount_cents(inputs["amount"], inputs["currency"])
    if cents is None or cents > program.max_sale_amount_cents:
        return None, "preview_amount"
    tier = inputs["tier"] or program.tiers[-1].code
    result = program_form.preview(
        program,
        cents,
        inputs["currency"],
        tier,
        int(inputs["weekday"]),
        today=datetime.now(UTC).date(),
        language=language,
    )
    return result, ""


def _versions(request: Request) -> tuple[list[Any], str, list[Any]]:
    stores = [store for store in console(request).admin.stores() if store.active]
    return console(request).admin.program_versions(), store_zones(stores)[None], stores


def _editor(
    request: Request,
    values: dict[str, Any],
    *,
    current: LoyaltyProgram,
    program: LoyaltyProgram | None,
    errors: dict[str, list[str]] | None = None,
    inputs: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    currencies = _currencies(request)
    inputs = inputs or _preview_inputs({}, currencies)
    shown, preview_error = _preview(program, inputs, page_language(request))
    versions, chain_zone, stores = _versions(request)
    return render(
        request,
        "program.html",
        status_code=status_code,
        versions=versions,
        chain_zone=chain_zone,
        stores=stores,
        current=current,
        values=values,
        errors=errors or {},
        form_languages=program_form.languages_of(current),
        preview=shown,
        preview_error=preview_error,
        preview_inputs=inputs,
        currencies=currencies,
        day_names=_day_names(request),
        draft=current.model_copy(update={"rule_version": current.rule_version + 1}).model_dump_json(
            indent=2
        ),
    )


@router.get("/program")
def program_page(
    request: Request, who: Annotated[Principal, Depends(allowed("view_program"))]
) -> Response:
    current = console(request).admin.current_program()
    values = program_form.form_values(current.model_dump(mode="json"))
    values["rule_version"] = current.rule_version + 1
    inputs = _preview_inputs(request.query_params, _currencies(request))
    return _editor(request, values, current=current, program=current, inputs=inputs)


@router.post("/program/edit")
async def edit_program(
    request: Request, who: Annotated[Principal, Depends(allowed("publish_program"))]
) -> Response:
    """One step of the form: add a row, preview, or review (validate and show the
    difference from the published version, with the button that publishes)."""
    form = await checked_form(request, who)
    action = form.get("action")
    current = console(request).admin.current_program()
    body = program_form.program_from_form(form, current)
    if action == "back":  # from the review: the proposed version, to edit further
        try:
            body = json.loads(field(form, "program"))
        except ValueError:
            body = current.model_dump(mode="json")
    values = program_form.form_values(body)
    if action == "add_tier":
        values["tiers"].append({"names": {}})
    elif action == "add_promotion":
        values["promotions"].append({"kind": "multiplier", "names": {}, "limit_per": "day"})
    inputs = _preview_inputs(form, _currencies(request))
    try:
        program = LoyaltyProgram.model_validate(body)
    except ValidationError as error:
        with i18n.using(page_language(request)):
            errors = program_form.placed(
                program_form.field_errors(error.errors()),
                values,
                program_form.languages_of(current),
            )
        status = 200 if action in ("add_tier", "add_promotion") else 422
        return _editor(
            request,
            values,
            current=current,
            program=None,
            errors=errors if status == 422 else {},
            inputs=inputs,
            status_code=status,
        )
    if action != "review":
        return _editor(request, values, current=current, program=program, inputs=inputs)
    newer = program.rule_version > current.rule_version
    shown, _error = _preview(program, inputs, page_language(request))
    stores = [store for store in console(request).admin.stores() if store.active]
    with i18n.using(page_language(request)):
        changes = program_form.shown_changes(
            program_form.program_diff(current, program),
            _currencies(request)[0],
            _day_names(request),
        )
    return render(
        request,
        "program_review.html",
        status_code=200 if newer else 422,
        current=current,
        proposed=program,
        changes=changes,
        stores=stores,
        chain_zone=store_zones(stores)[None],
        newer=newer,
        preview=shown,
        preview_inputs=inputs,
        proposed_json=program.model_dump_json(),
        day_names=_day_names(request),
    )


@router.post("/program/rollout")
async def roll_out_program(
    request: Request, who: Annotated[Principal, Depends(allowed("publish_program"))]
) -> Response:
    """Widen a published version (staged at some stores, or scheduled) to more stores or
    to every store, at once or from a time."""
    form = await checked_form(request, who)
    try:
        version = int(field(form, "rule_version"))
    except ValueError:
        raise ValidationFailed("Enter a whole number.", code="invalid_number") from None
    services = console(request)
    _versions_list, chain_zone, _stores = _versions(request)
    start = program_form.effective_from(field(form, "effective_from"), chain_zone)
    stores = program_form.chosen_stores(form)
    services.admin.roll_out(version, effective_from=start, stores=stores, actor=who.name)
    services.accounts.audit(
        who.name,
        "program.rollout",
        f"rule_version {version}",
        detail=json.dumps(
            {
                "stores": stores or "all",
                "effective_from": start.isoformat() if start else None,
            }
        ),
    )
    return RedirectResponse("/console/program?published=1", status_code=303)
