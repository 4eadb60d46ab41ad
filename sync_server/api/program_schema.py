"""``GET /v1/program/schema``: the JSON schema of a loyalty program (docs/PROGRAM.md).

Head office's tools (and anyone writing a program file by hand) check a program against
it before publishing; the server still validates every field when one is published.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import APIRouter

from shared.domain.coupons import CouponTerms
from shared.domain.program import LoyaltyProgram

router = APIRouter(prefix="/v1")


@cache
def program_schema() -> dict[str, Any]:
    """The program's schema, per-currency units (``CurrencyUnits``) included, with the
    terms of a coupon (``$defs.CouponTerms``: what ``sync-server coupon issue --terms``
    reads) beside it."""
    schema = LoyaltyProgram.model_json_schema()
    schema["$id"] = "/v1/program/schema"
    terms = CouponTerms.model_json_schema()
    schema.setdefault("$defs", {}).update(terms.pop("$defs", {}))
    schema["$defs"]["CouponTerms"] = terms
    return schema


@router.get("/program/schema")
def get_program_schema() -> dict[str, Any]:
    """Extension (issue 16): the schema every published program follows. No token:
    it holds no data, only the shape."""
    return program_schema()
