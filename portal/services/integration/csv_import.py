"""CSV import of debtors and pending items: a job per file, rows upserted in batches.

The rows are checked by ``portal.domain.csv_rows`` and written by
``portal.services.integration.csv_bulk``: set-based on PostgreSQL (COPY into a staging table),
through ``portal.services.integration.portfolio`` elsewhere (the same rules as the JSON API).
The file is stored in chunks (``ImportChunk``) and read back as a stream, never whole. A file
of 1,000,000 rows must not be one transaction, so the import works in steps:
:func:`import_steps` is a generator that flushes and yields the job after each step (the
claim with the row count, every batch, the end). It never commits: the caller (the Celery
task, the CLI) runs each step in a unit of work of its own with
``portal.core.uow.unit_per_step``.

Importing the same file again changes nothing: every row comes back ``unchanged`` and the
only audit records are the run's own (``import.queued`` and ``import.finished``).

A job that a worker claimed and then abandoned (crash) can be claimed again once it has
made no progress for ``STALE_AFTER``; running it from the start is safe for the same reason.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import count, islice
from typing import BinaryIO

import sqlalchemy as sa
from flask_babel import force_locale
from werkzeug.utils import secure_filename

from portal.core import DbSession, affected
from portal.core.audit import record_event
from portal.core.clock import now_utc, today_br
from portal.core.context import Actor
from portal.domain.csv_rows import (
    CsvFileError,
    CsvTable,
    InvalidRow,
    ParsedRow,
    RowProblem,
    ValidRow,
)
from portal.domain.errors import N_, Message
from portal.models import ActorType, ImportChunk, ImportJob, ImportOrigin, ImportStatus
from portal.services.integration import csv_bulk
from portal.services.integration.portfolio import Outcome

CHUNK_BYTES = 1 << 20  # the file is stored and read a MiB at a time
BATCH_SIZE = 500  # rows per step on the portable path (SQLite)
BULK_BATCH_SIZE = 5_000  # on PostgreSQL's set-based path: a step costs a few statements
IMPORT_TASK = "portal.import_items"
STALE_AFTER = timedelta(minutes=10)
REPORT_HEADER = ("linha", "coluna", "codigo", "mensagem")
MAX_FILE_NAME = 120
# CPF/CNPJ numbers (formatted or not) and any long digit run are removed from file names.
_DOCUMENT_LIKE = re.compile(r"\d[\d.\-/]{9,}\d")


@dataclass
class BatchResult:
    """What one batch did: row counts by outcome, and the refused cells or rows."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    error_rows: int = 0

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + self.error_rows


def safe_file_name(raw: str) -> str:
    """The uploaded file's name for lists and reports, without document numbers."""
    name = _DOCUMENT_LIKE.sub("x", secure_filename(raw or "")) or "arquivo.csv"
    if len(name) > MAX_FILE_NAME:
        stem, dot, ext = name.rpartition(".")
        keep = MAX_FILE_NAME - len(ext) - 1
        name = f"{stem[:keep]}.{ext}" if dot and len(ext) <= 8 else name[:MAX_FILE_NAME]
    return name


def queue_import(
    session: DbSession,
    *,
    creditor_id: int,
    content: bytes | BinaryIO,
    file_name: str,
    actor: Actor,
    staff_id: int | None = None,
) -> ImportJob:
    """A queued job holding the file; audited as ``import.queued`` in the caller's unit.

    ``content`` is the file's bytes or a binary stream (an upload, an open file): it is
    stored ``CHUNK_BYTES`` at a time, never read whole.
    """
    origin = ImportOrigin.STAFF if staff_id is not None else ImportOrigin.CLI
    job = ImportJob(
        creditor_id=creditor_id,
        staff_id=staff_id,
        origin=origin.value,
        file_name=safe_file_name(file_name),
        status=ImportStatus.QUEUED.value,
        size_bytes=0,
    )
    session.add(job)
    session.flush()
    stream = io.BytesIO(content) if isinstance(content, bytes) else content
    for position, data in enumerate(iter(lambda: stream.read(CHUNK_BYTES), b"")):
        session.execute(sa.insert(ImportChunk).values(job_id=job.id, position=position, data=data))
        job.size_bytes += len(data)
    record_event(
        session,
        actor,
        "import.queued",
        subject=("import_job", job.id),
        creditor_id=creditor_id,
        details={"file_name": job.file_name, "size_bytes": job.size_bytes, "origin": origin.value},
    )
    return job


