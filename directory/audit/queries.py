"""The audit log's filters, shared by the API and the admins' page so both narrow alike."""

from collections.abc import Mapping

from sqlalchemy import Select, select

from directory.audit.models import AuditEvent

EXACT_FILTERS = ("actor_id", "action", "object_type", "object_id", "request_id",
                 "import_batch_id")


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
