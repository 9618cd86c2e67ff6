"""The sandbox's Pix charges with a due date (portal/adapters/payments/sandbox_due.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import Flask

from portal.adapters.payments.base import DueDateCharges, ProviderError
from portal.adapters.payments.sandbox import SandboxProvider
from portal.core.clock import BRASILIA
from portal.domain.calendar import anbima_calendar
from portal.domain.cobv import CobvNotPayable, CobvTerms, cobv_amount
from portal.domain.payments import PaymentStatus as P
from portal.domain.pix import parse_brcode
from portal.extensions import db
from tests.pix_api_helpers import PAYEE, terms

DUE = date(2026, 3, 13)  # a Friday; the last payable day (30 days after) is Sunday 12 April
LAST_DAY = date(2026, 4, 13)  # so the Monday after


@pytest.fixture
def sandbox(app: Flask) -> Iterator[SandboxProvider]:
    with app.app_context():
        yield SandboxProvider("http://portal.test:5000/", lambda: db.session)
        db.session.rollback()


def _create(sandbox: SandboxProvider, key: str = "inst:1:pix:1:202603010000", **extra: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "amount_cents": 12_345,
        "description": "Acordo 1 - pagamento 2 de 3",
        "payee": PAYEE,
        "metadata": {"installment_id": "1"},
        "terms": terms(DUE),
        "idempotency_key": key,
        **extra,
    }
    return sandbox.create_pix_due(**values)  # type: ignore[arg-type]


def _at(day: date) -> datetime:
    return datetime.combine(day, time(12), BRASILIA).astimezone(UTC)


def test_the_sandbox_offers_charges_with_a_due_date(sandbox: SandboxProvider) -> None:
    assert isinstance(sandbox, DueDateCharges)


def test_a_cobv_has_a_dynamic_code_for_its_bank_page_and_lives_to_its_last_day(
    sandbox: SandboxProvider,
) -> None:
    created = _create(sandbox)
    assert created.status == P.AWAITING
    assert created.amount_cents == 12_345 and created.checkout_url is None
    code = parse_brcode(str(created.pix_payload))
    assert code.is_dynamic and code.key is None
    assert code.url == f"portal.test:5000/sandbox/banco/{created.provider_ref}"
    assert code.amount_cents == 12_345  # the original amount; the bank page has the day's
    assert (code.merchant_name, code.merchant_city) == ("Credora S.A.", "Sao Paulo")
    assert created.expires_at is not None
    assert created.expires_at.astimezone(BRASILIA).date() == LAST_DAY
    assert created.expires_at.astimezone(BRASILIA).time() == time(23, 59, 59)
    again = _create(sandbox)  # the same idempotency key: the same charge
    assert (again.provider_ref, again.pix_payload) == (created.provider_ref, created.pix_payload)
    with pytest.raises(ProviderError, match="other parameters"):
        _create(sandbox, amount_cents=12_346)


def test_a_payee_without_a_pix_key_gets_no_charge(sandbox: SandboxProvider) -> None:
    from dataclasses import replace

    with pytest.raises(ProviderError, match="no Pix key"):
        _create(sandbox, payee=replace(PAYEE, pix_key=None))
    with pytest.raises(ProviderError, match="cannot build"):
        _create(sandbox, key="other", payee=replace(PAYEE, name="東京"))


def test_the_bank_asks_the_domains_amount_of_the_day(sandbox: SandboxProvider) -> None:
    ref = _create(sandbox).provider_ref
    domain = CobvTerms(12_345, DUE, 30, terms(DUE).multa_pct, terms(DUE).juros_monthly_pct)
    for day in (DUE - timedelta(days=3), DUE, DUE + timedelta(days=1), date(2026, 4, 1)):
        assert sandbox.due_quote(ref, day) == cobv_amount(domain, day, anbima_calendar())
    late = sandbox.due_quote(ref, date(2026, 4, 1))  # 19 days after Friday the 13th
    assert (late.multa_cents, late.juros_cents, late.total_cents) == (247, 78, 12_670)
    assert sandbox.due_quote(ref, LAST_DAY).late_days == 31
    with pytest.raises(CobvNotPayable):
        sandbox.due_quote(ref, LAST_DAY + timedelta(days=1))
    immediate = sandbox.create_pix(
        amount_cents=100,
        description="à vista",
        payee=PAYEE,
        metadata={},
        expires_at=_at(DUE),
        idempotency_key="cob",
    )
    with pytest.raises(ProviderError, match="not a sandbox charge with a due date"):
        sandbox.due_quote(immediate.provider_ref, DUE)


def test_paid_on_time_the_charge_is_received_without_charges(sandbox: SandboxProvider) -> None:
    ref = _create(sandbox).provider_ref
    paid = sandbox.simulate_success(ref, _at(date(2026, 3, 13))).payment
    assert paid is not None
    assert (paid.status, paid.amount_received_cents, paid.charges_cents) == (
        P.SUCCEEDED,
        12_345,
        0,
    )


def test_paid_late_multa_and_juros_come_on_top_of_the_charge(sandbox: SandboxProvider) -> None:
    ref = _create(sandbox).provider_ref
    paid = sandbox.simulate_success(ref, _at(date(2026, 4, 1))).payment
    assert paid is not None
    assert (paid.amount_received_cents, paid.charges_cents) == (12_345, 247 + 78)
    # A second report of the same payment keeps what the bank took that day.
    again = sandbox.simulate_success(ref, _at(date(2026, 4, 10))).payment
    assert again is not None and again.charges_cents == 325
    assert sandbox.retrieve(ref).charges_cents == 325


def test_past_its_last_day_the_bank_refuses_and_nothing_changes(sandbox: SandboxProvider) -> None:
    ref = _create(sandbox).provider_ref
    with pytest.raises(ProviderError, match="can no longer be paid"):
        sandbox.simulate_success(ref, _at(LAST_DAY + timedelta(days=1)))
    assert sandbox.retrieve(ref).status == P.AWAITING


def test_a_desconto_until_the_due_date_is_what_the_bank_takes_off(
    sandbox: SandboxProvider,
) -> None:
    from dataclasses import replace

    ref = _create(sandbox, terms=replace(terms(DUE), discount_cents=345)).provider_ref
    assert sandbox.due_quote(ref, DUE).total_cents == 12_000
    paid = sandbox.simulate_success(ref, _at(DUE)).payment
    assert paid is not None and (paid.amount_received_cents, paid.charges_cents) == (12_000, 0)
