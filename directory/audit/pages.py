"""The audit log viewer (admins)."""

from flask import Blueprint

blp = Blueprint("audit_pages", __name__)
