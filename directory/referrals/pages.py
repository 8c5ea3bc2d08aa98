"""Referral pages: the doctor's form and dashboard, the trainer's inbox and reports, the
patient's view and printable letter, and self-screening. Plain forms, no JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import Forbidden

from directory.accounts.limits import per_account
from directory.accounts.models import User
from directory.accounts.permissions import Permission, authorize, can
from directory.db import today, utcnow
from directory.errors import Conflict, InvalidInput, message_lines, message_pairs
from directory.extensions import db
from directory.forms import plain
from directory.referrals import conversation, services
from directory.referrals.models import ConcernStatus, EntryKind, Referral, ThreadEntry
from directory.referrals.schemas import (
    ConcernAnswerSchema,
    MessageSchema,
    ReferralCreateSchema,
    ScreeningSchema,
    SelfReferralSchema,
    TransitionSchema,
    UpdateSchema,
)
from directory.referrals.views import get_referral
from directory.search.pages import form_choices
from directory.search.sync import search_snapshots
from directory.trainers.models import Trainer
from directory.urls import MAX_DB_ID, db_id
from matching.heart_rate import MaxFormula, meets_guidelines
from matching.screening import Screening, screen

blp = Blueprint("referral_pages", __name__)
LINES = ("medications", "goals", "avoid")  # textareas: one entry per line
# The intensity inputs each method reads: a value left in another method's (hidden) input
# is not sent.
METHOD_INPUTS = {
    "heart_rate_reserve": ("resting_heart_rate", "max_formula", "measured_max_heart_rate",
                           "percent_low", "percent_high"),
    "heart_rate": ("resting_heart_rate", "max_formula", "measured_max_heart_rate",
                   "heart_rate_low", "heart_rate_high"),
    "rpe": ("rpe_low", "rpe_high"),
}
PRESCRIPTION_INPUTS = ("frequency_per_week", "time_minutes", "type", "volume", "progression",
                       "precautions", "report_every_weeks")
# Every input of the referral and self-referral forms, to put an error beside.
FORM_FIELDS = frozenset({
    *(f"patient_{k}" for k in ("name", "birth_date", "age", "email", "phone", "place",
                               "account_email")),
    "conditions", *LINES, "heart_rate_blunted", "intensity_method",
    *(name for inputs in METHOD_INPUTS.values() for name in inputs), *PRESCRIPTION_INPUTS,
    "clearance_given", "clearance_up_to", "clearance_override_reason", "max_distance",
    "budget", "modes", "languages", "accessibility", "min_level",
    "exercises_regularly", "known_disease", "symptoms", "desired_intensity"})


@dataclass(frozen=True)
class DashboardRow:
    referral: Referral
    trainer_name: str
    report_overdue: bool
    concern: ConcernStatus | None  # the most pressing open concern's state
    unread: int  # conversation entries by others not read yet


@blp.get("/referrals")
def dashboard():
    authorize(Permission.LIST_REFERRALS)
    referrals = db.session.scalars(services.visible_referrals(current_user)).all()
    ids = {r.trainer_id for r in referrals if r.trainer_id}
    names = {t.id: t.full_name for t in db.session.scalars(
        select(Trainer).where(Trainer.id.in_(ids)))} if ids else {}
    unread = conversation.unread_counts(db.session, current_user, [r.id for r in referrals])
    rows = [DashboardRow(r, names.get(r.trainer_id, ""), services.report_overdue(r, today()),
                         _pressing(conversation.open_concerns(r)), unread.get(r.id, 0))
            for r in referrals]
    return render_template("referrals/dashboard.html", rows=rows)


def _pressing(concerns: list) -> ConcernStatus | None:
    """Open before acknowledged: an unseen concern is the one to act on."""
    states = {c.concern_status for c in concerns}
    return next((s for s in (ConcernStatus.OPEN, ConcernStatus.ACKNOWLEDGED) if s in states),
                None)


@blp.route("/referrals/new", methods=["GET", "POST"])
def new():
    authorize(Permission.CREATE_REFERRAL)
    # A GET may carry the patient and the choice from /match ("Refer to this trainer").
    form, errors, shown = request.form if request.method == "POST" else request.args, {}, None
    if request.method == "POST":
        try:
            data = ReferralCreateSchema().load(form_body(form))
            snapshot = search_snapshots().current(db.session, today())
            if request.form.get("action") == "create":
                return _create(data, snapshot)
            shown = services.preview(db.session, data, snapshot, today())
            if shown["clearance_problem"]:  # said now, before a trainer is chosen
                errors = form_errors({"prescription": {"intensity": [
                    shown["clearance_problem"]]}})
        except ValidationError as error:
            errors = form_errors(error.messages)
        except InvalidInput as error:
            db.session.rollback()
            errors = form_errors(error.errors)
            # Keep the ranking and the ticks on the page, where they can still be shown.
            shown = _preview_or_none(data, snapshot)
    return render_template("referrals/new.html", form=form, errors=errors, shown=shown,
                           chosen=_chosen(form), formulas=list(MaxFormula),
                           method_inputs=METHOD_INPUTS,
                           **form_choices()), 422 if errors else 200


def _chosen(form) -> list[Trainer]:
    """The trainers the doctor chose before ranking here (on /match), to say so."""
    ids = [int(i) for i in form.getlist("shortlist") if i.isascii() and i.isdigit()
           and 0 < int(i) <= MAX_DB_ID]
    return [t for t in db.session.scalars(select(Trainer).where(Trainer.id.in_(ids)))
            if can(Permission.VIEW_TRAINER, t)] if ids else []


def _create(data: dict, snapshot):
    if not data["shortlist"]:
        raise InvalidInput({"shortlist": [
            "Tick at least one trainer: the first ticked gets the referral."]})
    referral = services.create_referral(db.session, current_user, {**data, "send": True},
                                        snapshot, today())
    db.session.commit()
    flash(f"Referral {referral.id} sent.")
    return redirect(url_for("referral_pages.detail", referral_id=referral.id))


def _preview_or_none(data: dict, snapshot) -> dict | None:
    try:
        return services.preview(db.session, data, snapshot, today())
    except InvalidInput:
        return None


@blp.route("/referrals/self", methods=["GET", "POST"])
@per_account("SELF_REFERRAL_RATE_LIMIT", "self-referrals")  # each one emails the trainer
def refer_myself():
    """A patient asks a trainer from their search directly, answering the screening."""
    authorize(Permission.REFER_ONESELF)
    form, errors = request.form if request.method == "POST" else request.args, {}
    given = form.get("trainer_id", "")
    trainer = db.session.get(Trainer, int(given)) \
        if given.isascii() and given.isdigit() and 0 < int(given) <= MAX_DB_ID else None
    if trainer is None or not can(Permission.VIEW_TRAINER, trainer):
        abort(404, "Choose the trainer from your search results.")
    if request.method == "POST":
        get = _present(form)
        body = {"trainer_id": trainer.id,
                "patient": {k.removeprefix("patient_"): v for k, v in get.items()
                            if k.startswith("patient_")},
                "conditions": [c for c in form.getlist("conditions") if c.strip()],
                "goals": [g.strip() for g in form.get("goals", "").splitlines() if g.strip()],
                "screening": {k: get[k] for k in ("exercises_regularly", "known_disease",
                                                  "symptoms", "desired_intensity") if k in get}}
        try:
            referral = services.create_self_referral(
                db.session, current_user, SelfReferralSchema().load(body),
                search_snapshots().current(db.session, today()), today())
            db.session.commit()
        except ValidationError as error:
            errors = form_errors(error.messages)
        except InvalidInput as error:
            db.session.rollback()
            errors = form_errors(error.errors)
        else:
            flash(f"Your request was sent to {trainer.full_name}.")
            return redirect(url_for("referral_pages.detail", referral_id=referral.id))
    return render_template("referrals/self.html", trainer=trainer, form=form, errors=errors,
                           **form_choices()), 422 if errors else 200


@blp.get(f"/referrals/{db_id('referral_id')}")
def detail(referral_id):
    referral = get_referral(referral_id, Permission.VIEW_REFERRAL)
    seen_before = conversation.seen_through(db.session, referral, current_user)
    services.note_opened(referral, current_user)  # the doctor then sees it was read
    conversation.mark_read(db.session, referral, current_user)
    db.session.commit()
    return _detail_page(referral, seen_before=seen_before)


@blp.get(f"/referrals/{db_id('referral_id')}/letter")
def letter(referral_id):
    referral = get_referral(referral_id, Permission.VIEW_REFERRAL)
    return render_template("referrals/letter.html", referral=referral,
                           trainer=_trainer(referral), doctor=_doctor(referral))


@blp.post(f"/referrals/{db_id('referral_id')}/transitions")
def move(referral_id):
    return _act_on(
        referral_id, Permission.MOVE_REFERRAL, TransitionSchema(),
        lambda r, d: services.transition(db.session, r, current_user, d["to"], d["reason"],
                                         d["trainer_id"]),
        lambda r, _d: f"Referral {r.id} is now {r.status.value.replace('_', ' ')}.")


@blp.post(f"/referrals/{db_id('referral_id')}/updates")
def report(referral_id):
    return _act_on(
        referral_id, Permission.REPORT_ON_REFERRAL, UpdateSchema(),
        lambda r, d: services.add_update(db.session, r, current_user, d),
        lambda _r, _d: "Your report was sent to the doctor.")


@blp.post(f"/referrals/{db_id('referral_id')}/messages")
@per_account("MESSAGE_RATE_LIMIT", "referral-messages")
def write(referral_id):
    return _act_on(
        referral_id, Permission.TALK_ON_REFERRAL, MessageSchema(),
        lambda r, d: conversation.post_message(db.session, r, current_user, d["body"]),
        lambda _r, _d: "Your message was sent.", anchor="messages")


@blp.post(f"/referrals/{db_id('referral_id')}/updates/{db_id('update_id')}/concern")
def answer_concern(referral_id, update_id):
    return _act_on(
        referral_id, Permission.RESOLVE_CONCERN, ConcernAnswerSchema(),
        lambda r, d: conversation.answer_concern(db.session, r, current_user, update_id,
                                                 d["status"], d["message"]),
        lambda _r, d: f"The concern is {d['status'].value}.", anchor="concerns")


REFUSED = {Conflict: 409, Forbidden: 403}  # any other refusal is invalid input: 422


def _act_on(referral_id: int, permission: Permission, schema, action: Callable,
            done: Callable, anchor: str | None = None):
    """A form on the referral page: read it with `schema`, do `action(referral, data)`
    and say `done(referral, data)`; refused, the page again with why and what was typed."""
    referral = get_referral(referral_id, permission)
    try:
        data = schema.load(_present(request.form))
        action(referral, data)
    except (ValidationError, InvalidInput, Conflict, Forbidden) as error:
        db.session.rollback()
        return _detail_page(get_referral(referral_id, Permission.VIEW_REFERRAL),
                            _problems(error), REFUSED.get(type(error), 422))
    db.session.commit()
    flash(done(referral, data))
    return redirect(url_for("referral_pages.detail", referral_id=referral.id, _anchor=anchor))


@blp.route("/screening", methods=["GET", "POST"])
def screening():
    authorize(Permission.VIEW_DIRECTORY)
    result, errors = None, []
    if request.method == "POST":
        try:
            result = screen(Screening(**ScreeningSchema().load(_present(request.form))))
        except ValidationError as error:
            errors = message_lines(error.messages)
    return render_template("referrals/screening.html", result=result, errors=errors,
                           form=request.form), 422 if errors else 200


def form_errors(messages) -> dict[str, list[str]]:
    """Schema errors in plain words, keyed by the form field they belong to; those of no
    field on the form are under "" (the page shows them at its top)."""
    errors: dict[str, list[str]] = {}
    for path, message in message_pairs(messages):
        errors.setdefault(field_name(path), []).append(plain(message))
    return errors


def field_name(path: str) -> str:
    """The form field a body path came from (form_body's inverse): 'patient.place' is
    patient_place, 'prescription.intensity.rpe_low' is rpe_low; "" if none."""
    parts = [part for part in path.split(".") if not part.isdigit()]
    head, rest = (parts[0], parts[1:]) if parts else ("", [])
    if head == "patient" and rest:
        name = f"patient_{rest[-1]}"
    elif head == "prescription" and rest[:1] == ["clearance"]:
        name = f"clearance_{rest[-1]}" if len(rest) > 1 else "clearance_given"
    elif head == "prescription" and rest[:1] == ["intensity"]:
        name = rest[1] if len(rest) > 1 and rest[1] != "method" else "intensity_method"
    elif head in ("prescription", "preferences", "screening") and rest:
        name = rest[0]
    else:
        name = head
    return name if name in FORM_FIELDS else ""


def form_body(form: MultiDict) -> dict:
    """The referral form's flat fields as the API's nested body."""
    get = _present(form)
    lines = {name: [line.strip() for line in form.get(name, "").splitlines() if line.strip()]
             for name in LINES}
    method = get.get("intensity_method", "heart_rate_reserve")
    intensity = {k: get[k] for k in METHOD_INPUTS.get(method, ()) if k in get}
    intensity["method"] = method
    patient = {k.removeprefix("patient_"): v for k, v in get.items()
               if k.startswith("patient_")}
    prescription = {k: get[k] for k in PRESCRIPTION_INPUTS if k in get}
    prescription.update(goals=lines["goals"], avoid=lines["avoid"], intensity=intensity,
                        clearance={"given": "clearance_given" in form, **{
                            key: get[f"clearance_{key}"] for key in ("up_to", "override_reason")
                            if f"clearance_{key}" in get}})
    preferences = {k: get[k] for k in ("max_distance", "budget") if k in get}
    for name in ("modes", "languages", "accessibility"):
        if chosen := [v for v in form.getlist(name) if v]:
            preferences[name] = chosen
    body = {"patient": patient, "conditions": [c for c in form.getlist("conditions") if c.strip()],
            "medications": lines["medications"], "prescription": prescription,
            "preferences": preferences, "shortlist": form.getlist("shortlist")}
    if "min_level" in get:
        body["min_level"] = get["min_level"]
    if "heart_rate_blunted" in form:
        body["heart_rate_blunted"] = True
    return body


def _present(form: MultiDict) -> dict:
    """Single-valued fields that were filled in (a blank field is left out)."""
    return {k: v.strip() for k, v in form.items() if v.strip() and k != "csrf_token"}


def _problems(error) -> list[str]:
    if isinstance(error, ValidationError):
        return message_lines(error.messages)
    if isinstance(error, InvalidInput):
        return message_lines(error.errors)
    return [error.description if isinstance(error, Forbidden) else str(error)]


def _detail_page(referral, errors: list[str] | None = None, status: int = 200,
                 seen_before: int | None = None):
    """The referral as this user may see it; a failed form's input is kept in it."""
    timeline = sorted([(e.occurred_at, e) for e in referral.events]
                      + [(u.created_at, u) for u in referral.updates], key=lambda t: t[0])
    refers = can(Permission.MOVE_REFERRAL, referral) and current_user.role.value != "trainer"
    trainer, doctor = _trainer(referral), _doctor(referral)
    entries = conversation.entries_for(referral, current_user)
    talks = can(Permission.TALK_ON_REFERRAL, referral)
    if seen_before is None:
        seen_before = conversation.seen_through(db.session, referral, current_user)
    return render_template(
        "referrals/detail.html", referral=referral, errors=errors or [], refers=refers,
        meets_guidelines=meets_guidelines, trainer=trainer, doctor=doctor, timeline=timeline,
        concerns=conversation.open_concerns(referral),
        # New: by another party, since this party last read (an admin reads, is no party).
        thread=[(e, _author(e, referral, doctor), _did(e), talks and e.id > seen_before
                 and e.author_id != current_user.id) for e in entries],
        state=ReferralState.of(referral),
        form=request.form if request.method == "POST" else {},
        answering=(request.view_args or {}).get("update_id"),
        may={"talk": talks,
             "acknowledge": can(Permission.ACKNOWLEDGE_CONCERN, referral),
             "resolve": can(Permission.RESOLVE_CONCERN, referral)},
    ), status


def _did(entry: ThreadEntry) -> str:
    """What the entry's author did, said beside their words (a message needs no saying)."""
    return "" if entry.kind is EntryKind.MESSAGE else conversation.DID[entry.kind]


@dataclass(frozen=True)
class ReferralState:
    """What the referral page says of where the referral stands, and offers to do."""
    report_overdue: bool
    next_trainer: int | None  # the next on the short list, for the doctor to send it to
    unopened: bool  # sent, and not opened within unopened_days
    unopened_days: int
    needs_clearance: bool  # the trainer must see medical clearance before assessing

    @classmethod
    def of(cls, referral: Referral) -> ReferralState:
        return cls(services.report_overdue(referral, today()),
                   services.next_on_shortlist(referral),
                   services.unopened_too_long(referral, utcnow()), services.unopened_days(),
                   services.needs_clearance(referral))


def _author(entry: ThreadEntry, referral: Referral, doctor: User | None) -> str:
    """Who wrote an entry, as the conversation names them."""
    if entry.author_role == "trainer":
        trainer = db.session.get(Trainer, entry.trainer_id)
        return f"{trainer.full_name} (trainer)"
    if entry.author_role == "doctor" and doctor and doctor.doctor_profile:
        return f"{doctor.doctor_profile.signature} (doctor)"
    if entry.author_role == "patient":
        return f"{referral.patient_name} (patient)"
    return f"The {entry.author_role}"


def _trainer(referral) -> Trainer | None:
    return db.session.get(Trainer, referral.trainer_id) if referral.trainer_id else None


def _doctor(referral) -> User | None:
    return db.session.get(User, referral.doctor_id) if referral.doctor_id else None
