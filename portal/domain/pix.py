"""Pix BR Code (EMV QRCPS-MPM as profiled by the Banco Central): encode and parse.

A BR Code is a string of TLV fields: a 2-digit ID, a 2-digit length (01-99) and the value.
Templates (26 merchant account, 62 additional data) hold TLV subfields the same way. The code
ends with ``6304`` and the CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF) of everything
before it *including* ``6304``, as 4 zero-padded hex digits: written in uppercase, read in either
case (some PSPs issue lowercase). Whitespace around a pasted code is ignored when parsing.

Rules, enforced when parsing and when building (sources and choices in docs/pix.md):

* 00 = ``01`` first; 01 absent, ``11`` or ``12``; 63 last; no ID twice in the same template;
* 26 holds the GUI ``br.gov.bcb.pix`` (compared case-insensitively, kept as written) and
  exactly one of 01 key (static code) or 25 URL without scheme (dynamic code), plus an
  optional 02 description; with a Pix Automático recurrence (80) it may hold the GUI alone;
* 80 (Pix Automático, optional) holds the GUI and 25, the recurrence's URL without scheme;
* 52 MCC 4 digits; 53 = ``986``; 58 = ``BR``; 54 amount like ``130.00`` or ``0.01`` (two
  decimals, no leading zero, more than zero, at most 13 characters); 59 merchant name 1-25
  characters; 60 city 1-15; 61 postal code 8 digits;
* 62 holds 05 txid: ``***`` (none) or 1-25 characters ``[A-Za-z0-9]``;
* printable ASCII only (0x20-0x7E), so lengths in characters are lengths in bytes;
* IDs we do not interpret (top level, inside 26, 62 and 80) are kept and written back.
  The encoder writes IDs in ascending order, as the BCB manual and real codes do, so encoding a
  parsed code gives back the very same string whenever its IDs were in that order.
"""

from __future__ import annotations

import binascii
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from portal.domain.documents import InvalidDocument, normalise_cnpj, normalise_cpf

PIX_GUI = "br.gov.bcb.pix"
NAME_MAX = 25
CITY_MAX = 15
TXID_NONE = "***"
MAX_AMOUNT_CENTS = 999_999_999_999
"""``9999999999.99``: field 54 holds at most 13 characters."""

_CRC_FIELD = "6304"
_PRINTABLE = re.compile(r"[ -~]+")
_HEADER = re.compile(r"[0-9]{4}")
_TAG = re.compile(r"[0-9]{2}")
_MCC = _HEADER
_POSTAL_CODE = re.compile(r"[0-9]{8}")
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
_AMOUNT = re.compile(r"(0|[1-9][0-9]{0,9})\.([0-9]{2})")
_TXID = re.compile(r"\*\*\*|[A-Za-z0-9]{1,25}")
_CEP = re.compile(r"([0-9]{5})-?([0-9]{3})")
_DOCUMENT = re.compile(r"[0-9]{11}|[0-9]{14}")
_EVP = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_PHONE = re.compile(r"\+55[1-9]{2}9[0-9]{8}")
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_EMAIL = re.compile(rf"[a-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_LABEL}(?:\.{_LABEL})+")
_KNOWN = {
    "the code": frozenset(
        {"00", "01", "26", "52", "53", "54", "58", "59", "60", "61", "62", "63", "80"}
    ),
    "field 26": frozenset({"00", "01", "02", "25"}),
    "field 62": frozenset({"05"}),
    "field 80": frozenset({"00", "25"}),
}

Fields = tuple[tuple[str, str], ...]
"""Fields kept as read: ``(ID, value)`` pairs in their original order."""


