"""``flask --app portal import-items FILE --creditor ID``: a CSV import from the shell.

The same job, rules and error report as an upload in the back-office; the file is read
here and the rows are committed batch by batch, with a progress bar and a final summary.
Exit status 1 when the file cannot be read (missing, unreadable, wrong encoding or header);
rows refused one by one do not change the exit status: they are in the error report.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from portal.cli.params import CLI, CREDITOR, load_creditor
from portal.core.formatting import domain_message
from portal.core.uow import unit_of_work, unit_per_step
from portal.extensions import db
from portal.models import ImportJob
from portal.services.integration import (
    BATCH_SIZE,
    BULK_BATCH_SIZE,
    abandon_import,
    failure_message,
    import_steps,
    queue_import,
)


class _Bar:
    """A click progress bar created once the number of rows is known."""

    def __init__(self) -> None:
        self.stack = ExitStack()
        self.bar: Any = None
        self.shown = 0

    def __call__(self, job: ImportJob) -> None:
        if self.bar is None:
            self.bar = self.stack.enter_context(
                click.progressbar(length=job.total_rows, label="Importando linhas")
            )
        self.bar.update(job.processed_rows - self.shown)
        self.shown = job.processed_rows

    def close(self) -> None:
        self.stack.close()


@click.command("import-items")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--creditor", "reference", type=CREDITOR, required=True, help="Creditor id or CNPJ.")
@click.option(
    "--errors-out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Where to write the error report (default: FILE.erros.csv next to the file).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 5000),
    default=None,
    help=f"Rows per transaction ({BULK_BATCH_SIZE} on PostgreSQL, {BATCH_SIZE} elsewhere).",
)
@with_appcontext
def import_items_command(
    file: Path, reference: tuple[str, Any], errors_out: Path | None, batch_size: int
) -> None:
    """Import debtors and pending items from a pt-BR CSV file (separator ;)."""
    creditor = load_creditor(reference)
    try:
        with file.open("rb") as stream, unit_of_work(db.session):  # stored a chunk at a time
            job = queue_import(
                db.session, creditor_id=creditor.id, content=stream, file_name=file.name, actor=CLI
            )
    except OSError as error:
        raise click.ClickException(
            f"não foi possível ler o arquivo {file}: {error.strerror}"
        ) from None
    job_id = job.id
    bar = _Bar()
    done: ImportJob | None = None
    try:
        steps = import_steps(db.session, job_id, batch_size=batch_size)
        for done in unit_per_step(steps, db.session):  # a unit of work per batch
            bar(done)
    except Exception:
        with unit_of_work(db.session):
            abandon_import(db.session, job_id)
        raise
    finally:
        bar.close()
    if done is None:  # claimed by someone else: cannot happen for a job queued just above
        raise click.ClickException(f"a importação {job_id} já estava em andamento")
    failure = failure_message(done)
    if failure is not None:
        raise click.ClickException(
            f"o arquivo não pôde ser importado: {domain_message(failure)} (importação {job_id})"
        )
    click.echo(
        f"Importação {job_id} concluída: {done.total_rows} linhas; {done.created_rows} criadas, "
        f"{done.updated_rows} atualizadas, {done.unchanged_rows} sem mudança, "
        f"{done.error_rows} com erro."
    )
    if done.error_rows:
        target = errors_out or file.with_name(f"{file.stem}.erros.csv")
        try:
            target.write_text(done.error_report or "", encoding="utf-8-sig")
        except OSError as error:
            raise click.ClickException(
                f"não foi possível gravar o relatório de erros em {target}: {error.strerror}"
            ) from None
        click.echo(f"Relatório de erros: {target}")
