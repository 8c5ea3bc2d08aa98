"""Sign-in, registration, the account page and the admin's user list."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from directory.accounts import services
from directory.accounts.forms import CreateUserForm, LoginForm, LogoutForm, RegisterForm
from directory.accounts.models import Role, User
from directory.accounts.permissions import Permission, authorize
from directory.errors import Conflict, InvalidInput
from directory.extensions import db, limiter
from directory.trainers.models import Trainer

blp = Blueprint("accounts", __name__)
WRONG_CREDENTIALS = "Email or password is incorrect."


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def attempted_email() -> str:
    """Rate-limit key for sign-in attempts on one account, from any address: guessing
    one person's password from many machines meets the same limit."""
    data = request.form or request.get_json(silent=True)  # a form, or any JSON at all
    email = data.get("email") if hasattr(data, "get") else None
    return f"email:{str(email or '').strip().lower()}"


def register_limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


def form_page(template: str, form, **context):
    """Render a form page: 422 when a submitted form was refused, else 200."""
    refused = form.is_submitted() and (form.errors or form.form_errors)
    return render_template(template, form=form, **context), 422 if refused else 200


def safe_next(default: str) -> str:
    """Follow ?next= only to a path on this site, never to another host."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


@blp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(login_limit, methods=["POST"], key_func=attempted_email)
def login():
    authorize(Permission.VIEW_DIRECTORY)
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            services.record_login(db.session, user)
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(url_for("accounts.account")))
        form.form_errors.append(WRONG_CREDENTIALS)
        return render_template("accounts/login.html", form=form), 401
    return form_page("accounts/login.html", form)


@blp.post("/logout")
def logout():
    authorize(Permission.VIEW_DIRECTORY)
    if LogoutForm().validate_on_submit():
        logout_user()
        flash("You are signed out.")
    return redirect(url_for("search_pages.index"))


@blp.route("/register", methods=["GET", "POST"])
@limiter.limit(register_limit, methods=["POST"])
def register():
    authorize(Permission.VIEW_DIRECTORY)
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(db.session, form.email.data, form.password.data,
                                        Role.PATIENT)
        except Conflict:
            # Registration cannot hide that an address is taken; the rate limit keeps
            # anyone from probing many addresses this way.
            form.form_errors.append("That email cannot be registered. Sign in instead, "
                                    "or use another address.")
            return form_page("accounts/register.html", form)
        db.session.commit()
        login_user(user)
        flash("Welcome to ReferFit: your patient account is ready.")
        return redirect(url_for("accounts.account"))
    return form_page("accounts/register.html", form)


@blp.get("/account")
def account():
    authorize(Permission.USE_ACCOUNT)
    return render_template("accounts/account.html", user=current_user)


@blp.route("/admin/users", methods=["GET", "POST"])
def users():
    authorize(Permission.MANAGE_USERS)
    form = CreateUserForm()
    if form.validate_on_submit():
        trainer = db.session.get(Trainer, form.trainer_id.data) if form.trainer_id.data else None
        if form.trainer_id.data and trainer is None:
            form.trainer_id.errors.append("There is no trainer with this id.")
        else:
            try:
                user = services.create_user(db.session, form.email.data, form.password.data,
                                            Role(form.role.data), trainer)
                db.session.commit()
                flash(f"Created {user.role.value} account {user.email}.")
                return redirect(url_for("accounts.users"))
            except (Conflict, InvalidInput) as error:
                db.session.rollback()
                form.form_errors.append(_message(error))
    accounts = db.session.scalars(select(User).order_by(User.email)).all()
    return form_page("accounts/users.html", form, users=accounts)


def _message(error: Exception) -> str:
    if isinstance(error, InvalidInput):
        return " ".join(m for messages in error.errors.values() for m in messages)
    return str(error)
