from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, EqualTo, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from directory.accounts.models import Role
from directory.accounts.services import MIN_PASSWORD_LENGTH
from directory.forms import strip
from directory.urls import MAX_DB_ID

EMAIL = [InputRequired(), Length(max=254)]
NEW_PASSWORD = [InputRequired(), Length(min=MIN_PASSWORD_LENGTH, max=128)]
CONFIRM_PASSWORD = [InputRequired(), EqualTo("password", message="The passwords differ.")]
ROLES = [SelectChoice(r.value, r.value.title()) for r in Role]
TRAINER_ID = [Optional(), NumberRange(1, MAX_DB_ID)]
PAGE = [Optional(), NumberRange(1, 100_000)]


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=EMAIL)
    password = PasswordField("Password", validators=[InputRequired(), Length(max=128)])
    remember = BooleanField("Keep me signed in on this device")


class RegisterForm(FlaskForm):
    email = EmailField("Email", validators=EMAIL)
    password = PasswordField(f"Password (at least {MIN_PASSWORD_LENGTH} characters)",
                             validators=NEW_PASSWORD)
    confirm = PasswordField("Repeat the password", validators=CONFIRM_PASSWORD)


class LogoutForm(FlaskForm):
    """Only a CSRF token: signing out is a POST so other sites cannot trigger it."""


class CreateUserForm(FlaskForm):
    email = EmailField("Email", validators=EMAIL)
    role = SelectField("Role", choices=ROLES)
    password = PasswordField(f"Initial password (at least {MIN_PASSWORD_LENGTH} characters)",
                             validators=NEW_PASSWORD)
    trainer_id = IntegerField("Trainer profile id (trainer accounts only)",
                              validators=TRAINER_ID)


class UserFilterForm(FlaskForm):
    """The user list's filters, read from the query string. No CSRF token: a GET
    changes nothing. Own ids, as the create form on the same page has a role and email."""

    class Meta:
        csrf = False

    role = SelectField("Role", id="filter-role", validators=[Optional()],
                       choices=[SelectChoice("", "Any role"), *ROLES])
    active = SelectField("Status", id="filter-active", validators=[Optional()],
                         choices=[SelectChoice("", "Active or not"),
                                  SelectChoice("yes", "Active"),
                                  SelectChoice("no", "Deactivated")])
    email = StringField("Email contains", id="filter-email", filters=[strip],
                        validators=[Optional(), Length(max=254)])
    page = IntegerField(widget=HiddenInput(), validators=PAGE)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLES)


class ActiveForm(FlaskForm):
    """Names the state to set rather than toggling, so a repeated post changes nothing."""

    active = HiddenField(validators=[InputRequired(), AnyOf(["yes", "no"])])


class LinkTrainerForm(FlaskForm):
    trainer_id = IntegerField("Trainer profile id (leave blank to unlink)",
                              validators=TRAINER_ID)


class IssueResetForm(FlaskForm):
    """Only a CSRF token: the link is for the account in the URL."""


class ResetPasswordForm(FlaskForm):
    password = PasswordField(f"New password (at least {MIN_PASSWORD_LENGTH} characters)",
                             validators=NEW_PASSWORD,
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat the new password", validators=CONFIRM_PASSWORD,
                            render_kw={"autocomplete": "new-password"})
