"""The search pages: a form on the start page, results, and trainer profiles."""

from urllib.parse import urlsplit

from flask import Blueprint, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from directory.accounts.permissions import Permission, authorize
from directory.claims.services import is_claimed
from directory.conditions.models import Condition
from directory.credentials.models import Certification
from directory.db import today
from directory.errors import InvalidInput
from directory.extensions import db
from directory.querystring import load_query
from directory.search import services
from directory.search.schemas import TrainerSearchArgsSchema
from directory.search.services import catalogs
from directory.search.sync import caught_up_index, search_snapshots
from directory.trainers.models import AccessibilityFeature, Trainer, TrainerStatus
from directory.trainers.views import get_trainer
from directory.urls import db_id
from matching.screening import Clearance, StartingIntensity
from matching.types import CredentialLevel, DeliveryMode

blp = Blueprint("search_pages", __name__)
SCREENING_KEYS = ("clearance", "start")


def form_choices() -> dict:
    """What the search form offers: condition names for suggestions, levels, modes."""
    return {
        "condition_names": sorted(catalogs(db.session).conditions.spoken, key=str.casefold),
        "levels": [CredentialLevel.GENERAL, CredentialLevel.SPECIALIST,
                   CredentialLevel.CLINICAL, CredentialLevel.PERFORMANCE],
        "modes": list(DeliveryMode),
        "features": list(AccessibilityFeature),
    }


@blp.get("/")
def index():
    authorize(Permission.VIEW_DIRECTORY)
    counts = {
        "trainers": db.session.scalar(
            select(func.count()).where(Trainer.status == TrainerStatus.ACTIVE)),
        "certifications": db.session.scalar(select(func.count(Certification.id))),
        "conditions": db.session.scalar(select(func.count(Condition.id))),
    }
    return render_template("index.html", counts=counts, args=MultiDict(),
                           screening=screening_advice(request.args), **form_choices())


def screening_advice(args) -> dict | None:
    """The self-screening result a patient carries into their search (see /screening)."""
    try:
        return {"clearance": Clearance(args.get("clearance", "")),
                "start": StartingIntensity(args.get("start", ""))}
    except ValueError:
        return None


def without_screening(args) -> MultiDict:
    return MultiDict([(k, v) for k, v in args.items(multi=True)
                      if k not in SCREENING_KEYS])


@blp.get("/search")
def search():
    authorize(Permission.VIEW_DIRECTORY)
    errors, results = {}, None
    try:
        args = load_query(TrainerSearchArgsSchema(), without_screening(request.args))
        criteria = services.read_criteria(db.session, args)
        snapshot = search_snapshots().current(db.session, today())
        index = caught_up_index(snapshot.version)
        results = services.search_trainers(db.session, index, snapshot, criteria,
                                           args["page"], args["page_size"])
    except ValidationError as error:
        errors = error.messages
    except InvalidInput as error:
        errors = error.errors
    status = 422 if errors else 200
    return render_template("search/results.html", results=results, errors=errors,
                           args=request.args, page_url=page_url, today=today(),
                           screening=screening_advice(request.args), **form_choices()), status


def page_url(page: int) -> str:
    """This search again, on another page (only the search's own fields are carried)."""
    known = {*TrainerSearchArgsSchema().fields, *SCREENING_KEYS}
    args = {k: v for k, v in request.args.to_dict(flat=False).items() if k in known}
    args["page"] = [str(page)]
    return url_for("search_pages.search", **args)


@blp.get(f"/trainers/{db_id('trainer_id')}")
def profile(trainer_id: int):
    authorize(Permission.VIEW_DIRECTORY)
    trainer = get_trainer(trainer_id)
    return render_template("trainers/profile.html", trainer=trainer, today=today(),
                           back_url=back_to_search(),
                           claimed=is_claimed(db.session, trainer))


def back_to_search() -> str:
    """The search the visitor came from, if it was ours; else the start page."""
    came_from = urlsplit(request.referrer or "")
    if came_from.netloc == request.host and came_from.path == url_for("search_pages.search"):
        return came_from.path + ("?" + came_from.query if came_from.query else "")
    return url_for("search_pages.index")
