"""Feed the matching engine from the directory, and shape its answer.

The engine (matching/) is pure; this module is the one place that turns database rows
into its Candidates. The search snapshot prefilters with the engine's own gates and
pre-scores with its weights on arrays, so only the few hundred most promising trainers
near the patient (and the nearest ones, whatever their gates, for the exclusions a
doctor would ask about) are loaded and ranked exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.conditions.models import Condition, ConditionCategory, TrainerConditionExperience
from directory.credentials.models import Certification
from directory.credentials.models import Credential as CredentialRow
from directory.db import utcnow
from directory.errors import InvalidInput
from directory.geo.services import Place
from directory.referrals.capacity import filled
from directory.search.services import haversine_km_array, read_conditions, read_place
from directory.search.snapshot import FEATURE_BITS, Snapshot
from directory.trainers.models import Trainer, TrainerStatus
from matching import rank
from matching.credentials import effective_status, required_rank
from matching.distance import KM_PER_MILE
from matching.scoring import (
    DEPTH,
    PERFORMANCE_RANK_FOR_ATHLETES,
    PERFORMANCE_RANK_OTHERWISE,
    RISK_WEIGHT,
    UNVERIFIED_CREDIT,
    WEIGHTS,
    nearness,
)
from matching.types import (
    CLINICAL_RANK,
    Candidate,
    ConditionNeed,
    Credential,
    CredentialLevel,
    DeliveryMode,
    Experience,
    Point,
    Preferences,
    Ranking,
    Referral,
    RiskTier,
)

# How many pre-scored trainers the engine ranks exactly, and how many of the nearest.
PRESCORED = 150
NEAREST = 20
DEPTH_BY_RANK = np.array([0.0, *DEPTH.values()])  # snapshot depth 0..3 -> engine depth


@dataclass(frozen=True)
class MatchRequest:
    referral: Referral
    place: Place
    units: str
    limit: int
    interpreted: dict[str, str]
    condition_ids: dict[str, int]  # code -> id, for the snapshot's columns


@dataclass(frozen=True)
class MatchAnswer:
    request: MatchRequest
    ranking: Ranking
    trainers: dict[int, Trainer]

    def ranked_ids(self) -> list[int]:
        return [m.candidate_id for m in self.ranking.matches]

    def exclusion_reasons(self) -> dict[int, tuple[str, ...]]:
        """Why each nearby trainer left out was left out."""
        return {e.candidate_id: e.reasons for e in self.ranking.excluded}

    def in_units(self, km: float) -> float:
        """A distance in the request's units, as shown."""
        return round(km / (KM_PER_MILE if self.request.units == "mi" else 1.0), 1)

    @property
    def required_level(self) -> str:
        """The credential level the referral's conditions (or the doctor) call for."""
        referral = self.request.referral
        if referral.min_level is CredentialLevel.PERFORMANCE:
            return CredentialLevel.PERFORMANCE.value
        return {1: "general", 2: "specialist", 3: "clinical"}[required_rank(referral)]


class NotUnderstood(Exception):
    """A referral's place or conditions matched nothing: what was said of each."""

    def __init__(self, place: list[str], conditions: list[str]):
        super().__init__("Some of the referral was not understood.")
        self.place, self.conditions = place, conditions


def describe(session: Session, near: str, conditions: Sequence[str],
             preferences: Preferences, min_level: CredentialLevel | None = None,
             avoid: Sequence[str] = (), units: str = "mi", limit: int = 10) -> MatchRequest:
    """The engine's Referral for a patient at `near` with `conditions` (codes, names,
    synonyms or ICD-10), or NotUnderstood."""
    errors, interpreted = {}, {}
    place = read_place(near, "place", errors)
    condition_ids = read_conditions(session, conditions, "conditions", errors, interpreted)
    if place is None and not errors.get("place"):
        errors["place"] = ["Give a place: a US ZIP or 'City, ST'."]
    if errors:
        raise NotUnderstood(errors.get("place", []), errors.get("conditions", []))
    rows = session.scalars(select(Condition).where(Condition.id.in_(condition_ids))
                           .order_by(Condition.id)).all()
    referral = Referral(
        location=Point(place.latitude, place.longitude),
        conditions=tuple(ConditionNeed(c.code, c.name, c.risk_tier,
                                       c.category is ConditionCategory.SURGICAL)
                         for c in rows),
        min_level=min_level, avoid=tuple(avoid), preferences=preferences)
    return MatchRequest(referral, place, units, limit, interpreted,
                        {c.code: c.id for c in rows})


