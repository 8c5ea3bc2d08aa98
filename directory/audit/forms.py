from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, IntegerField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from directory.accounts.forms import PAGE
from directory.forms import strip


class AuditFilterForm(FlaskForm):
    """The audit log's filters, read from the query string. No CSRF token: a GET changes
    nothing. The selects' choices, every kind of object and action the app records, are
    set by the view."""

    class Meta:
        csrf = False

    person = EmailField("Person (their account's email)", filters=[strip],
                        validators=[Optional(), Length(max=254)])
    object_type = SelectField("Object type", validators=[Optional()])
    object_id = StringField("Object id", filters=[strip], validators=[Optional(), Length(max=64)])
    action = SelectField("Action", validators=[Optional()])
    date_from = DateField("From (date, UTC)", validators=[Optional()])
    date_to = DateField("To (date, UTC, included)", validators=[Optional()])
    page = IntegerField(widget=HiddenInput(), validators=PAGE)

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")
