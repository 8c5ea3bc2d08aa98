"""Curators' trainer pages (the list, adding and editing, deactivating) and a trainer's
own profile page, with their requests to correct credentials.

Every save goes through the API's schemas and services, so a page and the API can
never disagree about what is valid or what a change does.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import Schema, ValidationError
from sqlalchemy import select
from werkzeug.exceptions import Forbidden, ServiceUnavailable

from directory.accounts.limits import per_account
from directory.accounts.permissions import Permission, authorize
from directory.conditions.models import Condition
from directory.credentials import corrections
from directory.credentials.models import Credential
from directory.db import today, utcnow
from directory.errors import InvalidInput
from directory.extensions import db
from directory.referrals.capacity import referrals_taken
from directory.trainers import services
from directory.trainers.forms import (
    CorrectionForm,
    PageForm,
    PayloadForm,
    StatusForm,
    TrainerFilterForm,
    TrainerProfileForm,
    TrainerRecordForm,
)
from directory.trainers.models import Trainer, TrainerStatus
from directory.trainers.schemas import TrainerCreateSchema, TrainerUpdateSchema
from directory.trainers.views import get_trainer
from directory.urls import db_id

blp = Blueprint("trainer_pages", __name__)
PAGE_SIZE = 50


# -- The curators' list -------------------------------------------------------------------

@blp.get("/manage/trainers")
def manage_list():
    authorize(Permission.EDIT_TRAINER_RECORD)
    form = TrainerFilterForm(request.args)
    if not form.validate():
        return render_template("trainers/manage_list.html", form=form, page=None), 422
    day = today()
    page = db.paginate(services.trainer_list_query(form.filters(), day), page=form.page.data,
                       per_page=PAGE_SIZE, error_out=False)
    rows = [(trainer, services.credential_summary(trainer, day)) for trainer in page.items]
    flagged = services.flagged_trainer_ids(db.session, [trainer.id for trainer in page.items])
    return render_template("trainers/manage_list.html", form=form, page=page, rows=rows,
                           flagged=flagged)


# -- Adding and editing a trainer's record ----------------------------------------------

@blp.route("/manage/trainers/new", methods=["GET", "POST"])
def create():
    authorize(Permission.CREATE_TRAINER)
    return _record_page(None)


@blp.route(f"/manage/trainers/{db_id('trainer_id')}", methods=["GET", "POST"])
def edit(trainer_id: int):
    authorize(Permission.EDIT_TRAINER_RECORD)
    return _record_page(get_trainer(trainer_id, Permission.EDIT_TRAINER_RECORD))


@blp.post(f"/manage/trainers/{db_id('trainer_id')}/status")
def set_status(trainer_id: int):
    authorize(Permission.DEACTIVATE_TRAINER)
    trainer = get_trainer(trainer_id, Permission.DEACTIVATE_TRAINER)
    form = StatusForm()
    if not form.validate_on_submit():
        return _edit_page(trainer, _record_form(trainer, formdata=None), status_form=form)
    if form.status.data == TrainerStatus.INACTIVE:
        services.deactivate_trainer(db.session, trainer)
        flash(f"{trainer.full_name} is inactive: hidden from search and matching.")
    else:
        services.update_trainer(db.session, trainer, {"status": TrainerStatus.ACTIVE})
        flash(f"{trainer.full_name} is active again: listed in search and matching.")
    db.session.commit()
    return redirect(url_for("trainer_pages.edit", trainer_id=trainer.id))


def _record_page(trainer: Trainer | None):
    """The curators' form for a new trainer (None) or an existing one: check the
    location without saving, or save and come back to the saved record."""
    form = _record_form(trainer)
    schema = TrainerCreateSchema() if trainer is None else TrainerUpdateSchema()
    place = None
    if form.is_submitted() and (data := _validated(form, schema)) is not None:
        changes = data if trainer is None else _changed(trainer, data)
        if request.form.get("action") == "preview":
            place = _checked_place(form, services.place_to_check(trainer, changes))
        elif saved := _attempt(form, lambda: _save(trainer, changes)):
            db.session.commit()
            flash(f"Saved {saved.full_name}.")
            return redirect(url_for("trainer_pages.edit", trainer_id=saved.id))
    return _edit_page(trainer, form, place=place)


def _save(trainer: Trainer | None, changes: dict) -> Trainer:
    if trainer is None:
        return services.create_trainer(db.session, changes)
    return services.update_trainer(db.session, trainer, changes)


def _record_form(trainer: Trainer | None, **kwargs) -> TrainerRecordForm:
    if trainer is None:
        form = TrainerRecordForm(**kwargs)
    else:
        form = TrainerRecordForm(obj=trainer, conditions=_experience(trainer), **kwargs)
    conditions = db.session.scalars(select(Condition).order_by(Condition.name))
    form.offer_conditions({condition.code: condition.name for condition in conditions})
    return form


def _experience(trainer: Trainer) -> list[dict]:
    """The trainer's condition experience as the schema loads it (and the form shows it)."""
    return [{"condition": e.condition.code, "level": e.level, "years": e.years,
             "clients": e.clients} for e in trainer.condition_experience]


