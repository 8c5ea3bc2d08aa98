"""Referral input (patient, FITT-VP prescription, preferences), output, and screening."""

from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from directory.accounts.models import User
from directory.accounts.permissions import Permission, can
from directory.db import today
from directory.extensions import db
from directory.schemas import StrictBoolean
from directory.trainers.models import AccessibilityFeature
from directory.trainers.schemas import LANGUAGE
from directory.urls import MAX_DB_ID
from matching.heart_rate import RPE_SCALE, MaxFormula
from matching.screening import Clearance, Intensity, StartingIntensity
from matching.types import CredentialLevel, DeliveryMode

from . import conversation, services
from .models import ConcernStatus, EntryKind, ReferralStatus, UpdateKind

TEXT = validate.Length(1, 1000)
HEART_RATE = validate.Range(30, 230, error="A heart rate must be 30-230 beats a minute.")
RPE = validate.Range(*RPE_SCALE, error="RPE is on the Borg 6-20 scale.")


def ordered(data: dict, low: str, high: str) -> None:
    """A range from `low` to `high` that does not run down (said beside `high`)."""
    if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
        raise ValidationError(f"The range runs down: this end, {data[high]:g}, is below the "
                              f"other, {data[low]:g}.", high)


class PatientSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    birth_date = fields.Date(load_default=None)
    age = fields.Integer(load_default=None, validate=validate.Range(1, 120))
    email = fields.Email(load_default=None, validate=validate.Length(max=254))
    phone = fields.String(load_default=None, validate=validate.Length(1, 32))
    place = fields.String(required=True, validate=validate.Length(1, 200), metadata={
        "description": "A US ZIP or 'City, ST': where the patient will exercise from."})
    account_email = fields.Email(load_default=None, metadata={
        "description": "The patient's ReferFit account, which may then read the referral."})

    @validates_schema
    def age_or_birth_date(self, data, **_kwargs):
        if data.get("birth_date") is None and data.get("age") is None:
            raise ValidationError("Give the patient's date of birth or age.", "age")


class IntensitySchema(Schema):
    """Heart-rate reserve (Karvonen), entered heart rates, or perceived exertion."""

    method = fields.String(load_default="heart_rate_reserve", validate=validate.OneOf(
        ["heart_rate_reserve", "heart_rate", "rpe"]))
    resting_heart_rate = fields.Integer(load_default=None, validate=HEART_RATE)
    max_formula = fields.Enum(MaxFormula, by_value=True, load_default=MaxFormula.TANAKA)
    measured_max_heart_rate = fields.Integer(load_default=None, validate=HEART_RATE, metadata={
        "description": "From an exercise test; used instead of the predicted maximum."})
    percent_low = fields.Float(load_default=40, validate=validate.Range(0, 100))
    percent_high = fields.Float(load_default=59, validate=validate.Range(0, 100))
    heart_rate_low = fields.Integer(load_default=None, validate=HEART_RATE)
    heart_rate_high = fields.Integer(load_default=None, validate=HEART_RATE)
    rpe_low = fields.Integer(load_default=None, validate=RPE)
    rpe_high = fields.Integer(load_default=None, validate=RPE)

    @validates_schema
    def ranges(self, data, **_kwargs):
        for low, high in (("percent_low", "percent_high"), ("heart_rate_low", "heart_rate_high"),
                          ("rpe_low", "rpe_high")):
            ordered(data, low, high)
        if data["method"] == "heart_rate" and (data.get("heart_rate_low") is None
                                               or data.get("heart_rate_high") is None):
            raise ValidationError("Give both heart rates, from and to.", "heart_rate_low")
        if data["method"] == "rpe" and (data.get("rpe_low") is None
                                        or data.get("rpe_high") is None):
            raise ValidationError("Give both RPE values, from and to.", "rpe_low")


class ClearanceSchema(Schema):
    given = StrictBoolean(required=True)
    up_to = fields.Enum(Intensity, by_value=True, load_default=None, metadata={
        "description": "The highest intensity the clearance covers."})
    override_reason = fields.String(load_default=None, validate=validate.Length(1, 500),
                                    metadata={"description": (
        "Why a prescription harder than the clearance covers is right for this patient; "
        "without it such a prescription is refused.")})


