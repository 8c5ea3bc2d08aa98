"""Create, change and deactivate trainers. Takes the session; the caller commits."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import and_, asc, desc, func, inspect, or_, select
from sqlalchemy.orm import Session, object_session, selectinload

from directory.conditions.services import experience_rows
from directory.credentials.models import (
    Certification,
    CorrectionRequest,
    CorrectionStatus,
    Credential,
)
from directory.credentials.services import credential_rows, currently_verified
from directory.db import utcnow
from directory.errors import Conflict, InvalidInput
from directory.geo.services import Place, PlaceNotFound, resolve_place
from directory.linkage.keys import PERSON_FIELDS, Person
from directory.trainers.models import LocationPrecision, Trainer, TrainerStatus
from matching.types import CLINICAL_RANK, CredentialLevel, VerificationStatus

PLACE_FIELDS = {"postal_code", "city", "state", "latitude", "longitude"}


def list_trainers_query():
    """Active trainers in a stable order, for paging."""
    return (select(Trainer).where(Trainer.status == TrainerStatus.ACTIVE)
            .order_by(Trainer.last_name, Trainer.first_name, Trainer.id)
            # One query per relation for the page, not one per trainer.
            .options(selectinload(Trainer.credentials),
                     selectinload(Trainer.condition_experience)))


def create_trainer(session: Session, data: dict) -> Trainer:
    """Add a trainer with their credentials and condition experience."""
    data = dict(data)
    trainer = Trainer(**_without_place(data, "credentials", "conditions"))
    credentials, experience, _, _ = InvalidInput.collect(
        lambda: credential_rows(session, data.get("credentials", [])),
        lambda: experience_rows(session, data.get("conditions", [])),
        lambda: _set_location(trainer, data),
        lambda: _check_service_radius(trainer),
    )
    trainer.credentials = credentials
    trainer.condition_experience = experience
    session.add(trainer)
    session.flush()
    return trainer


def update_trainer(session: Session, trainer: Trainer, changes: dict) -> Trainer:
    """Apply a partial update; the place is geocoded again if any place field changed."""
    check_not_merged(trainer)
    changes = dict(changes)
    if "conditions" in changes:
        # Replace the list; flush the removals first so re-adding a condition does
        # not collide with its old row on the (trainer, condition) unique key.
        rows = experience_rows(session, changes.pop("conditions"))
        trainer.condition_experience = []
        session.flush()
        trainer.condition_experience = rows
    if "status" in changes:
        _set_status(trainer, changes.pop("status"))
    for key, value in _without_place(changes).items():
        setattr(trainer, key, value)
    if PLACE_FIELDS & changes.keys():
        _set_location(trainer, _moved_place(trainer, changes))
    _check_service_radius(trainer)
    _check_price_range(trainer)
    session.flush()
    return trainer


def merged_message(trainer: Trainer) -> str:
    return f"Trainer {trainer.id} was merged into trainer {trainer.merged_into_id}."


def check_not_merged(trainer: Trainer) -> None:
    """Refuse to write to a merged record: its survivor holds everything now. Read as
    committed, and locked on PostgreSQL, so that a merge committed since the record was
    loaded (or running now) is seen. The lock is FOR NO KEY UPDATE: a merge's FOR
    UPDATE waits for it, but an import giving the trainer a credential does not make it
    wait (its foreign key holds only a key share)."""
    session = object_session(trainer)
    if session is not None and inspect(trainer).persistent:
        session.refresh(trainer, ["merged_into_id"], with_for_update={"key_share": True})
    if trainer.merged_into_id is not None:
        raise Conflict(f"{merged_message(trainer)} Use that one.")


def deactivate_trainer(session: Session, trainer: Trainer) -> None:
    """Hide a trainer from the directory; nothing is destroyed."""
    _set_status(trainer, TrainerStatus.INACTIVE)
    session.flush()


def _set_status(trainer: Trainer, status: TrainerStatus) -> None:
    if status is not trainer.status:
        trainer.status = status
        trainer.deactivated_at = utcnow() if status is TrainerStatus.INACTIVE else None


def _without_place(data: dict, *other_keys: str) -> dict:
    return {k: v for k, v in data.items() if k not in PLACE_FIELDS and k not in other_keys}


def _moved_place(trainer: Trainer, changes: dict) -> dict:
    """The place fields after a change: what was given, and what it does not contradict."""
    place = {f: changes[f] for f in PLACE_FIELDS & changes.keys()}
    if "latitude" in changes:  # coordinates given: keep the other fields unless changed
        return {f: getattr(trainer, f) for f in PLACE_FIELDS} | place
    if "postal_code" in changes:  # a new ZIP: its city and state come from the gazetteer
        return place
    # A new city or state: the old ZIP and coordinates no longer apply.
    return {"city": trainer.city, "state": trainer.state} | place


def _set_location(trainer: Trainer, data: dict) -> None:
    for key, value in place_fields(data, checked_place(data)).items():
        setattr(trainer, key, value)


def checked_place(data: dict) -> Place:
    """Locate the postal code, or city and state, given; refuse a ZIP in another state."""
    place = _locate(data)
    given_state = data.get("state")
    if data.get("postal_code") and given_state and place.state and given_state != place.state:
        raise InvalidInput({"state": [
            f"ZIP {data['postal_code']} is in {place.state}, not {given_state}: "
            "correct one of them."]})
    return place


def place_fields(data: dict, place: Place) -> dict:
    """A trainer's location columns: the point, and what the gazetteer knows and the
    input left out (never overwriting input)."""
    return {"latitude": place.latitude, "longitude": place.longitude,
            "location_precision": place.precision,
            "postal_code": data.get("postal_code") or place.postal_code,
            "city": data.get("city") or place.city,
            "state": data.get("state") or place.state}


def _locate(data: dict) -> Place:
    if data.get("latitude") is not None and data.get("longitude") is not None:
        return Place(f"{data['latitude']},{data['longitude']}", data["latitude"],
                     data["longitude"], LocationPrecision.ADDRESS)
    if data.get("postal_code"):
        field, query = "postal_code", data["postal_code"]
    elif data.get("city") and data.get("state"):
        field, query = "city", f"{data['city']}, {data['state']}"
    else:
        raise InvalidInput({"postal_code": [
            "Give a postal_code, a city and state, or latitude and longitude."]})
    try:
        return resolve_place(query)
    except PlaceNotFound as error:
        raise InvalidInput({field: [str(error)]}) from error


def _check_price_range(trainer: Trainer) -> None:
    # The schema compares prices sent together; one sent alone meets the stored other.
    if trainer.price_min is not None and trainer.price_max is not None and \
            trainer.price_min > trainer.price_max:
        raise InvalidInput({"price_max": [
            f"The price range would run from {trainer.price_min:g} down to "
            f"{trainer.price_max:g}; send both ends."]})


def _check_service_radius(trainer: Trainer) -> None:
    if trainer.offers_in_home and not trainer.service_radius_km:
        raise InvalidInput({"service_radius_km": [
            "Trainers who visit clients' homes need a service radius."]})


def place_to_check(trainer: Trainer | None, changes: dict) -> dict:
    """The place fields saving `changes` would locate: a new trainer's as given; an
    existing trainer's merged with what is stored, as update_trainer merges them."""
    given = {f: changes[f] for f in PLACE_FIELDS & changes.keys()}
    if trainer is None:
        return given
    if not given:
        return {f: getattr(trainer, f) for f in ("postal_code", "city", "state")}
    return _moved_place(trainer, given)


