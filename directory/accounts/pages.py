"""Sign-in, registration, the account page, password-reset links, and the admin's
user list and account pages."""

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from directory.accounts import services
from directory.accounts.forms import (
    ActiveForm,
    CreateUserForm,
    IssueResetForm,
    LinkTrainerForm,
    LoginForm,
    LogoutForm,
    RegisterForm,
    ResetPasswordForm,
    RoleForm,
    UserFilterForm,
)
from directory.accounts.limits import sign_in_limited
from directory.accounts.models import Role, User
from directory.accounts.permissions import Permission, authorize
from directory.doctors.services import approve_doctor, awaiting_approval
from directory.errors import Conflict, InvalidInput
from directory.extensions import db, limiter
from directory.trainers.models import Trainer
from directory.urls import db_id, site_link

blp = Blueprint("accounts", __name__)
WRONG_CREDENTIALS = "Email or password is incorrect."
AWAITING_APPROVAL = ("Your doctor account waits for an administrator to check your NPI; "
                     "you will get an email when it is approved.")
USERS_PAGE_SIZE = 50
UNUSABLE_RESET = ("This password-reset link no longer works: it was used, it expired, or a "
                  "newer one replaced it. Ask an admin for a new link.")


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


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
@sign_in_limited
def login():
    authorize(Permission.VIEW_DIRECTORY)
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            services.record_login(db.session, user)
            db.session.commit()
            # A fresh session: nothing set before sign-in (by anyone) carries over.
            session.clear()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(url_for("accounts.account")))
        form.form_errors.append(
            AWAITING_APPROVAL if services.pending_approval(
                db.session, form.email.data, form.password.data) else WRONG_CREDENTIALS)
        return render_template("accounts/login.html", form=form), 401
    return form_page("accounts/login.html", form)


@blp.post("/logout")
def logout():
    authorize(Permission.VIEW_DIRECTORY)
    if LogoutForm().validate_on_submit():
        if current_user.is_authenticated:
            # Every copy of this account's session and remember-me cookies ends here,
            # not only the one in this browser.
            services.sign_out(db.session, db.session.get(User, current_user.id))
            db.session.commit()
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
    filters = UserFilterForm(request.args)
    page = _users_page(filters) if filters.validate() else None  # else errors on the form
    html, status = form_page("accounts/users.html", form, filters=filters, page=page)
    return html, status if page is not None else 422


def _users_page(filters: UserFilterForm):
    query = select(User).order_by(User.email)
    if filters.role.data:
        query = query.where(User.role == Role(filters.role.data))
    if filters.active.data:
        query = query.where(User.active == (filters.active.data == "yes"))
    if filters.email.data:
        query = query.where(User.email.contains(filters.email.data.lower(), autoescape=True))
    return db.paginate(query, page=filters.page.data or 1, per_page=USERS_PAGE_SIZE,
                       error_out=False)


@blp.get(f"/admin/users/{db_id('user_id')}")
def user(user_id):
    authorize(Permission.MANAGE_USERS)
    return _user_page(_get_user(user_id))


@blp.post(f"/admin/users/{db_id('user_id')}/role")
def change_role(user_id):
    authorize(Permission.MANAGE_USERS)
    account, form = _get_user(user_id), RoleForm()
    return _apply(account, form, lambda: _change_role(account, Role(form.role.data)),
                  form.role)


@blp.post(f"/admin/users/{db_id('user_id')}/active")
def set_active(user_id):
    authorize(Permission.MANAGE_USERS)
    account, form = _get_user(user_id), ActiveForm()
    return _apply(account, form, lambda: _set_active(account, form.active.data == "yes"))


@blp.post(f"/admin/users/{db_id('user_id')}/trainer")
def link_trainer(user_id):
    # A form on the admins' account page; curators link accounts with the API.
    authorize(Permission.MANAGE_USERS)
    account, form = _get_user(user_id), LinkTrainerForm()
    return _apply(account, form, lambda: _link_trainer(account, form.trainer_id.data),
                  form.trainer_id)


@blp.post(f"/admin/users/{db_id('user_id')}/reset")
def issue_reset(user_id):
    authorize(Permission.MANAGE_USERS)
    account, form = _get_user(user_id), IssueResetForm()
    if not form.validate_on_submit():
        return _refused(account, form, 422)
    try:
        reset, secret = services.issue_password_reset(db.session, account, current_user)
    except InvalidInput as error:
        db.session.rollback()
        form.form_errors.append(_message(error))
        return _refused(account, form, 422)
    db.session.commit()
    # Shown on this page, never redirected to: the secret stays out of the flash cookie
    # and of any logged URL.
    link = site_link("accounts.reset_password", token=secret)
    return render_template("accounts/reset_link.html", user=account, link=link,
                           expires_at=reset.expires_at)


