"""Curators' pages: the queue of likely duplicate trainers, and one pair side by side."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from directory.accounts.permissions import Permission, authorize
from directory.duplicates import services
from directory.duplicates.forms import DuplicateDecisionForm, DuplicateSearchForm
from directory.duplicates.models import DuplicateStatus, SuspectedDuplicate
from directory.errors import message_lines
from directory.extensions import db
from directory.forms import attempt
from directory.linkage.keys import PERSON_FIELDS
from directory.pagination import page_number
from directory.urls import db_id

blp = Blueprint("duplicate_pages", __name__)
QUEUE_PAGE_SIZE = 25


@blp.get("/manage/duplicates")
def queue():
    authorize(Permission.MERGE_TRAINERS)
    page = db.paginate(services.duplicates_query(DuplicateStatus.PENDING), page=page_number(),
                       per_page=QUEUE_PAGE_SIZE, error_out=False)
    return render_template("duplicates/queue.html", page=page, form=DuplicateSearchForm())


@blp.post("/manage/duplicates/search")
def search():
    authorize(Permission.MERGE_TRAINERS)
    if not DuplicateSearchForm().validate_on_submit():
        abort(400, "The form was incomplete; reload the page and try again.")
    result, errors, _ = attempt(_search_in_a_request)
    flash(" ".join(errors) or f"Found {result.found} likely duplicate pair(s): "
          f"{result.queued} new, {result.refreshed} rescored, {result.decided} already decided.")
    return redirect(url_for("duplicate_pages.queue"))


def _search_in_a_request() -> services.QueueResult:
    services.check_searchable_in_a_request(db.session)
    return services.queue_duplicates(db.session, current_app.config["DATA_DIR"])


@blp.route(f"/manage/duplicates/{db_id('pair_id')}", methods=["GET", "POST"])
def pair(pair_id: int):
    authorize(Permission.MERGE_TRAINERS)
    item = db.get_or_404(SuspectedDuplicate, pair_id, description="There is no such pair.")
    form, errors, status = DuplicateDecisionForm(), [], 200
    if form.validate_on_submit():
        survivor_id = int(form.survivor_id.data) if form.survivor_id.data else None
        result, errors, status = attempt(lambda: services.decide_duplicate(
            db.session, item, form.decision.data, survivor_id, current_user.id))
        if not errors:
            flash(_decided_sentence(item, result))
            following = db.session.scalar(
                services.duplicates_query(DuplicateStatus.PENDING).limit(1))
            if following is not None:
                return redirect(url_for("duplicate_pages.pair", pair_id=following.id))
            return redirect(url_for("duplicate_pages.queue"))
    elif form.errors:
        errors, status = message_lines(list(form.errors.values())), 400
    item = db.session.get(SuspectedDuplicate, pair_id)
    return render_template(
        "duplicates/pair.html", pair=item, errors=errors, columns=PERSON_FIELDS,
        holdings=[services.holdings(db.session, trainer) for trainer in item.pair]), status


def _decided_sentence(pair: SuspectedDuplicate, result: services.MergeResult | None) -> str:
    if result is None:
        return (f"Pair {pair.id}: trainers {pair.trainer_id} and {pair.other_id} are kept as "
                "two people; the pair will not be suggested again.")
    moved = ", ".join(f"{kind.replace('_', ' ')} ({count})"
                      for kind, count in result.moved.items() if count)
    return (f"Merged trainer {result.merged_id} into trainer {result.survivor_id}"
            + (f": moved {moved}." if moved else "; nothing else to move."))