def _changed(trainer: Trainer, data: dict) -> dict:
    """Only what the form changed, as a PATCH: an untouched place is not geocoded again
    (which would replace coordinates known more exactly than its ZIP), and a new ZIP
    brings its own city and state, as in the API."""
    stored = {key: _experience(trainer) if key == "conditions" else getattr(trainer, key)
              for key in data}
    changes = {key: value for key, value in data.items() if stored[key] != value}
    if "postal_code" in changes and changes["postal_code"] is None:
        # Without a ZIP, the place is the city and state the form shows.
        changes |= {"city": data["city"], "state": data["state"]}
    return changes


def _checked_place(form: TrainerRecordForm, place: dict) -> dict | None:
    """Where saving would put the trainer, or None with the geocoder's answer on the form."""
    found = _attempt(form, lambda: services.checked_place(place))
    return found and {"label": found.label, **services.place_fields(place, found)}


def _edit_page(trainer: Trainer | None, form: TrainerRecordForm, place: dict | None = None,
               status_form: StatusForm | None = None):
    if trainer is not None and status_form is None:
        target = (TrainerStatus.INACTIVE if trainer.status is TrainerStatus.ACTIVE
                  else TrainerStatus.ACTIVE)
        status_form = StatusForm(formdata=None, status=target.value)
    return _page("trainers/manage_edit.html", (form, status_form), form=form,
                 trainer=trainer, place=place, status_form=status_form, today=today())


# -- A trainer's own profile ----------------------------------------------------------------

@blp.route("/my/profile", methods=["GET", "POST"])
def my_profile():
    trainer = _own_trainer()
    if trainer is None:
        return render_template("trainers/my_profile_unlinked.html")
    form = TrainerProfileForm(obj=trainer)
    if form.is_submitted() and (data := _validated(form, TrainerUpdateSchema())) is not None:
        changes = _changed(trainer, data)
        if _attempt(form, lambda: services.update_trainer(db.session, trainer, changes)):
            db.session.commit()
            flash("Your profile is saved.")
            return redirect(url_for("trainer_pages.my_profile"))
    return _my_profile_page(trainer, form, _correction_form(trainer, formdata=None))


@blp.post("/my/profile/corrections")
@per_account("CORRECTION_RATE_LIMIT", "corrections")  # each request emails every curator
def request_correction():
    trainer = _own_trainer()
    if trainer is None:
        raise Forbidden("A curator must link your account to your profile first.")
    authorize(Permission.REQUEST_CORRECTION, trainer)
    form = _correction_form(trainer)
    if form.validate_on_submit() and _attempt(form, lambda: corrections.request_correction(
            db.session, trainer, current_user, _credential(trainer, form.credential_id.data),
            form.message.data)):
        db.session.commit()
        flash("Your request is with the curators.")
        return redirect(url_for("trainer_pages.my_profile"))
    return _my_profile_page(trainer, TrainerProfileForm(formdata=None, obj=trainer), form)


def _own_trainer() -> Trainer | None:
    """The signed-in trainer's profile, or None while no curator has linked one.

    The page is for trainers' own accounts: staff edit profiles from the curators' list.
    """
    authorize(Permission.USE_TRAINER_WORKSPACE)
    trainer = current_user.trainer
    if trainer is not None:
        authorize(Permission.EDIT_TRAINER_PROFILE, trainer)
    return trainer


def _correction_form(trainer: Trainer, **kwargs) -> CorrectionForm:
    form = CorrectionForm(**kwargs)
    form.offer_credentials(trainer.credentials)
    return form


def _credential(trainer: Trainer, credential_id: str) -> Credential | None:
    """The chosen credential of the trainer's, or None for one the directory lacks."""
    return next((c for c in trainer.credentials if str(c.id) == credential_id), None)


def _my_profile_page(trainer: Trainer, form: TrainerProfileForm,
                     correction_form: CorrectionForm):
    return _page("trainers/my_profile.html", (form, correction_form), form=form,
                 correction_form=correction_form, trainer=trainer, today=today(),
                 taken=referrals_taken(db.session, trainer.id, utcnow()),
                 requests=corrections.corrections_of(db.session, trainer))


# -- Shared by the forms ------------------------------------------------------------------

def _validated(form: PayloadForm, schema: Schema) -> dict | None:
    """The submitted form loaded by the API's schema, or None with every error on the form."""
    valid = form.validate()
    try:
        data = schema.load(form.payload())
    except ValidationError as error:
        form.add_errors(error.messages)
        return None
    return data if valid else None


def _attempt(form: PageForm, action: Callable):
    """Run a service call for the form; if it is refused, nothing of it stays and the
    reasons are on the form."""
    try:
        return action()
    except InvalidInput as error:
        db.session.rollback()
        form.add_errors(error.errors)
    except ServiceUnavailable as error:  # an online geocoder that does not answer
        db.session.rollback()
        form.form_errors.append(error.description)
    return None


def _page(template: str, forms: tuple[PageForm | None, ...], **context):
    """Render a page of forms: 422 when one of them was refused, else 200."""
    refused = any(form is not None and form.refused() for form in forms)
    return render_template(template, **context), 422 if refused else 200