def read_request(session: Session, args: dict) -> MatchRequest:
    """The request the API's (and the match page's) arguments describe, or InvalidInput
    naming their fields."""
    per_unit = KM_PER_MILE if args["units"] == "mi" else 1.0
    preferences = Preferences(
        max_distance_km=args["max_distance"] * per_unit, modes=frozenset(args["modes"]),
        budget=args["budget"], budget_is_hard=args["budget_is_hard"],
        languages=frozenset(args["languages"]), languages_are_hard=args["languages_are_hard"],
        accessibility=frozenset(f.value for f in args["accessibility"]))
    try:
        return describe(session, args["near"], args["conditions"], preferences,
                        args["min_level"], args["avoid"], args["units"], args["limit"])
    except NotUnderstood as error:
        raise InvalidInput({name: messages for name, messages in (
            ("near", error.place), ("conditions", error.conditions)) if messages},
            str(error)) from None


def match(session: Session, snapshot: Snapshot, request: MatchRequest,
          today: date) -> MatchAnswer:
    # Read live, not from the snapshot: a referral sent a moment ago takes a place.
    full = filled(session, utcnow())
    ids = candidate_ids(snapshot, request.referral, request.condition_ids, full)
    ranking = rank(request.referral, load_candidates(session, ids, today, full),
                   limit=request.limit, units=request.units)
    shown = [m.candidate_id for m in ranking.matches] + [e.candidate_id
                                                          for e in ranking.excluded]
    return MatchAnswer(request, ranking, _load(session, shown))


def candidate_ids(snapshot: Snapshot, referral: Referral, condition_ids: dict[str, int],
                  full: frozenset[int] = frozenset()) -> list[int]:
    """The trainers worth ranking exactly: the best pre-scored, and the nearest."""
    prefs, here = referral.preferences, referral.location
    online = DeliveryMode.VIRTUAL in prefs.modes
    if online:
        rows = np.arange(len(snapshot))
    else:
        dlat = prefs.max_distance_km / 111.0
        band = snapshot.band(here.latitude - dlat, here.latitude + dlat)
        rows = np.arange(band.start, band.stop)
    distance = haversine_km_array(here.latitude, here.longitude, snapshot.latitude[rows],
                                  snapshot.longitude[rows])
    in_range = distance <= prefs.max_distance_km
    nearest = rows[in_range][np.argsort(distance[in_range], kind="stable")[:NEAREST]]
    eligible = _passes_gates(snapshot, rows, distance, referral, full)
    # The nearest that fail a gate: the exclusions a doctor would ask about.
    failing = in_range & ~eligible
    nearest_failing = rows[failing][np.argsort(distance[failing], kind="stable")[:NEAREST]]
    rows, distance = rows[eligible], distance[eligible]
    score = _prescore(snapshot, rows, distance, referral, condition_ids)
    best = rows[_best(score, distance, snapshot.ids[rows], PRESCORED)]
    chosen = np.concatenate([best, nearest, nearest_failing])
    return sorted({int(i) for i in snapshot.ids[chosen]})


def _best(score, distance, ids, count: int) -> np.ndarray:
    """Positions of the `count` best in the engine's order (score, then distance, then
    id), sorting only those tied with or above the count-th score."""
    if len(score) > count:
        kth = np.partition(-score, count - 1)[count - 1]
        contenders = np.flatnonzero(-score <= kth)
    else:
        contenders = np.arange(len(score))
    order = np.lexsort((ids[contenders], distance[contenders], -score[contenders]))
    return contenders[order[:count]]


