"""Bulk issue of access links for a segment, and the one-time export of the links issued.

**Flow.** An agent (or admin) asks for links for the debtors of a segment. The request
creates a ``BulkJob`` with one ``BulkJobLink`` per debtor (frozen in ranking order: what
the agent saw is what gets links) and queues ``portal.bulk_issue_links`` after the
commit. The task issues the links in batches through ``issue_reminder_links``
(set-based: one COPY of the links and one of their ``link.issued`` audit records per
batch on PostgreSQL, multi-row INSERTs elsewhere, the staff member as actor; the job's rows
updated by primary key in one executemany), one unit of work per batch so the progress page
moves.

**Where the links live.** A link's token exists only when it is issued (the database keeps
its SHA-256). For the export, each token is *sealed* at issue time: encrypted with Fernet
(AES-128-CBC + HMAC-SHA256, ``cryptography``) under a key derived by HKDF from the app's
``SECRET_KEY`` — so a copy of the database alone opens nothing. Only the staff member who
ran the job may download the CSV, and only during ``EXPORT_WINDOW`` after the job ends;
then the sealed tokens are erased (:func:`purge_expired_exports`, on every progress page,
download and hourly by the beat schedule). A sealed token older than ``SEAL_TTL`` is
refused by Fernet itself, whatever the database says. Links are never logged: the task
gets only the job id; nothing about a link is logged.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from portal.core import DbSession
from portal.core.after_commit import enqueue_after_commit
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.core.csv_br import text_cell, write_csv
from portal.core.tokens import reminder_link_url
from portal.models import (
    AccessLink,
    ActorType,
    BulkJob,
    BulkJobLink,
    BulkJobStatus,
    BulkLinkStatus,
    Channel,
    Creditor,
    Debtor,
    StaffUser,
)
from portal.services.access.links import issue_reminder_links
from portal.services.access.proofs import relationship
from portal.services.backoffice import SegmentFilter, ranked_debtors

EXPORT_WINDOW = timedelta(hours=2)
SEAL_TTL = timedelta(days=1)
MAX_JOB_SIZE = 5_000
BATCH_SIZE = 500
ISSUE_TASK = "portal.bulk_issue_links"
PURGE_TASK = "portal.purge_bulk_exports"
CHANNELS = (Channel.WHATSAPP, Channel.SMS)


class BulkJobRefused(ValueError):
    """The segment is empty or too large for one job (the view explains, 400)."""

    def __init__(self, reason: str, size: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.size = size


@cache
def _fernet(secret_key: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal/bulk-link-export/v1"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(token: str) -> str:
    return _fernet(current_app.config["SECRET_KEY"]).encrypt(token.encode()).decode("ascii")


def unseal(sealed: str) -> str | None:
    """The token, or None when the seal is broken, from another key, or too old."""
    try:
        fernet = _fernet(current_app.config["SECRET_KEY"])
        return fernet.decrypt(sealed, ttl=int(SEAL_TTL.total_seconds())).decode()
    except InvalidToken:
        return None


def create_bulk_job(
    session: DbSession,
    staff: StaffUser,
    creditor: Creditor,
    wanted: SegmentFilter,
    *,
    channel: Channel,
    days: int,
    actor: Actor,
    today: date,
) -> BulkJob:
    """Freeze the segment into a job and queue its task (after the caller's commit)."""
    if channel not in CHANNELS:
        raise ValueError("bulk links go out through the company's SMS or WhatsApp tool")
    ranked = ranked_debtors(session, creditor.id, wanted, today)
    if not ranked:
        raise BulkJobRefused("empty", 0)
    if len(ranked) > MAX_JOB_SIZE:
        raise BulkJobRefused("too_large", len(ranked))
    job = BulkJob(
        creditor_id=creditor.id,
        staff_id=staff.id,
        filter=wanted.to_json(),
        channel=channel.value,
        link_days=days,
        total=len(ranked),
        status=BulkJobStatus.QUEUED.value,
    )
    session.add(job)
    session.flush()
    session.execute(
        sa.insert(BulkJobLink),
        [
            {
                "job_id": job.id,
                "debtor_id": row.debtor_id,
                "position": position,
                "status": BulkLinkStatus.PENDING.value,
            }
            for position, row in enumerate(ranked, start=1)
        ],
    )
    record_event(
        session,
        actor,
        "bulk_job.created",
        subject=("bulk_job", job.id),
        creditor_id=creditor.id,
        details={"total": job.total, "filter": job.filter, "channel": job.channel, "days": days},
    )
    enqueue_after_commit(session, ISSUE_TASK, job.id)
    return job


def issue_batch(session: DbSession, job_id: int, *, max_days: int, now: datetime) -> bool:
    """Issue the next batch of the job's links; False once nothing is left (job finished).

    Idempotent: only rows still ``pending`` are worked on, so a re-delivered task resumes.
    """
    job = session.scalar(sa.select(BulkJob).where(BulkJob.id == job_id).with_for_update())
    if job is None or job.status in (BulkJobStatus.DONE, BulkJobStatus.FAILED):
        return False
    actor = Actor(ActorType.STAFF, str(job.staff_id))
    if job.status == BulkJobStatus.QUEUED:
        job.status = BulkJobStatus.RUNNING.value
        job.started_at = now
    rows = session.execute(
        sa.select(BulkJobLink.id, BulkJobLink.debtor_id)
        .where(BulkJobLink.job_id == job.id, BulkJobLink.status == BulkLinkStatus.PENDING)
        .order_by(BulkJobLink.position)
        .limit(BATCH_SIZE)
    ).all()
    if not rows:
        job.status = BulkJobStatus.DONE.value
        job.finished_at = now
        job.export_expires_at = now + EXPORT_WINDOW
        record_event(
            session,
            actor,
            "bulk_job.finished",
            subject=("bulk_job", job.id),
            creditor_id=job.creditor_id,
            details={"done": job.done, "failed": job.failed},
        )
        session.flush()
        return False
    issued = issue_reminder_links(
        session,
        job.creditor_id,
        [debtor_id for _row_id, debtor_id in rows],
        channel=Channel(job.channel),
        days=min(job.link_days, max_days),
        max_days=max_days,
        actor=actor,
        now=now,
    )
    _record_outcomes(session, job, rows, issued)
    session.flush()
    return True


def _record_outcomes(
    session: DbSession,
    job: BulkJob,
    rows: Sequence[tuple[int, int]],
    issued: dict[int, tuple[int, str]],
) -> None:
    """Each row issued (its link and sealed token) or failed, by primary key in bulk (one
    executemany per kind, no ORM object per row)."""
    done: list[dict[str, object]] = []
    left_out: list[tuple[int, int]] = []
    for row_id, debtor_id in rows:
        got = issued.get(debtor_id)
        if got is None:
            left_out.append((row_id, debtor_id))
            continue
        link_id, token = got
        done.append(
            {
                "id": row_id,
                "access_link_id": link_id,
                "sealed_token": seal(token),
                "status": BulkLinkStatus.ISSUED.value,
            }
        )
    if done:
        session.execute(sa.update(BulkJobLink), done)
        job.done += len(done)
    if not left_out:
        return
    # Blocked since the job was frozen, or no longer known to the company.
    blocked = set(
        session.scalars(
            sa.select(Debtor.id).where(
                Debtor.id.in_([debtor_id for _row_id, debtor_id in left_out]),
                Debtor.access_blocked_at.is_not(None),
            )
        )
    )
    session.execute(
        sa.update(BulkJobLink),
        [
            {
                "id": row_id,
                "status": BulkLinkStatus.FAILED.value,
                "error": "access_blocked" if debtor_id in blocked else "not_known",
            }
            for row_id, debtor_id in left_out
        ],
    )
    job.failed += len(left_out)


def purge_expired_exports(session: DbSession, now: datetime) -> int:
    """Erase the sealed tokens of every job whose export window has closed."""
    expired = sa.select(BulkJob.id).where(BulkJob.export_expires_at <= now)
    result = session.execute(
        sa.update(BulkJobLink)
        .where(BulkJobLink.sealed_token.is_not(None), BulkJobLink.job_id.in_(expired))
        .values(sealed_token=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def job_in_scope(session: DbSession, staff: StaffUser, job_id: int) -> BulkJob | None:
    """The job, or None when its creditor is outside the staff member's scope (→ 404)."""
    job = session.get(BulkJob, job_id)
    scope = staff.scope_ids()
    if job is None or (scope is not None and job.creditor_id not in scope):
        return None
    return job


def export_open(job: BulkJob, staff: StaffUser, now: datetime) -> bool:
    """Only who ran the job, only within the window after it finished."""
    return (
        job.staff_id == staff.id
        and job.export_expires_at is not None
        and now < job.export_expires_at
    )


@dataclass(frozen=True, slots=True)
class ExportedLink:
    name: str
    phone: str
    email: str
    url: str
    message: str


def exported_links(session: DbSession, job: BulkJob, now: datetime) -> list[ExportedLink]:
    """The job's links still usable, with the ready message (pt-BR), in ranking order."""
    from portal.services.access.link_messages import link_message

    rows = session.execute(
        sa.select(BulkJobLink, AccessLink)
        .join(AccessLink, AccessLink.id == BulkJobLink.access_link_id)
        .where(BulkJobLink.job_id == job.id, BulkJobLink.sealed_token.is_not(None))
        .order_by(BulkJobLink.position)
    ).all()
    exported = []
    for row, link in rows:
        token = unseal(str(row.sealed_token))
        if token is None or link.status(now) != "active":
            continue
        url = reminder_link_url(token)
        rel = relationship(session, job.creditor_id, row.debtor_id)
        if rel is None:
            continue
        exported.append(
            ExportedLink(
                name=rel.name,
                phone=rel.phone or "",
                email=rel.email or "",
                url=url,
                message=link_message(
                    job.channel,
                    first_name=rel.first_name,
                    creditor=job.creditor,
                    url=url,
                    expires_at=link.expires_at,
                ),
            )
        )
    return exported


def export_csv(session: DbSession, job: BulkJob, *, actor: Actor, now: datetime) -> str:
    """The CSV (Nome;Telefone;E-mail;Link;Mensagem), audited without its content."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    links = exported_links(session, job, now)
    record_event(
        session,
        actor,
        "bulk_job.exported",
        subject=("bulk_job", job.id),
        creditor_id=job.creditor_id,
        details={"links": len(links)},
    )
    with force_locale("pt_BR"):
        header = [_("Nome"), _("Telefone"), _("E-mail"), _("Link"), _("Mensagem")]
    return write_csv(
        header,
        ([text_cell(x.name), x.phone, text_cell(x.email), x.url, x.message] for x in links),
    )
