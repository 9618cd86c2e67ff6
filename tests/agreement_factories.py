"""Test builders for agreements, written the way an acceptance writes them.

``create_agreement(**overrides)`` gives an accepted agreement with everything around it:

* a creditor (``tests.factories.create_creditor``) with a published demo policy
  (``demo_policies()["energia"]`` by default: 2 % multa, 1 % juros a month, 0,99 % a month
  on plans, 5 grace days, breach after 30);
* a debtor (a person, CPF) and two open items of that creditor, overdue on ``as_of``;
* a real offer for both items (``build_offer`` with the ANBIMA calendar, first due date
  ``as_of + 5 days``), from which the option with ``payment_count`` payments is chosen;
* the rows: ``Agreement`` (totals of the option, a 10-character verification code),
  one ``AgreementItem`` per item (its updated balance), one ``Installment`` per payment of
  the option, and the ``AgreementEvidence`` (the offer's canonical JSON and digest, UTC
  acceptance time, IP, auth method). The items move to ``in_agreement``.

Nothing is queued (no terms document, no e-mail): tests call the service they test. Rows
are flushed, not committed. ``offer_of(agreement)`` decodes the accepted offer back.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from portal.core.context import SYSTEM
from portal.demo.policies import demo_policies
from portal.domain.agreements import AgreementState
from portal.domain.calendar import anbima_calendar
from portal.domain.charges import DebtorKind
from portal.domain.charges import PendingItem as DomainItem
from portal.domain.offers import Offer
from portal.domain.simulation import build_offer
from portal.extensions import db
from portal.models import (
    Agreement,
    AgreementEvidence,
    AgreementItem,
    Creditor,
    Debtor,
    Installment,
    InstallmentStatus,
    ItemStatus,
    PendingItem,
    PolicyVersion,
)
from portal.services.policies import policy_of, publish_policy
from tests.factories import create_creditor, create_debtor, create_pending_item

AS_OF = date(2026, 3, 2)  # a Monday
ACCEPTED_AT = datetime(2026, 3, 2, 13, 30, tzinfo=UTC)  # 10:30 in Brasília
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32, as agreements use


def creditor_policy(creditor: Creditor, name: str = "energia") -> PolicyVersion:
    """The creditor's latest policy version, publishing ``demo_policies()[name]`` if none."""
    latest = db.session.scalar(
        sa.select(PolicyVersion)
        .where(PolicyVersion.creditor_id == creditor.id)
        .order_by(PolicyVersion.version.desc())
        .limit(1)
    )
    if latest is not None:
        return latest
    return publish_policy(db.session, creditor, demo_policies()[name], actor=SYSTEM)


def _domain_item(item: PendingItem) -> DomainItem:
    return DomainItem(
        item_id=str(item.id),
        reference=item.external_reference,
        principal_cents=item.outstanding_principal_cents,
        due_date=item.original_due_date,
        contract_multa_pct=item.contract_multa_pct,
    )


def offer_for(
    items: list[PendingItem],
    version: PolicyVersion,
    debtor: Debtor,
    *,
    as_of: date = AS_OF,
    first_due_date: date | None = None,
    down_payment_cents: int | None = None,
) -> Offer:
    """The engine's offer for ``items`` under ``version``, as the simulation page builds it."""
    return build_offer(
        [_domain_item(item) for item in items],
        policy_of(version),
        anbima_calendar(),
        debtor_kind=DebtorKind.CONSUMER if debtor.is_consumer else DebtorKind.BUSINESS,
        as_of=as_of,
        first_due_date=first_due_date or as_of + timedelta(days=5),
        down_payment_cents=down_payment_cents,
    )


