"""Support staff: who may search debtors and act on them, for which creditors."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.models.base import Base, TimestampMixin
from portal.models.creditor import Creditor


class StaffRole(StrEnum):
    ADMIN = "admin"  # everything, including staff and policy administration
    AGENT = "agent"  # search, issue and revoke links, act on debtors
    VIEWER = "viewer"  # search and read only


_ROLES = ", ".join(f"'{r.value}'" for r in StaffRole)

staff_creditors = sa.Table(
    "staff_creditors",
    Base.metadata,
    sa.Column("staff_id", sa.ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("creditor_id", sa.ForeignKey("creditors.id", ondelete="CASCADE"), primary_key=True),
)


class StaffUser(TimestampMixin, Base):
    __tablename__ = "staff_users"
    __table_args__ = (sa.CheckConstraint(f"role IN ({_ROLES})", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    totp_secret: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[str] = mapped_column(sa.String(8))
    all_creditors: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    last_totp_step: Mapped[int | None] = mapped_column(sa.BigInteger)  # no code replay
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    creditors: Mapped[list[Creditor]] = relationship(secondary=staff_creditors)

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return value.strip().lower()

    @property
    def can_sign_in(self) -> bool:
        return self.is_active

    def has_role(self, minimum: StaffRole) -> bool:
        order = [StaffRole.VIEWER, StaffRole.AGENT, StaffRole.ADMIN]
        return order.index(StaffRole(self.role)) >= order.index(minimum)

    def scope_ids(self) -> set[int] | None:
        """Creditor ids this person may see; None means all creditors."""
        return None if self.all_creditors else {c.id for c in self.creditors}
