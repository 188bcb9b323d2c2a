"""The printable link-code card: the code in big letters and a QR code that opens the bot with it.

The QR code is drawn as SVG from the qrcode library's module matrix (no image files, no Pillow):
one path of unit squares, with a title and description for screen readers.
"""

from __future__ import annotations

from urllib.parse import quote

import qrcode
from markupsafe import Markup, escape

QUIET_ZONE = 4  # modules of white border the QR standard asks for


def bot_link(bot_username: str, code: str) -> str:
    """https://t.me/<bot>?start=<code>: Telegram opens the bot and sends /start <code>."""
    plain = code.replace("-", "")
    return f"https://t.me/{quote(bot_username.lstrip('@'), safe='_')}?start={quote(plain, safe='')}"


def qr_svg(data: str, *, title: str, description: str) -> Markup:
    code = qrcode.QRCode(border=QUIET_ZONE, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()  # includes the quiet zone
    size = len(matrix)
    squares = "".join(
        f"M{x} {y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark
    )
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" class="console-qr" '
        f'role="img" aria-labelledby="qr-title qr-desc" shape-rendering="crispEdges">'
        f'<title id="qr-title">{escape(title)}</title><desc id="qr-desc">{escape(description)}</desc>'
        f'<rect width="{size}" height="{size}" fill="#ffffff"/>'
        f'<path d="{squares}" fill="#0b0c0c"/></svg>'
    )
