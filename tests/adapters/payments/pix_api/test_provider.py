"""The pix_api adapter against the stateful fake PSP, over real mutual TLS."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from portal.adapters.payments.base import InvalidSignature, ProviderError
from portal.adapters.payments.pix_api import PixApiError, mapping
from portal.domain.payments import PaymentStatus as P
from portal.domain.pix import parse_brcode
from tests.fake_pix_api import FakePixApi, running
from tests.pix_api_helpers import PAYEE, client_for, in_an_hour, provider_for, terms
from tests.pix_certs import Pki, make_pki

pytestmark = pytest.mark.pix_api


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(Path(tmp_path_factory.mktemp("pki")))


@pytest.fixture
def fake(pki: Pki) -> Iterator[FakePixApi]:
    with running(pki) as server:
        yield server


def cob(fake: FakePixApi, pki: Pki, key: str = "inst:1:pix:1:202601010000", amount: int = 12_345):
    provider = provider_for(fake, pki)
    return provider, provider.create_pix(
        amount_cents=amount,
        description="Acordo 1 - pagamento 1 de 1",
        payee=PAYEE,
        metadata={},
        expires_at=in_an_hour(),
        idempotency_key=key,
    )


# ---------------------------------------------------------------------- client: mTLS, OAuth


def test_one_token_and_one_connection_serve_many_calls(fake: FakePixApi, pki: Pki) -> None:
    provider, payment = cob(fake, pki)
    for _ in range(3):
        provider.retrieve(payment.provider_ref)
    assert provider.client.token_requests == 1
    assert [c[0] for c in fake.calls].count("POST") == 1
    assert len(set(fake.client_ports)) == 1, "the pooled connection is reused (keep-alive)"


def test_the_token_is_renewed_when_it_expires(fake: FakePixApi, pki: Pki) -> None:
    clock = [1000.0]
    fake.token_lifetime = 60
    client = client_for(fake, pki, monotonic=lambda: clock[0])
    client.token()
    clock[0] += 20
    client.token()
    assert client.token_requests == 1
    clock[0] += 15  # 30 s before its expiry the cached token is no longer used
    client.token()
    assert client.token_requests == 2


def test_a_revoked_token_is_replaced_once(fake: FakePixApi, pki: Pki) -> None:
    provider, payment = cob(fake, pki)
    fake.tokens.clear()  # the PSP revoked every token
    assert provider.retrieve(payment.provider_ref).status == P.AWAITING
    assert provider.client.token_requests == 2


def test_without_the_client_certificate_nothing_gets_through(fake: FakePixApi, pki: Pki) -> None:
    for cert, key in ((None, None), (str(pki.stranger_cert), str(pki.stranger_key))):
        client = client_for(fake, pki, cert_file=cert, key_file=key)
        with pytest.raises(PixApiError, match="could not be reached"):
            client.token()
    assert fake.calls == []


def test_wrong_client_credentials_are_a_clear_error(fake: FakePixApi, pki: Pki) -> None:
    client = client_for(fake, pki, client_secret="wrong")
    with pytest.raises(PixApiError, match="refused the client credentials"):
        client.token()


def test_a_slow_psp_times_out(fake: FakePixApi, pki: Pki) -> None:
    fake.delay_seconds = 1.0
    client = client_for(fake, pki, timeout=(1.0, 0.2))
    with pytest.raises(PixApiError, match=r"could not be reached.*Timeout"):
        client.token()


# ---------------------------------------------------------------------- charges


def test_cob_for_a_single_payment_shows_a_checked_dynamic_code(fake: FakePixApi, pki: Pki) -> None:
    _, payment = cob(fake, pki)
    assert payment.status == P.AWAITING and payment.amount_cents == 12_345
    assert payment.provider_ref.startswith("imed") and len(payment.provider_ref) == 35
    charge = fake.charge(payment.provider_ref)
    assert charge["valor"] == {"original": "123.45"}
    assert 3500 <= charge["calendario"]["expiracao"] <= 3600
    assert charge["chave"] == PAYEE.pix_key
    assert parse_brcode(payment.pix_payload or "").url == charge["location"]
    assert payment.expires_at is not None and payment.expires_at > datetime.now(UTC)


def test_cobv_carries_due_date_multa_juros_and_payer(fake: FakePixApi, pki: Pki) -> None:
    provider = provider_for(fake, pki)
    due = date.today() + timedelta(days=10)
    payment = provider.create_pix_due(
        amount_cents=10_000,
        description="Acordo 7 - pagamento 2 de 4",
        payee=PAYEE,
        metadata={},
        terms=terms(due, days=15),
        idempotency_key="inst:9:pix:1:202601010000",
    )
    charge = fake.charge(payment.provider_ref)
    assert payment.provider_ref.startswith("venc") and payment.status == P.AWAITING
    assert charge["calendario"]["dataDeVencimento"] == due.isoformat()
    assert charge["calendario"]["validadeAposVencimento"] == 15
    assert charge["valor"]["multa"] == {"modalidade": 2, "valorPerc": "2.00"}
    assert charge["valor"]["juros"] == {"modalidade": 3, "valorPerc": "1.00"}
    assert charge["devedor"] == {"cpf": "52998224725", "nome": "Maria da Silva"}
    assert payment.expires_at == mapping.due_expiry(due, 15)


def test_a_retried_create_reads_back_the_same_charge(fake: FakePixApi, pki: Pki) -> None:
    provider, first = cob(fake, pki)
    again = provider.create_pix(
        amount_cents=12_345,
        description="Acordo 1 - pagamento 1 de 1",
        payee=PAYEE,
        metadata={},
        expires_at=in_an_hour(),
        idempotency_key="inst:1:pix:1:202601010000",
    )
    assert again.provider_ref == first.provider_ref and len(fake.charges) == 1
    with pytest.raises(ProviderError, match="another amount"):
        cob(fake, pki, amount=999)


@pytest.mark.parametrize("knob", ["corrupt_codes", "foreign_location"])
def test_a_bad_br_code_from_the_psp_is_never_shown(fake: FakePixApi, pki: Pki, knob: str) -> None:
    setattr(fake, knob, True)
    with pytest.raises(ProviderError, match=r"invalid BR Code|another location"):
        cob(fake, pki)


def test_cancel_removes_an_open_charge_and_reports_a_paid_one(fake: FakePixApi, pki: Pki) -> None:
    provider, open_one = cob(fake, pki)
    removed = provider.cancel(open_one.provider_ref, idempotency_key="k:cancel")
    assert removed.status == P.CANCELED
    assert fake.charge(open_one.provider_ref)["status"] == "REMOVIDA_PELO_USUARIO_RECEBEDOR"
    _, paid = cob(fake, pki, key="inst:2:pix:1:202601010000")
    fake.pay(paid.provider_ref)
    reported = provider.cancel(paid.provider_ref, idempotency_key="k2:cancel")
    assert reported.status == P.SUCCEEDED and reported.amount_received_cents == 12_345


def test_late_cobv_payment_has_multa_and_juros_outside_the_installment(
    fake: FakePixApi, pki: Pki
) -> None:
    provider = provider_for(fake, pki)
    due = date.today() + timedelta(days=1)  # a cobv cannot be due before it is created
    while due.weekday() >= 5:  # a weekday: the juros count from the due date itself
        due += timedelta(days=1)
    payment = provider.create_pix_due(
        amount_cents=10_000,
        description="parcela",
        payee=PAYEE,
        metadata={},
        terms=terms(due),
        idempotency_key="inst:5:pix:1:202603010000",
    )
    pix = fake.pay(payment.provider_ref, on=due + timedelta(days=10))
    # 2 % multa = 2.00; 1 % a month for 10 days = 100.00 x 0.01 / 30 x 10 = 0.33
    assert pix["valor"] == "102.33"
    (event,) = mapping.events_from_pix(pix)
    assert event.payment is not None
    assert event.payment.amount_received_cents == 10_000
    assert event.payment.charges_cents == 233
    read = provider.retrieve(payment.provider_ref)
    assert (read.status, read.amount_received_cents, read.charges_cents) == (
        P.SUCCEEDED,
        10_000,
        233,
    )


def test_paid_on_time_no_charges_and_past_validity_refused(fake: FakePixApi, pki: Pki) -> None:
    provider = provider_for(fake, pki)
    # A Saturday: payable without charges until the Monday.
    due = date.today() + timedelta(days=(5 - date.today().weekday()) % 7 or 7)
    on_time = provider.create_pix_due(
        amount_cents=5_000,
        description="p",
        payee=PAYEE,
        metadata={},
        terms=terms(due, days=5),
        idempotency_key="a",
    )
    assert fake.pay(on_time.provider_ref, on=due + timedelta(days=2))["valor"] == "50.00"
    late = provider.create_pix_due(
        amount_cents=5_000,
        description="p",
        payee=PAYEE,
        metadata={},
        terms=terms(due, days=5),
        idempotency_key="b",
    )
    # Monday + 5 days is a Saturday, so the last payable day is the Monday after (the spec's
    # example G): due + 9 is still payable, due + 10 is not.
    with pytest.raises(ValueError, match="validadeAposVencimento"):
        fake.pay(late.provider_ref, on=due + timedelta(days=10))
    assert fake.pay(late.provider_ref, on=due + timedelta(days=9))["valor"] > "50.00"


def test_devolucao_is_idempotent_and_its_settlement_is_an_event(fake: FakePixApi, pki: Pki) -> None:
    provider, payment = cob(fake, pki)
    pix = fake.pay(payment.provider_ref)
    first = provider.refund(pix["endToEndId"], 2_345, idempotency_key="refund:1:2345")
    again = provider.refund(pix["endToEndId"], 2_345, idempotency_key="refund:1:2345")
    assert first == again and len(pix["devolucoes"]) == 1
    assert fake.calls[-1][2] == {"valor": "23.45", "natureza": "ORIGINAL"}
    settled = fake.settle_refund(pix["endToEndId"], first)
    events = provider.parse_webhook_batch(fake.notification(settled))
    assert [e.event_id for e in events] == [
        f"pix:{pix['endToEndId']}",
        f"pix:{pix['endToEndId']}:dev:{first}:DEVOLVIDO",
    ]
    assert events[1].payment is not None and events[1].payment.refunded_cents == 2_345
    with pytest.raises(PixApiError, match="PixDevolucaoInvalida"):
        provider.refund(pix["endToEndId"], 20_000, idempotency_key="refund:1:big")


def test_reconciliation_reads_every_page_of_received_pix(
    fake: FakePixApi, pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.adapters.payments.pix_api import provider as provider_module

    monkeypatch.setattr(provider_module, "PAGE_SIZE", 2)
    provider = provider_for(fake, pki)
    paid = []
    for n in range(5):
        _, payment = cob(fake, pki, key=f"inst:{n}:pix:1:202601010000")
        paid.append(fake.pay(payment.provider_ref)["endToEndId"])
    events = provider.undelivered_events(datetime.now(UTC) - timedelta(days=3))
    assert sorted(e.event_id for e in events) == sorted(f"pix:{e2e}" for e2e in paid)
    pages = [c for c in fake.calls if c[1] == "/pix"]
    assert len(pages) == 3


def test_a_body_that_is_not_a_notification_is_refused(fake: FakePixApi, pki: Pki) -> None:
    provider = provider_for(fake, pki)
    for body in (
        b"",
        b"[]",
        b'{"pix": "x"}',
        b'{"pix": [{"endToEndId": "E1", "txid": "t", "valor": "1"}]}',
    ):
        with pytest.raises(InvalidSignature):
            provider.parse_webhook_batch(body)


def test_psp_errors_surface_as_provider_errors(fake: FakePixApi, pki: Pki) -> None:
    provider, payment = cob(fake, pki)
    fake.reject_next.append(503)
    with pytest.raises(ProviderError, match=r"503.*ServicoIndisponivel"):
        provider.retrieve(payment.provider_ref)
    with pytest.raises(ProviderError, match="card"):
        provider.create_card_checkout(
            amount_cents=1,
            description="x",
            payee=PAYEE,
            metadata={},
            success_url="s",
            cancel_url="c",
            expires_at=in_an_hour(),
            idempotency_key="k",
        )


def test_a_devolucao_the_psp_could_not_make_is_an_alert(
    fake: FakePixApi, pki: Pki, caplog: pytest.LogCaptureFixture
) -> None:
    provider, payment = cob(fake, pki)
    pix = fake.pay(payment.provider_ref)
    refund_id = provider.refund(pix["endToEndId"], 1_000, idempotency_key="refund:9:1000")
    failed = fake.settle_refund(pix["endToEndId"], refund_id, status="NAO_REALIZADO")
    with caplog.at_level("ERROR"):
        events = provider.parse_webhook_batch(fake.notification(failed))
    assert events[-1].type == "pix.devolucao.nao_realizado"
    assert events[-1].payment is not None and events[-1].payment.refunded_cents == 0
    assert any("NOT made" in record.getMessage() for record in caplog.records)


def test_a_cobv_due_before_the_day_it_is_made_is_refused(fake: FakePixApi, pki: Pki) -> None:
    """The spec's CobVOperacaoInvalida: the portal asks for an immediate charge instead."""
    provider = provider_for(fake, pki)
    with pytest.raises(PixApiError) as refused:
        provider.create_pix_due(
            amount_cents=5_000,
            description="p",
            payee=PAYEE,
            metadata={},
            terms=terms(date.today() - timedelta(days=1)),
            idempotency_key="yesterday",
        )
    assert refused.value.status == 400
    assert fake.charges == {}