class PrescriptionSchema(Schema):
    """The exercise prescription in FITT-VP form."""

    goals = fields.List(fields.String(validate=TEXT), required=True,
                        validate=validate.Length(1, 10))
    frequency_per_week = fields.Integer(required=True, validate=validate.Range(1, 7))
    intensity = fields.Nested(IntensitySchema, required=True)
    time_minutes = fields.Integer(required=True, validate=validate.Range(5, 180), metadata={
        "description": "Minutes a session."})
    type = fields.String(required=True, validate=TEXT, metadata={
        "description": "e.g. brisk walking, cycling, resistance training."})
    volume = fields.String(load_default="", validate=validate.Length(max=1000))
    progression = fields.String(load_default="", validate=validate.Length(max=1000))
    avoid = fields.List(fields.String(validate=validate.Length(1, 200)), load_default=list,
                        validate=validate.Length(max=20))
    precautions = fields.String(load_default="", validate=validate.Length(max=2000))
    clearance = fields.Nested(ClearanceSchema, required=True)
    report_every_weeks = fields.Integer(load_default=4, validate=validate.Range(1, 52))


class PreferencesSchema(Schema):
    max_distance = fields.Float(load_default=25.0, validate=validate.Range(0.5, 500),
                                metadata={"description": "Miles."})
    modes = fields.List(fields.Enum(DeliveryMode, by_value=True), validate=validate.Length(1),
                        load_default=lambda: [DeliveryMode.IN_PERSON])
    budget = fields.Float(load_default=None, validate=validate.Range(0, 10_000))
    languages = fields.List(fields.String(validate=LANGUAGE), load_default=list)
    accessibility = fields.List(fields.Enum(AccessibilityFeature, by_value=True),
                                load_default=list)


class ReferralCreateSchema(Schema):
    patient = fields.Nested(PatientSchema, required=True)
    conditions = fields.List(fields.String(validate=validate.Length(1, 200)), required=True,
                             validate=validate.Length(1, 10), metadata={
        "description": "Codes, names, synonyms or ICD-10 codes."})
    medications = fields.List(fields.String(validate=validate.Length(1, 200)),
                              load_default=list, validate=validate.Length(max=30))
    heart_rate_blunted = StrictBoolean(load_default=False, metadata={
        "description": "A medication blunts the heart rate (set it when the drug is not "
                       "recognised from its name): intensity by RPE alone."})
    prescription = fields.Nested(PrescriptionSchema, required=True)
    preferences = fields.Nested(PreferencesSchema,
                                load_default=lambda: PreferencesSchema().load({}))
    min_level = fields.Enum(CredentialLevel, by_value=True, load_default=None)
    shortlist = fields.List(fields.Integer(validate=validate.Range(1, MAX_DB_ID)),
                            load_default=list, validate=validate.Length(max=5), metadata={
        "description": "Trainer ids from the ranking, in the doctor's order of preference."})
    send = StrictBoolean(load_default=False, metadata={
        "description": "Send to the first trainer on the short list at once."})


class SelfPatientSchema(PatientSchema):
    """The patient speaking for themselves: their account is the one asking."""

    class Meta:
        exclude = ("account_email",)


class SelfReferralSchema(Schema):
    """A patient asking a trainer directly, with their pre-participation screening."""

    trainer_id = fields.Integer(required=True, validate=validate.Range(1, MAX_DB_ID))
    patient = fields.Nested(SelfPatientSchema, required=True)
    conditions = fields.List(fields.String(validate=validate.Length(1, 200)),
                             load_default=list, validate=validate.Length(max=10))
    goals = fields.List(fields.String(validate=TEXT), required=True,
                        validate=validate.Length(1, 10))
    screening = fields.Nested(lambda: ScreeningSchema(), required=True)


class TransitionSchema(Schema):
    to = fields.Enum(ReferralStatus, by_value=True, required=True)
    reason = fields.String(load_default=None, validate=[TEXT, validate.Regexp(
        r"\S", error="Say why in words.")])
    trainer_id = fields.Integer(load_default=None, validate=validate.Range(1, MAX_DB_ID),
                                metadata={"description": "Whom to send it to (default: the "
                                                         "next on the short list)."})


