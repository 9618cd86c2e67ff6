"""The bench's data, made in-process through the portal's own services (never raw SQL).

Runs inside an application built with the bench's production environment, before the
servers start: schema by the Alembic migrations, the demo data set, then the two bulk
measurements (CSV import rows/s, access links issued/s) on the debtors the import creates,
and the agreements with open Pix payments whose signed ``payment_intent.succeeded`` events
the webhook run delivers.

Stripe's API is played by ``tests.fake_stripe.FakeStripe`` (the SDK runs unchanged against
it); only this process talks to it. The servers never call Stripe during the bench: they
receive the events, signed with the webhook secret they are configured with.
"""

from __future__ import annotations

import csv
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from portal.core.clock import now_utc, today_br
from portal.core.context import SYSTEM, Actor
from portal.extensions import db
from portal.models import (
    ActorType,
    Agreement,
    Channel,
    Creditor,
    Debtor,
    PendingItem,
    StaffUser,
)

BENCH_ACTOR = Actor(ActorType.SYSTEM, "bench")
CSV_HEADER = ("documento", "nome", "email", "referencia", "descricao", "valor", "vencimento")


@dataclass
class Prepared:
    """What the HTTP runs need, and the two bulk figures."""

    api_key: str = ""
    api_batch_file: Path | None = None
    dashboard_link: str = ""  # reminder-link path of a demo debtor with several pendências
    dashboard_digits: str = ""
    dashboard_creditor_id: int = 0
    poll_link: str = ""  # reminder-link path of a debtor with an open Pix payment
    poll_digits: str = ""
    poll_payment_id: int = 0
    webhook_payment_ids: list[int] = field(default_factory=list)
    webhook_events: list[dict[str, Any]] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)


def migrate_and_seed(app: Flask) -> None:
    import flask_migrate

    from portal.demo.data import seed_demo, seed_demo_staff
    from portal.services.learn.articles import load_bundled

    with app.app_context():
        flask_migrate.upgrade()
        seed_demo(db.session, today_br())
        seed_demo_staff(db.session)
        load_bundled(db.session, actor=BENCH_ACTOR, now=now_utc())
        db.session.commit()


def _cpf(n: int) -> str:
    from portal.demo.data import cpf_from_base

    return cpf_from_base(f"{700_000_000 + n:09d}")


def write_csv(path: Path, rows: int, prefix: str = "BENCH") -> None:
    """A pt-BR CSV of ``rows`` debtors with one pendência each, written as a stream (the
    same debtors for every ``prefix``: another file adds items to people already known)."""
    due = (today_br() - timedelta(days=60)).strftime("%d/%m/%Y")
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";", lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for n in range(rows):
            cents = 10_000 + (n * 7919) % 500_000
            writer.writerow(
                (
                    _cpf(n),
                    f"Pessoa Bench {n:07d}",
                    f"pessoa{n}@bench.example.com",
                    f"{prefix}-{n:08d}",
                    "Fatura em atraso",
                    f"{cents // 100},{cents % 100:02d}",
                    due,
                )
            )


def csv_import(app: Flask, path: Path, creditor_id: int) -> dict[str, Any]:
    """The CLI's path (``flask import-items``): queue the file, then run the job."""
    from portal.core.uow import unit_of_work, unit_per_step
    from portal.services.integration.csv_import import import_steps, queue_import

    with app.app_context():
        with path.open("rb") as stream, unit_of_work(db.session):
            job = queue_import(
                db.session,
                creditor_id=creditor_id,
                content=stream,  # stored a chunk at a time, as the CLI does
                file_name=path.name,
                actor=BENCH_ACTOR,
            )
        started = time.perf_counter()
        done = None
        for step in unit_per_step(import_steps(db.session, job.id), db.session):
            done = step  # a unit of work per batch, as the CLI and the task run it
        seconds = time.perf_counter() - started
        assert done is not None  # noqa: S101 - queued just above
        created, errors = done.created_rows, done.error_rows
    if errors or created == 0:
        raise RuntimeError(f"the bench CSV import refused rows ({errors} errors)")
    return {"rows": created, "seconds": seconds, "rows_per_s": created / seconds}


def issue_links(app: Flask, creditor_id: int) -> dict[str, Any]:
    """A bulk job for every debtor of the creditor (at most ``MAX_JOB_SIZE``), run as the
    Celery task runs it."""
    from portal.services.access.bulk_links import create_bulk_job
    from portal.services.access.tasks import bulk_issue_links_task
    from portal.services.backoffice.segments import SegmentFilter

    with app.app_context():
        creditor = db.session.get(Creditor, creditor_id)
        staff = db.session.scalar(sa.select(StaffUser).order_by(StaffUser.id).limit(1))
        assert creditor is not None and staff is not None  # noqa: S101 - seeded
        job = create_bulk_job(
            db.session,
            staff,
            creditor,
            SegmentFilter(),
            channel=Channel.SMS,
            days=7,
            actor=Actor(ActorType.STAFF, str(staff.id)),
            today=today_br(),
        )
        db.session.info.pop("portal.after_commit", None)  # run it here, timed, not queued
        db.session.commit()
        started = time.perf_counter()
        bulk_issue_links_task.run(job.id)
        seconds = time.perf_counter() - started
        db.session.refresh(job)
        issued, failed = job.done, job.failed
        db.session.commit()
    if failed or not issued:
        raise RuntimeError(f"the bench bulk job failed for {failed} debtors")
    return {"links": issued, "seconds": seconds, "links_per_s": issued / seconds}


