from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from directory.conditions.schemas import ConditionExperienceInputSchema, ConditionExperienceSchema
from directory.credentials.schemas import CredentialInputSchema, CredentialSchema
from directory.schemas import ChangesSchema, StrictBoolean
from directory.trainers.models import (
    AccessibilityFeature,
    Gender,
    LocationPrecision,
    PaymentOption,
    SafetyItem,
    TrainerStatus,
)
from matching.types import DeliveryMode

# Fields only curators change: a trainer's identity, whether they are listed, the
# condition experience search filters on, and exact coordinates (a trainer who moves
# gives a new address, which is geocoded).
RECORD_FIELDS = {"first_name", "last_name", "status", "conditions", "latitude", "longitude"}
LANGUAGE = validate.Regexp(r"^[a-z]{2,3}$", error="Use an ISO 639 code such as 'en' or 'es'.")
PRICE = validate.Range(0, 10_000)
CAPACITY = ("New referrals the trainer takes in 30 days; null for no limit, 0 for none. "
            "A trainer at capacity is left out of matches, with that reason.")


def enum_list(enum_cls, **kwargs) -> fields.List:
    return fields.List(fields.Enum(enum_cls, by_value=True), **kwargs)


class TrainerFieldsSchema(Schema):
    """The fields a client may write; every one optional, as for a PATCH."""

    first_name = fields.String(validate=validate.Length(1, 100))
    last_name = fields.String(validate=validate.Length(1, 100))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = fields.String(allow_none=True, validate=validate.Regexp(
        r"^\+?[0-9 ().-]{7,32}$", error="Not a phone number."))
    website = fields.URL(allow_none=True, schemes={"http", "https"},
                         validate=validate.Length(max=300))
    bio = fields.String(validate=validate.Length(max=5000))
    gender = fields.Enum(Gender, by_value=True, allow_none=True)
    languages = fields.List(fields.String(validate=LANGUAGE), validate=validate.Length(1, 20))
    years_experience = fields.Integer(allow_none=True, validate=validate.Range(0, 70))
    accepting_new_clients = StrictBoolean()
    referral_capacity = fields.Integer(allow_none=True, validate=validate.Range(0, 500),
                                       metadata={"description": CAPACITY})
    modes = enum_list(DeliveryMode, validate=validate.Length(min=1))
    service_radius_km = fields.Float(allow_none=True, validate=validate.Range(0, 500))
    price_min = fields.Float(allow_none=True, validate=PRICE)
    price_max = fields.Float(allow_none=True, validate=PRICE)
    currency = fields.String(validate=validate.Regexp(
        r"^[A-Z]{3}$", error="Use a three-letter ISO 4217 code such as USD."))
    sliding_scale = StrictBoolean()
    payment_options = enum_list(PaymentOption)
    facility_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    address_line = fields.String(allow_none=True, validate=validate.Length(max=200))
    city = fields.String(allow_none=True, validate=validate.Length(1, 100))
    state = fields.String(allow_none=True, validate=validate.Regexp(
        r"^[A-Z]{2}$", error="Use the two-letter state code, such as IL."))
    postal_code = fields.String(allow_none=True, validate=validate.Regexp(
        r"^\d{5}(-\d{4})?$", error="Use a 5-digit ZIP code, or ZIP+4 such as 60614-1234."))
    country = fields.String(validate=validate.OneOf(["US"]))
    latitude = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    accessibility_features = enum_list(AccessibilityFeature)
    safety_items = enum_list(SafetyItem)
    reports_to_doctor = StrictBoolean()
    conditions = fields.List(fields.Nested(ConditionExperienceInputSchema),
                             validate=validate.Length(max=60))

    @validates_schema
    def check_ranges(self, data, **_kwargs):
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            raise ValidationError("Must not be below price_min.", "price_max")
        if ("latitude" in data) != ("longitude" in data):
            raise ValidationError("Give latitude and longitude together.", "longitude")


class TrainerUpdateSchema(TrainerFieldsSchema, ChangesSchema):
    """Changes to a trainer; location is geocoded again when place fields change."""

    status = fields.Enum(TrainerStatus, by_value=True,
                         metadata={"description": "Set 'active' to reactivate."})


class TrainerCreateSchema(TrainerFieldsSchema):
    """A new trainer. Give a place: postal_code, city and state, or latitude and longitude."""

    first_name = fields.String(required=True, validate=validate.Length(1, 100))
    last_name = fields.String(required=True, validate=validate.Length(1, 100))
    modes = enum_list(DeliveryMode, load_default=lambda: [DeliveryMode.IN_PERSON],
                      validate=validate.Length(min=1))
    credentials = fields.List(fields.Nested(CredentialInputSchema), load_default=list,
                              validate=validate.Length(max=30))
    conditions = fields.List(fields.Nested(ConditionExperienceInputSchema), load_default=list,
                             validate=validate.Length(max=60))


class LocationSchema(Schema):
    latitude = fields.Float()
    longitude = fields.Float()
    precision = fields.Enum(LocationPrecision, by_value=True)


class TrainerSchema(Schema):
    """A trainer's public profile."""

    id = fields.Integer()
    first_name = fields.String()
    last_name = fields.String()
    full_name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    bio = fields.String()
    gender = fields.Enum(Gender, by_value=True, allow_none=True)
    languages = fields.List(fields.String())
    years_experience = fields.Integer(allow_none=True)
    accepting_new_clients = StrictBoolean()
    referral_capacity = fields.Integer(allow_none=True, metadata={"description": CAPACITY})
    modes = enum_list(DeliveryMode)
    service_radius_km = fields.Float(allow_none=True)
    price_min = fields.Float(allow_none=True)
    price_max = fields.Float(allow_none=True)
    currency = fields.String()
    sliding_scale = StrictBoolean()
    payment_options = fields.List(fields.String())
    facility_name = fields.String(allow_none=True)
    address_line = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    postal_code = fields.String(allow_none=True)
    country = fields.String()
    accessibility_features = fields.List(fields.String())
    safety_items = fields.List(fields.String())
    location = fields.Nested(LocationSchema)
    reports_to_doctor = StrictBoolean()
    status = fields.Enum(TrainerStatus, by_value=True)
    credentials = fields.List(fields.Nested(CredentialSchema))
    conditions = fields.List(fields.Nested(ConditionExperienceSchema),
                             attribute="condition_experience")
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
