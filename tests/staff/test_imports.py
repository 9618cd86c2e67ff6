"""Back-office CSV imports: upload, progress page, error report, scope and validation."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import AuditEvent, Creditor, CreditorDebtor, Debtor, ImportJob, StaffRole
from tests.access_helpers import form_post, make_staff, staff_login
from tests.factories import create_creditor
from tests.html import parse_page

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "csv"
EXPECTED = (FIXTURES / "bad_rows.errors.csv").read_text(encoding="utf-8")
PAGE = "/atendimento/importacoes"


@pytest.fixture
def world() -> dict[str, Creditor]:
    a = create_creditor(trade_name="Credora A", legal_name="Credora A S.A.")
    b = create_creditor(trade_name="Credora B", legal_name="Credora B S.A.")
    db.session.commit()
    return {"a": a, "b": b}


def _login(client: FlaskClient, *creditors: Creditor, role: StaffRole = StaffRole.AGENT) -> int:
    user = make_staff(*creditors, role=role)
    assert staff_login(client, user).status_code == 303
    return user.id


def _upload(client: FlaskClient, creditor: Creditor, content: bytes, name: str = "carteira.csv"):  # type: ignore[no-untyped-def]
    return form_post(
        client,
        PAGE,
        {"creditor_id": str(creditor.id), "file": (io.BytesIO(content), name)},  # type: ignore[dict-item]
        content_type="multipart/form-data",
    )


def _jobs() -> list[ImportJob]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ImportJob).order_by(ImportJob.id)))


def test_upload_runs_the_import_and_offers_the_report(client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    staff_id = _login(client, world["a"])
    index = parse_page(client.get(PAGE))
    assert index.h1.get_text(strip=True) == "Importar pendências"
    assert index.find("a", string="Importações") is not None, "a link in the staff menu"
    assert [o.get_text() for o in index.select("#creditor_id option")] == ["Credora A"]
    form = index.find("form", attrs={"enctype": "multipart/form-data"})
    assert form is not None and form.find("input", attrs={"type": "file"}) is not None

    response = _upload(client, world["a"], (FIXTURES / "bad_rows.csv").read_bytes())
    assert response.status_code == 303
    [job] = _jobs()
    assert response.headers["Location"].endswith(f"{PAGE}/{job.id}")
    assert (job.status, job.origin, job.staff_id) == ("done", "staff", staff_id)
    assert (job.created_rows, job.error_rows, job.file_name) == (2, 4, "carteira.csv")

    page = parse_page(client.get(f"{PAGE}/{job.id}"))
    text = page.get_text(" ", strip=True)
    assert "Arquivo recebido. A importação começou." in text
    assert "Concluída" in text and "100 % · 6 de 6 linhas" in text
    cells = {
        row.th.get_text(strip=True): row.td.get_text(strip=True)
        for row in page.select("table tbody tr")
    }
    assert cells == {"Criadas": "2", "Atualizadas": "0", "Sem mudança": "0", "Com erro": "4"}
    assert page.find("progress")["value"] == "100"
    assert page.find("a", string="Atualizar") is None, "finished: nothing to refresh"
    assert not page.find_all("script", src=True)
    link = page.find("a", string="Baixar relatório de erros (CSV)")
    assert link is not None
    report = client.get(link["href"])
    assert report.status_code == 200 and report.mimetype == "text/csv"
    assert report.headers["Content-Disposition"] == (
        f'attachment; filename="importacao-{job.id}-erros.csv"'
    )
    assert report.get_data() == b"\xef\xbb\xbf" + EXPECTED.encode()

    queued = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "import.queued")
    ).one()
    assert (queued.actor_type, queued.actor_id, queued.ip) == ("staff", str(staff_id), "127.0.0.1")
    assert queued.creditor_id == world["a"].id and queued.subject_id == str(job.id)
    listing = parse_page(client.get(PAGE))
    assert listing.find("a", string="carteira.csv")["href"] == f"{PAGE}/{job.id}"


def test_reupload_changes_nothing_and_latin1_is_read(client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    _login(client, world["a"])
    content = (FIXTURES / "latin1.csv").read_bytes()
    _upload(client, world["a"], content, "latin1.csv")
    _upload(client, world["a"], content, "latin1.csv")
    first, second = _jobs()
    assert (first.created_rows, second.created_rows, second.unchanged_rows) == (2, 0, 2)
    name = db.session.scalar(
        sa.select(CreditorDebtor.name)
        .join(Debtor, Debtor.id == CreditorDebtor.debtor_id)
        .where(Debtor.document == "11144477735", CreditorDebtor.creditor_id == world["a"].id)
    )
    assert name == "João da Conceição"
    page = parse_page(client.get(f"{PAGE}/{second.id}"))
    assert "Todas as linhas foram importadas sem erro." in page.get_text()
    assert client.get(f"{PAGE}/{second.id}/erros.csv").status_code == 404


def test_status_as_json_for_the_optional_script(client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    _login(client, world["a"])
    _upload(client, world["a"], (FIXTURES / "utf8_bom.csv").read_bytes())
    [job] = _jobs()
    state = client.get(f"{PAGE}/{job.id}/estado")
    assert state.headers["Cache-Control"] == "no-store"
    assert state.json == {
        "status": "done",
        "finished": True,
        "percent": 100,
        "total_rows": 1,
        "processed_rows": 1,
        "created_rows": 1,
        "updated_rows": 0,
        "unchanged_rows": 0,
        "error_rows": 0,
    }


def test_a_running_job_offers_a_refresh_link_and_the_script(client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    _login(client, world["a"])
    job = ImportJob(
        creditor_id=world["a"].id,
        origin="cli",
        file_name="grande.csv",
        status="running",
        total_rows=1000,
        processed_rows=250,
        created_rows=250,
    )
    db.session.add(job)
    db.session.commit()
    page = parse_page(client.get(f"{PAGE}/{job.id}"))
    assert page.find("progress")["value"] == "25"
    assert page.find("a", string="Atualizar")["href"] == f"{PAGE}/{job.id}"
    section = page.find(attrs={"data-import-progress": True})
    assert section["data-status-url"] == f"{PAGE}/{job.id}/estado"
    [script] = page.find_all("script", src=True)
    assert "import-progress" in script["src"]
    assert "Em andamento" in page.get_text()


def test_another_creditors_job_is_a_404(client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    _login(client, world["a"])
    theirs = ImportJob(
        creditor_id=world["b"].id,
        origin="cli",
        file_name="b.csv",
        status="done",
        error_rows=1,
        error_report="linha;coluna;codigo;mensagem\n2;valor;invalid_amount;x\n",
    )
    db.session.add(theirs)
    db.session.commit()
    for suffix in ("", "/estado", "/erros.csv"):
        assert client.get(f"{PAGE}/{theirs.id}{suffix}").status_code == 404
    assert client.get(f"{PAGE}/999999").status_code == 404
    assert "b.csv" not in client.get(PAGE).get_data(as_text=True)
    refused = _upload(client, world["b"], (FIXTURES / "utf8_bom.csv").read_bytes())
    assert refused.status_code == 400, "a creditor outside scope is not a choice"
    assert len(_jobs()) == 1


def test_admins_with_every_creditor_see_every_job(client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    user = make_staff(role=StaffRole.ADMIN, all_creditors=True, email="admin@example.com")
    assert staff_login(client, user).status_code == 303
    page = parse_page(client.get(PAGE))
    assert [o.get_text() for o in page.select("#creditor_id option")] == [
        "Credora A",
        "Credora B",
    ]
    assert _upload(client, world["b"], (FIXTURES / "utf8_bom.csv").read_bytes()).status_code == 303


def test_viewers_may_not_import(client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    _login(client, world["a"], role=StaffRole.VIEWER)
    assert client.get(PAGE).status_code == 403
    assert "Importações" not in client.get("/atendimento/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("carteira.txt", b"documento;nome\n", "Envie um arquivo com a extensão .csv."),
        ("vazio.csv", b"", "O arquivo deve ter entre 1 byte e 15 MB."),
        ("grande.csv", b"x" * (15 * 1024 * 1024 + 1), "O arquivo deve ter entre 1 byte e 15 MB."),
        (
            "planilha.csv",
            b"PK\x03\x04\x00\x00",
            "o arquivo não é um CSV de texto: salve a planilha como CSV e envie de novo",
        ),
        (
            "colunas.csv",
            "documento;nome;referência;descrição;valor;vencimento;cidade\n".encode(),
            "colunas desconhecidas no cabeçalho: cidade",
        ),
    ],
)
def test_bad_uploads_are_refused_in_pt_br(
    client: FlaskClient,
    world,  # type: ignore[no-untyped-def]
    name: str,
    content: bytes,
    message: str,
) -> None:
    _login(client, world["a"])
    response = _upload(client, world["a"], content, name)
    assert response.status_code == 400
    page = parse_page(response)
    assert page.select_one(".field__error").get_text(" ", strip=True) == f"Erro: {message}"
    assert page.select_one(".error-summary") is not None
    assert _jobs() == []


def test_no_file_chosen(client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    _login(client, world["a"])
    response = form_post(client, PAGE, {"creditor_id": str(world["a"].id)})
    assert response.status_code == 400
    assert "Escolha o arquivo CSV." in response.get_data(as_text=True)
