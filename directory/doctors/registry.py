"""Loading a CMS NPPES extract (the monthly "npidata_pfile" CSV, or any part of it with
its header) so that doctors' NPIs are confirmed offline.

Only individuals (entity type 1) with an NPI that checks out and no standing
deactivation are kept; organizations and the rest are counted as skipped. The file is
read as a stream, in batches: the full file is about 10 GB.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from directory.audit.services import record_event
from directory.doctors.models import NpiRecord
from directory.doctors.npi import npi_problem
from directory.errors import InvalidInput

BATCH = 5_000
PRACTICE = "Provider Business Practice Location Address"
COLUMNS = {  # the extract's header -> ours
    "NPI": "npi", "Provider Last Name (Legal Name)": "last_name",
    "Provider First Name": "first_name", "Provider Credential Text": "credential",
    f"{PRACTICE} City Name": "city", f"{PRACTICE} State Name": "state",
    f"{PRACTICE} Postal Code": "postal_code", f"{PRACTICE} Telephone Number": "phone",
}
REQUIRED = ("NPI", "Entity Type Code", "Provider Last Name (Legal Name)")


def import_registry(session: Session, lines: Iterable[str]) -> Counter:
    """Add or replace the extract's individuals; counts of loaded and skipped rows."""
    reader = csv.DictReader(lines)
    missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput({"file": [
            "This is not an NPPES extract: it has no " + ", ".join(f'"{m}"' for m in missing)
            + " column. Use the npidata_pfile CSV from CMS, with its header row."]})
    counts = Counter()
    records = _records(reader, counts)
    while batch := list(islice(records, BATCH)):
        # Replaced whole: a later extract is newer.
        session.execute(delete(NpiRecord).where(NpiRecord.npi.in_([r["npi"] for r in batch])))
        session.execute(insert(NpiRecord), batch)
        counts["loaded"] += len(batch)
    # Public reference data, in bulk: one event says it was loaded.
    record_event(session, "bulk_create", "npi_registry", changes={"count": counts["loaded"]})
    return counts


def _records(reader: csv.DictReader, counts: Counter) -> Iterator[dict]:
    seen = set()
    for row in reader:
        if row.get("Entity Type Code") != "1":
            counts["skipped: organizations"] += 1
        elif npi_problem(row["NPI"] or ""):
            counts["skipped: invalid NPI"] += 1
        elif row.get("NPI Deactivation Date") and not row.get("NPI Reactivation Date"):
            counts["skipped: deactivated"] += 1
        elif row["NPI"] in seen:
            counts["skipped: repeated"] += 1
        else:
            seen.add(row["NPI"])
            yield {**{ours: (row.get(theirs) or "").strip()[:_length(ours)]
                      for theirs, ours in COLUMNS.items()},
                   "taxonomy": _primary_taxonomy(row)}


def _length(column: str) -> int:
    return NpiRecord.__table__.c[column].type.length


def _primary_taxonomy(row: dict) -> str:
    """The taxonomy flagged primary (Y), else the first (NPPES has up to 15)."""
    codes = [(row.get(f"Healthcare Provider Taxonomy Code_{n}") or "",
              row.get(f"Healthcare Provider Primary Taxonomy Switch_{n}") or "")
             for n in range(1, 16)]
    return next((code for code, switch in codes if code and switch == "Y"),
                next((code for code, _ in codes if code), ""))[:10]


def registry_loaded(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(NpiRecord)) > 0


def open_text(path: str) -> io.TextIOWrapper:
    """The extract as text: CMS writes UTF-8; a stray byte is not worth refusing a
    10 GB file over."""
    return open(path, encoding="utf-8", errors="replace", newline="")