# -- The curators' list: every filter and sort in SQL, for a directory of any size ------


class Verification(StrEnum):
    VERIFIED = "verified"  # holds a credential that counts as verified today
    UNVERIFIED_ONLY = "unverified_only"  # has credentials, none of them verified
    NONE = "none"  # has no credentials at all


class ListSort(StrEnum):
    NAME = "name"
    CITY = "city"
    EXPIRY = "expiry"  # the soonest expiry of a verified credential
    UPDATED = "updated"


@dataclass(frozen=True)
class TrainerListFilters:
    name: str = ""  # words each found in the first or the last name
    place: str = ""  # a city, "City, ST", a state code or the start of a ZIP
    level: CredentialLevel | None = None  # holds a verified credential at this level
    verification: Verification | None = None
    expiring_within_days: int | None = None
    flagged: bool = False  # has an open correction request
    status: TrainerStatus | None = TrainerStatus.ACTIVE  # None for every status
    sort: ListSort = ListSort.NAME
    descending: bool = False


@dataclass(frozen=True)
class CredentialSummary:
    """What the curators' list says of a trainer's credentials."""

    highest_level: CredentialLevel | None
    verification: Verification
    soonest_expiry: date | None


def trainer_list_query(filters: TrainerListFilters, today: date):
    """Trainers passing the filters, in the order asked, for paging."""
    return (select(Trainer).where(*_list_conditions(filters, today))
            .order_by(*_list_order(filters, today))
            .options(selectinload(Trainer.credentials)))


