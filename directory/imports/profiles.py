"""Issuer profiles (data/import_profiles.toml) and how a file's headers map onto columns."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from directory.errors import InvalidInput
from matching.types import VerificationStatus

COLUMNS = ("first_name", "last_name", "certification", "credential_number", "status",
           "issued_on", "expires_on", "email", "phone", "address_line", "city", "state",
           "postal_code", "country")
CANONICAL_KEYS = {re.sub(r"[^a-z0-9#]", "", c): c for c in COLUMNS}
REQUIRED = ("first_name", "last_name", "certification", "credential_number")
# Words every issuer uses; a profile adds its own.
STATUS_WORDS = {
    **dict.fromkeys(("active", "current", "certified", "valid", "verified", "good standing",
                     "in good standing"), VerificationStatus.VERIFIED),
    **dict.fromkeys(("expired", "lapsed", "inactive", "not current"),
                    VerificationStatus.EXPIRED),
    **dict.fromkeys(("revoked", "suspended", "terminated", "cancelled", "canceled",
                     "decertified"), VerificationStatus.REVOKED),
}


def header_key(header: str) -> str:
    """Headers match ignoring case, spaces and punctuation: 'Zip Code' = 'zip_code'."""
    return re.sub(r"[^a-z0-9#]", "", header.casefold())


@dataclass(frozen=True)
class Profile:
    name: str
    issuer: str | None
    description: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # header_key -> column
    headers: dict[str, str] = field(default_factory=dict)  # column -> the header as written
    date_formats: tuple[str, ...] = ()
    statuses: dict[str, VerificationStatus] = field(default_factory=dict)  # folded word
    # The list gives the last valid day; ReferFit's expires_on is the first day it lapses.
    expiry_is_last_valid_day: bool = False

    def status(self, word: str) -> VerificationStatus | None:
        folded = " ".join(word.casefold().split())
        return self.statuses.get(folded) or STATUS_WORDS.get(folded)


CANONICAL = Profile("canonical", None, "ReferFit's own column names")


@cache
def load_profiles(data_dir: str) -> dict[str, Profile]:
    """Read and check every profile, refusing the file whole if one entry is wrong."""
    path = Path(data_dir) / "import_profiles.toml"
    profiles = {}
    for name, entry in tomllib.loads(path.read_text(encoding="utf-8"))["profile"].items():
        columns = {header_key(h): c for h, c in entry.get("columns", {}).items()}
        wrong = sorted(set(columns.values()) - set(COLUMNS))
        statuses = {" ".join(w.casefold().split()): VerificationStatus(s)
                    for w, s in entry.get("statuses", {}).items()}
        if wrong:
            raise ValueError(f"{path}: profile {name!r} maps to unknown columns {wrong}")
        headers = {c: h for h, c in entry.get("columns", {}).items()}
        profiles[name] = Profile(name, entry["issuer"], entry.get("description", ""), columns,
                                 headers, tuple(entry.get("date_formats", ())), statuses,
                                 entry.get("expiry_is_last_valid_day", False))
    return profiles


def choose_profile(data_dir: str, issuer: str, name: str | None) -> Profile:
    """The named profile, else the issuer's own, else canonical columns only."""
    profiles = load_profiles(data_dir)
    name = name.strip().lower() if name else None
    if not name:
        return next((p for p in profiles.values() if p.issuer == issuer), CANONICAL)
    if name == CANONICAL.name:
        return CANONICAL
    if name not in profiles:
        known = ", ".join(sorted([*profiles, CANONICAL.name]))
        raise InvalidInput({"profile": [f"Unknown profile {name!r}; known: {known}."]})
    if profiles[name].issuer != issuer:
        raise InvalidInput({"profile": [
            f"Profile {name!r} is for {profiles[name].issuer} lists, not {issuer}."]})
    return profiles[name]


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """Read ad hoc 'Header=column' pairs, naming any that are malformed."""
    mapping, errors = {}, []
    for pair in pairs:
        header, sep, column = pair.rpartition("=")
        header, column = header.strip(), column.strip()
        if not sep or not header:
            errors.append(f"{pair!r} is not 'Header=column'.")
        elif column not in COLUMNS:
            errors.append(f"{pair!r}: {column!r} is not a column; use one of "
                          f"{', '.join(COLUMNS)}.")
        else:
            mapping[header_key(header)] = column
    if errors:
        raise InvalidInput({"map": errors})
    return mapping


def map_headers(headers: list[str], profile: Profile,
                overrides: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Map each header to a column: the ad hoc mapping first, then the profile, then the
    canonical names. Return the mapping and the headers left unused."""
    mapping, used_by, ignored = {}, {}, []
    for header in headers:
        key = header_key(header)
        column = overrides.get(key) or profile.columns.get(key) or CANONICAL_KEYS.get(key)
        if column is None:
            ignored.append(header)
            continue
        if column in used_by:
            raise InvalidInput({"file": [
                f"Columns {used_by[column]!r} and {header!r} both map to {column}; "
                "map one of them to another column with 'Header=column'."]})
        mapping[header], used_by[column] = column, header
    missing = [c for c in REQUIRED if c not in used_by]
    if missing:
        hint = (f" The {profile.name} profile expects "
                + ", ".join(repr(profile.headers[c]) for c in missing if c in profile.headers)
                + "."
                if profile.columns else "")
        raise InvalidInput({"file": [
            f"Missing required columns: {', '.join(missing)}. Found: "
            f"{', '.join(repr(h) for h in headers)}.{hint} Map a header with "
            "'Header=column' if the file names it differently."]})
    return mapping, ignored