class InvalidBRCode(ValueError):
    """A BR Code, or the data to build one, breaks a rule; ``reason`` says which (English)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PixKeyType(StrEnum):
    CPF = "cpf"
    CNPJ = "cnpj"
    PHONE = "phone"
    EMAIL = "email"
    EVP = "evp"


def pix_key_type(key: str) -> PixKeyType:
    """The type of a Pix key as written in a BR Code, or :class:`InvalidBRCode`.

    CPF (11 digits) and CNPJ (14 digits) with valid check digits; phone ``+55`` + area code +
    9-digit mobile number; e-mail in lowercase; EVP (random key): lowercase UUID with dashes.
    """
    if _DOCUMENT.fullmatch(key):
        try:
            (normalise_cpf if len(key) == 11 else normalise_cnpj)(key)
        except InvalidDocument:
            raise InvalidBRCode("the CPF/CNPJ Pix key has wrong check digits") from None
        return PixKeyType.CPF if len(key) == 11 else PixKeyType.CNPJ
    for kind, pattern in ((PixKeyType.PHONE, _PHONE), (PixKeyType.EVP, _EVP)):
        if pattern.fullmatch(key):
            return kind
    if _EMAIL.fullmatch(key):
        return PixKeyType.EMAIL
    raise InvalidBRCode("the Pix key is not a CPF, CNPJ, +55 mobile, lowercase e-mail or EVP")


def _require(ok: bool, reason: str) -> None:
    if not ok:
        raise InvalidBRCode(reason)


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE of ASCII ``data``, 4 uppercase hex digits (``"123456789"`` → 29B1)."""
    return f"{binascii.crc_hqx(data.encode('ascii'), 0xFFFF):04X}"


@dataclass(frozen=True, slots=True, kw_only=True)
class BRCode:
    """A valid Pix BR Code, field by field; construction checks every rule of the module.

    ``amount_cents`` is field 54 in centavos (``None``: the payer types the amount);
    ``recurrence_url`` is 80-25, the Pix Automático recurrence (``None``: no field 80);
    ``unknown_*`` hold the fields this module does not interpret, at the top level and inside
    templates 26, 62 and 80, so they survive a parse and encode.
    """

    merchant_name: str
    merchant_city: str
    key: str | None = None
    url: str | None = None
    description: str | None = None
    amount_cents: int | None = None
    txid: str = TXID_NONE
    postal_code: str | None = None
    point_of_initiation: str | None = None
    gui: str = PIX_GUI
    merchant_category_code: str = "0000"
    currency: str = "986"
    country_code: str = "BR"
    payload_format_indicator: str = "01"
    recurrence_url: str | None = None
    recurrence_gui: str = PIX_GUI
    unknown_fields: Fields = ()
    unknown_account_fields: Fields = ()
    unknown_additional_fields: Fields = ()
    unknown_recurrence_fields: Fields = ()

    def __post_init__(self) -> None:
        amount = self.amount_cents
        mcc, postal_code = self.merchant_category_code, self.postal_code
        _require(self.payload_format_indicator == "01", "field 00 must be '01'")
        _require(self.point_of_initiation in (None, "11", "12"), "field 01 must be '11' or '12'")
        _require(self.gui.lower() == PIX_GUI, f"field 26 must carry the GUI {PIX_GUI!r}")
        recurring = self.recurrence_url is not None
        _require(
            (self.key is None) != (self.url is None)
            or (recurring and self.key is None and self.url is None),
            "field 26 needs a key or a URL, not both (the GUI alone only with field 80)",
        )
        for url in (self.url, self.recurrence_url):
            _require(not (url or "").lower().startswith(("http:", "https:")), "URL with a scheme")
        _require(self.recurrence_gui.lower() == PIX_GUI, f"field 80 must carry the GUI {PIX_GUI!r}")
        _require(
            recurring or not self.unknown_recurrence_fields,
            "fields of 80 need its recurrence URL (80-25)",
        )
        _require(bool(_MCC.fullmatch(mcc)), "the merchant category code (52) must be 4 digits")
        _require(self.currency == "986", "the currency (53) must be '986' (BRL)")
        _require(self.country_code == "BR", "the country code (58) must be 'BR'")
        _require(
            amount is None or (type(amount) is int and 0 < amount <= MAX_AMOUNT_CENTS),
            f"the amount must be 1 to {MAX_AMOUNT_CENTS} centavos",
        )
        _require(0 < len(self.merchant_name) <= NAME_MAX, "the name (59) must have 1-25 characters")
        _require(0 < len(self.merchant_city) <= CITY_MAX, "the city (60) must have 1-15 characters")
        _require(
            postal_code is None or bool(_POSTAL_CODE.fullmatch(postal_code)),
            "the postal code (61) must be 8 digits",
        )
        _require(bool(_TXID.fullmatch(self.txid)), "the txid must be '***' or 1-25 letters/digits")
        if self.key is not None:
            pix_key_type(self.key)
        for where, fields in (
            ("the code", self.unknown_fields),
            ("field 26", self.unknown_account_fields),
            ("field 62", self.unknown_additional_fields),
            ("field 80", self.unknown_recurrence_fields),
        ):
            tags = [tag for tag, _ in fields]
            if len(set(tags)) < len(tags) or any(
                not _TAG.fullmatch(tag) or tag in _KNOWN[where] for tag in tags
            ):
                raise InvalidBRCode(f"unknown fields of {where} need distinct, unused 2-digit IDs")
        if not _PRINTABLE.fullmatch(_body(self)):
            raise InvalidBRCode("a BR Code holds printable ASCII characters only")

    @property
    def is_dynamic(self) -> bool:
        """True for a dynamic code (26-25 URL to fetch the charge), False for a static one."""
        return self.url is not None

    @property
    def is_recurring(self) -> bool:
        """True for a Pix Automático code (field 80: a recurrence to authorise)."""
        return self.recurrence_url is not None


