"""Pages that belong to no one domain: the API reference and the workspace start page."""

from flask import Blueprint, render_template
from sqlalchemy import func, select

from directory.accounts.permissions import Permission, authorize
from directory.credentials.models import CorrectionRequest, CorrectionStatus
from directory.credentials.services import EXPIRY_NOTICE_DAYS, count_expiring_credentials
from directory.db import today
from directory.duplicates.services import pending_duplicate_count
from directory.extensions import api, db
from directory.imports.reviews import pending_review_count

blp = Blueprint("home", __name__)
# Every list's pager (templates/_pager.html) builds its links with it: a template helper of
# the whole app, so it is registered here, with the pages of no one domain.


@blp.get("/api/docs")
def api_docs():
    authorize(Permission.VIEW_DIRECTORY)
    # Rendered on the server from the OpenAPI document: no CDN, no script.
    spec = api.spec.to_dict()
    operations = [
        {"path": path, "method": method.upper(), **operation}
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    return render_template("api_docs.html", spec=spec, operations=operations)


@blp.get("/manage")
def workspace():
    """Where a curator starts the day: what waits for them, and every curator page."""
    authorize(Permission.MANAGE_CREDENTIALS)
    waiting = {
        "reviews": pending_review_count(db.session),
        "duplicates": pending_duplicate_count(db.session),
        "corrections": db.session.scalar(select(func.count(CorrectionRequest.id)).where(
            CorrectionRequest.status == CorrectionStatus.OPEN)),
        "expiring": count_expiring_credentials(db.session, today()),
    }
    return render_template("workspace.html", waiting=waiting, notice_days=EXPIRY_NOTICE_DAYS)
