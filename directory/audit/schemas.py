from marshmallow import Schema, fields, validate

from directory.pagination import PageArgsSchema
from directory.urls import MAX_DB_ID


class AuditQueryArgsSchema(PageArgsSchema):
    actor_id = fields.Integer(validate=validate.Range(1, MAX_DB_ID))
    action = fields.String(validate=validate.Length(1, 32))
    object_type = fields.String(validate=validate.Length(1, 64))
    object_id = fields.String(validate=validate.Length(1, 64))
    request_id = fields.String(validate=validate.Length(1, 64))
    import_batch_id = fields.Integer(validate=validate.Range(1, MAX_DB_ID))
    since = fields.AwareDateTime(default_timezone=None,
                                 metadata={"description": "ISO 8601 with a UTC offset."})
    until = fields.AwareDateTime(default_timezone=None)


class AuditEventSchema(Schema):
    id = fields.Integer()
    occurred_at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    actor_role = fields.String()
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String(allow_none=True)
    changes = fields.Dict()
    request_id = fields.String(allow_none=True)
    import_batch_id = fields.Integer(allow_none=True)
