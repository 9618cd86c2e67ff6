"""portal/domain/pix.py: Pix BR Code encoding and parsing (EMV TLV, CRC-16/CCITT-FALSE)."""

from __future__ import annotations

import binascii
import contextlib
import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.pix import (
    MAX_AMOUNT_CENTS,
    BRCode,
    InvalidBRCode,
    PixKeyType,
    build_brcode,
    crc16,
    encode_brcode,
    parse_brcode,
    pix_key_type,
)

from .conftest import DOMAIN

# The BR Code test vectors: a copy of the team's shared file, with its source noted inside.
VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "pix_brcode.json").read_text("utf-8")
)
VALID = {vector["name"]: vector for vector in VECTORS["valid"]}
INVALID = {vector["name"]: vector for vector in VECTORS["invalid"]}

EVP = "123e4567-e12b-12d1-a456-426655440000"
CPF = "52998224725"
CNPJ = "11222333000181"


def tlv(*fields: tuple[str, str]) -> str:
    """An independent TLV writer for hand-made codes (no sorting, no checks)."""
    return "".join(f"{tag}{len(value):02d}{value}" for tag, value in fields)


def with_crc(body: str) -> str:
    """``body`` + ``6304`` + its CRC (over UTF-8), computed here, not by the module under test."""
    body += "6304"
    return body + f"{binascii.crc_hqx(body.encode('utf-8'), 0xFFFF):04X}"


BASE: dict[str, str] = {
    "00": "01",
    "26": tlv(("00", "br.gov.bcb.pix"), ("01", EVP)),
    "52": "0000",
    "53": "986",
    "58": "BR",
    "59": "Fulano de Tal",
    "60": "BRASILIA",
    "62": tlv(("05", "***")),
}


def code_with(**changes: str | None) -> str:
    """A valid static code (V1) with fields replaced, added (``f54="1.00"``) or removed (None)."""
    fields = dict(BASE)
    for name, value in changes.items():
        tag = name.removeprefix("f")
        if value is None:
            del fields[tag]
        else:
            fields[tag] = value
    return with_crc(tlv(*sorted(fields.items())))


def reason_of(payload: str) -> str:
    with pytest.raises(InvalidBRCode) as caught:
        parse_brcode(payload)
    return caught.value.reason


# --- the vectors ---------------------------------------------------------------------------------


def test_the_vectors_are_all_there() -> None:
    assert (len(VALID), len(INVALID)) == (4, 2)
    assert "source" in VECTORS


@pytest.mark.parametrize("name", list(VALID))
def test_valid_vector_parses_with_the_expected_fields(name: str) -> None:
    vector = VALID[name]
    code = parse_brcode(vector["payload"])
    fields = dict(vector["fields"])
    amount = fields.pop("amount")
    expected_cents = None if amount is None else int(Decimal(amount) * 100)
    assert code.amount_cents == expected_cents
    for field, value in fields.items():
        assert getattr(code, field) == value
    assert code.is_dynamic is ("url" in fields)
    assert (code.key is None) is code.is_dynamic


@pytest.mark.parametrize("name", list(VALID))
def test_valid_vector_encodes_back_byte_for_byte(name: str) -> None:
    payload = VALID[name]["payload"]
    assert encode_brcode(parse_brcode(payload)) == payload


def test_bcb_manual_example_is_built_from_its_fields() -> None:
    payload = build_brcode(key=EVP, merchant_name="Fulano de Tal", merchant_city="BRASILIA")
    assert payload == VALID["bcb-manual-static-evp"]["payload"]


@pytest.mark.parametrize("name", list(INVALID))
def test_invalid_vector_is_rejected(name: str) -> None:
    reason = reason_of(INVALID[name]["payload"])
    assert reason


def test_length_overrun_vector_is_rejected_for_the_overrun_not_the_crc() -> None:
    reason = reason_of(INVALID["tlv-length-overrun-in-62-correct-crc"]["payload"])
    assert reason == "the code: field 62 declares 8 characters, 7 left"


def test_wrong_txid_vector_is_rejected_even_with_its_crc_fixed() -> None:
    payload = INVALID["wrong-txid-length-and-crc"]["payload"]
    assert "wrong CRC" in reason_of(payload)
    assert "no 2-digit ID and length" in reason_of(with_crc(payload[:-8]))


