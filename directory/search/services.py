"""Directory search: free text from the index, everything else over the snapshot.

1. The request's words are read into criteria: a place, catalog entries (forgiving
   spelling), levels. Anything that maps to nothing is a 422 naming what was meant.
2. Filters, distances and ranking run as array operations over the in-memory snapshot
   (directory/search/snapshot.py); text matches come from the whoosh index. Only the
   page shown is loaded from the database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.conditions.models import Condition
from directory.conditions.services import ConditionLookup
from directory.credentials.models import Certification
from directory.errors import InvalidInput
from directory.fuzzy import fuzzy_lookup
from directory.geo.services import Place, PlaceNotFound, resolve_place
from directory.search.index import TrainerIndex
from directory.search.snapshot import FEATURE_BITS, Snapshot, directory_version
from directory.trainers.models import Trainer
from matching.distance import EARTH_MEAN_RADIUS_KM, KM_PER_MILE
from matching.types import CLINICAL_RANK, CredentialLevel, DeliveryMode

# How relevance weighs each part, all in [0, 1]. Text decides most when given; then
# whether the trainer knows the patient's conditions and holds a current credential
# at a clinical level; nearness breaks close calls.
RELEVANCE_WEIGHTS = {"text": 0.35, "conditions": 0.3, "credential": 0.25, "distance": 0.1}
# An unverified credential counts for half a verified one of the same level.
UNVERIFIED_FACTOR = 0.5
# Nearness of a trainer reached only online: better than far, not as good as next door.
VIRTUAL_NEARNESS = 0.5
# Score of experience depth 0 (none), 1 (familiar), 2 (experienced), 3 (expert).
DEPTH_SCORE = np.array([0.0, 0.4, 0.7, 1.0])
DEFAULT_MODES = {DeliveryMode.IN_PERSON, DeliveryMode.IN_HOME}


@dataclass(frozen=True)
class Criteria:
    text: str | None = None
    place: Place | None = None
    radius_km: float = 25 * KM_PER_MILE
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
    place = read_place(args.get("near"), "near", errors)
    conditions = read_conditions(session, args.get("condition", []), "condition", errors,
                                 interpreted)
    certifications = _lookup_all(args.get("certification", []),
                                 catalogs(session).certifications, "certification", errors,
                                 interpreted)
    if errors:
        raise InvalidInput(errors, "Some search terms were not understood.", "query")
    radius_km = args["radius"] * (KM_PER_MILE if args["units"] == "mi" else 1)
    return Criteria(
        text=args.get("q"), place=place, radius_km=radius_km, units=args["units"],
        conditions=conditions, certifications=certifications, level=args.get("level"),
        verified_only=args["verified_only"], accepting=args.get("accepting"),
        modes=frozenset(args.get("mode", [])), max_price=args.get("max_price"),
        language=args.get("language"),
        accessible=frozenset(f.value for f in args.get("accessible", [])),
        sort=args["sort"], interpreted=interpreted)


def read_place(text: str | None, field_name: str, errors: dict) -> Place | None:
    """The place `text` names, or None, noting an unknown place under `field_name`."""
    if not text:
        return None
    try:
        return resolve_place(text)
    except PlaceNotFound as error:
        errors[field_name] = [str(error)]
        return None


def read_conditions(session: Session, texts, field_name: str, errors: dict,
                    interpreted: dict) -> dict[int, str]:
    """Condition id -> name for each text (code, name, synonym, ICD-10 or close spelling);
    a text that maps to nothing is noted under `field_name` with suggestions."""
    lookup = catalogs(session).conditions

    def exact(text: str):
        found = lookup.find(text)
        return None if found is None else (found, lookup.display[found])

    names = {name: (cid, lookup.display[cid]) for name, cid in lookup.names.items()}
    return _lookup_all(texts, names, field_name, errors, interpreted, exact=exact,
                       kind="condition")


@dataclass(frozen=True)
class Catalogs:
    version: int
    conditions: ConditionLookup
    certifications: dict[str, tuple[int, str]]  # any name -> (id, code)


def catalogs(session: Session) -> Catalogs:
    """The catalogs' names, read once per directory version in each process (every
    catalog edit bumps the version) instead of on every search."""
    version = directory_version(session)
    cached = current_app.extensions.get("referfit_catalogs")
    if cached is None or cached.version != version:
        cached = Catalogs(
            version,
            ConditionLookup(session.scalars(select(Condition).order_by(Condition.id))),
            _certification_names(session))
        current_app.extensions["referfit_catalogs"] = cached
    return cached


def _certification_names(session: Session) -> dict[str, tuple[int, str]]:
    names = {}
    for cert in session.scalars(select(Certification).order_by(Certification.id)):
        for name in (cert.code, f"{cert.issuer} {cert.name}", *cert.aliases):
            names[name] = (cert.id, cert.code)
    return names


def _lookup_all(texts, names, field_name, errors, interpreted, exact=None,
                kind: str | None = None) -> dict[int, str]:
    found = {}
    for index, text in enumerate(texts):
        hit = exact(text) if exact else None
        if hit is None:
            lookup = fuzzy_lookup(text, names)
            hit = lookup.found
            if hit is None:
                message = f"No {kind or field_name} matches {text!r}."
                if lookup.suggestions:
                    message += " Did you mean: " + "; ".join(lookup.suggestions) + "?"
                else:
                    catalog = "conditions" if (kind or field_name) == "condition" \
                        else "certifications"
                    message += f" The names it knows are listed at GET /api/v1/{catalog}."
                errors.setdefault(field_name, {})[index] = [message]
                continue
        found[hit[0]] = hit[1]
        interpreted[f"{field_name}:{text}"] = hit[1]
    return found


# -- 2. filter and rank over the snapshot ---------------------------------------------

def search_trainers(session: Session, index: TrainerIndex, snapshot: Snapshot,
                    criteria: Criteria, page: int, page_size: int) -> SearchPage:
    rows, distance_km, virtual_only = _candidates(snapshot, criteria)
    text_score, matches = np.zeros(len(rows)), None
    if criteria.text:
        matches = index.search(criteria.text)
        ids = snapshot.ids[rows]
        keep = np.isin(ids, matches.ids)
        rows, distance_km, virtual_only = rows[keep], distance_km[keep], virtual_only[keep]
        position = np.searchsorted(matches.ids, ids[keep])
        text_score = matches.scores()[position]
    score = _relevance(snapshot, rows, distance_km, virtual_only, text_score, criteria)
    order = _order(snapshot, rows, distance_km, score, criteria.sort)
    shown = order[(page - 1) * page_size:page * page_size]
    hits = [Hit(int(snapshot.ids[rows[i]]), float(score[i]),
                None if np.isnan(distance_km[i]) else float(distance_km[i]),
                bool(virtual_only[i])) for i in shown]
    terms = (index.matched_terms(matches, [hit.trainer_id for hit in hits])
             if matches is not None else {})
    return SearchPage(_load(session, snapshot, hits, terms, criteria), len(rows), page,
                      page_size, criteria.place.label if criteria.place else None,
                      criteria.units, criteria.interpreted)


@dataclass(frozen=True)
class Hit:
    trainer_id: int
    score: float
    distance_km: float | None
    virtual_only: bool


def _candidates(snapshot: Snapshot, criteria: Criteria):
    """Rows passing every filter, with their distance (NaN without a place)."""
    modes = criteria.accepted_modes
    place = criteria.place
    if place is not None and DeliveryMode.VIRTUAL not in modes:
        dlat = criteria.radius_km / 111.0  # only the latitude band can hold matches
        band = snapshot.band(place.latitude - dlat, place.latitude + dlat)
        rows = np.arange(band.start, band.stop)
    else:
        rows = np.arange(len(snapshot))
    mask = np.ones(len(rows), dtype=bool)
    if criteria.accepting:
        mask &= snapshot.accepting[rows]
    if criteria.max_price is not None:
        mask &= snapshot.price_min[rows] <= criteria.max_price  # NaN (no price) fails
    for condition_id in criteria.conditions:
        mask &= snapshot.depth(condition_id)[rows] > 0
    if criteria.certifications:
        held = np.zeros(len(rows), dtype=bool)
        counted = _certification_columns(snapshot, criteria)
        for certification_id in criteria.certifications.keys() & counted.keys():
            held |= counted[certification_id][rows]
        mask &= held
    if criteria.level is not None:
        mask &= _holds_level(snapshot, rows, criteria)
    if criteria.verified_only:
        mask &= snapshot.has_verified[rows]
    if criteria.language:
        spoken = snapshot.languages.get(criteria.language)
        mask &= spoken[rows] if spoken is not None else False
    if criteria.accessible:
        bits = sum(FEATURE_BITS[f] for f in criteria.accessible)
        mask &= (snapshot.accessibility[rows] & bits) == bits
    rows = rows[mask]
    return _reachable(snapshot, rows, criteria, modes)


def _certification_columns(snapshot: Snapshot, criteria: Criteria) -> dict:
    return (snapshot.verified_certifications if criteria.verified_only
            else snapshot.counting_certifications)


def _holds_level(snapshot: Snapshot, rows: np.ndarray, criteria: Criteria) -> np.ndarray:
    if criteria.level is CredentialLevel.PERFORMANCE:
        held = np.zeros(len(rows), dtype=bool)
        counted = _certification_columns(snapshot, criteria)
        for certification_id in snapshot.performance_ids & counted.keys():
            held |= counted[certification_id][rows]
        return held
    wanted = CLINICAL_RANK[criteria.level]
    best = snapshot.verified_rank[rows]
    if not criteria.verified_only:
        best = np.maximum(best, snapshot.unverified_rank[rows])
    return best >= wanted


def _reachable(snapshot: Snapshot, rows: np.ndarray, criteria: Criteria, modes):
    """Keep rows the patient can train with; return them, distances and virtual-only."""
    if criteria.place is None:
        nan = np.full(len(rows), np.nan)
        offers = np.zeros(len(rows), dtype=bool)
        for mode, column in _mode_columns(snapshot).items():
            if mode in modes:
                offers |= column[rows]
        return rows[offers], nan[offers], np.zeros(int(offers.sum()), dtype=bool)
    place = criteria.place
    distance = haversine_km_array(place.latitude, place.longitude,
                                  snapshot.latitude[rows], snapshot.longitude[rows])
    near = distance <= criteria.radius_km
    columns = _mode_columns(snapshot)
    in_person = columns[DeliveryMode.IN_PERSON][rows] & near \
        if DeliveryMode.IN_PERSON in modes else np.zeros(len(rows), dtype=bool)
    in_home = (columns[DeliveryMode.IN_HOME][rows] & near
               & (distance <= snapshot.service_radius_km[rows])) \
        if DeliveryMode.IN_HOME in modes else np.zeros(len(rows), dtype=bool)
    virtual = columns[DeliveryMode.VIRTUAL][rows] \
        if DeliveryMode.VIRTUAL in modes else np.zeros(len(rows), dtype=bool)
    keep = in_person | in_home | virtual
    virtual_only = virtual & ~(in_person | in_home)
    return rows[keep], distance[keep], virtual_only[keep]


def _mode_columns(snapshot: Snapshot) -> dict:
    return {DeliveryMode.IN_PERSON: snapshot.in_person, DeliveryMode.IN_HOME: snapshot.in_home,
            DeliveryMode.VIRTUAL: snapshot.virtual}


def haversine_km_array(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray):
    """matching.distance.haversine_km over arrays (checked against it in the tests)."""
    phi1, phi2 = np.radians(lat), np.radians(lats)
    dphi, dlmb = phi2 - phi1, np.radians(lons - lon)
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_MEAN_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def _relevance(snapshot, rows, distance_km, virtual_only, text_score, criteria) -> np.ndarray:
    """RELEVANCE_WEIGHTS applied to each row: a weighted mean of the parts that apply."""
    credential = np.maximum(snapshot.verified_rank[rows],
                            UNVERIFIED_FACTOR * snapshot.unverified_rank[rows]) / 3
    parts = {"credential": credential}
    if criteria.text:
        parts["text"] = text_score
    if criteria.conditions:
        depth = sum(DEPTH_SCORE[snapshot.depth(cid)[rows]] for cid in criteria.conditions)
        parts["conditions"] = depth / len(criteria.conditions)
    if criteria.place is not None:
        parts["distance"] = np.where(virtual_only, VIRTUAL_NEARNESS,
                                     np.exp(-np.nan_to_num(distance_km) / criteria.radius_km))
    weight = sum(RELEVANCE_WEIGHTS[name] for name in parts)
    return sum(RELEVANCE_WEIGHTS[name] * value for name, value in parts.items()) / weight


def _order(snapshot, rows, distance_km, score, sort: str) -> np.ndarray:
    ids = snapshot.ids[rows]
    distance = np.nan_to_num(distance_km, nan=np.inf)
    if sort == "distance":
        return np.lexsort((ids, -score, distance))
    if sort == "price":
        price = np.nan_to_num(snapshot.price_min[rows], nan=np.inf)
        return np.lexsort((ids, distance, price))
    return np.lexsort((ids, distance, -score))


def _load(session: Session, snapshot: Snapshot, hits: list[Hit], terms: dict,
          criteria: Criteria) -> list[Trainer]:
    if not hits:
        return []
    trainers = {t.id: t for t in session.scalars(
        select(Trainer).where(Trainer.id.in_([h.trainer_id for h in hits])).options(
            selectinload(Trainer.credentials), selectinload(Trainer.condition_experience)))}
    per_unit = KM_PER_MILE if criteria.units == "mi" else 1.0
    loaded = []
    for hit in hits:
        trainer = trainers[hit.trainer_id]
        # Transient attributes, read by TrainerHitSchema; never stored.
        trainer.distance = (None if hit.distance_km is None
                            else round(hit.distance_km / per_unit, 1))
        trainer.virtual_only = hit.virtual_only
        trainer.score = round(hit.score, 4)
        trainer.matched = _matched(hit, trainer, terms.get(hit.trainer_id, set()), criteria)
        loaded.append(trainer)
    return loaded


def _matched(hit: Hit, trainer: Trainer, terms: set[str], criteria: Criteria) -> dict:
    filters = []
    if criteria.place is not None:
        radius = criteria.radius_km / (KM_PER_MILE if criteria.units == "mi" else 1.0)
        filters.append("virtual sessions" if hit.virtual_only else
                       f"within {radius:g} {criteria.units} of {criteria.place.label}")
    experience = {e.condition_id: e.level for e in trainer.condition_experience}
    for condition_id, name in criteria.conditions.items():
        level = experience.get(condition_id)
        filters.append(f"condition: {name}" + (f" ({level.value})" if level else ""))
    filters += [f"certification: {code}" for code in criteria.certifications.values()]
    if criteria.level is not None:
        filters.append(f"level: {criteria.level.value} or higher")
    if criteria.verified_only:
        filters.append("verified credentials only")
    if criteria.accepting:
        filters.append("accepting new clients")
    filters += [f"mode: {mode.value}" for mode in sorted(criteria.modes)
                if mode in trainer.modes]
    if criteria.max_price is not None:
        filters.append(f"price from {trainer.price_min:g} {trainer.currency}")
    if criteria.language:
        filters.append(f"language: {criteria.language}")
    filters += [f"accessible: {feature}" for feature in sorted(criteria.accessible)]
    return {"filters": filters, "terms": sorted(terms)}
