"""``python -m cluster.scenario setup N`` / ``verify``: data for, and facts after, a scale run.

Runs with the cluster's environment (the same database the servers use), prints JSON.
``setup`` imports N debtors with one pendência each (the CSV import's path) for the first
demo creditor and issues each a reminder link; ``verify`` reports, per debtor, what the
database holds: agreements, acceptance evidence, succeeded payments, paid installments,
step-up codes issued and provider events applied.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa

PREFIX = "SCALE"


def setup(count: int) -> list[dict[str, Any]]:
    from bench import prepare
    from portal import create_app
    from portal.extensions import db
    from portal.models import CreditorDebtor, Debtor, PendingItem

    app = create_app()
    logging.getLogger().setLevel(logging.WARNING)
    path = Path(tempfile.mkdtemp(prefix="portal-scale-")) / "scale.csv"
    prepare.write_csv(path, count, prefix=PREFIX)
    prepare.csv_import(app, path, 1)
    with app.app_context():
        rows = db.session.execute(
            sa.select(Debtor.id, Debtor.document, CreditorDebtor.email)
            .join(PendingItem, PendingItem.debtor_id == Debtor.id)
            .join(
                CreditorDebtor,
                (CreditorDebtor.debtor_id == Debtor.id)
                & (CreditorDebtor.creditor_id == PendingItem.creditor_id),
            )
            .where(PendingItem.external_reference.like(f"{PREFIX}-%"))
            .order_by(Debtor.id)
        ).all()
    return [
        {
            "debtor_id": debtor_id,
            "digits": document[:3],
            "email": email,
            "link": prepare.reminder_link(app, debtor_id, 1),
        }
        for debtor_id, document, email in rows
    ]


def verify(debtor_ids: list[int]) -> dict[str, dict[str, int]]:
    from portal import create_app
    from portal.extensions import db
    from portal.models import (
        Agreement,
        AgreementEvidence,
        Installment,
        OneTimeCode,
        Payment,
        ProviderEventRecord,
    )

    app = create_app()
    logging.getLogger().setLevel(logging.WARNING)
    facts: dict[str, dict[str, int]] = {}
    with app.app_context():
        for debtor_id in debtor_ids:
            agreement_ids = list(
                db.session.scalars(sa.select(Agreement.id).where(Agreement.debtor_id == debtor_id))
            )

            def count(statement: Any) -> int:
                return int(db.session.scalar(statement) or 0)

            in_agreements = Payment.agreement_id.in_(agreement_ids)
            facts[str(debtor_id)] = {
                "agreements": len(agreement_ids),
                "evidence": count(
                    sa.select(sa.func.count())
                    .select_from(AgreementEvidence)
                    .where(AgreementEvidence.agreement_id.in_(agreement_ids))
                ),
                "payments_succeeded": count(
                    sa.select(sa.func.count())
                    .select_from(Payment)
                    .where(in_agreements, Payment.status == "succeeded")
                ),
                "applied_cents": count(
                    sa.select(sa.func.sum(Payment.applied_cents)).where(in_agreements)
                ),
                "due_cents": count(
                    sa.select(sa.func.sum(Installment.amount_cents)).where(
                        Installment.agreement_id.in_(agreement_ids)
                    )
                ),
                "installments_paid": count(
                    sa.select(sa.func.count())
                    .select_from(Installment)
                    .where(
                        Installment.agreement_id.in_(agreement_ids), Installment.status == "paid"
                    )
                ),
                "events_applied": count(
                    sa.select(sa.func.count())
                    .select_from(ProviderEventRecord)
                    .join(Payment, Payment.id == ProviderEventRecord.payment_id)
                    .where(in_agreements, ProviderEventRecord.outcome == "succeeded")
                ),
                "codes": count(
                    sa.select(sa.func.count())
                    .select_from(OneTimeCode)
                    .where(OneTimeCode.debtor_id == debtor_id)
                ),
            }
    return facts


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        print(json.dumps(setup(int(sys.argv[2]))))
    else:
        print(json.dumps(verify([int(x) for x in sys.argv[2:]])))
