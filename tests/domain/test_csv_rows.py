"""portal/domain/csv_rows.py: pt-BR CSV files of debtors and items, read row by row."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from portal.domain.csv_rows import (
    CsvFileError,
    CsvTable,
    InvalidRow,
    ParsedRow,
    ValidRow,
    column_name,
    decode,
    parse_date,
)
from portal.domain.money import (
    MSG_MONEY_DECIMALS,
    MSG_MONEY_EXPONENT,
    MSG_MONEY_MIXED,
    MSG_MONEY_SIGN,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "csv"
TODAY = date(2025, 6, 1)
HEADER = "documento;nome;email;telefone;data_nascimento;referencia;descricao;valor;vencimento"
MARIA = "529.982.247-25;Maria Souza;maria@example.com;(11) 98765-4321;15/06/1985"


def rows(text: str, encoding: str = "utf-8") -> list[ParsedRow]:
    return list(CsvTable(text.encode(encoding)).rows(today=TODAY))


def problems(text: str) -> list[tuple[int, str, str]]:
    """(line, column, code) of every problem in the file, in order."""
    found = []
    for row in rows(text):
        if isinstance(row, InvalidRow):
            found.extend((p.line, p.column, p.message.code) for p in row.problems)
    return found


def file_error(content: bytes) -> str:
    with pytest.raises(CsvFileError) as caught:
        CsvTable(content).count_rows()
    return caught.value.message.code


# --- encoding ------------------------------------------------------------------------------


def test_utf8_with_and_without_bom() -> None:
    assert decode("Conceição".encode()) == "Conceição"
    assert decode(b"\xef\xbb\xbf" + "Conceição".encode()) == "Conceição"


def test_windows_1252_and_latin1_fallbacks() -> None:
    assert decode("Conceição – “aspas”".encode("cp1252")) == "Conceição – “aspas”"
    # 0x81 is undefined in cp1252 and invalid UTF-8: Latin-1 still reads it.
    assert decode(b"Jo\xe3o\x81") == "João\x81"


def test_binary_file_is_refused() -> None:
    assert file_error(b"PK\x03\x04\x00\x00binary") == "not_text"


def test_fixture_files_in_latin1_and_utf8_with_bom() -> None:
    latin = CsvTable((FIXTURES / "latin1.csv").read_bytes())
    [first, second] = latin.rows(today=TODAY)
    assert isinstance(first, ValidRow) and isinstance(second, ValidRow)
    assert first.debtor.name == "João da Conceição"
    assert first.item.description == "Prestação de março"
    assert (first.item.amount_cents, second.item.amount_cents) == (150_000, 32_050)
    assert (first.line, second.line) == (2, 3)
    bom = CsvTable((FIXTURES / "utf8_bom.csv").read_bytes())
    assert bom.columns[0] == "documento"
    [only] = bom.rows(today=TODAY)
    assert isinstance(only, ValidRow) and only.debtor.name == "José Araújo"


# --- header ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        (" Referência ", "referencia"),
        ("DESCRIÇÃO", "descricao"),
        ("E-mail", "email"),
        ("Data de Nascimento", "data_nascimento"),
        ("CPF/CNPJ", "documento"),
        ("Valor (R$)", "valor"),
        ("celular", "telefone"),
        ("Data de vencimento", "vencimento"),
        ("cidade", "cidade"),
    ],
)
def test_column_names_are_tolerant(raw: str, name: str) -> None:
    assert column_name(raw) == name


def test_comma_separator_when_the_header_has_no_semicolon() -> None:
    text = (
        "documento,nome,referencia,descricao,valor,vencimento\n"
        '52998224725,Maria,R1,x,"1.234,56",01/02/2025\n'
    )
    [row] = rows(text)
    assert isinstance(row, ValidRow) and row.item.amount_cents == 123_456


def test_trailing_separators_in_the_header_are_ignored() -> None:
    table = CsvTable(b"documento;nome;referencia;descricao;valor;vencimento;;\n")
    assert table.columns == ("documento", "nome", "referencia", "descricao", "valor", "vencimento")
    assert table.count_rows() == 0


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty_file"),
        (b"\n52998224725;Maria\n", "empty_file"),
        (b"52998224725;Maria;NF-1;x;10,00;01/01/2025\n", "missing_header"),
        (b"documento;;nome\n", "unnamed_column"),
        (b"documento;nome;referencia;descricao;valor;vencimento;cidade\n", "unknown_columns"),
        (b"documento;nome;cpf;referencia;descricao;valor;vencimento\n", "duplicate_columns"),
        (b"documento;nome;referencia;descricao\n", "missing_columns"),
    ],
)
def test_unreadable_headers(content: bytes, code: str) -> None:
    assert file_error(content) == code


def test_header_messages_name_the_columns_but_briefly() -> None:
    long = "x" * 40
    header = f"documento;nome;a;b;c;d;e;f;{long}"
    with pytest.raises(CsvFileError) as caught:
        CsvTable(header.encode())
    assert caught.value.message.params_dict() == {
        "columns": "a, b, c, d, e (+2)",
    }
    with pytest.raises(CsvFileError) as caught:
        CsvTable(f"documento;{long}".encode())
    assert caught.value.message.params_dict() == {"columns": "x" * 30 + "…"}
    with pytest.raises(CsvFileError) as caught:
        CsvTable(b"documento;nome;valor")
    assert caught.value.message.params_dict() == {"columns": "referencia, descricao, vencimento"}
    with pytest.raises(CsvFileError) as caught:
        CsvTable(b"documento;;nome")
    assert caught.value.message.params_dict() == {"position": 2}


def test_broken_quotes_are_a_file_error_with_the_line() -> None:
    text = f'{HEADER}\n{MARIA};R1;x;1,00;01/01/2025\n{MARIA};"R2"x;y;1,00;01/01/2025\n'
    with pytest.raises(CsvFileError) as caught:
        CsvTable(text.encode()).count_rows()
    assert caught.value.message.code == "malformed_csv"
    assert caught.value.message.params_dict() == {"line": 3}


# --- money and dates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "cents"),
    [("R$ 1.234,56", 123_456), ("1234,5", 123_450), ("50.00", 5_000), ("1.000", 100_000)],
)
def test_money_cells_are_read_by_parse_brl(raw: str, cents: int) -> None:
    (row,) = rows(f"{HEADER}\n{MARIA};NF-1;x;{raw};01/01/2025\n")
    assert isinstance(row, ValidRow)
    assert row.item.amount_cents == cents


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("-50,00", MSG_MONEY_SIGN),
        ("10,125", MSG_MONEY_DECIMALS),  # was rounded to 10,13
        ("1,234.56", MSG_MONEY_MIXED),
        ("1e3", MSG_MONEY_EXPONENT),
    ],
)
def test_unreadable_money_cells_say_why(raw: str, key: str) -> None:
    (row,) = rows(f"{HEADER}\n{MARIA};NF-1;x;{raw};01/01/2025\n")
    assert isinstance(row, InvalidRow)
    (problem,) = row.problems
    assert (problem.column, problem.message.code, problem.message.key) == (
        "valor",
        "invalid_amount",
        key,
    )


def test_dates_dd_mm_aaaa() -> None:
    assert parse_date(" 05/03/2026 ") == date(2026, 3, 5)
    assert parse_date("5/3/2026") == date(2026, 3, 5)
    for raw in ("2026-03-05", "05/03/26", "05.03.2026", ""):
        with pytest.raises(ValueError, match="dd/mm/aaaa"):
            parse_date(raw)
    for raw in ("31/02/2025", "29/02/2025", "00/01/2025", "10/13/2025"):
        with pytest.raises(ValueError, match=r"day|month"):
            parse_date(raw)
    assert parse_date("29/02/2024") == date(2024, 2, 29)


# --- rows --------------------------------------------------------------------------------


def test_a_valid_row_gives_normalised_records() -> None:
    [row] = rows(f"{HEADER}\n{MARIA};NF-1;Fatura  de março;R$ 1.234,56;05/03/2025\n")
    assert isinstance(row, ValidRow)
    assert row.line == 2
    assert (row.debtor.document, row.debtor.phone) == ("52998224725", "+5511987654321")
    assert row.debtor.birth_date == date(1985, 6, 15)
    assert row.item.description == "Fatura de março"
    assert (row.item.amount_cents, row.item.due_date) == (123_456, date(2025, 3, 5))


def test_the_fixture_with_bad_rows() -> None:
    text = (FIXTURES / "bad_rows.csv").read_text(encoding="utf-8")
    assert problems(text) == [
        (3, "documento", "invalid_document"),
        (4, "valor", "invalid_amount"),  # -50,00: a sign, refused by parse_brl
        (5, "vencimento", "impossible_date"),
        (6, "referencia", "duplicate_reference"),
    ]
    assert [r.line for r in rows(text) if isinstance(r, ValidRow)] == [2, 7]


def test_blank_lines_are_skipped_and_lines_counted_physically() -> None:
    text = (
        f"{HEADER}\n\n;;;;;;;;\n"
        f'{MARIA};NF-1;"Fatura\nem duas linhas";1,00;01/01/2025\n'
        f"{MARIA};NF-2;x;0;01/01/2025\n"
    )
    table = CsvTable(text.encode())
    assert table.count_rows() == 2
    assert problems(text) == [(6, "valor", "amount_not_positive")]
    first = rows(text)[0]
    assert isinstance(first, ValidRow) and first.line == 4


def test_columns_in_any_order_and_optional_ones_absent() -> None:
    text = (
        "vencimento;valor;descricao;referencia;nome;documento\n01/01/2025;10;x;R1;Ana;52998224725\n"
    )
    [row] = rows(text)
    assert isinstance(row, ValidRow)
    assert (row.debtor.email, row.debtor.phone, row.debtor.birth_date) == (None, None, None)


def test_negativado_column_says_whether_the_debt_was_reported() -> None:
    text = (
        f"{HEADER};Negativada\n"
        f"{MARIA};NF-1;x;1,00;01/01/2025;sim\n"
        f"{MARIA};NF-2;x;1,00;01/01/2025;Não\n"
        f"{MARIA};NF-3;x;1,00;01/01/2025;\n"
        f"{MARIA};NF-4;x;1,00;01/01/2025;talvez\n"
    )
    parsed = rows(text)
    flags = [row.item.bureau_reported for row in parsed if isinstance(row, ValidRow)]
    assert flags == [True, False, False]
    assert problems(text) == [(5, "negativado", "invalid_yes_no")]
    # Without the column the file says nothing: what we have is kept.
    [row] = rows(f"{HEADER}\n{MARIA};NF-1;x;1,00;01/01/2025\n")
    assert isinstance(row, ValidRow) and row.item.bureau_reported is None


def test_cells_missing_extra_or_empty() -> None:
    text = (
        f"{HEADER}\n"
        f"{MARIA};NF-1;x;1,00;01/01/2025;;\n"  # trailing empty cells: fine
        f"{MARIA};NF-2;x;1,00;01/01/2025;surplus\n"
        f"{MARIA};NF-3;x\n"  # short row: the missing cells are empty
        ";;;;;;;;01/01/2025\n"
    )
    assert problems(text) == [
        (3, "", "too_many_columns"),
        (4, "valor", "required"),
        (4, "vencimento", "required"),
        (5, "documento", "required"),
        (5, "nome", "required"),
        (5, "referencia", "required"),
        (5, "descricao", "required"),
        (5, "valor", "required"),
    ]


def test_cell_formats_refused_once_each() -> None:
    text = (
        f"{HEADER}\n"
        "52998224725;Ana;ana@;123;1985-06-15;NF 1;x;1,234.56;2025-01-01\n"
        "52998224725;Ana;;;31/02/1985;NF-2;x;10,00;01/01/2099\n"
        "52998224725;Ana;;;01/01/2030;NF-3;x;20000000,00;01/01/1980\n"
        f"52998224725;{'a' * 201};;;;NF-4;{'d' * 201};1,00;01/01/2025\n"
    )
    assert problems(text) == [
        (2, "email", "invalid_email"),
        (2, "telefone", "invalid_phone"),
        (2, "data_nascimento", "invalid_date"),
        (2, "referencia", "invalid_reference"),
        (2, "valor", "invalid_amount"),
        (2, "vencimento", "invalid_date"),
        (3, "data_nascimento", "impossible_date"),
        (3, "vencimento", "invalid_due_date"),
        (4, "data_nascimento", "invalid_birth_date"),
        (4, "valor", "amount_too_large"),
        (4, "vencimento", "invalid_due_date"),
        (5, "nome", "too_long"),
        (5, "descricao", "too_long"),
    ]


def test_a_reference_repeated_is_an_error_on_later_rows_only() -> None:
    text = (
        f"{HEADER}\n"
        "111.111.111-11;Ana;;;;NF-1;x;1,00;01/01/2025\n"  # invalid, but its reference counts
        f"{MARIA};NF-1;x;1,00;01/01/2025\n"
        f"{MARIA};nf-1;x;1,00;01/01/2025\n"  # references are case-sensitive
        f"{MARIA}; NF-1 ;x;1,00;01/01/2025\n"
    )
    assert problems(text) == [
        (2, "documento", "invalid_document"),
        (3, "referencia", "duplicate_reference"),
        (5, "referencia", "duplicate_reference"),
    ]
    [third] = [r for r in rows(text) if isinstance(r, InvalidRow) and r.line == 5]
    assert third.problems[0].message.params_dict() == {"line": 2}


def test_a_debtor_must_not_contradict_an_earlier_row() -> None:
    text = (
        f"{HEADER}\n"
        "52998224725;Maria Souza;;;;NF-1;x;1,00;01/01/2025\n"
        "529.982.247-25;Maria  Souza;maria@example.com;;;NF-2;x;1,00;01/01/2025\n"  # fills
        "52998224725;Maria Souza;outra@example.com;;;NF-3;x;1,00;01/01/2025\n"
        "52998224725;Maria S.;;;;NF-4;x;1,00;01/01/2025\n"
        "52998224725;Maria Souza;maria@example.com;;15/06/1985;NF-5;x;1,00;01/01/2025\n"
    )
    assert problems(text) == [
        (4, "email", "debtor_conflict"),
        (5, "nome", "debtor_conflict"),
    ]
    conflicts = [r for r in rows(text) if isinstance(r, InvalidRow)]
    assert [r.problems[0].message.params_dict() for r in conflicts] == [{"line": 3}, {"line": 2}]


def test_a_repeated_debtor_is_checked_once_and_reported_on_every_row() -> None:
    text = (
        f"{HEADER}\n"
        "111.111.111-11;Ana;;;;NF-1;x;1,00;01/01/2025\n"
        "111.111.111-11;Ana;;;;NF-2;x;1,00;01/01/2025\n"
        f"{MARIA};NF-3;x;1,00;01/01/2025\n"
        f"{MARIA};NF-4;x;1,00;01/01/2025\n"
    )
    assert problems(text) == [
        (2, "documento", "invalid_document"),
        (3, "documento", "invalid_document"),
    ]
    valid = [r for r in rows(text) if isinstance(r, ValidRow)]
    assert [r.line for r in valid] == [4, 5] and valid[0].debtor is valid[1].debtor


def test_the_cache_of_checked_debtors_stays_small(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file of a million people must not keep a million checked records: the cache is
    emptied when full, and a debtor checked again gives an equal record."""
    from portal.domain import csv_rows

    monkeypatch.setattr(csv_rows, "_CHECKED_KEPT", 2)
    people = ["39053344705", "11144477735", "52998224725", "39053344705"]
    text = f"{HEADER}\n" + "".join(
        f"{cpf};Pessoa;;;;NF-{n};x;1,00;01/01/2025\n" for n, cpf in enumerate(people)
    )
    valid = [r for r in rows(text) if isinstance(r, ValidRow)]
    assert [r.line for r in valid] == [2, 3, 4, 5]
    assert valid[0].debtor == valid[3].debtor and valid[0].debtor is not valid[3].debtor
