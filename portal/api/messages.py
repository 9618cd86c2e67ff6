"""Field errors of /api/v1 in English (``message``) and pt-BR (``message_pt``).

Schema validation (pydantic) names each problem with a stable type; this table gives each
one a pt-BR msgid (translated to English by the catalogue, as every other message), so a
company can show its staff why a record was refused. Unknown types fall back to a generic
"valor inválido".
"""

from __future__ import annotations

from typing import Any

from portal.domain.errors import N_, Message

_MESSAGES: dict[str, str] = {
    "missing": N_("campo obrigatório"),
    "extra_forbidden": N_("campo desconhecido"),
    "string_type": N_("deve ser um texto"),
    "string_too_short": N_("no mínimo %(min_length)s caracteres"),
    "string_too_long": N_("no máximo %(max_length)s caracteres"),
    "string_pattern_mismatch": N_("formato inválido"),
    "int_type": N_("deve ser um número inteiro"),
    "int_parsing": N_("deve ser um número inteiro"),
    "int_from_float": N_("deve ser um número inteiro"),
    "bool_type": N_("deve ser true ou false"),
    "bool_parsing": N_("deve ser true ou false"),
    "greater_than": N_("deve ser maior que %(gt)s"),
    "greater_than_equal": N_("deve ser no mínimo %(ge)s"),
    "less_than": N_("deve ser menor que %(lt)s"),
    "less_than_equal": N_("deve ser no máximo %(le)s"),
    "literal_error": N_("valor não permitido: use %(expected)s"),
    "enum": N_("valor não permitido: use %(expected)s"),
    "list_type": N_("deve ser uma lista"),
    "too_short": N_("no mínimo %(min_length)s elementos"),
    "too_long": N_("no máximo %(max_length)s elementos"),
    "model_type": N_("deve ser um objeto"),
    "model_attributes_type": N_("deve ser um objeto"),
    "dict_type": N_("deve ser um objeto"),
    "date_type": N_("deve ser uma data no formato AAAA-MM-DD"),
    "date_parsing": N_("data inexistente"),
    "date_from_datetime_parsing": N_("deve ser uma data no formato AAAA-MM-DD"),
    "invalid_document": N_("CPF ou CNPJ inválido"),
    "invalid_email": N_("e-mail inválido"),
    "invalid_date_time": N_("deve ser data e hora com fuso (RFC 3339), como 2026-11-25T00:00:00Z"),
}
_PARAMS = ("min_length", "max_length", "gt", "ge", "lt", "le", "expected")


# A text field whose shape is wrong gets the code its domain check would give.
_SHAPE_ERRORS = {"string_pattern_mismatch", "string_too_short", "string_too_long"}
_BY_FIELD: dict[str, Message] = {
    "document": Message.of("invalid_document", N_("CPF ou CNPJ inválido")),
    "debtor_document": Message.of("invalid_document", N_("CPF ou CNPJ inválido")),
    "phone": Message.of("invalid_phone", N_("telefone inválido: use DDD e número")),
    "external_reference": Message.of(
        "invalid_reference",
        N_("referência inválida: até %(max)s letras, números e . _ : -"),
        max=64,
    ),
    "url": Message.of(
        "url_malformed", N_("endereço inválido: use https://, sem usuário, senha nem fragmento")
    ),
}


def validation_message(error: Any) -> Message:
    """The ``Message`` for one pydantic error (``code`` is pydantic's type)."""
    code = str(error["type"])
    field = str(error["loc"][-1]) if error.get("loc") else ""
    if code in _SHAPE_ERRORS and field in _BY_FIELD:
        return _BY_FIELD[field]
    key = _MESSAGES.get(code, N_("valor inválido"))
    context = error.get("ctx") or {}
    params = {name: str(context[name]) for name in _PARAMS if name in context}
    return Message.of(code, key, **params)
