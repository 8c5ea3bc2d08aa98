"""Validation of import rows, and the report every interface returns."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from directory.fuzzy import fuzzy_lookup
from directory.geo.gazetteer import resolve_state
from directory.imports.models import JobStatus, ReviewStatus, RowAction
from directory.imports.profiles import Profile
from directory.pagination import PageArgsSchema
from directory.schemas import StrictBoolean
from directory.text import text_problem

ISO_DATE = "%Y-%m-%d"
COUNTRY_NAMES = {"us": "US", "usa": "US", "united states": "US",
                 "united states of america": "US"}


class ListDate(fields.Field):
    """A date in ISO form or any of the profile's formats; a spreadsheet's own dates too."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, date):
            return value
        formats = (ISO_DATE, *self.parent.profile.date_formats)
        for pattern in formats:
            try:
                return datetime.strptime(value, pattern).date()
            except ValueError:
                continue
        shown = ", ".join(_example(p) for p in formats)
        if any(_shape(p).fullmatch(value) for p in formats):
            raise ValidationError(f"{value!r} is not a real date.")
        raise ValidationError(f"{value!r} is not a date in this list's formats (like {shown}).")


SHAPES = {"%d": r"\d{1,2}", "%m": r"\d{1,2}", "%Y": r"\d{4}", "%y": r"\d{2}",
          "%b": r"[A-Za-z]{3}", "%B": r"[A-Za-z]+"}


def _shape(pattern: str) -> re.Pattern:
    """What a format's dates look like, impossible days included: 02/30/2026 fits
    %m/%d/%Y, so it is 'not a real date' rather than in the wrong format."""
    return re.compile(re.sub("|".join(SHAPES), lambda m: SHAPES[m.group(0)],
                             re.escape(pattern)))


def _example(pattern: str) -> str:
    return date(2026, 1, 31).strftime(pattern)


class ListStatus(fields.Field):
    """The issuer's word for a credential's standing, read as a verification status."""

    def _deserialize(self, value, attr, data, **kwargs):
        status = self.parent.profile.status(str(value))
        if status is None:
            raise ValidationError(f"Unknown status {value!r}; use active, expired or revoked "
                                  "(or the issuer's own words in its profile).")
        return status


class CertificationName(fields.Field):
    """A certification named the issuer's way, read as a catalog code."""

    def _deserialize(self, value, attr, data, **kwargs):
        found = fuzzy_lookup(str(value), self.parent.certification_names)
        if found.found is None:
            hint = (" Closest: " + "; ".join(found.suggestions) + "." if found.suggestions
                    else f" Known {self.parent.issuer} certifications: "
                    + ", ".join(sorted(set(self.parent.certification_names.values()))) + ".")
            raise ValidationError(f"Unknown {self.parent.issuer} certification {value!r}.{hint}")
        return found.found


