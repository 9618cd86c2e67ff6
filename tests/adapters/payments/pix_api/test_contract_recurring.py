"""Contract: Pix Automático calls of the pix_api adapter against Prism serving the official
spec (``rec``, ``locrec``, ``cobr``, the retry, and the webhookrec/webhookcobr examples).

Prism validates each request against the spec's schemas and answers its examples, which the
adapter must read. Payers are companies here: the spec writes the CPF pattern as
``/^\\d{11}$/`` (a JavaScript literal), which no CPF matches (see ``test_contract.py``)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import yaml

from portal.adapters.payments.base import Payer, RecurrenceTerms
from portal.adapters.payments.pix_api import PixApiError, PixApiProvider
from portal.adapters.payments.pix_api.recurring import (
    charge_from,
    cobr_txid,
    rec_body,
    recurrence_from,
    recurring_notification,
)
from tests.adapters.payments.pix_api.test_contract import (  # noqa: F401  (fixtures)
    SPEC,
    prism_url,
    provider,
    token_url,
)

pytestmark = pytest.mark.pix_api
ID_REC = "RR1234567820240115abcdefghijk"
ACCOUNT = {"tipoConta": "CORRENTE", "agencia": "0001", "conta": "123456"}


def _terms() -> RecurrenceTerms:
    return RecurrenceTerms(
        contract="ACORDO-42",
        purpose="Acordo 42 Credora S.A.",
        payer=Payer(document="11222333000181", name="Empresa Devedora Ltda"),
        first_due=date.today() + timedelta(days=20),
        last_due=date.today() + timedelta(days=200),
        retry_policy="PERMITE_3R_7D",
        max_amount_cents=25_000,
    )


def _spec_quirks(body: dict[str, object]) -> dict[str, object]:
    """The spec's ``RecBase`` (shared by request and answer) requires ``idRec`` and
    ``retentativa`` in ``POST /rec`` too, although the PSP makes the idRec and ``retentativa``
    is defined nowhere; its own request examples (``recBody1``, ``recBody2``) leave both out.
    We send what the examples send; here the two are added so Prism checks everything else
    of our body."""
    return {**body, "idRec": ID_REC, "retentativa": "PERMITE_3R_7D"}


def test_our_locrec_and_rec_requests_conform_and_the_answer_is_read(
    provider: PixApiProvider,  # noqa: F811
) -> None:
    location = provider.client.call("POST", "/locrec", "contract")
    assert isinstance(location["id"], int)
    body = rec_body(_terms(), location["id"])
    assert "idRec" not in body  # as the spec's own examples
    answer = provider.client.call("POST", "/rec", "contract", json=_spec_quirks(body))
    read = recurrence_from(answer)
    assert len(read.provider_ref) == 29 and read.status == "requested"


def test_prism_really_validates_a_rec_without_its_vinculo_is_refused(
    provider: PixApiProvider,  # noqa: F811
) -> None:
    body = _spec_quirks(rec_body(_terms(), None))
    del body["vinculo"]
    with pytest.raises(PixApiError) as refused:
        provider.client.call("POST", "/rec", "contract", json=body)
    assert refused.value.status == 400


def test_reading_and_cancelling_a_recurrence_conform(provider: PixApiProvider) -> None:  # noqa: F811
    assert provider.retrieve_recurrence(ID_REC).provider_ref
    cancelled = provider.cancel_recurrence(ID_REC)
    assert cancelled.provider_ref


def test_our_cobr_request_conforms_and_the_answer_is_read(provider: PixApiProvider) -> None:  # noqa: F811
    provider.receiver_account = ACCOUNT
    charge = provider.create_recurring_charge(
        recurrence_ref=ID_REC,
        amount_cents=10_607,
        due_date=date.today() + timedelta(days=5),
        description="Acordo 42 - pagamento 2 de 4",
        idempotency_key="cobr:1:2:1",
    )
    assert charge.amount_cents > 0 and charge.outcome == "pending"
    assert len(cobr_txid("cobr:1:2:1")) == 35


def test_reading_retrying_and_cancelling_a_cobr_conform(provider: PixApiProvider) -> None:  # noqa: F811
    txid = cobr_txid("cobr:1:3:1")
    read = provider.retrieve_recurring_charge(txid)
    assert read.txid and read.amount_cents > 0
    retried = provider.retry_recurring_charge(txid, date.today() + timedelta(days=2))
    assert retried.attempts  # the spec's answer lists the attempts
    answer = provider.client.call(
        "PATCH", f"/cobr/{txid}", "contract", json={"status": "CANCELADA"}
    )
    assert charge_from(answer).outcome == "ended"


def test_a_retry_date_outside_the_spec_format_is_refused(provider: PixApiProvider) -> None:  # noqa: F811
    with pytest.raises(PixApiError):
        provider.client.call("POST", f"/cobr/{cobr_txid('x')}/retentativa/amanha", "contract")


def test_the_specs_own_recurring_examples_are_read() -> None:
    examples = yaml.safe_load(SPEC.read_text())["components"]["examples"]
    recs, txids = recurring_notification(examples["recWebhookNotification1"]["value"]) or ([], [])
    assert [(r.provider_ref, r.status) for r in recs] == [
        ("RR1026652320240821lab77511abf", "approved")
    ]
    assert txids == []
    recs, txids = recurring_notification(examples["cobRWebhookNotification1"]["value"]) or ([], [])
    assert recs == [] and txids == ["3136957d93134f2184b369e8f1c0729d"]
    retried = charge_from(examples["cobRResponse3"]["value"])
    assert retried.outcome == "pending" and retried.attempts == ("EXPIRADA", "AGENDADA")
    cancelled = charge_from(examples["cobRResponse4"]["value"])
    assert cancelled.outcome == "ended"
    assert recurring_notification({"pix": []}) is None
