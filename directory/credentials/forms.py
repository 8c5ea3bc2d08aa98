"""The curators' credential forms. They check what a browser sends; the domain rules
stay in the marshmallow schemas and the services, which the API shares."""

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from directory.credentials.corrections import MAX_RESOLUTION
from directory.credentials.models import CorrectionStatus
from directory.credentials.services import MAX_REVOCATION_REASON
from directory.forms import strip
from matching.types import VerificationStatus

SOURCE_EXAMPLE = "for example: ACSM registry, checked by phone"


class AddCredentialForm(FlaskForm):
    certification = SelectField("Certification", validators=[
        InputRequired("Choose the certification.")])
    credential_number = StringField(
        "Credential number", description="As the issuer writes it.", filters=[strip],
        validators=[DataRequired("Give the credential number."), Length(max=64)])
    issued_on = DateField("Issued on (optional)", validators=[Optional()])
    expires_on = DateField("Expires on (optional)", validators=[Optional()])
    status = RadioField("Status", default=VerificationStatus.UNVERIFIED.value, choices=[
        SelectChoice(VerificationStatus.UNVERIFIED.value,
                     "Unverified: not checked with the issuer yet"),
        SelectChoice(VerificationStatus.VERIFIED.value, "Verified: checked with the issuer")])
    verification_source = StringField(
        "Verification source", filters=[strip], validators=[Optional(), Length(max=200)],
        description=f"Where and how it was checked; required when verified ({SOURCE_EXAMPLE}).")


class VerifyForm(FlaskForm):
    verification_source = StringField(
        "Source", filters=[strip], description=f"Where and how you checked it ({SOURCE_EXAMPLE}).",
        validators=[DataRequired("Say where the credential was checked."), Length(max=200)])
    expires_on = DateField("New expiry date (optional)", validators=[Optional()],
                           description="When the issuer renewed it; otherwise it keeps its date.")


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        "Reason", filters=[strip],
        description=f"Kept with the credential; at most {MAX_REVOCATION_REASON} characters.",
        validators=[DataRequired("Say why the credential is revoked."),
                    Length(max=MAX_REVOCATION_REASON)])


class ResolveCorrectionForm(FlaskForm):
    # Sent by the button pressed ("Resolve" or "Decline"), not typed.
    status = StringField(validators=[
        InputRequired("Choose resolve or decline."),
        AnyOf([CorrectionStatus.RESOLVED.value, CorrectionStatus.DECLINED.value],
              message="Choose resolve or decline.")])
    note = TextAreaField(
        "Note", filters=[strip], description="What was done and why, for the record.",
        validators=[DataRequired("Say what was done, for the record."),
                    Length(max=MAX_RESOLUTION)])