class ImportRowSchema(Schema):
    """One row of a credential list, in canonical columns, checked and normalized."""

    # A row missing one name is still linked by its other fields (a new trainer needs
    # both, see services.Reconciler); one with neither names no one.
    first_name = fields.String(load_default=None, validate=validate.Length(1, 100))
    last_name = fields.String(load_default=None, validate=validate.Length(1, 100))
    certification = CertificationName(required=True)
    credential_number = fields.String(required=True, validate=[
        validate.Length(1, 64),
        validate.Regexp(r"^[A-Z0-9][A-Z0-9 ./-]*$",
                        error="Use letters, digits, spaces, dots, slashes and hyphens.")])
    # Missing: a new credential is verified (being on the issuer's own list is the
    # verification), and a known one keeps its status.
    status = ListStatus(load_default=None)
    issued_on = ListDate(load_default=None)
    expires_on = ListDate(load_default=None)
    email = fields.Email(load_default=None, validate=validate.Length(max=254))
    phone = fields.String(load_default=None, validate=validate.Regexp(
        r"^(?=(?:\D*\d){7,15}\D*$)[0-9 ()+.\-x]+$", flags=re.I,
        error="Give a phone number of 7 to 15 digits."))
    address_line = fields.String(load_default=None, validate=validate.Length(max=200))
    city = fields.String(load_default=None, validate=validate.Length(max=100))
    state = fields.String(load_default=None)
    postal_code = fields.String(load_default=None)
    country = fields.String(load_default="US")

    def __init__(self, profile: Profile, issuer: str, certification_names: dict[str, str]):
        super().__init__()
        self.profile, self.issuer = profile, issuer
        self.certification_names = certification_names  # name or alias -> code

    @pre_load
    def tidy(self, data, **_kwargs):
        """Trim stray whitespace; an empty cell is a missing value."""
        tidy = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = " ".join(value.split())
            if value not in ("", None):
                tidy[key] = value
        if "credential_number" in tidy:
            tidy["credential_number"] = str(tidy["credential_number"]).upper()
        if "email" in tidy:
            tidy["email"] = str(tidy["email"]).lower()
        unstorable = {key: [f"This value {problem}: correct it in the file."]
                      for key, value in tidy.items()
                      if isinstance(value, str) and (problem := text_problem(value))}
        if unstorable:
            raise ValidationError(unstorable)
        return tidy

    # Run even when a field failed, so a row's every problem is reported at once.
    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def check_place_and_dates(self, data, original, **_kwargs):
        errors = {}
        # The original values: a name too long to load still names someone.
        if not any(str(original.get(name) or "").strip() for name in ("first_name", "last_name")):
            errors["last_name"] = ["Give the holder's name: a first or a last name at least."]
        given = data.get("country", "US")
        country = COUNTRY_NAMES.get(given.casefold().replace(".", ""), given.upper())
        if not re.fullmatch(r"[A-Z]{2}", country):
            errors["country"] = [f"{data['country']!r} is not a two-letter country code."]
        data["country"] = country
        if data.get("state"):
            state = resolve_state(data["state"]) if country == "US" else data["state"]
            if state is None or len(state) != 2:
                errors["state"] = [f"{data['state']!r} is not a US state or its code."
                                   if country == "US" else
                                   f"{data['state']!r} is not a two-letter region code."]
            data["state"] = state
        if data.get("postal_code") and country == "US":
            postal = data["postal_code"]
            # Spreadsheets drop ZIP codes' leading zeros: 2134 was 02134.
            if re.fullmatch(r"\d{3,4}", postal):
                postal = postal.zfill(5)
            if not re.fullmatch(r"\d{5}(-\d{4})?", postal):
                errors["postal_code"] = [f"{data['postal_code']!r} is not a US ZIP code."]
            data["postal_code"] = postal[:5]
        # Compared as the list gives them, so the message shows the file's own dates.
        issued, expires = data.get("issued_on"), data.get("expires_on")
        if issued and expires and issued > expires:
            errors["expires_on"] = [f"Expires {expires} before it was issued ({issued})."]
        elif issued and expires and issued == expires and \
                not self.profile.expiry_is_last_valid_day:
            errors["expires_on"] = [f"Expires the day it was issued ({issued})."]
        if expires and self.profile.expiry_is_last_valid_day:
            data["expires_on"] = expires + timedelta(days=1)
        if errors:
            raise ValidationError(errors)


class ImportFormSchema(Schema):
    """The fields sent beside the file."""

    issuer = fields.String(required=True, validate=validate.Length(1, 16),
                           metadata={"description": "Issuer code, e.g. NSCA."})
    profile = fields.String(load_default=None, validate=validate.Length(1, 32),
                            metadata={"description": "Defaults to the issuer's profile."})
    map = fields.List(fields.String(validate=validate.Length(1, 200)), load_default=list,
                      metadata={"description": "Ad hoc 'Header=column' mappings."})
    dry_run = StrictBoolean(load_default=False,
                             metadata={"description": "Report only; write nothing."})
    full_list = StrictBoolean(load_default=False, metadata={
        "description": "The issuer's complete list of current credentials: the ones it "
                       "leaves out are shown to curators as not confirmed."})


class ImportFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "CSV, JSON, JSON Lines or XLSX."})


class RowErrorSchema(Schema):
    column = fields.String(metadata={"description": "The file's own header."})
    field = fields.String(metadata={"description": "The canonical column."})
    message = fields.String()


