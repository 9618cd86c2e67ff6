"""portal/services/backoffice/staff.py search_debtors: accents and case ignored, phone and
partial CPF, debtors pushed without items, only the staff member's companies.

Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (where LIKE is case-sensitive and
``lower()`` keeps accents: the folded column is what makes "joao" find "João" there)."""

from __future__ import annotations

import pytest
from flask import Flask

from portal.extensions import db
from portal.models import CreditorDebtor, StaffUser
from portal.services.backoffice import search_debtors
from tests.access_helpers import make_staff
from tests.factories import create_creditor, create_debtor, create_pending_item, relate


@pytest.fixture
def scene(app: Flask) -> dict[str, object]:
    mine = create_creditor(trade_name="Minha")
    other = create_creditor(trade_name="Outra")
    people = {}
    for key, name, phone in (
        ("joao", "João da Silva", "+5541988887777"),
        ("antonia", "Antônia Conceição", "+5521977776666"),
        ("jose", "José Ávila", "+5511966665555"),
        ("joana", "Joana Prado", "+5531955554444"),
    ):
        debtor = create_debtor(name=name, phone=phone)
        create_pending_item(creditor=mine, debtor=debtor)
        people[key] = debtor
    # pushed by the API with no items (only the relationship exists)
    pushed = create_debtor(name="Júlio Pushed", phone="+5548944443333")
    relate(mine, pushed)
    people["pushed"] = pushed
    # known only to the other company, with a name that would match
    stranger = create_debtor(name="Joao Estranho", phone="+5541988880000")
    create_pending_item(creditor=other, debtor=stranger)
    people["stranger"] = stranger
    db.session.commit()
    staff = make_staff(mine)
    return {"staff": staff, "people": people, "mine": mine}


def _names(staff: StaffUser, query: str) -> list[str]:
    return [found.name for found in search_debtors(db.session, staff, query)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("joao", ["João da Silva"]),
        ("JOÃO", ["João da Silva"]),
        ("Antonia", ["Antônia Conceição"]),
        ("conceicao", ["Antônia Conceição"]),
        ("JOSE", ["José Ávila"]),
        ("avila", ["José Ávila"]),
        ("jo", []),  # too short
        ("joa", ["Joana Prado", "João da Silva"]),  # by folded name
        ("silva joao", ["João da Silva"]),  # every word, in any order
        ("julio", ["Júlio Pushed"]),  # pushed without items
    ],
)
def test_names_ignore_accents_and_case(scene: dict, query: str, expected: list[str]) -> None:  # type: ignore[type-arg]
    assert _names(scene["staff"], query) == expected


def test_phone_and_partial_cpf(scene: dict) -> None:  # type: ignore[type-arg]
    staff, people = scene["staff"], scene["people"]
    assert _names(staff, "98888-7777") == ["João da Silva"]
    assert _names(staff, "(21) 97777-6666") == ["Antônia Conceição"]
    assert _names(staff, "44443333") == ["Júlio Pushed"]
    antonia = people["antonia"].document
    assert _names(staff, antonia[2:8]) == ["Antônia Conceição"]
    whole = f"{antonia[:3]}.{antonia[3:6]}.{antonia[6:9]}-{antonia[9:]}"
    assert _names(staff, whole) == ["Antônia Conceição"]
    assert _names(staff, "888") == []  # fewer than 4 digits: nothing


def test_other_companies_people_are_never_found(scene: dict) -> None:  # type: ignore[type-arg]
    staff, stranger = scene["staff"], scene["people"]["stranger"]
    assert "Joao Estranho" not in _names(staff, "joao")
    assert _names(staff, stranger.document) == []
    assert _names(staff, "98888-0000") == []
    everyone = make_staff(all_creditors=True, email="todas@example.com")
    assert _names(everyone, "joao") == ["João da Silva", "Joao Estranho"]


def test_the_folded_name_follows_a_renamed_contact(scene: dict) -> None:  # type: ignore[type-arg]
    joao = scene["people"]["joao"]
    contact = db.session.get(CreditorDebtor, (scene["mine"].id, joao.id))
    contact.name = "JOÃO Ñandú"
    db.session.commit()
    assert contact.search_name == "joao nandu"
    assert _names(scene["staff"], "nandu") == ["JOÃO Ñandú"]


def test_wildcards_are_literal(scene: dict) -> None:  # type: ignore[type-arg]
    assert _names(scene["staff"], "%%%") == []
    assert _names(scene["staff"], "j_o") == []
