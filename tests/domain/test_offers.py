import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from portal.domain.calendar import BankCalendar
from portal.domain.charges import ChargeRules, DebtorKind
from portal.domain.codec import canonical_json, decimal_text, decode, from_primitive
from portal.domain.errors import InstallmentCountUnavailable, InvalidOfferData, Message
from portal.domain.indexes import IndexTable
from portal.domain.offers import Installment, Offer, PlanOption
from portal.domain.simulation import build_offer

from .conftest import make_item, make_policy
from .test_simulation import AS_OF, CARNIVAL_MONDAY, worked_example


@pytest.fixture(scope="module")
def offer(anbima: BankCalendar) -> Offer:
    """An offer with correction, discounts, invalid options and several items."""
    table = IndexTable("IPCA", date(2025, 1, 1), tuple(Decimal(100 + k) for k in range(14)))
    policy = make_policy(charges=ChargeRules(Decimal(2), Decimal(1), table))
    items = [
        make_item(item_id="a", reference="Fatura março — São Paulo", due_date=date(2025, 3, 10)),
        make_item(item_id="b", principal_cents=7_777, due_date=date(2026, 1, 5)),
    ]
    return build_offer(
        items,
        policy,
        anbima,
        debtor_kind=DebtorKind.CONSUMER,
        as_of=AS_OF,
        first_due_date=CARNIVAL_MONDAY,
        down_payment_cents=4_000,
    )


def test_round_trip_gives_an_equal_offer_with_the_same_digest(offer: Offer) -> None:
    assert offer.items[0].balance.correction_cents > 0
    assert not offer.option(2).valid
    text = offer.to_json()
    again = Offer.from_json(text)
    assert again == offer
    assert again.digest == offer.digest
    assert again.to_json() == text
    assert offer.digest == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert len(offer.digest) == 64


def test_round_trip_with_the_policy_minimum_entrada(anbima: BankCalendar) -> None:
    offer = worked_example(anbima)
    offer = replace(offer, requested_down_payment_cents=None)
    assert Offer.from_json(offer.to_json()) == offer


def test_json_is_canonical(offer: Offer) -> None:
    text = offer.to_json()
    assert text.isascii()  # "São Paulo" and "—" are escaped
    assert ": " not in text and ", " not in text and "\n" not in text
    data = json.loads(text)
    assert list(data) == sorted(data)
    # Any JSON spelling of the same terms decodes to the same offer and digest.
    pretty = json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False)
    assert Offer.from_json(pretty).digest == offer.digest


def test_canonical_bytes_are_pinned() -> None:
    # Written by hand from the rules in codec.py: sorted keys, no spaces, dates ISO.
    row = Installment(1, date(2026, 3, 16), 20_574, 950, 19_624, 80_376)
    assert canonical_json(row) == (
        '{"amortization_cents":19624,"amount_cents":20574,"balance_after_cents":80376,'
        '"due_date":"2026-03-16","interest_cents":950,"number":1}'
    )
    message = Message.of("installment_below_minimum", "mínimo", amount_cents=5_000)
    assert canonical_json(message) == (
        '{"code":"installment_below_minimum","key":"m\\u00ednimo","params":[["amount_cents",5000]]}'
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2.50", "2.5"),
        ("2", "2"),
        ("2.000", "2"),
        ("1E+2", "100"),
        ("0.00", "0"),
        ("-0", "0"),
        ("0.0095", "0.0095"),
        ("-1.10", "-1.1"),
    ],
)
def test_decimals_encode_the_same_when_equal(value: str, text: str) -> None:
    assert decimal_text(Decimal(value)) == text


def test_equal_decimals_give_equal_digests(offer: Offer) -> None:
    option = offer.options[1]
    respelled = replace(option, nominal_monthly_rate_pct=Decimal("0.9500"))
    other = replace(offer, options=(offer.options[0], respelled, *offer.options[2:]))
    assert other == offer
    assert other.digest == offer.digest


