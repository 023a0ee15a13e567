"""What the trading pages' forms send, as the services take it: trimmed fields (the oversight forms' reader), and
the browser's local date-times (`datetime-local`, no offset) read as the city's time, UTC+8."""

from app.oversight.forms import form_data

CITY_OFFSET = "+08:00"

__all__ = ["auction_data", "form_data", "join_data", "valuation_data"]


def _with_offset(value: str) -> str:
    """A `datetime-local` value (2026-05-01T09:30) as ISO 8601 in the city's time; one with an offset stays."""
    if len(value) in (16, 19) and "T" in value:
        return value + CITY_OFFSET
    return value


def auction_data() -> dict:
    data = form_data()
    for key in ("starts_at", "ends_at"):
        if key in data:
            data[key] = _with_offset(data[key])
    data["confidential"] = data.get("confidential") == "on"
    return data


def join_data() -> dict[str, bool]:
    data = form_data()
    return {"terms": data.get("accept_terms") == "on", "nda": data.get("accept_nda") == "on"}


def valuation_data() -> dict:
    """The assessment form: a ticked box publishes it; an unsaved assessment sends no version."""
    data = form_data()
    data["published"] = data.get("published") == "on"
    if not data.get("version"):
        data.pop("version", None)
    return data
