"""Reading the text of the PDFs the app writes (contracts, registration forms), as a reader would see it."""

import io
import re

from pypdf import PdfReader
from pypdf.generic import NameObject


def pdf_text(data: bytes) -> str:
    """The PDF's text without white space. fpdf2 embeds the font's encoding as a CMap stream with two-byte codes,
    which pypdf reads one byte at a time once more than 255 glyphs are used (a long Chinese text); the codes are
    Identity-H in fact, so the font is told so before extracting (the ToUnicode map stays the PDF's own)."""
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font.get_object()[NameObject("/Encoding")] = NameObject("/Identity-H")
    raw = "\n".join(page.extract_text() for page in reader.pages).replace("\x00", "")
    return re.sub(r"\s+", "", raw)
