"""The SVG bar-chart geometry and the pt-BR CSV helpers (no database needed)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from portal.core.csv_br import cents_br, decimal_br, text_cell, write_csv
from portal.staff.charts import bar_chart


def test_bars_are_proportional_to_the_largest_value() -> None:
    chart = bar_chart(
        "c",
        "Título",
        [("A", 400, "4"), ("B", 100, "1"), ("C", 0, "0")],
        label_header="Rótulo",
        value_header="Valor",
    )
    assert [row.bar_width for row in chart.rows] == [Decimal("230.0"), Decimal("57.5"), 0]
    assert [row.bar_y for row in chart.rows] == [20, 64, 108]
    assert chart.height == 132
    assert chart.description == "Título. A: 4; B: 1; C: 0."


def test_all_zero_or_no_rows_draw_no_bars() -> None:
    chart = bar_chart("c", "T", [("A", 0, "0")], label_header="x", value_header="y")
    assert chart.rows[0].bar_width == 0
    assert bar_chart("c", "T", [], label_header="x", value_header="y").height == 44


def test_negative_values_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        bar_chart("c", "T", [("A", -1, "-1")], label_header="x", value_header="y")


@pytest.mark.parametrize(
    ("cents", "text"), [(0, "0,00"), (5, "0,05"), (123_456, "1234,56"), (-250, "-2,50")]
)
def test_cents_br(cents: int, text: str) -> None:
    assert cents_br(cents) == text


def test_decimal_br_and_text_cells() -> None:
    assert decimal_br(Decimal("12.50")) == "12,50"
    assert decimal_br(None) == ""
    assert text_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert text_cell("@SUM(A1)") == "'@SUM(A1)"
    assert text_cell("Maria") == "Maria"
    assert text_cell(None) == text_cell("") == ""


def test_write_csv_uses_semicolons_a_bom_and_neutralises_formulas_in_the_header() -> None:
    text = write_csv(["Nome", "=x"], [["Ana; Souza", 3]])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows == [["Nome", "'=x"], ["Ana; Souza", "3"]]