# --- CRC ----------------------------------------------------------------------------------------


def test_crc16_check_value() -> None:
    assert crc16("123456789") == "29B1"


def test_crc_is_zero_padded() -> None:
    payload = VALID["cnpj-key-description-leading-zero-crc"]["payload"]
    assert crc16(payload[:-4]) == "0BF7"
    assert payload.endswith("63040BF7")
    assert encode_brcode(parse_brcode(payload)).endswith("63040BF7")


def test_a_lowercase_crc_is_read() -> None:
    # Some PSPs write the CRC in lowercase hex; the issue: such codes were refused.
    payload = VALID["cnpj-key-description-leading-zero-crc"]["payload"]
    code = parse_brcode(payload[:-4] + "0bf7")
    assert code == parse_brcode(payload)
    assert encode_brcode(code) == payload  # written back in uppercase
    assert "wrong CRC: the code says 0bf8" in reason_of(payload[:-4] + "0bf8")


@pytest.mark.parametrize("around", [(" ", ""), ("\n", "\r\n"), ("\t ", " \n"), ("\u00a0", "")])
def test_whitespace_around_a_pasted_code_is_ignored(around: tuple[str, str]) -> None:
    payload = VALID["bcb-manual-static-evp"]["payload"]
    assert parse_brcode(around[0] + payload + around[1]) == parse_brcode(payload)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("", "printable ASCII"),
        ("\n", "printable ASCII"),
        (" \n ", "printable ASCII"),
        (VALID["bcb-manual-static-evp"]["payload"].replace("Fulano de", "Fulano\nde"), "ASCII"),
        (with_crc(tlv(("00", "01"), ("59", "São"))), "printable ASCII"),
        ("1D3D", "the code must end with the CRC field"),
        ("63041D3D", "wrong CRC"),
        (VALID["bcb-manual-static-evp"]["payload"][:-8], "the code must end with the CRC field"),
        (VALID["bcb-manual-static-evp"]["payload"][:-1], "the code must end with the CRC field"),
        (VALID["bcb-manual-static-evp"]["payload"][:-4] + "1D3", "the code must end with"),
        (VALID["bcb-manual-static-evp"]["payload"][:-4] + "1D3G", "4 hex digits"),
        (VALID["bcb-manual-static-evp"]["payload"][:-4] + "1d3e", "wrong CRC"),
        (VALID["bcb-manual-static-evp"]["payload"][:-4] + "1D3E", "wrong CRC"),
    ],
)
def test_crc_field_rules(payload: str, reason: str) -> None:
    assert reason in reason_of(payload)


# --- TLV structure ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("", "must start with field 00"),
        ("0", "the code: no 2-digit ID and length at 0 ('0')"),
        ("0002015", "the code: no 2-digit ID and length at 6 ('5')"),
        ("00020159AB", "the code: no 2-digit ID and length at 6 ('59AB')"),
        ("000201590", "no 2-digit ID and length"),
        ("0002015900", "the code: field 59 declares 0 characters, 0 left"),
        ("0002015930Fulano", "the code: field 59 declares 30 characters, 6 left"),
        ("0002015903abc5903abc", "the code: field 59 appears twice"),
        (tlv(("01", "11"), ("00", "01")), "must start with field 00"),
        (tlv(*BASE.items(), ("63", "1D3D")), "field 63 (CRC) must be the last field"),
        (tlv(*BASE.items()).replace("62070503***", "62070503**"), "declares 7"),
    ],
)
def test_tlv_structure_is_strict(body: str, reason: str) -> None:
    assert reason in reason_of(with_crc(body))


@pytest.mark.parametrize(
    ("tag", "what"),
    [
        ("26", "merchant account information"),
        ("52", "merchant category code"),
        ("53", "currency"),
        ("58", "country code"),
        ("59", "merchant name"),
        ("60", "merchant city"),
        ("62", "additional data"),
    ],
)
def test_mandatory_field_missing(tag: str, what: str) -> None:
    assert reason_of(code_with(**{f"f{tag}": None})) == f"missing field {tag} ({what})"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"f26": tlv(("01", EVP))}, "missing field 26-00 (GUI)"),
        ({"f26": tlv(("00", "br.gov.bcb.pix"), ("01", EVP), ("01", EVP))}, "field 26: field 01"),
        ({"f26": "0014br.gov.bcb.pix01"}, "field 26: no 2-digit ID and length at 18"),
        ({"f62": tlv(("50", "x"))}, "missing field 62-05 (txid)"),
        ({"f62": "0504***"}, "field 62: field 05 declares 4 characters, 3 left"),
    ],
)
def test_templates_are_parsed_strictly(changes: dict[str, str], reason: str) -> None:
    assert reason in reason_of(code_with(**changes))


