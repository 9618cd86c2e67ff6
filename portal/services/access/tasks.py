"""Celery tasks of the access context: bulk links for a segment, and their purge."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from portal.core.clock import now_utc
from portal.core.context import Actor
from portal.core.uow import unit_of_work
from portal.extensions import celery, db
from portal.models import ActorType
from portal.services.access.bulk_links import (
    ISSUE_TASK,
    PURGE_TASK,
    issue_batch,
    purge_expired_exports,
)
from portal.services.access.magic import MAGIC_LINK_TASK, request_magic_link


@celery.task(name=ISSUE_TASK, acks_late=True)
def bulk_issue_links_task(job_id: int) -> None:
    """Issue a bulk job's links batch by batch, one unit of work per batch so progress shows.

    Gets only the job id: links are secrets and never travel through the broker or logs.
    """
    max_days = current_app.config["ACCESS_LINK_MAX_DAYS"]
    more = True
    while more:
        with unit_of_work(db.session):
            more = issue_batch(db.session, job_id, max_days=max_days, now=now_utc())


@celery.task(name=PURGE_TASK, acks_late=True)
def purge_bulk_exports_task() -> int:
    """Erase sealed links whose export window has closed (hourly; idempotent)."""
    with unit_of_work(db.session):
        return purge_expired_exports(db.session, now_utc())


@celery.task(name=MAGIC_LINK_TASK, acks_late=True)
def request_magic_link_task(
    identifier: str, browser_nonce_hash: str, ip: str | None, user_agent: str | None
) -> None:
    """Look the identifier up and e-mail a link when it matches (A10: not in the request, so
    the page answers in the same time whether or not the identifier is known)."""
    with unit_of_work(db.session):
        request_magic_link(
            db.session,
            identifier,
            actor=Actor(ActorType.DEBTOR, None, ip=ip, user_agent=user_agent),
            browser_nonce_hash=browser_nonce_hash,
            ttl=timedelta(minutes=current_app.config["MAGIC_LINK_TTL_MINUTES"]),
            now=now_utc(),
        )
