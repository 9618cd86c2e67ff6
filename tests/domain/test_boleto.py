"""Boleto bar codes and linhas digitáveis by FEBRABAN's rules (mod 10 per field, mod 11 for the
general digit, the due factor and its 2025 restart).

The valid examples are sample boletos from the banks' own boleto manuals (Banrisul, Banco Real,
Caixa, Banco do Brasil), as the pyboleto project's test suite reproduces them; each was also
checked by hand against the rules in ``portal.domain.boleto``'s docstring.
"""

from __future__ import annotations

from datetime import date

import pytest

from portal.domain.boleto import (
    InvalidBoleto,
    build_barcode,
    due_factor,
    format_line,
    line_from_barcode,
    mod10,
    mod11,
    parse_barcode,
    parse_line,
)

# (linha digitável as printed, bar code, due date, amount in centavos)
KNOWN = [
    (
        "04192.11107 29000.150226 83256.340593 8 10010000055000",
        "04198100100000550002111029000150228325634059",
        date(2000, 7, 4),
        55000,
    ),
    (
        "35690.53154 70585.390001 00000.001230 8 48690000035500",
        "35698486900000355000531570585390000000000123",
        date(2011, 2, 5),
        35500,
    ),
    (
        "10498.01952 25086.156582 70000.004146 1 53880000295295",
        "10491538800002952958019525086156587000000414",
        date(2012, 7, 8),
        295295,
    ),
    (
        "00190.00009 07777.777009 00087.654182 6 49000000295295",
        "00196490000002952950000007777777000008765418",
        date(2011, 3, 8),
        295295,
    ),
]


@pytest.mark.parametrize(("line", "barcode", "due", "amount"), KNOWN)
def test_known_boletos_parse_and_rebuild(line: str, barcode: str, due: date, amount: int) -> None:
    boleto = parse_line(line)
    assert boleto.barcode == barcode
    assert boleto.amount_cents == amount
    assert boleto.factor == due_factor(due)
    assert boleto.formatted_line == line
    assert line_from_barcode(barcode) == line.replace(".", "").replace(" ", "")
    rebuilt = build_barcode(
        bank=boleto.bank, due=due, amount_cents=amount, free_field=boleto.free_field
    )
    assert rebuilt == barcode
    assert parse_barcode(barcode).line == boleto.line


def test_mod10_by_hand() -> None:
    # Field 1 of the Caixa sample: 1 0 4 9 8 0 1 9 5 from the right ×2,1,2,…:
    # 5×2=10→1, 9, 1×2=2, 0, 8×2=16→7, 9, 4×2=8, 0, 1×2=2 → 38; (10 − 8) mod 10 = 2.
    assert mod10("104980195") == 2
    assert mod10("0") == 0  # a sum that is a multiple of ten gives 0, not 10


def test_mod11_results_zero_ten_and_eleven_become_one() -> None:
    assert mod11("0" * 43) == 1  # 11 − 0 = 11
    assert mod11("1") == 9  # 1×2 = 2 → 11 − 2
    assert mod11("5") == 1  # 5×2 = 10 → 11 − 10 = 1
    assert mod11("01") == 9
    assert mod11("6") == 10 - 9  # 12 mod 11 = 1 → 10 → 1


def test_due_factor_and_its_restart() -> None:
    assert due_factor(date(2000, 7, 3)) == "1000"
    assert due_factor(date(2025, 2, 21)) == "9999"
    assert due_factor(date(2025, 2, 22)) == "1000"  # FEBRABAN's 2025 restart
    assert due_factor(date(2026, 12, 10)) == "1656"
    with pytest.raises(InvalidBoleto):
        due_factor(date(2000, 7, 2))


def test_build_without_due_date_and_bounds() -> None:
    barcode = build_barcode(bank="001", due=None, amount_cents=0, free_field="0" * 25)
    assert barcode[5:9] == "0000"
    parse_barcode(barcode)
    with pytest.raises(InvalidBoleto):
        build_barcode(bank="001", due=None, amount_cents=-1, free_field="0" * 25)
    with pytest.raises(InvalidBoleto):
        build_barcode(bank="001", due=None, amount_cents=10**10, free_field="0" * 25)
    with pytest.raises(InvalidBoleto):
        build_barcode(bank="01", due=None, amount_cents=1, free_field="0" * 25)
    with pytest.raises(InvalidBoleto):
        build_barcode(bank="001", due=None, amount_cents=1, free_field="0" * 24)


@pytest.mark.parametrize("field", [0, 1, 2])
def test_a_wrong_field_digit_is_refused(field: int) -> None:
    digits = parse_line(KNOWN[2][0]).line
    position = (9, 20, 31)[field]
    wrong = digits[:position] + str((int(digits[position]) + 1) % 10) + digits[position + 1 :]
    with pytest.raises(InvalidBoleto, match=f"field {field + 1}"):
        parse_line(wrong)


def test_a_wrong_general_digit_or_amount_is_refused() -> None:
    digits = parse_line(KNOWN[0][0]).line
    wrong = digits[:32] + str((int(digits[32]) + 1) % 10) + digits[33:]
    with pytest.raises(InvalidBoleto, match="general"):
        parse_line(wrong)
    changed_amount = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    with pytest.raises(InvalidBoleto, match="general"):
        parse_line(changed_amount)


@pytest.mark.parametrize("text", ["", "1" * 46, "1" * 48, "a" * 47, "１" * 47])
def test_not_47_ascii_digits(text: str) -> None:
    with pytest.raises(InvalidBoleto):
        parse_line(text)
    with pytest.raises(InvalidBoleto):
        format_line(text)


def test_line_from_an_invalid_barcode_is_refused() -> None:
    barcode = KNOWN[1][1]
    with pytest.raises(InvalidBoleto):
        line_from_barcode(barcode[:4] + "0" + barcode[5:])
