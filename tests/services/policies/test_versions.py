"""portal/services/policies/versions.py: versions are appended, stored as JSON, read back intact."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.core.context import SYSTEM
from portal.demo.policies import demo_policies
from portal.domain.errors import InvalidPolicy
from portal.extensions import db
from portal.models import ImmutablePolicyError, PolicyVersion
from portal.services.policies import (
    NoPolicy,
    current_policy,
    current_version,
    policy_version,
    publish_policy,
)
from tests.factories import create_creditor


def test_publish_and_read_back_every_field() -> None:
    creditor = create_creditor()
    original = demo_policies()["saber"]  # the one with an index table
    publish_policy(db.session, creditor, original, actor=SYSTEM)
    db.session.commit()
    db.session.expire_all()
    loaded = current_policy(db.session, creditor.id)
    assert replace(loaded, policy_id="demo", version=1) == original
    assert loaded.policy_id == str(creditor.id)


def test_versions_are_appended_and_kept() -> None:
    creditor = create_creditor()
    first = demo_policies()["energia"]
    publish_policy(db.session, creditor, first, actor=SYSTEM)
    second = replace(first, min_installment_cents=4_000)
    row = publish_policy(db.session, creditor, second, actor=SYSTEM, note="parcela mínima")
    assert row.version == 2
    assert current_policy(db.session, creditor.id).min_installment_cents == 4_000
    assert policy_version(db.session, creditor.id, 1).min_installment_cents == 3_000
    assert current_version(db.session, creditor.id).note == "parcela mínima"


def test_a_version_cannot_be_changed_or_removed() -> None:
    creditor = create_creditor()
    row = publish_policy(db.session, creditor, demo_policies()["energia"], actor=SYSTEM)
    row.note = "edited"
    with pytest.raises(ImmutablePolicyError):
        db.session.flush()
    db.session.rollback()


def test_duplicate_version_is_refused_by_the_database() -> None:
    creditor = create_creditor()
    row = publish_policy(db.session, creditor, demo_policies()["energia"], actor=SYSTEM)
    with pytest.raises(IntegrityError):
        db.session.execute(
            sa.insert(PolicyVersion.__table__).values(
                creditor_id=creditor.id,
                version=row.version,
                terms={},
                created_at=row.created_at,
                created_by_type="system",
            )
        )


def test_invalid_policy_is_not_published() -> None:
    creditor = create_creditor()
    with pytest.raises(InvalidPolicy):
        publish_policy(
            db.session,
            creditor,
            replace(demo_policies()["energia"], min_down_payment_pct=Decimal(101)),
            actor=SYSTEM,
        )


def test_no_policy_yet() -> None:
    creditor = create_creditor()
    with pytest.raises(NoPolicy):
        current_policy(db.session, creditor.id)
