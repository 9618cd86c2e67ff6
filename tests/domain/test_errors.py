import re
from datetime import date

import pytest

from portal.domain import errors
from portal.domain.errors import N_, Message, NegotiationError

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
SUFFIXES = ("_cents", "_date", "_pct")


def display_name(param: str) -> str:
    """The placeholder a parameter fills, per the naming rule in errors.py."""
    for suffix in SUFFIXES:
        if param.endswith(suffix):
            return param.removesuffix(suffix)
    return param


ERRORS: list[NegotiationError] = [
    errors.NegotiationError(),
    errors.InvalidPolicy("charges.multa_pct"),
    errors.InvalidAmount("down_payment_cents"),
    errors.InvalidItem("it-1", "principal_cents"),
    errors.NoItemsSelected(),
    errors.DuplicateItem("it-1"),
    errors.FirstDueDateOutOfWindow(date(2026, 2, 10).isoformat(), date(2026, 2, 19).isoformat()),
    errors.DownPaymentAboveTotal(103_500),
    errors.InstallmentCountUnavailable(30),
    errors.IndexNotAvailable("2019-12"),
    errors.InvalidIndexTable(3),
    errors.CalendarUnavailable("ANBIMA"),
    errors.InvalidCashFlows(),
    errors.InvalidOfferData(),
]


def test_marker_returns_its_argument() -> None:
    assert N_("mínimo de %(amount)s por parcela") == "mínimo de %(amount)s por parcela"


@pytest.mark.parametrize("error", ERRORS, ids=lambda error: type(error).__name__)
def test_every_error_has_a_code_and_a_key_whose_placeholders_match_its_params(
    error: NegotiationError,
) -> None:
    assert isinstance(error, Exception)
    assert error.code and error.code in str(error)
    placeholders = set(PLACEHOLDER.findall(error.message_key))
    assert placeholders == {display_name(name) for name in error.params}
    message = error.message
    assert (message.code, message.key, message.params_dict()) == (
        error.code,
        error.message_key,
        error.params,
    )
    # The web layer formats money and dates, then interpolates: that must not fail.
    rendered = error.message_key % {display_name(k): v for k, v in error.params.items()}
    assert "%(" not in rendered


def test_codes_are_unique() -> None:
    codes = [type(error).code for error in ERRORS]
    assert len(codes) == len(set(codes))


def test_message_params_are_sorted_and_hashable() -> None:
    message = Message.of("x", N_("%(b)s %(a)s"), b=2, a="1")
    assert message.params == (("a", "1"), ("b", 2))
    assert message.params_dict() == {"a": "1", "b": 2}
    assert hash(message) == hash(Message("x", "%(b)s %(a)s", (("a", "1"), ("b", 2))))
    assert Message("y", "k").params == ()
