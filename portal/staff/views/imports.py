"""CSV imports in the back-office: upload a file, follow its progress, download its errors.

Agents and admins, for their creditors only: a job of another creditor answers 404. The
upload checks the encoding and header at once (a clear form error, nothing queued); the
rows are then imported by a Celery task queued after the commit (eager in the embedded
default), batch by batch, so the progress page can show how far it got.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from flask import Response, abort, flash, g, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse
from wtforms.fields.choices import SelectChoice

from portal.auth.decorators import staff_required
from portal.core.after_commit import enqueue_after_commit
from portal.core.csv_br import BOM
from portal.core.formatting import domain_message
from portal.core.uow import unit_of_work
from portal.domain.csv_rows import CsvFileError, CsvTable
from portal.extensions import db
from portal.http import request_actor
from portal.models import Creditor, ImportJob, StaffRole
from portal.services.integration import IMPORT_TASK, failure_message, queue_import
from portal.services.integration.csv_import import CHUNK_BYTES
from portal.staff.blueprint import bp
from portal.staff.import_forms import ImportUploadForm

RECENT_JOBS = 20


def _creditors() -> list[Creditor]:
    statement = sa.select(Creditor).order_by(Creditor.trade_name)
    scope = g.staff.scope_ids()
    if scope is not None:
        statement = statement.where(Creditor.id.in_(scope or {-1}))
    return list(db.session.scalars(statement))


def _form(creditors: list[Creditor]) -> ImportUploadForm:
    form = ImportUploadForm()
    form.creditor_id.choices = [SelectChoice(c.id, c.display_name) for c in creditors]
    return form


def _recent_jobs() -> list[ImportJob]:
    statement = sa.select(ImportJob).order_by(ImportJob.id.desc()).limit(RECENT_JOBS)
    scope = g.staff.scope_ids()
    if scope is not None:
        statement = statement.where(ImportJob.creditor_id.in_(scope or {-1}))
    return list(db.session.scalars(statement))


def _job_or_404(job_id: int) -> ImportJob:
    job = db.session.get(ImportJob, job_id)
    scope = g.staff.scope_ids()
    if job is None or (scope is not None and job.creditor_id not in scope):
        abort(404)
    return job


def _index(form: ImportUploadForm, status: int = 200) -> tuple[str, int]:
    return render_template("staff/imports/index.html", form=form, jobs=_recent_jobs()), status


@bp.get("/importacoes")
@staff_required(StaffRole.AGENT)
def imports_index() -> tuple[str, int]:
    return _index(_form(_creditors()))


@bp.post("/importacoes")
@staff_required(StaffRole.AGENT)
def import_upload() -> tuple[str, int] | BaseResponse:
    form = _form(_creditors())
    if not form.validate_on_submit():
        return _index(form, 400)
    upload = form.file.data
    stream = upload.stream  # spooled to disk by Werkzeug past 500 KB: never read whole

    def chunks() -> Iterator[bytes]:
        stream.seek(0)
        return iter(lambda: stream.read(CHUNK_BYTES), b"")

    try:
        CsvTable(chunks)  # encoding and header now; the rows in the task
    except CsvFileError as error:
        form.file.errors = [domain_message(error.message)]
        return _index(form, 400)
    stream.seek(0)
    with unit_of_work(db.session):
        job = queue_import(
            db.session,
            creditor_id=form.creditor_id.data,
            content=stream,
            file_name=upload.filename or "",
            actor=request_actor(),
            staff_id=g.staff.id,
        )
        enqueue_after_commit(db.session, IMPORT_TASK, job.id)
    flash(_("Arquivo recebido. A importação começou."), "success")
    return redirect(url_for("staff.import_show", job_id=job.id), code=303)


@bp.get("/importacoes/<int:job_id>")
@staff_required(StaffRole.AGENT)
def import_show(job_id: int) -> str:
    job = _job_or_404(job_id)
    failure = failure_message(job)
    return render_template(
        "staff/imports/show.html",
        job=job,
        failure=domain_message(failure) if failure is not None else None,
    )


@bp.get("/importacoes/<int:job_id>/estado")
@staff_required(StaffRole.AGENT)
def import_status(job_id: int) -> Response:
    """Progress as JSON for the page's optional script (the page works without it)."""
    job = _job_or_404(job_id)
    response = jsonify(
        status=job.status,
        finished=job.finished,
        percent=job.percent,
        total_rows=job.total_rows,
        processed_rows=job.processed_rows,
        created_rows=job.created_rows,
        updated_rows=job.updated_rows,
        unchanged_rows=job.unchanged_rows,
        error_rows=job.error_rows,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/importacoes/<int:job_id>/erros.csv")
@staff_required(StaffRole.AGENT)
def import_errors(job_id: int) -> Response:
    """The error report (``linha;coluna;codigo;mensagem``), with a BOM so Excel reads UTF-8."""
    job = _job_or_404(job_id)
    if not job.error_report:
        abort(404)
    return Response(
        BOM + job.error_report,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="importacao-{job.id}-erros.csv"',
            "Cache-Control": "no-store",
        },
    )
