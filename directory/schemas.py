"""Marshmallow fields and schemas every domain's schemas share."""

from marshmallow import Schema, ValidationError, fields, validates_schema


class StrictBoolean(fields.Boolean):
    """A JSON true or false, or the words a form or query string sends ("true", "on",
    "0"...); never a number: marshmallow's Boolean would take 0 and 1 from JSON, and
    with them a client's mistake (or 2, which it refuses) for an answer."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool | str):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class ChangesSchema(Schema):
    """A PATCH body: the fields to change, at least one of them."""

    @validates_schema
    def some_change(self, data, **_kwargs):
        if not data:
            raise ValidationError("Send at least one field to change.")
