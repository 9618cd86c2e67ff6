"""Contract: the pix_api adapter against a mock server generated from the official spec.

Prism (``@stoplight/prism-cli`` 5, from the npm registry; ``.ci/run`` installs it with
``npm install --prefix .prism @stoplight/prism-cli@5``) serves
``tests/fixtures/bacen-pix-api/openapi.yaml`` (API Pix 2.9.0) and validates every request we
send against its schemas — path patterns (txid, e2eid, devolução id), required fields, formats —
answering the spec's error when one does not conform, and the spec's examples otherwise, which
the adapter must read. OAuth 2 is outside the spec: a tiny local token endpoint stands in.
These tests skip, saying why, only when Prism is not installed.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from portal.adapters.payments.base import ProviderError
from portal.adapters.payments.pix_api import PixApiClient, PixApiError, PixApiProvider, mapping
from portal.domain.payments import PaymentStatus as P
from tests.pix_api_helpers import PAYEE, in_an_hour, terms

pytestmark = pytest.mark.pix_api
ROOT = Path(__file__).resolve().parents[4]
SPEC = ROOT / "tests" / "fixtures" / "bacen-pix-api" / "openapi.yaml"
E2EID = "E12345678202009091221abcdef12345"


def _prism() -> str | None:
    local = ROOT / ".prism" / "node_modules" / ".bin" / "prism"
    return str(local) if local.exists() else shutil.which("prism")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def prism_url() -> Iterator[str]:
    binary = _prism()
    if binary is None or shutil.which("node") is None:
        pytest.skip(
            "Prism is not installed: npm install --prefix .prism @stoplight/prism-cli@5 "
            "(node and npm needed)"
        )
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - our own binary and arguments
        [binary, "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"Prism stopped: {process.stdout.read() if process.stdout else ''}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("Prism did not start within 120 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


class _TokenHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps(
            {"access_token": "prism-token", "token_type": "Bearer", "expires_in": 3600}
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def token_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TokenHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/oauth/token"
    server.shutdown()
    server.server_close()


@pytest.fixture
def provider(prism_url: str, token_url: str) -> Iterator[PixApiProvider]:
    client = PixApiClient(
        base_url=prism_url,
        token_url=token_url,
        client_id="id",
        client_secret="secret",
        cert_file=None,
        key_file=None,
        timeout=(5.0, 20.0),
    )
    yield PixApiProvider(client)
    client.close()


def put(provider: PixApiProvider, path: str, body: dict[str, Any]) -> dict[str, Any]:
    return provider.client.call("PUT", path, "contract", json=body)


def test_our_cob_request_conforms_and_the_spec_answer_is_read(provider: PixApiProvider) -> None:
    txid = mapping.txid_for("inst:1:pix:1:202601010000", "cob")
    body = mapping.cob_body(
        amount_cents=12_345, payee=PAYEE, description="Acordo 1", expires_in_seconds=3600
    )
    answer = put(provider, f"/cob/{txid}", body)
    payment = mapping.payment_from_charge(
        answer, kind="cob", now=datetime.now(UTC), check_code=False
    )
    assert payment.status in (P.AWAITING, P.EXPIRED) and payment.amount_cents > 0


def test_our_cobv_request_with_multa_juros_and_desconto_conforms(provider: PixApiProvider) -> None:
    """A company as payer: the spec writes the CPF pattern as ``/^\\d{11}$/`` (with the
    slashes of a JavaScript literal), which no CPF matches in a JSON Schema validator, so a
    person's cobv cannot pass Prism; the CNPJ pattern is a plain ``^[0-9A-Z]{14}$``."""
    txid = mapping.txid_for("inst:2:pix:1:202601010000", "cobv")
    due_terms = terms(date.today() + timedelta(days=10), payer="11222333000181")
    due_terms = type(due_terms)(**{**due_terms.__dict__, "discount_cents": 500})
    body = mapping.cobv_body(
        amount_cents=10_000, payee=PAYEE, description="Parcela 2", terms=due_terms
    )
    answer = put(provider, f"/cobv/{txid}", body)
    payment = mapping.payment_from_charge(
        answer, kind="cobv", now=datetime(2020, 1, 1, tzinfo=UTC), check_code=False
    )
    assert payment.status == P.AWAITING
    assert payment.expires_at is not None


