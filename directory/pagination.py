"""Paging for every list endpoint: the query arguments and the envelope of one page."""

from flask import abort, request
from marshmallow import Schema, fields, validate

from directory.extensions import db


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(1, 100))


def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """The envelope of one page of `item_schema` items, with the total count."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item_schema)),
        "total": fields.Integer(),
        "page": fields.Integer(),
        "page_size": fields.Integer(),
        "pages": fields.Integer(),
    }, name=name)


def page_of(query, args: dict) -> dict:
    page = db.paginate(query, page=args["page"], per_page=args["page_size"],
                       error_out=False, count=True)
    return {"items": page.items, "total": page.total, "page": page.page,
            "page_size": page.per_page, "pages": page.pages}


def page_number() -> int:
    """The page a list page asks for in ?page=, from 1; anything else is a 400."""
    page = request.args.get("page", "1")
    if not (page.isascii() and page.isdigit()) or not 1 <= int(page) <= 100_000:
        abort(400, "page must be a whole number from 1.")
    return int(page)