def stored_chunks(session: DbSession, job_id: int) -> Iterator[bytes]:
    """The job's file, a chunk a query (whatever transaction each read falls in)."""
    for position in count():
        data = session.scalar(
            sa.select(ImportChunk.data).where(
                ImportChunk.job_id == job_id, ImportChunk.position == position
            )
        )
        if data is None:
            return
        yield data


def _erase_file(session: DbSession, job_id: int) -> None:
    session.execute(sa.delete(ImportChunk).where(ImportChunk.job_id == job_id))


def _job_actor(job: ImportJob) -> Actor:
    if job.staff_id is not None:
        return Actor(ActorType.STAFF, str(job.staff_id))
    return Actor(ActorType.SYSTEM, "cli")


def _claim(session: DbSession, job_id: int) -> ImportJob | None:
    """Atomically move a queued (or stale running) job to running; None if not ours."""
    now = now_utc()
    claimable = sa.or_(
        ImportJob.status == ImportStatus.QUEUED.value,
        sa.and_(
            ImportJob.status == ImportStatus.RUNNING.value,
            ImportJob.updated_at < now - STALE_AFTER,
        ),
    )
    result = session.execute(
        sa.update(ImportJob)
        .where(ImportJob.id == job_id, claimable)
        .values(
            status=ImportStatus.RUNNING.value,
            started_at=now,
            updated_at=now,
            total_rows=0,
            processed_rows=0,
            created_rows=0,
            updated_rows=0,
            unchanged_rows=0,
            error_rows=0,
        )
        .execution_options(synchronize_session=False)
    )
    if affected(result) != 1:
        return None
    return session.get(ImportJob, job_id, populate_existing=True)


def import_steps(
    session: DbSession,
    job_id: int,
    *,
    batch_size: int | None = None,
    today: date | None = None,
) -> Iterator[ImportJob]:
    """Read the job's file and upsert its rows, one step at a time; flush only.

    Yields the job after each step: claimed with its row count (or failed, when the file
    cannot be read), after every batch, and finished. Yields nothing when the job is not
    claimable (already run, or being run by another worker). Run each step in its own unit
    of work (``unit_per_step``): the claim and every batch are then committed as they end.
    """
    job = _claim(session, job_id)
    if job is None:
        return
    if batch_size is None:
        batch_size = BULK_BATCH_SIZE if csv_bulk.supported(session) else BATCH_SIZE
    today = today or today_br()
    try:
        table = CsvTable(lambda: stored_chunks(session, job_id))
        job.total_rows = table.count_rows()
    except CsvFileError as error:
        yield _fail(session, job, error.message)
        return
    yield job
    actor = _job_actor(job)
    report = io.StringIO()
    writer = csv.writer(report, delimiter=";", lineterminator="\n")
    writer.writerow(REPORT_HEADER)
    for batch in _batches(table.rows(today=today), batch_size):
        result = import_batch(session, job.creditor_id, batch, actor=actor)
        writer.writerows(report_lines(result.problems))
        job.processed_rows += result.rows
        job.created_rows += result.created
        job.updated_rows += result.updated
        job.unchanged_rows += result.unchanged
        job.error_rows += result.error_rows
        yield job
    job.error_report = report.getvalue() if job.error_rows else None
    _erase_file(session, job.id)
    job.status = ImportStatus.DONE.value
    job.finished_at = now_utc()
    record_event(
        session,
        actor,
        "import.finished",
        subject=("import_job", job.id),
        creditor_id=job.creditor_id,
        details={
            "rows": job.total_rows,
            "created": job.created_rows,
            "updated": job.updated_rows,
            "unchanged": job.unchanged_rows,
            "errors": job.error_rows,
        },
    )
    yield job


