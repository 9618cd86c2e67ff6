"""The shared kernel every room may use: the session type, clock, actor, audit, after-commit
effects, the unit of work and locale-aware formatting.

Nothing here knows a business context: contexts live in ``portal.services.<context>``.
"""

from typing import Any, TypeAlias, cast

from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.orm import Session, scoped_session

# Services accept a plain Session or Flask-SQLAlchemy's scoped ``db.session``.
DbSession: TypeAlias = Session | scoped_session[Any]


def affected(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE changed (what makes a conditional UPDATE atomic)."""
    return int(cast(CursorResult[Any], result).rowcount)
