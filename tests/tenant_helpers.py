"""Two companies, one person: the scene for tenant-isolation tests (issue 11).

``shared_person(app)`` builds companies A and B, each with a published policy, open items,
an accepted agreement (terms rendered), a paid first installment (receipt rendered) and an
open Pix attempt for the next one, all owed by **the same person** (one CPF), whom each
company knows under its own name and e-mail. ``Scene.b_secrets`` lists what must never
appear to a session or an API key that proved only A: B's item references, descriptions,
names, e-mail and amounts.

``crawl(client, starts)`` follows every same-site link and GET form from ``starts``, reads
every page and document (PDFs through pypdf) and returns their text by path.
"""

from __future__ import annotations

import io
from collections import deque
from dataclasses import dataclass, replace
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from portal.adapters.payments.base import ProviderEvent
from portal.core.clock import now_utc, today_br
from portal.core.context import SYSTEM
from portal.demo.policies import demo_policies
from portal.domain.payments import PaymentStatus
from portal.extensions import db
from portal.models import Agreement, Creditor, Debtor, Payment, PendingItem
from portal.services.payments import process_event, provider, start_payment
from portal.services.policies import publish_policy
from tests.factories import create_creditor, create_debtor, create_pending_item, relate
from tests.html import parse_page
from tests.journey_helpers import World, make_agreement


@dataclass
class Side:
    creditor: Creditor
    items: list[PendingItem]  # open ones
    agreement: Agreement
    paid: Payment  # succeeded (receipt rendered)
    open_payment: Payment  # an open Pix attempt
    person_name: str
    email: str


@dataclass
class Scene:
    debtor: Debtor
    a: Side
    b: Side

    @property
    def b_secrets(self) -> list[str]:
        """What nothing shown to company A's side may contain."""
        b = self.b
        secrets = [
            b.creditor.trade_name,
            b.creditor.legal_name,
            b.creditor.cnpj_formatted,
            b.person_name,
            b.email,
            *(item.external_reference for item in b.items),
            *(item.description for item in b.items),
            *(link.pending_item.external_reference for link in b.agreement.items),
            *(link.pending_item.description for link in b.agreement.items),
        ]
        amounts = [
            *(item.original_amount_cents for item in b.items),
            *(link.pending_item.original_amount_cents for link in b.agreement.items),
            b.agreement.total_cents,
            *(i.amount_cents for i in b.agreement.installments),
        ]
        # The figures as pages show them, in Portuguese and in English.
        for cents in amounts:
            reais, centavos = divmod(cents, 100)
            secrets += [f"{reais:,}".replace(",", ".") + f",{centavos:02d}"]
            secrets += [f"{reais:,}.{centavos:02d}"]
        return secrets


def _pay(app: Flask, agreement: Agreement, tag: str) -> tuple[Payment, Payment]:
    """The first installment paid through the sandbox (receipt rendered) and an open Pix
    attempt for the second."""
    with app.app_context():
        first = start_payment(
            db.session, agreement.installments[0].id, "pix", actor=SYSTEM, now=now_utc()
        )
        db.session.commit()
        reported = provider().simulate_success(str(first.provider_ref), now_utc()).payment
        reported = replace(
            reported, status=PaymentStatus.SUCCEEDED, amount_received_cents=first.amount_cents
        )
        event = ProviderEvent(
            event_id=f"evt_tenant_{tag}_{agreement.id}",
            type="payment_intent.succeeded",
            created=now_utc(),
            payment=reported,
        )
        process_event(db.session, "sandbox", event, now=now_utc())
        db.session.commit()
        second = start_payment(
            db.session, agreement.installments[1].id, "pix", actor=SYSTEM, now=now_utc()
        )
        db.session.commit()
        ids = first.id, second.id
    return db.session.get_one(Payment, ids[0]), db.session.get_one(Payment, ids[1])