# --- field rules when parsing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cents"),
    [("0.01", 1), ("1.00", 100), ("130.00", 13_000), ("9999999999.99", MAX_AMOUNT_CENTS)],
)
def test_amount_is_read_as_exact_centavos(text: str, cents: int) -> None:
    assert parse_brcode(code_with(f54=text)).amount_cents == cents


@pytest.mark.parametrize(
    "text",
    ["1", "1.5", "1.000", "01.00", "00.01", ".50", "1,00", "-1.00", "+1.00", "1e2", " 1.00",
     "1.00 ", "10000000000.00", "1 000.00"],
)  # fmt: skip
def test_malformed_amount_is_rejected(text: str) -> None:
    assert (
        reason_of(code_with(f54=text)) == f"the amount (54) must look like '130.00', not {text!r}"
    )


def test_zero_amount_is_rejected() -> None:
    assert "the amount must be 1 to" in reason_of(code_with(f54="0.00"))


@pytest.mark.parametrize("gui", ["br.gov.bcb.pix", "BR.GOV.BCB.PIX", "Br.Gov.Bcb.Pix"])
def test_gui_is_compared_case_insensitively_and_kept(gui: str) -> None:
    payload = code_with(f26=tlv(("00", gui), ("01", EVP)))
    code = parse_brcode(payload)
    assert code.gui == gui
    assert encode_brcode(code) == payload


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"f00": "02"}, "field 00 must be '01'"),
        ({"f01": "13"}, "field 01 must be '11' or '12'"),
        ({"f26": tlv(("00", "br.gov.bcb.pi"), ("01", EVP))}, "must carry the GUI"),
        ({"f26": tlv(("00", "com.example.pix"), ("01", EVP))}, "must carry the GUI"),
        ({"f26": tlv(("00", "br.gov.bcb.pix"))}, "needs a key or a URL, not both"),
        ({"f26": tlv(("00", "br.gov.bcb.pix"), ("01", EVP), ("25", "pix.example.com/qr/1"))},
         "needs a key or a URL, not both"),
        ({"f26": tlv(("00", "br.gov.bcb.pix"), ("25", "https://pix.example.com/qr/1"))},
         "URL with a scheme"),
        ({"f26": tlv(("00", "br.gov.bcb.pix"), ("25", "HTTP://pix.example.com/qr/1"))},
         "URL with a scheme"),
        ({"f52": "00A0"}, "merchant category code (52) must be 4 digits"),
        ({"f52": "000"}, "merchant category code (52) must be 4 digits"),
        ({"f53": "840"}, "currency (53) must be '986'"),
        ({"f58": "US"}, "country code (58) must be 'BR'"),
        ({"f59": "A" * 26}, "the name (59) must have 1-25 characters"),
        ({"f60": "B" * 16}, "the city (60) must have 1-15 characters"),
        ({"f61": "1234567"}, "the postal code (61) must be 8 digits"),
        ({"f61": "1234567A"}, "the postal code (61) must be 8 digits"),
        ({"f61": "12345-678"}, "the postal code (61) must be 8 digits"),
        ({"f62": tlv(("05", "abc-1"))}, "the txid must be '***' or 1-25 letters/digits"),
        ({"f62": tlv(("05", "A" * 26))}, "the txid must be '***' or 1-25 letters/digits"),
        ({"f62": tlv(("05", "**"))}, "the txid must be '***' or 1-25 letters/digits"),
        ({"f26": tlv(("00", "br.gov.bcb.pix"), ("01", "52998224724"))}, "wrong check digits"),
        ({"f26": tlv(("00", "br.gov.bcb.pix"), ("01", EVP.upper()))}, "the Pix key is not"),
    ],
)  # fmt: skip
def test_field_rules_when_parsing(changes: dict[str, str], reason: str) -> None:
    assert reason in reason_of(code_with(**changes))


