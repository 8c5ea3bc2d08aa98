from flask.views import MethodView
from flask_smorest import Blueprint, abort

from directory.accounts.permissions import Permission, requires
from directory.geo.schemas import GeocodeArgsSchema, PlaceSchema
from directory.geo.services import PlaceNotFound, resolve_place

blp = Blueprint("geocode", __name__, url_prefix="/api/v1/geocode",
                description="Turn a place people type into coordinates.")


@blp.route("")
class Geocode(MethodView):
    @requires(Permission.VIEW_DIRECTORY)
    @blp.arguments(GeocodeArgsSchema, location="query")
    @blp.response(200, PlaceSchema)
    def get(self, args):
        """Resolve a US ZIP, 'City, ST' or 'lat,lon' to a point."""
        try:
            return resolve_place(args["q"])
        except PlaceNotFound as error:
            abort(422, message=str(error), errors={"query": {"q": [str(error)]}})
