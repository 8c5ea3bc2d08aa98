"""Record every write in the audit log, inside the transaction that makes it.

A session hook sees each flush's new, changed and deleted rows and writes one audit
event per row on the same connection, so the event commits or rolls back with the
change itself. Bulk inserts bypass the hook: their callers record each created row
(`creation_log`, `bulk_event`) or one summary event (`record_event`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import g, has_app_context, has_request_context
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from directory.audit.models import AuditEvent
from directory.db import utcnow

REDACTED = "[redacted]"
# Set in session.info by a credential import so its every change names the batch.
IMPORT_BATCH = "import_batch_id"


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    role: str  # a Role value, "anonymous" or "system"


SYSTEM = Actor(None, "system")
ANONYMOUS = Actor(None, "anonymous")


def current_actor() -> Actor:
    """Who is writing: set per request by the accounts package; "system" elsewhere."""
    if has_app_context() and "actor" in g:
        return g.actor
    return ANONYMOUS if has_request_context() else SYSTEM


def current_request_id() -> str | None:
    return g.get("request_id") if has_app_context() else None


def record_event(session: Session, action: str, object_type: str, object_id=None,
                 changes: dict | None = None, actor: Actor | None = None) -> None:
    """Record an event the session hook cannot see (a login, a bulk load)."""
    row = _event_row(session, action, object_type, object_id, changes or {}, actor)
    session.execute(insert(AuditEvent), [row])


def _event_row(session: Session, action: str, object_type: str, object_id, changes: dict,
               actor: Actor | None = None) -> dict:
    actor = actor or current_actor()
    return {"occurred_at": utcnow(), "actor_id": actor.user_id, "actor_role": actor.role,
            "action": action, "object_type": object_type,
            "object_id": None if object_id is None else str(object_id),
            "changes": changes, "request_id": current_request_id(),
            "import_batch_id": session.info.get(IMPORT_BATCH)}


@event.listens_for(Session, "after_flush")
def _audit_flush(session: Session, _flush_context) -> None:
    rows = []
    for action, objects in (("create", session.new), ("update", session.dirty),
                            ("delete", session.deleted)):
        for obj in objects:
            if isinstance(obj, AuditEvent) or not getattr(obj, "audited", True):
                continue
            changes = _changes(obj, action)
            if changes or action != "update":
                (object_id, *_) = inspect(obj).mapper.primary_key_from_instance(obj)
                row = _event_row(session, action, obj.__tablename__, object_id, changes)
                # An import batch's own record names itself.
                row["import_batch_id"] = row["import_batch_id"] or getattr(
                    obj, "audit_import_batch_id", None)
                rows.append(row)
    if rows:
        session.connection().execute(insert(AuditEvent.__table__), rows)


def creation_log(model: type) -> Callable[[dict], dict]:
    """How the log records a row of `model` that a bulk insert created (the flush hook
    never sees those), as it records created objects: a function of the row's values."""
    policies = {attr.key: attr.columns[0].info.get("audit")
                for attr in inspect(model).column_attrs if attr.key != "id"}
    logged = [(key, policy) for key, policy in policies.items() if policy != "skip"]

    def changes(values: dict) -> dict:
        return {key: _logged(policy, None, values[key]) for key, policy in logged
                if values.get(key) is not None}
    return changes


def bulk_event(session: Session, object_type: str) -> dict:
    """The values every creation event of one bulk insert shares; each adds its object's
    id and changes."""
    return _event_row(session, "create", object_type, None, {})


def _changes(obj, action: str) -> dict:
    state = inspect(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        policy = attr.columns[0].info.get("audit")
        if policy == "skip":
            continue
        current = getattr(obj, attr.key)
        if action == "update":  # only updates need the attribute's history (it is slow)
            history = state.attrs[attr.key].history
            if not history.has_changes():
                continue
            before, after = history.deleted[0] if history.deleted else None, current
        else:
            before, after = (None, current) if action == "create" else (current, None)
        if before is None and after is None:
            continue
        changes[attr.key] = _logged(policy, before, after)
    return changes


def _logged(policy: str | None, before, after) -> dict:
    """A column's change as the log keeps it: JSON values, or only whether it was set."""
    if policy == "redact":
        before = None if before is None else REDACTED
        after = None if after is None else REDACTED
    return {"before": _json_value(before), "after": _json_value(after)}


def _json_value(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _end_import_batch(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(IMPORT_BATCH, None)
