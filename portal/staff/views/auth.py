"""Staff login (password and TOTP, both required) and logout."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.limits import ip_limit
from portal.auth.session import STAFF, log_in, log_out
from portal.core.audit import record_event
from portal.core.clock import now_utc
from portal.core.uow import unit_of_work
from portal.extensions import db
from portal.http import request_actor, safe_next
from portal.services.backoffice import authenticate_staff
from portal.staff.blueprint import bp
from portal.staff.forms import StaffLoginForm


@bp.route("/entrar", methods=["GET", "POST"])
@ip_limit("RATELIMIT_AUTH_IP")
def login() -> Response | tuple[str, int]:
    form = StaffLoginForm()
    target = safe_next(request.args.get("next"), url_for("staff.search"))
    if not target.startswith("/atendimento"):
        target = url_for("staff.search")
    status = 200
    if form.validate_on_submit():
        with unit_of_work(db.session):  # a failed attempt counts: it is committed too
            user = authenticate_staff(
                db.session,
                str(form.email.data),
                str(form.password.data),
                str(form.totp.data),
                actor=request_actor(),
                now=now_utc(),
            )
            if user is not None:
                log_in(STAFF, user, method="password+totp")
        if user is not None:
            return redirect(target, code=303)
        form.password.data = ""
        flash(
            _(
                "E-mail, senha ou código inválidos. Depois de algumas tentativas erradas, o "
                "acesso fica bloqueado por 15 minutos."
            ),
            "error",
        )
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("staff/auth/login.html", form=form), status


@bp.post("/sair")
def logout() -> Response:
    if current_user.is_authenticated and current_user.is_staff:
        with unit_of_work(db.session):
            record_event(
                db.session, request_actor(), "staff.logout", subject=("staff", current_user.id)
            )
            log_out()
    flash(_("Você saiu do atendimento."), "success")
    return redirect(url_for("staff.login"), code=303)
