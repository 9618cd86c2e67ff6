"""Pix Automático in the fake PSP (``tests/fake_pix_api.py`` delegates ``/locrec``, ``/rec`` and
``/cobr`` here): recurrences and recurring charges with the spec's statuses and retry rule.

* ``POST /locrec`` → ``{id, location, criacao}``; ``POST /rec`` (``vinculo``, ``calendario``,
  ``politicaRetentativa`` required) → ``CRIADA`` with an ``idRec`` (``RR``/``RN`` + ISPB + date
  + 11 characters, 29 in all); ``GET /rec/{idRec}`` → with ``dadosQR`` (Jornada 2: a BR Code
  whose field 80 points to the location); ``PATCH /rec/{idRec}`` ``status: CANCELADA``.
* ``PUT /cobr/{txid}`` needs an ``APROVADA`` recurrence and ``recebedor``; one per recurrence
  and due date; created ``ATIVA`` with one scheduled attempt (``AGND``, ``AGENDADA``);
  ``GET``; ``PATCH`` ``status: CANCELADA``; ``POST /cobr/{txid}/retentativa/{data}``: only
  with ``PERMITE_3R_7D``, a future date within 7 days of the due date, no attempt scheduled,
  at most three (``RIFL``).

Drivers (the payer and her bank): :func:`answer` approves or rejects, :func:`payer_cancels`,
:func:`settle` makes the scheduled attempt pay (``PAGA``, the cobr ``CONCLUIDA`` with its
``pix``) or fail (``REJEITADA`` with a code), :func:`rec_notification` and
:func:`cobr_notification` are the webhookrec/webhookcobr bodies.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

from portal.domain.pix import BRCode, encode_brcode

ISPB = "12345678"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _problem(status: int, kind: str, title: str) -> dict[str, Any]:
    return {"type": f"https://pix.bcb.gov.br/api/v2/error/{kind}", "title": title, "status": status}


def handle(fake: Any, method: str, parts: list[str], body: Any) -> tuple[int, dict[str, Any]]:
    if parts == ["locrec"] and method == "POST":
        fake.locrecs.append(len(fake.locrecs) + 1)
        return 201, {
            "id": fake.locrecs[-1],
            "location": f"pix.fake-psp.example/qr/v2/rec/{secrets.token_hex(16)}",
            "criacao": _now(),
        }
    if parts == ["rec"] and method == "POST":
        return _create_rec(fake, body)
    if len(parts) == 2 and parts[0] == "rec":
        return _rec(fake, method, parts[1], body)
    if len(parts) == 2 and parts[0] == "cobr":
        return _cobr(fake, method, parts[1], body)
    if len(parts) == 4 and parts[0] == "cobr" and parts[2] == "retentativa" and method == "POST":
        return _retry(fake, parts[1], parts[3])
    return 404, _problem(404, "NaoEncontrado", "Not found")


def _create_rec(fake: Any, body: Any) -> tuple[int, dict[str, Any]]:
    if not isinstance(body, dict) or not {"vinculo", "calendario", "politicaRetentativa"} <= set(
        body
    ):
        return 400, _problem(400, "RecOperacaoInvalida", "faltam campos")
    retry = "R" if body["politicaRetentativa"] == "PERMITE_3R_7D" else "N"
    id_rec = f"R{retry}{ISPB}{date.today():%Y%m%d}{secrets.token_hex(6)[:11]}"
    location = None
    if "loc" in body:
        location = {
            "id": body["loc"],
            "location": f"pix.fake-psp.example/qr/v2/rec/{id_rec}",
            "criacao": _now(),
        }
    rec = {
        **body,
        "idRec": id_rec,
        "status": "CRIADA",
        "recebedor": {"cnpj": "11222333000181", "nome": "Credora"},
        "loc": location,
        "atualizacao": [{"status": "CRIADA", "data": _now()}],
        "ativacao": {"tipoJornada": "AGUARDANDO_DEFINICAO"},
    }
    if location is None:
        del rec["loc"]
    fake.recs[id_rec] = rec
    return 201, rec


def _rec(fake: Any, method: str, id_rec: str, body: Any) -> tuple[int, dict[str, Any]]:
    rec = fake.recs.get(id_rec)
    if rec is None:
        return 404, _problem(404, "RecNaoEncontrada", "Recorrência não encontrada")
    if method == "GET":
        shown = dict(rec)
        if rec["status"] == "CRIADA" and "loc" in rec:
            code = encode_brcode(
                BRCode(
                    merchant_name="Credora",
                    merchant_city="SAO PAULO",
                    recurrence_url=rec["loc"]["location"],
                )
            )
            shown["dadosQR"] = {"jornada": "JORNADA_2", "pixCopiaECola": code}
        return 200, shown
    if method == "PATCH":
        if body.get("status") != "CANCELADA" or rec["status"] in (
            "REJEITADA",
            "EXPIRADA",
            "CANCELADA",
        ):
            return 400, _problem(400, "RecOperacaoInvalida", "recorrência não pode ser cancelada")
        _end(fake, rec, "USUARIO_RECEBEDOR", "SLCR")
        return 200, rec
    return 405, _problem(405, "RequisicaoInvalida", "método")


def _end(fake: Any, rec: dict[str, Any], who: str, code: str) -> None:
    rec["status"] = "CANCELADA"
    rec["atualizacao"].append({"status": "CANCELADA", "data": _now()})
    rec["encerramento"] = {
        "cancelamento": {"solicitante": who, "codigo": code, "descricao": "Cancelada"}
    }
    for cobr in fake.cobrs.values():  # scheduled charges stop with it
        if cobr["idRec"] == rec["idRec"] and cobr["status"] in ("CRIADA", "ATIVA"):
            cobr["status"] = "CANCELADA"
            for attempt in cobr["tentativas"]:
                if attempt["status"] in ("SOLICITADA", "AGENDADA"):
                    attempt["status"] = "CANCELADA"


def _cobr(fake: Any, method: str, txid: str, body: Any) -> tuple[int, dict[str, Any]]:
    existing = fake.cobrs.get(txid)
    if method == "PUT":
        if existing is not None:
            return 400, _problem(400, "CobROperacaoInvalida", "txid já utilizado")
        needed = {"idRec", "calendario", "valor", "recebedor", "ajusteDiaUtil"}
        if not isinstance(body, dict) or not needed <= set(body):
            return 400, _problem(400, "CobROperacaoInvalida", "faltam campos")
        rec = fake.recs.get(body["idRec"])
        if rec is None or rec["status"] != "APROVADA":
            return 400, _problem(400, "CobROperacaoInvalida", "recorrência não aprovada")
        due = body["calendario"]["dataDeVencimento"]
        if date.fromisoformat(due) <= date.today() and not fake.allow_past_cobr:
            return 400, _problem(400, "CobROperacaoInvalida", "vencimento anterior à criação")
        for other in fake.cobrs.values():
            same_cycle = (
                other["idRec"] == body["idRec"]
                and other["calendario"]["dataDeVencimento"][:7] == due[:7]
            )
            if same_cycle and other["status"] not in ("REJEITADA", "CANCELADA"):
                return 400, _problem(400, "CobROperacaoInvalida", "já existe cobr no ciclo")
        cobr = {
            **body,
            "txid": txid,
            "calendario": {**body["calendario"], "criacao": date.today().isoformat()},
            "status": "ATIVA",
            "politicaRetentativa": rec["politicaRetentativa"],
            "atualizacao": [
                {"status": "CRIADA", "data": _now()},
                {"status": "ATIVA", "data": _now()},
            ],
            "tentativas": [_attempt(due, "AGND")],
        }
        fake.cobrs[txid] = cobr
        return 201, cobr
    if existing is None:
        return 404, _problem(404, "CobRNaoEncontrado", "Cobrança não encontrada")
    if method == "GET":
        return 200, existing
    if method == "PATCH":
        if body.get("status") != "CANCELADA" or existing["status"] not in ("CRIADA", "ATIVA"):
            return 400, _problem(400, "CobROperacaoInvalida", "não pode ser cancelada")
        existing["status"] = "CANCELADA"
        for attempt in existing["tentativas"]:
            if attempt["status"] in ("SOLICITADA", "AGENDADA"):
                attempt["status"] = "CANCELADA"
        return 200, existing
    return 405, _problem(405, "RequisicaoInvalida", "método")


def _attempt(on: str, kind: str) -> dict[str, Any]:
    return {
        "dataLiquidacao": on,
        "tipo": kind,
        "endToEndId": "E" + secrets.token_hex(16)[:31].upper(),
        "status": "AGENDADA",
        "atualizacao": [{"status": "AGENDADA", "data": _now()}],
    }


def _retry(fake: Any, txid: str, on: str) -> tuple[int, dict[str, Any]]:
    cobr = fake.cobrs.get(txid)
    if cobr is None:
        return 404, _problem(404, "CobRNaoEncontrado", "Cobrança não encontrada")
    due = date.fromisoformat(cobr["calendario"]["dataDeVencimento"])
    when = date.fromisoformat(on)
    attempts = cobr["tentativas"]
    if cobr["politicaRetentativa"] != "PERMITE_3R_7D":
        return 400, _problem(400, "CobROperacaoInvalida", "política não permite retentativa")
    if any(a["status"] in ("SOLICITADA", "AGENDADA") for a in attempts):
        return 400, _problem(400, "CobROperacaoInvalida", "existe tentativa agendada")
    if when <= fake.today() or when > due + timedelta(days=7) or len(attempts) > 3:
        return 400, _problem(400, "CobROperacaoInvalida", "data inválida para retentativa")
    attempts.append(_attempt(on, "RIFL"))
    return 201, cobr


# ---------------------------------------------------------------------- drivers


def answer(fake: Any, id_rec: str, approve: bool = True) -> dict[str, Any]:
    """The payer answers in her bank app (Jornada 2)."""
    rec = fake.recs[id_rec]
    status = "APROVADA" if approve else "REJEITADA"
    rec["status"] = status
    rec["atualizacao"].append({"status": status, "data": _now()})
    rec["ativacao"] = {"tipoJornada": "JORNADA_2"}
    if not approve:
        rec["encerramento"] = {
            "rejeicao": {"codigo": "AP13", "descricao": "Rejeitada pelo pagador"}
        }
    return rec


def payer_cancels(fake: Any, id_rec: str) -> dict[str, Any]:
    rec = fake.recs[id_rec]
    _end(fake, rec, "USUARIO_PAGADOR", "ACCL")
    return rec


def settle(fake: Any, txid: str, *, pay: bool = True, code: str = "AM04") -> dict[str, Any]:
    """The scheduled attempt is made: paid, or rejected with ``code``."""
    cobr = fake.cobrs[txid]
    attempt = next(a for a in cobr["tentativas"] if a["status"] == "AGENDADA")
    if pay:
        attempt["status"] = "PAGA"
        cobr["status"] = "CONCLUIDA"
        cobr["pix"] = [
            {
                "endToEndId": attempt["endToEndId"],
                "txid": txid,
                "valor": cobr["valor"]["original"],
                "horario": _now(),
            }
        ]
    else:
        attempt["status"] = "REJEITADA"
        attempt["rejeicao"] = {"codigo": code, "descricao": "Saldo insuficiente"}
    attempt["atualizacao"].append({"status": attempt["status"], "data": _now()})
    return cobr


def rec_notification(*recs: dict[str, Any]) -> bytes:
    return json.dumps({"recs": list(recs)}).encode()


def cobr_notification(*cobrs: dict[str, Any]) -> bytes:
    return json.dumps({"cobsr": list(cobrs)}).encode()
