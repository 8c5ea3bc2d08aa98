"""Curators' credential pages: add, verify, revoke, provenance, expiry, corrections."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from directory.accounts.pages import form_page
from directory.accounts.permissions import Permission, authorize
from directory.credentials import corrections as requests_queue
from directory.credentials import services
from directory.credentials.forms import (
    AddCredentialForm,
    ResolveCorrectionForm,
    RevokeForm,
    VerifyForm,
)
from directory.credentials.models import (
    Certification,
    CorrectionRequest,
    CorrectionStatus,
    Credential,
)
from directory.credentials.schemas import CredentialInputSchema
from directory.db import today
from directory.errors import Conflict, InvalidInput
from directory.extensions import db
from directory.pagination import page_number
from directory.trainers.views import get_trainer
from directory.urls import db_id

blp = Blueprint("credential_pages", __name__)
WINDOWS = (30, 60, 90)  # days ahead the expiry page looks
DEFAULT_WINDOW = services.EXPIRY_NOTICE_DAYS  # one of WINDOWS: what the workspace counts
LIST_PAGE_SIZE = 100  # rows of each long list on a page: the directory is large
UNVERIFIED_PAGE = "unverified_page"  # the page number of the expiry page's second list
QUEUE_PAGE_SIZE = 50
CLOSED_SHOWN = 20


@blp.route(f"/manage/trainers/{db_id('trainer_id')}/credentials/new", methods=["GET", "POST"])
def add(trainer_id):
    authorize(Permission.MANAGE_CREDENTIALS)
    trainer = get_trainer(trainer_id, Permission.MANAGE_CREDENTIALS)
    form = AddCredentialForm()
    form.certification.choices = _certification_choices()
    if form.validate_on_submit():
        try:
            data = CredentialInputSchema().load(_credential_input(form))
            credential = services.add_credential(db.session, trainer, data)
        except ValidationError as error:
            _show_errors(form, error.messages)
        except InvalidInput as error:
            db.session.rollback()
            _show_errors(form, error.errors["credentials"][0])  # by entry, as for a list
        else:
            db.session.commit()
            flash(f"Added {credential.certification.code} {credential.credential_number} "
                  f"to {trainer.full_name}.")
            return redirect(url_for(".credential", credential_id=credential.id))
    return form_page("credentials/add.html", form, trainer=trainer)


def _certification_choices() -> list[SelectChoice]:
    catalog = db.session.scalars(select(Certification).order_by(Certification.issuer,
                                                                Certification.code))
    return [SelectChoice("", "Choose a certification")] + [
        SelectChoice(c.code, f"{c.code}: {c.name} ({c.issuer_name})") for c in catalog]


def _credential_input(form: AddCredentialForm) -> dict:
    """The form as CredentialInputSchema reads it, leaving out what was left empty."""
    values = {name: form[name].data for name in CredentialInputSchema().fields}
    return {name: value.isoformat() if isinstance(value, date) else value
            for name, value in values.items() if value not in (None, "")}


def _show_errors(form, errors: dict) -> None:
    """Put a schema's or service's messages beside the fields they are about."""
    for name, messages in errors.items():
        target = form[name].errors if name in form else form.form_errors
        target.extend(messages if isinstance(messages, list) else [messages])


@blp.get(f"/manage/credentials/{db_id('credential_id')}")
def credential(credential_id):
    authorize(Permission.MANAGE_CREDENTIALS)
    return _credential_page(_credential(credential_id))


@blp.post(f"/manage/credentials/{db_id('credential_id')}/verify")
def verify(credential_id):
    authorize(Permission.MANAGE_CREDENTIALS)
    item, form = _credential(credential_id), VerifyForm()
    return _change(item, form, lambda: services.verify_credential(
        db.session, item, form.verification_source.data, form.expires_on.data, today()),
        f"Verified {item.issuer} {item.credential_number}.", verify_form=form)


@blp.post(f"/manage/credentials/{db_id('credential_id')}/revoke")
def revoke(credential_id):
    authorize(Permission.MANAGE_CREDENTIALS)
    item, form = _credential(credential_id), RevokeForm()
    return _change(item, form, lambda: services.revoke_credential(
        db.session, item, form.reason.data),
        f"Revoked {item.issuer} {item.credential_number}; it no longer counts in matching.",
        revoke_form=form)


def _change(item: Credential, form, change: Callable[[], object], done: str, **forms):
    """Make a valid form's change and go back to the credential, or show what is wrong."""
    if form.validate_on_submit():
        try:
            change()
        except InvalidInput as error:
            db.session.rollback()
            _show_errors(form, error.errors)
        else:
            db.session.commit()
            flash(done)
            return redirect(url_for(".credential", credential_id=item.id))
    return _credential_page(item, status=422, **forms)


