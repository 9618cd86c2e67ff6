"""``/verificar`` as a checker: a document code, a Pix "copia e cola" or a message's text."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.core.clock import now_utc
from portal.core.context import SYSTEM
from portal.domain.documents import format_cpf
from portal.extensions import db
from portal.models import AccessLink, Channel, Payment
from portal.services.access import issue_reminder_link
from portal.services.payments import start_payment
from tests.access_helpers import debtor_with_items
from tests.factories import contact_of
from tests.html import csrf_token, parse_page
from tests.journey_helpers import debt_world, make_agreement

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _check(client: FlaskClient, text: str):  # type: ignore[no-untyped-def]
    page = parse_page(client.get("/verificar"))
    return client.post("/verificar", data={"csrf_token": csrf_token(page), "text": text})


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return parse_page(response).get_text(" ", strip=True)


def test_the_form_is_there_and_needs_csrf(client: FlaskClient) -> None:
    page = client.get("/verificar")
    assert page.status_code == 200 and page.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert parse_page(page).find("textarea", attrs={"name": "text"}) is not None
    assert client.post("/verificar", data={"text": "x"}).status_code == 400
    empty = _check(client, "   ")
    assert empty.status_code == 400 and "Cole ou digite" in _text(empty)


def test_a_document_code_goes_to_its_page(client: FlaskClient) -> None:
    response = _check(client, "  abcd-efgh-jkmn  ")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/verificar/ABCDEFGHJKMN")


def test_a_pix_code_we_issued_names_the_company_and_amount_not_the_person(
    app: Flask, client: FlaskClient
) -> None:
    world = debt_world()
    agreement = make_agreement(world, payment_count=3)
    with app.app_context():
        payment = start_payment(
            db.session, agreement.installments[0].id, "pix", actor=SYSTEM, now=now_utc()
        )
        db.session.commit()
        payload, amount = str(payment.pix_payload), payment.amount_cents
    text = _text(_check(client, f"Pix copia e cola:\n{payload}\n"))
    assert "ainda pode ser pago" in text
    assert world.creditor.legal_name in text and world.creditor.cnpj_formatted in text
    assert f"{amount // 100:,}".replace(",", ".") in text
    debtor = world.debtor
    assert contact_of(debtor).name not in text and format_cpf(debtor.document) not in text
    assert debtor.document[3:9] not in text


def test_a_pix_code_of_a_cancelled_agreement_says_do_not_pay(
    app: Flask, client: FlaskClient
) -> None:
    world = debt_world()
    agreement = make_agreement(world, payment_count=3)
    with app.app_context():
        payment = start_payment(
            db.session, agreement.installments[0].id, "pix", actor=SYSTEM, now=now_utc()
        )
        payment.agreement.state = "cancelled"
        db.session.commit()
        payload = str(payment.pix_payload)
    assert "foi cancelado porque o acordo foi encerrado. Não pague" in _text(
        _check(client, payload)
    )


def test_a_valid_pix_code_we_did_not_issue(client: FlaskClient) -> None:
    vectors = json.loads((FIXTURES / "pix_brcode.json").read_text())
    valid = next(v for v in vectors["valid"])
    text = _text(_check(client, valid["payload"]))
    assert "não foi emitido por este portal" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_a_reminder_with_our_link_names_the_company(app: Flask, client: FlaskClient) -> None:
    debtor, creditor = debtor_with_items()
    with app.app_context():
        _link, token = issue_reminder_link(
            db.session,
            db.session.merge(debtor),
            db.session.merge(creditor),
            channel=Channel.SMS,
            days=7,
            max_days=30,
            actor=SYSTEM,
            now=now_utc(),
        )
        db.session.commit()
    sms = f"{creditor.display_name}: ha uma pendencia. Acesse portal.test.example/a/{token}."
    text = _text(_check(client, sms))
    assert "emitido por este portal e ainda funciona" in text
    assert creditor.legal_name in text and contact_of(debtor).name not in text


def test_a_look_alike_address_is_not_ours(client: FlaskClient) -> None:
    text = _text(
        _check(client, "Regularize: https://portal-test-example.com/a/AAAAAAAAAAAAAAAAAAAAAA")
    )
    assert "não é deste portal" in text and "portal-test-example.com" in text
    shortened = _text(_check(client, "Pague hoje bit.ly/3xYz e evite protesto"))
    assert "não é deste portal" in shortened and "bit.ly" in shortened


def test_an_unknown_token_on_our_host_is_not_recognised(client: FlaskClient) -> None:
    text = _text(_check(client, "https://portal.test.example/a/AAAAAAAAAAAAAAAAAAAAAA"))
    assert "não reconhecemos este link de acesso" in text
    assert "Empresa credora" not in text


def _pix_payment(app: Flask, world):  # type: ignore[no-untyped-def]
    agreement = make_agreement(world, payment_count=3)
    with app.app_context():
        payment = start_payment(
            db.session, agreement.installments[0].id, "pix", actor=SYSTEM, now=now_utc()
        )
        db.session.commit()
        return payment.id, str(payment.pix_payload)


def test_a_replaced_pix_code_says_do_not_pay_and_why(app: Flask, client: FlaskClient) -> None:
    world = debt_world()
    payment_id, payload = _pix_payment(app, world)
    with app.app_context():
        db.session.get(Payment, payment_id).status = "canceled"
        db.session.commit()
    text = _text(_check(client, payload))
    assert "substituído por um mais novo. Não pague" in text
    assert "acordo foi encerrado" not in text and world.creditor.cnpj_formatted in text


def test_a_pix_code_that_was_paid_says_do_not_pay_again(app: Flask, client: FlaskClient) -> None:
    world = debt_world()
    payment_id, payload = _pix_payment(app, world)
    with app.app_context():
        db.session.get(Payment, payment_id).status = "succeeded"
        db.session.commit()
    # pasted as a bank app shares it: broken over lines, inside other words
    broken = f"Segue o Pix: {payload[:40]}\n{payload[40:]} obrigado"
    assert "já foi pago. Não pague de novo" in _text(_check(client, broken))


def _reminder(app: Flask, *, days: int = 7):  # type: ignore[no-untyped-def]
    debtor, creditor = debtor_with_items()
    with app.app_context():
        link, token = issue_reminder_link(
            db.session,
            db.session.merge(debtor),
            db.session.merge(creditor),
            channel=Channel.SMS,
            days=days,
            max_days=30,
            actor=SYSTEM,
            now=now_utc(),
        )
        db.session.commit()
        return debtor, creditor, link.id, token


def test_a_revoked_reminder_link_is_ours_but_no_longer_works(
    app: Flask, client: FlaskClient
) -> None:
    debtor, creditor, link_id, token = _reminder(app)
    with app.app_context():
        db.session.get(AccessLink, link_id).revoked_at = now_utc()
        db.session.commit()
    text = _text(_check(client, f"Acesse https://portal.test.example/a/{token}"))
    assert "não funciona mais" in text and creditor.cnpj_formatted in text
    assert "Válido até" not in text and contact_of(debtor).name not in text


def test_a_message_with_our_link_and_a_foreign_one_warns(app: Flask, client: FlaskClient) -> None:
    _debtor, _creditor, _id, token = _reminder(app)
    message = f"Acesse portal.test.example/a/{token} ou pague já em https://pague-rapido.example/x"
    text = _text(_check(client, message))
    assert "não é deste portal" in text and "pague-rapido.example" in text


def test_other_pages_of_ours_do_not_hide_the_access_link(app: Flask, client: FlaskClient) -> None:
    debtor, creditor, _id, token = _reminder(app)
    message = (
        "Conheça https://portal.test.example/ e confira em https://portal.test.example/verificar."
        f" Seu link: https://portal.test.example/a/{token}"
    )
    text = _text(_check(client, message))
    assert "emitido por este portal e ainda funciona" in text
    assert creditor.legal_name in text and debtor.document not in text
    only_ours = _text(_check(client, "Veja https://portal.test.example/verificar"))
    assert "não é deste portal" not in only_ours and "Não encontramos nada" in only_ours


def test_anything_else_finds_nothing(client: FlaskClient) -> None:
    text = _text(_check(client, "Olá, tudo bem?"))
    assert "Não encontramos nada emitido por este portal" in text


def test_our_name_inside_another_address_is_not_ours(client: FlaskClient) -> None:
    token = "A" * 22
    for trick, host in (
        (f"https://portal.test.example@golpe.example/a/{token}", "golpe.example"),
        (
            f"https://portal.test.example.golpe.example/a/{token}",
            "portal.test.example.golpe.example",
        ),
    ):
        text = _text(_check(client, f"Pague hoje: {trick}"))
        assert "não é deste portal" in text and host in text, trick
