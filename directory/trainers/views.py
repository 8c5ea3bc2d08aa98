from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint, abort

from directory.accounts.permissions import Permission, authorize, can, requires
from directory.db import today
from directory.duplicates.schemas import MergeRequestSchema, MergeResultSchema
from directory.duplicates.services import merge_trainers
from directory.errors import InvalidInput, Moved
from directory.extensions import db
from directory.pagination import page_of
from directory.search import services as search
from directory.search.schemas import TrainerSearchArgsSchema, TrainerSearchPageSchema, is_search
from directory.search.sync import caught_up_index, search_snapshots
from directory.trainers import services
from directory.trainers.models import Trainer
from directory.trainers.schemas import (
    RECORD_FIELDS,
    TrainerCreateSchema,
    TrainerSchema,
    TrainerUpdateSchema,
)
from directory.urls import db_id

blp = Blueprint("trainers", __name__, url_prefix="/api/v1/trainers",
                description="The trainer directory.")


def get_trainer(trainer_id: int, permission: Permission = Permission.VIEW_TRAINER) -> Trainer:
    """Load a trainer and check `permission` on it.

    A profile the caller may not see (an inactive one) answers 404, like a missing one;
    a merged one sends the caller on to the trainer it was merged into, if they may see
    that one.
    """
    trainer = db.session.get(Trainer, trainer_id)
    if trainer is not None and trainer.merged_into_id is not None and can(
            Permission.VIEW_TRAINER, db.session.get(Trainer, trainer.merged_into_id)):
        raise Moved(services.merged_message(trainer), trainer_id=trainer.merged_into_id)
    if trainer is None or not can(Permission.VIEW_TRAINER, trainer):
        abort(404, message=f"There is no trainer with id {trainer_id}.")
    authorize(permission, trainer)
    return trainer


@blp.route("")
class Trainers(MethodView):
    @requires(Permission.VIEW_DIRECTORY)
    @blp.arguments(TrainerSearchArgsSchema, location="query")
    @blp.response(200, TrainerSearchPageSchema)
    def get(self, args):
        """Search active trainers by place, condition, credential and more, a page at a time.

        Without filters this is the plain list of active trainers, by name.
        """
        if not is_search(args):
            return {**page_of(services.list_trainers_query(), args), "interpreted": {}}
        criteria = search.read_criteria(db.session, args)
        snapshot = search_snapshots().current(db.session, today())
        index = caught_up_index(snapshot.version)
        return search.search_trainers(db.session, index, snapshot, criteria,
                                      args["page"], args["page_size"])

    @requires(Permission.CREATE_TRAINER)
    @blp.arguments(TrainerCreateSchema)
    @blp.response(201, TrainerSchema)
    def post(self, data):
        """Add a trainer, with credentials and condition experience (curators)."""
        trainer = services.create_trainer(db.session, data)
        db.session.commit()
        return trainer


@blp.route(f"/{db_id('trainer_id')}")
class TrainerById(MethodView):
    @requires(Permission.VIEW_DIRECTORY)
    @blp.response(200, TrainerSchema)
    def get(self, trainer_id):
        """Get one trainer with credentials and condition experience."""
        return get_trainer(trainer_id)

    @requires(Permission.EDIT_TRAINER_PROFILE, object_rule=True)
    @blp.arguments(TrainerUpdateSchema)
    @blp.response(200, TrainerSchema)
    def patch(self, changes, trainer_id):
        """Change a trainer's fields (curators; trainers their own descriptive fields)."""
        trainer = get_trainer(trainer_id, Permission.EDIT_TRAINER_PROFILE)
        if RECORD_FIELDS & changes.keys():
            authorize(Permission.EDIT_TRAINER_RECORD, trainer)
        trainer = services.update_trainer(db.session, trainer, changes)
        db.session.commit()
        return trainer

    @requires(Permission.DEACTIVATE_TRAINER)
    @blp.response(204)
    def delete(self, trainer_id):
        """Deactivate a trainer; nothing is destroyed and PATCH can reactivate (curators)."""
        services.deactivate_trainer(db.session, get_trainer(trainer_id,
                                                            Permission.DEACTIVATE_TRAINER))
        db.session.commit()


@blp.route(f"/{db_id('trainer_id')}/merge")
class TrainerMerge(MethodView):
    @requires(Permission.MERGE_TRAINERS)
    @blp.arguments(MergeRequestSchema)
    @blp.response(200, MergeResultSchema)
    def post(self, data, trainer_id):
        """Merge this trainer into another, the survivor, which takes over its credentials,
        conditions, referrals, account and history (curators)."""
        merged = get_trainer(trainer_id, Permission.MERGE_TRAINERS)
        survivor = db.session.get(Trainer, data["survivor_id"])
        if survivor is None:
            raise InvalidInput({"survivor_id": [
                f"There is no trainer with id {data['survivor_id']}."]})
        result = merge_trainers(db.session, merged, survivor, current_user.id)
        db.session.commit()
        return result