def mutate(offer: Offer, change: Any) -> str:
    data = json.loads(offer.to_json())
    change(data)
    return json.dumps(data)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.pop("as_of"),
        lambda d: d.update(extra=1),
        lambda d: d.update(negotiated_cents="103500"),
        lambda d: d.update(negotiated_cents=True),
        lambda d: d.update(negotiated_cents=1.5),
        lambda d: d.update(as_of="09/02/2026"),
        lambda d: d.update(as_of=20260209),
        lambda d: d.update(debtor_kind="rg"),
        lambda d: d.update(format_version=2),
        lambda d: d.update(items={}),
        lambda d: d.update(policy_id=None),
        lambda d: d.update(requested_down_payment_cents="x"),
        lambda d: d["options"][0].update(cet_annual_pct="NaN"),
        lambda d: d["options"][0].update(cet_annual_pct="abc"),
        lambda d: d["options"][0].update(cet_annual_pct=1),
        lambda d: d["options"][1]["violations"][0].update(params=[["amount_cents"]]),
        lambda d: d["options"][1]["violations"][0].update(params=[["amount_cents", 1.5]]),
        lambda d: d["options"][1]["violations"][0].update(params=[["amount_cents", None]]),
    ],
)
def test_invalid_data_is_refused(offer: Offer, change: Any) -> None:
    with pytest.raises(InvalidOfferData):
        Offer.from_json(mutate(offer, change))


@pytest.mark.parametrize("text", ["", "not json", "[]", "null"])
def test_garbage_is_refused(text: str) -> None:
    with pytest.raises(InvalidOfferData):
        Offer.from_json(text)


def test_expected_digest(offer: Offer) -> None:
    assert Offer.from_json(offer.to_json(), expected_digest=offer.digest) == offer
    tampered = mutate(offer, lambda d: d.update(negotiated_cents=d["negotiated_cents"] - 1))
    with pytest.raises(InvalidOfferData):
        Offer.from_json(tampered, expected_digest=offer.digest)


def test_a_stored_offer_is_decoded_once_per_process(
    offer: Offer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.domain import offers

    calls: list[object] = []

    def counting(cls: type, data: object) -> object:
        calls.append(data)
        return decode(cls, data)

    offers._decoded.cache_clear()
    monkeypatch.setattr(offers, "decode", counting)
    text = offer.to_json()
    first = Offer.from_json(text, expected_digest=offer.digest)
    again = Offer.from_json(text, expected_digest=offer.digest)
    assert again is first and first == offer
    assert len(calls) == 1
    wrong = "0" * 64
    for _ in range(2):  # a refusal is never remembered as an answer, nor does it poison one
        with pytest.raises(InvalidOfferData):
            Offer.from_json(text, expected_digest=wrong)
    assert Offer.from_json(text, expected_digest=offer.digest) is first


def test_option_lookup_and_validity_window(offer: Offer) -> None:
    assert offer.option(1) is offer.cash_option
    assert offer.option(12).payment_count == 12
    with pytest.raises(InstallmentCountUnavailable) as caught:
        offer.option(13)
    assert caught.value.params == {"count": 13}
    assert offer.is_open_on(AS_OF)
    assert offer.is_open_on(offer.valid_until)
    assert not offer.is_open_on(offer.valid_until + timedelta(days=1))
    assert not offer.is_open_on(date(2026, 2, 8))


def test_an_offer_stored_before_the_rule_closes_on_its_first_payment(offer: Offer) -> None:
    # Offers made before issue 13 could say valid_until after their entrada date: accepted
    # then, the agreement started overdue and lapsed on the next job run.
    legacy = replace(offer, valid_until=date(2026, 3, 31))
    first = legacy.first_payment_date
    assert first == date(2026, 2, 18)
    assert legacy.open_until == first
    assert legacy.is_open_on(first)
    assert not legacy.is_open_on(first + timedelta(days=1))


def test_largest_installment(offer: Offer) -> None:
    option: PlanOption = offer.option(6)
    assert option.largest_installment_cents == max(
        row.amount_cents for row in option.installments[1:]
    )
    assert offer.cash_option.largest_installment_cents == 0


@dataclass(frozen=True)
class Holder:
    value: Any


@pytest.mark.parametrize("value", [{1, 2}, 1.5, datetime(2026, 1, 1), Decimal("Infinity")])
def test_codec_refuses_unsupported_values(value: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        canonical_json(Holder(value))


def test_codec_decodes_supported_shapes() -> None:
    assert from_primitive(tuple[int, str], [1, "a"]) == (1, "a")
    assert from_primitive(bool, True) is True
    assert from_primitive(int | None, None) is None
    assert from_primitive(int | str, "a") == "a"
    assert decode(Installment, json.loads(canonical_json(Installment(0, AS_OF, 1, 0, 1, 0)))) == (
        Installment(0, AS_OF, 1, 0, 1, 0)
    )


@pytest.mark.parametrize(
    ("tp", "data"),
    [
        (tuple[int, str], [1]),
        (bool, 1),
        (int, True),
        (int, None),
        (set[int], [1]),
        (float, 1.5),
    ],
)
def test_codec_refuses_wrong_shapes(tp: Any, data: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        from_primitive(tp, data)