def _open_pix_payment(fake: Any, debtor: Debtor, creditor_id: int) -> int:
    """Simulate, accept the single payment and open a Pix attempt, as a debtor would."""
    from portal.models import OfferSnapshot
    from portal.services.negotiation import AcceptanceContext, accept_offer
    from portal.services.negotiation.offers import create_offer
    from portal.services.payments import next_payable, start_payment
    from portal.services.policies import current_policy

    today, now = today_br(), now_utc()
    earliest, _latest = current_policy(db.session, creditor_id).first_due_window.bounds(today)
    snapshot, offer = create_offer(
        db.session,
        debtor,
        creditor_id,
        None,
        first_due_date=earliest,
        down_payment_cents=None,
        today=today,
        actor=BENCH_ACTOR,
    )
    option = next(o for o in offer.options if o.valid)
    snapshot = db.session.get(OfferSnapshot, snapshot.id)
    agreement: Agreement = accept_offer(
        db.session,
        debtor,
        snapshot,
        offer,
        option.payment_count,
        acceptance_key=secrets.token_hex(16),
        context=AcceptanceContext("127.0.0.1", "bench", "0" * 64, "bench", None),
        actor=Actor(ActorType.DEBTOR, str(debtor.id)),
        now=now,
        today=today,
    )
    installment = next_payable(agreement)
    assert installment is not None  # noqa: S101 - a fresh agreement
    payment = start_payment(db.session, installment.id, "pix", actor=SYSTEM, now=now)
    db.session.commit()
    return payment.id


def open_payments(app: Flask, creditor_id: int, count: int) -> tuple[list[int], Any]:
    """``count`` agreements with an open Pix payment each, on imported debtors."""
    from bench.env import STRIPE_KEY, WEBHOOK_SECRET
    from portal.adapters.payments.stripe import StripeProvider
    from tests.fake_stripe import FakeStripe

    fake = FakeStripe()
    app.extensions["payment_provider"] = StripeProvider(
        STRIPE_KEY, (WEBHOOK_SECRET,), http_client=fake, max_network_retries=0
    )
    ids: list[int] = []
    with app.app_context():
        debtor_ids = list(
            db.session.scalars(
                sa.select(PendingItem.debtor_id)
                .where(
                    PendingItem.creditor_id == creditor_id,
                    PendingItem.external_reference.like("BENCH-%"),
                )
                .order_by(PendingItem.id.desc())
                .limit(count)
            )
        )
        for debtor_id in debtor_ids:
            debtor = db.session.get(Debtor, debtor_id)
            assert debtor is not None  # noqa: S101
            ids.append(_open_pix_payment(fake, debtor, creditor_id))
    return ids, fake


def succeeded_events(app: Flask, fake: Any, payment_ids: list[int]) -> Iterator[dict[str, Any]]:
    """The payer pays each Pix code: Stripe's ``payment_intent.succeeded`` event for each."""
    from portal.models import Payment

    with app.app_context():
        refs = dict(
            db.session.execute(
                sa.select(Payment.id, Payment.provider_ref).where(Payment.id.in_(payment_ids))
            ).all()
        )
    for payment_id in payment_ids:
        fake.pay_pix(refs[payment_id])
    for event in fake.events():
        if event["type"] == "payment_intent.succeeded":
            yield event


def reminder_link(app: Flask, debtor_id: int, creditor_id: int) -> str:
    from portal.services.access.links import issue_reminder_link

    with app.app_context():
        debtor = db.session.get(Debtor, debtor_id)
        creditor = db.session.get(Creditor, creditor_id)
        assert debtor is not None and creditor is not None  # noqa: S101
        _link, token = issue_reminder_link(
            db.session,
            debtor,
            creditor,
            channel=Channel.SMS,
            days=1,
            max_days=30,
            actor=BENCH_ACTOR,
            now=now_utc(),
        )
        db.session.commit()
    return f"/a/{token}"


def dashboard_debtor(app: Flask) -> tuple[int, int, str]:
    """The demo debtor with the most pendências: (debtor id, creditor id, CPF's 3 digits)."""
    with app.app_context():
        row = db.session.execute(
            sa.select(PendingItem.debtor_id, sa.func.min(PendingItem.creditor_id), Debtor.document)
            .join(Debtor, Debtor.id == PendingItem.debtor_id)
            .where(PendingItem.external_reference.like("DEMO-%"))
            .group_by(PendingItem.debtor_id, Debtor.document)
            .order_by(sa.func.count().desc(), PendingItem.debtor_id)
            .limit(1)
        ).one()
    return int(row[0]), int(row[1]), str(row[2])[:3]


def api_key(app: Flask, creditor_id: int) -> str:
    from portal.services.integration.api_keys import create_key

    with app.app_context():
        _key, secret = create_key(db.session, creditor_id, "bench", actor=BENCH_ACTOR)
        db.session.commit()
    return secret


def api_batch(path: Path, size: int) -> None:
    """A batch of ``size`` items the import already holds: a re-sync (all ``unchanged``)."""
    import json

    due = (today_br() - timedelta(days=60)).isoformat()
    items = [
        {
            "external_reference": f"BENCH-{n:08d}",
            "debtor_document": _cpf(n),
            "description": "Fatura em atraso",
            "amount_cents": 10_000 + (n * 7919) % 500_000,
            "due_date": due,
        }
        for n in range(size)
    ]
    path.write_text(json.dumps({"items": items}), encoding="utf-8")
