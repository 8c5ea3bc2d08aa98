"""Forms of the trainer pages: one set of field definitions for curators and trainers.

The forms capture what people type; the API's marshmallow schemas judge it, so a page
and the API can never disagree. `payload()` gives a form's values in the shape the
schemas load, and `add_errors()` puts the schemas' (and services') messages back
next to the fields they are about.
"""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from directory.credentials.corrections import MAX_MESSAGE
from directory.forms import strip
from directory.labels import ACCESSIBILITY, MODES, PAYMENT_OPTIONS, SAFETY
from directory.trainers.models import Gender, TrainerStatus
from directory.trainers.services import ListSort, TrainerListFilters, Verification
from matching.types import CredentialLevel, ExperienceLevel

BLANK_CONDITION_ROWS = 3
MAX_CONDITIONS = 60  # as TrainerFieldsSchema allows


def _upper(value):
    return value.upper() if isinstance(value, str) else value


class TextField(StringField):
    """One line of text; left blank, it means "not given" (None), as the API takes it."""

    def __init__(self, *args, filters=(), **kwargs):
        super().__init__(*args, filters=[strip, *filters], **kwargs)

    def payload(self):
        return None if self.data in (None, "") else self.data


class NumberField(TextField):
    """A number as typed: the schema reads it, so its range messages are the API's."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(*args, **kwargs)

    def _value(self) -> str:
        # A stored 80.0 shows as "80", as people write prices.
        if isinstance(self.data, float):
            return f"{self.data:g}"
        return super()._value()


class CodesField(TextField):
    """Codes typed as "en, es": a list of lower-case codes in the payload."""

    def _value(self) -> str:
        return ", ".join(self.data) if isinstance(self.data, list) else super()._value()

    def payload(self) -> list[str]:
        if isinstance(self.data, list):  # not in the submitted form: the stored codes
            return self.data
        return [code for code in re.split(r"[\s,]+", (self.data or "").lower()) if code]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def payload(self) -> list[str]:
        return self.data


class CheckField(BooleanField):
    def payload(self) -> bool:
        return self.data


class LongTextField(TextAreaField):
    """Free text; blank stays an empty text, not "not given"."""

    def __init__(self, *args, filters=(), **kwargs):
        super().__init__(*args, filters=[strip, *filters], **kwargs)

    def payload(self) -> str:
        return self.data or ""


class ChoiceField(SelectField):
    """A choice whose blank option means "not given"."""

    def process_data(self, value):
        # Nothing stored is the blank option, which the choices accept.
        super().process_data("" if value is None else value)

    def payload(self):
        return self.data or None


def _choices(labels: dict[str, str], blank: str | None = None) -> list[SelectChoice]:
    """Options for each value and label, after a blank option if one is named."""
    return ([SelectChoice("", blank)] if blank else []) + [
        SelectChoice(value, label) for value, label in labels.items()]


def _enum_labels(enum_cls) -> dict[str, str]:
    return {member.value: member.value.replace("_", "-").capitalize() for member in enum_cls}


def messages_of(errors) -> list[str]:
    """Every message in a marshmallow error tree (lists of items keyed by index)."""
    if isinstance(errors, str):
        return [errors]
    values = errors.values() if isinstance(errors, dict) else errors
    return list(dict.fromkeys(m for value in values for m in messages_of(value)))


def has_errors(form) -> bool:
    """Whether any field of the form, or of its rows, or the form itself has an error."""
    return bool(form.form_errors) or any(_field_has_errors(field) for field in form)


def _field_has_errors(field) -> bool:
    if isinstance(field, FieldList):
        return any(_field_has_errors(entry) for entry in field)
    if isinstance(field, FormField):
        return has_errors(field.form)
    return bool(field.errors)


class PageForm(FlaskForm):
    """A form whose refusals, its own or the services', are shown on its fields."""

    def refused(self) -> bool:
        """Whether the form was turned down: its page answers 422 and says so."""
        return has_errors(self)

    def add_errors(self, errors: dict) -> None:
        """Put schema or service errors next to their fields; the rest above the form.

        A field the form itself refused keeps the form's message, worded for people
        ("Choose at least one way to train" rather than the schema's length rule).
        """
        for name, messages in errors.items():
            field = self._fields.get(name)
            if isinstance(field, Field) and not isinstance(field, FieldList):
                if not field.errors:
                    field.errors.extend(messages_of(messages))
            else:
                self.form_errors.extend(
                    f"{name.replace('_', ' ')}: {m}" for m in messages_of(messages))


