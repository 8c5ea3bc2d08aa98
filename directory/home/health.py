"""Health checks for load balancers and monitoring: alive, and ready with what is degraded."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from directory.accounts.permissions import Permission, authorize
from directory.extensions import db, limiter
from directory.jobs import worker_state
from directory.search.snapshot import directory_version
from directory.search.sync import search_index

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def alive():
    """The process answers: restart it when this fails."""
    authorize(Permission.VIEW_DIRECTORY)
    return jsonify({"status": "alive"})


@blp.get("/readyz")
def ready():
    """Whether to send traffic here: 503 without the database; 200 "degraded" when a
    part is down that the app works around (rate limits counted in memory, a stale
    search index, no background worker: imports wait), naming which."""
    authorize(Permission.VIEW_DIRECTORY)
    checks = {"database": _database(), "rate_limits": _rate_limits(),
              "search_index": _search_index(), "worker": worker_state()}
    if checks["database"] != "ok":
        status, code = "unavailable", 503
    elif all(value in ("ok", "in memory") for value in checks.values()):
        status, code = "ready", 200
    else:
        status, code = "degraded", 200
    return jsonify({"status": status, "checks": checks}), code


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return "down"
    return "ok"


def _rate_limits() -> str:
    if current_app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        return "in memory"  # one process's own counts, by configuration
    return "ok" if limiter.storage.check() else "down: counted in each process's memory"


def _search_index() -> str:
    index = search_index()
    if not index.exists():
        return "missing: run flask search reindex"
    if index.stale:
        return "stale: run flask search reindex"
    if behind := index.missing_versions(directory_version(db.session)):
        return f"behind by {len(behind)} change(s): the next search writes them in"
    return "ok"
