"""Exports of the bureau's figures and records: indicators as CSV and XLSX, an annual evaluation report and the
centers' registry as PDF. Each export is drawn from the same service functions as the API, so every format
carries the same figures."""

import io

from flask_babel import gettext as _
from openpyxl import Workbook

from app.oversight.labels import CENTER_STATUSES, GRADES, INDICATORS, MEASURES, REPORT_SECTIONS
from app.oversight.services.indicators import Scope
from app.platform.pdf import document as _pdf
from app.platform.pdf import labelled as _labelled
from app.platform.pdf import table as _table
from app.platform.pdf import title as _title
from app.platform.spreadsheets import csv_text, safe_row
from app.platform.taxonomy import industry_name
from app.web.labels import CENTER_LEVELS, label
from models import Center

MEASURE_ORDER = ("count", "amount", "people")


def indicator_rows(result: dict) -> list[list]:
    """One row per indicator: its name, then count, amount and people (empty where it has none)."""
    return [
        [str(INDICATORS[name]), *(figure.get(m, "") for m in MEASURE_ORDER)]
        for name, figure in result["indicators"].items()
    ]


def _header() -> list[str]:
    return [_("Indicator"), *(str(MEASURES[m]) for m in MEASURE_ORDER)]


def _scope_line(result: dict, center_name: str | None) -> list[str]:
    return [
        _("Year"),
        str(result["year"]),
        _("Center"),
        center_name or _("All centers"),
        _("Industry"),
        industry_name(result["industry"]) if result["industry"] else _("All industries"),
    ]


def indicators_csv(result: dict, *, center_name: str | None = None) -> str:
    """CSV with a byte-order mark, so spreadsheet programs open the Chinese text as UTF-8."""
    return csv_text([_scope_line(result, center_name), _header(), *indicator_rows(result)])


def indicators_xlsx(result: dict, *, center_name: str | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(result["year"])
    for row in (_scope_line(result, center_name), _header(), *indicator_rows(result)):
        sheet.append(safe_row(row))
    sheet.column_dimensions["A"].width = 28
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- PDF ----------------------------------------------------------------------------------------------------


def evaluation_pdf(view, result: dict) -> bytes:
    """One center's annual evaluation report: grade, the computed indicators and the report sections."""
    pdf = _pdf()
    _title(pdf, _("Annual evaluation %(year)s", year=view.round.year) + " · " + view.center.name)
    grade = label(GRADES, view.evaluation.grade) if view.evaluation.grade else _("Not graded yet")
    pdf.multi_cell(0, 7, _labelled(_("Grade"), grade), new_x="LMARGIN", new_y="NEXT")
    if view.evaluation.remarks:
        pdf.multi_cell(0, 7, _labelled(_("Remarks"), view.evaluation.remarks), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.multi_cell(0, 8, _("Indicators of the year"), new_x="LMARGIN", new_y="NEXT")
    _table(pdf, _header(), indicator_rows(result), [70, 40, 50, 30])
    pdf.ln(3)
    pdf.multi_cell(0, 8, _("Operation and development report"), new_x="LMARGIN", new_y="NEXT")
    report = view.evaluation.report or {}
    if not view.evaluation.submitted_at:
        pdf.multi_cell(0, 7, _("Not submitted"), new_x="LMARGIN", new_y="NEXT")
    for name, text in report.items():
        if text:
            pdf.multi_cell(0, 7, label(REPORT_SECTIONS, name), new_x="LMARGIN", new_y="NEXT")
            pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    return bytes(pdf.output())


def registry_pdf(centers) -> bytes:
    """The centers' registry: every center with its level, industry, status and filing date."""
    pdf = _pdf()
    _title(pdf, _("Center registry"))
    rows = [
        [
            c.name,
            label(CENTER_LEVELS, c.level),
            industry_name(c.industry),
            label(CENTER_STATUSES, c.status),
            c.filed_on.isoformat() if c.filed_on else "—",
        ]
        for c in centers
    ]
    _table(
        pdf, [_("Center"), _("Level"), _("Industry"), _("Status"), _("Filed on")], rows, [70, 22, 40, 28, 30]
    )
    return bytes(pdf.output())


def scope_center_name(session, scope: Scope) -> str | None:
    if scope.center_id is None:
        return None
    center = session.get(Center, scope.center_id)
    return center.name if center else None