def create_agreement(
    *,
    payment_count: int = 3,
    creditor: Creditor | None = None,
    debtor: Debtor | None = None,
    items: list[PendingItem] | None = None,
    policy: str = "energia",
    as_of: date = AS_OF,
    accepted_at: datetime = ACCEPTED_AT,
    ip: str | None = "203.0.113.7",
    auth_method: str = "magic_link+kba+otp",
    **overrides: Any,
) -> Agreement:
    """An accepted agreement (see the module docstring); ``overrides`` go to ``Agreement``."""
    creditor = creditor or create_creditor(
        support_email="atendimento@credora.example", support_phone="+554130000000"
    )
    version = creditor_policy(creditor, policy)
    debtor = debtor or create_debtor()
    if items is None:
        items = [
            create_pending_item(
                creditor=creditor,
                debtor=debtor,
                description="Conta de energia de novembro de 2025",
                original_amount_cents=45_000,
                original_due_date=as_of - timedelta(days=95),
            ),
            create_pending_item(
                creditor=creditor,
                debtor=debtor,
                description="Conta de energia de janeiro de 2026",
                original_amount_cents=30_000,
                original_due_date=as_of - timedelta(days=40),
            ),
        ]
    offer = offer_for(items, version, debtor, as_of=as_of)
    option = offer.option(payment_count)
    assert option.valid, option.violations
    values: dict[str, Any] = {
        "debtor_id": debtor.id,
        "creditor_id": creditor.id,
        "policy_version_id": version.id,
        "acceptance_key": secrets.token_hex(16),
        "verification_code": "".join(secrets.choice(CODE_ALPHABET) for _ in range(10)),
        "state": AgreementState.AWAITING_DOWN_PAYMENT.value,
        "payment_count": payment_count,
        "total_cents": option.total_cents,
        "down_payment_cents": option.down_payment_cents,
        "discount_cents": option.discount_cents,
        "created_at": accepted_at,
        "state_changed_at": accepted_at,
    }
    values.update(overrides)
    agreement = Agreement(**values)
    db.session.add(agreement)
    db.session.flush()
    for item, line in zip(items, offer.items, strict=True):
        item.status = ItemStatus.IN_AGREEMENT.value
        db.session.add(
            AgreementItem(
                agreement_id=agreement.id,
                pending_item_id=item.id,
                balance_cents=line.balance.total_cents,
            )
        )
    for payment in option.installments:
        db.session.add(
            Installment(
                agreement_id=agreement.id,
                number=payment.number,
                due_date=payment.due_date,
                amount_cents=payment.amount_cents,
            )
        )
    db.session.add(
        AgreementEvidence(
            agreement_id=agreement.id,
            offer_json=offer.to_json(),
            offer_digest=offer.digest,
            chosen_payment_count=payment_count,
            policy_version=version.version,
            accepted_at=accepted_at,
            ip=ip,
            user_agent="Mozilla/5.0 (Linux; Android 14) Teste",
            session_id_hash=hashlib.sha256(b"test-session").hexdigest(),
            auth_method=auth_method,
            details={"terms_checkbox": True},
        )
    )
    db.session.flush()
    db.session.refresh(agreement)
    return agreement


def offer_of(agreement: Agreement) -> Offer:
    """The offer the agreement accepted, checked against its stored digest."""
    evidence = agreement.evidence
    return Offer.from_json(evidence.offer_json, expected_digest=evidence.offer_digest)


def pay_installment(installment: Installment, paid_at: datetime = ACCEPTED_AT) -> Installment:
    """Mark one installment fully paid (what recording a payment does to the row)."""
    installment.paid_cents = installment.amount_cents
    installment.status = InstallmentStatus.PAID
    installment.paid_at = paid_at
    db.session.flush()
    return installment


def complete_agreement(agreement: Agreement, paid_at: datetime = ACCEPTED_AT) -> Agreement:
    """Every installment paid and the agreement completed; its items paid."""
    for installment in agreement.installments:
        pay_installment(installment, paid_at)
    agreement.state = AgreementState.COMPLETED.value
    agreement.state_changed_at = paid_at
    for link in agreement.items:
        link.pending_item.status = ItemStatus.PAID.value
    db.session.flush()
    return agreement
