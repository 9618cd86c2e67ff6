"""portal/core/uow.py: one commit per unit of work, a rollback on error, and stepwise
services (a CSV import) run a unit of work per step."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from portal.core.after_commit import call_after_commit
from portal.core.uow import transactional, unit_of_work, unit_per_step
from portal.extensions import db
from portal.models import Debtor
from tests.factories import create_debtor


def _debtors() -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(Debtor)) or 0)


def test_a_unit_commits_once_and_rolls_back_on_error() -> None:
    seen: list[str] = []
    with unit_of_work():
        create_debtor()
        call_after_commit(db.session, lambda: seen.append("committed"))
        assert seen == []
    assert seen == ["committed"]

    @transactional
    def broken() -> None:
        create_debtor()
        call_after_commit(db.session, lambda: seen.append("never"))
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        broken()
    assert seen == ["committed"]
    assert _debtors() == 1


def test_each_step_is_committed_before_it_is_handed_on() -> None:
    log: list[str] = []

    def steps() -> Iterator[int]:
        for n in range(3):
            create_debtor()
            call_after_commit(db.session, lambda n=n: log.append(f"commit {n}"))
            yield n

    for n in unit_per_step(steps()):
        log.append(f"got {n}")
    assert log == ["commit 0", "got 0", "commit 1", "got 1", "commit 2", "got 2"]
    assert _debtors() == 3


def test_an_error_rolls_back_only_the_step_it_happened_in() -> None:
    def steps() -> Iterator[int]:
        yield create_debtor().id
        create_debtor()
        raise RuntimeError("the second step fails")

    got: list[int] = []
    with pytest.raises(RuntimeError, match="second step"):
        for debtor_id in unit_per_step(steps()):
            got.append(debtor_id)
    assert len(got) == 1
    assert db.session.get(Debtor, got[0]) is not None
    assert _debtors() == 1
    assert list(unit_per_step(iter([]))) == []


def test_a_commit_that_fails_is_rolled_back_and_the_session_stays_usable() -> None:
    first = create_debtor()
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError), unit_of_work():
        db.session.add(Debtor(document_type="cpf", document=first.document))  # the same CPF
    assert _debtors() == 1  # usable at once: no "rollback first" error
