"""Shared click parameter types and helpers of the ``flask --app portal …`` commands."""

from __future__ import annotations

from typing import Any

import click
import sqlalchemy as sa

from portal.core.context import Actor
from portal.domain.documents import InvalidDocument, normalise_cnpj
from portal.extensions import db
from portal.models import ActorType, Creditor

CLI = Actor(ActorType.SYSTEM, "cli")
"""Who acts when a command changes data (in the audit trail)."""


class CreditorReference(click.ParamType):
    """A creditor by id (``3``) or by CNPJ, formatted or not (``12.345.678/0001-95``).

    Conversion only checks the shape (no application context exists yet while click parses);
    :func:`load_creditor` finds the row inside the command.
    """

    name = "creditor"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        text = str(value).strip()
        try:
            return ("cnpj", normalise_cnpj(text))
        except InvalidDocument:
            if text.isdigit() and len(text) < 14:
                return ("id", int(text))
        self.fail("nenhuma empresa com este id ou CNPJ (CNPJ inválido?)", param, ctx)


CREDITOR = CreditorReference()


def load_creditor(reference: tuple[str, Any], param_hint: str = "--creditor") -> Creditor:
    """The creditor a :class:`CreditorReference` names; a clear error when there is none."""
    kind, value = reference
    creditor = (
        db.session.get(Creditor, value)
        if kind == "id"
        else db.session.scalar(sa.select(Creditor).where(Creditor.cnpj == value))
    )
    if creditor is None:
        raise click.BadParameter("nenhuma empresa com este id ou CNPJ", param_hint=param_hint)
    return creditor
