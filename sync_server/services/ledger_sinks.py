"""The writers of the ledger's extra records (``LedgerResult.extra``), by record type:
promotion trigger counts, sale returns, the dashboard's roll-ups. Every push writer
(the plain one and the webhook outbox writer) writes them in the push's transaction;
a new kind of record adds its module's ``SINKS`` here."""

from __future__ import annotations

from collections.abc import Mapping

from sync_server.services import dashboard_rollup, promotion_triggers, sale_returns
from sync_server.services.push_writer import Sink

LEDGER_SINKS: Mapping[type, Sink] = {
    **promotion_triggers.SINKS,
    **sale_returns.SINKS,
    **dashboard_rollup.SINKS,
}
