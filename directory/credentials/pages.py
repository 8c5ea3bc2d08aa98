"""Curators' credential pages: add, verify, revoke, provenance, expiry, corrections."""

from flask import Blueprint

blp = Blueprint("credential_pages", __name__)
