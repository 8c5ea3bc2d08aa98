"""A doctor's own profile page: who they are, as their referrals show it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user

from directory.accounts.pages import form_page
from directory.accounts.permissions import Permission, authorize
from directory.doctors.forms import DoctorProfileForm
from directory.doctors.services import FIELDS, save_profile
from directory.errors import InvalidInput
from directory.extensions import db

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
            for field, messages in error.errors.items():
                getattr(form, field).errors = list(messages)
            return form_page("doctors/profile.html", form)
        db.session.commit()
        flash("Your practice details are saved: your referrals show them.")
        return redirect(url_for("accounts.account"))
    return form_page("doctors/profile.html", form)
