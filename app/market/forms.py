"""Listing forms. They only carry the browser's input: every rule is checked by the service layer,
so a select accepts any value here and a bad one comes back as a field message from the service."""

import re
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from app.accounts.labels import SIZE_CLASSES
from app.financing import labels as financing_labels
from app.instruments.forms import InstrumentFields
from app.web import labels

YUAN_PER_WAN = 10_000
TRL_CHOICES = [SelectChoice("", _l("Not specified"))] + [SelectChoice(str(n)) for n in range(1, 10)]
PATENT_SEPARATORS = re.compile(r"[,，、;；\s]+")


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the options of a select."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def blank_to_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


# An amount in 万元 as people type it: digits, at most two decimals (1 元 = 0.0001 万元 would be four; amounts are
# agreed in 万元 to two decimals, i.e. to the hundred yuan). Separators "," and "，" and spaces are ignored.
WAN_PATTERN = re.compile(r"-?\d+(?:\.\d+)?")
WAN_DECIMALS = 2


def parse_wan(value: str | None) -> tuple[int | None, str | None]:
    """A money field typed in 万元 as (whole yuan, None), (None, None) when blank, or (None, the reason in the
    user's language). Exact: Decimal, never float, so 1.25 万元 is 12500 元."""
    text = re.sub(r"[,，\s]", "", value or "")
    if not text:
        return None, None
    if not WAN_PATTERN.fullmatch(text):
        return None, _("Enter an amount in 10k yuan, like 12.5.")
    if text.startswith("-"):
        return None, _("The amount cannot be negative.")
    wan = Decimal(text)
    exponent = wan.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite number, by the pattern
    if -exponent > WAN_DECIMALS:
        return None, _("Enter the amount in 10k yuan with at most two decimals, like 1.25.")
    return int(wan * YUAN_PER_WAN), None


def wan_to_yuan(value: str | None) -> int | str | None:
    """An amount in 万元 read from a raw form (not a `WanField`): whole yuan, None when blank, or "" (which the
    service refuses as not a number) when it is not a usable amount; `parse_wan` says why."""
    yuan, reason = parse_wan(value)
    return "" if reason else yuan


class WanField(StringField):
    """An amount typed in 万元 and stored in whole 元 (see `parse_wan`). The form hands the service the yuan, or a
    value the service refuses (so nothing is saved) and `problem` says why in words that fit what was typed."""

    def __init__(self, label=None, validators=None, required: bool = False, **kwargs):
        render_kw = {"inputmode": "decimal", **kwargs.pop("render_kw", {})}
        if required:
            render_kw.setdefault("required", True)
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.required = required

    def problem(self) -> str | None:
        """Why the typed amount cannot be used, or None: blank where required, not a number, negative, or more
        than two decimals."""
        yuan, reason = parse_wan(self.data)
        if reason is None and yuan is None and self.required:
            return _("Please enter an amount.")
        return reason

    def to_yuan(self) -> int | str | None:
        """The amount in yuan for the service; blank is None; an unusable entry is "", which the service refuses
        as not a number (the form's `problem` then replaces its message)."""
        yuan, reason = parse_wan(self.data)
        return "" if reason else yuan


def yuan_to_wan(value: int | None) -> str:
    if value is None:
        return ""
    wan = Decimal(value) / YUAN_PER_WAN
    return format(wan.normalize(), "f")


def split_patents(value: str | None) -> list[str]:
    return [part for part in PATENT_SEPARATORS.split(value or "") if part]


