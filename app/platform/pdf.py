"""PDF documents with the Chinese font embedded: the one route every PDF of the app takes (the bureau's exports,
a contract's document).

The font (`PDF_FONT_PATH`) is embedded as a subset, only the glyphs used. One weight of it is embedded, so
headings are set apart by size and fill, not bold.
"""

from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from app.platform.errors import ServiceError


class PdfUnavailable(ServiceError):
    status = 503
    code = "unavailable"


def document():
    """A new A4 PDF with the CJK font set, one page added."""
    from fpdf import FPDF

    path = Path(current_app.config["PDF_FONT_PATH"])
    if not path.is_file():
        current_app.logger.error("PDF font missing at %s; run `make install` to fetch it", path)
        raise PdfUnavailable(_("PDF export is not available: the Chinese font is not installed."))
    pdf = FPDF()
    pdf.add_font("cjk", fname=str(path))
    pdf.set_font("cjk", size=11)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    return pdf


def title(pdf, text: str) -> None:
    pdf.set_font("cjk", size=16)
    pdf.multi_cell(0, 10, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)


def heading(pdf, text: str) -> None:
    pdf.ln(2)
    pdf.set_font("cjk", size=13)
    pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)


def paragraph(pdf, text: str, height: float = 6) -> None:
    pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")


def table(pdf, header: list[str], rows: list[list], widths: list[int]) -> None:
    from fpdf import FontFace

    headings = FontFace(emphasis="", fill_color=(230, 236, 245))
    with pdf.table(col_widths=widths, text_align="LEFT", headings_style=headings) as grid:
        for values in [header, *rows]:
            row = grid.row()
            for value in values:
                row.cell("" if value is None else str(value))
