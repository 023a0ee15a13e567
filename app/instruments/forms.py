"""The instrument's posting fields: model, maker, category, standards, location, price table, booking rules and
weekly opening hours (one "08:30-17:30" box per weekday), as a mixin that app.market.forms puts on its
ListingForm (`InstrumentForm` in FORMS), so the listing pages post and edit an instrument like the other kinds
without this module importing theirs. And the booking form."""

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from app.instruments import labels


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


DAY_FIELDS = ("hours_0", "hours_1", "hours_2", "hours_3", "hours_4", "hours_5", "hours_6")
PERIOD = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–~至]\s*(\d{1,2}:\d{2})\s*$")
INT_FIELDS = (
    "price",
    "price_member",
    "price_sme",
    "price_university",
    "subsidy_percent",
    "min_slot_minutes",
    "max_slot_minutes",
    "lead_hours",
    "cancel_hours",
)


def _int_or_text(value: str | None) -> int | str | None:
    """A whole number as int, empty as None, anything else as typed (the service then names the field)."""
    value = (value or "").strip()
    if not value:
        return None
    return int(value) if value.isdigit() else value


def _periods(day: int, text: str | None) -> list[list] | str:
    """ "08:30-17:30, 18:00-22:00" as [[day, "08:30", "17:30"], ...]; the raw text when it does not parse."""
    result: list[list] = []
    for part in re.split(r"[,，;；\s]+(?=\d{1,2}:)", (text or "").strip()):
        if not part.strip():
            continue
        match = PERIOD.match(part)
        if not match:
            return text or ""
        opens, closes = (value.zfill(5) for value in match.groups())
        result.append([day, opens, closes])
    return result


def _hours_text(periods: list[list], day: int) -> str:
    return ", ".join(f"{opens}-{closes}" for weekday, opens, closes in periods if weekday == day)


class InstrumentFields:
    """Mixed into a ListingForm (which gives title, description, industry, modes and the buttons)."""

    model = StringField(_l("Model"), render_kw={"maxlength": 100})
    maker = StringField(_l("Maker"), render_kw={"maxlength": 100})
    category = SelectField(
        _l("Instrument category"),
        choices=choices(labels.INSTRUMENT_CATEGORIES.items()),
        validate_choice=False,
    )
    standards = TextAreaField(_l("Standards and tests it performs"), render_kw={"rows": 3})
    region = SelectField(_l("District"), validate_choice=False)
    address = StringField(_l("Address"), render_kw={"maxlength": 200})
    center_id = SelectField(_l("Innovation center"), validate_choice=False)
    price_unit = SelectField(
        _l("Price unit"), choices=choices(labels.PRICE_UNITS.items()), validate_choice=False
    )
    price = StringField(_l("Price for other enterprises (yuan)"))
    price_sme = StringField(_l("Price for SMEs (yuan)"))
    price_member = StringField(_l("Price for member units (yuan)"))
    price_university = StringField(_l("Price for universities (yuan)"))
    subsidy_percent = StringField(_l("Post-use subsidy (%)"), default="0")
    min_slot_minutes = StringField(_l("Shortest slot (minutes)"), default="60")
    max_slot_minutes = StringField(_l("Longest slot (minutes)"), default="480")
    lead_hours = StringField(_l("Book at least (hours ahead)"), default="24")
    cancel_hours = StringField(_l("Cancel at least (hours ahead)"), default="24")
    approval_required = BooleanField(_l("Each booking needs our approval"), default=True)
    bookable_by = SelectField(
        _l("Who may book"), choices=choices(labels.BOOKABLE_BY.items()), validate_choice=False
    )
    hours_0 = StringField(labels.WEEKDAYS[0], default="08:30-17:30")
    hours_1 = StringField(labels.WEEKDAYS[1], default="08:30-17:30")
    hours_2 = StringField(labels.WEEKDAYS[2], default="08:30-17:30")
    hours_3 = StringField(labels.WEEKDAYS[3], default="08:30-17:30")
    hours_4 = StringField(labels.WEEKDAYS[4], default="08:30-17:30")
    hours_5 = StringField(labels.WEEKDAYS[5])
    hours_6 = StringField(labels.WEEKDAYS[6])

    TEXT_FIELDS = (
        "title",
        "description",
        "model",
        "maker",
        "category",
        "address",
        "price_unit",
        "bookable_by",
    )
    OPTIONAL_FIELDS = ("industry", "center_id", "region")

    def to_data(self) -> dict[str, Any]:
        data = super().to_data()  # type: ignore[misc]
        data["standards"] = [
            line.strip() for line in re.split(r"[\n;；]", self.standards.data or "") if line.strip()
        ]
        data.update({name: _int_or_text(self[name].data) for name in INT_FIELDS})
        for name in ("subsidy_percent", "min_slot_minutes", "max_slot_minutes", "lead_hours", "cancel_hours"):
            if data[name] is None:
                data.pop(name)
        data["approval_required"] = bool(self.approval_required.data)
        hours: list = []
        for day, name in enumerate(DAY_FIELDS):
            periods = _periods(day, self[name].data)
            if isinstance(periods, str):
                data["opening_hours"] = periods  # the service refuses it, naming the field
                return data
            hours.extend(periods)
        data["opening_hours"] = hours
        return data

    @classmethod
    def initial(cls, listing) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: ("" if getattr(listing, name) is None else str(getattr(listing, name)))
            for name in cls.TEXT_FIELDS + cls.OPTIONAL_FIELDS + INT_FIELDS
        }
        data["cooperation_modes"] = [str(mode) for mode in listing.cooperation_modes]
        data["standards"] = "\n".join(listing.standards)
        data["approval_required"] = listing.approval_required
        for day, name in enumerate(DAY_FIELDS):
            data[name] = _hours_text(listing.opening_hours, day)
        return data


class BookingForm(FlaskForm):
    """A booking request on the instrument's page: local date and times (the city's clock)."""

    day = StringField(_l("Date"), render_kw={"type": "date", "required": True})
    start = StringField(_l("From"), render_kw={"type": "time", "required": True})
    end_day = StringField(_l("Until (date)"), render_kw={"type": "date"})
    end = StringField(_l("Until"), render_kw={"type": "time", "required": True})
    work = TextAreaField(
        _l("Work or tests to do"), render_kw={"rows": 3, "required": True, "maxlength": 2000}
    )
    samples = StringField(_l("Samples"), default="0")
    contact = StringField(_l("Contact (name and phone)"), render_kw={"maxlength": 200})
    sme = BooleanField(_l("We are a small or medium-sized enterprise"))
    submit = SubmitField(_l("Request booking"))
