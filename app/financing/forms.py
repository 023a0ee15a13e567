"""The financing record form (the listings' own forms are app.market.forms' FinancingForm and FinanceProductForm).
The amount is typed in 万元 and stored in yuan."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from app.financing import labels


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


PLEASE_CHOOSE = ("", _l("Please choose"))


class FinancingRecordForm(FlaskForm):
    """The finance organization records what it financed, from one conversation."""

    interest_id = SelectField(_l("Conversation"), validate_choice=False, render_kw={"required": True})
    finance_type = SelectField(
        _l("Type of financing"),
        choices=choices([PLEASE_CHOOSE, *labels.FINANCE_TYPES.items()]),
        validate_choice=False,
        render_kw={"required": True},
    )
    amount = StringField(_l("Amount (10k yuan)"), render_kw={"inputmode": "decimal", "required": True})
    financed_on = StringField(_l("Date financed"), render_kw={"type": "date", "required": True})
    note = TextAreaField(_l("Note"), render_kw={"rows": 2, "maxlength": 2000})
    submit = SubmitField(_l("Record the financing"))
