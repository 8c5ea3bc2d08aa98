"""The outbox: every message the app queued or sent (admins)."""

from flask import Blueprint

blp = Blueprint("notification_pages", __name__)
