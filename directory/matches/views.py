from flask.views import MethodView
from flask_smorest import Blueprint

from directory.accounts.permissions import Permission, requires
from directory.db import today
from directory.extensions import db
from directory.matches import services
from directory.matches.schemas import MatchRequestSchema, MatchResultSchema
from directory.search.sync import search_snapshots

blp = Blueprint("matches", __name__, url_prefix="/api/v1/matches",
                description="Rank trainers for a referral, with reasons and exclusions.")


@blp.route("")
class Matches(MethodView):
    @requires(Permission.VIEW_DIRECTORY)
    @blp.arguments(MatchRequestSchema)
    @blp.response(200, MatchResultSchema)
    def post(self, args):
        """Rank the trainers best suited to a referral and explain the ranking."""
        request = services.read_request(db.session, args)
        snapshot = search_snapshots().current(db.session, today())
        return services.answer_body(services.match(db.session, snapshot, request,
                                                   today()))
