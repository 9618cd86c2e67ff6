"""Pix QR images: a BR Code payload as inline SVG (pages) or PNG (e-mails, PDFs).

Presentation only: the payload comes from :mod:`portal.domain.pix` (``build_brcode``) or from
the payment provider, and is drawn as given. Error correction level M (about 15 % of the
symbol can be lost), as payment apps expect, and the 4-module quiet zone the QR standard asks
for, drawn white so the code scans on any page background.

The SVG is meant to be inlined in a template (which adds ``role="img"`` and an
``aria-label``): no XML declaration, no ``style`` attribute (the CSP forbids inline styles;
colours are ``fill`` attributes), no ``id`` (two codes on a page must not clash). Its
``width``/``height`` are in millimetres (1 mm per module) and CSS may override them; the
``viewBox`` keeps it sharp at any size.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathFillImage

QUIET_ZONE_MODULES = 4
PNG_MODULE_PIXELS = 10


def _qr(payload: str, box_size: int) -> qrcode.QRCode[Any]:
    if not payload:
        raise ValueError("empty QR payload")
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECT_M, box_size=box_size, border=QUIET_ZONE_MODULES
    )
    code.add_data(payload)
    code.make(fit=True)
    return code


def qr_svg(payload: str) -> str:
    """The QR code of ``payload`` as one ``<svg>`` element: a white ``<rect>`` and a ``<path>``."""
    image = _qr(payload, box_size=10).make_image(image_factory=SvgPathFillImage)
    root = image.get_image()
    for element in root.iter():
        element.attrib.pop("id", None)
    root.set("shape-rendering", "crispEdges")  # no hairlines between adjacent modules
    return image.to_string(encoding="unicode")


def qr_png(payload: str) -> bytes:
    """The QR code of ``payload`` as a black-on-white PNG, 10 pixels per module."""
    image = _qr(payload, box_size=PNG_MODULE_PIXELS).make_image(image_factory=PilImage)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
