"""Deal forms. Like the listing forms they only carry the browser's input (plus CSRF): the services check every
rule and answer with field messages, so selects accept any value here."""

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, Form, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields import FieldList

from app.deals import labels
from app.market.forms import WanField, blank_to_none, choices
from app.platform.validation import parse_id

MILESTONE_ROWS = 4


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class InterestForm(FlaskForm):
    message = TextAreaField(_l("Message"), render_kw={"rows": 6, "maxlength": 2000, "required": True})
    via = SelectField(_l("On behalf of"), validate_choice=False)

    def to_data(self) -> dict[str, Any]:
        via_type, _sep, via_id = (self.via.data or "").partition(":")
        return {
            "message": (self.message.data or "").strip(),
            "via_type": via_type or None,
            "via_id": parse_id(via_id),
        }


class DeclineForm(FlaskForm):
    reason = SelectField(_l("Reason"), choices=choices(labels.DECLINE_REASONS.items()), validate_choice=False)
    note = TextAreaField(_l("Note to the sender (optional)"), render_kw={"rows": 3, "maxlength": 2000})


class NdaForm(FlaskForm):
    agree = BooleanField(
        _l("I have read the confidentiality agreement and accept it on behalf of my organization")
    )


class NdaTextForm(FlaskForm):
    body = TextAreaField(_l("Text of the agreement"), render_kw={"rows": 14, "maxlength": 20000})
    use_platform = BooleanField(_l("Use the platform's standard agreement instead"))


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Message"), render_kw={"rows": 3, "maxlength": 5000})
    file = FileField(_l("Attachment (optional)"))


class MilestoneForm(Form):
    title = StringField(_l("Milestone"), render_kw={"maxlength": 200})
    kind = SelectField(
        _l("Kind of milestone"), choices=choices(labels.MILESTONE_KINDS.items()), validate_choice=False
    )
    due_on = StringField(_l("Due on"), render_kw={"type": "date"})
    # Required in a row that is filled in at all; a row left empty is no milestone.
    amount = WanField(_l("Amount (10k yuan)"), required=True, render_kw={"required": False})

    def is_blank(self) -> bool:
        return not any((self[name].data or "").strip() for name in ("title", "due_on", "amount"))


class ContractForm(FlaskForm):
    kind = SelectField(
        _l("Contract kind"), choices=choices(labels.CONTRACT_KINDS.items()), validate_choice=False
    )
    title = StringField(_l("Contract title"), render_kw={"maxlength": 200, "required": True})
    amount = WanField(_l("Contract amount (10k yuan)"), required=True)
    technology_amount = WanField(_l("Technology transaction amount (10k yuan)"), required=True)
    signed_on = StringField(_l("Signing date"), render_kw={"type": "date"})
    ends_on = StringField(_l("End date"), render_kw={"type": "date"})
    field = SelectField(_l("Technical field"), validate_choice=False)
    ip_type = SelectField(
        _l("Intellectual property"),
        validate_choice=False,
        choices=choices([("", _l("Not specified")), *labels.IP_TYPES.items()]),
    )
    milestones = FieldList(FormField(MilestoneForm), min_entries=MILESTONE_ROWS, max_entries=MILESTONE_ROWS)

    MONEY_FIELDS = ("amount", "technology_amount")

    def __init__(self, *args, industries: list[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.field.choices = choices([("", _l("Choose an industry")), *industries])

    def _rows(self) -> list[MilestoneForm]:
        """The milestone rows filled in at all; blank rows are left out."""
        return [row.form for row in self.milestones if not row.form.is_blank()]

    def to_data(self, interest_id: int) -> dict[str, Any]:
        """The form as the API body `create_contract` validates; amounts in whole yuan (see `WanField`)."""
        rows = self._rows()
        return {
            "interest_id": interest_id,
            "kind": self.kind.data,
            "title": (self.title.data or "").strip(),
            "amount": self.amount.to_yuan(),
            "technology_amount": self.technology_amount.to_yuan(),
            "currency": "CNY",
            "signed_on": blank_to_none(self.signed_on.data),
            "ends_on": blank_to_none(self.ends_on.data),
            "field": blank_to_none(self.field.data),
            "ip_type": blank_to_none(self.ip_type.data),
            "milestones": [
                {
                    "title": (row.title.data or "").strip(),
                    "kind": row.kind.data or "deliverable",
                    "due_on": blank_to_none(row.due_on.data),
                    "amount": row.amount.to_yuan(),
                }
                for row in rows
            ],
        }

    def explain(self, fields: dict[str, str]) -> dict[str, str]:
        """The service's field messages, with the amounts' own reasons (blank, not a number, negative, too many
        decimals) in place of "must be a whole number"; a milestone's amount is named by its row."""
        better = dict(fields)
        for name in self.MONEY_FIELDS:
            problem = self[name].problem()
            if problem and name in better:
                better[name] = problem
        row_problems = {
            row.amount.name: problem for row in self._rows() if (problem := row.amount.problem()) is not None
        }
        if row_problems:
            better.pop("milestones.amount", None)
            better.update(row_problems)
        return better


class TransitionForm(FlaskForm):
    to = HiddenField()
    note = TextAreaField(_l("Reason"), render_kw={"rows": 2, "maxlength": 2000})


class RegistrationForm(FlaskForm):
    number = StringField(_l("Registration number (登记编号)"), render_kw={"maxlength": 40, "required": True})


class IncubationForm(FlaskForm):
    center_id = SelectField(_l("Innovation center"), validate_choice=False)
    # A firm registered here that the center deals with: picked, its name and credit code are not retyped.
    firm_org_id = SelectField(_l("Registered enterprise (instead of typing its name)"), validate_choice=False)
    name = StringField(_l("Enterprise name"), render_kw={"maxlength": 120})
    credit_code = StringField(_l("Unified social credit code (once registered)"), render_kw={"maxlength": 18})
    achievement_id = SelectField(_l("Based on achievement (optional)"), validate_choice=False)
    contract_id = SelectField(_l("From an incubation contract (optional)"), validate_choice=False)
    started_on = StringField(_l("Incubation start date"), render_kw={"type": "date", "required": True})

    def to_data(self) -> dict[str, Any]:
        def reference(field) -> int | str | None:
            value = blank_to_none(field.data)
            return parse_id(value) or value

        return {
            "center_id": reference(self.center_id),
            "firm_org_id": reference(self.firm_org_id),
            "name": (self.name.data or "").strip() or None,
            "credit_code": blank_to_none((self.credit_code.data or "").upper()),
            "achievement_id": reference(self.achievement_id),
            "contract_id": reference(self.contract_id),
            "started_on": blank_to_none(self.started_on.data),
        }


class SavedSearchForm(FlaskForm):
    """The search page's current query and filters, saved under a name."""

    name = StringField(_l("Name"), render_kw={"maxlength": 80})
    q = HiddenField()
    type = HiddenField()
    industry = HiddenField()
    mode = HiddenField()
    region = HiddenField()
    trl_min = HiddenField()

    def to_data(self) -> dict[str, Any]:
        trl = (self.trl_min.data or "").strip()
        return {
            "name": (self.name.data or "").strip(),
            "query": (self.q.data or "").strip(),
            "type": blank_to_none(self.type.data),
            "industry": blank_to_none(self.industry.data),
            "mode": blank_to_none(self.mode.data),
            "region": blank_to_none(self.region.data),
            "trl_min": int(trl) if trl.isdigit() else blank_to_none(trl),
        }
