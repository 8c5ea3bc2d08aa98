from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import AnyOf, EqualTo, InputRequired, Length, Optional

from directory.accounts.forms import NEW_PASSWORD
from directory.accounts.services import MIN_PASSWORD_LENGTH
from directory.forms import strip


class SendLinkForm(FlaskForm):
    """Only a CSRF token: the link goes to the email already on the profile."""


class AskCuratorForm(FlaskForm):
    email = EmailField("Your email", validators=[InputRequired(), Length(max=254)],
                       filters=[strip])
    note = TextAreaField("How a curator can check it is you (optional)",
                         validators=[Optional(), Length(max=500)], filters=[strip])


class UseLinkForm(FlaskForm):
    credential_number = StringField("One of your credential numbers on the profile",
                                    validators=[InputRequired(), Length(max=64)],
                                    filters=[strip])
    password = PasswordField(f"Choose a password (at least {MIN_PASSWORD_LENGTH} characters)",
                             validators=NEW_PASSWORD)
    confirm = PasswordField("Repeat the password", validators=[
        InputRequired(), EqualTo("password", message="The passwords differ.")])


class DecideForm(FlaskForm):
    """The decision comes from the button pressed: "approve" sends the link."""

    decision = StringField(validators=[AnyOf(["approve", "refuse"])])


class InviteForm(FlaskForm):
    trainer_ids = TextAreaField("Trainer ids, separated by spaces, commas or lines",
                                validators=[InputRequired(), Length(max=20_000)])