class UpdateSchema(Schema):
    kind = fields.Enum(UpdateKind, by_value=True, load_default=UpdateKind.PROGRESS)
    sessions_attended = fields.Integer(load_default=None, validate=validate.Range(0, 500))
    weekly_minutes = fields.Integer(load_default=None, validate=validate.Range(0, 3000))
    strength_days = fields.Integer(load_default=None, validate=validate.Range(0, 7))
    resting_heart_rate = fields.Integer(load_default=None, validate=HEART_RATE)
    systolic = fields.Integer(load_default=None, validate=validate.Range(60, 260))
    diastolic = fields.Integer(load_default=None, validate=validate.Range(30, 160))
    weight_kg = fields.Float(load_default=None, validate=validate.Range(20, 400))
    six_minute_walk_m = fields.Integer(load_default=None, validate=validate.Range(0, 1200))
    notes = fields.String(load_default="", validate=validate.Length(max=4000))
    concern = StrictBoolean(load_default=False, metadata={
        "description": "Ask the doctor to review."})
    clearance_confirmed = StrictBoolean(load_default=False, metadata={
        "description": "The patient has medical clearance (needed before a self-referral's "
                       "assessment when their screening recommends it)."})

    @validates_schema
    def something_reported(self, data, **_kwargs):
        measures = [k for k in self.fields
                    if k not in ("kind", "notes", "concern", "clearance_confirmed")]
        if not any(data.get(k) is not None for k in measures) and not data.get("notes") \
                and not data.get("concern"):
            raise ValidationError("Report at least one measure or a note.", "notes")

    @validates_schema
    def pressure(self, data, **_kwargs):
        if (data.get("systolic") is None) != (data.get("diastolic") is None):
            raise ValidationError("Give both systolic and diastolic pressure.", "diastolic")
        if data.get("systolic") is not None and data["diastolic"] > data["systolic"]:
            raise ValidationError(f"The systolic pressure ({data['systolic']}) is below the "
                                  f"diastolic ({data['diastolic']}).", "systolic")


class EventSchema(Schema):
    occurred_at = fields.DateTime()
    from_status = fields.Enum(ReferralStatus, by_value=True, allow_none=True)
    to_status = fields.Enum(ReferralStatus, by_value=True)
    actor_role = fields.String()
    trainer_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)


class UpdateOutSchema(UpdateSchema):
    id = fields.Integer()
    trainer_id = fields.Integer()
    created_at = fields.DateTime()
    concern_status = fields.Enum(ConcernStatus, by_value=True, allow_none=True, metadata={
        "description": "A concern's state: open, acknowledged by the doctor, resolved."})


WORDS = validate.Length(max=4000)


class MessageSchema(Schema):
    body = fields.String(required=True, validate=[WORDS, validate.Regexp(
        r"\S", error="Write the message first.")])


class ConcernAnswerSchema(Schema):
    status = fields.Enum(ConcernStatus, by_value=True, required=True, validate=validate.OneOf(
        [ConcernStatus.ACKNOWLEDGED, ConcernStatus.RESOLVED],
        error="A concern is acknowledged (by the referrer) or resolved (by either side)."))
    message = fields.String(load_default="", validate=WORDS, metadata={
        "description": "Words to go with it, added to the conversation."})


class ThreadEntrySchema(Schema):
    id = fields.Integer()
    created_at = fields.DateTime()
    author_role = fields.String()
    kind = fields.Enum(EntryKind, by_value=True)
    body = fields.String()
    concern_id = fields.Integer(allow_none=True, metadata={
        "description": "The report whose concern this entry acknowledges, resolves or clears."})


class PatientOutSchema(Schema):
    name = fields.String(attribute="patient_name")
    birth_date = fields.Date(attribute="patient_birth_date", allow_none=True)
    age = fields.Integer(attribute="patient_age")
    email = fields.String(attribute="patient_email", allow_none=True)
    phone = fields.String(attribute="patient_phone", allow_none=True)
    place = fields.String(attribute="patient_place")


class ReferrerSchema(Schema):
    """The referring doctor as the letter shows them (DoctorProfile)."""
    name = fields.String()
    credentials = fields.String()
    npi = fields.String()
    npi_confirmed = StrictBoolean()
    practice_name = fields.String()
    address_line = fields.String()
    city = fields.String()
    state = fields.String()
    postal_code = fields.String()
    phone = fields.String()
    fax = fields.String()
    email = fields.Function(lambda d: d.user.email, metadata={"type": "string"})


