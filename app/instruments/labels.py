"""Display labels of the instruments' enumerations and booking rules, in the user's language (Chinese first).

Templates read them through the `label` filter (`{{ booking.status|label('booking_status') }}`), like the other
domains' TABLES; the rule messages are what a refused booking says (API 422 and the booking form alike)."""

from flask_babel import lazy_gettext as _l

INSTRUMENT_CATEGORIES = {
    "analysis": _l("Analysis and testing"),
    "inspection": _l("Inspection and certification testing"),
    "metrology": _l("Metrology and calibration"),
    "pilot": _l("Pilot production and prototyping"),
    "machining": _l("Machining and manufacturing"),
    "reliability": _l("Environment and reliability"),
    "data_software": _l("Data and software"),
}

BOOKING_STATUSES = {
    "requested": _l("Requested"),
    "confirmed": _l("Confirmed"),
    "declined": _l("Declined"),
    "cancelled": _l("Cancelled"),
    "no_show": _l("No-show"),
    "completed": _l("Completed"),
}

PRICE_CATEGORIES = {
    "member": _l("Member unit"),
    "sme": _l("SME"),
    "enterprise": _l("Other enterprise"),
    "university": _l("University or institute"),
}

PRICE_UNITS = {"hour": _l("per hour"), "sample": _l("per sample")}

BOOKABLE_BY = {
    "anyone": _l("Any registered organization"),
    "enterprises": _l("Enterprises only"),
    "members": _l("The center's member units only"),
}

WEEKDAYS = {
    0: _l("Monday"),
    1: _l("Tuesday"),
    2: _l("Wednesday"),
    3: _l("Thursday"),
    4: _l("Friday"),
    5: _l("Saturday"),
    6: _l("Sunday"),
}

TABLES: dict[str, dict] = {
    "instrument_category": INSTRUMENT_CATEGORIES,
    "booking_status": BOOKING_STATUSES,
    "price_category": PRICE_CATEGORIES,
    "price_unit": PRICE_UNITS,
    "bookable_by": BOOKABLE_BY,
    "weekday": WEEKDAYS,
}
