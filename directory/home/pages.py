"""Pages that belong to no one domain: the API reference and the workspace start page."""

from datetime import timedelta

from flask import Blueprint, render_template
from sqlalchemy import func, select

from directory.accounts.permissions import Permission, authorize
from directory.credentials.models import CorrectionRequest, CorrectionStatus, Credential
from directory.db import today
from directory.extensions import api, db
from directory.imports.models import ImportRow, ReviewStatus
from directory.trainers.models import Trainer, TrainerStatus
from matching.types import VerificationStatus

blp = Blueprint("home", __name__)


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
    return render_template("workspace.html", waiting=_waiting())


def _waiting() -> dict[str, int]:
    def count(query) -> int:
        return db.session.scalar(select(func.count()).select_from(query.subquery()))

    soon = today() + timedelta(days=60)
    return {
        "reviews": count(select(ImportRow.id).where(
            ImportRow.review_status == ReviewStatus.PENDING)),
        "corrections": count(select(CorrectionRequest.id).where(
            CorrectionRequest.status == CorrectionStatus.OPEN)),
        "expiring": count(select(Credential.id).join(Trainer).where(
            Credential.status == VerificationStatus.VERIFIED, Credential.expires_on > today(),
            Credential.expires_on <= soon, Trainer.status == TrainerStatus.ACTIVE)),
    }
