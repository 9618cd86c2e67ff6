"""CSV imports: jobs, batches, the error report and idempotent re-imports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.core.clock import now_utc
from portal.core.context import Actor
from portal.core.uow import unit_per_step
from portal.extensions import db
from portal.models import (
    ActorType,
    AuditEvent,
    Creditor,
    CreditorDebtor,
    Debtor,
    ImportChunk,
    ImportJob,
    ImportStatus,
    ItemStatus,
    PendingItem,
)
from portal.services.integration import (
    abandon_import,
    failure_message,
    import_steps,
    queue_import,
    safe_file_name,
)
from tests.factories import create_creditor, create_debtor, create_pending_item, next_cpf

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "csv"
TODAY = date(2025, 6, 1)
CLI = Actor(ActorType.SYSTEM, "cli")
HEADER = "documento;nome;email;telefone;referencia;descricao;valor;vencimento\n"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def run(
    app: Flask,
    creditor_id: int,
    content: bytes,
    *,
    progress: Callable[[ImportJob], None] | None = None,
    **options: Any,
) -> ImportJob:
    """Queue and run an import as the CLI does (own app context, a unit of work per step)."""
    with app.app_context():
        job = queue_import(
            db.session, creditor_id=creditor_id, content=content, file_name="a.csv", actor=CLI
        )
        db.session.commit()
        done = None
        for done in unit_per_step(import_steps(db.session, job.id, today=TODAY, **options)):
            if progress is not None:
                progress(done)
        assert done is not None
        job_id = done.id
    db.session.expire_all()
    found = db.session.get(ImportJob, job_id)
    assert found is not None
    return found


def chunks_of(job: ImportJob) -> int:
    """How many pieces of the job's file are stored."""
    return db.session.scalar(sa.select(sa.func.count()).where(ImportChunk.job_id == job.id)) or 0


def contact(creditor_id: int, document: str) -> CreditorDebtor | None:
    """The person as the importing company has them (the import writes nothing else)."""
    db.session.expire_all()
    return db.session.scalar(
        sa.select(CreditorDebtor)
        .join(Debtor, Debtor.id == CreditorDebtor.debtor_id)
        .where(Debtor.document == document, CreditorDebtor.creditor_id == creditor_id)
    )


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def snapshot() -> list[tuple[object, ...]]:
    db.session.expire_all()
    debtors = db.session.execute(
        sa.select(
            Debtor.document,
            CreditorDebtor.creditor_id,
            CreditorDebtor.name,
            CreditorDebtor.email,
            CreditorDebtor.phone,
            CreditorDebtor.birth_date,
        ).join(CreditorDebtor, CreditorDebtor.debtor_id == Debtor.id)
    ).all()
    items = db.session.execute(
        sa.select(
            PendingItem.external_reference,
            PendingItem.description,
            PendingItem.original_amount_cents,
            PendingItem.original_due_date,
        )
    ).all()
    return sorted(map(tuple, debtors)) + sorted(map(tuple, items))


@pytest.fixture
def creditor() -> Creditor:
    created = create_creditor()
    db.session.commit()
    return created


def test_bad_rows_give_exactly_the_expected_report(app: Flask, creditor: Creditor) -> None:
    job = run(app, creditor.id, fixture("bad_rows.csv"))
    assert job.status == ImportStatus.DONE
    assert job.error_report == (FIXTURES / "bad_rows.errors.csv").read_text(encoding="utf-8")
    counts = (job.total_rows, job.processed_rows, job.created_rows, job.error_rows)
    assert counts == (6, 6, 2, 4)
    assert (job.updated_rows, job.unchanged_rows, job.percent) == (0, 0, 100)
    assert chunks_of(job) == 0, "the uploaded file is not kept once imported"
    assert job.started_at is not None and job.finished_at is not None
    maria = contact(creditor.id, "52998224725")
    assert maria is not None and maria.phone == "+5511987654321"
    item = db.session.scalar(
        sa.select(PendingItem).where(PendingItem.external_reference == "NF-1001")
    )
    assert item is not None and item.original_amount_cents == 123_456
    assert item.original_due_date == date(2025, 3, 5) and item.debtor_id == maria.debtor_id
    assert actions() == ["import.queued", "debtors.upserted", "items.upserted", "import.finished"]
    finished = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "import.finished")
    ).one()
    assert finished.subject_id == str(job.id) and finished.creditor_id == creditor.id
    assert finished.details == {"rows": 6, "created": 2, "updated": 0, "unchanged": 0, "errors": 4}


