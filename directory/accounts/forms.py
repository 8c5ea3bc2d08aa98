from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, NumberRange, Optional

from directory.accounts.models import Role
from directory.accounts.services import MIN_PASSWORD_LENGTH
from directory.urls import MAX_DB_ID

EMAIL = [InputRequired(), Length(max=254)]
NEW_PASSWORD = [InputRequired(), Length(min=MIN_PASSWORD_LENGTH, max=128)]


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=EMAIL)
    password = PasswordField("Password", validators=[InputRequired(), Length(max=128)])
    remember = BooleanField("Keep me signed in on this device")


class RegisterForm(FlaskForm):
    email = EmailField("Email", validators=EMAIL)
    password = PasswordField(f"Password (at least {MIN_PASSWORD_LENGTH} characters)",
                             validators=NEW_PASSWORD)
    confirm = PasswordField("Repeat the password", validators=[
        InputRequired(), EqualTo("password", message="The passwords differ.")])


class LogoutForm(FlaskForm):
    """Only a CSRF token: signing out is a POST so other sites cannot trigger it."""


class CreateUserForm(FlaskForm):
    email = EmailField("Email", validators=EMAIL)
    role = SelectField("Role", choices=[SelectChoice(r.value, r.value.title()) for r in Role])
    password = PasswordField(f"Initial password (at least {MIN_PASSWORD_LENGTH} characters)",
                             validators=NEW_PASSWORD)
    trainer_id = IntegerField("Trainer profile id (trainer accounts only)",
                              validators=[Optional(), NumberRange(1, MAX_DB_ID)])
