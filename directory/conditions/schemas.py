from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from directory.conditions.models import ConditionCategory
from matching.types import ExperienceLevel, RiskTier

ICD10_PREFIX = validate.Regexp(r"^[A-Z]([0-9][0-9A-Z]?(\.[0-9A-Z]{1,4})?)?$",
                               error="Not an ICD-10-CM code or prefix.")


class ConditionSchema(Schema):
    """A condition in the taxonomy."""

    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,47}$"))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    category = fields.Enum(ConditionCategory, by_value=True, required=True)
    risk_tier = fields.Enum(RiskTier, by_value=True, required=True)
    risk_reason = fields.String(load_default="", validate=validate.Length(max=500))
    icd10_prefixes = fields.List(fields.String(validate=ICD10_PREFIX), load_default=list)
    synonyms = fields.List(fields.String(validate=validate.Length(1, 200)), load_default=list)


class ConditionExperienceSchema(Schema):
    """What a trainer has done with one condition."""

    condition = fields.Function(lambda e: e.condition.code, metadata={"type": "string"})
    condition_name = fields.Function(lambda e: e.condition.name, metadata={"type": "string"})
    risk_tier = fields.Function(lambda e: e.condition.risk_tier.value,
                                metadata={"type": "string"})
    years = fields.Integer(allow_none=True)
    clients = fields.Integer(allow_none=True)
    level = fields.Enum(ExperienceLevel, by_value=True)


class ConditionExperienceInputSchema(Schema):
    """Experience with one condition, as a client gives it."""

    condition = fields.String(
        required=True, validate=validate.Length(1, 200),
        metadata={"description": "Condition code, name, synonym or ICD-10 code."},
    )
    years = fields.Integer(load_default=None, validate=validate.Range(0, 70))
    clients = fields.Integer(load_default=None, validate=validate.Range(0, 100_000))
    level = fields.Enum(ExperienceLevel, by_value=True, required=True)

    @validates_schema
    def check_some_measure(self, data, **_kwargs):
        if data.get("years") is None and data.get("clients") is None:
            raise ValidationError("Give years, clients or both.", "years")
