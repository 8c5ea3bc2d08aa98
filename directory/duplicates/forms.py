from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf, InputRequired, Optional, Regexp

from directory.duplicates.services import Decision


class DuplicateDecisionForm(FlaskForm):
    """The shape of a decision; which survivor a decision may name is the service's rule."""

    decision = HiddenField(validators=[InputRequired(), AnyOf(list(Decision))])
    survivor_id = HiddenField(validators=[Optional(), Regexp(r"^[1-9][0-9]{0,9}$")])


class DuplicateSearchForm(FlaskForm):
    """The button that looks for duplicates (a form for its CSRF token)."""
