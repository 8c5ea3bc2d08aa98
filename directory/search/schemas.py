from marshmallow import Schema, fields, validate

from directory.pagination import PageArgsSchema
from directory.schemas import StrictBoolean
from directory.trainers.models import AccessibilityFeature
from directory.trainers.schemas import LANGUAGE, TrainerSchema
from matching.types import CredentialLevel, DeliveryMode

SORTS = ("relevance", "distance", "price")


class TrainerSearchArgsSchema(PageArgsSchema):
    """Filters of the directory search; with none, the plain list of active trainers."""

    q = fields.String(validate=validate.Length(1, 200), metadata={
        "description": "Free text: names, conditions, certifications, places; typos allowed."})
    near = fields.String(validate=validate.Length(1, 200), metadata={
        "description": "A US ZIP, 'City, ST' or 'lat,lon'."})
    radius = fields.Float(load_default=25.0, validate=validate.Range(0.1, 500))
    units = fields.String(load_default="mi", validate=validate.OneOf(["mi", "km"]))
    condition = fields.List(fields.String(validate=validate.Length(1, 200)), metadata={
        "description": "Repeatable: a code, name, lay synonym or ICD-10 code."})
    certification = fields.List(fields.String(validate=validate.Length(1, 200)), metadata={
        "description": "Repeatable: a code or a name, e.g. 'clinical exercise physiologist'."})
    level = fields.Enum(CredentialLevel, by_value=True, metadata={
        "description": "Minimum credential level (general < specialist < clinical)."})
    verified_only = StrictBoolean(load_default=False, metadata={
        "description": "Only verified, unexpired credentials count."})
    accepting = StrictBoolean(metadata={"description": "Only trainers taking new clients."})
    mode = fields.List(fields.Enum(DeliveryMode, by_value=True), metadata={
        "description": "Repeatable: ways the patient accepts to train."})
    max_price = fields.Float(validate=validate.Range(0, 10_000))
    language = fields.String(validate=LANGUAGE)
    accessible = fields.List(fields.Enum(AccessibilityFeature, by_value=True))
    sort = fields.String(load_default="relevance", validate=validate.OneOf(SORTS))


def is_search(args: dict) -> bool:
    """Whether any filter or ordering was asked for, beyond paging."""
    filters = set(TrainerSearchArgsSchema().fields) - {
        "page", "page_size", "radius", "units", "verified_only", "sort"}
    return (any(args.get(name) not in (None, []) for name in filters)
            or args["verified_only"] or args["sort"] != "relevance")


class MatchedSchema(Schema):
    filters = fields.List(fields.String())
    terms = fields.List(fields.String())


class TrainerHitSchema(TrainerSchema):
    """A trainer in search results, with why and how far."""

    distance = fields.Float(allow_none=True, metadata={"description": "In the query's units."})
    virtual_only = StrictBoolean(metadata={
        "description": "Reached only through virtual sessions (too far, or not offering, "
                       "in-person or home visits): matched as a remote option."})
    matched = fields.Nested(MatchedSchema)
    score = fields.Float()


class TrainerSearchPageSchema(Schema):
    items = fields.List(fields.Nested(TrainerHitSchema))
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    pages = fields.Integer()
    place = fields.String(allow_none=True, metadata={"description": "How `near` was read."})
    units = fields.String()
    interpreted = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "How each condition and certification filter was read."})
