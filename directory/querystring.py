"""Read a query string the way the API schemas read JSON, for the GET forms of pages."""

from marshmallow import Schema, fields
from werkzeug.datastructures import MultiDict


def load_query(schema: Schema, args: MultiDict) -> dict:
    """Load `args` with `schema`: repeated keys fill List fields, empty fields are left out."""
    lists = {name for name, f in schema.fields.items() if isinstance(f, fields.List)}
    raw = {}
    for name in args:
        values = [v for v in args.getlist(name) if v.strip()]
        if values:
            raw[name] = values if name in lists else values[0]
    return schema.load(raw)
