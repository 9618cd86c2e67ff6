"""Celery tasks queued by a transaction, kept in it until the broker has them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, JSONType, utcnow


class PendingTask(Base):
    """Written with the change that queues the task; deleted once the broker accepted it.

    A process that dies between its commit and the hand-off leaves the row behind, and the
    beat's sweep publishes it (``portal.core.after_commit.publish_stranded``). The id is
    also the Celery task id, so a task published twice runs once (see ``AppContextTask``).
    """

    __tablename__ = "pending_tasks"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    task: Mapped[str] = mapped_column(sa.String(100))
    args: Mapped[list[Any]] = mapped_column(JSONType)
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
