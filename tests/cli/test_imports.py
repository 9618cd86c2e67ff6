"""``flask --app portal import-items``: progress, summary, error report and exit status."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.domain.documents import format_cnpj
from portal.extensions import db
from portal.models import Creditor, ImportJob, ImportStatus, PendingItem
from tests.factories import create_creditor

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "csv"
EXPECTED = (FIXTURES / "bad_rows.errors.csv").read_text(encoding="utf-8")


@pytest.fixture
def creditor() -> Creditor:
    created = create_creditor()
    db.session.commit()
    return created


@pytest.fixture
def bad_rows(tmp_path: Path) -> Path:
    return Path(shutil.copy(FIXTURES / "bad_rows.csv", tmp_path / "carteira.csv"))


def test_import_shows_progress_and_a_summary_and_writes_the_report(
    app: Flask, creditor: Creditor, bad_rows: Path
) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-items", str(bad_rows), "--creditor", str(creditor.id)])
    assert result.exit_code == 0, result.output
    assert "Importando linhas" in result.output
    assert (
        "concluída: 6 linhas; 2 criadas, 0 atualizadas, 0 sem mudança, 4 com erro." in result.output
    )
    report = bad_rows.with_name("carteira.erros.csv")
    assert f"Relatório de erros: {report}" in result.output
    assert report.read_bytes().startswith(b"\xef\xbb\xbf"), "a BOM, so Excel reads UTF-8"
    assert report.read_text(encoding="utf-8-sig") == EXPECTED
    job = db.session.scalars(sa.select(ImportJob)).one()
    assert (job.origin, job.staff_id, job.file_name) == ("cli", None, "carteira.csv")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingItem)) == 2

    again = runner.invoke(
        args=[
            "import-items",
            str(bad_rows),
            "--creditor",
            format_cnpj(creditor.cnpj),
            "--errors-out",
            str(bad_rows.with_name("de-novo.csv")),
            "--batch-size",
            "2",
        ]
    )
    assert again.exit_code == 0, again.output
    assert "2 sem mudança, 4 com erro." in again.output and "0 criadas" in again.output
    assert bad_rows.with_name("de-novo.csv").read_text(encoding="utf-8-sig") == EXPECTED


def test_a_clean_file_writes_no_report(app: Flask, creditor: Creditor, tmp_path: Path) -> None:
    source = Path(shutil.copy(FIXTURES / "utf8_bom.csv", tmp_path / "ok.csv"))
    result = app.test_cli_runner().invoke(
        args=["import-items", str(source), "--creditor", str(creditor.id)]
    )
    assert result.exit_code == 0, result.output
    assert "1 linhas; 1 criadas" in result.output
    assert "Relatório de erros" not in result.output
    assert not (tmp_path / "ok.erros.csv").exists()


def test_a_file_that_cannot_be_read_exits_non_zero(
    app: Flask, creditor: Creditor, tmp_path: Path
) -> None:
    runner = app.test_cli_runner()
    missing = runner.invoke(
        args=["import-items", str(tmp_path / "nao-existe.csv"), "--creditor", str(creditor.id)]
    )
    assert missing.exit_code == 1
    assert "não foi possível ler o arquivo" in missing.output
    header = tmp_path / "sem-colunas.csv"
    header.write_text("nome;valor\nAna;10\n", encoding="utf-8")
    refused = runner.invoke(args=["import-items", str(header), "--creditor", str(creditor.id)])
    assert refused.exit_code == 1
    assert (
        "o arquivo não pôde ser importado: faltam colunas obrigatórias no cabeçalho: "
        "documento, referencia, descricao, vencimento" in refused.output
    )
    job = db.session.scalars(sa.select(ImportJob)).one()
    assert job.status == ImportStatus.FAILED


def test_unknown_creditor_and_unwritable_report(
    app: Flask, creditor: Creditor, bad_rows: Path, tmp_path: Path
) -> None:
    runner = app.test_cli_runner()
    for reference in ("999999", "11.222.333/0001-81", "acme"):
        result = runner.invoke(args=["import-items", str(bad_rows), "--creditor", reference])
        assert result.exit_code == 2, result.output
        assert "nenhuma empresa com este id ou CNPJ" in result.output
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("x")
    result = runner.invoke(
        args=[
            "import-items",
            str(bad_rows),
            "--creditor",
            str(creditor.id),
            "--errors-out",
            str(blocked / "report.csv"),
        ]
    )
    assert result.exit_code == 1
    assert "não foi possível gravar o relatório de erros" in result.output
