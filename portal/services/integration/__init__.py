"""Integration context: what companies push (debtors, items, CSV imports), API keys,
idempotency, and the events and signed webhooks they receive."""

from portal.services.integration.api_keys import (
    create_key,
    revoke_key,
    rotate_key,
)
from portal.services.integration.csv_import import (
    BATCH_SIZE,
    BULK_BATCH_SIZE,
    IMPORT_TASK,
    abandon_import,
    failure_message,
    import_steps,
    queue_import,
    safe_file_name,
)
from portal.services.integration.events import (
    DUE_TASK,
    EVENT_TYPES,
    agreement_payload,
    emit,
)
from portal.services.integration.portfolio import (
    Outcome,
    PortfolioError,
    known_debtor,
    known_debtor_clause,
    set_item_status,
    upsert_debtors,
    upsert_items,
)
from portal.services.integration.webhooks import payload as webhook_payload
from portal.services.integration.webhooks import replay as replay_delivery

__all__ = [
    "BATCH_SIZE",
    "BULK_BATCH_SIZE",
    "DUE_TASK",
    "EVENT_TYPES",
    "IMPORT_TASK",
    "Outcome",
    "PortfolioError",
    "abandon_import",
    "agreement_payload",
    "create_key",
    "emit",
    "failure_message",
    "import_steps",
    "known_debtor",
    "known_debtor_clause",
    "queue_import",
    "replay_delivery",
    "revoke_key",
    "rotate_key",
    "safe_file_name",
    "set_item_status",
    "upsert_debtors",
    "upsert_items",
    "webhook_payload",
]