def _passes_gates(snapshot: Snapshot, rows, distance, referral: Referral,
                  full: frozenset[int]) -> np.ndarray:
    """The engine's gates on arrays: a superset is fine, the engine checks exactly."""
    prefs = referral.preferences
    reach = _physical_reach(snapshot, rows, distance, prefs)
    if DeliveryMode.VIRTUAL in prefs.modes:
        reach |= snapshot.virtual[rows]
    keep = reach & snapshot.accepting[rows] & snapshot.takes_referrals[rows]
    if full:
        keep &= ~np.isin(snapshot.ids[rows], np.fromiter(full, dtype=np.int64))
    verified = snapshot.verified_rank[rows]
    minimum = referral.min_level
    lowered = minimum in (CredentialLevel.GENERAL, CredentialLevel.SPECIALIST)
    if any(c.risk_tier is RiskTier.HIGH for c in referral.conditions) and not lowered:
        keep &= verified >= CLINICAL_RANK[CredentialLevel.CLINICAL]
    if minimum is CredentialLevel.PERFORMANCE:
        keep &= _performance(snapshot.verified_certifications, snapshot, rows)
    elif minimum is not None:
        keep &= verified >= CLINICAL_RANK[minimum]  # the clinical ladder only, as the engine
    if prefs.budget_is_hard and prefs.budget is not None:
        keep &= snapshot.price_min[rows] <= prefs.budget
    if prefs.languages_are_hard and prefs.languages:
        spoken = np.zeros(len(rows), dtype=bool)
        for code in prefs.languages & snapshot.languages.keys():
            spoken |= snapshot.languages[code][rows]
        keep &= spoken
    return keep


def _physical_reach(snapshot: Snapshot, rows, distance, prefs: Preferences) -> np.ndarray:
    """Rows the patient can meet in person or at home within range (as travel() does)."""
    in_range = distance <= prefs.max_distance_km
    reach = np.zeros(len(rows), dtype=bool)
    if DeliveryMode.IN_PERSON in prefs.modes:
        reach |= snapshot.in_person[rows] & in_range
    if DeliveryMode.IN_HOME in prefs.modes:
        reach |= snapshot.in_home[rows] & in_range & (
            distance <= snapshot.service_radius_km[rows])
    return reach


def _prescore(snapshot: Snapshot, rows, distance, referral: Referral,
              condition_ids: dict[str, int]) -> np.ndarray:
    """The engine's score on arrays (matching.scoring), rounded as the engine rounds.

    It must agree with matching/ranking.py term for term: the best `limit` candidates
    are taken from it, and a candidate it under-scores would silently go missing.
    """
    needed = required_rank(referral)
    athletic = all(c.performance_friendly for c in referral.conditions)
    performance_rank = PERFORMANCE_RANK_FOR_ATHLETES if athletic else PERFORMANCE_RANK_OTHERWISE
    verified_performance = _performance(snapshot.verified_certifications, snapshot, rows)
    counting_performance = _performance(snapshot.counting_certifications, snapshot, rows)
    verified = np.maximum(snapshot.verified_rank[rows],
                          np.where(verified_performance, performance_rank, 0))
    unverified = np.maximum(snapshot.unverified_rank[rows],
                            np.where(counting_performance & ~verified_performance,
                                     performance_rank, 0))
    credential = np.maximum(np.minimum(1.0, verified / needed),
                            UNVERIFIED_CREDIT * np.minimum(1.0, unverified / needed))
    if referral.conditions:
        total = sum(RISK_WEIGHT[c.risk_tier] for c in referral.conditions)
        specialty = sum(
            RISK_WEIGHT[c.risk_tier] * DEPTH_BY_RANK[snapshot.depth(condition_ids[c.code])[rows]]
            for c in referral.conditions) / total
    else:
        specialty = np.ones(len(rows))
    prefs = referral.preferences
    online = snapshot.virtual[rows] if DeliveryMode.VIRTUAL in prefs.modes \
        else np.zeros(len(rows), dtype=bool)
    near = np.where(online, 1.0, nearness(distance, prefs.max_distance_km))
    score = (WEIGHTS["credential_fit"] * credential + WEIGHTS["specialty_overlap"] * specialty
             + WEIGHTS["distance"] * near
             + WEIGHTS["preferences"] * _preferences(snapshot, rows, distance, prefs))
    return np.round(score, 6)


def _preferences(snapshot: Snapshot, rows, distance, prefs: Preferences) -> np.ndarray:
    """matching.ranking._preferences on arrays: the share of soft wishes met."""
    met, asked = np.zeros(len(rows)), np.zeros(len(rows))
    if prefs.budget is not None:
        asked += 1
        met += snapshot.price_min[rows] <= prefs.budget  # no price: not met
    if prefs.languages:
        asked += 1
        spoken = np.zeros(len(rows), dtype=bool)
        for code in prefs.languages & snapshot.languages.keys():
            spoken |= snapshot.languages[code][rows]
        met += spoken
    if prefs.accessibility:
        # Asked only of trainers met in person (as travel() picks the mode).
        in_person = (snapshot.in_person[rows] & (distance <= prefs.max_distance_km)) \
            if DeliveryMode.IN_PERSON in prefs.modes else np.zeros(len(rows), dtype=bool)
        bits = sum(FEATURE_BITS[f] for f in prefs.accessibility)
        asked += in_person
        met += in_person & ((snapshot.accessibility[rows] & bits) == bits)
    return np.where(asked > 0, met / np.maximum(asked, 1), 1.0)


