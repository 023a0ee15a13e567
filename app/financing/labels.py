"""Display labels of financing's enumerations, in the user's language (Chinese first), named in `TABLES` for the
one `label` filter (`{{ listing.finance_type|label('finance_type') }}`)."""

from flask_babel import lazy_gettext as _l

FINANCE_TYPES = {
    "tech_loan": _l("Technology loan"),
    "ip_pledge_loan": _l("IP-pledge loan"),
    "equity": _l("Equity investment"),
    "guarantee": _l("Guarantee"),
}

FINANCING_STAGES = {
    "seed": _l("Seed stage"),
    "startup": _l("Start-up stage"),
    "growth": _l("Growth stage"),
    "expansion": _l("Expansion stage"),
}

FINANCING_RECORD_STATUSES = {
    "recorded": _l("Awaiting confirmation"),
    "confirmed": _l("Confirmed"),
    "rejected": _l("Rejected"),
}

TABLES: dict[str, dict] = {
    "finance_type": FINANCE_TYPES,
    "financing_stage": FINANCING_STAGES,
    "financing_record_status": FINANCING_RECORD_STATUSES,
}
