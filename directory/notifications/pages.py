"""The outbox: every message the app queued or sent, for admins to read (and, with the
default "outbox" mail backend, the only place messages go)."""

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from directory.accounts.permissions import Permission, authorize
from directory.extensions import db
from directory.notifications.models import Message, MessageStatus
from directory.pagination import page_number
from directory.urls import db_id

blp = Blueprint("notification_pages", __name__)
PAGE_SIZE = 50


@blp.get("/admin/outbox")
def outbox():
    authorize(Permission.READ_OUTBOX)
    filters = _filters()
    query = select(Message).order_by(Message.id.desc())
    if filters["status"]:
        query = query.where(Message.status == MessageStatus(filters["status"]))
    if filters["kind"]:
        query = query.where(Message.kind == filters["kind"])
    if filters["recipient"]:
        query = query.where(Message.recipient.contains(filters["recipient"].lower(),
                                                       autoescape=True))
    page = db.paginate(query, page=filters["page"], per_page=PAGE_SIZE, error_out=False)
    kinds = db.session.scalars(select(Message.kind).distinct().order_by(Message.kind)).all()
    return render_template("notifications/outbox.html", page=page, filters=filters,
                           kinds=kinds, statuses=list(MessageStatus))


@blp.get(f"/admin/outbox/{db_id('message_id')}")
def message(message_id):
    authorize(Permission.READ_OUTBOX)
    found = db.session.get(Message, message_id)
    if found is None:
        abort(404, f"There is no message {message_id}.")
    return render_template("notifications/message.html", message=found)


def _filters() -> dict:
    """The list's filters from the query string; a value it cannot mean is a 400."""
    args = request.args
    status = args.get("status", "")
    if status and status not in {s.value for s in MessageStatus}:
        abort(400, f"status must be one of {', '.join(s.value for s in MessageStatus)}.")
    return {"status": status, "kind": args.get("kind", "")[:32],
            "recipient": args.get("recipient", "").strip()[:254], "page": page_number()}