class PayloadForm(PageForm):
    """A form for a body the API's schemas load."""

    def payload(self) -> dict:
        """The form's values as the API's JSON body."""
        return {name: field.payload() for name, field in self._fields.items()
                if hasattr(field, "payload")}


class TrainerProfileForm(PayloadForm):
    """What a trainer may say of themselves (the descriptive fields)."""

    bio = LongTextField("About", render_kw={"rows": 5})
    modes = CheckboxesField("Ways to train", choices=_choices(MODES), default=["in_person"],
                            validators=[InputRequired("Choose at least one way to train.")])
    service_radius_km = NumberField(
        "Home-visit radius (km)", description="Needed when you visit clients' homes.")
    languages = CodesField("Languages", default=["en"],
                           validators=[InputRequired("Give at least one language.")],
                           description="ISO codes separated by commas, e.g. en, es.")
    accepting_new_clients = CheckField("Taking new clients", default=True)
    referral_capacity = NumberField(
        "New referrals a month", description="How many new referrals are taken in 30 days. "
        "Leave blank for no limit; 0 takes none.")
    price_min = NumberField("Lowest price per session")
    price_max = NumberField("Highest price per session")
    sliding_scale = CheckField("Sliding scale available")
    payment_options = CheckboxesField("Payment accepted", choices=_choices(PAYMENT_OPTIONS))
    accessibility_features = CheckboxesField("Accessibility", choices=_choices(ACCESSIBILITY))
    phone = TextField("Phone")
    website = TextField("Website", widget=URLField.widget,
                        description="The full address, starting with https://")


class ConditionRowForm(Form):
    """One condition a trainer has experience with; choices come from the catalog."""

    # Blank by default, so the blank rows added for new entries are valid choices.
    condition = SelectField("Condition", choices=[], default="")
    level = SelectField("Level", default="", choices=_choices(_enum_labels(ExperienceLevel),
                                                              blank="Choose"))
    years = NumberField("Years")
    clients = NumberField("Clients")

    def is_blank(self) -> bool:
        # A row without a condition is left out: that is how a curator removes one.
        return not self.condition.data

    def payload(self) -> dict:
        # Left out rather than blank, so the schema says which required value is missing.
        values = {"condition": self.condition.data, "level": self.level.data or None,
                  "years": self.years.payload(), "clients": self.clients.payload()}
        return {key: value for key, value in values.items() if value is not None}


class TrainerRecordForm(TrainerProfileForm):
    """Every field of a trainer's record, for curators."""

    first_name = TextField("First name", validators=[InputRequired("Give the first name.")])
    last_name = TextField("Last name", validators=[InputRequired("Give the last name.")])
    email = TextField("Email", widget=EmailField.widget)
    gender = ChoiceField("Gender", choices=_choices(_enum_labels(Gender), blank="Not given"))
    years_experience = NumberField("Years of experience")
    currency = TextField("Currency", default="USD", filters=[_upper],
                         description="Three-letter code, e.g. USD.")
    facility_name = TextField("Facility")
    address_line = TextField("Street address")
    city = TextField("City")
    state = TextField("State", filters=[_upper], description="Two-letter code, e.g. NY.")
    postal_code = TextField("ZIP code", description="Five digits, or ZIP+4.")
    safety_items = CheckboxesField("Safety", choices=_choices(SAFETY))
    reports_to_doctor = CheckField("Reports progress to the referring doctor", default=True)
    conditions = FieldList(FormField(ConditionRowForm), max_entries=MAX_CONDITIONS
                           + BLANK_CONDITION_ROWS)

    def offer_conditions(self, choices: dict[str, str]) -> None:
        """Give every row the catalog's conditions (code: name), and blank rows to add more."""
        filled = len(self.filled_condition_rows())
        while len(self.conditions) < filled + BLANK_CONDITION_ROWS:
            self.conditions.append_entry()
        for row in self.conditions:
            row.form.condition.choices = _choices(choices, blank="Choose a condition")

    def filled_condition_rows(self) -> list[ConditionRowForm]:
        return [row.form for row in self.conditions if not row.form.is_blank()]

    def payload(self) -> dict:
        return super().payload() | {
            "conditions": [row.payload() for row in self.filled_condition_rows()]}

    def add_errors(self, errors: dict) -> None:
        rows = errors.get("conditions")
        if isinstance(rows, dict) and all(isinstance(i, int) for i in rows):
            self._add_row_errors(rows)
            errors = {k: v for k, v in errors.items() if k != "conditions"}
        super().add_errors(errors)

    def _add_row_errors(self, rows: dict) -> None:
        # Row numbers in the errors count the filled rows the payload carried.
        filled = self.filled_condition_rows()
        for index, fields in rows.items():
            row = filled[index]
            for name, messages in fields.items():
                # A message about the row as a whole goes with its condition.
                (row[name] if name in row else row.condition).errors.extend(
                    messages_of(messages))