def _fail(session: DbSession, job: ImportJob, message: Message) -> ImportJob:
    job.status = ImportStatus.FAILED.value
    job.failure = {"code": message.code, "key": message.key, "params": list(message.params)}
    _erase_file(session, job.id)
    job.finished_at = now_utc()
    record_event(
        session,
        _job_actor(job),
        "import.failed",
        subject=("import_job", job.id),
        creditor_id=job.creditor_id,
        details={"code": message.code},
    )
    return job


def abandon_import(session: DbSession, job_id: int) -> None:
    """Mark a job failed after an unexpected error (in a unit of work after the failed one)."""
    job = session.get(ImportJob, job_id)
    if job is None or job.finished:
        return
    message = Message.of(
        "unexpected_error",
        N_("a importação foi interrompida por um erro interno; envie o arquivo de novo"),
    )
    _fail(session, job, message)


def failure_message(job: ImportJob) -> Message | None:
    """The job's failure as a domain Message, for ``domain_message`` in the reader's language."""
    if job.failure is None:
        return None
    params = tuple((str(name), value) for name, value in job.failure.get("params", []))
    return Message(str(job.failure["code"]), str(job.failure["key"]), params)


def _batches(rows: Iterable[ParsedRow], size: int) -> Iterator[list[ParsedRow]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def import_batch(
    session: DbSession, creditor_id: int, rows: Sequence[ParsedRow], *, actor: Actor
) -> BatchResult:
    """Upsert the valid rows of one batch (debtors, then items); flush only.

    PostgreSQL takes the set-based path (``csv_bulk``: COPY into a staging table, a statement
    per table); other databases the portable one (``portfolio``, row by row). Both give the
    same rows, counts, report lines and audit records.
    """
    result = BatchResult()
    valid: list[ValidRow] = []
    for row in rows:
        if isinstance(row, InvalidRow):
            result.problems.extend(row.problems)
            result.error_rows += 1
        else:
            valid.append(row)
    if not valid:
        return result
    changed, outcomes = csv_bulk.write_rows(session, creditor_id, valid, actor=actor)
    counted_debtors: set[str] = set()
    for row, (outcome, error) in zip(valid, outcomes, strict=True):
        debtor_changed = (
            row.debtor.document not in counted_debtors and row.debtor.document in changed
        )
        counted_debtors.add(row.debtor.document)
        if error is not None:
            result.problems.append(RowProblem(row.line, "referencia", error))
            result.error_rows += 1
        elif outcome == Outcome.CREATED:
            result.created += 1
        elif outcome == Outcome.UPDATED or debtor_changed:
            result.updated += 1
        else:
            result.unchanged += 1
    return result


def report_lines(problems: Iterable[RowProblem]) -> Iterator[tuple[str, str, str, str]]:
    """Error report lines (``linha;coluna;codigo;mensagem``), always in pt-BR."""
    from portal.core.formatting import domain_message

    with force_locale("pt_BR"):
        for problem in problems:
            message = problem.message
            yield (str(problem.line), problem.column, message.code, domain_message(message))


def report_text(problems: Iterable[RowProblem]) -> str:
    """A whole error report (header included) as text."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(REPORT_HEADER)
    writer.writerows(report_lines(problems))
    return out.getvalue()


__all__ = [
    "BATCH_SIZE",
    "BULK_BATCH_SIZE",
    "BatchResult",
    "abandon_import",
    "failure_message",
    "import_batch",
    "import_steps",
    "queue_import",
    "report_lines",
    "report_text",
    "safe_file_name",
]
