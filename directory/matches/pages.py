"""The "find a trainer for a referral" page: a GET form, the ranking and why."""

from flask import Blueprint, render_template, request
from marshmallow import ValidationError

from directory.accounts.permissions import Permission, authorize
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
    return render_template("matches/match.html", answer=answer, errors=errors,
                           args=request.args, **form_choices()), 422 if errors else 200