class ListingForm(FlaskForm):
    """Fields every kind of listing has."""

    title = StringField(_l("Title"), render_kw={"maxlength": 200, "required": True})
    description = TextAreaField(_l("Description"), render_kw={"rows": 5, "required": True})
    industry = SelectField(_l("Industry"), validate_choice=False)
    cooperation_modes = MultiCheckboxField(
        _l("Cooperation modes"), choices=choices(labels.COOPERATION_MODES.items()), validate_choice=False
    )
    save = SubmitField(_l("Save draft"))
    publish = SubmitField(_l("Save and publish"))

    # Fields read as text and passed on unchanged (an empty one stays "" so the service can say it is missing).
    TEXT_FIELDS: tuple[str, ...] = ("title", "description")
    # Optional fields: empty means "not given".
    OPTIONAL_FIELDS: tuple[str, ...] = ("industry",)
    MONEY_FIELDS: tuple[str, ...] = ()
    REQUIRED: tuple[str, ...] = ("title", "description")

    def __init__(
        self, *args, industries: list[tuple[str, str]] = (), regions: list[tuple[str, str]] = (), **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.industry.choices = choices([("", _l("Choose an industry")), *industries])
        if "region" in self:
            self.region.choices = choices([("", _l("Choose a region")), *regions])

    def to_data(self) -> dict[str, Any]:
        """The form as the plain dict the service validates."""
        present = self._fields
        data: dict[str, Any] = {
            name: (self[name].data or "").strip() for name in self.TEXT_FIELDS if name in present
        }
        data.update(
            {name: blank_to_none(self[name].data) for name in self.OPTIONAL_FIELDS if name in present}
        )
        data.update({name: self[name].to_yuan() for name in self.MONEY_FIELDS if name in present})
        data["cooperation_modes"] = list(self.cooperation_modes.data or [])
        return data

    def explain(self, fields: dict[str, str]) -> dict[str, str]:
        """The service's field messages, saying "required" (not "too short") where a field was left blank."""
        present = self._fields
        better = {
            name: _("This field is required.")
            for name in self.REQUIRED
            if name in present and not (self[name].data or "").strip()
        }
        # Amounts are typed in 万元, so "must be a whole number" (of yuan) would mislead.
        better.update(
            {
                name: problem
                for name in self.MONEY_FIELDS
                if name in present and (problem := self[name].problem()) is not None
            }
        )
        return {name: better.get(name, message) for name, message in fields.items()}

    @classmethod
    def initial(cls, listing) -> dict[str, Any]:
        """A stored listing as the form's starting values."""
        data = {name: getattr(listing, name) for name in cls.TEXT_FIELDS + cls.OPTIONAL_FIELDS}
        data.update({name: yuan_to_wan(getattr(listing, name)) for name in cls.MONEY_FIELDS})
        data["cooperation_modes"] = [str(mode) for mode in listing.cooperation_modes]
        return {
            key: ("" if value is None else str(value) if not isinstance(value, list) else value)
            for key, value in data.items()
        }


class NeedForm(ListingForm):
    description = TextAreaField(_l("Public summary"), render_kw={"rows": 4, "required": True})
    details = TextAreaField(_l("Details"), render_kw={"rows": 8})
    trl = SelectField(_l("Technology readiness level (TRL)"), choices=TRL_CHOICES, validate_choice=False)
    budget_min = WanField(_l("Budget from (10k yuan)"))
    budget_max = WanField(_l("Budget up to (10k yuan)"))
    deadline = StringField(_l("Deadline"), render_kw={"type": "date"})
    region = SelectField(_l("Region"), validate_choice=False)
    confidential = BooleanField(_l("Confidential: show the details only to approved organizations"))

    TEXT_FIELDS = ("title", "description", "details")
    OPTIONAL_FIELDS = ("industry", "trl", "deadline", "region")
    MONEY_FIELDS = ("budget_min", "budget_max")

    def to_data(self) -> dict[str, Any]:
        return {**super().to_data(), "confidential": bool(self.confidential.data)}

    @classmethod
    def initial(cls, listing) -> dict[str, Any]:
        return {**super().initial(listing), "confidential": listing.confidential}


# A claim (a granted patent...) is never made by default: the poster picks one.
PLEASE_CHOOSE = ("", _l("Please choose"))


class AchievementForm(ListingForm):
    kind = SelectField(
        _l("Kind of achievement"),
        choices=choices([PLEASE_CHOOSE, *labels.ACHIEVEMENT_KINDS.items()]),
        validate_choice=False,
        render_kw={"required": True},
    )
    trl = SelectField(_l("Technology readiness level (TRL)"), choices=TRL_CHOICES, validate_choice=False)
    patent_numbers = TextAreaField(_l("Patent numbers"), render_kw={"rows": 2})
    ip_status = SelectField(
        _l("IP status"),
        choices=choices([PLEASE_CHOOSE, *labels.IP_STATUSES.items()]),
        validate_choice=False,
        render_kw={"required": True},
    )
    price = WanField(_l("Price (10k yuan)"))
    center_id = SelectField(_l("Innovation center"), validate_choice=False)

    TEXT_FIELDS = ("title", "description", "kind", "ip_status")
    OPTIONAL_FIELDS = ("industry", "trl", "center_id")
    MONEY_FIELDS = ("price",)
    REQUIRED = ("title", "description", "kind", "ip_status")

    def to_data(self) -> dict[str, Any]:
        return {**super().to_data(), "patent_numbers": split_patents(self.patent_numbers.data)}

    @classmethod
    def initial(cls, listing) -> dict[str, Any]:
        return {**super().initial(listing), "patent_numbers": "\n".join(listing.patent_numbers)}


class ServiceForm(ListingForm):
    category = SelectField(
        _l("Service category"), choices=choices(labels.SERVICE_CATEGORIES.items()), validate_choice=False
    )
    price = WanField(_l("Price (10k yuan)"))
    price_note = StringField(_l("Price note"), render_kw={"maxlength": 200})
    center_id = SelectField(_l("Innovation center"), validate_choice=False)

    TEXT_FIELDS = ("title", "description", "category", "price_note")
    OPTIONAL_FIELDS = ("industry", "center_id")
    MONEY_FIELDS = ("price",)


class InstrumentForm(InstrumentFields, ListingForm):
    """An instrument or facility (app/instruments/forms.py holds its fields)."""


class FinancingForm(ListingForm):
    """A financing request: the summary is public; the use of funds and traction only for the owner, the bureau
    and finance organizations."""

    description = TextAreaField(_l("Public summary"), render_kw={"rows": 4, "required": True})
    finance_type = SelectField(
        _l("Type of financing"),
        choices=choices([PLEASE_CHOOSE, *financing_labels.FINANCE_TYPES.items()]),
        validate_choice=False,
        render_kw={"required": True},
    )
    stage = SelectField(
        _l("Stage"), choices=choices(financing_labels.FINANCING_STAGES.items()), validate_choice=False
    )
    amount = WanField(_l("Amount sought (10k yuan)"), required=True)
    trl = SelectField(_l("Technology readiness level (TRL)"), choices=TRL_CHOICES, validate_choice=False)
    use_of_funds = TextAreaField(_l("Use of funds"), render_kw={"rows": 4})
    traction = TextAreaField(_l("Traction: revenue, customers, contracts"), render_kw={"rows": 4})
    region = SelectField(_l("Region"), validate_choice=False)
    center_id = SelectField(_l("Innovation center"), validate_choice=False)

    TEXT_FIELDS = ("title", "description", "finance_type", "stage", "use_of_funds", "traction")
    OPTIONAL_FIELDS = ("industry", "trl", "region", "center_id")
    MONEY_FIELDS = ("amount",)
    REQUIRED = ("title", "description", "finance_type", "amount")


class FinanceProductForm(ListingForm):
    """A finance organization's product, with its eligibility (empty lists: any)."""

    finance_type = SelectField(
        _l("Type of product"),
        choices=choices([PLEASE_CHOOSE, *financing_labels.FINANCE_TYPES.items()]),
        validate_choice=False,
        render_kw={"required": True},
    )
    amount_min = WanField(_l("Amount from (10k yuan)"))
    amount_max = WanField(_l("Amount up to (10k yuan)"))
    terms = TextAreaField(_l("Terms: rate, term, collateral"), render_kw={"rows": 4})
    trl_min = SelectField(_l("Lowest TRL financed"), choices=TRL_CHOICES, validate_choice=False)
    size_classes = MultiCheckboxField(
        _l("Size classes served (none: any)"), choices=choices(SIZE_CLASSES.items()), validate_choice=False
    )
    industries = MultiCheckboxField(_l("Industries served (none: any)"), validate_choice=False)
    region = SelectField(_l("Region"), validate_choice=False)

    TEXT_FIELDS = ("title", "description", "finance_type", "terms")
    OPTIONAL_FIELDS = ("industry", "trl_min", "region")
    MONEY_FIELDS = ("amount_min", "amount_max")
    REQUIRED = ("title", "description", "finance_type")

    def __init__(self, *args, industries: list[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, industries=industries, **kwargs)
        self.industries.choices = choices(industries)

    def to_data(self) -> dict[str, Any]:
        return {
            **super().to_data(),
            "size_classes": list(self.size_classes.data or []),
            "industries": list(self.industries.data or []),
        }

    @classmethod
    def initial(cls, listing) -> dict[str, Any]:
        return {
            **super().initial(listing),
            "size_classes": list(listing.size_classes),
            "industries": list(listing.industries),
        }


FORMS = {
    "need": NeedForm,
    "achievement": AchievementForm,
    "service": ServiceForm,
    "instrument": InstrumentForm,
    "financing": FinancingForm,
    "finance_product": FinanceProductForm,
}
