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


def find_condition(session: Session, text: str) -> Condition | None:
    """Find a condition by code, name, synonym (any case) or ICD-10-CM code."""
    wanted = text.strip().casefold()
    conditions = session.scalars(select(Condition)).all()
    for condition in conditions:
        names = {condition.code, condition.name, *condition.synonyms}
        if wanted in {name.casefold() for name in names}:
            return condition
    if (code := normalize_icd10(text)) is None:
        return None
    # The most specific prefix wins: "I70.2" (PAD) before a broader "I70".
    matches = [(len(prefix), condition) for condition in conditions
               for prefix in condition.icd10_prefixes if code.startswith(prefix)]
    return max(matches, key=lambda m: m[0])[1] if matches else None


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