def _referrer(referral) -> dict | None:
    doctor = db.session.get(User, referral.doctor_id) if referral.doctor_id else None
    return ReferrerSchema().dump(doctor.doctor_profile) \
        if doctor and doctor.doctor_profile else None


class ReferralSchema(Schema):
    """A referral with its prescription, the ranking it chose from and its timeline."""

    id = fields.Integer()
    status = fields.Enum(ReferralStatus, by_value=True)
    doctor_id = fields.Integer(allow_none=True)
    referrer = fields.Function(_referrer, metadata={
        "type": "object", "nullable": True,
        "description": "The referring doctor's name, practice and contacts (ReferrerSchema); "
                       "null for a self-referral or a doctor who gave none yet."})
    trainer_id = fields.Integer(allow_none=True)
    shortlist = fields.List(fields.Integer())
    next_on_shortlist = fields.Function(
        lambda r: services.next_on_shortlist(r) if r.status is ReferralStatus.DECLINED
        else None, metadata={"type": "integer", "nullable": True,
                             "description": "Offered to the doctor after a decline."})
    patient = fields.Function(lambda r: PatientOutSchema().dump(r))
    conditions = fields.List(fields.String())
    medications = fields.List(fields.String())
    heart_rate_blunted = StrictBoolean()
    self_referral = StrictBoolean(metadata={"description": "A patient's own, no doctor."})
    screening = fields.Dict(allow_none=True)
    prescription = fields.Dict()
    preferences = fields.Dict()
    min_level = fields.Enum(CredentialLevel, by_value=True, allow_none=True)
    report_every_weeks = fields.Integer()
    report_due_on = fields.Function(
        lambda r: d.isoformat() if (d := r.report_due_on()) else None,
        metadata={"type": "string", "format": "date", "nullable": True})
    report_overdue = fields.Function(lambda r: services.report_overdue(r, today()),
                                     metadata={"type": "boolean"})
    concern = fields.Function(lambda r: bool(conversation.open_concerns(r)), metadata={
        "type": "boolean", "description": "A report asks the doctor to review, and the "
                                          "concern is not resolved yet."})
    unread_messages = fields.Function(
        lambda r: conversation.unread_counts(db.session, current_user, [r.id]).get(r.id, 0),
        metadata={"type": "integer", "description": "Conversation entries by others that "
                                                   "the caller has not read yet."})
    ranking = fields.Function(
        lambda r: r.ranking if can(Permission.SEE_REFERRAL_RANKING, r) else None,
        metadata={"type": "object", "nullable": True, "description":
                  "The ranking the doctor chose from (StoredRankingSchema); for the "
                  "referring doctor and admins."})
    created_at = fields.DateTime()
    status_changed_at = fields.DateTime()
    delivered_by = fields.String(allow_none=True, metadata={
        "description": "How it reached the trainer: account, email (a link to claim their "
                       "profile) or undeliverable (the letter is the way)."})
    delivered_at = fields.DateTime(allow_none=True)
    opened_at = fields.DateTime(allow_none=True, metadata={
        "description": "When the addressed trainer first read it (page or API)."})
    events = fields.List(fields.Nested(EventSchema))
    updates = fields.List(fields.Nested(UpdateOutSchema))


class ReferralQueryArgsSchema(Schema):
    status = fields.Enum(ReferralStatus, by_value=True, load_default=None)


class ScreeningSchema(Schema):
    """ACSM pre-participation screening answers (Riebe et al., 2015)."""

    exercises_regularly = StrictBoolean(required=True, metadata={
        "description": "30+ minutes of moderate exercise on 3+ days a week for 3 months."})
    known_disease = StrictBoolean(required=True, metadata={
        "description": "Known cardiovascular, metabolic (diabetes) or renal disease."})
    symptoms = StrictBoolean(required=True, metadata={
        "description": "Signs or symptoms suggesting such disease."})
    desired_intensity = fields.Enum(Intensity, by_value=True, required=True)


class ScreeningResultSchema(Schema):
    medical_clearance = fields.Enum(Clearance, by_value=True)
    recommended_intensity = fields.Enum(StartingIntensity, by_value=True)
    explanation = fields.String()
