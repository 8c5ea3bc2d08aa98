"""Reading the audit log: the filters the API and the admins' page share, so both narrow
alike, the actions it records, and who made the events."""

from collections.abc import Iterable, Mapping

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from directory.accounts.models import User
from directory.audit.models import AuditEvent

EXACT_FILTERS = ("actor_id", "action", "object_type", "object_id", "request_id",
                 "import_batch_id")
# Every action the app records, for the log page's filter (reading them from the log
# would scan it). A new record_event() action belongs here too.
ACTIONS = (
    "create", "update", "delete",  # audit.services._audit_flush: each row a flush writes
    "bulk_create",  # imports.services.apply (import rows), demo.services._insert (trainers)
    "login",  # accounts.services.record_login
)


def audit_events(filters: Mapping) -> Select:
    """Audit events, newest first, narrowed by each filter given: the EXACT_FILTERS
    columns, and `since` (inclusive) and `until` (exclusive), aware datetimes."""
    query = select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    for name in EXACT_FILTERS:
        if name in filters:
            query = query.where(getattr(AuditEvent, name) == filters[name])
    if "since" in filters:
        query = query.where(AuditEvent.occurred_at >= filters["since"])
    if "until" in filters:
        query = query.where(AuditEvent.occurred_at < filters["until"])
    return query


def actor_emails(session: Session, events: Iterable[AuditEvent]) -> dict[int, str]:
    """The email of each account that made one of the events, by account id, in one
    query. Events by "system" or "anonymous" have no account, so no entry."""
    ids = {event.actor_id for event in events if event.actor_id is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.email).where(User.id.in_(ids))).all())
