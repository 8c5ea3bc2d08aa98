"""The "find a trainer for a referral" page: a GET form, the ranking and why."""

from flask import Blueprint, render_template, request
from marshmallow import ValidationError

from directory.accounts.permissions import Permission, authorize, can
from directory.db import today
from directory.errors import InvalidInput
from directory.extensions import db
from directory.matches import services
from directory.matches.schemas import MatchRequestSchema
from directory.querystring import load_query
from directory.search.pages import form_choices
from directory.search.sync import search_snapshots

blp = Blueprint("match_pages", __name__)


@blp.get("/match")
def match():
    authorize(Permission.VIEW_DIRECTORY)
    errors, answer = {}, None
    if request.args.get("near", "").strip():
        try:
            args = load_query(MatchRequestSchema(), request.args)
            referral = services.read_request(db.session, args)
            snapshot = search_snapshots().current(db.session, today())
            answer = services.answer_body(services.match(db.session, snapshot, referral,
                                                         today()))
        except ValidationError as error:
            errors = error.messages
        except InvalidInput as error:
            errors = error.errors
    refer = _referral_fields(request.args) if answer and can(Permission.CREATE_REFERRAL) \
        else None
    return render_template("matches/match.html", answer=answer, errors=errors,
                           args=request.args, refer=refer,
                           **form_choices()), 422 if errors else 200


KM_PER_MILE = 1.609344


def _referral_fields(args) -> dict:
    """This search as the referral form's fields, for "Refer to this trainer": the form
    opens with the patient's place, conditions and wishes filled in."""
    fields = {"patient_place": args.get("near", "").strip(),
              **{name: values for name in ("conditions", "languages", "modes", "accessibility")
                 if (values := [v for v in args.getlist(name) if v.strip()])}}
    for name in ("min_level", "budget"):
        if args.get(name, "").strip():
            fields[name] = args[name].strip()
    distance = args.get("max_distance", "").strip()
    if distance:  # the referral form asks in miles
        try:
            miles = float(distance) / (KM_PER_MILE if args.get("units") == "km" else 1)
            fields["max_distance"] = f"{miles:g}" if args.get("units") != "km" \
                else f"{miles:.1f}"
        except ValueError:
            pass  # the search refused it already; the form asks again
    return fields