def test_importing_the_same_file_again_changes_nothing(app: Flask, creditor: Creditor) -> None:
    content = fixture("bad_rows.csv")
    first = run(app, creditor.id, content)
    before, audit_before = snapshot(), len(actions())
    again = run(app, creditor.id, content, batch_size=2)
    assert (again.created_rows, again.updated_rows, again.unchanged_rows) == (0, 0, 2)
    assert again.error_report == first.error_report
    assert snapshot() == before
    assert actions()[audit_before:] == ["import.queued", "import.finished"]


def test_latin1_and_utf8_bom_files(app: Flask, creditor: Creditor) -> None:
    latin = run(app, creditor.id, fixture("latin1.csv"))
    bom = run(app, creditor.id, fixture("utf8_bom.csv"))
    assert (latin.created_rows, latin.error_rows, bom.created_rows, bom.error_rows) == (2, 0, 1, 0)
    assert latin.error_report is None
    names = set(db.session.scalars(sa.select(CreditorDebtor.name)))
    assert names == {"João da Conceição", "Antônia Sá", "José Araújo"}
    descriptions = set(db.session.scalars(sa.select(PendingItem.description)))
    assert "Prestação de março" in descriptions and "Mensalidade de agosto" in descriptions


def test_corrections_count_as_updated(app: Flask, creditor: Creditor) -> None:
    document = next_cpf()
    line = f"{document};Ana Lima;ana@example.com;;R-1;Fatura;10,00;01/05/2025\n"
    run(app, creditor.id, (HEADER + line).encode())
    amount = line.replace("10,00", "12,00")
    email = line.replace("ana@example.com", "ana.lima@example.com")
    job = run(app, creditor.id, (HEADER + amount).encode())
    assert (job.created_rows, job.updated_rows, job.unchanged_rows) == (0, 1, 0)
    job = run(app, creditor.id, (HEADER + email.replace("10,00", "12,00")).encode())
    assert (job.updated_rows, job.unchanged_rows) == (1, 0), "a debtor's change counts too"
    debtor = contact(creditor.id, document)
    assert debtor is not None and debtor.email == "ana.lima@example.com"


def test_batches_commit_and_report_progress(app: Flask, creditor: Creditor) -> None:
    lines = [f"{next_cpf()};Pessoa {n};;;R-{n};Fatura;1,00;01/05/2025\n" for n in range(5)]
    seen: list[tuple[bool, str, int, int]] = []
    job = run(
        app,
        creditor.id,
        (HEADER + "".join(lines)).encode(),
        batch_size=2,
        # Whether a transaction is open, read first: each step reaches us committed.
        progress=lambda j: seen.append(
            (db.session().in_transaction(), j.status, j.processed_rows, j.total_rows)
        ),
    )
    assert seen == [
        (False, "running", 0, 5),  # claimed, rows counted
        (False, "running", 2, 5),  # one step per batch
        (False, "running", 4, 5),
        (False, "running", 5, 5),
        (False, "done", 5, 5),
    ]
    assert job.created_rows == 5


