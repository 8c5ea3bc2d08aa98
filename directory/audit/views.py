from flask.views import MethodView
from flask_smorest import Blueprint

from directory.accounts.permissions import Permission, requires
from directory.audit.queries import audit_events
from directory.audit.schemas import AuditEventSchema, AuditQueryArgsSchema
from directory.pagination import page_of, page_schema

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit-events",
                description="The audit log of every write (admins only).")


@blp.route("")
class AuditEvents(MethodView):
    @requires(Permission.READ_AUDIT_LOG)
    @blp.arguments(AuditQueryArgsSchema, location="query")
    @blp.response(200, page_schema(AuditEventSchema))
    def get(self, args):
        """List audit events, newest first, filtered by who, what and when."""
        return page_of(audit_events(args), args)
