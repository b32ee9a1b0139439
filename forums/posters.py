"""Printable A4 PDFs: the QR poster for the hall's door and table cards for the tables.

fpdf2 draws them: pure Python (no Cairo or Pango to install, unlike WeasyPrint), maintained,
and it embeds TrueType fonts with their Unicode maps, so Cyrillic text stays text (a reader can
search and copy it; the tests extract it). The font is Roboto from the `font-roboto` package,
installed by pip with the project: `make run` needs no system font. The QR code is drawn as
vector squares from segno's matrix, so it prints sharp at any size.
"""

from __future__ import annotations

import font_roboto
import segno
from django.utils.translation import gettext as _
from fpdf import FPDF

from ideas.models import CaseSession

A4_WIDTH, A4_HEIGHT = 210.0, 297.0  # millimetres


def _document() -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(15, 15, 15)
    pdf.add_font("Roboto", "", font_roboto.Roboto)
    pdf.add_font("Roboto", "B", font_roboto.RobotoBold)
    pdf.set_creator("Veche")
    return pdf


def _qr(pdf: FPDF, url: str, *, x: float, y: float, size: float) -> None:
    """The join link as a QR code of `size` mm, its top-left corner at (x, y); a quiet zone included."""
    code = segno.make(url, error="m")
    matrix = list(code.matrix_iter(scale=1, border=2))
    module = size / len(matrix)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        column = 0
        while column < len(row):
            if row[column]:
                start = column
                while column < len(row) and row[column]:
                    column += 1
                # A hair wider, so adjacent squares print without white seams.
                pdf.rect(x + start * module, y + row_index * module, (column - start) * module + 0.01, module + 0.01, style="F")
            else:
                column += 1


def _short(url: str) -> str:
    return url.split("://", 1)[-1]


def _centred(pdf: FPDF, text: str, *, y: float, size: float, bold: bool = False, width: float | None = None, x: float | None = None, line: float | None = None) -> float:
    """Write `text` centred (wrapping), return the y after it."""
    pdf.set_font("Roboto", "B" if bold else "", size)
    left = pdf.l_margin if x is None else x
    span = (A4_WIDTH - pdf.l_margin - pdf.r_margin) if width is None else width
    pdf.set_xy(left, y)
    pdf.multi_cell(span, line or size * 0.45, text, align="C")
    return pdf.get_y()


def poster(session: CaseSession, join_url: str) -> bytes:
    """One A4 page: the question, the QR, the code and the short address, readable from a few metres."""
    pdf = _document()
    pdf.set_title(session.question)
    pdf.add_page()
    y = 18.0
    if session.forum is not None:
        y = _centred(pdf, session.forum.title, y=y, size=16) + 4
    y = _centred(pdf, session.question, y=y, size=30, bold=True, line=13) + 8
    size = min(150.0, A4_HEIGHT - y - 70)
    _qr(pdf, join_url, x=(A4_WIDTH - size) / 2, y=y, size=size)
    y += size + 6
    y = _centred(pdf, _("Scan the code with your phone's camera, or open the address and enter the code:"), y=y, size=14) + 4
    y = _centred(pdf, _short(join_url), y=y, size=18, bold=True) + 4
    _centred(pdf, _("Code: %(code)s") % {"code": session.join_code}, y=y, size=36, bold=True, line=15)
    return bytes(pdf.output())


def table_cards(session: CaseSession, join_url: str, *, cards: int = 4) -> bytes:
    """Four cards on an A4 sheet (cut along the lines): the question, the QR, the code, the address."""
    pdf = _document()
    pdf.set_title(session.question)
    pdf.add_page()
    card_width, card_height = A4_WIDTH / 2, A4_HEIGHT / 2
    pdf.set_draw_color(170, 170, 170)
    pdf.set_line_width(0.2)
    pdf.dashed_line(A4_WIDTH / 2, 0, A4_WIDTH / 2, A4_HEIGHT, 2, 2)
    pdf.dashed_line(0, A4_HEIGHT / 2, A4_WIDTH, A4_HEIGHT / 2, 2, 2)
    for index in range(cards):
        left = (index % 2) * card_width
        top = (index // 2) * card_height
        inner = card_width - 16
        y = _centred(pdf, session.question, y=top + 10, size=13, bold=True, width=inner, x=left + 8, line=6) + 3
        size = min(80.0, top + card_height - y - 32)
        _qr(pdf, join_url, x=left + (card_width - size) / 2, y=y, size=size)
        y += size + 3
        y = _centred(pdf, _("Code: %(code)s") % {"code": session.join_code}, y=y, size=20, bold=True, width=inner, x=left + 8, line=9)
        _centred(pdf, _short(join_url), y=y + 1, size=10, width=inner, x=left + 8, line=5)
    return bytes(pdf.output())

