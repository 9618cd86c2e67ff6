from datetime import date
from decimal import Decimal

import pytest

from portal.domain.errors import IndexNotAvailable, InvalidIndexTable, InvalidPolicy
from portal.domain.indexes import (
    IndexKind,
    IndexTable,
    month_start,
    months_between,
    parse_index_csv,
    shift_month,
)

NUMBER_CSV = """\
# IPCA número-índice (dez/93 = 100), fonte: IBGE
mês;número-índice
11/2025;7.123,45
12/2025;7.150,00
2026-01;7.161,44
"""

VARIATION_CSV = """\
mes;variacao
01/2026;0,50

02/2026;-0,25
03/2026;1
"""


def test_parse_number_index() -> None:
    table = parse_index_csv(NUMBER_CSV, name="IPCA", kind=IndexKind.NUMBER)
    assert table.name == "IPCA"
    assert table.first_month == date(2025, 11, 1)
    assert table.values == (Decimal("7123.45"), Decimal("7150.00"), Decimal("7161.44"))
    assert table.last_month == date(2026, 1, 1)
    assert table.value(date(2025, 12, 31)) == Decimal("7150.00")
    assert table.factor(date(2025, 11, 5), date(2026, 1, 20)) == Decimal("7161.44") / Decimal(
        "7123.45"
    )


def test_parse_monthly_variations_chains_from_one() -> None:
    table = parse_index_csv(VARIATION_CSV, name="IPCA", kind=IndexKind.MONTHLY_PCT)
    assert table.first_month == date(2025, 12, 1)
    # 1 → ×1.005 → ×0.9975 → ×1.01, computed by hand.
    assert table.values == (
        Decimal(1),
        Decimal("1.005"),
        Decimal("1.0024875"),
        Decimal("1.012512375"),
    )


def test_data_without_header() -> None:
    table = parse_index_csv("12/2025;100\n01/2026;101,5", name="X", kind=IndexKind.NUMBER)
    assert table.values == (Decimal(100), Decimal("101.5"))


@pytest.mark.parametrize(
    ("text", "kind", "line"),
    [
        ("mes;valor\n01/2026;1;2\n", IndexKind.NUMBER, 2),  # three fields
        ("01/2026\n", IndexKind.NUMBER, 1),  # one field (month alone)
        ("01/2026;100\n13/2026;100\n", IndexKind.NUMBER, 2),  # bad month after data
        ("01/2026;100\n2026-00;100\n", IndexKind.NUMBER, 2),
        ("01/2026;0.56\n", IndexKind.NUMBER, 1),  # dot decimal is not pt-BR
        ("01/2026;1.2345,6\n", IndexKind.NUMBER, 1),  # bad thousands grouping
        ("01/2026;abc\n", IndexKind.NUMBER, 1),
        ("01/2026;100\n03/2026;101\n", IndexKind.NUMBER, 2),  # gap
        ("01/2026;100\n01/2026;101\n", IndexKind.NUMBER, 2),  # repeated month
        ("01/2026;0\n", IndexKind.NUMBER, 1),
        ("01/2026;-1\n", IndexKind.NUMBER, 1),
        ("01/2026;-100\n", IndexKind.MONTHLY_PCT, 1),
        ("header;one\nheader;two\n", IndexKind.NUMBER, 2),  # only one header line
        ("", IndexKind.NUMBER, 0),
        ("mes;valor\n# nothing\n", IndexKind.MONTHLY_PCT, 0),
    ],
)
def test_parse_errors_name_the_line(text: str, kind: IndexKind, line: int) -> None:
    with pytest.raises(InvalidIndexTable) as caught:
        parse_index_csv(text, name="X", kind=kind)
    assert caught.value.params == {"line": line}


def test_thousands_separator_and_negative_variation() -> None:
    table = parse_index_csv("01/2026;1.234.567,5\n", name="X", kind=IndexKind.NUMBER)
    assert table.values == (Decimal("1234567.5"),)
    table = parse_index_csv("01/2026;-99,9\n", name="X", kind=IndexKind.MONTHLY_PCT)
    assert table.values == (Decimal(1), Decimal("0.001"))


def test_value_outside_the_table() -> None:
    table = IndexTable("X", date(2026, 1, 1), (Decimal(100), Decimal(101)))
    for month in (date(2025, 12, 15), date(2026, 3, 1)):
        with pytest.raises(IndexNotAvailable) as caught:
            table.value(month)
        assert caught.value.params == {"month": month.isoformat()[:7]}


@pytest.mark.parametrize(
    ("first", "values"),
    [
        (date(2026, 1, 2), (Decimal(1),)),
        (date(2026, 1, 1), ()),
        (date(2026, 1, 1), (Decimal(0),)),
        (date(2026, 1, 1), (Decimal("NaN"),)),
        (date(2026, 1, 1), (1.5,)),
    ],
)
def test_table_validation(first: date, values: tuple[Decimal, ...]) -> None:
    with pytest.raises(InvalidPolicy):
        IndexTable("X", first, values)


def test_month_helpers() -> None:
    assert month_start(date(2026, 2, 17)) == date(2026, 2, 1)
    assert shift_month(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert shift_month(date(2026, 12, 1), 13) == date(2028, 1, 1)
    assert months_between(date(2025, 11, 30), date(2026, 2, 1)) == 3
    assert months_between(date(2026, 2, 1), date(2025, 11, 30)) == -3
