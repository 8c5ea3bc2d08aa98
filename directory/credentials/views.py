from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from directory.credentials.models import Certification
from directory.credentials.schemas import CertificationSchema
from directory.extensions import db

blp = Blueprint("certifications", __name__, url_prefix="/api/v1/certifications",
                description="The certification catalog.")


@blp.route("")
class Certifications(MethodView):
    @blp.response(200, CertificationSchema(many=True))
    def get(self):
        """List every certification in the catalog."""
        return db.session.scalars(select(Certification).order_by(Certification.code))
