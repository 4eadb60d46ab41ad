"""The editor's mapping of the program's refusals to the form's inputs."""

from __future__ import annotations

from pydantic import ValidationError

from shared.domain.program import DEFAULT_PROGRAM, LoyaltyProgram
from sync_server.console import program_form


def _errors(**changes: object) -> dict[str, list[str]]:
    body = DEFAULT_PROGRAM.model_dump(mode="json") | changes
    try:
        LoyaltyProgram.model_validate(body)
    except ValidationError as error:
        return program_form.field_errors(error.errors())
    raise AssertionError("the program was accepted")


def test_each_refusal_names_an_input_of_the_form() -> None:
    tiers = DEFAULT_PROGRAM.model_dump(mode="json")["tiers"]
    tiers[2]["min_lifetime_points"] = 500
    # a program-wide check on the tiers, beside the threshold that breaks it
    assert list(_errors(tiers=tiers)) == ["tiers-2-min_lifetime_points"]
    promotion = {"code": "a", "name": "A", "kind": "bonus", "bonus_points": 5, "tiers": ["vip"]}
    assert list(_errors(promotions=[promotion])) == ["promotions-0-tiers"]
    limit = {**promotion, "tiers": [], "limit": {"times": 0, "per": "day"}}
    assert list(_errors(promotions=[limit])) == ["promotions-0-limit_times"]
    named = {**promotion, "tiers": [], "names": {"zh_CN": ""}}
    assert list(_errors(promotions=[named])) == ["promotions-0-names-zh_CN"]
    assert list(_errors(expiry_months="soon")) == ["expiry_months"]


def test_a_refusal_for_an_input_not_shown_goes_to_the_top_of_the_form() -> None:
    values = program_form.form_values(DEFAULT_PROGRAM.model_dump(mode="json"))
    errors = {"tiers-0-names-fr": ["too long"], "expiry_months": ["Enter 1 or more."]}
    shown = program_form.placed(errors, values, program_form.FORM_LANGUAGES)
    assert shown == {"": ["tiers-0-names-fr: too long"], "expiry_months": ["Enter 1 or more."]}


def test_the_difference_names_tiers_and_promotions_by_code() -> None:
    body = DEFAULT_PROGRAM.model_dump(mode="json")
    body["rule_version"] = 2
    body["tiers"][2]["multiplier_percent"] = 200
    changed = LoyaltyProgram.model_validate(body)
    changes = program_form.program_diff(DEFAULT_PROGRAM, changed)
    assert [(c.path, c.shown_before, c.shown_after) for c in changes] == [
        ("tiers[gold].multiplier_percent", "150", "200")
    ]
