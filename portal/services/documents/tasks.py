"""Celery task of the documents context: render one queued document."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from portal.core.uow import unit_of_work
from portal.extensions import celery, db
from portal.services.documents.records import MAX_ATTEMPTS, RENDER_TASK, RenderFailed
from portal.services.documents.render import (
    count_failed_render,
    prepare_render,
    render_pdf,
    store_pdf,
)


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

    Units of work around the database steps only: the slow rendering runs with no
    transaction open, and a failed attempt is committed (it counts) before the retry.
    """
    with unit_of_work(db.session):
        job = prepare_render(db.session, document_id)
    if job is None:
        return
    try:
        pdf = render_pdf(job)
    except Exception as exc:
        with unit_of_work(db.session):
            failure = count_failed_render(db.session, job)
        if failure.final:
            return
        raise failure from exc
    with unit_of_work(db.session):
        store_pdf(db.session, job, pdf)
