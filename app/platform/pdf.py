"""PDF documents with Chinese text: the CJK font embedded (a subset: only the glyphs used), a title and tables.

Every PDF the app writes starts here, so a missing font is one clear 503 in the user's language rather than a
document of empty boxes.
"""

from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _

from app.platform.errors import ServiceError


class PdfUnavailable(ServiceError):
    status = 503
    code = "unavailable"


def document() -> Any:
    """A one-page A4 document set in the configured CJK font (PDF_FONT_PATH)."""
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


def labelled(label: str, value: object) -> str:
    """ "等级：优秀" in Chinese (a full-width colon, no space), "Grade: Excellent" in English."""
    colon = ": " if str(get_locale()).startswith("en") else "："
    return f"{label}{colon}{value}"


def title(pdf: Any, text: str) -> None:
    pdf.set_font("cjk", size=16)
    pdf.multi_cell(0, 10, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)


def line(pdf: Any, text: str, height: float = 7) -> None:
    pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")


def table(pdf: Any, header: list[str] | None, rows: list[list], widths: list[int]) -> None:
    """A table; the header row (if any) set apart by a fill, since one weight of the font is embedded."""
    from fpdf import FontFace

    headings = FontFace(emphasis="", fill_color=(230, 236, 245))
    with pdf.table(
        col_widths=widths,
        text_align="LEFT",
        headings_style=headings,
        first_row_as_headings=header is not None,
    ) as grid:
        for values in [header, *rows] if header is not None else rows:
            row = grid.row()
            for value in values:
                row.cell("" if value is None else str(value))


def heading(pdf: Any, text: str) -> None:
    """A section heading: larger type and a little space above (one weight of the font: no bold)."""
    pdf.ln(2)
    pdf.set_font("cjk", size=13)
    pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)


def paragraph(pdf: Any, text: str, height: float = 6) -> None:
    pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")
