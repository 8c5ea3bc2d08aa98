"""The human-readable API reference."""

from flask import Blueprint, render_template

from directory.accounts.permissions import Permission, authorize
from directory.extensions import api

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
