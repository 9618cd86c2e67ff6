"""pt-BR labels (translated through Flask-Babel) of the dispute and delay-reason codes,
shared by the debtor pages, the back-office and the KPI export."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from portal.domain.disputes import DelayReason, DisputeOutcome, DisputeReason, DisputeStatus

DISPUTE_REASONS: dict[str, LazyString] = {
    DisputeReason.NOT_MINE: _l("Não contratei, não é minha"),
    DisputeReason.ALREADY_PAID: _l("Já paguei"),
    DisputeReason.WRONG_AMOUNT: _l("O valor está errado"),
    DisputeReason.CANCELLED_SERVICE: _l("Cancelei o produto ou serviço"),
    DisputeReason.FRAUD: _l("Fui vítima de fraude ou golpe"),
    DisputeReason.OTHER: _l("Outro motivo"),
}

DISPUTE_STATUSES: dict[str, LazyString] = {
    DisputeStatus.OPEN: _l("Em análise pela empresa"),
    DisputeStatus.UPHELD: _l("Respondida: a empresa deu razão a você"),
    DisputeStatus.REJECTED: _l("Respondida: a empresa manteve a pendência"),
}

DISPUTE_OUTCOMES: dict[str, LazyString] = {
    DisputeOutcome.CANCELLED: _l("Procedente: cancelar a pendência"),
    DisputeOutcome.ADJUSTED: _l("Procedente: corrigir o valor"),
    DisputeOutcome.REJECTED: _l("Improcedente: a pendência volta à negociação"),
}

DELAY_REASONS: dict[str, LazyString] = {
    DelayReason.UNEMPLOYMENT: _l("Desemprego"),
    DelayReason.ILLNESS: _l("Doença"),
    DelayReason.INCOME_DROP: _l("Queda de renda"),
    DelayReason.FORGOT: _l("Esqueci"),
    DelayReason.OTHER: _l("Outro"),
}


def dispute_reason_label(code: str | None) -> str:
    return str(DISPUTE_REASONS.get(code or "", code or ""))


def dispute_status_label(code: str | None) -> str:
    return str(DISPUTE_STATUSES.get(code or "", code or ""))


def dispute_outcome_label(code: str | None) -> str:
    return str(DISPUTE_OUTCOMES.get(code or "", code or ""))


def delay_reason_label(code: str | None) -> str:
    return str(DELAY_REASONS.get(code or "", code or ""))