def credential_summary(trainer: Trainer, today: date) -> CredentialSummary:
    """The list's columns for one trainer, by the same rules as its filters."""
    verified = [c for c in trainer.credentials
                if c.effective_status(today) is VerificationStatus.VERIFIED]
    if verified:
        state = Verification.VERIFIED
    else:
        state = Verification.UNVERIFIED_ONLY if trainer.credentials else Verification.NONE
    # Performance credentials are off the clinical ladder: they count as the lowest.
    level = max((c.certification.level for c in verified),
                key=lambda lv: CLINICAL_RANK.get(lv, 0), default=None)
    soonest = min((c.expires_on for c in verified if c.expires_on), default=None)
    return CredentialSummary(level, state, soonest)


def flagged_trainer_ids(session: Session, trainer_ids: list[int]) -> set[int]:
    """Those of the trainers with an open correction request."""
    return set(session.scalars(select(CorrectionRequest.trainer_id).where(
        CorrectionRequest.trainer_id.in_(trainer_ids),
        CorrectionRequest.status == CorrectionStatus.OPEN)))


def _list_conditions(filters: TrainerListFilters, today: date) -> list:
    conditions = [or_(Trainer.first_name.icontains(word, autoescape=True),
                      Trainer.last_name.icontains(word, autoescape=True))
                  for word in filters.name.split()]
    if filters.place.strip():
        conditions.append(_place_matches(filters.place.strip()))
    if filters.status is not None:
        conditions.append(Trainer.status == filters.status)
    if filters.level is not None:
        conditions.append(_holds(currently_verified(today), Credential.certification_id.in_(
            select(Certification.id).where(Certification.level == filters.level))))
    if filters.verification is not None:
        conditions.append(_verification_is(filters.verification, today))
    if filters.expiring_within_days is not None:
        last_day = today + timedelta(days=filters.expiring_within_days)
        conditions.append(_holds(currently_verified(today), Credential.expires_on <= last_day))
    if filters.flagged:
        conditions.append(select(CorrectionRequest.id).where(
            CorrectionRequest.trainer_id == Trainer.id,
            CorrectionRequest.status == CorrectionStatus.OPEN).exists())
    return conditions


def _place_matches(text: str):
    """A city (part of its name), "City, ST", a state code, or a ZIP's first digits."""
    city, _, state = (part.strip() for part in text.partition(","))
    if state:
        return and_(Trainer.city.icontains(city, autoescape=True),
                    Trainer.state == state.upper())
    return or_(Trainer.city.icontains(text, autoescape=True), Trainer.state == text.upper(),
               Trainer.postal_code.startswith(text, autoescape=True))


def _holds(*conditions):
    """The trainer holds a credential meeting every condition."""
    return select(Credential.id).where(Credential.trainer_id == Trainer.id,
                                       *conditions).exists()


def _verification_is(choice: Verification, today: date):
    verified = _holds(currently_verified(today))
    return {Verification.VERIFIED: verified,
            Verification.UNVERIFIED_ONLY: and_(_holds(), ~verified),
            Verification.NONE: ~_holds()}[choice]


def _list_order(filters: TrainerListFilters, today: date) -> list:
    direction = desc if filters.descending else asc
    soonest = (select(func.min(Credential.expires_on))
               .where(Credential.trainer_id == Trainer.id, currently_verified(today))
               .scalar_subquery())
    keys = {ListSort.NAME: [Trainer.last_name, Trainer.first_name],
            ListSort.CITY: [Trainer.city, Trainer.state],
            ListSort.EXPIRY: [soonest], ListSort.UPDATED: [Trainer.updated_at]}[filters.sort]
    # Trainers without the value come last either way; names, then the id, break ties,
    # so that paging never shows a trainer twice or skips one.
    ties = [] if filters.sort is ListSort.NAME else [Trainer.last_name, Trainer.first_name]
    return [direction(key).nulls_last() for key in keys] + ties + [Trainer.id]


def linkage_people(session: Session, *where) -> Iterator[tuple[int, Person]]:
    """Every trainer (or those `where` picks) as record linkage sees them; merged
    records, mere pointers whose credentials are their survivors' now, are left out."""
    columns = [getattr(Trainer, f) for f in PERSON_FIELDS]
    query = select(Trainer.id, *columns).where(Trainer.merged_into_id.is_(None), *where)
    for trainer_id, *values in session.execute(query):
        yield trainer_id, Person(*values)
