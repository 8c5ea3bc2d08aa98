from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf, InputRequired, Regexp, ValidationError

from directory.duplicates.services import Decision


class DuplicateDecisionForm(FlaskForm):
    decision = HiddenField(validators=[InputRequired(), AnyOf(list(Decision))])
    # Not Optional(): that would skip the check below when a merge names no survivor.
    survivor_id = HiddenField(validators=[Regexp(r"^([1-9][0-9]{0,9})?$")])

    def validate_survivor_id(self, field) -> None:
        if self.decision.data == Decision.MERGE and not field.data:
            raise ValidationError("Choose the trainer to keep.")
        if self.decision.data != Decision.MERGE and field.data:
            raise ValidationError("Only a merge keeps one of the two.")


class DuplicateSearchForm(FlaskForm):
    """The button that looks for duplicates (a form for its CSRF token)."""