def test_a_failing_batch_rolls_back_alone(
    app: Flask, creditor: Creditor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batches before the error stay committed; the failing one leaves nothing."""
    from portal.services.integration import csv_import

    lines = [f"{next_cpf()};Pessoa {n};;;F-{n};Fatura;1,00;01/05/2025\n" for n in range(5)]
    original, calls = csv_import.import_batch, []

    def second_batch_breaks(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        result = original(*args, **kwargs)
        if len(calls) == 2:
            raise RuntimeError("the worker dies mid-batch")
        return result

    monkeypatch.setattr(csv_import, "import_batch", second_batch_breaks)
    with pytest.raises(RuntimeError, match="mid-batch"):
        run(app, creditor.id, (HEADER + "".join(lines)).encode(), batch_size=2)
    db.session.expire_all()
    job = db.session.scalars(sa.select(ImportJob)).one()
    assert (job.status, job.processed_rows, job.created_rows) == ("running", 2, 2)
    references = db.session.scalars(sa.select(PendingItem.external_reference)).all()
    assert sorted(references) == ["F-0", "F-1"]


def test_one_debtor_over_several_batches_is_merged_and_stable(
    app: Flask, creditor: Creditor
) -> None:
    document = next_cpf()
    content = (
        HEADER
        + f"{document};Ana Lima;;;R-1;Fatura;1,00;01/05/2025\n"
        + f"{document};Ana Lima;ana@example.com;;R-2;Fatura;1,00;01/05/2025\n"
        + f"{document};Ana Lima;;(41) 99999-0000;R-3;Fatura;1,00;01/05/2025\n"
    ).encode()
    for size in (1, 3):
        run(app, creditor.id, content, batch_size=size)
    debtor = contact(creditor.id, document)
    assert debtor is not None
    assert (debtor.email, debtor.phone) == ("ana@example.com", "+5541999990000")
    again = run(app, creditor.id, content, batch_size=2)
    assert (again.unchanged_rows, again.updated_rows) == (3, 0)


def test_items_the_portfolio_refuses_go_to_the_report(app: Flask, creditor: Creditor) -> None:
    owner, other = create_debtor(), create_debtor()
    create_pending_item(
        creditor=creditor,
        debtor=owner,
        external_reference="LOCKED-1",
        status=ItemStatus.IN_AGREEMENT,
    )
    create_pending_item(creditor=creditor, debtor=owner, external_reference="OWNED-1")
    db.session.commit()
    content = (
        HEADER
        + f"{owner.document};Dona;;;LOCKED-1;Outra;99,00;01/05/2025\n"
        + f"{other.document};Outra Pessoa;;;OWNED-1;Fatura de teste;123,45;10/09/2026\n"
    ).encode()
    job = run(app, creditor.id, content)
    assert job.error_report == (
        "linha;coluna;codigo;mensagem\n"
        "2;referencia;item_locked;esta pendência está em um acordo, paga ou cancelada "
        "e não pode ser alterada\n"
        "3;referencia;reference_of_another_debtor;esta referência já pertence a outro devedor\n"
    )
    assert job.error_rows == 2


def test_an_unreadable_file_fails_the_job(app: Flask, creditor: Creditor) -> None:
    job = run(app, creditor.id, b"nome;valor\nAna;10\n")
    assert job.status == ImportStatus.FAILED and job.error_report is None
    message = failure_message(job)
    assert message is not None and message.code == "missing_columns"
    assert message.params_dict() == {"columns": "documento, referencia, descricao, vencimento"}
    assert chunks_of(job) == 0 and job.finished_at is not None
    assert actions() == ["import.queued", "import.failed"]
    broken = run(app, creditor.id, (HEADER + 'x;"y\n').encode())
    assert broken.status == ImportStatus.FAILED
    assert failure_message(broken) is not None
    assert failure_message(job) != failure_message(broken)


def test_a_job_runs_once_unless_abandoned(app: Flask, creditor: Creditor) -> None:
    job = run(app, creditor.id, fixture("utf8_bom.csv"))
    with app.app_context():
        assert list(unit_per_step(import_steps(db.session, job.id))) == []
        queued = queue_import(
            db.session, creditor_id=creditor.id, content=b"x", file_name="b.csv", actor=CLI
        )
        queued.status = ImportStatus.RUNNING.value
        db.session.commit()
        queued_id = queued.id
        assert list(unit_per_step(import_steps(db.session, queued_id))) == [], "busy"
        db.session.execute(
            sa.update(ImportJob)
            .where(ImportJob.id == queued_id)
            .values(updated_at=now_utc() - timedelta(minutes=11))
        )
        db.session.commit()
        [stale] = unit_per_step(import_steps(db.session, queued_id))
        assert stale.status == ImportStatus.FAILED
        abandon_import(db.session, queued_id)  # already finished: nothing changes
        crashed = queue_import(
            db.session, creditor_id=creditor.id, content=b"x", file_name="c.csv", actor=CLI
        )
        db.session.flush()
        abandon_import(db.session, crashed.id)
        db.session.commit()
        reason = failure_message(crashed)
        assert reason is not None and reason.code == "unexpected_error"
        abandon_import(db.session, 10**9)  # unknown job: nothing to do


def test_staff_jobs_act_as_the_staff_member(app: Flask, creditor: Creditor) -> None:
    from tests.access_helpers import make_staff

    staff = make_staff(creditor)
    with app.app_context():
        job = queue_import(
            db.session,
            creditor_id=creditor.id,
            content=fixture("utf8_bom.csv"),
            file_name="b.csv",
            actor=Actor(ActorType.STAFF, str(staff.id)),
            staff_id=staff.id,
        )
        db.session.commit()
        assert job.origin == "staff"
        for _step in unit_per_step(import_steps(db.session, job.id)):
            pass
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action != "staff.created"))
    assert {(e.action, e.actor_type, e.actor_id) for e in events} == {
        ("import.queued", "staff", str(staff.id)),
        ("debtors.upserted", "staff", str(staff.id)),
        ("items.upserted", "staff", str(staff.id)),
        ("import.finished", "staff", str(staff.id)),
    }


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("carteira março.csv", "carteira_marco.csv"),
        ("cliente 529.982.247-25.csv", "cliente_x.csv"),
        ("52998224725_maria.csv", "x_maria.csv"),
        ("../../etc/passwd", "etc_passwd"),
        ("", "arquivo.csv"),
        ("a" * 200 + ".csv", "a" * 116 + ".csv"),
        ("b" * 200, "b" * 120),
    ],
)
def test_file_names_keep_no_document_numbers(raw: str, safe: str) -> None:
    assert safe_file_name(raw) == safe


def test_the_task_runs_a_job_and_fails_it_on_a_crash(
    app: Flask, creditor: Creditor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.services.integration import tasks
    from portal.services.integration.tasks import import_items_task

    with app.app_context():
        job = queue_import(
            db.session,
            creditor_id=creditor.id,
            content=fixture("utf8_bom.csv"),
            file_name="b.csv",
            actor=CLI,
        )
        db.session.commit()
        ids = [job.id]
    with app.app_context():
        import_items_task.delay(ids[0])
    db.session.expire_all()
    assert db.session.get(ImportJob, ids[0]).status == ImportStatus.DONE  # type: ignore[union-attr]

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(tasks, "import_steps", explode)
    with app.app_context():
        job = queue_import(
            db.session, creditor_id=creditor.id, content=b"x", file_name="c.csv", actor=CLI
        )
        ids.append(job.id)
        # Commit last: reading the expired job would open a savepoint around the task's.
        db.session.commit()
        with pytest.raises(RuntimeError, match="went away"):
            import_items_task.delay(ids[1])
    db.session.expire_all()
    crashed = db.session.get(ImportJob, ids[1])
    assert crashed is not None and crashed.status == ImportStatus.FAILED
    assert failure_message(crashed).code == "unexpected_error"  # type: ignore[union-attr]
