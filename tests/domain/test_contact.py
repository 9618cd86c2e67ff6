"""A company's published support channels: phones in three shapes, WhatsApp, e-mail, hours."""

from __future__ import annotations

import pytest

from portal.domain.contact import (
    ContactInvalid,
    SupportChannels,
    format_phone,
    normalise_hours,
    normalise_support_email,
    normalise_support_phone,
    normalise_whatsapp,
    support_channels,
    tel_uri,
    whatsapp_uri,
)


@pytest.mark.parametrize(
    ("raw", "stored", "shown"),
    [
        ("(11) 3000-0000", "+551130000000", "(11) 3000-0000"),
        ("11 98765-4321", "+5511987654321", "(11) 98765-4321"),
        ("+55 41 98765-4321", "+5541987654321", "(41) 98765-4321"),
        ("0800 727 0000", "08007270000", "0800 727 0000"),
        ("0300-123-4567", "03001234567", "0300 123 4567"),
        ("4004-0001", "40040001", "4004-0001"),
    ],
)
def test_phones_are_stored_in_one_form_and_shown_as_people_write_them(
    raw: str, stored: str, shown: str
) -> None:
    assert normalise_support_phone(raw) == stored
    assert format_phone(stored) == shown
    assert tel_uri(stored) == f"tel:{stored}"


@pytest.mark.parametrize("raw", ["123", "(11) 3000", "+1 212 555 0100", "0800 12", "5004-0001"])
def test_bad_phones_are_refused(raw: str) -> None:
    with pytest.raises(ContactInvalid) as refused:
        normalise_support_phone(raw)
    assert refused.value.field == "phone"


def test_format_phone_leaves_unknown_shapes_alone() -> None:
    assert format_phone("ramal 12") == "ramal 12"


def test_whatsapp_needs_a_mobile() -> None:
    assert normalise_whatsapp("(11) 98765-4321") == "+5511987654321"
    assert whatsapp_uri("+5511987654321") == "https://wa.me/5511987654321"
    for raw in ("(11) 3000-0000", "0800 727 0000", "abc"):
        with pytest.raises(ContactInvalid) as refused:
            normalise_whatsapp(raw)
        assert refused.value.field == "whatsapp"


def test_email_and_hours() -> None:
    assert normalise_support_email(" Atendimento@Credora.example ") == "atendimento@credora.example"
    for raw in ("sem-arroba", "a@b", "a b@c.com", "x" * 250 + "@a.com"):
        with pytest.raises(ContactInvalid):
            normalise_support_email(raw)
    assert normalise_hours("  Seg. a sex.,\n 8h às 20h ") == "Seg. a sex., 8h às 20h"
    with pytest.raises(ContactInvalid) as refused:
        normalise_hours("x" * 121)
    assert refused.value.field == "hours"


def test_support_channels_from_a_form() -> None:
    channels, invalid = support_channels(
        phone="0800 727 0000", whatsapp="", email="sac@credora.example", hours="8h às 20h"
    )
    assert invalid == ()
    assert channels == SupportChannels("08007270000", None, "sac@credora.example", "8h às 20h")
    assert channels is not None and channels.any
    none, invalid = support_channels(phone="1", whatsapp="(11) 3000-0000", email="x", hours="")
    assert none is None and invalid == ("phone", "whatsapp", "email")
    blank, invalid = support_channels(phone="", whatsapp=" ", email="", hours="")
    assert invalid == () and blank == SupportChannels(None, None, None, None)
    assert blank is not None and not blank.any
    alone, invalid = support_channels(phone="", whatsapp="", email="", hours="8h às 18h")
    assert alone is None and invalid == ("hours_alone",)
