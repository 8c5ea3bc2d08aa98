from flask_wtf import FlaskForm
from wtforms import StringField, TelField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from directory.accounts.forms import RegisterForm
from directory.doctors.npi import npi_problem
from directory.forms import strip

PHONE = [Optional(), Length(max=32), Regexp(r"^[0-9 ()+.\-]+$", message=(
    "Use digits, spaces and ( ) + - . only."))]


def valid_npi(_form, field) -> None:
    if problem := npi_problem(field.data or ""):
        raise ValidationError(problem)


class DoctorProfileForm(FlaskForm):
    name = StringField("Your name", validators=[InputRequired(), Length(max=200)],
                       filters=[strip])
    credentials = StringField("Credentials (MD, DO, NP, PA ...)",
                              validators=[Length(max=60)], filters=[strip])
    npi = StringField("NPI (10 digits)", validators=[InputRequired(), valid_npi],
                      filters=[strip])
    practice_name = StringField("Practice", validators=[Length(max=200)], filters=[strip])
    address_line = StringField("Street address", validators=[Length(max=200)],
                               filters=[strip])
    city = StringField("City", validators=[Length(max=100)], filters=[strip])
    state = StringField("State (2 letters)", validators=[Optional(), Regexp(
        r"^[A-Za-z]{2}$", message="Two letters, such as IL.")], filters=[strip])
    postal_code = StringField("ZIP code", validators=[Optional(), Regexp(
        r"^\d{5}(-\d{4})?$", message="Five digits, or ZIP+4.")], filters=[strip])
    phone = TelField("Phone", validators=PHONE, filters=[strip])
    fax = TelField("Fax", validators=PHONE, filters=[strip])


class DoctorRegisterForm(RegisterForm, DoctorProfileForm):
    """An account and its practice details at once; an admin approves it."""
