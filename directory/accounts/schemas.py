from marshmallow import Schema, fields, validate

from directory.accounts.models import Role
from directory.accounts.services import MIN_PASSWORD_LENGTH
from directory.schemas import StrictBoolean
from directory.urls import MAX_DB_ID

EMAIL = fields.Email(required=True, validate=validate.Length(max=254))
PASSWORD = fields.String(required=True, load_only=True, validate=validate.Length(1, 128))


class TokenRequestSchema(Schema):
    email = EMAIL
    password = PASSWORD
    name = fields.String(load_default="API token", validate=validate.Length(1, 100))
    lifetime_days = fields.Integer(load_default=30, validate=validate.Range(1, 365))


class TokenSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(attribute="secret", metadata={
        "description": "Shown once: send it as 'Authorization: Bearer <token>'."})


class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    role = fields.Enum(Role, by_value=True)
    active = StrictBoolean()
    trainer_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    last_login_at = fields.DateTime(allow_none=True)


class UserCreateSchema(Schema):
    email = EMAIL
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(MIN_PASSWORD_LENGTH, 128))
    role = fields.Enum(Role, by_value=True, required=True)
    trainer_id = fields.Integer(load_default=None, validate=validate.Range(1, MAX_DB_ID))


class TrainerAccountSchema(Schema):
    email = EMAIL
