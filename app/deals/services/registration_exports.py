"""The registration's papers: a contract's 登记表 (PDF and XLSX, the same rows) for the parties to hand to the
registration office, and the bureau's batch of every contract submitted in a period (XLSX). Codes are written
as labels in the reader's language; every spreadsheet cell goes through `safe_row` (formula-safe)."""

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from sqlmodel import Session

from app.deals import labels as deal_labels
from app.deals import registration_labels as reg_labels
from app.deals import registration_rules as rules
from app.deals import rules as deal_rules
from app.deals.services import registration
from app.platform import pdf, permissions
from app.platform.regions import region_name
from app.platform.spreadsheets import safe_row
from models import Contract, ContractRegistration, Organization, User

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def _label(table: dict, code: str | None) -> str:
    return "" if code is None else str(table.get(code, code))


def _region(code: str | None) -> str:
    if code == rules.REGION_OUTSIDE:
        return str(reg_labels.REGION_OUTSIDE)
    return region_name(code)


def _party(session: Session, contract: Contract, side: str) -> str:
    org = session.get(Organization, contract.party_a_org_id if side == "a" else contract.party_b_org_id)
    role = deal_rules.roles(contract.kind)[side]
    return f"{org.name if org else ''}（{_label(deal_labels.PARTY_ROLES, role)}）"


def _field(name: str) -> str:
    return str(reg_labels.FIELD_NAMES[name])


def form_rows(session: Session, contract: Contract, public: dict) -> list[list[str]]:
    """The 登记表: one (name, value) row per field, in the order of the registration office's form."""
    term = " — ".join(day for day in (public["term_start"], public["term_end"]) if day)
    return [
        [_("Contract"), contract.title],
        [_("Contract number on the platform"), str(contract.id)],
        [_("Contract kind"), _label(deal_labels.CONTRACT_KINDS, contract.kind)],
        [_field("sub_kind"), _label(reg_labels.SUB_KINDS, public["sub_kind"])],
        [_("Seller"), _party(session, contract, "b")],
        [_field("seller_type"), _label(reg_labels.PARTY_TYPES, public["seller_type"])],
        [_field("seller_region"), _region(public["seller_region"])],
        [_("Buyer"), _party(session, contract, "a")],
        [_field("buyer_type"), _label(reg_labels.PARTY_TYPES, public["buyer_type"])],
        [_field("buyer_region"), _region(public["buyer_region"])],
        [_field("field"), _label(reg_labels.FIELDS, public["field"])],
        [_field("ip_type"), _label(deal_labels.IP_TYPES, public["ip_type"])],
        [_field("deal_amount"), "" if public["deal_amount"] is None else f"{public['deal_amount']:,}"],
        [
            _field("technology_amount"),
            "" if public["technology_amount"] is None else f"{public['technology_amount']:,}",
        ],
        [_field("payment_method"), _label(reg_labels.PAYMENT_METHODS, public["payment_method"])],
        [_("Term"), term],
        [_field("objective"), _label(reg_labels.OBJECTIVES, public["objective"])],
        [_("Registration status"), _label(reg_labels.STATUSES, public["status"])],
        [_field("number"), public["number"] or ""],
        [_field("office"), public["office"] or ""],
        [_("Submitted on"), (public["submitted_at"] or "")[:10]],
        [_("Decided on"), (public["decided_at"] or "")[:10]],
        [_field("refusal_reason"), public["refusal_reason"] or ""],
    ]


def _workbook(title: str, rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for row in rows:
        sheet.append(safe_row(row))
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 40
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def form_file(*, session: Session, user: User | None, contract_id: int, fmt: str) -> tuple[str, str, bytes]:
    """(file name, media type, bytes) of the contract's 登记表, to its parties and the bureau."""
    contract = registration.get_contract(session=session, user=user, contract_id=contract_id)
    public = registration.registration_to_public(session=session, user=user, contract=contract)
    rows = form_rows(session, contract, public)
    name = f"registration-{contract_id}.{fmt}"
    heading = _("Technology contract registration form")
    if fmt == "xlsx":
        return name, XLSX, _workbook(heading, [[heading, ""], *rows])
    document = pdf.document()
    pdf.title(document, heading)
    pdf.table(document, None, rows, [60, 120])
    return name, PDF, bytes(document.output())


def batch_header() -> list[str]:
    return [
        _("Contract number on the platform"),
        _("Contract"),
        _("Contract kind"),
        _field("sub_kind"),
        _("Seller"),
        _field("seller_type"),
        _field("seller_region"),
        _("Buyer"),
        _field("buyer_type"),
        _field("buyer_region"),
        _field("field"),
        _field("ip_type"),
        _field("deal_amount"),
        _field("technology_amount"),
        _field("payment_method"),
        _field("term_start"),
        _field("term_end"),
        _field("objective"),
        _("Registration status"),
        _field("number"),
        _field("office"),
        _("Submitted on"),
        _("Decided on"),
        _field("refusal_reason"),
    ]


def _batch_row(session: Session, row: ContractRegistration, contract: Contract) -> list:
    def day(value) -> str:
        return value.isoformat()[:10] if value else ""

    return [
        contract.id,
        contract.title,
        _label(deal_labels.CONTRACT_KINDS, contract.kind),
        _label(reg_labels.SUB_KINDS, row.sub_kind),
        _party(session, contract, "b"),
        _label(reg_labels.PARTY_TYPES, row.seller_type),
        _region(row.seller_region),
        _party(session, contract, "a"),
        _label(reg_labels.PARTY_TYPES, row.buyer_type),
        _region(row.buyer_region),
        _label(reg_labels.FIELDS, row.field),
        _label(deal_labels.IP_TYPES, row.ip_type),
        row.deal_amount,
        row.technology_amount,
        _label(reg_labels.PAYMENT_METHODS, row.payment_method),
        day(row.term_start),
        day(row.term_end),
        _label(reg_labels.OBJECTIVES, row.objective),
        _label(reg_labels.STATUSES, row.status),
        row.number or "",
        row.office or "",
        day(row.submitted_at),
        day(row.decided_at),
        row.refusal_reason or "",
    ]


def batch_file(
    *, session: Session, user: User | None, start: str | None, end: str | None
) -> tuple[str, bytes]:
    """(file name, bytes) of the bureau's XLSX of every contract submitted from `start` to `end`."""
    permissions.require_bureau(user, _("Only the industry and IT bureau exports the registrations."))
    first, last = registration.parse_period(start, end)
    rows = registration.submitted_between(session=session, user=user, start=first, end=last)
    return (
        f"registrations-{first.isoformat()}-{last.isoformat()}.xlsx",
        _workbook(
            _("Registrations"),
            [batch_header(), *(_batch_row(session, row, contract) for row, contract in rows)],
        ),
    )
