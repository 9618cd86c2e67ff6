"""portal/core/pix_qr.py: the rendered QR codes scan back to the very same BR Code."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from io import BytesIO

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from portal.core.pix_qr import qr_png, qr_svg
from portal.domain.pix import build_brcode

SVG = "{http://www.w3.org/2000/svg}"
STATIC = (
    "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR"
    "5913Fulano de Tal6008BRASILIA62070503***63041D3D"
)
DYNAMIC = (
    "00020101021226770014BR.GOV.BCB.PIX2555pix.example.com/qr/93598be0-1bd0-4997-8318-81776a1d8a99"
    "5204000053039865802BR5907EMPRESA6009SAO PAULO62070503***6304EEAB"
)
LEADING_ZERO_CRC = (
    "00020101021126520014br.gov.bcb.pix0114112223330001810212Parcela 1/1252040000530398654040.01"
    "5802BR5925RECUPERADORA DE CREDITOS 6013FLORIANOPOLIS62070503***63040BF7"
)
SANDBOX = build_brcode(
    key="cobranca@example.com.br",
    merchant_name="Recuperadora de Créditos Exemplo S.A.",
    merchant_city="São Paulo",
    amount_cents=1_234_567,
    txid="ACORDO123P01",
    description="Parcela 1/12 do acordo 123",
    postal_code="01310-100",
)
PAYLOADS = [STATIC, DYNAMIC, LEADING_ZERO_CRC, SANDBOX]
MODULE = re.compile(r"M(\d+),(\d+)H(\d+)V(\d+)H(\d+)z")


def decoded_texts(image: Image.Image) -> list[str]:
    return [
        barcode.text
        for barcode in zxingcpp.read_barcodes(image)
        if barcode.format == zxingcpp.BarcodeFormat.QRCode
    ]


def parse_svg(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 (our own output, not untrusted input)


def rasterise(markup: str, scale: int = 8) -> Image.Image:
    """Draw the SVG's white background and its module squares (``Mx,yH..V..H..z``)."""
    root = parse_svg(markup)
    _, _, width, height = (int(value) for value in root.attrib["viewBox"].split())
    image = Image.new("L", (width * scale, height * scale), 255)
    draw = ImageDraw.Draw(image)
    path = root.find(f"{SVG}path")
    assert path is not None
    squares = MODULE.findall(path.attrib["d"])
    assert "".join(f"M{x},{y}H{r}V{b}H{x2}z" for x, y, r, b, x2 in squares) == path.attrib["d"]
    for x, y, right, bottom, _ in squares:
        box = (int(x) * scale, int(y) * scale, int(right) * scale - 1, int(bottom) * scale - 1)
        draw.rectangle(box, fill=0)
    return image


@pytest.mark.parametrize("payload", PAYLOADS)
def test_png_decodes_to_the_payload(payload: str) -> None:
    png = qr_png(payload)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(BytesIO(png)) as image:
        image.load()
        assert decoded_texts(image) == [payload]


def test_png_has_a_white_quiet_zone_of_four_modules() -> None:
    with Image.open(BytesIO(qr_png(STATIC))) as image:
        gray = image.convert("L")
    margin = 4 * 10
    width, height = gray.size
    assert width == height
    for box in (
        (0, 0, width, margin),
        (0, height - margin, width, height),
        (0, 0, margin, height),
        (width - margin, 0, width, height),
    ):
        assert gray.crop(box).getextrema() == (255, 255)
    assert gray.crop((margin, margin, margin + 10, margin + 10)).getextrema() == (0, 0)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_svg_drawn_as_is_decodes_to_the_payload(payload: str) -> None:
    assert decoded_texts(rasterise(qr_svg(payload))) == [payload]


def test_svg_is_clean_inline_markup() -> None:
    markup = qr_svg(SANDBOX)
    assert markup.startswith("<svg ")
    assert markup.endswith("</svg>")
    assert "<?xml" not in markup
    root = parse_svg(markup)
    assert root.tag == f"{SVG}svg"
    assert re.fullmatch(r"0 0 (\d+) \1", root.attrib["viewBox"])
    children = list(root)
    assert [child.tag for child in children] == [f"{SVG}rect", f"{SVG}path"]
    assert children[0].attrib["fill"] == "white"
    assert children[1].attrib["fill"] == "#000000"
    for element in root.iter():
        assert "style" not in element.attrib
        assert "id" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)
        assert "script" not in element.tag
        assert "href" not in "".join(element.attrib)


def test_svg_keeps_a_quiet_zone_of_four_modules() -> None:
    root = parse_svg(qr_svg(STATIC))
    size = int(root.attrib["viewBox"].split()[2])
    path = root.find(f"{SVG}path")
    assert path is not None
    coordinates = [int(value) for square in MODULE.findall(path.attrib["d"]) for value in square]
    assert min(coordinates) == 4
    assert max(coordinates) == size - 4


def test_two_codes_on_one_page_do_not_clash() -> None:
    assert 'id="' not in qr_svg(STATIC) + qr_svg(DYNAMIC)


def test_empty_payload_is_refused() -> None:
    with pytest.raises(ValueError, match="empty QR payload"):
        qr_svg("")
    with pytest.raises(ValueError, match="empty QR payload"):
        qr_png("")
