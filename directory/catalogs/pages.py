"""Curators edit the certification and condition catalogs."""

from flask import Blueprint

blp = Blueprint("catalog_pages", __name__)
