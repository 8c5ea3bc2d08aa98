"""The seam between referrals and the matching engine: a referral's wishes as the
engine's own Referral, ranked by directory.matches into a typed answer, and the copy of
that ranking a referral keeps (StoredRankingSchema)."""

from __future__ import annotations

from datetime import date

from marshmallow import Schema, fields
from sqlalchemy.orm import Session

from directory.errors import InvalidInput
from directory.matches import services as matches
from directory.matches.services import MatchAnswer, NotUnderstood
from directory.search.snapshot import Snapshot
from matching.distance import KM_PER_MILE
from matching.types import CredentialLevel, Preferences

RANKED = 10  # trainers shown to the doctor to choose from


def rank(session: Session, snapshot: Snapshot, today: date, place: str,
         conditions: list[str], preferences: dict, min_level: CredentialLevel | None = None,
         avoid: list[str] = (), limit: int = RANKED) -> MatchAnswer:
    """The trainers suited to a referral, best first, with those left out and why.

    `preferences` are the referral's (PreferencesSchema, distances in miles); a place or
    condition the directory does not know is refused as the referral form names it."""
    wishes = Preferences(
        max_distance_km=preferences["max_distance"] * KM_PER_MILE,
        modes=frozenset(preferences["modes"]), budget=preferences["budget"],
        languages=frozenset(preferences["languages"]),
        accessibility=frozenset(a.value for a in preferences["accessibility"]))
    try:
        request = matches.describe(session, place, conditions, wishes, min_level, avoid,
                                   limit=limit)
    except NotUnderstood as error:
        raise InvalidInput({name: messages for name, messages in (
            ("patient", {"place": error.place} if error.place else None),
            ("conditions", error.conditions)) if messages}, str(error)) from None
    return matches.match(session, snapshot, request, today)


def stored(answer: MatchAnswer) -> dict:
    """The ranking as the referral keeps it."""
    return StoredRankingSchema().dump(matches.answer_body(answer))


class StoredTrainerSchema(Schema):
    id = fields.Integer()
    name = fields.String(attribute="full_name")
    city = fields.String(allow_none=True)
    state = fields.String(allow_none=True)


class StoredMatchSchema(Schema):
    trainer = fields.Nested(StoredTrainerSchema)
    score = fields.Float()
    distance = fields.Float()
    travel = fields.String()
    components = fields.Dict(keys=fields.String(), values=fields.Float())
    reasons = fields.List(fields.String())


class StoredExclusionSchema(Schema):
    trainer_id = fields.Integer()
    name = fields.String()
    distance = fields.Float()
    reasons = fields.List(fields.String())


class StoredRankingSchema(Schema):
    """The ranking a referral keeps: what the doctor chose from, as it was then. Its own
    shape, not the matching API's, so that API may change without old referrals."""

    place = fields.String()
    units = fields.String()
    conditions = fields.List(fields.Dict(keys=fields.String(), values=fields.String()))
    required_level = fields.String()
    avoid = fields.List(fields.String())
    matches = fields.List(fields.Nested(StoredMatchSchema))
    excluded = fields.List(fields.Nested(StoredExclusionSchema))