def _tlv(fields: Iterable[tuple[str, str | None]]) -> str:
    """Write the fields that have a value, in ascending ID order."""
    parts = []
    for tag, value in sorted((tag, value) for tag, value in fields if value is not None):
        if not 0 < len(value) <= 99:
            raise InvalidBRCode(f"field {tag} must have 1-99 characters, not {len(value)}")
        parts.append(f"{tag}{len(value):02d}{value}")
    return "".join(parts)


def _amount_text(cents: int | None) -> str | None:
    return None if cents is None else f"{cents // 100}.{cents % 100:02d}"


def _body(code: BRCode) -> str:
    """Everything but the CRC field."""
    account = [("00", code.gui), ("01", code.key), ("02", code.description), ("25", code.url)]
    top: list[tuple[str, str | None]] = [
        ("00", code.payload_format_indicator),
        ("01", code.point_of_initiation),
        ("26", _tlv([*account, *code.unknown_account_fields])),
        ("52", code.merchant_category_code),
        ("53", code.currency),
        ("54", _amount_text(code.amount_cents)),
        ("58", code.country_code),
        ("59", code.merchant_name),
        ("60", code.merchant_city),
        ("61", code.postal_code),
        ("62", _tlv([("05", code.txid), *code.unknown_additional_fields])),
        ("80", _recurrence(code)),
    ]
    return _tlv([*top, *code.unknown_fields])


def _recurrence(code: BRCode) -> str | None:
    if code.recurrence_url is None:
        return None
    fields = [("00", code.recurrence_gui), ("25", code.recurrence_url)]
    return _tlv([*fields, *code.unknown_recurrence_fields])


def encode_brcode(code: BRCode) -> str:
    """The payload ("copia e cola") of ``code``, CRC included."""
    body = _body(code) + _CRC_FIELD
    return body + crc16(body)


def _ascii(text: str, what: str, limit: int | None = None) -> str:
    """Accents removed (NFKD), other non-ASCII dropped, spaces collapsed, cut to ``limit``."""
    kept = (
        " " if char.isspace() else char
        for char in unicodedata.normalize("NFKD", text)
        if not unicodedata.combining(char)
    )
    words = "".join(char for char in kept if " " <= char <= "~").split()
    result = " ".join(words)[:limit].rstrip()
    if not result:
        raise InvalidBRCode(f"the {what} is empty once reduced to ASCII")
    return result


def build_brcode(
    *,
    key: str,
    merchant_name: str,
    merchant_city: str,
    amount_cents: int | None = None,
    txid: str = TXID_NONE,
    description: str | None = None,
    postal_code: str | None = None,
) -> str:
    """A static BR Code for a Pix key.

    Name, city and description are reduced to ASCII (``São João`` → ``Sao Joao``, case kept);
    the name is then cut to 25 and the city to 15 characters (legal names are often longer, and
    real codes carry them cut). The description is never cut: one too long for field 26 raises.
    ``postal_code`` may be written ``01310-100``. Field 01 is left out, as in the BCB example.
    """
    cep = None if postal_code is None else _CEP.fullmatch(postal_code)
    if postal_code is not None and cep is None:
        raise InvalidBRCode("the postal code must be 8 digits (a dash after the fifth is allowed)")
    code = BRCode(
        key=key,
        merchant_name=_ascii(merchant_name, "merchant name", NAME_MAX),
        merchant_city=_ascii(merchant_city, "merchant city", CITY_MAX),
        description=None if description is None else _ascii(description, "description"),
        amount_cents=amount_cents,
        txid=txid,
        postal_code=None if cep is None else cep[1] + cep[2],
    )
    return encode_brcode(code)


