"""Who may open a view: ``debtor_required`` and ``staff_required(role)``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.session import proved_creditor_ids
from portal.models import StaffRole

F = TypeVar("F", bound=Callable[..., Any])


def _expired_message() -> None:
    if g.get("session_expired"):
        flash(_("Sua sessão terminou por segurança. Entre de novo para continuar."), "info")


def debtor_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated or not current_user.is_debtor:
            _expired_message()
            return redirect(url_for("public.index"), code=303)
        g.debtor = current_user.model
        g.proved = proved_creditor_ids()  # the only companies this session may show
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def staff_required(minimum: StaffRole = StaffRole.VIEWER) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated or not current_user.is_staff:
                _expired_message()
                return redirect(url_for("staff.login", next=request.path), code=303)
            if not current_user.model.has_role(minimum):
                abort(403)
            g.staff = current_user.model
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
