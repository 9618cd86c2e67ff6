"""Entry links and one-time codes. Only hashes of their secrets are stored."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, utcnow
from portal.models.creditor import Creditor
from portal.models.debtor import Debtor


class LinkPurpose(StrEnum):
    MAGIC = "magic"  # self-requested by e-mail, 15 minutes, single use
    REMINDER = "reminder"  # issued by staff or API for SMS/WhatsApp/e-mail, reusable, revocable


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WHATSAPP = "whatsapp"


_PURPOSES = ", ".join(f"'{p.value}'" for p in LinkPurpose)
_CHANNELS = ", ".join(f"'{c.value}'" for c in Channel)


class AccessLink(Base):
    """A link into the portal (``AccessLink`` in the glossary; magic link = self-requested)."""

    __tablename__ = "access_links"
    __table_args__ = (
        sa.CheckConstraint(f"purpose IN ({_PURPOSES})", name="purpose"),
        sa.CheckConstraint(f"channel IN ({_CHANNELS})", name="channel"),
        sa.CheckConstraint("failed_attempts >= 0", name="failed_attempts"),
        sa.CheckConstraint("use_count >= 0", name="use_count"),
        sa.Index("ix_access_links_debtor_purpose", "debtor_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    purpose: Mapped[str] = mapped_column(sa.String(8))
    channel: Mapped[str] = mapped_column(sa.String(8))
    debtor_id: Mapped[int] = mapped_column(sa.ForeignKey("debtors.id"))
    creditor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("creditors.id"), index=True)
    # Magic links: hash of the nonce cookie of the browser that asked for the link.
    browser_nonce_hash: Mapped[str | None] = mapped_column(sa.String(64))
    # Magic links: hash of the e-mail address the link was sent to. Using the link proves the
    # relationships that hold exactly this address (``portal.services.access.proofs``).
    contact_hash: Mapped[str | None] = mapped_column(sa.String(64))
    issued_by_type: Mapped[str] = mapped_column(sa.String(16))
    issued_by_id: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]  # magic: consumed; reminder: last successful use
    use_count: Mapped[int] = mapped_column(default=0)
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    debtor: Mapped[Debtor] = relationship()
    creditor: Mapped[Creditor | None] = relationship()

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.locked_at is not None:
            return "locked"
        if self.purpose == LinkPurpose.MAGIC and self.used_at is not None:
            return "used"
        if self.expires_at <= now:
            return "expired"
        return "active"


class CodePurpose(StrEnum):
    SIGN_IN = "sign_in"  # extra step when a magic link is opened in another browser
    STEP_UP = "step_up"  # before an act with legal or money effect (bound to that act)
    COMPANY = "company"  # adds a company to the session ("Tem pendências com outra empresa?")


_CODE_PURPOSES = ", ".join(f"'{p.value}'" for p in CodePurpose)


class OneTimeCode(Base):
    """A 6-digit code sent to an e-mail or phone a company has on file for the person.

    ``creditor_id`` is the company whose contact received it; a step-up code is also bound
    to the act it confirms (``act`` and ``subject``) and confirms nothing else.
    """

    __tablename__ = "one_time_codes"
    __table_args__ = (
        sa.CheckConstraint(f"purpose IN ({_CODE_PURPOSES})", name="purpose"),
        sa.CheckConstraint(f"channel IN ({_CHANNELS})", name="channel"),
        sa.CheckConstraint("attempts >= 0", name="attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(sa.ForeignKey("debtors.id"), index=True)
    creditor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("creditors.id"))
    purpose: Mapped[str] = mapped_column(sa.String(8))
    channel: Mapped[str] = mapped_column(sa.String(8))
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    contact_hash: Mapped[str | None] = mapped_column(sa.String(64))  # where it was sent
    act: Mapped[str | None] = mapped_column(sa.String(16))  # step-up: what it confirms
    subject: Mapped[str | None] = mapped_column(sa.String(80))  # step-up: on what
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
