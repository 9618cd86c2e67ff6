"""Benchmark: 100,000 reminder links issued in bulk on PostgreSQL (real commits per batch).

``BENCH_LINKS`` debtors (default 100,000: issue 15's target is 30 s for them) are imported
by CSV, then ``issue_reminder_links`` issues a link to each, ``BULK_BATCH`` (5,000) a unit of
work, as a bulk job's task does batch by batch. Prints links/s and the peak memory growth;
fails far beyond the measured figures. ``make bench`` runs it; ``make test-postgres`` does
not (marker ``slow``).
"""

from __future__ import annotations

import os
import time

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.core.clock import now_utc
from portal.core.context import Actor
from portal.core.uow import unit_of_work
from portal.extensions import db
from portal.models import AccessLink, ActorType, AuditEvent, Channel, CreditorDebtor
from portal.services.access.links import issue_reminder_links
from tests.factories import create_creditor
from tests.services.integration.test_csv_import_benchmark import (
    _import,
    generated_file,
    memory_mark,
    peak_since_mark,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(900)]

LINKS = int(os.environ.get("BENCH_LINKS", "100000"))
BULK_BATCH = 5_000


def test_issue_100_000_links(committed: Flask) -> None:
    with committed.app_context():
        creditor_id = create_creditor().id
        db.session.commit()
    _import(committed, creditor_id, generated_file(2 * LINKS))  # two items per debtor
    agent = Actor(ActorType.STAFF, "1")
    with committed.app_context():
        debtors = list(
            db.session.scalars(
                sa.select(CreditorDebtor.debtor_id)
                .where(CreditorDebtor.creditor_id == creditor_id)
                .order_by(CreditorDebtor.debtor_id)
            )
        )
        db.session.commit()
        assert len(debtors) == LINKS
        before = memory_mark()
        started = time.perf_counter()
        issued = 0
        for start in range(0, LINKS, BULK_BATCH):
            with unit_of_work(db.session):
                issued += len(
                    issue_reminder_links(
                        db.session,
                        creditor_id,
                        debtors[start : start + BULK_BATCH],
                        channel=Channel.SMS,
                        days=7,
                        max_days=30,
                        actor=agent,
                        now=now_utc(),
                    )
                )
        elapsed = time.perf_counter() - started
        grown = peak_since_mark() - before
        print(  # noqa: T201
            f"\naccess links: {issued:,} issued in {elapsed:.1f} s = {issued / elapsed:,.0f} "
            f"links/s; peak memory {grown:+.0f} MB (load average {os.getloadavg()[0]:.1f})"
        )
        links = db.session.scalar(sa.select(sa.func.count()).select_from(AccessLink))
        records = db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "link.issued")
        )
    assert issued == links == records == LINKS
    assert LINKS / elapsed > 1_000, "far slower than measured (about 5,000 links/s)"
    assert grown < 100, "a batch's links at a time: memory does not grow with the job"
