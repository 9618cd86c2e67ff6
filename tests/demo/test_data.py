"""portal/demo/data.py: realistic, valid and idempotent demo data."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from validate_docbr import CNPJ, CPF

from portal.demo.data import cnpj_from_base, cpf_from_base, seed_demo
from portal.extensions import db
from portal.models import AuditEvent, Creditor, CreditorDebtor, Debtor, PendingItem, PolicyVersion

TODAY = date(2026, 11, 25)


def _counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Creditor, Debtor, PendingItem, AuditEvent, PolicyVersion)
    }


def test_seed_creates_the_promised_data() -> None:
    before = _counts()
    report = seed_demo(db.session, TODAY)
    after = _counts()
    assert after["creditors"] - before["creditors"] == 3
    assert after["debtors"] - before["debtors"] >= 20
    assert after["pending_items"] - before["pending_items"] >= 60
    assert report.created == {"creditors": 3, "debtors": 24, "items": 72, "policies": 3}

    items = db.session.scalars(
        sa.select(PendingItem).where(PendingItem.external_reference.like("DEMO-%"))
    ).all()
    lateness = [item.days_overdue(TODAY) for item in items]
    assert min(lateness) >= 5 and max(lateness) <= 400
    assert len({item.original_amount_cents for item in items}) > 50  # varied amounts
    assert all(item.original_amount_cents > 0 for item in items)
    for debtor in report.debtors:
        assert CPF().validate(debtor.document)
        contacts = db.session.scalars(
            sa.select(CreditorDebtor).where(CreditorDebtor.debtor_id == debtor.id)
        ).all()
        # Every company with items for the person has its own record of them.
        owed = set(
            db.session.scalars(
                sa.select(PendingItem.creditor_id).where(PendingItem.debtor_id == debtor.id)
            )
        )
        assert {c.creditor_id for c in contacts} == owed
        for contact in contacts:
            assert contact.email and contact.email.endswith("@example.com")
            assert " " in contact.name


def test_seed_twice_gives_the_same_counts() -> None:
    seed_demo(db.session, TODAY)
    first = _counts()
    report = seed_demo(db.session, TODAY)
    assert _counts() == first
    assert report.created == {"creditors": 0, "debtors": 0, "items": 0, "policies": 0}


def test_creditors_have_distinct_identities() -> None:
    seed_demo(db.session, TODAY)
    creditors = db.session.scalars(sa.select(Creditor)).all()
    assert len({c.cnpj for c in creditors}) == len(creditors)
    assert all(CNPJ().validate(c.cnpj) for c in creditors)
    assert len({c.brand_color for c in creditors}) == len(creditors)


def test_check_digit_helpers_agree_with_validate_docbr() -> None:
    for n in range(1, 1_000_000_000, 7_777_777):
        assert CPF().validate(cpf_from_base(f"{n:09d}"))
    for n in range(1, 10**12, 77_777_777_777):
        assert CNPJ().validate(cnpj_from_base(f"{n:012d}"))


def test_each_demo_creditor_has_its_own_policy() -> None:
    from portal.services.policies import current_policy

    seed_demo(db.session, TODAY)
    creditors = db.session.scalars(
        sa.select(Creditor).where(
            Creditor.legal_name.in_(
                [
                    "Energia Viva Distribuidora S.A.",
                    "Horizonte Crédito Financeira S.A.",
                    "Colégio Saber Mais Ltda.",
                ]
            )
        )
    ).all()
    policies = [current_policy(db.session, c.id) for c in creditors]
    assert len({(p.plan_monthly_rate_pct, p.min_installment_cents) for p in policies}) == 3
    assert any(p.charges.correction is not None for p in policies)
    assert all(p.version == 1 for p in policies)
