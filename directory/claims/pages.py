"""Claiming a profile: asking for the link, using it, and the curators' queue."""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from sqlalchemy import select

from directory.accounts.pages import form_page
from directory.accounts.permissions import Permission, authorize
from directory.claims import services
from directory.claims.forms import (
    AskCuratorForm,
    DecideForm,
    InviteForm,
    SendLinkForm,
    UseLinkForm,
)
from directory.claims.models import ClaimStatus, ProfileClaim
from directory.errors import Conflict, InvalidInput
from directory.extensions import db, limiter
from directory.trainers.models import Trainer
from directory.trainers.views import get_trainer
from directory.urls import MAX_DB_ID, db_id

blp = Blueprint("claim_pages", __name__)
# Each request emails the profile's owner: a few an hour from one address is plenty.
CLAIM_RATE_LIMIT = "10 per hour"


@blp.route(f"/trainers/{db_id('trainer_id')}/claim", methods=["GET", "POST"])
@limiter.limit(CLAIM_RATE_LIMIT, methods=["POST"])
def start(trainer_id):
    authorize(Permission.VIEW_DIRECTORY)
    trainer = get_trainer(trainer_id)
    # Two forms on one page, told apart by their button's action.
    send, ask, refused = SendLinkForm(), AskCuratorForm(), []
    try:
        action = request.form.get("action") if request.method == "POST" else None
        if action == "send" and send.validate_on_submit():
            claim = services.request_link(db.session, trainer)
            db.session.commit()
            return render_template("claims/sent.html", trainer=trainer,
                                   to=services.masked(claim.email)), 202
        if action == "ask" and ask.validate_on_submit():
            services.ask_curator(db.session, trainer, ask.email.data, ask.note.data)
            db.session.commit()
            return render_template("claims/asked.html", trainer=trainer), 202
    except InvalidInput as error:
        db.session.rollback()
        refused = [m for messages in error.errors.values() for m in messages]
    except Conflict as error:
        db.session.rollback()
        refused = [str(error)]
    status = 422 if refused or send.errors or ask.errors else 200
    return render_template("claims/start.html", trainer=trainer, send=send, ask=ask,
                           refused=refused,
                           claimed=services.is_claimed(db.session, trainer),
                           to=services.masked(trainer.email) if trainer.email else None
                           ), status


@blp.route("/claim/<string(length=43):secret>", methods=["GET", "POST"])
@limiter.limit(CLAIM_RATE_LIMIT, methods=["POST"])
def use_link(secret):
    authorize(Permission.VIEW_DIRECTORY)
    claim = services.find_usable(db.session, secret)
    if claim is None:
        return render_template("claims/unusable.html"), 404
    form = UseLinkForm()
    if form.validate_on_submit():
        claim = services.find_usable(db.session, secret, for_update=True)
        try:
            user = services.use(db.session, claim, form.credential_number.data,
                                form.password.data)
        except InvalidInput as error:
            db.session.rollback()
            form.credential_number.errors = list(error.errors.get("credential_number", []))
            form.password.errors = list(error.errors.get("password", []))
            return form_page("claims/use.html", form, claim=claim)
        except Conflict as error:
            db.session.rollback()
            form.form_errors.append(str(error))
            return form_page("claims/use.html", form, claim=claim)
        db.session.commit()
        login_user(user)
        flash("Your profile is yours now: doctors see it is claimed. Check what it says.")
        return redirect(url_for("trainer_pages.my_profile"))
    return form_page("claims/use.html", form, claim=claim)


@blp.get("/manage/claims")
def queue():
    authorize(Permission.MANAGE_CLAIMS)
    waiting = db.session.scalars(select(ProfileClaim).where(
        ProfileClaim.status == ClaimStatus.AWAITING_CURATOR).order_by(ProfileClaim.id)).all()
    return render_template("claims/queue.html", waiting=waiting, decide=DecideForm(),
                           invite=InviteForm())


@blp.post(f"/manage/claims/{db_id('claim_id')}")
def decide(claim_id):
    authorize(Permission.MANAGE_CLAIMS)
    claim = db.session.get(ProfileClaim, claim_id)
    form = DecideForm()
    if claim is None:
        return render_template("claims/unusable.html"), 404
    if form.validate_on_submit():
        try:
            services.decide(db.session, claim, form.decision.data == "approve", current_user)
        except Conflict as error:
            db.session.rollback()
            flash(str(error))
            return redirect(url_for("claim_pages.queue"))
        db.session.commit()
        flash(f"Claim {claim.id}: " + ("the link is sent to " + claim.email
                                       if claim.status is ClaimStatus.SENT else "refused."))
    return redirect(url_for("claim_pages.queue"))


@blp.post("/manage/claims/invite")
def invite():
    authorize(Permission.MANAGE_CLAIMS)
    form = InviteForm()
    if not form.validate_on_submit():
        flash("Give the ids of the trainers to invite.")
        return redirect(url_for("claim_pages.queue"))
    ids = {int(n) for n in re.findall(r"\d+", form.trainer_ids.data) if int(n) <= MAX_DB_ID}
    trainers = db.session.scalars(select(Trainer).where(Trainer.id.in_(ids))).all()
    counts = services.invite(db.session, trainers, current_user)
    db.session.commit()
    missing = len(ids) - len(trainers)
    flash("Invitations: " + ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
          + (f", {missing} unknown id(s)" if missing else "") + ".")
    return redirect(url_for("claim_pages.queue"))
