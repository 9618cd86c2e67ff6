"""A stateful fake PSP speaking the Banco Central's API Pix (2.9.0), over mutual TLS.

A threaded ``http.server`` with HTTP/1.1 keep-alive behind an ``ssl`` context that requires a
client certificate from the test CA (``tests/pix_certs.py``): a client without one, or with a
stranger's, fails the handshake like at a real PSP.

* ``POST /oauth/token``: client credentials (HTTP Basic), ``expires_in`` as configured;
  every other call needs ``Authorization: Bearer`` with a live token (else 401).
* ``PUT /cob/{txid}``, ``PUT /cobv/{txid}`` (required fields of ``CobSolicitada`` /
  ``CobVSolicitada``; a txid already used answers 400 ``CobOperacaoInvalida`` as PSPs do),
  a ``cobv`` due before the day it is created answers 400 ``CobVOperacaoInvalida``;
  ``GET`` and ``PATCH`` (``status: REMOVIDA_PELO_USUARIO_RECEBEDOR``; refused for a paid one).
  ``pixCopiaECola`` is a dynamic BR Code (our encoder) pointing to the charge's location.
* ``GET /pix`` by ``inicio``/``fim`` with ``paginacao``; ``PUT /pix/{e2eid}/devolucao/{id}``
  (idempotent by id, limited to the Pix's value).

Test drivers (god mode): :meth:`FakePixApi.pay` pays a charge on a given day — for a ``cobv``
paid after its due date the fake adds multa (modalidade 2: percent once) and juros
(modalidade 3: percent a month, pro rata per calendar day, 30-day month) per the spec's
``componentesValor`` rule ``valor = original - desconto + multa + juros``, and takes off the
desconto (modalidade 1, a fixed value until a date) paid early enough. A due date on a weekend
rolls to the Monday and the charges count from there, as does the validity, whose last day
rolls to a Monday too (the spec's examples A to G; holidays are not modelled); past it the fake
refuses. Its arithmetic is its own, not ``portal.domain.cobv``'s: a test checks that the two
agree (tests/adapters/payments/pix_api/test_cobv_amounts.py).
:meth:`~FakePixApi.settle_refund` finishes a devolução; :meth:`~FakePixApi.notification` is
the webhook body a PSP would post. Knobs: ``corrupt_codes``, ``foreign_location``,
``delay_seconds``, ``reject_next`` (status), ``token_lifetime``.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from portal.domain.pix import BRCode, encode_brcode
from tests.pix_certs import Pki

CLIENT_ID, CLIENT_SECRET = "portal-client-id", "portal-client-secret"
_TXID = re.compile(r"[a-zA-Z0-9]{26,35}")
_CENT = Decimal("0.01")


def _money(value: Decimal) -> str:
    return str(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class FakePixApi:
    pki: Pki
    url: str = ""
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, str, Any]] = field(default_factory=list)
    tokens: dict[str, float] = field(default_factory=dict)
    client_ports: list[int] = field(default_factory=list)
    token_lifetime: int = 3600
    corrupt_codes: bool = False
    foreign_location: bool = False
    delay_seconds: float = 0.0
    reject_next: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Pix Automático (tests/fake_pix_api_rec.py): locations, recurrences, recurring charges.
    locrecs: list[int] = field(default_factory=list)
    recs: dict[str, dict[str, Any]] = field(default_factory=dict)
    cobrs: dict[str, dict[str, Any]] = field(default_factory=dict)
    allow_past_cobr: bool = False
    today: Any = date.today

    # ------------------------------------------------------------------ drivers

    def charge(self, txid: str) -> dict[str, Any]:
        return self.charges[txid]

    def pay(self, txid: str, on: date | None = None) -> dict[str, Any]:
        """The payer's bank pays the charge on ``on`` (today): the Pix, as the API lists it."""
        with self.lock:
            charge = self.charges[txid]
            if charge["status"] != "ATIVA":
                raise ValueError(f"charge {txid} is {charge['status']}")
            original = Decimal(charge["valor"]["original"])
            parts: dict[str, Any] = {"original": {"valor": _money(original)}}
            total = original
            if self.kinds[txid] == "cobv":
                desconto, multa, juros = self.due_amounts(charge, on or date.today())
                for name, value in (("desconto", desconto), ("multa", multa), ("juros", juros)):
                    if value:
                        parts[name] = {"valor": _money(value)}
                total = original - desconto.quantize(_CENT, ROUND_HALF_UP)
                total += multa.quantize(_CENT, ROUND_HALF_UP)
                total += juros.quantize(_CENT, ROUND_HALF_UP)
            pix = {
                "endToEndId": "E" + secrets.token_hex(16)[:31].upper(),
                "txid": txid,
                "valor": _money(total),
                "componentesValor": parts,
                "chave": charge["chave"],
                "horario": _now(),
                "infoPagador": "Parcela",
            }
            charge["status"] = "CONCLUIDA"
            charge["pix"] = [pix]
            self.received.append(pix)
            return pix

    @staticmethod
    def due_amounts(charge: dict[str, Any], on: date) -> tuple[Decimal, Decimal, Decimal]:
        """(desconto, multa, juros) of a ``cobv`` paid on ``on``; ``ValueError`` past its
        validity."""
        calendar = charge["calendario"]
        effective = _weekday(date.fromisoformat(calendar["dataDeVencimento"]))
        valid = int(calendar.get("validadeAposVencimento", 30))
        if on > _weekday(effective + timedelta(days=valid)):
            raise ValueError("past validadeAposVencimento: the payer's bank refuses it")
        valor = charge["valor"]
        original = Decimal(valor["original"])
        if on <= effective:
            desconto = valor.get("desconto") or {}
            assert desconto.get("modalidade", 1) == 1
            for step in sorted(desconto.get("descontoDataFixa", []), key=lambda d: d["data"]):
                if on <= _weekday(date.fromisoformat(step["data"])):
                    return Decimal(step["valorPerc"]), Decimal(0), Decimal(0)
            return Decimal(0), Decimal(0), Decimal(0)
        days = (on - effective).days
        multa = juros = Decimal(0)
        if "multa" in valor:
            assert valor["multa"]["modalidade"] == 2
            multa = original * Decimal(valor["multa"]["valorPerc"]) / 100
        if "juros" in valor:
            assert valor["juros"]["modalidade"] == 3
            juros = original * Decimal(valor["juros"]["valorPerc"]) / 100 / 30 * days
        return Decimal(0), multa, juros

    def settle_refund(
        self, e2eid: str, refund_id: str, status: str = "DEVOLVIDO"
    ) -> dict[str, Any]:
        """The devolução reaches a final status; the Pix (with it) as the webhook carries it."""
        with self.lock:
            pix = next(p for p in self.received if p["endToEndId"] == e2eid)
            refund = next(r for r in pix["devolucoes"] if r["id"] == refund_id)
            refund["status"] = status
            refund["horario"]["liquidacao"] = _now()
            return pix

    @staticmethod
    def notification(*pix: dict[str, Any]) -> bytes:
        return json.dumps({"pix": list(pix)}).encode()

    # ------------------------------------------------------------------ handlers

    def handle(self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: Any):  # type: ignore[no-untyped-def]
        self.calls.append((method, path, body))
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        if path == "/oauth/token" and method == "POST":
            return self._token(headers, body)
        token = (headers.get("Authorization") or "").removeprefix("Bearer ")
        if self.tokens.get(token, 0) < time.monotonic():
            return 401, {
                "type": "https://pix.bcb.gov.br/api/v2/error/AcessoNegado",
                "title": "Unauthorized",
                "status": 401,
            }
        if self.reject_next:
            status = self.reject_next.pop(0)
            return status, _problem(status, "ServicoIndisponivel", "Serviço indisponível")
        parts = path.strip("/").split("/")
        with self.lock:
            if parts[0] in ("locrec", "rec", "cobr"):
                from tests import fake_pix_api_rec

                return fake_pix_api_rec.handle(self, method, parts, body)
            if parts[0] in ("cob", "cobv") and len(parts) == 2:
                return self._charge(method, parts[0], parts[1], body)
            if parts == ["pix"] and method == "GET":
                return self._list(query)
            if (
                len(parts) == 4
                and parts[0] == "pix"
                and parts[2] == "devolucao"
                and method == "PUT"
            ):
                return self._refund(parts[1], parts[3], body)
        return 404, _problem(404, "NaoEncontrado", "Not found")

    def _token(self, headers: Any, body: str):  # type: ignore[no-untyped-def]
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        form = parse_qs(body or "")
        if headers.get("Authorization") != f"Basic {expected}":
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != ["client_credentials"]:
            return 400, {"error": "unsupported_grant_type"}
        token = secrets.token_urlsafe(24)
        self.tokens[token] = time.monotonic() + self.token_lifetime
        return 200, {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "scope": form.get("scope", [""])[0],
        }

    def _charge(self, method: str, kind: str, txid: str, body: Any):  # type: ignore[no-untyped-def]
        if not _TXID.fullmatch(txid):
            return 400, _problem(400, "RequisicaoInvalida", "txid inválido")
        existing = self.charges.get(txid)
        if method == "PUT":
            if existing is not None:
                return 400, _problem(400, "CobOperacaoInvalida", "txid já utilizado")
            missing = _missing(kind, body)
            if missing:
                return 400, _problem(
                    400,
                    "CobVOperacaoInvalida" if kind == "cobv" else "CobOperacaoInvalida",
                    f"faltam {', '.join(missing)}",
                )
            if kind == "cobv" and body["calendario"]["dataDeVencimento"] < date.today().isoformat():
                return 400, _problem(  # the spec's CobVOperacaoInvalida violations
                    400, "CobVOperacaoInvalida", "dataDeVencimento anterior à data de criação"
                )
            return 201, self._create(kind, txid, body)
        if existing is None or self.kinds[txid] != kind:
            return 404, _problem(404, "NaoEncontrado", "Cobrança não encontrada")
        if method == "GET":
            return 200, existing
        if method == "PATCH":
            if (
                body.get("status") != "REMOVIDA_PELO_USUARIO_RECEBEDOR"
                or existing["status"] != "ATIVA"
            ):
                return 400, _problem(400, "CobOperacaoInvalida", "cobrança não pode ser removida")
            existing["status"] = "REMOVIDA_PELO_USUARIO_RECEBEDOR"
            existing["revisao"] += 1
            return 200, existing
        return 405, _problem(405, "RequisicaoInvalida", "método")

    def _create(self, kind: str, txid: str, body: dict[str, Any]) -> dict[str, Any]:
        location = f"pix.fake-psp.example/qr/v2/{kind}/{secrets.token_hex(16)}"
        shown = "pix.other.example/qr/v2/x" if self.foreign_location else location
        code = encode_brcode(
            BRCode(
                url=shown,
                merchant_name="Credora",
                merchant_city="SAO PAULO",
                point_of_initiation="12",
            )
        )
        if self.corrupt_codes:
            code = code[:-4] + ("0000" if code[-4:] != "0000" else "1111")
        calendar = dict(body["calendario"])
        calendar["criacao"] = _now()
        if kind == "cobv":
            calendar.setdefault("validadeAposVencimento", 30)
        charge = {
            **body,
            "calendario": calendar,
            "txid": txid,
            "revisao": 0,
            "status": "ATIVA",
            "loc": {"id": len(self.charges) + 1, "location": location, "tipoCob": kind},
            "location": location,
            "pixCopiaECola": code,
        }
        self.charges[txid] = charge
        self.kinds[txid] = kind
        return charge

    def _list(self, query: dict[str, list[str]]):  # type: ignore[no-untyped-def]
        start = datetime.fromisoformat(query["inicio"][0].replace("Z", "+00:00"))
        end = datetime.fromisoformat(query["fim"][0].replace("Z", "+00:00"))
        size = int(query.get("paginacao.itensPorPagina", ["100"])[0])
        page = int(query.get("paginacao.paginaAtual", ["0"])[0])
        found = [
            p
            for p in self.received
            if start <= datetime.fromisoformat(p["horario"].replace("Z", "+00:00")) <= end
        ]
        pages = max(1, -(-len(found) // size))
        return 200, {
            "parametros": {
                "inicio": query["inicio"][0],
                "fim": query["fim"][0],
                "paginacao": {
                    "paginaAtual": page,
                    "itensPorPagina": size,
                    "quantidadeDePaginas": pages,
                    "quantidadeTotalDeItens": len(found),
                },
            },
            "pix": found[page * size : (page + 1) * size],
        }

    def _refund(self, e2eid: str, refund_id: str, body: dict[str, Any]):  # type: ignore[no-untyped-def]
        pix = next((p for p in self.received if p["endToEndId"] == e2eid), None)
        if pix is None:
            return 404, _problem(404, "NaoEncontrado", "Pix não encontrado")
        refunds = pix.setdefault("devolucoes", [])
        same = next((r for r in refunds if r["id"] == refund_id), None)
        if same is not None:
            return 201, same
        asked = Decimal(body["valor"])
        if asked + sum(Decimal(r["valor"]) for r in refunds) > Decimal(pix["valor"]):
            return 400, _problem(400, "PixDevolucaoInvalida", "valor acima do Pix")
        refund = {
            "id": refund_id,
            "rtrId": "D" + secrets.token_hex(16)[:31],
            "valor": body["valor"],
            "natureza": body.get("natureza", "ORIGINAL"),
            "horario": {"solicitacao": _now()},
            "status": "EM_PROCESSAMENTO",
        }
        refunds.append(refund)
        return 201, refund


def _weekday(day: date) -> date:
    while day.weekday() >= 5:  # Saturday or Sunday: the next Monday
        day += timedelta(days=1)
    return day


def _problem(status: int, kind: str, title: str) -> dict[str, Any]:
    return {"type": f"https://pix.bcb.gov.br/api/v2/error/{kind}", "title": title, "status": status}


def _missing(kind: str, body: Any) -> list[str]:
    if not isinstance(body, dict):
        return ["body"]
    needed = ["valor", "chave", "calendario"] + (["devedor"] if kind == "cobv" else [])
    missing = [name for name in needed if name not in body]
    if "valor" in body and "original" not in body["valor"]:
        missing.append("valor.original")
    if kind == "cobv" and "dataDeVencimento" not in body.get("calendario", {}):
        missing.append("calendario.dataDeVencimento")
    return missing


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the client's connection reuse is visible
    fake: FakePixApi

    def _serve(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        if self.headers.get("Content-Type", "").startswith("application/json") and raw:
            body: Any = json.loads(raw)
        else:
            body = raw
        self.fake.client_ports.append(self.client_address[1])
        status, answer = self.fake.handle(
            self.command, split.path, parse_qs(split.query), self.headers, body
        )
        data = json.dumps(answer).encode()
        self.send_response(status)
        kind = "application/problem+json" if status >= 400 else "application/json"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_PATCH = do_POST = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def running(pki: Pki) -> Iterator[FakePixApi]:
    fake = FakePixApi(pki)
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.server_cert, pki.server_key)
    context.load_verify_locations(pki.ca)
    context.verify_mode = ssl.CERT_REQUIRED  # mutual TLS, as the BCB's security manual asks
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"https://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