def test_fields_at_their_maximum_length_parse() -> None:
    email = "a" * 60 + "@example.com.br"  # 75 characters: 26 = 18 + 4 + 75 = 97
    payload = code_with(
        f01="12",
        f26=tlv(("00", "br.gov.bcb.pix"), ("01", email)),
        f52="5999",
        f54="9999999999.99",
        f59="N" * 25,
        f60="C" * 15,
        f61="99999999",
        f62=tlv(("05", "T" * 25), ("50", "x" * 66)),
    )
    code = parse_brcode(payload)
    assert (code.key, code.merchant_name, code.merchant_city) == (email, "N" * 25, "C" * 15)
    assert (code.amount_cents, code.txid, code.postal_code) == (
        MAX_AMOUNT_CENTS,
        "T" * 25,
        "99999999",
    )
    assert code.merchant_category_code == "5999"
    assert encode_brcode(code) == payload


def test_unknown_fields_are_kept_in_order_and_written_back() -> None:
    recurrence = tlv(("00", "br.gov.bcb.pix"), ("25", "pix.example.com/rec/42"), ("30", "x"))
    payload = code_with(
        f26=tlv(("00", "br.gov.bcb.pix"), ("01", EVP), ("03", "fss")),
        f27=tlv(("00", "com.example.wallet")),
        f55="01",
        f62=tlv(("05", "***"), ("50", tlv(("00", "br.gov.bcb.brcode"), ("01", "1.0.0")))),
        f80=recurrence,
        f81="0003abc",
    )
    code = parse_brcode(payload)
    assert code.unknown_fields == (
        ("27", "0018com.example.wallet"),
        ("55", "01"),
        ("81", "0003abc"),
    )
    assert code.unknown_account_fields == (("03", "fss"),)
    assert code.unknown_additional_fields == (("50", "0017br.gov.bcb.brcode01051.0.0"),)
    assert code.unknown_recurrence_fields == (("30", "x"),)
    assert encode_brcode(code) == payload


# --- Pix Automático (field 80) ------------------------------------------------------------------

RECURRENCE = tlv(("00", "br.gov.bcb.pix"), ("25", "pix.example.com/rec/v2/rec/7f3a"))


def test_pix_automatico_with_the_gui_alone_in_field_26() -> None:
    # The issue: a valid Pix Automático code (26 holds only the GUI, the location is in 80)
    # was refused for lacking a key or a URL in 26.
    payload = code_with(f26=tlv(("00", "BR.GOV.BCB.PIX")), f80=RECURRENCE)
    code = parse_brcode(payload)
    assert code.is_recurring and not code.is_dynamic
    assert (code.key, code.url, code.gui) == (None, None, "BR.GOV.BCB.PIX")
    assert code.recurrence_url == "pix.example.com/rec/v2/rec/7f3a"
    assert code.recurrence_gui == "br.gov.bcb.pix"
    assert code.unknown_fields == ()
    assert encode_brcode(code) == payload


def test_pix_automatico_composite_with_an_immediate_charge() -> None:
    payload = code_with(
        f01="12",
        f26=tlv(("00", "br.gov.bcb.pix"), ("25", "pix.example.com/qr/v2/cobv/9b1")),
        f54="89.90",
        f80=RECURRENCE,
    )
    code = parse_brcode(payload)
    assert code.is_recurring and code.is_dynamic
    assert (code.url, code.amount_cents) == ("pix.example.com/qr/v2/cobv/9b1", 8_990)
    assert encode_brcode(code) == payload


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"f80": None}, "the GUI alone only with field 80"),  # 26 with the GUI alone, no 80
        ({"f80": tlv(("00", "br.gov.bcb.pix"))}, "missing field 80-25 (recurrence URL)"),
        ({"f80": tlv(("25", "pix.example.com/rec/1"))}, "missing field 80-00 (GUI)"),
        (
            {"f80": tlv(("00", "com.example.rec"), ("25", "pix.example.com/rec/1"))},
            "field 80 must carry the GUI",
        ),
        (
            {"f80": tlv(("00", "br.gov.bcb.pix"), ("25", "https://pix.example.com/rec/1"))},
            "URL with a scheme",
        ),
        ({"f80": "0014br.gov.bcb.pix25"}, "field 80: no 2-digit ID and length at 18"),
        ({"f80": tlv(("00", "br.gov.bcb.pix"), ("00", "x"))}, "field 80: field 00 appears twice"),
    ],
)
def test_pix_automatico_rules(changes: dict[str, str | None], reason: str) -> None:
    fields = {"f26": tlv(("00", "br.gov.bcb.pix")), "f80": RECURRENCE, **changes}
    assert reason in reason_of(code_with(**{k: v for k, v in fields.items() if v is not None}))