@blp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def reset_password():
    """The secret rides in the query string, which neither access log records (see
    security.RedactQueryStrings and gunicorn.conf.py)."""
    authorize(Permission.VIEW_DIRECTORY)
    token = request.args.get("token", "")
    reset = services.find_usable_reset(db.session, token, for_update=request.method == "POST")
    if reset is None:
        abort(404, UNUSABLE_RESET)  # one answer for unknown, used and expired links alike
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.use_password_reset(db.session, reset, form.password.data)
        db.session.commit()
        # Whoever is signed in on this browser, the user or an admin trying the link,
        # signs in afresh with the new password.
        logout_user()
        flash("Your password is changed. Sign in with it.")
        return redirect(url_for("accounts.login"))
    return form_page("accounts/reset_password.html", form, email=reset.user.email)


def _get_user(user_id: int) -> User:
    return db.get_or_404(User, user_id, description=f"There is no account with id {user_id}.")


# The account page's forms, each under its name in the template.
FORM_NAMES = {RoleForm: "role_form", ActiveForm: "active_form",
              LinkTrainerForm: "trainer_form", IssueResetForm: "reset_form"}


def _user_page(account: User, status: int = 200, **refused: FlaskForm):
    """An account with its forms; a refused form stands in for its blank one, errors and
    all. Forms not submitted get no form data, so they show the account as it is."""
    forms = {
        "role_form": RoleForm(formdata=None, role=account.role.value),
        "active_form": ActiveForm(formdata=None, active="no" if account.active else "yes"),
        "trainer_form": LinkTrainerForm(formdata=None, trainer_id=account.trainer_id),
        "reset_form": IssueResetForm(formdata=None),
    }
    return render_template("accounts/user.html", user=account, **(forms | refused)), status


def _apply(account: User, form: FlaskForm, change: Callable[[], str], field=None):
    """Make one form's change to the account: commit, flash what `change` says and go
    back to the account page; or answer the refusal, next to `field` if given."""
    if not form.validate_on_submit():
        return _refused(account, form, 422)
    try:
        done = change()
    except (Conflict, InvalidInput) as error:
        db.session.rollback()
        (field.errors if field else form.form_errors).append(_message(error))
        return _refused(account, form, 409 if isinstance(error, Conflict) else 422)
    db.session.commit()
    flash(done)
    return redirect(url_for("accounts.user", user_id=account.id))


def _refused(account: User, form: FlaskForm, status: int):
    """The account page showing the refused form's errors."""
    return _user_page(account, status, **{FORM_NAMES[type(form)]: form})


def _change_role(account: User, role: Role) -> str:
    unlinks = account.trainer is not None and role is not Role.TRAINER
    services.change_role(db.session, account, role, current_user)
    return f"{account.email} is now {_with_article(role)}" + (
        ", no longer linked to a trainer profile." if unlinks else ".")


def _set_active(account: User, active: bool) -> str:
    services.set_active(db.session, account, active, current_user)
    if active and awaiting_approval(account):
        approve_doctor(db.session, account)
        return f"{account.email} is approved as a doctor and can sign in; they are told so."
    if active:
        return f"{account.email} is active again and can sign in."
    return (f"{account.email} is deactivated: they cannot sign in, and their API tokens "
            "and password-reset links no longer work.")


def _link_trainer(account: User, trainer_id: int | None) -> str:
    if trainer_id is None:
        services.unlink_trainer(db.session, account)
        return f"{account.email} is no longer linked to a trainer profile."
    trainer = db.session.get(Trainer, trainer_id)
    if trainer is None:
        raise InvalidInput({"trainer_id": ["There is no trainer with this id."]})
    services.link_trainer(db.session, account, trainer)
    return f"{account.email} is now linked to the profile of {trainer.full_name}."


def _with_article(role: Role) -> str:
    return f"{'an' if role.value[0] in 'aeiou' else 'a'} {role.value}"


def _message(error: Exception) -> str:
    if isinstance(error, InvalidInput):
        return " ".join(m for messages in error.errors.values() for m in messages)
    return str(error)