def _credential(credential_id: int) -> Credential:
    return db.get_or_404(Credential, credential_id, description="There is no such credential.")


def _credential_page(item: Credential, verify_form: VerifyForm | None = None,
                     revoke_form: RevokeForm | None = None, status: int = 200):
    # Only the form that was sent keeps its input; the other starts empty.
    return render_template(
        "credentials/credential.html", credential=item, today=today(),
        history=services.provenance(db.session, item),
        verify_form=verify_form or VerifyForm(formdata=None),
        revoke_form=revoke_form or RevokeForm(formdata=None)), status


@blp.get("/manage/expiring")
def expiring():
    authorize(Permission.MANAGE_CREDENTIALS)
    given = request.args.get("days", str(DEFAULT_WINDOW))
    if given not in {str(window) for window in WINDOWS}:
        abort(400, f"days must be one of {', '.join(map(str, WINDOWS))}.")
    day, days = today(), int(given)
    # Two lists, each paged by its own argument so that paging one keeps the other's page.
    return render_template(
        "credentials/expiring.html", days=days, windows=WINDOWS, today=day,
        until=day + timedelta(days=days),
        expiring=_list_page(services.expiring_credentials(day, days), "page"),
        unverified=_list_page(services.trainers_without_verified_credential(day),
                              UNVERIFIED_PAGE), unverified_arg=UNVERIFIED_PAGE)


@blp.get("/manage/not-confirmed")
def not_confirmed():
    authorize(Permission.MANAGE_CREDENTIALS)
    checks = services.unconfirmed_credentials(db.session)
    # Each issuer's list is paged on its own, by ?page_<issuer>=.
    missing = {check.issuer: _list_page(check.missing, _issuer_page_arg(check.issuer))
               for check in checks if check.missing is not None}
    return render_template("credentials/not_confirmed.html", checks=checks, missing=missing,
                           page_arg=_issuer_page_arg)


def _issuer_page_arg(issuer: str) -> str:
    return f"page_{issuer}"


def _list_page(query: Select, arg: str):
    """One page of a long curator list; its number is read from ?<arg>=."""
    return db.paginate(query, page=page_number(arg), per_page=LIST_PAGE_SIZE,
                       error_out=False)


@blp.get("/manage/corrections")
def corrections():
    authorize(Permission.MANAGE_CREDENTIALS)
    return _corrections_page()


@blp.post(f"/manage/corrections/{db_id('request_id')}")
def resolve_correction(request_id):
    authorize(Permission.MANAGE_CREDENTIALS)
    item = db.get_or_404(CorrectionRequest, request_id,
                         description="There is no such correction request.")
    if item.status is not CorrectionStatus.OPEN:
        # Before the form: a closed request has no form left to put right.
        return _corrections_page(problem=f"Request {item.id} was already "
                                         f"{item.status.value}; nothing changed."), 409
    form = ResolveCorrectionForm()
    if form.validate_on_submit():
        try:
            requests_queue.resolve_correction(
                db.session, item, current_user, CorrectionStatus(form.status.data),
                form.note.data)
        except Conflict as error:  # another curator closed it since this page was read
            db.session.rollback()
            return _corrections_page(problem=str(error)), 409
        except InvalidInput as error:
            db.session.rollback()
            _show_errors(form, {"note" if k == "resolution" else k: v
                               for k, v in error.errors.items()})
        else:
            db.session.commit()
            flash(f"Request {item.id} {item.status.value}.")
            return redirect(url_for(".corrections"))
    return _corrections_page(failed=(item.id, form)), 422


def _corrections_page(failed: tuple[int, ResolveCorrectionForm] | None = None,
                      problem: str | None = None):
    """The queue; the request whose form was refused keeps what the curator typed."""
    query = requests_queue.open_corrections_query().options(
        joinedload(CorrectionRequest.trainer), joinedload(CorrectionRequest.credential))
    page = db.paginate(query, page=page_number(), per_page=QUEUE_PAGE_SIZE, error_out=False)
    forms = {item.id: ResolveCorrectionForm(formdata=None) for item in page.items}
    if failed is not None:
        forms[failed[0]] = failed[1]
    return render_template(
        "credentials/corrections.html", page=page, forms=forms, problem=problem,
        closed=services.recently_closed_corrections(db.session, CLOSED_SHOWN))