def _side(
    app: Flask,
    debtor: Debtor,
    *,
    tag: str,
    policy: str,
    amounts: tuple[int, ...],
    agreed: tuple[int, ...],
    person_name: str,
    email: str,
) -> Side:
    creditor = create_creditor(
        legal_name=f"Companhia {tag} de Testes S.A.",
        trade_name=f"Marca{tag}",
        pix_key=f"pix@{tag.lower()}.example.com",
    )
    publish_policy(db.session, creditor, demo_policies()[policy], actor=SYSTEM)
    relate(creditor, debtor, name=person_name, email=email, phone=None)
    due = today_br() - timedelta(days=40)
    agreed_items = [
        create_pending_item(
            creditor=creditor,
            debtor=debtor,
            original_amount_cents=cents,
            original_due_date=due,
            external_reference=f"{tag}-ACORDO-{n}",
            description=f"Conta {tag} no acordo {n}",
        )
        for n, cents in enumerate(agreed)
    ]
    db.session.commit()
    agreement = make_agreement(World(creditor, debtor, agreed_items), payment_count=3)
    paid, open_payment = _pay(app, agreement, tag)
    items = [
        create_pending_item(
            creditor=creditor,
            debtor=debtor,
            original_amount_cents=cents,
            original_due_date=due,
            external_reference=f"{tag}-ABERTA-{n}",
            description=f"Fatura {tag} em aberto {n}",
        )
        for n, cents in enumerate(amounts)
    ]
    db.session.commit()
    db.session.refresh(agreement)
    return Side(creditor, items, agreement, paid, open_payment, person_name, email)


def shared_person(app: Flask) -> Scene:
    debtor = create_debtor(name="Pessoa Sem Empresa", email=None)
    a = _side(
        app,
        debtor,
        tag="ALFA",
        policy="energia",
        amounts=(31_415, 27_182),
        agreed=(41_421,),
        person_name="Maria Aparecida Alfa",
        email="maria.alfa@alfa.example",
    )
    b = _side(
        app,
        debtor,
        tag="BETA",
        policy="energia",
        amounts=(93_571, 86_420),
        agreed=(77_713, 66_607),
        person_name="Maria Beatriz Beta",
        email="maria.beta@beta.example",
    )
    return Scene(debtor, a, b)


def _text(response: object) -> str:
    mimetype = getattr(response, "mimetype", "")
    data: bytes = response.get_data()  # type: ignore[attr-defined]
    if mimetype == "application/pdf":
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return data.decode("utf-8", "replace")


def crawl(client: FlaskClient, starts: list[str], *, limit: int = 400) -> dict[str, str]:
    """Every same-site page and document reachable by GET from ``starts``: path → text."""
    seen: dict[str, str] = {}
    queue = deque(starts)
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen:
            continue
        response = client.get(path)
        seen[path] = f"{response.status_code}\n{_text(response)}"
        if response.status_code in (301, 302, 303, 307, 308):
            queue.append(_local(path, response.headers["Location"]) or "/")
            continue
        if response.mimetype != "text/html":
            continue
        soup = parse_page(response)
        targets = [a.get("href") for a in soup.find_all("a")]
        targets += [
            f.get("action") or path
            for f in soup.find_all("form")
            if (f.get("method") or "get").lower() == "get"
        ]
        for target in targets:
            local = _local(path, str(target or ""))
            if local and local not in seen:
                queue.append(local)
    return seen


def _local(base: str, href: str) -> str | None:
    if not href or href.startswith(("mailto:", "tel:", "#", "javascript:")):
        return None
    parts = urlsplit(urljoin(f"https://portal.test.example{base}", href))
    if parts.netloc != "portal.test.example" or parts.path.startswith("/static/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def leaks(pages: dict[str, str], secrets: list[str]) -> list[tuple[str, str]]:
    """(path, secret) for every secret found in a page."""
    return [(path, s) for path, text in pages.items() for s in secrets if s and s in text]
