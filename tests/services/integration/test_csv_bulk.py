"""The CSV import's two writers give the same result: set-based on PostgreSQL (COPY into a
staging table), row by row on SQLite. Run on both (``TEST_DATABASE_URL`` for PostgreSQL)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.extensions import db
from portal.models import AuditEvent, Creditor, CreditorDebtor, ItemStatus, PendingItem
from portal.services.integration import csv_bulk
from tests.factories import create_debtor, create_pending_item, next_cpf
from tests.services.integration.test_csv_import import contact, creditor, run

__all__ = ["creditor"]  # the fixture, shared with the import's tests

HEADER = (
    "documento;nome;email;telefone;data_nascimento;referencia;descricao;valor;vencimento;"
    "negativado\n"
)


@pytest.fixture
def writers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which writer ran each batch: ``bulk`` (PostgreSQL) or ``portable``."""
    ran: list[str] = []
    bulk, portable = csv_bulk._bulk_batch, csv_bulk._portable_batch

    def spy(name: str, writer: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            ran.append(name)
            return writer(*args, **kwargs)

        return call

    monkeypatch.setattr(csv_bulk, "_bulk_batch", spy("bulk", bulk))
    monkeypatch.setattr(csv_bulk, "_portable_batch", spy("portable", portable))
    return ran


def test_every_outcome_of_an_item_in_one_file(
    app: Flask, creditor: Creditor, is_postgres: bool, writers: list[str]
) -> None:
    owner, other = create_debtor(), create_debtor()
    existing = {
        "C-1": {},
        "U-1": {},
        "L-1": {"status": ItemStatus.IN_AGREEMENT},
        "P-1": {"status": ItemStatus.PAID},
        "R-1": {
            "status": ItemStatus.PAID,
            "bureau_reported": True,
            "bureau_removed_on": date(2025, 5, 2),
        },
        "O-1": {},
    }
    for reference, values in existing.items():
        create_pending_item(creditor=creditor, debtor=owner, external_reference=reference, **values)
    db.session.commit()
    name = contact(creditor.id, owner.document).name  # type: ignore[union-attr]
    newbie = next_cpf()
    same = "Fatura de teste;123,45;10/09/2026"
    me = f"{owner.document};{name};novo@example.com;;"
    content = (
        HEADER
        + f"{me};C-1;Fatura de teste;200,00;10/09/2026;\n"  # corrected
        + f"{me};U-1;{same};\n"  # unchanged
        + f"{me};L-1;Fatura de teste;99,00;10/09/2026;\n"  # in an agreement: locked
        + f"{me};P-1;{same};sim\n"  # paid, but the bureau flag is a fact: updated
        + f"{me};R-1;{same};não\n"  # the removal was confirmed: refused
        + f"{other.document};Outra Pessoa;;;;O-1;{same};\n"  # owner's reference
        + f"{newbie};Nova Pessoa;nova@example.com;(41) 98888-7777;02/03/1990;N-1;Nova;1,50;"
        "01/05/2025;sim\n"
    ).encode()

    job = run(app, creditor.id, content)

    assert writers == (["bulk"] if is_postgres else ["portable"])
    counts = (job.created_rows, job.updated_rows, job.unchanged_rows, job.error_rows)
    assert counts == (1, 2, 1, 3)
    assert job.error_report == (
        "linha;coluna;codigo;mensagem\n"
        "4;referencia;item_locked;esta pendência está em um acordo, paga ou cancelada "
        "e não pode ser alterada\n"
        "6;referencia;bureau_removal_confirmed;a retirada do cadastro de inadimplentes já foi "
        "confirmada para esta pendência\n"
        "7;referencia;reference_of_another_debtor;esta referência já pertence a outro devedor\n"
    )
    items = {
        item.external_reference: item
        for item in db.session.scalars(
            sa.select(PendingItem).where(PendingItem.creditor_id == creditor.id)
        )
    }
    values = {
        ref: (i.original_amount_cents, i.status, i.bureau_reported, i.debtor_id)
        for ref, i in items.items()
    }
    new_debtor = contact(creditor.id, newbie)
    assert new_debtor is not None
    assert values == {
        "C-1": (20_000, "open", False, owner.id),
        "U-1": (12_345, "open", False, owner.id),
        "L-1": (12_345, "in_agreement", False, owner.id),
        "P-1": (12_345, "paid", True, owner.id),
        "R-1": (12_345, "paid", True, owner.id),
        "O-1": (12_345, "open", False, owner.id),
        "N-1": (150, "open", True, new_debtor.debtor_id),
    }
    assert items["N-1"].original_due_date == date(2025, 5, 1)
    assert items["N-1"].created_at is not None and items["C-1"].updated_at is not None
    assert (new_debtor.name, new_debtor.search_name, new_debtor.email, new_debtor.phone) == (
        "Nova Pessoa",
        "nova pessoa",
        "nova@example.com",
        "+5541988887777",
    )
    assert new_debtor.birth_date == date(1990, 3, 2)
    mine = contact(creditor.id, owner.document)
    assert mine is not None and (mine.email, mine.phone) == ("novo@example.com", "+5541999990000")
    assert mine.birth_date == date(1985, 6, 15), "a blank cell keeps the value"
    assert contact(creditor.id, other.document) is not None
    details = {
        action: details
        for action, details in db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.details).where(
                AuditEvent.action.in_(["debtors.upserted", "items.upserted"])
            )
        )
    }
    assert details == {
        "debtors.upserted": {"created": 2, "updated": 1, "received": 3},
        "items.upserted": {"created": 1, "updated": 2, "received": 7},
    }


def test_a_company_sees_only_its_own_relationship(app: Flask, creditor: Creditor) -> None:
    """Another company's file about the same people changes nothing this company holds."""
    from tests.factories import create_creditor

    document = next_cpf()
    line = f"{document};Ana Lima;ana@example.com;;;R-1;Fatura;10,00;01/05/2025;\n"
    run(app, creditor.id, (HEADER + line).encode())
    other = create_creditor()
    db.session.commit()
    elsewhere = line.replace("Ana Lima;ana@", "Ana L.;outra@")
    job = run(app, other.id, (HEADER + elsewhere).encode())
    assert (job.created_rows, job.error_rows) == (1, 0), "R-1 is the other company's own"
    mine, theirs = contact(creditor.id, document), contact(other.id, document)
    assert mine is not None and theirs is not None and mine.debtor_id == theirs.debtor_id
    assert (mine.name, mine.email) == ("Ana Lima", "ana@example.com")
    assert (theirs.name, theirs.email) == ("Ana L.", "outra@example.com")
    owners = db.session.execute(
        sa.select(PendingItem.creditor_id, PendingItem.external_reference)
    ).all()
    assert sorted(owners) == sorted([(creditor.id, "R-1"), (other.id, "R-1")])
    relationships = db.session.scalar(sa.select(sa.func.count()).select_from(CreditorDebtor))
    assert relationships == 2
