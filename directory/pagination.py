"""Paging for every list endpoint: the query arguments and the envelope of one page."""

from urllib.parse import quote, urlencode

from flask import abort, request, url_for
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


def page_number(arg: str = "page") -> int:
    """The page a list page asks for in ?page= (or `arg`, for a page of several lists),
    from 1; anything else is a 400."""
    page = request.args.get(arg, "1")
    if not (page.isascii() and page.isdigit()) or not 1 <= int(page) <= 100_000:
        abort(400, f"{arg} must be a whole number from 1.")
    return int(page)


def page_url(page: int, arg: str = "page", *, endpoint: str | None = None,
             anchor: str | None = None) -> str:
    """The current list on another page: every query argument kept as it came (its
    filters, the pages of the other lists beside it), and `arg` set to `page`.

    `endpoint` names the list's own page when a form's POST endpoint shows it again;
    `anchor` brings a list lower down the page back into view. The query is encoded
    here rather than by url_for, which would read arguments such as _external itself.
    """
    path = url_for(endpoint) if endpoint else url_for(request.endpoint, **request.view_args)
    kept = [(name, value) for name, value in request.args.items(multi=True) if name != arg]
    url = f"{path}?{urlencode([*kept, (arg, page)])}"
    return f"{url}#{quote(anchor)}" if anchor else url
