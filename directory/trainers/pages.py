"""Curators' trainer pages and a trainer's own profile page."""

from flask import Blueprint

blp = Blueprint("trainer_pages", __name__)
