from marshmallow import Schema, fields, validate

from directory.schemas import StrictBoolean
from directory.trainers.models import AccessibilityFeature
from directory.trainers.schemas import LANGUAGE
from matching.types import CredentialLevel, DeliveryMode


class MatchRequestSchema(Schema):
    """A referral to match: where the patient is, what they have, what they accept."""

    near = fields.String(required=True, validate=validate.Length(1, 200), metadata={
        "description": "The patient's place: a US ZIP, 'City, ST' or 'lat,lon'."})
    conditions = fields.List(fields.String(validate=validate.Length(1, 200)),
                             load_default=list, validate=validate.Length(max=10), metadata={
        "description": "Codes, names, lay synonyms or ICD-10 codes."})
    max_distance = fields.Float(load_default=25.0, validate=validate.Range(0.5, 500))
    units = fields.String(load_default="mi", validate=validate.OneOf(["mi", "km"]))
    modes = fields.List(fields.Enum(DeliveryMode, by_value=True), validate=validate.Length(1),
                        load_default=lambda: [DeliveryMode.IN_PERSON])
    min_level = fields.Enum(CredentialLevel, by_value=True, load_default=None, metadata={
        "description": "The doctor's minimum credential level. Below clinical, it lowers "
                       "what high-risk conditions need: the doctor's explicit decision."})
    budget = fields.Float(load_default=None, validate=validate.Range(0, 10_000))
    budget_is_hard = StrictBoolean(load_default=False)
    languages = fields.List(fields.String(validate=LANGUAGE), load_default=list)
    languages_are_hard = StrictBoolean(load_default=False)
    accessibility = fields.List(fields.Enum(AccessibilityFeature, by_value=True),
                                load_default=list)
    avoid = fields.List(fields.String(validate=validate.Length(1, 200)), load_default=list,
                        validate=validate.Length(max=20), metadata={
        "description": "Exercises or movements to avoid, shown with the ranking."})
    limit = fields.Integer(load_default=10, validate=validate.Range(1, 100))


class CredentialBadgeSchema(Schema):
    """A credential as a ranking shows it: what, what level, whether it counts today."""

    certification = fields.Function(lambda c: c.certification.code,
                                    metadata={"type": "string"})
    level = fields.Function(lambda c: c.certification.level.value, metadata={"type": "string"})
    effective_status = fields.Function(lambda c: c.effective_status().value,
                                       metadata={"type": "string"})
    expires_on = fields.Date(allow_none=True)


class MatchedTrainerSchema(Schema):
    id = fields.Integer()
    name = fields.String(attribute="full_name")
    city = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    price_min = fields.Float(allow_none=True)
    price_max = fields.Float(allow_none=True)
    modes = fields.List(fields.Enum(DeliveryMode, by_value=True))
    credentials = fields.List(fields.Nested(CredentialBadgeSchema))


class MatchSchema(Schema):
    trainer = fields.Nested(MatchedTrainerSchema)
    score = fields.Float()
    distance = fields.Float(metadata={"description": "In the request's units."})
    travel = fields.String(metadata={"description": "in_person, in_home or virtual."})
    components = fields.Dict(keys=fields.String(), values=fields.Float())
    reasons = fields.List(fields.String())


class ExclusionSchema(Schema):
    trainer_id = fields.Integer()
    name = fields.String()
    distance = fields.Float()
    reasons = fields.List(fields.String())


class MatchResultSchema(Schema):
    place = fields.String()
    units = fields.String()
    conditions = fields.List(fields.Dict(keys=fields.String(), values=fields.String()))
    required_level = fields.String()
    avoid = fields.List(fields.String())
    matches = fields.List(fields.Nested(MatchSchema))
    excluded = fields.List(fields.Nested(ExclusionSchema))
