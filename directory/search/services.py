"""Directory search: structured filters in SQL, free text in the index, ranking here.

1. The request's words are read into criteria: a place, catalog entries (forgiving
   spelling), levels. Anything that maps to nothing is a 422 naming what was meant.
2. One SQL query returns light rows for active trainers passing the filters SQL can
   apply (a latitude/longitude box, modes, price, conditions, credentials), with the
   facts ranking needs as scalar subqueries.
3. Text matches come from the whoosh index; distances, service radii, languages and
   accessibility are applied in Python; the rows are ranked and one page is loaded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from directory.conditions.models import Condition, TrainerConditionExperience
from directory.conditions.services import find_condition
from directory.credentials.models import Certification, Credential
from directory.errors import InvalidInput
from directory.fuzzy import fuzzy_lookup
from directory.geo.services import Place, PlaceNotFound, resolve_place
from directory.search.index import TrainerIndex
from directory.trainers.models import Trainer, TrainerStatus
from matching.distance import KM_PER_MILE, haversine_km
from matching.types import CLINICAL_RANK, CredentialLevel, DeliveryMode, ExperienceLevel

# How relevance weighs each part, all in [0, 1]. Text decides most when given; then
# whether the trainer knows the patient's conditions and holds a current credential
# at a clinical level; nearness breaks close calls.
RELEVANCE_WEIGHTS = {"text": 0.35, "conditions": 0.3, "credential": 0.25, "distance": 0.1}
# An unverified credential counts for half a verified one of the same level.
UNVERIFIED_FACTOR = 0.5
EXPERIENCE_DEPTH = {ExperienceLevel.FAMILIAR: 0.4, ExperienceLevel.EXPERIENCED: 0.7,
                    ExperienceLevel.EXPERT: 1.0}
DEFAULT_MODES = {DeliveryMode.IN_PERSON, DeliveryMode.IN_HOME}


@dataclass(frozen=True)
class Criteria:
    text: str | None = None
    place: Place | None = None
    radius_km: float = 40.0
    units: str = "mi"
    conditions: dict[int, str] = field(default_factory=dict)  # id -> name
    certifications: dict[int, str] = field(default_factory=dict)  # id -> code
    level: CredentialLevel | None = None
    verified_only: bool = False
    accepting: bool | None = None
    modes: frozenset[DeliveryMode] = frozenset()
    max_price: float | None = None
    language: str | None = None
    accessible: frozenset[str] = frozenset()
    sort: str = "relevance"
    interpreted: dict[str, str] = field(default_factory=dict)

    @property
    def accepted_modes(self) -> frozenset[DeliveryMode]:
        # Virtual sessions are offered only to those who ask for them.
        return self.modes or frozenset(DEFAULT_MODES)


@dataclass
class Row:
    """The light facts of one candidate, enough to filter and rank without loading it."""

    id: int
    latitude: float
    longitude: float
    price_min: float | None
    in_person: bool
    in_home: bool
    virtual: bool
    service_radius_km: float | None
    languages: list[str]
    accessibility: list[str]
    verified_rank: int
    unverified_rank: int
    experience: dict[int, ExperienceLevel]
    distance_km: float | None = None
    virtual_only: bool = False
    text_score: float = 0.0
    terms: set[str] = field(default_factory=set)
    score: float = 0.0


@dataclass
class SearchPage:
    items: list[Trainer]
    total: int
    page: int
    page_size: int
    place: str | None
    units: str
    interpreted: dict[str, str]

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.page_size) if self.total else 0


# -- 1. criteria --------------------------------------------------------------------

def read_criteria(session: Session, args: dict) -> Criteria:
    """Turn query arguments into criteria, or raise InvalidInput naming every problem."""
    errors, interpreted = {}, {}
    place = None
    if args.get("near"):
        try:
            place = resolve_place(args["near"])
        except PlaceNotFound as error:
            errors["near"] = [str(error)]
    conditions = _lookup_all(args.get("condition", []), _condition_names(session),
                             "condition", errors, interpreted,
                             exact=find_condition_id(session))
    certifications = _lookup_all(args.get("certification", []),
                                 _certification_names(session), "certification", errors,
                                 interpreted)
    if errors:
        raise InvalidInput(errors, "Some search terms were not understood.")
    radius_km = args["radius"] * (KM_PER_MILE if args["units"] == "mi" else 1)
    return Criteria(
        text=args.get("q"), place=place, radius_km=radius_km, units=args["units"],
        conditions=conditions, certifications=certifications, level=args.get("level"),
        verified_only=args["verified_only"], accepting=args.get("accepting"),
        modes=frozenset(args.get("mode", [])), max_price=args.get("max_price"),
        language=args.get("language"),
        accessible=frozenset(f.value for f in args.get("accessible", [])),
        sort=args["sort"], interpreted=interpreted)


def find_condition_id(session: Session):
    def exact(text: str):
        condition = find_condition(session, text)  # codes, names, synonyms and ICD-10
        return (condition.id, condition.name) if condition else None
    return exact


def _condition_names(session: Session) -> dict[str, tuple[int, str]]:
    names = {}
    for condition in session.scalars(select(Condition)):
        for name in (condition.code, condition.name, *condition.synonyms):
            names[name] = (condition.id, condition.name)
    return names


def _certification_names(session: Session) -> dict[str, tuple[int, str]]:
    names = {}
    for cert in session.scalars(select(Certification)):
        for name in (cert.code, f"{cert.issuer} {cert.name}", *cert.aliases):
            names[name] = (cert.id, cert.code)
    return names


def _lookup_all(texts, names, field_name, errors, interpreted, exact=None) -> dict[int, str]:
    found = {}
    for index, text in enumerate(texts):
        hit = exact(text) if exact else None
        if hit is None:
            lookup = fuzzy_lookup(text, names)
            hit = lookup.found
            if hit is None:
                message = f"No {field_name} matches {text!r}."
                if lookup.suggestions:
                    message += " Did you mean: " + "; ".join(lookup.suggestions) + "?"
                errors.setdefault(field_name, {})[index] = [message]
                continue
        found[hit[0]] = hit[1]
        interpreted[f"{field_name}:{text}"] = hit[1]
    return found


# -- 2. candidates from SQL -----------------------------------------------------------

def _level_rank():
    return case(*((Certification.level == level.value, rank)
                  for level, rank in CLINICAL_RANK.items()), else_=0)


def _counts(today: date, *statuses: str):
    """A credential that counts today: one of `statuses`, and not past its expiry."""
    return and_(Credential.status.in_(statuses),
                or_(Credential.expires_on.is_(None), Credential.expires_on >= today))


def _best_rank(today: date, status: str):
    return (select(func.coalesce(func.max(_level_rank()), 0))
            .select_from(Credential).join(Certification)
            .where(Credential.trainer_id == Trainer.id, _counts(today, status))
            .scalar_subquery())


def candidate_query(criteria: Criteria, today: date, only_ids=None):
    statuses = ("verified",) if criteria.verified_only else ("verified", "unverified")
    experience_columns = [
        select(TrainerConditionExperience.level)
        .where(TrainerConditionExperience.trainer_id == Trainer.id,
               TrainerConditionExperience.condition_id == condition_id)
        .scalar_subquery().label(f"condition_{condition_id}")
        for condition_id in criteria.conditions
    ]
    query = select(
        Trainer.id, Trainer.latitude, Trainer.longitude, Trainer.price_min,
        Trainer.offers_in_person, Trainer.offers_in_home, Trainer.offers_virtual,
        Trainer.service_radius_km, Trainer.languages, Trainer.accessibility_features,
        _best_rank(today, "verified").label("verified_rank"),
        _best_rank(today, "unverified").label("unverified_rank"),
        *experience_columns,
    ).where(Trainer.status == TrainerStatus.ACTIVE)
    if only_ids is not None:
        query = query.where(Trainer.id.in_(only_ids))
    if criteria.accepting:
        query = query.where(Trainer.accepting_new_clients.is_(True))
    mode_columns = {DeliveryMode.IN_PERSON: Trainer.offers_in_person,
                    DeliveryMode.IN_HOME: Trainer.offers_in_home,
                    DeliveryMode.VIRTUAL: Trainer.offers_virtual}
    query = query.where(or_(*(mode_columns[m].is_(True) for m in criteria.accepted_modes)))
    if criteria.max_price is not None:
        query = query.where(Trainer.price_min <= criteria.max_price)
    if criteria.place is not None:
        box = _bounding_box(criteria.place, criteria.radius_km)
        if DeliveryMode.VIRTUAL in criteria.accepted_modes:
            box = or_(box, Trainer.offers_virtual.is_(True))
        query = query.where(box)
    for condition_id in criteria.conditions:
        query = query.where(exists().where(
            TrainerConditionExperience.trainer_id == Trainer.id,
            TrainerConditionExperience.condition_id == condition_id))
    if criteria.certifications:
        query = query.where(exists().where(
            Credential.trainer_id == Trainer.id, _counts(today, *statuses),
            Credential.certification_id.in_(criteria.certifications)))
    if criteria.level is not None:
        query = query.where(exists(
            select(Credential.id).join(Certification).where(
                Credential.trainer_id == Trainer.id, _counts(today, *statuses),
                Certification.level.in_(_levels_at_least(criteria.level)))))
    return query


def _levels_at_least(level: CredentialLevel) -> list[str]:
    if level is CredentialLevel.PERFORMANCE:
        return [level.value]
    return [other.value for other, rank in CLINICAL_RANK.items() if rank >= CLINICAL_RANK[level]]


def _bounding_box(place: Place, radius_km: float):
    # A box a little larger than the circle; the exact distance is checked in Python.
    dlat = radius_km / 111.0
    dlon = radius_km / (111.0 * max(0.01, math.cos(math.radians(place.latitude))))
    return and_(Trainer.latitude.between(place.latitude - dlat, place.latitude + dlat),
                Trainer.longitude.between(place.longitude - dlon, place.longitude + dlon))


# -- 3. filter, rank, page ------------------------------------------------------------

def search_trainers(session: Session, index: TrainerIndex, criteria: Criteria, page: int,
                    page_size: int, today: date) -> SearchPage:
    matches = index.search(criteria.text) if criteria.text else None
    query = candidate_query(criteria, today, None if matches is None else list(matches))
    rows = [_row(r, criteria) for r in session.execute(query)] if matches != {} else []
    if matches:
        top = max(score for score, _ in matches.values()) or 1.0
        for row in rows:
            score, row.terms = matches[row.id]
            row.text_score = score / top
    rows = [row for row in rows if _reachable(row, criteria) and _fits(row, criteria)]
    for row in rows:
        row.score = _relevance(row, criteria)
    rows.sort(key=_sort_key(criteria.sort))
    start = (page - 1) * page_size
    shown = rows[start:start + page_size]
    return SearchPage(_load(session, shown, criteria), len(rows), page, page_size,
                      criteria.place.label if criteria.place else None, criteria.units,
                      criteria.interpreted)


def _row(result, criteria: Criteria) -> Row:
    experience = {cid: ExperienceLevel(level) for cid in criteria.conditions
                  if (level := getattr(result, f"condition_{cid}")) is not None}
    return Row(result.id, result.latitude, result.longitude, result.price_min,
               result.offers_in_person, result.offers_in_home, result.offers_virtual,
               result.service_radius_km, result.languages or [],
               result.accessibility_features or [], result.verified_rank,
               result.unverified_rank, experience)


def _reachable(row: Row, criteria: Criteria) -> bool:
    """Whether the patient can train with them, setting the distance on the way."""
    modes = criteria.accepted_modes
    if criteria.place is None:
        return True
    place = criteria.place
    row.distance_km = haversine_km(place.latitude, place.longitude, row.latitude,
                                   row.longitude)
    near = row.distance_km <= criteria.radius_km
    in_person = DeliveryMode.IN_PERSON in modes and row.in_person and near
    in_home = (DeliveryMode.IN_HOME in modes and row.in_home and near
               and row.distance_km <= (row.service_radius_km or 0))
    virtual = DeliveryMode.VIRTUAL in modes and row.virtual
    row.virtual_only = virtual and not (in_person or in_home)
    return in_person or in_home or virtual


def _fits(row: Row, criteria: Criteria) -> bool:
    if criteria.language and criteria.language not in row.languages:
        return False
    return criteria.accessible <= set(row.accessibility)


def _relevance(row: Row, criteria: Criteria) -> float:
    parts = {
        "credential": max(row.verified_rank, UNVERIFIED_FACTOR * row.unverified_rank) / 3,
    }
    if criteria.text:
        parts["text"] = row.text_score
    if criteria.conditions:
        parts["conditions"] = sum(EXPERIENCE_DEPTH[level] for level in row.experience.values()
                                  ) / len(criteria.conditions)
    if row.distance_km is not None:
        parts["distance"] = 1.0 if row.virtual_only else math.exp(
            -row.distance_km / criteria.radius_km)
    weight = sum(RELEVANCE_WEIGHTS[name] for name in parts)
    return sum(RELEVANCE_WEIGHTS[name] * value for name, value in parts.items()) / weight


def _sort_key(sort: str):
    far = float("inf")
    if sort == "distance":
        return lambda r: (r.distance_km if r.distance_km is not None else far, -r.score, r.id)
    if sort == "price":
        return lambda r: (r.price_min if r.price_min is not None else far,
                          r.distance_km or 0, r.id)
    return lambda r: (-r.score, r.distance_km or 0, r.id)


def _load(session: Session, rows: list[Row], criteria: Criteria) -> list[Trainer]:
    if not rows:
        return []
    trainers = {t.id: t for t in session.scalars(
        select(Trainer).where(Trainer.id.in_([r.id for r in rows])).options(
            selectinload(Trainer.credentials), selectinload(Trainer.condition_experience)))}
    per_unit = KM_PER_MILE if criteria.units == "mi" else 1.0
    hits = []
    for row in rows:
        trainer = trainers[row.id]
        # Transient attributes, read by TrainerHitSchema; never stored.
        trainer.distance = (None if row.distance_km is None
                            else round(row.distance_km / per_unit, 1))
        trainer.virtual_only = row.virtual_only
        trainer.score = round(row.score, 4)
        trainer.matched = _matched(row, trainer, criteria)
        hits.append(trainer)
    return hits


def _matched(row: Row, trainer: Trainer, criteria: Criteria) -> dict:
    filters = []
    if criteria.place is not None:
        radius = criteria.radius_km / (KM_PER_MILE if criteria.units == "mi" else 1.0)
        filters.append("virtual sessions" if row.virtual_only else
                       f"within {radius:g} {criteria.units} of {criteria.place.label}")
    for condition_id, name in criteria.conditions.items():
        level = row.experience.get(condition_id)
        filters.append(f"condition: {name}" + (f" ({level.value})" if level else ""))
    for code in criteria.certifications.values():
        filters.append(f"certification: {code}")
    if criteria.level is not None:
        filters.append(f"level: {criteria.level.value} or higher")
    if criteria.verified_only:
        filters.append("verified credentials only")
    if criteria.accepting:
        filters.append("accepting new clients")
    for mode in sorted(criteria.modes):
        if mode.value in {m.value for m in trainer.modes}:
            filters.append(f"mode: {mode.value}")
    if criteria.max_price is not None:
        filters.append(f"price from {row.price_min:g} {trainer.currency}")
    if criteria.language:
        filters.append(f"language: {criteria.language}")
    filters += [f"accessible: {feature}" for feature in sorted(criteria.accessible)]
    return {"filters": filters, "terms": sorted(row.terms)}
