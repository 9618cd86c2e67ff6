"""Benchmark: every option for 20 items up to 24 payments (target ≤ 2 ms per offer)."""

import statistics
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.domain.calendar import BankCalendar
from portal.domain.charges import ChargeRules, DebtorKind, PendingItem
from portal.domain.indexes import IndexTable
from portal.domain.policy import InstallmentBand
from portal.domain.simulation import build_offer

from .conftest import make_policy

REPETITIONS = 200


@pytest.mark.slow
def test_all_options_for_20_items_up_to_24_payments(anbima: BankCalendar) -> None:
    ipca = IndexTable("IPCA", date(2023, 1, 1), tuple(Decimal(7000 + 25 * k) for k in range(40)))
    policy = make_policy(
        charges=ChargeRules(Decimal(2), Decimal(1), ipca),
        installment_bands=(InstallmentBand(0, 24),),
        plan_monthly_rate_pct=Decimal("1.99"),
    )
    as_of = date(2026, 2, 9)
    items = [
        PendingItem(f"it-{k}", f"NF {k}", 10_000 + 1_237 * k, as_of - timedelta(days=20 + 37 * k))
        for k in range(20)
    ]

    def run() -> None:
        offer = build_offer(
            items,
            policy,
            anbima,
            debtor_kind=DebtorKind.CONSUMER,
            as_of=as_of,
            first_due_date=date(2026, 2, 16),
        )
        assert len(offer.options) == 24

    run()  # warm-up
    timings = []
    for _ in range(REPETITIONS):
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    median_ms = statistics.median(timings) * 1000
    label = f"20 items, 24 payments: median {median_ms:.3f} ms over {REPETITIONS} runs"
    print(f"\nbuild_offer, {label}")  # noqa: T201
    assert median_ms < 20  # generous so CI never flakes; the target is ≤ 2 ms
