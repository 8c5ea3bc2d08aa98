"""Find conditions by any name people use for them, and record trainers' experience."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.conditions.models import Condition, TrainerConditionExperience
from directory.errors import InvalidInput

ICD10_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$")


def normalize_icd10(text: str) -> str | None:
    """Return an ICD-10-CM code in its dotted form ("E119" -> "E11.9"), or None."""
    code = text.strip().upper().replace(" ", "")
    if not ICD10_CODE.match(code):
        return None
    return code if "." in code or len(code) == 3 else f"{code[:3]}.{code[3:]}"


class ConditionLookup:
    """Every name a condition goes by, and its ICD-10 prefixes, read from the rows once.

    Holds plain values, not rows, so a process can keep one per directory version.
    """

    def __init__(self, conditions):
        self.display = {}  # id -> name shown to people
        self.names = {}  # every code, name and synonym as written -> id
        self.spoken = set()  # the names and synonyms people type (not codes)
        self._by_name = {}  # the same, case-folded
        prefixes = []
        for condition in conditions:
            self.display[condition.id] = condition.name
            self.spoken.update((condition.name, *condition.synonyms))
            for name in (condition.code, condition.name, *condition.synonyms):
                self.names.setdefault(name, condition.id)
                self._by_name.setdefault(name.casefold(), condition.id)
            prefixes += [(prefix, condition.id) for prefix in condition.icd10_prefixes]
        # The most specific prefix wins: "I70.2" (PAD) before a broader "I70".
        self._prefixes = sorted(prefixes, key=lambda p: -len(p[0]))

    def find(self, text: str) -> int | None:
        """The id of the condition with this code, name, synonym (any case) or ICD-10 code."""
        found = self._by_name.get(text.strip().casefold())
        if found is not None or (code := normalize_icd10(text)) is None:
            return found
        return next((cid for prefix, cid in self._prefixes if code.startswith(prefix)), None)


def find_condition(session: Session, text: str) -> Condition | None:
    """Find a condition by code, name, synonym (any case) or ICD-10-CM code."""
    conditions = session.scalars(select(Condition).order_by(Condition.id)).all()
    found = ConditionLookup(conditions).find(text)
    return next((c for c in conditions if c.id == found), None)


def experience_rows(session: Session, entries: list[dict]) -> list[TrainerConditionExperience]:
    """Build experience rows from input, naming every condition that maps to nothing."""
    rows, errors, seen = [], {}, set()
    for index, entry in enumerate(entries):
        condition = find_condition(session, entry["condition"])
        if condition is None:
            errors[index] = {"condition": [
                f"Unknown condition {entry['condition']!r}; see GET /api/v1/conditions."
            ]}
        elif condition.id in seen:
            errors[index] = {"condition": [f"{condition.name} is listed twice."]}
        else:
            seen.add(condition.id)
            fields = {k: entry[k] for k in ("years", "clients", "level")}
            rows.append(TrainerConditionExperience(condition=condition, **fields))
    if errors:
        raise InvalidInput({"conditions": errors})
    return rows