def _performance(columns: dict, snapshot: Snapshot, rows) -> np.ndarray:
    held = np.zeros(len(rows), dtype=bool)
    for certification_id in snapshot.performance_ids & columns.keys():
        held |= columns[certification_id][rows]
    return held


def _load(session: Session, ids: list[int]) -> dict[int, Trainer]:
    return {t.id: t for t in session.scalars(
        select(Trainer).where(Trainer.id.in_(ids)).options(
            selectinload(Trainer.credentials), selectinload(Trainer.condition_experience)))}


def load_candidates(session: Session, ids: list[int], today: date,
                    full: frozenset[int] = frozenset()) -> list[Candidate]:
    """The engine's view of these trainers, read with three plain queries (no ORM
    objects: a few hundred candidates per referral must load in milliseconds)."""
    credentials, experience = defaultdict(list), defaultdict(list)
    for trainer_id, code, level, status, expires_on in session.execute(
            select(CredentialRow.trainer_id, Certification.code, Certification.level,
                   CredentialRow.status, CredentialRow.expires_on)
            .join(Certification).where(CredentialRow.trainer_id.in_(ids))
            .order_by(CredentialRow.id)):
        credentials[trainer_id].append(Credential(
            code, level, effective_status(status, expires_on, today), expires_on))
    for trainer_id, code, level, years, clients in session.execute(
            select(TrainerConditionExperience.trainer_id, Condition.code,
                   TrainerConditionExperience.level, TrainerConditionExperience.years,
                   TrainerConditionExperience.clients)
            .join(Condition).where(TrainerConditionExperience.trainer_id.in_(ids))
            .order_by(TrainerConditionExperience.id)):
        experience[trainer_id].append(Experience(code, level, years, clients))
    rows = session.execute(select(
        Trainer.id, Trainer.first_name, Trainer.last_name, Trainer.latitude, Trainer.longitude,
        Trainer.offers_in_person, Trainer.offers_in_home, Trainer.offers_virtual,
        Trainer.service_radius_km, Trainer.price_min, Trainer.languages,
        Trainer.accessibility_features, Trainer.accepting_new_clients,
        Trainer.referral_capacity, Trainer.status)
        # Filtered on status here, not in SQL: SQLite would then pick the status index
        # and read every active trainer instead of these few by primary key.
        .where(Trainer.id.in_(ids)).order_by(Trainer.id))
    return [Candidate(
        id=row.id, name=f"{row.first_name} {row.last_name}",
        location=Point(row.latitude, row.longitude),
        modes=frozenset(mode for mode, offered in zip(
            (DeliveryMode.IN_PERSON, DeliveryMode.IN_HOME, DeliveryMode.VIRTUAL),
            (row.offers_in_person, row.offers_in_home, row.offers_virtual), strict=True)
            if offered),
        service_radius_km=row.service_radius_km, credentials=tuple(credentials[row.id]),
        experience=tuple(experience[row.id]), price_min=row.price_min,
        languages=frozenset(row.languages or ()),
        accessibility=frozenset(row.accessibility_features or ()),
        accepting=row.accepting_new_clients,
        at_capacity=row.referral_capacity == 0 or row.id in full)
        for row in rows if row.status is TrainerStatus.ACTIVE]


def answer_body(answer: MatchAnswer) -> dict:
    """The JSON answer: matches with their trainers, exclusions with names."""
    request, trainers = answer.request, answer.trainers
    return {
        "place": request.place.label, "units": request.units,
        "conditions": [{"code": c.code, "name": c.name, "risk_tier": c.risk_tier.value}
                       for c in request.referral.conditions],
        "required_level": answer.required_level,
        "avoid": list(request.referral.avoid),
        "matches": [{"trainer": trainers[m.candidate_id], "score": m.score,
                     "distance": answer.in_units(m.distance_km), "travel": m.travel.value,
                     "components": m.components, "reasons": list(m.reasons)}
                    for m in answer.ranking.matches],
        "excluded": [{"trainer_id": e.candidate_id, "name": trainers[e.candidate_id].full_name,
                      "distance": answer.in_units(e.distance_km), "reasons": list(e.reasons)}
                     for e in answer.ranking.excluded],
    }
