"""The landing page: what the portal is, how to get in, how to recognise it is genuine."""

from __future__ import annotations

from flask import render_template

from portal.debtor.forms import LinkRequestForm
from portal.public.blueprint import bp


@bp.get("/")
def index() -> str:
    return render_template("public/home/index.html", form=LinkRequestForm(formdata=None))
