from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from directory.schemas import ChangesSchema
from matching.types import CredentialLevel, VerificationStatus

CODE = validate.Regexp(r"^[A-Z0-9][A-Z0-9-]{1,31}$", error="Use capitals, digits and hyphens.")


class CertificationSchema(Schema):
    """A certification in the catalog."""

    code = fields.String(required=True, validate=CODE)
    issuer = fields.String(required=True, validate=validate.Length(1, 16))
    issuer_name = fields.String(required=True, validate=validate.Length(1, 200))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    level = fields.Enum(CredentialLevel, by_value=True, required=True)
    accreditation = fields.String(load_default=None, validate=validate.Length(1, 100))
    renewal_years = fields.Integer(load_default=None, validate=validate.Range(1, 10))
    aliases = fields.List(fields.String(validate=validate.Length(1, 200)), load_default=list)
    description = fields.String(load_default="", validate=validate.Length(max=1000))


class CredentialSchema(Schema):
    """A trainer's credential, with the status it really has today."""

    id = fields.Integer(dump_only=True)
    certification = fields.Function(lambda c: c.certification.code,
                                    metadata={"type": "string"})
    certification_name = fields.Function(lambda c: c.certification.name,
                                         metadata={"type": "string"})
    level = fields.Function(lambda c: c.certification.level.value,
                            metadata={"type": "string"})
    issuer = fields.String(dump_only=True)
    credential_number = fields.String(dump_only=True)
    issued_on = fields.Date(dump_only=True, allow_none=True)
    expires_on = fields.Date(dump_only=True, allow_none=True)
    status = fields.Enum(VerificationStatus, by_value=True, dump_only=True,
                         metadata={"description": "As recorded by the last verification."})
    effective_status = fields.Function(
        lambda c: c.effective_status().value,
        metadata={"type": "string", "enum": [s.value for s in VerificationStatus],
                  "description": "What counts: an expired credential is never verified."},
    )
    verified_at = fields.DateTime(dump_only=True, allow_none=True)
    verification_source = fields.String(dump_only=True, allow_none=True)


class CredentialInputSchema(Schema):
    """A credential given with a new trainer."""

    certification = fields.String(required=True, validate=validate.Length(1, 200),
                                  metadata={"description": "Catalog code or alias, e.g. ACSM-CEP."})
    credential_number = fields.String(required=True, validate=validate.Length(1, 64))
    issued_on = fields.Date(load_default=None)
    expires_on = fields.Date(load_default=None)
    status = fields.Enum(VerificationStatus, by_value=True,
                         load_default=VerificationStatus.UNVERIFIED)
    verification_source = fields.String(load_default=None, validate=validate.Length(1, 200))

    @validates_schema
    def check_dates_and_source(self, data, **_kwargs):
        issued, expires = data.get("issued_on"), data.get("expires_on")
        if issued and expires and issued > expires:
            raise ValidationError("Must not be before issued_on.", "expires_on")
        if data.get("status") is VerificationStatus.VERIFIED and not data.get(
            "verification_source"
        ):
            raise ValidationError("Say where a verified credential was checked.",
                                  "verification_source")


class CredentialUpdateSchema(ChangesSchema):
    """A curator's change to a credential: verify, revoke, or correct its dates."""

    # "expired" is never set by hand: it follows from expires_on.
    status = fields.Enum(VerificationStatus, by_value=True, validate=validate.OneOf(
        [VerificationStatus.UNVERIFIED, VerificationStatus.VERIFIED,
         VerificationStatus.REVOKED]))
    issued_on = fields.Date(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    verification_source = fields.String(
        allow_none=True, validate=validate.Length(1, 200),
        metadata={"description": "Where it was checked, or why it was revoked."})
