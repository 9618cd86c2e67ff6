"""portal/domain/csv_text.py: a CSV file's text read chunk by chunk, never whole."""

from __future__ import annotations

import io
from datetime import date

import pytest

from portal.domain.csv_rows import CsvFileError, CsvTable
from portal.domain.csv_text import encoding_of, lines

SAMPLE = 'documento;nome\r\n\ufeffa;Conceição “x”\rb;"q\nr"\n\nc;d'


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)] or [b""]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_lines_are_the_same_whatever_the_chunk_boundaries(encoding: str) -> None:
    text = SAMPLE if encoding == "utf-8" else SAMPLE.replace("\ufeff", "")
    data = text.encode(encoding)
    expected = list(io.StringIO(text, newline=""))
    read_as = "utf-8-sig" if encoding == "utf-8" else encoding
    for size in range(1, len(data) + 1):
        assert list(lines(chunked(data, size), read_as)) == expected, size


def test_a_bom_is_dropped_and_no_text_gives_no_line() -> None:
    assert list(lines([b"\xef\xbb", b"\xbfa\n"], "utf-8-sig")) == ["a\n"]
    assert list(lines([], "utf-8-sig")) == []


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        ([b"ok\n", "Conceição".encode()], "utf-8-sig"),
        (["ação".encode()[:2], "ação".encode()[2:]], "utf-8-sig"),  # a character split
        ([b"ok\n", "ação".encode()[:2]], "cp1252"),  # the file ends mid-character
        (["ação".encode(), "Conceição".encode("cp1252")], "cp1252"),  # bad UTF-8 late
        ([b"Jo\xe3o", b"\x81"], "latin-1"),  # 0x81 is not Windows-1252 either
        ([], "utf-8-sig"),
    ],
)
def test_the_encoding_is_chosen_for_the_whole_stream(chunks: list[bytes], expected: str) -> None:
    assert encoding_of(chunks) == expected


def test_a_nul_byte_anywhere_is_not_text() -> None:
    with pytest.raises(ValueError, match="NUL"):
        encoding_of([b"a;b\n", b"c\x00"])
    with pytest.raises(CsvFileError) as refused:
        CsvTable(lambda: iter([b"documento;nome\n", b"\x00"]))
    assert refused.value.message.code == "not_text"


def test_a_table_read_in_chunks_is_the_table_read_whole() -> None:
    content = (
        "Documento;Nome;Referência;Descrição;Valor;Vencimento\r\n"
        "529.982.247-25;Maria Souza;NF-1;Conta de ação;1.234,56;05/03/2025\r\n"
        "\r\n"
        '111.444.777-35;"João\r\nda Silva";NF-2;x;10;01/01/2025\r\n'
        "bad;;NF-3;x;-1;32/01/2025\r\n"
    ).encode("cp1252")
    whole = CsvTable(content)
    expected = list(whole.rows(today=date(2025, 6, 1)))
    assert whole.encoding == "cp1252" and whole.count_rows() == 3
    for size in (1, 7, 64):
        calls: list[int] = []

        def source(size: int = size, calls: list[int] = calls) -> list[bytes]:
            calls.append(1)
            return chunked(content, size)

        table = CsvTable(source)
        assert (table.count_rows(), list(table.rows(today=date(2025, 6, 1)))) == (3, expected)
        assert len(calls) == 4, "read as a stream each time: encoding, header, rows twice"
