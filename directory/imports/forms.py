from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from directory.imports.profiles import COLUMNS


class ImportForm(FlaskForm):
    file = FileField("Credential list (CSV, JSON, JSON Lines or XLSX)",
                     validators=[FileRequired("Choose the file to import.")])
    issuer = SelectField("Certifying body", validators=[InputRequired()])
    profile = SelectField("Column profile", validators=[Optional()])
    mapping = TextAreaField(
        "Extra column mapping, one 'Header=column' per line (optional). Columns: "
        + ", ".join(COLUMNS), validators=[Optional(), Length(max=4000)])
    dry_run = BooleanField("Preview first: show what would happen and write nothing",
                           default=True)
    full_list = BooleanField("This is the issuer's complete list of current credentials "
                             "(credentials it leaves out are listed as not confirmed)")


class ApplyPreviewForm(FlaskForm):
    """Applies a finished preview's file, kept with its job: the button and its token."""


class ReviewDecisionForm(FlaskForm):
    decision = HiddenField(validators=[InputRequired(), Regexp(r"^(link|create|reject)$")])
    trainer_id = HiddenField(validators=[Optional(), Regexp(r"^[1-9][0-9]{0,9}$")])

    def validate_trainer_id(self, field) -> None:
        if self.decision.data == "link" and not field.data:
            raise ValidationError("Choose the trainer to link to.")
        if self.decision.data != "link" and field.data:
            raise ValidationError("Only a link names a trainer.")
