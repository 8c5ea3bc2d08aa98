"""Create, change and deactivate trainers. Takes the session; the caller commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.conditions.services import experience_rows
from directory.credentials.services import credential_rows
from directory.db import utcnow
from directory.errors import InvalidInput
from directory.geo.services import Place, PlaceNotFound, resolve_place
from directory.trainers.models import LocationPrecision, Trainer, TrainerStatus

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