def test_prism_really_validates_a_cobv_without_its_payer_is_refused(
    provider: PixApiProvider,
) -> None:
    txid = mapping.txid_for("inst:3:pix:1:202601010000", "cobv")
    body = mapping.cobv_body(
        amount_cents=10_000, payee=PAYEE, description="x", terms=terms(date.today())
    )
    del body["devedor"]
    with pytest.raises(PixApiError, match="400") as refused:
        put(provider, f"/cobv/{txid}", body)
    assert refused.value.status == 400


def test_a_txid_outside_the_spec_pattern_is_refused(provider: PixApiProvider) -> None:
    body = mapping.cob_body(amount_cents=100, payee=PAYEE, description="x", expires_in_seconds=600)
    with pytest.raises(PixApiError, match="400"):
        put(provider, "/cob/short-txid", body)


@pytest.mark.parametrize("kind", ["cob", "cobv"])
def test_our_removal_request_conforms(provider: PixApiProvider, kind: str) -> None:
    txid = mapping.txid_for(f"k:{kind}", kind)
    answer = provider.client.call(
        "PATCH", f"/{kind}/{txid}", "contract", json={"status": mapping.REMOVED}
    )
    assert answer["txid"] and "status" in answer


def test_reading_a_charge_maps_the_spec_example(provider: PixApiProvider) -> None:
    """``GET /cob/{txid}`` (``GET /cobv/{txid}`` cannot be mocked: the spec also declares
    ``GET /cobv/{pixUrlAccessToken}``, the payer's location answering ``application/jose``,
    and Prism routes there; a PSP serves locations on another host)."""
    txid = mapping.txid_for("k:read", "cob")
    answer = provider.client.call("GET", f"/cob/{txid}", "contract")
    payment = mapping.payment_from_charge(
        answer, kind="cob", now=datetime(2020, 1, 1, tzinfo=UTC), check_code=False
    )
    assert payment.provider_ref == answer["txid"] and payment.amount_cents == mapping.cents(
        answer["valor"]["original"]
    )


def test_our_devolucao_request_conforms(provider: PixApiProvider) -> None:
    refund_id = provider.refund(E2EID, 789, idempotency_key="refund:1:789")
    assert refund_id == mapping.refund_id_for("refund:1:789") and len(refund_id) <= 35


def test_reconciliation_query_conforms(provider: PixApiProvider) -> None:
    """Our query passes; the same without its required ``inicio`` does not."""
    events = provider.undelivered_events(datetime.now(UTC) - timedelta(days=3))
    assert all(event.event_id.startswith("pix:") for event in events)
    with pytest.raises(PixApiError):
        provider.client.call("GET", "/pix", "contract", params={"fim": "2026-01-01T00:00:00Z"})


def test_create_pix_refuses_a_charge_without_a_checked_code(provider: PixApiProvider) -> None:
    """The spec's cob examples carry no pixCopiaECola: nothing unchecked is ever shown."""
    with pytest.raises(ProviderError, match=r"pixCopiaECola|BR Code"):
        provider.create_pix(
            amount_cents=3_700,
            description="Acordo 9",
            payee=PAYEE,
            metadata={},
            expires_at=in_an_hour(),
            idempotency_key="inst:9:pix:1:202601010000",
        )


def test_the_specs_own_examples_are_read() -> None:
    examples = yaml.safe_load(SPEC.read_text())["components"]["examples"]
    notification = {"pix": [examples["pixWebhook1"]["value"], examples["pixWebhook2"]["value"]]}
    events = mapping.events_from_notification(notification)
    assert [e.event_id for e in events] == [
        "pix:E12345678202009091221kkkkkkkkkkk",
        "pix:E87654321202009091221dfghi123456",
    ]
    assert all(e.payment and e.payment.amount_received_cents == 11_000 for e in events)
    pix = examples["pixResponse1"]["value"]
    assert mapping.events_from_pix(pix)[0].payment is not None
    for name, value in examples.items():
        copy = (
            value.get("value", {}).get("pixCopiaECola")
            if isinstance(value.get("value"), dict)
            else None
        )
        if copy and "/cobv/" in copy:
            assert mapping.checked_brcode(copy, amount_cents=1, location=None), name
