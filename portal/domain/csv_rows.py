"""CSV files of debtors and pending items as Brazilian companies export them.

Pure: bytes in, checked rows out; the service (``portal.services.integration.csv_import``)
writes them.

Conventions (the file's contract, also shown on the upload page):

* **Encoding**: UTF-8, with or without BOM; anything that is not valid UTF-8 is read as
  Windows-1252 (Excel's "CSV" on Windows), or Latin-1 for the few bytes cp1252 leaves out.
* **Separator**: ``;`` (what a pt-BR spreadsheet writes, since the comma is the decimal mark).
  A header line without any ``;`` but with ``,`` switches the whole file to ``,``; money cells
  with a decimal comma must then be quoted, as every spreadsheet does on export.
* **Header** (first line): column names in pt-BR, tolerant of case, accents, spaces and
  hyphens (``Referência`` = ``referencia``, ``E-mail`` = ``email``). Required: documento,
  nome, referencia, descricao, valor, vencimento; optional: email, telefone, data_nascimento,
  negativado (``sim``/``não``, blank = não: the debt was reported to a credit bureau).
  **Unknown columns are refused** (the whole file): a typo in an optional column would
  otherwise silently drop that data for every row.
* **Money**: read by ``portal.domain.money.parse_brl``, the parser of every typed amount:
  ``1.234,56``, ``1234,56``, ``R$ 1.234,56``, ``1234`` or ``1234.56``; signs, exponents and more
  than two decimals are refused, each with its reason.
* **Dates**: ``dd/mm/aaaa``; a date that does not exist (``31/02/2025``) is refused.
* **Rows**: validated one by one (``portal.domain.records``), every problem reported with its
  line number (the header is line 1) and column. Blank lines are skipped. A reference seen on
  an earlier line makes the later row an error; so does a debtor document whose name or
  contact data differs from an earlier line (blank optional cells are not a difference), so
  the same file always gives the same result, whatever the batch boundaries.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from portal.domain.bureau import parse_yes_no
from portal.domain.csv_text import encoding_of, lines
from portal.domain.errors import N_, Message
from portal.domain.money import InvalidMoneyText, parse_brl
from portal.domain.records import (
    DebtorRecord,
    FieldProblem,
    ItemRecord,
    RecordInvalid,
    debtor_record,
    item_record,
)

REQUIRED_COLUMNS = ("documento", "nome", "referencia", "descricao", "valor", "vencimento")
OPTIONAL_COLUMNS = ("email", "telefone", "data_nascimento", "negativado")
# The order of columns in the documentation and of problems within a row.
COLUMN_ORDER = (*REQUIRED_COLUMNS[:2], *OPTIONAL_COLUMNS[:3], *REQUIRED_COLUMNS[2:], "negativado")
ALIASES = {
    "cpf": "documento",
    "cnpj": "documento",
    "cpf_cnpj": "documento",
    "e_mail": "email",
    "celular": "telefone",
    "nascimento": "data_nascimento",
    "data_de_nascimento": "data_nascimento",
    "referencia_externa": "referencia",
    "valor_r": "valor",
    "data_vencimento": "vencimento",
    "data_de_vencimento": "vencimento",
    "negativada": "negativado",
}
# Names ``portal.domain.records`` gives its fields, as the columns of the file.
FIELD_COLUMNS = {
    "document": "documento",
    "name": "nome",
    "email": "email",
    "phone": "telefone",
    "birth_date": "data_nascimento",
    "external_reference": "referencia",
    "description": "descricao",
    "amount": "valor",
    "due_date": "vencimento",
}
_DEBTOR_FIELDS = ("name", "email", "phone", "birth_date")
_MAX_SHOWN_COLUMNS, _CHECKED_KEPT = 5, 4096
_MAX_SHOWN_LENGTH = 30
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


class CsvFileError(ValueError):
    """The file as a whole cannot be read (encoding, header, CSV syntax); nothing imported."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.code)
        self.message = message


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One refused cell (or row, when ``column`` is empty) of a data line."""

    line: int
    column: str
    message: Message


@dataclass(frozen=True, slots=True)
class ValidRow:
    line: int
    debtor: DebtorRecord
    item: ItemRecord


@dataclass(frozen=True, slots=True)
class InvalidRow:
    line: int
    problems: tuple[RowProblem, ...]


ParsedRow = ValidRow | InvalidRow


def decode(content: bytes) -> str:
    """UTF-8 (BOM dropped) when the bytes are valid UTF-8, else Windows-1252 or Latin-1."""
    return "".join(lines([content], _encoding(lambda: [content])))


def _encoding(chunks: Callable[[], Iterable[bytes]]) -> str:
    try:
        return encoding_of(chunks())
    except ValueError:  # a NUL byte
        raise _file_error(
            "not_text",
            N_("o arquivo não é um CSV de texto: salve a planilha como CSV e envie de novo"),
        ) from None


def column_name(raw: str) -> str:
    """``" Referência "`` → ``referencia``; ``E-mail`` → ``email``; unknown names normalised."""
    decomposed = unicodedata.normalize("NFKD", raw.strip().lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    name = _NOT_WORD.sub("_", plain).strip("_")
    return ALIASES.get(name, name)


@lru_cache(maxsize=4096)  # a file repeats its dates: due dates, birth dates
def parse_date(raw: str) -> date:
    """``"05/03/2026"`` → ``date(2026, 3, 5)``; ValueError on another format or no such day."""
    found = _DATE.fullmatch(raw.strip())
    if found is None:
        raise ValueError("not dd/mm/aaaa")
    day, month, year = (int(part) for part in found.groups())
    return date(year, month, day)


def _shown(names: list[str]) -> str:
    """Column names for a message: a few, each cut short (a stray data row could be PII)."""
    cut = [n if len(n) <= _MAX_SHOWN_LENGTH else n[:_MAX_SHOWN_LENGTH] + "…" for n in names]
    extra = len(cut) - _MAX_SHOWN_COLUMNS
    text = ", ".join(cut[:_MAX_SHOWN_COLUMNS])
    return f"{text} (+{extra})" if extra > 0 else text


def _file_error(code: str, key: str, **params: int | str) -> CsvFileError:
    return CsvFileError(Message.of(code, key, **params))


def _header(first_line: str) -> tuple[str, tuple[str, ...]]:
    delimiter = "," if ";" not in first_line and "," in first_line else ";"
    cells = next(csv.reader([first_line], delimiter=delimiter))
    while cells and not cells[-1].strip():  # trailing separators, as spreadsheets write
        cells.pop()
    names = [column_name(cell) for cell in cells]
    if not any(n in COLUMN_ORDER for n in names):
        raise _file_error(
            "missing_header",
            N_(
                "a primeira linha deve ser o cabeçalho com os nomes das colunas, por exemplo "
                "documento;nome;referencia;descricao;valor;vencimento"
            ),
        )
    if "" in names:
        raise _file_error(
            "unnamed_column",
            N_("a coluna %(position)s do cabeçalho está sem nome"),
            position=names.index("") + 1,
        )
    unknown = [cell.strip() for cell, n in zip(cells, names, strict=True) if n not in COLUMN_ORDER]
    if unknown:
        raise _file_error(
            "unknown_columns",
            N_("colunas desconhecidas no cabeçalho: %(columns)s"),
            columns=_shown(unknown),
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise _file_error(
            "duplicate_columns",
            N_("colunas repetidas no cabeçalho: %(columns)s"),
            columns=_shown(repeated),
        )
    missing = [n for n in REQUIRED_COLUMNS if n not in names]
    if missing:
        raise _file_error(
            "missing_columns",
            N_("faltam colunas obrigatórias no cabeçalho: %(columns)s"),
            columns=", ".join(missing),
        )
    return delimiter, tuple(names)


def _required(column: str, key: str, line: int) -> RowProblem:
    return RowProblem(line, column, Message.of("required", key))


_REQUIRED_KEYS = {
    "documento": N_("informe o CPF ou CNPJ"),
    "valor": N_("informe o valor"),
    "vencimento": N_("informe o vencimento"),
}
_INVALID_DATE = N_("data inválida: use o formato dd/mm/aaaa")
_IMPOSSIBLE_DATE = N_("esta data não existe no calendário")
_TOO_MANY = N_("a linha tem mais colunas que o cabeçalho")
_YES_NO = N_("use sim ou não (em branco: não)")
_DUPLICATE_REFERENCE = N_("referência repetida: já aparece na linha %(line)s")
_DEBTOR_CONFLICT = N_("dados do devedor diferentes dos da linha %(line)s para o mesmo CPF/CNPJ")


def _date_cell(value: str, column: str, line: int, problems: list[RowProblem]) -> date | None:
    try:
        return parse_date(value)
    except ValueError:
        shaped = _DATE.fullmatch(value.strip()) is not None
        code, key = (
            ("impossible_date", _IMPOSSIBLE_DATE) if shaped else ("invalid_date", _INVALID_DATE)
        )
        problems.append(RowProblem(line, column, Message.of(code, key)))
        return None


@dataclass
class _Seen:
    """What earlier lines said: first line per reference, debtor values and their lines."""

    references: dict[str, int] = field(default_factory=dict)
    debtors: dict[str, dict[str, tuple[object, int]]] = field(default_factory=dict)
    checked: dict[tuple[object, ...], DebtorRecord | tuple[FieldProblem, ...]] = field(
        default_factory=dict
    )

    def debtor_record(
        self, values: dict[str, str], birth: date | None, today: date
    ) -> DebtorRecord | tuple[FieldProblem, ...]:
        """``debtor_record`` once per distinct debtor cells (a debtor repeats per item)."""
        cells = ("documento", "nome", "email", "telefone")
        key = (*(values[c] for c in cells), birth)
        found = self.checked.get(key)
        if found is None:
            try:
                found = debtor_record(
                    document=values["documento"],
                    name=values["nome"],
                    email=values["email"],
                    phone=values["telefone"],
                    birth_date=birth,
                    today=today,
                )
            except RecordInvalid as invalid:
                found = invalid.problems
            if len(self.checked) >= _CHECKED_KEPT:  # a cache: it must not grow with the file
                self.checked.clear()
            self.checked[key] = found
        return found

    def conflict(self, row: ValidRow) -> RowProblem | None:
        known = self.debtors.setdefault(row.debtor.document, {})
        for name in _DEBTOR_FIELDS:
            value = getattr(row.debtor, name)
            if value is None:
                continue
            earlier = known.get(name)
            if earlier is not None and earlier[0] != value:
                message = Message.of("debtor_conflict", _DEBTOR_CONFLICT, line=earlier[1])
                return RowProblem(row.line, FIELD_COLUMNS[name], message)
        for name in _DEBTOR_FIELDS:
            value = getattr(row.debtor, name)
            if value is not None and name not in known:
                known[name] = (value, row.line)
        return None


def _cell_problems(line: int, found: tuple[FieldProblem, ...], taken: set[str]) -> list[RowProblem]:
    """Record problems as cell problems, minus the cells already refused while parsing."""
    cells = (RowProblem(line, FIELD_COLUMNS[p.field], p.message) for p in found)
    return [p for p in cells if p.column not in taken]


class CsvTable:
    """A decoded CSV file with a valid header; ``rows()`` checks the data lines lazily."""

    def __init__(self, source: bytes | Callable[[], Iterable[bytes]]) -> None:
        """``source``: the file's bytes, or what gives its chunks afresh at each call (the
        file is read as a stream: for its encoding, its header, then its rows)."""
        self.chunks = (lambda: [source]) if isinstance(source, bytes) else source
        self.encoding = _encoding(self.chunks)
        first = next(lines(self.chunks(), self.encoding), "").rstrip("\r\n")
        if not first.strip():
            raise _file_error(
                "empty_file", N_("o arquivo está vazio ou a primeira linha está em branco")
            )
        self.delimiter, self.columns = _header(first)

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        text = lines(self.chunks(), self.encoding)
        reader = csv.reader(text, delimiter=self.delimiter, strict=True)
        line = 1
        try:
            next(reader)  # the header, already read
            for cells in reader:
                start, line = line + 1, reader.line_num
                if any(cell.strip() for cell in cells):
                    yield start, cells
        except csv.Error:
            raise _file_error(
                "malformed_csv",
                N_("arquivo CSV malformado perto da linha %(line)s (confira as aspas)"),
                line=line + 1,
            ) from None

    def count_rows(self) -> int:
        """Data lines (blank lines excluded); raises ``CsvFileError`` on broken CSV syntax."""
        return sum(1 for _ in self._records())

    def rows(self, *, today: date) -> Iterator[ParsedRow]:
        seen = _Seen()
        for line, cells in self._records():
            yield self._row(line, cells, today, seen)

    def _row(self, line: int, cells: list[str], today: date, seen: _Seen) -> ParsedRow:
        problems: list[RowProblem] = []
        extra = cells[len(self.columns) :]
        if any(cell.strip() for cell in extra):
            problems.append(RowProblem(line, "", Message.of("too_many_columns", _TOO_MANY)))
        values = dict.fromkeys(COLUMN_ORDER, "")
        values.update(zip(self.columns, cells, strict=False))
        for column, key in _REQUIRED_KEYS.items():
            if not values[column].strip():
                problems.append(_required(column, key, line))
        amount = 1
        if values["valor"].strip():
            try:
                amount = parse_brl(values["valor"])
            except InvalidMoneyText as error:  # the code stays; the message says what is wrong
                reason = error.message
                message = Message("invalid_amount", reason.key, reason.params)
                problems.append(RowProblem(line, "valor", message))
        due = today
        if values["vencimento"].strip():
            due = _date_cell(values["vencimento"], "vencimento", line, problems) or today
        birth = None
        if values["data_nascimento"].strip():
            birth = _date_cell(values["data_nascimento"], "data_nascimento", line, problems)
        reported = parse_yes_no(values["negativado"])
        if reported is None:
            problems.append(RowProblem(line, "negativado", Message.of("invalid_yes_no", _YES_NO)))
        taken = {p.column for p in problems}  # refused while parsing: placeholders below
        reference = values["referencia"].strip()
        if reference in seen.references:
            first = seen.references[reference]
            message = Message.of("duplicate_reference", _DUPLICATE_REFERENCE, line=first)
            problems.append(RowProblem(line, "referencia", message))
        elif reference:
            seen.references[reference] = line
        item = None
        debtor = seen.debtor_record(values, birth, today)
        if not isinstance(debtor, DebtorRecord):
            problems.extend(_cell_problems(line, debtor, taken))
        try:
            item = item_record(
                external_reference=values["referencia"],
                description=values["descricao"],
                amount_cents=amount,
                due_date=due,
                today=today,
                bureau_reported=reported if "negativado" in self.columns else None,
            )
        except RecordInvalid as invalid:
            problems.extend(_cell_problems(line, invalid.problems, taken))
        if isinstance(debtor, DebtorRecord) and item is not None and not problems:
            row = ValidRow(line, debtor, item)
            conflict = seen.conflict(row)
            if conflict is None:
                return row
            problems.append(conflict)
        order = {name: index for index, name in enumerate(("", *COLUMN_ORDER))}
        problems.sort(key=lambda p: order[p.column])
        return InvalidRow(line, tuple(problems))