def _split(text: str, where: str) -> dict[str, str]:
    """TLV fields of ``text`` in order; a bad header, an overrun or a repeated ID raises."""
    fields: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        header = text[pos : pos + 4]
        if not _HEADER.fullmatch(header):
            raise InvalidBRCode(f"{where}: no 2-digit ID and length at {pos} ({header!r})")
        tag, size = header[:2], int(header[2:])
        value = text[pos + 4 : pos + 4 + size]
        if size == 0 or len(value) < size:
            raise InvalidBRCode(
                f"{where}: field {tag} declares {size} characters, {len(value)} left"
            )
        if tag in fields:
            raise InvalidBRCode(f"{where}: field {tag} appears twice")
        fields[tag] = value
        pos += 4 + size
    return fields


def _take(fields: dict[str, str], tag: str, what: str) -> str:
    if tag not in fields:
        raise InvalidBRCode(f"missing {what}")
    return fields.pop(tag)


def _parse_amount(text: str | None) -> int | None:
    if text is None:
        return None
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise InvalidBRCode(f"the amount (54) must look like '130.00', not {text!r}")
    return int(match[1]) * 100 + int(match[2])


def _read_recurrence(top: dict[str, str]) -> tuple[str, str | None, Fields]:
    """GUI, URL and unknown fields of field 80 (Pix Automático), or the defaults without it."""
    if "80" not in top:
        return PIX_GUI, None, ()
    fields = _split(top.pop("80"), "field 80")
    gui = _take(fields, "00", "field 80-00 (GUI)")
    return gui, _take(fields, "25", "field 80-25 (recurrence URL)"), tuple(fields.items())


def parse_brcode(payload: str) -> BRCode:
    """Check and read a BR Code; any broken rule raises :class:`InvalidBRCode` with the reason.

    Whitespace around the code (a pasted line break, spaces) is ignored; inside, it counts.
    The CRC is read in uppercase or lowercase hex.
    """
    payload = payload.strip()
    if not _PRINTABLE.fullmatch(payload):
        raise InvalidBRCode("a BR Code is a non-empty string of printable ASCII characters")
    body, crc = payload[:-4], payload[-4:]
    if not body.endswith(_CRC_FIELD):
        raise InvalidBRCode("the code must end with the CRC field: '6304' and 4 hex digits")
    if not _HEX4.fullmatch(crc):
        raise InvalidBRCode(f"the CRC must be 4 hex digits, not {crc!r}")
    if crc.upper() != crc16(body):
        raise InvalidBRCode(f"wrong CRC: the code says {crc}, its content gives {crc16(body)}")
    top = _split(body[: -len(_CRC_FIELD)], "the code")
    if next(iter(top), None) != "00":
        raise InvalidBRCode("the code must start with field 00 (payload format indicator)")
    if "63" in top:
        raise InvalidBRCode("field 63 (CRC) must be the last field")
    account = _split(_take(top, "26", "field 26 (merchant account information)"), "field 26")
    additional = _split(_take(top, "62", "field 62 (additional data)"), "field 62")
    recurrence_gui, recurrence_url, unknown_recurrence = _read_recurrence(top)
    return BRCode(
        payload_format_indicator=top.pop("00"),
        point_of_initiation=top.pop("01", None),
        gui=_take(account, "00", "field 26-00 (GUI)"),
        key=account.pop("01", None),
        description=account.pop("02", None),
        url=account.pop("25", None),
        merchant_category_code=_take(top, "52", "field 52 (merchant category code)"),
        currency=_take(top, "53", "field 53 (currency)"),
        amount_cents=_parse_amount(top.pop("54", None)),
        country_code=_take(top, "58", "field 58 (country code)"),
        merchant_name=_take(top, "59", "field 59 (merchant name)"),
        merchant_city=_take(top, "60", "field 60 (merchant city)"),
        postal_code=top.pop("61", None),
        txid=_take(additional, "05", "field 62-05 (txid)"),
        unknown_fields=tuple(top.items()),
        unknown_account_fields=tuple(account.items()),
        unknown_additional_fields=tuple(additional.items()),
        recurrence_gui=recurrence_gui,
        recurrence_url=recurrence_url,
        unknown_recurrence_fields=unknown_recurrence,
    )
