"""QR codes of provisioning URIs, as a PNG data URI and as SVG markup."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.constants
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathImage

BOX_SIZE = 8
"""Pixels per module of the PNG."""
BORDER = 4
"""Quiet zone around the code, in modules (the standard's minimum)."""


def _qr(data: str) -> qrcode.QRCode:
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=BOX_SIZE, border=BORDER
    )
    code.add_data(data)
    code.make(fit=True)
    return code


def png_data_uri(data: str) -> str:
    """Return ``data`` as a QR code in a ``data:image/png;base64,...`` URI."""
    buffer = io.BytesIO()
    _qr(data).make_image(image_factory=PilImage).save(buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def svg_markup(data: str) -> str:
    """Return ``data`` as a QR code in standalone ``<svg>…</svg>`` markup."""
    image = _qr(data).make_image(image_factory=SvgPathImage)
    markup: str = image.to_string(encoding="unicode")
    return markup[markup.index("<svg") :]
