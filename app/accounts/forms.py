"""Login and registration forms; the domain rules live in models and services, not here."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from app.market.forms import MultiCheckboxField

ORG_KINDS = [
    SelectChoice("enterprise", _l("Enterprise")),
    SelectChoice("university", _l("University")),
    SelectChoice("institute", _l("Research institute")),
    SelectChoice("center", _l("Innovation center")),
    SelectChoice("finance", _l("Financial institution")),
]


# 企业规模 (models/size_class.py); the service judges the value, so a bad one gets its own message.
SIZE_CLASSES = [
    SelectChoice("", _l("Not given / not an enterprise")),
    SelectChoice("large", _l("Large")),
    SelectChoice("medium", _l("Medium")),
    SelectChoice("small", _l("Small")),
    SelectChoice("micro", _l("Micro")),
]


def size_class_field() -> SelectField:
    return SelectField(_l("Size class"), choices=SIZE_CLASSES, validate_choice=False)


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    submit = SubmitField(_l("Log in"))


class ResendConfirmationForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Send a new link"))


class RegisterForm(FlaskForm):
    org_kind = SelectField(_l("Organization type"), choices=ORG_KINDS)
    org_name = StringField(_l("Organization name"), validators=[DataRequired(), Length(max=120)])
    org_name_en = StringField(_l("English name"), validators=[Optional(), Length(max=200)])
    credit_code = StringField(
        _l("Unified social credit code"), validators=[DataRequired(), Length(min=18, max=18)]
    )
    region = SelectField(_l("Region"), validate_choice=False)
    size_class = size_class_field()
    industries = MultiCheckboxField(_l("Industries"), choices=[])
    org_description = TextAreaField(_l("About the organization"), validators=[Optional(), Length(max=2000)])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=60)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=40)])
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=60)])
    # Checked here as well as by the service, so a bad address is reported with the form's other mistakes.
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(),
            Length(max=254),
            Email(
                message=_l("Enter a valid email address, like name@example.com."), check_deliverability=False
            ),
        ],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    password2 = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))],
    )
    consent = BooleanField(
        validators=[
            DataRequired(message=_l("Please read and accept the privacy notice and the terms of use."))
        ]
    )
    submit = SubmitField(_l("Register"))


class ClaimForm(FlaskForm):
    credit_code = StringField(
        _l("Unified social credit code"), validators=[DataRequired(), Length(min=18, max=18)]
    )
    org_name = StringField(_l("Organization name"), validators=[DataRequired(), Length(max=120)])
    contact_name = StringField(_l("Contact person"), validators=[DataRequired(), Length(max=60)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=40)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    evidence = TextAreaField(
        _l("Why this organization is yours"), validators=[DataRequired(), Length(min=10, max=2000)]
    )
    submit = SubmitField(_l("File the claim"))


class DeletionForm(FlaskForm):
    """Asking to delete one's account: the password again, so an unattended session cannot do it."""

    password = PasswordField(_l("Your password"), validators=[DataRequired()])
    submit = SubmitField(_l("Delete my account"))


class SizeClassForm(FlaskForm):
    """The organization's size class; or, left empty, its employees and revenue for the suggested class."""

    size_class = size_class_field()
    employees = IntegerField(_l("Employees"), validators=[Optional()])
    revenue_wan = DecimalField(_l("Yearly operating revenue (10k yuan)"), places=2, validators=[Optional()])
    submit = SubmitField(_l("Save"))
