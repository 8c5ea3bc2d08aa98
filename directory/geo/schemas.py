from marshmallow import Schema, fields, validate

from directory.trainers.models import LocationPrecision


class GeocodeArgsSchema(Schema):
    q = fields.String(required=True, validate=validate.Length(1, 200),
                      metadata={"description": "A US ZIP, 'City, ST' or 'lat,lon'."})


class PlaceSchema(Schema):
    label = fields.String()
    latitude = fields.Float()
    longitude = fields.Float()
    precision = fields.Enum(LocationPrecision, by_value=True)
    city = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    postal_code = fields.String(allow_none=True)