def test_fields_out_of_order_parse_and_encode_in_ascending_order() -> None:
    body = tlv(("00", "01"), *sorted(BASE.items(), reverse=True)[:-1])
    code = parse_brcode(with_crc(body))
    assert code == parse_brcode(code_with())
    assert encode_brcode(code) == code_with()


# --- Pix keys -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        (CPF, PixKeyType.CPF),
        (CNPJ, PixKeyType.CNPJ),
        ("+5511943214321", PixKeyType.PHONE),
        ("cobranca@example.com.br", PixKeyType.EMAIL),
        ("fulano.de-tal+pix@mail.example.org", PixKeyType.EMAIL),
        (EVP, PixKeyType.EVP),
    ],
)
def test_pix_key_types(key: str, kind: PixKeyType) -> None:
    assert pix_key_type(key) is kind


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("52998224724", "wrong check digits"),
        ("11222333000180", "wrong check digits"),
        ("11111111111", "wrong check digits"),
        ("529.982.247-25", "is not"),
        ("5299822472", "is not"),
        ("112223330001", "is not"),
        ("+551194321432", "is not"),  # 8-digit number: not a mobile
        ("+5511843214321", "is not"),  # mobile numbers start with 9
        ("+5501943214321", "is not"),  # no area code starts with 0
        ("5511943214321", "is not"),
        ("+14155550100", "is not"),
        ("Cobranca@example.com", "is not"),
        ("cobranca@example", "is not"),
        ("cobranca@-example.com", "is not"),
        ("cobranca.example.com", "is not"),
        (EVP.upper(), "is not"),
        (EVP.replace("-", ""), "is not"),
        ("{" + EVP + "}", "is not"),
        ("", "is not"),
        ("١١٢٢٢٣٣٣٠٠٠١٨١", "is not"),  # Arabic-Indic digits are not ASCII digits
    ],
)
def test_invalid_pix_keys(key: str, reason: str) -> None:
    with pytest.raises(InvalidBRCode, match=reason):
        pix_key_type(key)


# --- building static codes ----------------------------------------------------------------------


