"""Use cases: load rows, call the domain, write rows and audit records, queue side effects.

Services flush but never commit; the caller (a view, a CLI command, a task) owns the unit
of work and commits once.
"""

from typing import Any, TypeAlias, cast

from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.orm import Session, scoped_session

# Services accept a plain Session or Flask-SQLAlchemy's scoped ``db.session``.
DbSession: TypeAlias = Session | scoped_session[Any]


def affected(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE changed (what makes a conditional UPDATE atomic)."""
    return int(cast(CursorResult[Any], result).rowcount)