class StatusForm(PageForm):
    """Hide a trainer from search and matching, or list them again."""

    status = HiddenField(validators=[AnyOf([s.value for s in TrainerStatus])])
    confirm = BooleanField(validators=[InputRequired("Tick the box to confirm.")])


class CorrectionForm(PageForm):
    """A trainer asks the curators to correct a credential, or to add a missing one."""

    credential_id = SelectField("Which credential")
    message = LongTextField("What is wrong, and what should it say?",
                            render_kw={"rows": 4, "maxlength": MAX_MESSAGE})

    def offer_credentials(self, credentials) -> None:
        self.credential_id.choices = [
            SelectChoice(str(c.id), f"{c.certification.code} {c.credential_number}")
            for c in credentials] + [SelectChoice("", "A credential that is not listed")]


class TrainerFilterForm(Form):
    """The curators' list filters, read from the query string (no CSRF: it only reads)."""

    name = StringField("Name", default="", filters=[strip], validators=[Length(max=100)])
    place = StringField("City, state or ZIP", default="", filters=[strip],
                        validators=[Length(max=100)])
    # Each blank by default: a query string without the filter means "any".
    level = SelectField("Verified credential at level", default="",
                        choices=_choices(_enum_labels(CredentialLevel), blank="Any"))
    verification = SelectField("Verification", default="", choices=_choices({
        Verification.VERIFIED: "Has a verified credential",
        Verification.UNVERIFIED_ONLY: "Only unverified credentials",
        Verification.NONE: "No credentials"}, blank="Any"))
    expiring = SelectField("A verified credential expires within", default="", choices=_choices(
        {"30": "30 days", "60": "60 days", "90": "90 days"}, blank="Any time"))
    flagged = BooleanField("Only trainers who asked for a correction")
    status = SelectField("Status", default="active", choices=_choices(
        {"active": "Active", "inactive": "Inactive", "all": "All"}))
    sort = SelectField("Sort by", default=ListSort.NAME, choices=_choices({
        ListSort.NAME: "Name", ListSort.CITY: "City", ListSort.EXPIRY: "Soonest expiry",
        ListSort.UPDATED: "Last updated"}))
    order = SelectField("Order", default="asc", choices=_choices(
        {"asc": "Ascending", "desc": "Descending"}))
    page = IntegerField("Page", default=1, validators=[NumberRange(1, 100_000)])

    def filters(self) -> TrainerListFilters:
        return TrainerListFilters(
            name=self.name.data, place=self.place.data,
            level=CredentialLevel(self.level.data) if self.level.data else None,
            verification=Verification(self.verification.data)
            if self.verification.data else None,
            expiring_within_days=int(self.expiring.data) if self.expiring.data else None,
            flagged=self.flagged.data,
            status=None if self.status.data == "all" else TrainerStatus(self.status.data),
            sort=ListSort(self.sort.data), descending=self.order.data == "desc")
