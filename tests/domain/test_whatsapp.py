"""The WhatsApp template map: names a régua step uses → Twilio Content SIDs."""

from __future__ import annotations

import pytest

from portal.domain.whatsapp import is_content_sid, parse_template_map

SID = "HX" + "0123456789abcdef" * 2


def test_pairs_with_spaces_and_empty_entries() -> None:
    assert parse_template_map("") == {}
    assert parse_template_map(f" lembrete = {SID} ,, oferta_2={SID.upper()} ,") == {
        "lembrete": SID,
        "oferta_2": SID.upper(),
    }


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("lembrete", "got 'lembrete'"),
        (f"Lembrete={SID}", "got 'Lembrete="),
        ("lembrete=HX12", "got 'lembrete=HX12'"),
        (f"lembrete=MG{SID[2:]}", "got 'lembrete=MG"),
        (f"a={SID},a={SID}", "names 'a' twice"),
    ],
)
def test_bad_entries_are_named(raw: str, says: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_template_map(raw)
    assert says in str(refused.value) and "\n" not in str(refused.value)


def test_is_content_sid() -> None:
    assert is_content_sid(SID)
    assert not is_content_sid("lembrete_pendencia")
    assert not is_content_sid(SID + "0")
