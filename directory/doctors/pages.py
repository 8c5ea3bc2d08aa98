"""A doctor's own profile page: who they are, as their referrals show it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from directory.accounts.pages import form_page, register_limit
from directory.accounts.permissions import Permission, authorize
from directory.doctors.forms import DoctorProfileForm, DoctorRegisterForm
from directory.doctors.services import FIELDS, register_doctor, save_profile
from directory.errors import Conflict, InvalidInput
from directory.extensions import db, limiter

blp = Blueprint("doctor_pages", __name__)


@blp.route("/account/doctor", methods=["GET", "POST"])
def profile():
    authorize(Permission.EDIT_DOCTOR_PROFILE)
    form = DoctorProfileForm(obj=current_user.doctor_profile)
    if form.validate_on_submit():
        try:
            save_profile(db.session, current_user, {f: getattr(form, f).data for f in FIELDS})
        except InvalidInput as error:
            db.session.rollback()
            _show_beside_fields(form, error)
            return form_page("doctors/profile.html", form)
        db.session.commit()
        flash("Your practice details are saved: your referrals show them.")
        return redirect(url_for("accounts.account"))
    return form_page("doctors/profile.html", form)


@blp.route("/register/doctor", methods=["GET", "POST"])
@limiter.limit(register_limit, methods=["POST"])
def register():
    authorize(Permission.VIEW_DIRECTORY)
    form = DoctorRegisterForm()
    if form.validate_on_submit():
        try:
            register_doctor(db.session, form.email.data, form.password.data,
                            {f: getattr(form, f).data for f in FIELDS})
        except InvalidInput as error:
            db.session.rollback()
            _show_beside_fields(form, error)
            return form_page("doctors/register.html", form)
        except Conflict:
            db.session.rollback()
            form.email.errors = ["That email cannot be registered. Sign in instead, or use "
                                 "another address."]
            return form_page("doctors/register.html", form)
        db.session.commit()
        return render_template("doctors/registered.html"), 202
    return form_page("doctors/register.html", form)


def _show_beside_fields(form, error: InvalidInput) -> None:
    for field, messages in error.errors.items():
        getattr(form, field).errors = list(messages)
