"""The KPI report as a pt-BR CSV file and as the charts of the KPI page."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from portal.core.csv_br import cents_br, decimal_br, write_csv
from portal.core.dispute_labels import delay_reason_label
from portal.core.formatting import brl
from portal.domain.disputes import DelayReason
from portal.domain.kpis import KpiSummary
from portal.domain.segments import AMOUNT_LABELS, DAYS_LABELS, Segment
from portal.services.backoffice import KpiReport
from portal.staff.charts import BarChart, bar_chart


def number(value: Decimal | None, places: int = 1) -> str:
    """``Decimal("4.5")`` → ``4,5`` in pt-BR (``4.5`` in English); None → "—"."""
    if value is None:
        return "—"
    pattern = "#,##0." + "0" * places
    return format_decimal(value, format=pattern, locale=str(get_locale() or "pt_BR"))


def segment_labels(segment: Segment | None) -> tuple[str, str]:
    """Translated (days, amount) labels of a segment; "sem classificação" for None."""
    if segment is None:
        return _("sem classificação"), _("sem classificação")
    return _(DAYS_LABELS[segment.days]), _(AMOUNT_LABELS[segment.amount])


def _csv_header() -> list[str]:
    return [
        _("Atraso"),
        _("Valor"),
        _("Devedores"),
        _("Carteira (R$)"),
        _("Recuperado (R$)"),
        _("Recuperado por Pix (R$)"),
        _("Recuperado por cartão (R$)"),
        _("Recuperado por boleto (R$)"),
        _("Taxa de recuperação (%)"),
        _("Acordos feitos"),
        _("Acordos cumpridos"),
        _("Acordos quebrados"),
        _("Acordos caducados"),
        _("Primeiros pagamentos após link"),
        _("Dias do primeiro link ao primeiro pagamento (média)"),
        _("Devedores que abriram link"),
        _("Acordos após abrir link"),
        _("Conversão de link aberto em acordo (%)"),
    ]


def _delay_header() -> list[str]:
    return [
        _("Motivo do atraso: %(reason)s", reason=delay_reason_label(reason))
        for reason in DelayReason
    ]


def _csv_row(days: str, amount: str, s: KpiSummary, reasons: dict[str, int]) -> list[str | int]:
    return [
        days,
        amount,
        s.accounts,
        cents_br(s.portfolio_cents),
        cents_br(s.recovered_cents),
        cents_br(s.recovered_pix_cents),
        cents_br(s.recovered_card_cents),
        cents_br(s.recovered_boleto_cents),
        decimal_br(s.recovery_rate_pct),
        s.agreements_made,
        s.agreements_completed,
        s.agreements_broken,
        s.agreements_lapsed,
        s.first_payments,
        decimal_br(s.average_days_to_first_payment),
        s.links_opened,
        s.conversions,
        decimal_br(s.conversion_pct),
        *(reasons[reason] for reason in DelayReason),
    ]


def kpi_csv(report: KpiReport) -> str:
    """One row for the whole creditor ("Todos"), then one per segment, in pt-BR."""
    with force_locale("pt_BR"):
        rows = [_csv_row(_("Todos"), _("Todos"), report.total, report.delay_reasons_total)]
        rows += [
            _csv_row(*segment_labels(seg), summary, report.delay_reasons_of(seg))
            for seg, summary in report.segments
        ]
        return write_csv(_csv_header() + _delay_header(), rows)


def kpi_charts(report: KpiReport) -> list[BarChart]:
    """The charts of the KPI page (each drawn with its table by ``components/charts.html``)."""
    total = report.total
    charts = [
        bar_chart(
            "chart-method",
            _("Recuperado por forma de pagamento"),
            [
                (_("Pix"), total.recovered_pix_cents, brl(total.recovered_pix_cents)),
                (_("Cartão"), total.recovered_card_cents, brl(total.recovered_card_cents)),
                (_("Boleto"), total.recovered_boleto_cents, brl(total.recovered_boleto_cents)),
            ],
            label_header=_("Forma de pagamento"),
            value_header=_("Valor recuperado"),
        ),
        bar_chart(
            "chart-agreements",
            _("Acordos no período"),
            [
                (_("Feitos"), total.agreements_made, str(total.agreements_made)),
                (_("Cumpridos"), total.agreements_completed, str(total.agreements_completed)),
                (_("Quebrados"), total.agreements_broken, str(total.agreements_broken)),
                (_("Caducados"), total.agreements_lapsed, str(total.agreements_lapsed)),
            ],
            label_header=_("Situação"),
            value_header=_("Acordos"),
        ),
        bar_chart(
            "chart-conversion",
            _("Do link aberto ao acordo"),
            [
                (_("Devedores que abriram link"), total.links_opened, str(total.links_opened)),
                (_("Fizeram acordo depois"), total.conversions, str(total.conversions)),
            ],
            label_header=_("Etapa"),
            value_header=_("Devedores"),
        ),
    ]
    reasons = report.delay_reasons_total
    if any(reasons.values()):
        charts.append(
            bar_chart(
                "chart-delay-reasons",
                _("Motivos do atraso informados pelos devedores"),
                [(delay_reason_label(r), n, str(n)) for r, n in reasons.items()],
                label_header=_("Motivo"),
                value_header=_("Devedores"),
            )
        )
    if report.segments:
        charts.append(
            bar_chart(
                "chart-segments",
                _("Recuperado por segmento"),
                [
                    (" · ".join(segment_labels(seg)), s.recovered_cents, brl(s.recovered_cents))
                    for seg, s in report.segments
                ],
                label_header=_("Segmento"),
                value_header=_("Valor recuperado"),
            )
        )
    return charts
