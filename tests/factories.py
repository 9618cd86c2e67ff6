"""Test builders: ``create_<model>(**overrides)`` adds a valid row and flushes it.

Contact data belongs to each company's relationship with a person (``CreditorDebtor``), not
to the person. ``create_debtor(name=…, email=…, phone=…, birth_date=…)`` remembers the
contact it was given; ``create_pending_item`` (and ``relate``) give each company that gets
an item a relationship carrying it, as the company's import would. ``contact_of(debtor)``
reads that contact back (e.g. the e-mail to ask a magic link with).
"""

from __future__ import annotations

import itertools
from datetime import date
from types import SimpleNamespace
from typing import Any

from portal.demo.data import cnpj_from_base, cpf_from_base
from portal.extensions import db
from portal.models import Creditor, CreditorDebtor, Debtor, PendingItem

_seq = itertools.count(1)
_CONTACT_FIELDS = ("name", "email", "phone", "birth_date")
# The contact each debtor was created with, by debtor id (ids are reused between tests that
# roll back, and so is this entry: the latest ``create_debtor`` wins).
_contacts: dict[int, dict[str, Any]] = {}


def next_cpf() -> str:
    return cpf_from_base(f"{700_000_000 + next(_seq) * 7919:09d}")


def next_cnpj() -> str:
    return cnpj_from_base(f"{55_000_000 + next(_seq) * 31:08d}0001")


def create_creditor(**overrides: Any) -> Creditor:
    values: dict[str, Any] = {
        "legal_name": "Credora Teste S.A.",
        "trade_name": "Credora Teste",
        "cnpj": next_cnpj(),
        "address_line": "Rua Teste, 1, Centro",
        "city": "Curitiba",
        "state": "PR",
        "postal_code": "80010000",
        "brand_color": "#224466",
    }
    values.update(overrides)
    creditor = Creditor(**values)
    db.session.add(creditor)
    db.session.flush()
    return creditor


def create_debtor(**overrides: Any) -> Debtor:
    """A person; the contact given is what the companies relating to them will hold."""
    n = next(_seq)
    contact: dict[str, Any] = {
        "name": f"Pessoa Teste {n}",
        "email": f"pessoa{n}@example.com",
        "phone": "+5541999990000",
        "birth_date": date(1985, 6, 15),
    }
    for key in _CONTACT_FIELDS:
        if key in overrides:
            contact[key] = overrides.pop(key)
    values: dict[str, Any] = {"document": next_cpf(), **overrides}
    debtor = Debtor(**values)
    db.session.add(debtor)
    db.session.flush()
    _contacts[debtor.id] = contact
    return debtor


def contact_of(debtor: Debtor) -> SimpleNamespace:
    """The contact ``create_debtor`` was given (name, email, phone, birth_date, first_name)."""
    contact = dict(_contacts[debtor.id])
    return SimpleNamespace(**contact, first_name=str(contact["name"]).split()[0])


def relate(creditor: Creditor, debtor: Debtor, **overrides: Any) -> CreditorDebtor:
    """The company's relationship with the person (created once, with their contact)."""
    existing = db.session.get(CreditorDebtor, (creditor.id, debtor.id))
    if existing is not None:
        for key, value in overrides.items():
            setattr(existing, key, value)
        db.session.flush()
        return existing
    contact = {**_contacts.get(debtor.id, {"name": "Pessoa Teste"}), **overrides}
    rel = CreditorDebtor(creditor_id=creditor.id, debtor_id=debtor.id, **contact)
    db.session.add(rel)
    db.session.flush()
    return rel


def create_pending_item(**overrides: Any) -> PendingItem:
    values: dict[str, Any] = {
        "external_reference": f"REF-{next(_seq)}",
        "description": "Fatura de teste",
        "original_amount_cents": 12_345,
        "original_due_date": date(2026, 9, 10),
    }
    values.update(overrides)
    if "creditor_id" not in values and "creditor" not in values:
        values["creditor"] = create_creditor()
    if "debtor_id" not in values and "debtor" not in values:
        values["debtor"] = create_debtor()
    item = PendingItem(**values)
    db.session.add(item)
    db.session.flush()
    relate(item.creditor, item.debtor)
    return item
