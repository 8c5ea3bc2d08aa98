"""Load the reference catalogs (certifications, conditions) from data/ idempotently."""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import Schema, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.conditions.models import Condition
from directory.conditions.schemas import ConditionSchema
from directory.credentials.models import Certification
from directory.credentials.schemas import CertificationSchema
from directory.db import Base


class CatalogError(ValueError):
    """A catalog file that cannot be loaded; nothing from it was written."""


@dataclass(frozen=True)
class Catalog:
    filename: str
    table_key: str  # the TOML array-of-tables name, e.g. [[condition]]
    model: type[Base]
    schema: type[Schema]
    lookup_fields: tuple[str, ...]  # names a row is found by; none may be shared


CATALOGS = (
    Catalog("certifications.toml", "certification", Certification,
            CertificationSchema, ("code", "aliases")),
    Catalog("conditions.toml", "condition", Condition,
            ConditionSchema, ("code", "name", "synonyms")),
)


@dataclass
class LoadReport:
    catalog: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> str:
        return (f"{self.catalog}: {len(self.created)} created, {len(self.updated)} updated, "
                f"{self.unchanged} unchanged")


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
    # A name shared by two entries would make lookups by that name ambiguous.
    names = Counter(
        name
        for entry in entries
        for name in {n.casefold() for f in lookup_fields for n in _as_list(entry[f])}
    )
    duplicates = [name for name, count in names.items() if count > 1]
    if duplicates:
        raise CatalogError(f"{path}: used by more than one entry: {', '.join(sorted(duplicates))}")


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def sync_catalog(session: Session, catalog: Catalog, entries: list[dict]) -> LoadReport:
    """Create or update rows to match the entries, keyed by code; never delete."""
    report = LoadReport(catalog.table_key)
    existing = {row.code: row for row in session.scalars(select(catalog.model))}
    for entry in entries:
        row = existing.get(entry["code"])
        if row is None:
            session.add(catalog.model(**entry))
            report.created.append(entry["code"])
        elif any(getattr(row, key) != value for key, value in entry.items()):
            for key, value in entry.items():
                setattr(row, key, value)
            report.updated.append(entry["code"])
        else:
            report.unchanged += 1
    session.flush()
    return report


def load_catalogs(session: Session, data_dir: Path) -> list[LoadReport]:
    """Validate every catalog file first, then sync them all: all or nothing."""
    contents = [(catalog, read_catalog(data_dir, catalog)) for catalog in CATALOGS]
    return [sync_catalog(session, catalog, entries) for catalog, entries in contents]
