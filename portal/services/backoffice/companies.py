"""A company's support channels, published to its debtors and edited by admins."""

from __future__ import annotations

from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.domain.contact import SupportChannels
from portal.models import Creditor

_FIELDS = {
    "phone": "support_phone",
    "whatsapp": "support_whatsapp",
    "email": "support_email",
    "hours": "support_hours",
}


def update_support_channels(
    session: DbSession, creditor: Creditor, channels: SupportChannels, *, actor: Actor
) -> list[str]:
    """Publish ``channels`` (already checked by ``portal.domain.contact``); the audit event
    names the channels that changed (company channels, not personal data). Returns them."""
    changed = []
    for name, column in _FIELDS.items():
        value = getattr(channels, name)
        if getattr(creditor, column) != value:
            setattr(creditor, column, value)
            changed.append(name)
    if changed:
        record_event(
            session,
            actor,
            "creditor.contact_changed",
            subject=("creditor", creditor.id),
            creditor_id=creditor.id,
            details={"changed": changed},
        )
        session.flush()
    return changed
