"""Exports of the bureau's figures and records: indicators as CSV and XLSX, an annual evaluation report and the
centers' registry as PDF. Each export is drawn from the same service functions as the API, so every format
carries the same figures."""

import io

from flask_babel import gettext as _
from openpyxl import Workbook

from app.financing.labels import FINANCE_TYPES
from app.oversight.indicator_definitions import DEFINITIONS
from app.oversight.labels import (
    CENTER_STATUSES,
    GRADES,
    INDICATORS,
    MEASURES,
    MEASURES_WAN,
    REPORT_SECTIONS,
)
from app.oversight.services.indicators import Scope
from app.platform.money import format_wan
from app.platform.pdf import document as _pdf
from app.platform.pdf import heading as _heading
from app.platform.pdf import labelled as _labelled
from app.platform.pdf import paragraph as _paragraph
from app.platform.pdf import table as _table
from app.platform.pdf import title as _title
from app.platform.spreadsheets import csv_text, safe_row
from app.platform.taxonomy import industry_name
from app.web.labels import CENTER_LEVELS, label
from models import Center

MEASURE_ORDER = ("count", "amount", "people")
# The columns of every breakdown, as the dashboard shows them; a center's row adds the SMEs it served.
BREAKDOWN_MEASURES = ("count", "amount", "technology_amount", "registered_count", "turnover")
MONEY = frozenset({"amount", "technology_amount", "turnover"})


def _money(value, wan: bool):
    """Spreadsheets keep exact yuan; a PDF, read by people, shows 万元."""
    return format_wan(value) if wan and isinstance(value, int) else value


def indicator_rows(result: dict, *, wan: bool = False) -> list[list]:
    """One row per indicator: its name, then count, amount and people (empty where it has none)."""
    return [
        [
            str(INDICATORS[name]),
            *(_money(figure.get(m, ""), wan) if m == "amount" else figure.get(m, "") for m in MEASURE_ORDER),
        ]
        for name, figure in result["indicators"].items()
    ]


def _header(*, wan: bool = False) -> list[str]:
    measures = MEASURES_WAN if wan else MEASURES
    return [_("Indicator"), *(str(measures[m]) for m in MEASURE_ORDER)]


def _scope_line(result: dict, center_name: str | None) -> list[str]:
    return [
        _("Year"),
        str(result["year"]),
        _("Center"),
        center_name or _("All centers"),
        _("Industry"),
        industry_name(result["industry"]) if result["industry"] else _("All industries"),
    ]


def _breakdown_header(first: str, *, wan: bool, smes: bool = False) -> list[str]:
    money = (
        [
            _("Amount (10k yuan)"),
            _("Technology amount (10k yuan)"),
            _("Technology-market turnover (10k yuan)"),
        ]
        if wan
        else [_("Amount (yuan)"), _("Technology amount (yuan)"), _("Technology-market turnover (yuan)")]
    )
    columns = [first, _("Contracts signed"), money[0], money[1], _("Registered contracts"), money[2]]
    return columns + ([_("SMEs served")] if smes else [])


def breakdown_sections(
    parts: dict, year: int, *, wan: bool = False
) -> list[tuple[str, list[str], list[list]]]:
    """Every breakdown of the dashboard as (title, header, rows): by month, industry, center and district."""

    def cells(row: dict) -> list:
        return [_money(row[m], wan) if m in MONEY else row[m] for m in BREAKDOWN_MEASURES]

    return [
        (
            _("Trend by month"),
            _breakdown_header(_("Month"), wan=wan),
            [[f"{year}-{r['month']:02d}", *cells(r)] for r in parts["months"]],
        ),
        (
            _("By industry"),
            _breakdown_header(_("Industry"), wan=wan),
            [[r["name"] or _("Unclassified"), *cells(r)] for r in parts["industries"]],
        ),
        (
            _("By center"),
            _breakdown_header(_("Center"), wan=wan, smes=True),
            [[r["name"], *cells(r), r["smes"]] for r in parts["centers"]],
        ),
        (
            _("By district"),
            _breakdown_header(_("District"), wan=wan),
            [[r["district"] or _("Not given"), *cells(r)] for r in parts["districts"]],
        ),
        *(
            [
                (
                    _("Financing by type"),
                    [
                        _("Type of financing"),
                        _("Financings"),
                        _("Amount (10k yuan)") if wan else _("Amount (yuan)"),
                    ],
                    [
                        [label(FINANCE_TYPES, r["finance_type"]), r["count"], _money(r["amount"], wan)]
                        for r in parts["financing_types"]
                    ],
                )
            ]
            if "financing_types" in parts
            else []
        ),
    ]


def definition_rows() -> list[list[str]]:
    """Each indicator's key, name, unit and definition: the definitions sheet and section of every export."""
    return [[d.key, str(d.label), str(d.unit), str(d.text)] for d in DEFINITIONS]


def _definition_header() -> list[str]:
    return [_("Key"), _("Indicator"), _("Unit"), _("Definition")]


def indicators_csv(result: dict, *, center_name: str | None = None, parts: dict | None = None) -> str:
    """CSV with a byte-order mark, so spreadsheet programs open the Chinese text as UTF-8: the figures, then
    (after an empty line each) every breakdown and the definitions."""
    rows: list[list] = [_scope_line(result, center_name), _header(), *indicator_rows(result)]
    for title, header, body in breakdown_sections(parts, result["year"]) if parts else []:
        rows += [[], [title], header, *body]
    rows += [[], [_("Definitions")], _definition_header(), *definition_rows()]
    return csv_text(rows)


def indicators_xlsx(result: dict, *, center_name: str | None = None, parts: dict | None = None) -> bytes:
    """The figures on the first sheet; each breakdown and the definitions on a sheet of its own."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(result["year"])
    for row in (_scope_line(result, center_name), _header(), *indicator_rows(result)):
        sheet.append(safe_row(row))
    sheet.column_dimensions["A"].width = 28
    sections = breakdown_sections(parts, result["year"]) if parts else []
    for title, header, body in [*sections, (_("Definitions"), _definition_header(), definition_rows())]:
        extra = workbook.create_sheet(title=title[:31])
        for row in (header, *body):
            extra.append(safe_row(row))
        extra.column_dimensions["A"].width = 28
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
    _table(pdf, _header(wan=True), indicator_rows(result, wan=True), [70, 40, 50, 30])
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
    _definitions(pdf, result["indicators"])
    return bytes(pdf.output())


def _definitions(pdf, names) -> None:
    _heading(pdf, _("Definitions"))
    for d in DEFINITIONS:
        if d.key in names:
            _paragraph(pdf, f"{d.label}（{d.unit}）：{d.text}")


def indicators_pdf(result: dict, *, center_name: str | None = None, parts: dict) -> bytes:
    """The figures of a scope with every breakdown of the dashboard and the definitions; money in 万元."""
    pdf = _pdf()
    _title(pdf, _("Indicators") + f" {result['year']}")
    scope = _scope_line(result, center_name)
    _paragraph(pdf, " · ".join(f"{scope[i]}: {scope[i + 1]}" for i in range(0, len(scope), 2)))
    _table(pdf, _header(wan=True), indicator_rows(result, wan=True), [70, 40, 50, 30])
    for title, header, body in breakdown_sections(parts, result["year"], wan=True):
        _heading(pdf, title)
        widths = (
            [60, 40, 50]
            if len(header) == 3
            else [48, 18, 24, 24, 18, 28] + ([16] if len(header) == 7 else [])
        )
        _table(pdf, header, body, widths)
    _definitions(pdf, result["indicators"])
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
