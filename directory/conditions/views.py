from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from directory.accounts.permissions import Permission, requires
from directory.conditions.models import Condition
from directory.conditions.schemas import ConditionSchema
from directory.extensions import db

blp = Blueprint("conditions", __name__, url_prefix="/api/v1/conditions",
                description="The condition taxonomy.")


@blp.route("")
class Conditions(MethodView):
    @requires(Permission.VIEW_DIRECTORY)
    @blp.response(200, ConditionSchema(many=True))
    def get(self):
        """List every condition with its risk tier, ICD-10 prefixes and synonyms."""
        return db.session.scalars(select(Condition).order_by(Condition.name))
