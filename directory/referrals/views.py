from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint, abort

from directory.accounts.limits import per_account
from directory.accounts.permissions import Permission, authorize, can, requires
from directory.db import today
from directory.extensions import db
from directory.referrals import conversation, services
from directory.referrals.models import Referral
from directory.referrals.schemas import (
    ConcernAnswerSchema,
    MessageSchema,
    ReferralCreateSchema,
    ReferralQueryArgsSchema,
    ReferralSchema,
    ScreeningResultSchema,
    ScreeningSchema,
    SelfReferralSchema,
    ThreadEntrySchema,
    TransitionSchema,
    UpdateOutSchema,
    UpdateSchema,
)
from directory.search.sync import search_snapshots
from directory.urls import db_id
from matching.screening import Screening, screen

blp = Blueprint("referrals", __name__, url_prefix="/api/v1/referrals",
                description="Exercise referrals: prescription, trainer, lifecycle, reports.")
screening_blp = Blueprint("screening", __name__, url_prefix="/api/v1/screening",
                          description="ACSM pre-participation screening.")


def get_referral(referral_id: int, permission: Permission) -> Referral:
    """The referral, if this caller may act on it; 404 to anyone who may not even read it,
    so ids do not reveal which referrals exist."""
    if not current_user.is_authenticated:
        authorize(Permission.USE_ACCOUNT)  # strangers sign in first (pages) or get 401
    referral = db.session.get(Referral, referral_id)
    if referral is None or not can(Permission.VIEW_REFERRAL, referral):
        abort(404, message=f"There is no referral with id {referral_id}.")
    authorize(permission, referral)
    return referral


@blp.route("")
class Referrals(MethodView):
    @requires(Permission.LIST_REFERRALS)
    @blp.arguments(ReferralQueryArgsSchema, location="query")
    @blp.response(200, ReferralSchema(many=True))
    def get(self, args):
        """List the referrals the caller may read, newest first."""
        query = services.visible_referrals(current_user)
        if args["status"]:
            query = query.where(Referral.status == args["status"])
        return db.session.scalars(query)

    @requires(Permission.CREATE_REFERRAL)
    @blp.arguments(ReferralCreateSchema)
    @blp.response(201, ReferralSchema)
    def post(self, data):
        """Write a referral with its prescription; the ranking shown is stored with it."""
        snapshot = search_snapshots().current(db.session, today())
        referral = services.create_referral(db.session, current_user, data, snapshot, today())
        db.session.commit()
        return referral


@blp.route("/self")
class SelfReferrals(MethodView):
    decorators = [per_account("SELF_REFERRAL_RATE_LIMIT", "self-referrals")]

    @requires(Permission.REFER_ONESELF)
    @blp.arguments(SelfReferralSchema)
    @blp.response(201, ReferralSchema)
    def post(self, data):
        """Refer yourself to a trainer your search showed, with your screening answers."""
        snapshot = search_snapshots().current(db.session, today())
        referral = services.create_self_referral(db.session, current_user, data, snapshot,
                                                 today())
        db.session.commit()
        return referral


@blp.route(f"/{db_id('referral_id')}")
class ReferralById(MethodView):
    @requires(Permission.VIEW_REFERRAL, object_rule=True)
    @blp.response(200, ReferralSchema)
    def get(self, referral_id):
        """One referral with its prescription, ranking and timeline; the addressed
        trainer's first read marks it opened, for the doctor to see."""
        referral = get_referral(referral_id, Permission.VIEW_REFERRAL)
        if services.note_opened(referral, current_user):
            db.session.commit()
        return referral


@blp.route(f"/{db_id('referral_id')}/transitions")
class Transitions(MethodView):
    @requires(Permission.MOVE_REFERRAL, object_rule=True)
    @blp.arguments(TransitionSchema)
    @blp.response(200, ReferralSchema)
    def post(self, data, referral_id):
        """Move a referral: send, accept, decline (with a reason), start, complete, cancel."""
        referral = get_referral(referral_id, Permission.MOVE_REFERRAL)
        services.transition(db.session, referral, current_user, data["to"], data["reason"],
                            data["trainer_id"])
        db.session.commit()
        return referral


@blp.route(f"/{db_id('referral_id')}/updates")
class Updates(MethodView):
    @requires(Permission.REPORT_ON_REFERRAL, object_rule=True)
    @blp.arguments(UpdateSchema)
    @blp.response(201, UpdateOutSchema)
    def post(self, data, referral_id):
        """Report back: the initial assessment, then progress (a concern asks for review)."""
        referral = get_referral(referral_id, Permission.REPORT_ON_REFERRAL)
        update = services.add_update(db.session, referral, current_user, data)
        db.session.commit()
        return update


@blp.route(f"/{db_id('referral_id')}/messages")
class Messages(MethodView):
    @requires(Permission.VIEW_REFERRAL, object_rule=True)
    @blp.response(200, ThreadEntrySchema(many=True))
    def get(self, referral_id):
        """The referral's conversation as the caller may read it, oldest first; reading it
        marks it read."""
        referral = get_referral(referral_id, Permission.VIEW_REFERRAL)
        entries = conversation.entries_for(referral, current_user)
        conversation.mark_read(db.session, referral, current_user)
        db.session.commit()
        return entries

    @requires(Permission.TALK_ON_REFERRAL, object_rule=True)
    @per_account("MESSAGE_RATE_LIMIT", "referral-messages")
    @blp.arguments(MessageSchema)
    @blp.response(201, ThreadEntrySchema)
    def post(self, data, referral_id):
        """Write to the referral's other parties; they are emailed that there is news,
        never the words."""
        referral = get_referral(referral_id, Permission.TALK_ON_REFERRAL)
        entry = conversation.post_message(db.session, referral, current_user, data["body"])
        db.session.commit()
        return entry


@blp.route(f"/{db_id('referral_id')}/updates/{db_id('update_id')}/concern")
class Concern(MethodView):
    @requires(Permission.RESOLVE_CONCERN, object_rule=True)
    @blp.arguments(ConcernAnswerSchema)
    @blp.response(200, UpdateOutSchema)
    def post(self, data, referral_id, update_id):
        """Acknowledge a report's concern (the referrer) or resolve it (either side)."""
        referral = get_referral(referral_id, Permission.RESOLVE_CONCERN)
        update = conversation.answer_concern(db.session, referral, current_user, update_id,
                                             data["status"], data["message"])
        db.session.commit()
        return update


@screening_blp.route("")
class ScreeningCheck(MethodView):
    @requires(Permission.VIEW_DIRECTORY)
    @screening_blp.arguments(ScreeningSchema)
    @screening_blp.response(200, ScreeningResultSchema)
    def post(self, answers):
        """Should this person see a doctor before exercising, and how hard to start?"""
        return screen(Screening(**answers))
