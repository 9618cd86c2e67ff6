"""``jobs pix-automatico``: the charges of approved authorisations sent in their window, the
collected one paid with its receipt rendered (the embedded default's eager tasks)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from portal.core.clock import now_utc, today_br
from portal.core.context import SYSTEM
from portal.extensions import db
from portal.models import Document
from portal.services.payments import provider
from portal.services.payments.recurring import request_authorisation
from tests.journey_helpers import debt_world, make_agreement


def test_the_job_sends_collects_and_renders_the_receipt(app: Flask) -> None:
    with app.app_context():
        agreement = make_agreement(
            debt_world(), payment_count=3, first_due=today_br() + timedelta(days=5)
        )
        recurrence = request_authorisation(
            db.session, agreement.id, actor=SYSTEM, now=now_utc(), today=today_br()
        )
        db.session.commit()
        provider().simulate_recurrence_answer(str(recurrence.provider_ref), True)
        db.session.commit()
        agreement_id = agreement.id
    runner = app.test_cli_runner()
    day = (today_br() + timedelta(days=1)).isoformat()
    first = runner.invoke(args=["jobs", "pix-automatico", "--date", day])
    assert first.exit_code == 0, first.output
    assert "1 cobranças enviadas, 0 recebidas" in first.output
    second = runner.invoke(args=["jobs", "pix-automatico", "--date", day])
    assert "0 cobranças enviadas, 1 recebidas, 0 falharam" in second.output
    with app.app_context():
        receipt = db.session.scalars(
            sa.select(Document).where(
                Document.agreement_id == agreement_id, Document.kind == "receipt"
            )
        ).one()
        assert receipt.status == "ready"
