"""Plain pt-BR words for audit events on the debtor page: what happened, who did it, and
which message left. Unknown actions show their code, so nothing is ever hidden."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.core.formatting import brl
from portal.extensions import db
from portal.models import Agreement, AuditEvent
from portal.services.backoffice import Who

ACTIONS: dict[str, Any] = {
    "agreement.accepted": _l("Acordo fechado"),
    "agreement.active": _l("Entrada paga: acordo em andamento"),
    "agreement.completed": _l("Acordo quitado"),
    "agreement.lapsed": _l("Acordo não iniciado: a entrada não foi paga"),
    "agreement.broken": _l("Acordo encerrado por atraso"),
    "agreement.cancelled": _l("Acordo cancelado"),
    "installment.paid": _l("Parcela paga"),
    "installment.part_paid": _l("Parte de uma parcela paga"),
    "payment.started": _l("Pagamento iniciado"),
    "payment.awaiting": _l("Pagamento aguardando o banco"),
    "payment.processing": _l("Pagamento em processamento"),
    "payment.succeeded": _l("Pagamento confirmado"),
    "payment.failed": _l("Pagamento recusado"),
    "payment.expired": _l("Pagamento expirado"),
    "payment.canceled": _l("Pagamento cancelado"),
    "payment.held": _l("Pagamento retido para conferência"),
    "payment.refunded": _l("Pagamento devolvido"),
    "payment.refund_by_hand": _l("Boleto pago a mais: devolver por transferência"),
    "offer.simulated": _l("Simulação de acordo"),
    "link.issued": _l("Link de acesso emitido"),
    "link.requested": _l("Link de acesso pedido pelo devedor"),
    "link.request_ignored": _l("Pedido de link ignorado: já havia links ativos demais"),
    "link.opened": _l("Link de acesso aberto"),
    "link.opened_elsewhere": _l("Link aberto em outro navegador"),
    "link.used": _l("Entrada pelo link de acesso"),
    "link.failed": _l("Tentativa de entrada recusada"),
    "link.locked": _l("Link bloqueado depois de tentativas erradas"),
    "link.revoked": _l("Link de acesso cancelado"),
    "code.sent": _l("Código de confirmação enviado"),
    "code.verified": _l("Código de confirmação aceito"),
    "code.failed": _l("Código de confirmação recusado"),
    "auth.login": _l("Devedor entrou no portal"),
    "auth.logout": _l("Devedor saiu do portal"),
    "debtor.access_blocked": _l("Acesso ao portal bloqueado"),
    "debtor.access_unblocked": _l("Acesso ao portal liberado"),
    "debtor.document_revealed": _l("Documento completo exibido ao atendimento"),
    "debtor.note_added": _l("Anotação registrada"),
    "item.disputed": _l("Pendência marcada como contestada"),
    "item.resolved": _l("Contestação resolvida: pendência em aberto de novo"),
    "item.dispute_resolved": _l("Contestação do devedor respondida"),
    "dispute.attachment_downloaded": _l("Anexo de contestação baixado pelo atendimento"),
    "debtor.delay_reason_recorded": _l("Devedor informou o motivo do atraso"),
    "item.bureau_removed": _l("Retirada do cadastro de inadimplentes confirmada pela empresa"),
    "creditor.contact_changed": _l("Canais de atendimento da empresa alterados"),
    "reminder.sent": _l("Lembrete da régua enviado"),
    "reminder.failed": _l("Lembrete da régua não entregue"),
    "reminder.opted_out": _l("Devedor pediu para não receber mais lembretes"),
    "reminder.opted_in": _l("Devedor voltou a aceitar lembretes por um canal"),
    "privacy.exported": _l("Devedor baixou seus dados (LGPD)"),
    "data_request.created": _l("Devedor pediu correção de dados (LGPD)"),
    "data_request.completed": _l("Pedido de correção de dados concluído"),
    "regua.published": _l("Nova versão da régua de cobrança publicada"),
    "reminder.delivered": _l("Lembrete da régua entregue"),
    "agreement.accept_failed": _l("Acordo não fechado: as condições mudaram"),
    "payment.requires_action": _l("Pagamento aguardando confirmação do devedor"),
    "payment.returned_agreement_ended": _l("Pagamento devolvido: o acordo já tinha terminado"),
    "item.marked_paid": _l("Pendência marcada como paga pela empresa"),
    "item.marked_cancelled": _l("Pendência cancelada pela empresa"),
    "item.marked_open": _l("Pendência reaberta pela empresa"),
    "items.upserted": _l("Pendências enviadas pela empresa"),
    "debtors.upserted": _l("Cadastro enviado pela empresa"),
    "contact.changed": _l("Dados de contato alterados"),
    "session.companies_added": _l("Devedor adicionou uma empresa à sessão"),
    "link.request_limited": _l("Pedido de link recusado: muitos pedidos seguidos"),
    "code.request_limited": _l("Pedido de código recusado: muitos pedidos seguidos"),
    "policy.published": _l("Nova política de negociação publicada"),
}
# What a family of actions is about, for an action no label names yet (never a raw key).
FAMILIES: dict[str, Any] = {
    "agreement": _l("Acordo atualizado"),
    "installment": _l("Parcela atualizada"),
    "payment": _l("Pagamento atualizado"),
    "item": _l("Pendência atualizada"),
    "link": _l("Link de acesso atualizado"),
    "code": _l("Código de confirmação"),
    "reminder": _l("Lembrete da régua"),
    "debtor": _l("Cadastro do devedor atualizado"),
}

CHANNELS: dict[str, Any] = {
    "email": _l("e-mail"),
    "sms": _l("SMS"),
    "whatsapp": _l("WhatsApp"),
}


def action_label(event: AuditEvent) -> str:
    label = ACTIONS.get(event.action) or FAMILIES.get(event.action.split(".", 1)[0])
    return str(label) if label is not None else _("Outro registro")


def who_label(who: Who) -> str:
    """Who issued or cancelled a link: the staff member or API key by name when known."""
    if who.kind == "staff":
        return _("Atendimento: %(name)s", name=who.name) if who.name else _("Atendimento")
    if who.kind == "api_key":
        if who.name:
            return _("API da empresa (chave “%(name)s”)", name=who.name)
        return _("API da empresa")
    return str(
        {
            "system": _l("Régua de cobrança"),
            "debtor": _l("O próprio devedor"),
        }.get(who.kind, _l("Sistema"))
    )


def installment_name(number: int, agreement_id: object = None) -> str:
    """Installment 0 is the down payment, or the only payment of a cash agreement."""
    if number != 0:
        return _("parcela %(n)s", n=number)
    agreement = (
        db.session.get(Agreement, agreement_id)
        if isinstance(agreement_id, int) and not isinstance(agreement_id, bool)
        else None
    )
    return _("pagamento à vista") if agreement and agreement.payment_count == 1 else _("entrada")


def actor_label(event: AuditEvent, staff_names: dict[str, str]) -> str:
    if event.actor_type == "staff":
        name = staff_names.get(event.actor_id or "")
        return _("Atendimento: %(name)s", name=name) if name else _("Atendimento")
    return str(
        {
            "system": _l("Sistema"),
            "debtor": _l("Devedor"),
            "api_key": _l("Integração da empresa"),
            "provider": _l("Provedor de pagamento"),
        }.get(event.actor_type, event.actor_type)
    )


def event_detail(event: AuditEvent) -> str:
    """A short, PII-free complement: which agreement, channel, amount or reason."""
    details = event.details or {}
    parts: list[str] = []
    if event.subject_type == "agreement" and event.subject_id:
        parts.append(_("Acordo nº %(n)s", n=event.subject_id))
    elif "agreement_id" in details:
        parts.append(_("Acordo nº %(n)s", n=details["agreement_id"]))
    number = details.get("number")
    if isinstance(number, int) and not isinstance(number, bool):
        parts.append(installment_name(number, details.get("agreement_id")))
    channel = details.get("channel")
    if channel in CHANNELS:
        parts.append(_("por %(channel)s", channel=CHANNELS[channel]))
    for key in ("amount_cents", "applied_cents", "total_cents", "refunded_cents"):
        value = details.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value:
            parts.append(brl(value))
            break
    reference = details.get("reference")
    if isinstance(reference, str) and event.action.startswith("item."):
        parts.append(_("referência %(ref)s", ref=reference))
    if event.action == "policy.published" and "version" in details:
        parts.append(_("versão %(n)s", n=details["version"]))
    reason = details.get("reason")
    if isinstance(reason, str) and event.action.startswith("agreement."):
        parts.append(_("motivo: %(reason)s", reason=reason))
    return " · ".join(parts)


def message_label(event: AuditEvent) -> str:
    """The message an event stands for (its body is never stored, only that it left)."""
    channel = CHANNELS.get(str((event.details or {}).get("channel")), "")
    if event.action == "code.sent":
        return _("Código de confirmação por %(channel)s", channel=channel)
    if event.action == "link.issued":
        if (event.details or {}).get("channel") == "email":
            return _("Link de acesso por e-mail")
        if event.actor_type == "api_key":
            return _(
                "Link de acesso para %(channel)s (emitido pela API; a empresa envia a mensagem)",
                channel=channel,
            )
        if event.actor_type == "system":
            return _("Link de acesso por %(channel)s, enviado pela régua", channel=channel)
        return _(
            "Link de acesso para %(channel)s (mensagem copiada pelo atendimento)", channel=channel
        )
    if event.action == "link.requested":
        return _("Link de acesso por e-mail, pedido pelo devedor")
    return _("E-mail sobre o acordo: %(what)s", what=action_label(event).lower())