def test_build_reduces_text_to_ascii_and_cuts_name_and_city() -> None:
    payload = build_brcode(
        key=CNPJ,
        merchant_name="  Recuperadora de Créditos São João S.A.",
        merchant_city="São José dos Campos",
        description="Parcela 1/12 – acordo nº 7",
        amount_cents=123_456,
        txid="ACORDO42P1",
        postal_code="12245-000",
    )
    code = parse_brcode(payload)
    assert code.merchant_name == "Recuperadora de Creditos"  # 25th character was a space
    assert code.merchant_city == "Sao Jose dos Ca"
    assert code.description == "Parcela 1/12 acordo no 7"
    assert (code.amount_cents, code.txid, code.postal_code) == (123_456, "ACORDO42P1", "12245000")
    assert code.point_of_initiation is None
    assert code.gui == "br.gov.bcb.pix"
    assert "54071234.56" in payload


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Fulano de Tal", "Fulano de Tal"),
        ("FLORIANÓPOLIS", "FLORIANOPOLIS"),
        ("Ação\tCobrança\n Ltda", "Acao Cobranca Ltda"),
        ("Straße 1º", "Strae 1o"),  # ß has no ASCII form and is dropped; º is an "o"
        ("ﬁnanceira\u00a0Ω", "financeira"),
    ],
)
def test_build_ascii_reduction(raw: str, expected: str) -> None:
    code = parse_brcode(build_brcode(key=EVP, merchant_name=raw, merchant_city="Recife"))
    assert code.merchant_name == expected


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"merchant_name": ""}, "the merchant name is empty once reduced to ASCII"),
        ({"merchant_name": "株式会社"}, "the merchant name is empty once reduced to ASCII"),
        ({"merchant_city": " \t "}, "the merchant city is empty once reduced to ASCII"),
        ({"description": "€"}, "the description is empty once reduced to ASCII"),
        ({"description": "x" * 38}, "field 26 must have 1-99 characters, not 100"),
        ({"postal_code": "1234-5678"}, "the postal code must be 8 digits"),
        ({"postal_code": "123456789"}, "the postal code must be 8 digits"),
        ({"amount_cents": 0}, "the amount must be 1 to"),
        ({"amount_cents": -100}, "the amount must be 1 to"),
        ({"amount_cents": MAX_AMOUNT_CENTS + 1}, "the amount must be 1 to"),
        ({"amount_cents": True}, "the amount must be 1 to"),
        ({"amount_cents": 1.5}, "the amount must be 1 to"),
        ({"txid": ""}, "the txid must be"),
        ({"txid": "pedido-42"}, "the txid must be"),
        ({"txid": "ação"}, "the txid must be"),
        ({"key": "fulano@Example.com"}, "the Pix key is not"),
    ],
)
def test_build_rejects(changes: dict[str, Any], reason: str) -> None:
    arguments: dict[str, Any] = {
        "key": EVP,
        "merchant_name": "Fulano de Tal",
        "merchant_city": "BRASILIA",
        **changes,
    }
    with pytest.raises(InvalidBRCode) as caught:
        build_brcode(**arguments)
    assert reason in caught.value.reason


def test_description_filling_field_26_exactly() -> None:
    # 26 = GUI (4 + 14) + EVP key (4 + 36) + description (4 + 37) = 99
    payload = build_brcode(key=EVP, merchant_name="F", merchant_city="B", description="x" * 37)
    assert parse_brcode(payload).description == "x" * 37


def test_invalid_brcode_is_a_value_error_with_a_reason() -> None:
    with pytest.raises(ValueError, match="wrong CRC") as caught:
        parse_brcode(VALID["bcb-manual-static-evp"]["payload"][:-4] + "0000")
    assert isinstance(caught.value, InvalidBRCode)
    assert str(caught.value) == caught.value.reason


# --- constructing a BRCode directly -------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"unknown_fields": (("59", "x"),)}, "unknown fields of the code need distinct"),
        ({"unknown_fields": (("63", "x"),)}, "unknown fields of the code need distinct"),
        ({"unknown_fields": (("5A", "x"),)}, "unknown fields of the code need distinct"),
        ({"unknown_fields": (("8", "x"),)}, "unknown fields of the code need distinct"),
        ({"unknown_fields": (("81", "x"), ("81", "y"))}, "unknown fields of the code need"),
        ({"unknown_fields": (("80", "x"),)}, "unknown fields of the code need distinct"),
        ({"unknown_recurrence_fields": (("25", "x"),)}, "fields of 80 need its recurrence"),
        (
            {"recurrence_url": "r.example/1", "unknown_recurrence_fields": (("00", "x"),)},
            "unknown fields of field 80 need",
        ),
        ({"recurrence_url": "r.example/1", "recurrence_gui": "x"}, "field 80 must carry the GUI"),
        ({"key": None, "recurrence_url": ""}, "field 25 must have 1-99 characters, not 0"),
        ({"unknown_account_fields": (("01", "x"),)}, "unknown fields of field 26 need"),
        ({"unknown_additional_fields": (("05", "x"),)}, "unknown fields of field 62 need"),
        ({"unknown_fields": (("81", ""),)}, "field 81 must have 1-99 characters, not 0"),
        ({"unknown_fields": (("81", "x" * 100),)}, "field 81 must have 1-99 characters, not 100"),
        ({"unknown_additional_fields": (("50", "x" * 89),)}, "field 62 must have 1-99"),
        ({"merchant_name": "São Paulo"}, "printable ASCII characters only"),
        ({"description": "\x7f"}, "printable ASCII characters only"),
        ({"unknown_fields": (("64", "Pagamento não"),)}, "printable ASCII characters only"),
        ({"merchant_name": ""}, "the name (59) must have 1-25 characters"),
        ({"merchant_city": ""}, "the city (60) must have 1-15 characters"),
        ({"description": ""}, "field 02 must have 1-99 characters, not 0"),
        ({"key": None, "url": ""}, "field 25 must have 1-99 characters, not 0"),
        ({"merchant_category_code": "١٢٣٤"}, "merchant category code (52) must be 4 digits"),
        ({"postal_code": "١٢٣٤٥٦٧٨"}, "the postal code (61) must be 8 digits"),
    ],
)
def test_brcode_construction_rejects(changes: dict[str, Any], reason: str) -> None:
    arguments: dict[str, Any] = {
        "key": EVP,
        "merchant_name": "Fulano de Tal",
        "merchant_city": "BRASILIA",
        **changes,
    }
    with pytest.raises(InvalidBRCode) as caught:
        BRCode(**arguments)
    assert reason in caught.value.reason


