"""The reference catalogs (certifications, conditions): loaded from data/ idempotently,
and edited one entry at a time by curators under the same rules."""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import Schema, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.audit.models import AuditEvent
from directory.audit.queries import actor_emails
from directory.conditions.models import Condition
from directory.conditions.schemas import ConditionSchema
from directory.credentials.models import Certification
from directory.credentials.schemas import CertificationSchema
from directory.db import Base, utcnow
from directory.errors import InvalidInput


class CatalogError(ValueError):
    """A catalog file that cannot be loaded; nothing from it was written."""


@dataclass(frozen=True)
class Catalog:
    filename: str
    table_key: str  # the TOML array-of-tables name, e.g. [[condition]]
    model: type[Base]
    schema: type[Schema]
    lookup_fields: tuple[str, ...]  # names a row is found by; none may be shared
    # Set once, when the entry is added: the code keys re-loads of the file (a new code
    # would come back as a second entry), and credentials copy a certification's issuer
    # (their unique numbers and full-list checks are per issuer).
    fixed_fields: tuple[str, ...] = ("code",)


CATALOGS = (
    Catalog("certifications.toml", "certification", Certification,
            CertificationSchema, ("code", "aliases"), ("code", "issuer")),
    Catalog("conditions.toml", "condition", Condition,
            ConditionSchema, ("code", "name", "synonyms")),
)
CERTIFICATIONS, CONDITIONS = CATALOGS


@dataclass
class LoadReport:
    catalog: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)  # edited in the app; the file differs

    def summary(self) -> str:
        text = (f"{self.catalog}: {len(self.created)} created, {len(self.updated)} updated, "
                f"{self.unchanged} unchanged")
        if self.kept:
            text += (f"; kept the app's edits to {', '.join(self.kept)} "
                     "(--reset-edits puts the file's values back)")
        return text


def read_catalog(data_dir: Path, catalog: Catalog) -> list[dict]:
    """Read and validate one catalog file, or raise CatalogError naming every problem."""
    path = Path(data_dir) / catalog.filename
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8")).get(catalog.table_key)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CatalogError(f"{path}: {error}") from error
    if not raw or not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise CatalogError(f"{path}: expected one or more [[{catalog.table_key}]] entries.")
    try:
        entries = catalog.schema(many=True).load(raw)
    except ValidationError as error:
        problems = [f"entry {index + 1} ({raw[index].get('code', '?')}): {fields}"
                    for index, fields in sorted(error.messages.items())]
        raise CatalogError(f"{path}: " + "; ".join(problems)) from error
    _check_unique(path, entries, catalog.lookup_fields)
    return entries


def _check_unique(path: Path, entries: list[dict], lookup_fields: tuple[str, ...]) -> None:
    names = Counter(name for entry in entries for name in lookup_names(entry, lookup_fields))
    duplicates = [name for name, count in names.items() if count > 1]
    if duplicates:
        raise CatalogError(f"{path}: used by more than one entry: {', '.join(sorted(duplicates))}")


def lookup_names(entry: dict, lookup_fields: tuple[str, ...]) -> set[str]:
    """Every name an entry is found by, case-folded.

    No two entries may share one: a lookup by that name would be ambiguous.
    """
    return {name.casefold() for f in lookup_fields for name in _as_list(entry[f])}


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def sync_catalog(session: Session, catalog: Catalog, entries: list[dict],
                 reset_edits: bool = False) -> LoadReport:
    """Create or update rows to match the entries, keyed by code; never delete.

    An entry a curator edited in the app keeps the edit unless `reset_edits`.
    """
    report = LoadReport(catalog.table_key)
    existing = {row.code: row for row in session.scalars(select(catalog.model))}
    for entry in entries:
        row = existing.get(entry["code"])
        if row is None:
            session.add(catalog.model(**entry))
            report.created.append(entry["code"])
        elif not any(getattr(row, key) != value for key, value in entry.items()):
            report.unchanged += 1
        elif row.edited_at is not None and not reset_edits:
            report.kept.append(entry["code"])
        else:
            for key, value in entry.items():
                setattr(row, key, value)
            row.edited_at = None
            report.updated.append(entry["code"])
    session.flush()
    return report


def load_catalogs(session: Session, data_dir: Path,
                  reset_edits: bool = False) -> list[LoadReport]:
    """Validate every catalog file first, then sync them all: all or nothing."""
    contents = [(catalog, read_catalog(data_dir, catalog)) for catalog in CATALOGS]
    return [sync_catalog(session, catalog, entries, reset_edits)
            for catalog, entries in contents]


# -- one entry at a time -----------------------------------------------------------------

def add_entry(session: Session, catalog: Catalog, data: dict) -> Base:
    """Add a row from raw `data`, validated as the loader validates a file's entry."""
    row = catalog.model(**_valid_entry(session, catalog, data, None), edited_at=utcnow())
    session.add(row)
    session.flush()
    return row


def update_entry(session: Session, catalog: Catalog, row: Base, data: dict) -> list[str]:
    """Change `row` to raw `data`, but never its fixed fields; return the fields that
    changed."""
    fixed = {name: getattr(row, name) for name in catalog.fixed_fields}
    entry = _valid_entry(session, catalog, {**data, **fixed}, row.id)
    changed = [key for key, value in entry.items() if getattr(row, key) != value]
    for key in changed:
        setattr(row, key, entry[key])
    if changed:
        row.edited_at = utcnow()
    return changed


def _valid_entry(session: Session, catalog: Catalog, data: dict, row_id: int | None) -> dict:
    """`data` as the loader would take it, or InvalidInput naming every problem at once."""
    try:
        entry, errors = catalog.schema().load(data), {}
    except ValidationError as error:
        entry, errors = error.valid_data, error.messages
    # A field's own messages win over a clash: an invalid name needs fixing first anyway.
    errors = {**name_clashes(session, catalog, entry, row_id), **errors}
    if errors:
        raise InvalidInput(errors)
    return entry


def name_clashes(session: Session, catalog: Catalog, entry: dict,
                 row_id: int | None) -> dict[str, list[str]]:
    """Per field, each name of `entry` another row (not `row_id`) already goes by,
    naming that row: the rule `read_catalog` applies to a whole file. Fields missing
    from `entry` (invalid ones) are skipped."""
    owners = {}
    for row in session.scalars(select(catalog.model).order_by(catalog.model.id)):
        if row.id != row_id:
            names = {f: getattr(row, f) for f in catalog.lookup_fields}
            owners.update(dict.fromkeys(lookup_names(names, catalog.lookup_fields), row))
    errors: dict[str, list[str]] = {}
    for field_name in catalog.lookup_fields:
        for name in _as_list(entry.get(field_name, [])):
            if (owner := owners.get(name.casefold())) is not None:
                errors.setdefault(field_name, []).append(
                    f'"{name}" is already used by {owner.name} ({owner.code}).')
    return errors


def recent_changes(session: Session, row: Base, limit: int = 10) -> list[tuple[AuditEvent, str]]:
    """The row's latest audit events, newest first, each with who made it: an account's
    email, or the kind of actor ("system" for `flask catalogs load`)."""
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == row.__tablename__,
                                 AuditEvent.object_id == str(row.id))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(limit)).all()
    emails = actor_emails(session, events)
    return [(event, emails.get(event.actor_id) or event.actor_role) for event in events]
