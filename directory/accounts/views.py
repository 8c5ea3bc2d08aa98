"""The accounts API: bearer tokens, users (admins), and linking trainer accounts."""

from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from directory.accounts import services
from directory.accounts.limits import SIGN_IN_LIMITS
from directory.accounts.models import ApiToken, User
from directory.accounts.permissions import Permission, requires
from directory.accounts.schemas import (
    NewTokenSchema,
    TokenRequestSchema,
    TokenSchema,
    TrainerAccountSchema,
    UserCreateSchema,
    UserSchema,
)
from directory.extensions import db
from directory.trainers.models import Trainer
from directory.urls import db_id

auth_blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth",
                     description="API tokens: get one with an email and password.")
users_blp = Blueprint("users", __name__, url_prefix="/api/v1/users",
                      description="Accounts (admins only).")
trainer_account_blp = Blueprint("trainer_accounts", __name__, url_prefix="/api/v1/trainers",
                                description="Link a trainer's account to their profile.")


@auth_blp.route("/tokens")
class Tokens(MethodView):
    decorators = SIGN_IN_LIMITS

    @requires(Permission.VIEW_DIRECTORY)
    @auth_blp.arguments(TokenRequestSchema)
    @auth_blp.response(201, NewTokenSchema)
    def post(self, data):
        """Exchange an email and password for a bearer token."""
        user = services.authenticate(db.session, data["email"], data["password"])
        if user is None:
            abort(401, message="Email or password is incorrect.")
        token, secret = services.issue_token(db.session, user, data["name"],
                                             data["lifetime_days"])
        db.session.commit()
        token.secret = secret  # transient: dumped once in this answer, never stored
        return token

    @requires(Permission.USE_ACCOUNT)
    @auth_blp.response(200, TokenSchema(many=True))
    def get(self):
        """List your tokens (never their secrets)."""
        return current_user.tokens


@auth_blp.route(f"/tokens/{db_id('token_id')}")
class TokenById(MethodView):
    @requires(Permission.USE_ACCOUNT)
    @auth_blp.response(204)
    def delete(self, token_id):
        """Revoke one of your tokens."""
        token = db.session.get(ApiToken, token_id)
        if token is None or token.user_id != current_user.id:
            abort(404, message=f"You have no token with id {token_id}.")
        services.revoke_token(db.session, token)
        db.session.commit()


@users_blp.route("")
class Users(MethodView):
    @requires(Permission.MANAGE_USERS)
    @users_blp.response(200, UserSchema(many=True))
    def get(self):
        """List accounts."""
        return db.session.scalars(select(User).order_by(User.email))

    @requires(Permission.MANAGE_USERS)
    @users_blp.arguments(UserCreateSchema)
    @users_blp.response(201, UserSchema)
    def post(self, data):
        """Create an account of any role."""
        trainer = None
        if data["trainer_id"] is not None:
            trainer = db.get_or_404(
                Trainer, data["trainer_id"],
                description=f"There is no trainer with id {data['trainer_id']}.")
        user = services.create_user(db.session, data["email"], data["password"], data["role"],
                                    trainer)
        db.session.commit()
        return user


@trainer_account_blp.route(f"/{db_id('trainer_id')}/account")
class TrainerAccount(MethodView):
    @requires(Permission.LINK_TRAINER_ACCOUNT)
    @trainer_account_blp.arguments(TrainerAccountSchema)
    @trainer_account_blp.response(200, UserSchema)
    def put(self, data, trainer_id):
        """Link the trainer account with this email to the profile."""
        trainer = db.get_or_404(Trainer, trainer_id,
                                description=f"There is no trainer with id {trainer_id}.")
        user = services.find_user(db.session, data["email"])
        if user is None:
            abort(404, message="There is no account with this email.")
        services.link_trainer(db.session, user, trainer)
        db.session.commit()
        return user