def test_dynamic_code_value() -> None:
    code = BRCode(url="pix.example.com/qr/v2/cobv/abc", merchant_name="E", merchant_city="C")
    assert code.is_dynamic
    assert parse_brcode(encode_brcode(code)) == code


# --- properties ---------------------------------------------------------------------------------

WORD = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789&.,'/-", min_size=1
)
PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def words(count: int, size: int) -> st.SearchStrategy[str]:
    """Canonical text: 1-``count`` words of 1-``size`` characters, single spaces."""
    return st.lists(WORD.filter(lambda w: len(w) <= size), min_size=1, max_size=count).map(" ".join)


def unused_tags(known: set[str]) -> list[str]:
    return [f"{number:02d}" for number in range(100) if f"{number:02d}" not in known]


def unknown(
    known: set[str], count: int, size: int
) -> st.SearchStrategy[tuple[tuple[str, str], ...]]:
    """Unknown fields with distinct IDs in ascending order (as a parser returns them)."""
    values = st.text(alphabet=PRINTABLE, min_size=1, max_size=size)
    return st.dictionaries(st.sampled_from(unused_tags(known)), values, max_size=count).map(
        lambda fields: tuple(sorted(fields.items()))
    )


keys = st.one_of(
    st.sampled_from([CPF, "39053344705", CNPJ, "11444777000161"]),
    st.from_regex(r"\+55[1-9]{2}9[0-9]{8}", fullmatch=True),
    st.from_regex(r"[a-z0-9._+-]{1,12}@[a-z0-9]{1,10}\.[a-z]{2,6}", fullmatch=True),
    st.uuids().map(str),
)
urls = st.from_regex(r"[a-z0-9]{1,12}\.[a-z]{2,3}/[A-Za-z0-9/-]{1,24}", fullmatch=True)
amounts = st.none() | st.integers(1, MAX_AMOUNT_CENTS)
txids = st.just("***") | st.text(alphabet=ALNUM, min_size=1, max_size=25)
postal_codes = st.none() | st.from_regex(r"[0-9]{8}", fullmatch=True)
descriptions = st.none() | words(3, 5)


@DOMAIN
@given(
    key=keys,
    name=words(3, 7),
    city=words(3, 4),
    amount=amounts,
    txid=txids,
    description=descriptions,
    postal_code=postal_codes,
)
def test_build_then_parse_gives_back_the_inputs(
    key: str,
    name: str,
    city: str,
    amount: int | None,
    txid: str,
    description: str | None,
    postal_code: str | None,
) -> None:
    payload = build_brcode(
        key=key,
        merchant_name=name,
        merchant_city=city,
        amount_cents=amount,
        txid=txid,
        description=description,
        postal_code=postal_code,
    )
    code = parse_brcode(payload)
    assert (code.key, code.merchant_name, code.merchant_city) == (key, name, city)
    assert (code.amount_cents, code.txid) == (amount, txid)
    assert (code.description, code.postal_code) == (description, postal_code)
    assert not code.is_dynamic
    assert code.unknown_fields == code.unknown_account_fields == ()
    assert encode_brcode(code) == payload
    assert payload[-8:-4] == "6304"
    assert crc16(payload[:-4]) == payload[-4:]


