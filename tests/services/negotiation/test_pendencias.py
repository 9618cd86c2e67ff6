"""The dashboard's data in one statement: items, creditors, current policies, open agreements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import sqlalchemy as sa
from flask import Flask

from portal.core.clock import today_br
from portal.core.context import SYSTEM
from portal.demo.policies import demo_policies
from portal.extensions import db
from portal.models import Debtor, PendingItem
from portal.services.negotiation.pendencias import debtor_dashboard, debtor_pendencias
from portal.services.policies import current_policy, policy_of, publish_policy
from tests.factories import create_creditor, create_pending_item
from tests.journey_helpers import debt_world, make_agreement


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.startswith(("SAVEPOINT", "RELEASE")):  # the tests' isolation
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def _dashboard(debtor: Debtor):  # type: ignore[no-untyped-def]
    return debtor_dashboard(db.session, debtor, today_br(), _companies(debtor))


def _companies(debtor: Debtor) -> set[int]:
    """Every company with items for the debtor (as a session that proved them all)."""
    return set(
        db.session.scalars(
            sa.select(PendingItem.creditor_id).where(PendingItem.debtor_id == debtor.id)
        )
    )


def test_groups_policies_and_open_agreements_in_one_statement(app: Flask) -> None:
    world = debt_world(amounts=(40_000, 20_000))
    other = create_creditor(legal_name="Sem Política S.A.", trade_name="Aaa Sem Política")
    create_pending_item(creditor=other, debtor=world.debtor, original_amount_cents=5_000)
    extra = debt_world(amounts=(10_000,))
    extra_item = create_pending_item(creditor=extra.creditor, debtor=world.debtor)
    db.session.commit()
    mine = type(world)(extra.creditor, world.debtor, [extra_item])
    make_agreement(mine, payment_count=1)
    db.session.expire_all()
    debtor = world.debtor
    db.session.refresh(debtor)

    companies = _companies(debtor)
    with statements(app) as seen:
        groups, open_agreements = debtor_dashboard(db.session, debtor, today_br(), companies)
    assert len(seen) == 1
    assert open_agreements == 1
    assert [g.creditor.id for g in groups] == [other.id, world.creditor.id]  # by display name
    no_policy, with_policy = groups
    assert no_policy.policy is None and not no_policy.can_negotiate
    assert no_policy.total_cents == 5_000
    assert with_policy.policy == current_policy(db.session, world.creditor.id)
    assert [v.item.id for v in with_policy.items] == [i.id for i in world.items]
    assert with_policy.total_cents > 60_000  # multa and juros on top of the principal
    assert debtor_pendencias(db.session, debtor, today_br(), _companies(debtor)) == groups


def test_nothing_open_still_counts_agreements(app: Flask) -> None:
    world = debt_world(amounts=(10_000,))
    make_agreement(world, payment_count=1)
    db.session.refresh(world.debtor)
    companies = _companies(world.debtor)
    with statements(app) as seen:
        groups, open_agreements = debtor_dashboard(db.session, world.debtor, today_br(), companies)
    assert (groups, open_agreements) == ([], 1)
    assert len(seen) == 2


def test_the_newest_version_is_the_one_shown(app: Flask) -> None:
    world = debt_world(amounts=(10_000,))
    first = _dashboard(world.debtor)[0][0].policy
    newer = replace(demo_policies()["energia"], offer_validity_days=3)
    publish_policy(db.session, world.creditor, newer, actor=SYSTEM)
    db.session.commit()
    shown = _dashboard(world.debtor)[0][0].policy
    assert first is not None and shown is not None
    assert (first.version, shown.version) == (1, 2)
    assert shown.offer_validity_days == 3


def test_a_stored_version_is_decoded_once_and_shared(app: Flask) -> None:
    from portal.models import PolicyVersion

    world = debt_world(amounts=(10_000,))
    row = db.session.scalar(
        sa.select(PolicyVersion).where(PolicyVersion.creditor_id == world.creditor.id)
    )
    assert policy_of(row) is policy_of(row)
    assert policy_of(row).policy_id == str(world.creditor.id)
