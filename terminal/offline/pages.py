"""Pages of pulled changes as the terminal reads them.

Member and coupon upserts, nearly all of a bootstrap, are typed in the same pass that
parses the JSON (``PulledPage.model_validate_json``): each is validated once, into a
plain dict of the protocol's one description (``MemberFields``, ``CouponFields``),
instead of into a generic ``Change`` and then again into a model. Everything else (deletes, staff, programs, entities this release does
not know) stays a generic ``Change``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator
from typing_extensions import TypedDict  # pydantic needs this one on Python 3.11

from shared.protocol import Change, CouponFields, MemberFields, PushResponse


class MemberUpsert(TypedDict):
    entity: Literal["member"]
    op: Literal["upsert"]
    id: str
    version: int
    data: MemberFields


class CouponUpsert(TypedDict):
    entity: Literal["coupon"]
    op: Literal["upsert"]
    id: str
    version: int
    data: CouponFields


# Tried in order: a member or coupon upsert whose data does not validate would fall
# through to ``Change``; PulledPage refuses that below, with the precise error.
PulledChange = Annotated[MemberUpsert | CouponUpsert | Change, Field(union_mode="left_to_right")]
_UPSERTS: dict[str, TypeAdapter[Any]] = {
    "member": TypeAdapter(MemberUpsert),
    "coupon": TypeAdapter(CouponUpsert),
}
_CHANGES: TypeAdapter[list[PulledChange]] = TypeAdapter(list[PulledChange])


def _check_typed(changes: list[PulledChange]) -> list[PulledChange]:
    for index, change in enumerate(changes):
        if isinstance(change, Change) and change.op == "upsert" and change.entity in _UPSERTS:
            try:  # raises the error of the typed shape, not of the generic fallback
                _UPSERTS[change.entity].validate_python(change.model_dump())
            except ValidationError as exc:
                raise ValueError(
                    f"change {index} ({change.entity} {change.id}): "
                    f"{exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}"
                ) from exc
    return changes


class PulledPage(BaseModel):
    """``ChangesResponse`` (PROTOCOL.md) with its upserts typed."""

    model_config = ConfigDict(extra="ignore")

    changes: list[PulledChange]
    cursor: str
    more: bool

    @model_validator(mode="after")
    def _upserts_are_typed(self) -> PulledPage:
        _check_typed(self.changes)
        return self


def pulled_changes(changes: Iterable[Change | Mapping[str, Any]]) -> list[PulledChange]:
    """Validate changes given as ``Change`` objects or mappings (tests, seeding)."""
    items = [c.model_dump(mode="json") if isinstance(c, Change) else c for c in changes]
    return _check_typed(_CHANGES.validate_python(items))


class PushAnswer(PushResponse):
    """``PushResponse`` with the server's extension: with a cursor sent, the pull page
    after it (``pull``), so that one round trip pushes and pulls."""

    pull: PulledPage | None = None
