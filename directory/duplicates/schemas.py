from marshmallow import Schema, fields, validate

from directory.duplicates.models import DuplicateStatus
from directory.duplicates.services import Decision
from directory.pagination import PageArgsSchema
from directory.trainers.models import TrainerStatus
from directory.urls import MAX_DB_ID

TRAINER_ID = validate.Range(1, MAX_DB_ID)


class PairCredentialSchema(Schema):
    certification = fields.String(attribute="certification.code")
    issuer = fields.String()
    credential_number = fields.String()


class PairTrainerSchema(Schema):
    """One of the two trainers, with what record linkage compared."""

    id = fields.Integer()
    first_name = fields.String()
    last_name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    postal_code = fields.String(allow_none=True)
    address_line = fields.String(allow_none=True)
    status = fields.Enum(TrainerStatus, by_value=True)
    merged_into_id = fields.Integer(allow_none=True)
    credentials = fields.List(fields.Nested(PairCredentialSchema))


class SuspectedDuplicateSchema(Schema):
    """Two trainers that may be one person, the engine's reasons, and the verdict."""

    id = fields.Integer()
    status = fields.Enum(DuplicateStatus, by_value=True)
    confidence = fields.Float()
    reasons = fields.List(fields.String(), metadata={
        "description": "Each field's agreement and the bits it counted, then warning signs."})
    trainers = fields.List(fields.Nested(PairTrainerSchema), attribute="pair")
    found_at = fields.DateTime()
    survivor_id = fields.Integer(allow_none=True)
    decided_by_id = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)


class DuplicateQueryArgsSchema(PageArgsSchema):
    status = fields.Enum(DuplicateStatus, by_value=True, load_default=DuplicateStatus.PENDING)


class DuplicateDecisionSchema(Schema):
    decision = fields.Enum(Decision, by_value=True, required=True)
    survivor_id = fields.Integer(load_default=None, validate=TRAINER_ID, metadata={
        "description": "For a merge, and only a merge: the trainer to keep (one of the "
                       "pair)."})


class QueueResultSchema(Schema):
    found = fields.Integer(metadata={"description": "Likely duplicate pairs found now."})
    queued = fields.Integer(metadata={"description": "New pairs added to the queue."})
    refreshed = fields.Integer(metadata={"description": "Waiting pairs rescored."})
    decided = fields.Integer(metadata={"description": "Found again, already decided."})


class MergeRequestSchema(Schema):
    survivor_id = fields.Integer(required=True, validate=TRAINER_ID, metadata={
        "description": "The trainer to keep; this one is merged into it."})


class MergeResultSchema(Schema):
    merged_id = fields.Integer()
    survivor_id = fields.Integer()
    moved = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "How many of each kind of record moved to the survivor."})
    filled = fields.List(fields.String(), metadata={
        "description": "Fields the survivor lacked and took from the merged record."})