class ReportRowSchema(Schema):
    row = fields.Integer(metadata={"description": "Data rows counted from 1."})
    action = fields.Enum(RowAction, by_value=True)
    trainer_id = fields.Integer(allow_none=True)
    confidence = fields.Float(allow_none=True)
    reasons = fields.List(fields.String())
    errors = fields.List(fields.Nested(RowErrorSchema))


class SummarySchema(Schema):
    rows = fields.Integer()
    created = fields.Integer()
    linked = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    review = fields.Integer()
    rejected = fields.Integer()


class ReportSchema(Schema):
    """What an import did (or, in a dry run, would do), row by row."""

    batch_id = fields.Integer(allow_none=True, metadata={"description": "Null in a dry run."})
    issuer = fields.String()
    dry_run = StrictBoolean()
    summary = fields.Nested(SummarySchema)
    rows = fields.List(fields.Nested(ReportRowSchema))


class BatchSchema(Schema):
    """A recorded import."""

    id = fields.Integer()
    created_at = fields.DateTime()
    issuer = fields.String()
    profile = fields.String(allow_none=True)
    filename = fields.String()
    file_format = fields.String()
    sha256 = fields.String()
    size_bytes = fields.Integer()
    full_list = StrictBoolean()
    curator_id = fields.Integer(allow_none=True)
    summary = fields.Nested(SummarySchema)


class ImportJobSchema(Schema):
    """An uploaded list the background worker runs: follow it until it is done or failed."""

    id = fields.Integer()
    status = fields.Enum(JobStatus, by_value=True, metadata={
        "description": "queued, running, then done or failed."})
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    issuer = fields.String()
    filename = fields.String()
    dry_run = StrictBoolean()
    rows_done = fields.Integer(metadata={"description": "Rows reconciled so far."})
    rows_total = fields.Integer(allow_none=True, metadata={
        "description": "The file's data rows, once it has been read."})
    batch_id = fields.Integer(allow_none=True, metadata={
        "description": "The applied import (GET /api/v1/imports/{batch_id} for its report)."})
    report = fields.Raw(allow_none=True, metadata={
        "description": "A finished dry run's report, as an applied import's."})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         allow_none=True, metadata={
                             "description": "Why it failed, by field; nothing was imported."})


class CandidateSchema(Schema):
    trainer_id = fields.Integer()
    name = fields.String()
    confidence = fields.Float(allow_none=True)
    reasons = fields.List(fields.String())
    fields_ = fields.Dict(data_key="fields", attribute="fields",
                          metadata={"description": "The trainer's own values."})
    differences = fields.List(fields.String(), metadata={
        "description": "Fields where the row and the trainer disagree."})


class ReviewSchema(Schema):
    """A row that waits for a curator: its values beside the likely trainers."""

    id = fields.Integer()
    batch_id = fields.Integer()
    row = fields.Integer()
    issuer = fields.String()
    credential_number = fields.String()
    data = fields.Dict()
    reasons = fields.List(fields.String())
    candidates = fields.List(fields.Nested(CandidateSchema))
    status = fields.Enum(ReviewStatus, by_value=True, attribute="review_status")
    trainer_id = fields.Integer(allow_none=True)
    decided_by_id = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)


class ReviewQueryArgsSchema(PageArgsSchema):
    status = fields.Enum(ReviewStatus, by_value=True, load_default=ReviewStatus.PENDING)
    issuer = fields.String(load_default=None, validate=validate.Length(1, 16))


class ReviewDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["link", "create", "reject"]))
    trainer_id = fields.Integer(load_default=None, validate=validate.Range(1, 2**31 - 1),
                                metadata={"description": "The trainer to link to."})

    @validates_schema
    def trainer_for_link(self, data, **_kwargs):
        if data["decision"] == "link" and data.get("trainer_id") is None:
            raise ValidationError("Choose the trainer to link to.", "trainer_id")
        if data["decision"] != "link" and data.get("trainer_id") is not None:
            raise ValidationError("Only a link names a trainer.", "trainer_id")
