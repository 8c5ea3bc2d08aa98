from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from directory.accounts.permissions import Permission, requires
from directory.audit.models import AuditEvent
from directory.audit.schemas import AuditEventSchema, AuditQueryArgsSchema
from directory.pagination import page_of, page_schema

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit-events",
                description="The audit log of every write (admins only).")

EXACT_FILTERS = ("actor_id", "action", "object_type", "object_id", "request_id",
                 "import_batch_id")


@blp.route("")
class AuditEvents(MethodView):
    @requires(Permission.READ_AUDIT_LOG)
    @blp.arguments(AuditQueryArgsSchema, location="query")
    @blp.response(200, page_schema(AuditEventSchema))
    def get(self, args):
        """List audit events, newest first, filtered by who, what and when."""
        query = select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        for name in EXACT_FILTERS:
            if name in args:
                query = query.where(getattr(AuditEvent, name) == args[name])
        if "since" in args:
            query = query.where(AuditEvent.occurred_at >= args["since"])
        if "until" in args:
            query = query.where(AuditEvent.occurred_at < args["until"])
        return page_of(query, args)