codes = st.builds(
    BRCode,
    merchant_name=st.text(alphabet=PRINTABLE, min_size=1, max_size=25),
    merchant_city=st.text(alphabet=PRINTABLE, min_size=1, max_size=15),
    key=keys,
    description=descriptions,
    amount_cents=amounts,
    txid=txids,
    postal_code=postal_codes,
    point_of_initiation=st.sampled_from([None, "11", "12"]),
    gui=st.sampled_from(["br.gov.bcb.pix", "BR.GOV.BCB.PIX", "br.GOV.bcb.Pix"]),
    merchant_category_code=st.from_regex(r"[0-9]{4}", fullmatch=True),
    unknown_fields=unknown(
        {"00", "01", "26", "52", "53", "54", "58", "59", "60", "61", "62", "63", "80"}, 3, 30
    ),
    unknown_account_fields=unknown({"00", "01", "02", "25"}, 1, 8),
    unknown_additional_fields=unknown({"05"}, 2, 20),
)
dynamic_codes = codes.flatmap(
    lambda code: urls.map(
        lambda url: BRCode(
            merchant_name=code.merchant_name,
            merchant_city=code.merchant_city,
            url=url,
            txid=code.txid,
            unknown_fields=code.unknown_fields,
        )
    )
)

recurring_codes = st.builds(
    lambda code, url, alone, extra: replace(
        code,
        key=None if alone else code.key,
        recurrence_url=url,
        unknown_recurrence_fields=extra,
    ),
    codes,
    urls,
    st.booleans(),
    unknown({"00", "25"}, 1, 10),
)


@DOMAIN
@given(code=codes | dynamic_codes | recurring_codes)
def test_encode_then_parse_gives_back_the_code_and_the_payload(code: BRCode) -> None:
    payload = encode_brcode(code)
    parsed = parse_brcode(payload)
    assert parsed == code
    assert encode_brcode(parsed) == payload


@DOMAIN
@given(code=codes, data=st.data())
def test_any_single_character_change_is_detected(code: BRCode, data: st.DataObject) -> None:
    payload = encode_brcode(code)
    index = data.draw(st.integers(0, len(payload) - 1))
    char = data.draw(PRINTABLE.filter(lambda c: c != payload[index]))
    changed = payload[:index] + char + payload[index + 1 :]
    if index >= len(payload) - 4 and char.upper() == payload[index]:
        assert parse_brcode(changed) == code  # the CRC's hex letters are read in any case
        return
    with pytest.raises(InvalidBRCode):
        parse_brcode(changed)


@DOMAIN
@given(
    name=st.text(max_size=40),
    city=st.text(max_size=30),
    description=st.none() | st.text(max_size=30),
)
def test_any_text_builds_a_valid_code_or_raises_invalid_brcode(
    name: str, city: str, description: str | None
) -> None:
    try:
        payload = build_brcode(
            key=EVP, merchant_name=name, merchant_city=city, description=description
        )
    except InvalidBRCode as error:
        # NFKD can also expand a character into several ASCII ones ("⑽" → "(10)").
        assert "empty once reduced to ASCII" in error.reason or "field 26 must" in error.reason
        return
    code = parse_brcode(payload)
    assert code.merchant_name == code.merchant_name.strip()
    again = build_brcode(
        key=EVP,
        merchant_name=code.merchant_name,
        merchant_city=code.merchant_city,
        description=code.description,
    )
    assert again == payload  # reducing to ASCII is idempotent


@DOMAIN
@given(text=st.text(max_size=60))
def test_parse_of_any_text_raises_only_invalid_brcode(text: str) -> None:
    with contextlib.suppress(InvalidBRCode):
        parse_brcode(text)


tlv_like = st.text(alphabet="0123456789", max_size=80) | st.lists(
    st.tuples(
        st.sampled_from(["00", "01", "05", "26", "54", "59", "62", "63", "80"]),
        st.text(alphabet=PRINTABLE, max_size=12) | st.just("01"),
    ),
    max_size=10,
).map(lambda fields: tlv(*fields))


@DOMAIN
@given(body=tlv_like, cut=st.integers(0, 3))
def test_parse_of_tlv_like_text_with_a_good_crc_raises_only_invalid_brcode(
    body: str, cut: int
) -> None:
    with contextlib.suppress(InvalidBRCode):
        parse_brcode(with_crc(body[: len(body) - cut]))
