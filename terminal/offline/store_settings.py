"""The store settings a till keeps: checked, then saved (from pairing, ``pos-terminal
init``, or a change head office made, received through the pull)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shared.domain.business_day import parse_closing_time, store_zone
from shared.domain.money import check_currency
from shared.errors import ValidationFailed
from shared.protocol import StoreSettings
from terminal.offline.models import StoreSettingsRow
from terminal.offline.repositories import StoreRepository


def check_store_settings(settings: StoreSettings) -> None:
    """Currency, time zone, closing time and phone region a till can work with, or
    ``ValidationFailed`` naming the one it cannot."""
    check_currency(settings.currency)
    store_zone(settings.timezone)
    parse_closing_time(settings.closing_time)
    if not (len(settings.phone_region) == 2 and settings.phone_region.isalpha()):
        raise ValidationFailed(
            f"Not a region code: {settings.phone_region!r}", code="invalid_setting"
        )


def save_store_settings(session: Session, settings: StoreSettings) -> None:
    """Check ``settings`` and keep them (inside the caller's write transaction)."""
    check_store_settings(settings)
    StoreRepository(session).save(
        StoreSettingsRow(
            store_code=settings.store_code,
            name=settings.name,
            currency=settings.currency,
            timezone=settings.timezone,
            phone_region=settings.phone_region,
            language=settings.language,
            closing_time=settings.closing_time,
        )
    )
