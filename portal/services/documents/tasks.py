"""Celery task of the documents context: render one queued document."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from portal.extensions import celery, db
from portal.services.documents.records import MAX_ATTEMPTS, RENDER_TASK, RenderFailed
from portal.services.documents.render import render_document as render


@celery.task(
    name=RENDER_TASK,
    # OperationalError: the database was busy or briefly away; the attempt left nothing.
    autoretry_for=(RenderFailed, OperationalError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=MAX_ATTEMPTS - 1,
    acks_late=True,
)
def render_document(document_id: int) -> None:
    """Render one document and store it; a failed attempt is kept, then retried or given up.

    Two units of work on purpose: the read is released before the slow rendering, and a
    failed attempt is committed (it counts) before the retry is raised.
    """
    try:
        render(db.session, document_id, release=db.session.rollback)
    except RenderFailed as failure:
        db.session.commit()  # the attempt counts even though the rendering failed
        if not failure.final:
            raise
        return
    db.session.commit()
