"""portal/core/after_commit.py: side effects leave only after the commit."""

from __future__ import annotations

import pytest

from portal.core.after_commit import call_after_commit, pending_callbacks
from portal.extensions import db
from tests.factories import create_debtor


def test_callback_runs_after_commit_only() -> None:
    sent: list[str] = []
    create_debtor()
    call_after_commit(db.session, lambda: sent.append("e-mail"))
    assert sent == []
    db.session.commit()
    assert sent == ["e-mail"]
    assert pending_callbacks(db.session) == 0


def test_rollback_discards_callbacks() -> None:
    sent: list[str] = []
    create_debtor()
    call_after_commit(db.session, lambda: sent.append("e-mail"))
    db.session.rollback()
    db.session.commit()
    assert sent == []


def test_a_failing_side_effect_does_not_undo_the_commit(caplog: pytest.LogCaptureFixture) -> None:
    debtor = create_debtor()

    def explode() -> None:
        raise RuntimeError("smtp down")

    call_after_commit(db.session, explode)
    db.session.commit()
    assert db.session.get(type(debtor), debtor.id) is not None
    assert "after-commit side effect failed" in caplog.text
