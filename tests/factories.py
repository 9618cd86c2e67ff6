"""Test builders: ``create_<model>(**overrides)`` adds a valid row and flushes it."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from portal.demo.data import cnpj_from_base, cpf_from_base
from portal.extensions import db
from portal.models import Creditor, Debtor, PendingItem

_seq = itertools.count(1)


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
    n = next(_seq)
    values: dict[str, Any] = {
        "name": f"Pessoa Teste {n}",
        "document": next_cpf(),
        "email": f"pessoa{n}@example.com",
        "phone": "+5541999990000",
        "birth_date": date(1985, 6, 15),
    }
    values.update(overrides)
    debtor = Debtor(**values)
    db.session.add(debtor)
    db.session.flush()
    return debtor


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
    return item
