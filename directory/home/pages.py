"""The front page and the human-readable API reference."""

from flask import Blueprint, render_template
from sqlalchemy import func, select

from directory.accounts.permissions import Permission, authorize
from directory.conditions.models import Condition
from directory.credentials.models import Certification
from directory.extensions import api, db
from directory.trainers.models import Trainer, TrainerStatus

blp = Blueprint("home", __name__)


@blp.get("/")
def index():
    authorize(Permission.VIEW_DIRECTORY)
    counts = {
        "trainers": db.session.scalar(
            select(func.count()).where(Trainer.status == TrainerStatus.ACTIVE)),
        "certifications": db.session.scalar(select(func.count(Certification.id))),
        "conditions": db.session.scalar(select(func.count(Condition.id))),
    }
    return render_template("index.html", counts=counts)


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
