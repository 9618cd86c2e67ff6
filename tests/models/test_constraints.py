"""Database constraints hold even when the ORM's validation is bypassed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Creditor, CreditorDebtor, Debtor, PendingItem
from tests.factories import create_creditor, create_debtor, create_pending_item, relate


def _insert_item(**overrides: object) -> None:
    item = create_pending_item()
    values = {
        "creditor_id": item.creditor_id,
        "debtor_id": item.debtor_id,
        "external_reference": "RAW-1",
        "description": "x",
        "original_amount_cents": 100,
        "original_due_date": date(2026, 1, 1),
        "status": "open",
        "created_at": datetime.now(UTC),
        "updated_at": datetime.now(UTC),
    }
    values.update(overrides)
    db.session.execute(sa.insert(PendingItem.__table__).values(**values))
    db.session.flush()


@pytest.mark.parametrize("amount", [-1, 0])
def test_amount_must_be_positive(amount: int) -> None:
    with pytest.raises(IntegrityError):
        _insert_item(original_amount_cents=amount)


def test_status_must_be_known() -> None:
    with pytest.raises(IntegrityError):
        _insert_item(status="forgotten")


def test_external_reference_unique_per_creditor() -> None:
    first = create_pending_item(external_reference="INV-1")
    with pytest.raises(IntegrityError):
        create_pending_item(creditor=first.creditor, external_reference="INV-1")


def test_same_reference_allowed_for_another_creditor() -> None:
    create_pending_item(external_reference="INV-1")
    other = create_pending_item(external_reference="INV-1")
    assert other.id is not None


def test_debtor_document_is_unique() -> None:
    debtor = create_debtor()
    with pytest.raises(IntegrityError):
        create_debtor(document=debtor.document)


def test_creditor_cnpj_is_unique() -> None:
    creditor = create_creditor()
    with pytest.raises(IntegrityError):
        create_creditor(cnpj=creditor.cnpj)


def test_foreign_keys_are_enforced() -> None:
    with pytest.raises(IntegrityError):
        _insert_item(debtor_id=999_999)


def test_document_type_must_match_length() -> None:
    debtor = create_debtor()
    with pytest.raises(IntegrityError):
        db.session.execute(
            sa.update(Debtor.__table__)
            .where(Debtor.__table__.c.id == debtor.id)
            .values(document_type="cnpj")
        )
        db.session.flush()


def test_orm_validation_refuses_invalid_documents() -> None:
    with pytest.raises(ValueError):
        Debtor(document="111.111.111-11")
    with pytest.raises(ValueError):
        Creditor(cnpj="11.222.333/0001-80")


def test_debtor_normalises_its_document_and_a_company_its_contact_data() -> None:
    debtor = create_debtor(
        document="529.982.247-25", email="Maria.Souza@Example.com", phone="(11) 98765-4321"
    )
    assert debtor.document == "52998224725"
    assert debtor.document_type == "cpf"
    assert debtor.is_consumer
    assert "52998224725" not in repr(debtor)
    contact = relate(create_creditor(), debtor)
    assert contact.email == "maria.souza@example.com"
    assert contact.phone == "+5511987654321"
    assert "maria" not in repr(contact).lower()


def test_contact_data_is_per_company_relationship() -> None:
    """The shared person row holds no contact data at all: each company has its own."""
    debtor = create_debtor()
    assert not {"name", "email", "phone", "birth_date"} & set(Debtor.__table__.columns.keys())
    one = relate(create_creditor(), debtor, name="Maria", email="m@a.example")
    two = relate(create_creditor(), debtor, name="Maria S.", email="m@b.example")
    db.session.expire_all()
    assert (one.name, one.email, two.name, two.email) == (
        "Maria",
        "m@a.example",
        "Maria S.",
        "m@b.example",
    )


def test_business_debtor() -> None:
    debtor = create_debtor(document="11.222.333/0001-81", birth_date=None)
    assert debtor.document_type == "cnpj"
    assert not debtor.is_consumer


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "not-an-email"), ("phone", "12345"), ("phone", "+1 415 555 0100")],
)
def test_debtor_contact_validation(field: str, value: str) -> None:
    with pytest.raises(ValueError):
        CreditorDebtor(**{field: value})


@pytest.mark.parametrize(
    ("field", "value"),
    [("brand_color", "blue"), ("state", "XX"), ("postal_code", "123")],
)
def test_creditor_field_validation(field: str, value: str) -> None:
    with pytest.raises(ValueError):
        Creditor(**{field: value})


def test_timestamps_come_back_as_utc() -> None:
    item = create_pending_item()
    db.session.expire_all()
    reloaded = db.session.get(PendingItem, item.id)
    assert reloaded is not None
    assert reloaded.created_at.tzinfo is not None
    assert reloaded.created_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_naive_datetimes_are_refused() -> None:
    item = create_pending_item()
    item.created_at = datetime(2026, 1, 1, 12, 0)
    with pytest.raises(sa.exc.StatementError):
        db.session.flush()


@pytest.mark.parametrize("pct", ["-1", "100.01"])
def test_contract_multa_within_0_and_100(pct: str) -> None:
    with pytest.raises(IntegrityError):
        _insert_item(contract_multa_pct=pct)
