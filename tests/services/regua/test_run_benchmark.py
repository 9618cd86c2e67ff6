"""Benchmark: planning a large portfolio on PostgreSQL, with flat memory.

``make bench`` runs it (``REGUA_BENCH_ITEMS``, default 200,000 open items for 100,000
debtors; the issue's million takes about five times as long). It plans at an instant in the
sending window (``--dry-run``: every message is planned, nothing is written) and prints the
time and the Python heap after every tenth batch; the heap must stay flat: the job keeps one
batch of debtors in memory, never the portfolio.
"""

from __future__ import annotations

import os
import time
import tracemalloc
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.demo.data import cpf_from_base
from portal.extensions import db
from portal.models import CreditorDebtor, Debtor, PendingItem
from portal.services.regua.run import RunReport

from .conftest import MONDAY, at, company, run_reminders

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ITEMS = int(os.environ.get("REGUA_BENCH_ITEMS", "200000"))
CHUNK = 10_000


def _load(creditor_id: int) -> None:
    debtors = ITEMS // 2
    for start in range(0, debtors, CHUNK):
        db.session.execute(
            sa.insert(Debtor),
            [
                {
                    "document_type": "cpf",
                    "document": cpf_from_base(f"{400_000_000 + n:09d}"),
                    "session_version": 0,
                }
                for n in range(start, min(start + CHUNK, debtors))
            ],
        )
    ids = list(db.session.scalars(sa.select(Debtor.id).order_by(Debtor.id)))
    # The contact belongs to the company's relationship with each person (tenant isolation).
    for start in range(0, debtors, CHUNK):
        db.session.execute(
            sa.insert(CreditorDebtor),
            [
                {
                    "creditor_id": creditor_id,
                    "debtor_id": ids[n],
                    "name": f"Pessoa {n}",
                    "email": f"p{n}@example.com",
                    "phone": f"+55119{n % 10**8:08d}",
                }
                for n in range(start, min(start + CHUNK, debtors))
            ],
        )
    rows = []
    for n in range(ITEMS):
        rows.append(
            {
                "creditor_id": creditor_id,
                "debtor_id": ids[n // 2],
                "external_reference": f"B-{n}",
                "description": "Fatura",
                "original_amount_cents": 10_000 + n % 90_000,
                "original_due_date": MONDAY - timedelta(days=1 + n % 200),
                "status": "open",
                "credited_cents": 0,
            }
        )
        if len(rows) == CHUNK:
            db.session.execute(sa.insert(PendingItem), rows)
            rows = []
    if rows:
        db.session.execute(sa.insert(PendingItem), rows)
    db.session.commit()


def test_planning_a_large_portfolio(committed: Flask) -> None:
    with committed.app_context():
        creditor, _ = company()
        db.session.commit()
        started = time.perf_counter()
        _load(creditor.id)
        loaded = time.perf_counter() - started
        heap: list[int] = []
        batches = [0]

        def progress(report: RunReport) -> None:
            batches[0] += 1
            if batches[0] % 10 == 0:
                db.session.expunge_all()
                heap.append(tracemalloc.get_traced_memory()[0])

        tracemalloc.start()
        started = time.perf_counter()
        report = run_reminders(
            db.session, at(MONDAY, 10), dry_run=True, batch_size=1000, progress=progress
        )
        planned_in = time.perf_counter() - started
        tracemalloc.stop()
    print(  # noqa: T201
        f"\n{ITEMS} items loaded in {loaded:.1f}s; planned in {planned_in:.1f}s "
        f"({ITEMS / planned_in:,.0f} items/s): {report.line()}; "
        f"heap every 10 batches (MiB): {[round(h / 2**20, 1) for h in heap]}"
    )
    assert report.debtors == ITEMS // 2
    assert report.sent == ITEMS // 2  # one a day per debtor: the other item is capped
    assert report.skipped_cap == ITEMS - ITEMS // 2
    assert max(heap) < 2 * heap[0] + 8 * 2**20  # flat: no growth with the portfolio
