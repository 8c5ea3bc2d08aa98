from flask import current_app
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint, abort

from directory.accounts.permissions import Permission, requires
from directory.duplicates import services
from directory.duplicates.models import SuspectedDuplicate
from directory.duplicates.schemas import (
    DuplicateDecisionSchema,
    DuplicateQueryArgsSchema,
    QueueResultSchema,
    SuspectedDuplicateSchema,
)
from directory.extensions import db
from directory.pagination import page_of, page_schema
from directory.urls import db_id

blp = Blueprint("duplicates", __name__, url_prefix="/api/v1/duplicates",
                description="Trainers that may be one person, waiting for a curator.")


def get_pair(pair_id: int) -> SuspectedDuplicate:
    pair = db.session.get(SuspectedDuplicate, pair_id)
    if pair is None:
        abort(404, message=f"There is no duplicate pair with id {pair_id}.")
    return pair


@blp.route("")
class Duplicates(MethodView):
    @requires(Permission.MERGE_TRAINERS)
    @blp.arguments(DuplicateQueryArgsSchema, location="query")
    @blp.response(200, page_schema(SuspectedDuplicateSchema))
    def get(self, args):
        """List pairs of likely duplicate trainers (pending by default), likeliest first."""
        return page_of(services.duplicates_query(args["status"]), args)


@blp.route("/search")
class DuplicateSearch(MethodView):
    @requires(Permission.MERGE_TRAINERS)
    @blp.response(200, QueueResultSchema)
    def post(self):
        """Look for duplicates with record linkage and queue the new pairs (directories of
        up to 20,000 trainers; larger ones run `flask trainers duplicates`)."""
        services.check_searchable_in_a_request(db.session)
        result = services.queue_duplicates(db.session, current_app.config["DATA_DIR"])
        db.session.commit()
        return result


@blp.route(f"/{db_id('pair_id')}")
class DuplicateById(MethodView):
    @requires(Permission.MERGE_TRAINERS)
    @blp.response(200, SuspectedDuplicateSchema)
    def get(self, pair_id):
        """One pair, both trainers side by side, with the engine's reasons."""
        return get_pair(pair_id)

    @requires(Permission.MERGE_TRAINERS)
    @blp.arguments(DuplicateDecisionSchema)
    @blp.response(200, SuspectedDuplicateSchema)
    def post(self, decision, pair_id):
        """Decide a pair: merge one trainer into the other (the survivor), or keep both."""
        pair = get_pair(pair_id)
        services.decide_duplicate(db.session, pair, decision["decision"],
                                  decision["survivor_id"], current_user.id)
        db.session.commit()
        return pair
