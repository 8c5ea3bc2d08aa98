"""Rank candidates for a referral: gate, score, explain."""

from __future__ import annotations

from matching.credentials import credential_fit
from matching.distance import km_to_miles, travel
from matching.gates import exclusion_reasons
from matching.scoring import WEIGHTS, nearness
from matching.specialties import specialty_overlap
from matching.types import (
    Candidate,
    DeliveryMode,
    Exclusion,
    Match,
    Ranking,
    Referral,
    VerificationStatus,
)

DEFAULT_LIMIT = 10
# Excluded candidates worth explaining: the nearest ones, whom a user would ask about.
EXCLUDED_SHOWN = 10


def rank(referral: Referral, candidates, limit: int = DEFAULT_LIMIT,
         excluded_shown: int = EXCLUDED_SHOWN, units: str = "mi") -> Ranking:
    """The best `limit` matches, best first, and the nearest excluded candidates.

    Deterministic: the same referral and candidates, in any order, give the same answer;
    ties break by distance, then by id.
    """
    matches, excluded = [], []
    for candidate in candidates:
        distance_km, mode = travel(referral, candidate)
        shown = _distance_text(distance_km, units)
        reasons = exclusion_reasons(referral, candidate, mode, shown)
        if reasons:
            excluded.append(Exclusion(candidate.id, distance_km, tuple(reasons)))
        else:
            matches.append(_match(referral, candidate, distance_km, mode, shown))
    matches.sort(key=lambda m: (-m.score, m.distance_km, m.candidate_id))
    excluded.sort(key=lambda e: (e.distance_km, e.candidate_id))
    return Ranking(tuple(matches[:limit]), tuple(excluded[:excluded_shown]))


def components(referral: Referral, candidate: Candidate, distance_km: float,
               mode: DeliveryMode) -> dict[str, float]:
    prefs = referral.preferences
    # Online sessions are zero travel whenever both sides accept them, even for a
    # trainer near enough to meet: the patient said online is as good as next door.
    online = DeliveryMode.VIRTUAL in prefs.modes & candidate.modes
    return {
        "distance": 1.0 if online else nearness(distance_km, prefs.max_distance_km),
        "credential_fit": credential_fit(referral, candidate)[0],
        "specialty_overlap": specialty_overlap(referral, candidate),
        "preferences": _preferences(referral, candidate, mode),
    }


def _match(referral, candidate, distance_km, mode, shown) -> Match:
    parts = components(referral, candidate, distance_km, mode)
    score = sum(WEIGHTS[name] * value for name, value in parts.items())
    return Match(candidate.id, round(score, 6), distance_km, mode,
                 {name: round(value, 6) for name, value in parts.items()},
                 tuple(_reasons(referral, candidate, mode, shown)))


def _preferences(referral: Referral, candidate: Candidate, mode: DeliveryMode) -> float:
    """Share of the patient's soft wishes met: budget, language, facility access."""
    prefs, met, asked = referral.preferences, 0, 0
    if prefs.budget is not None:
        asked += 1
        met += candidate.price_min is not None and candidate.price_min <= prefs.budget
    if prefs.languages:
        asked += 1
        met += bool(prefs.languages & candidate.languages)
    if prefs.accessibility and mode is DeliveryMode.IN_PERSON:
        asked += 1
        met += prefs.accessibility <= candidate.accessibility
    return met / asked if asked else 1.0


def _reasons(referral: Referral, candidate: Candidate, mode: DeliveryMode,
             shown: str) -> list[str]:
    reasons = []
    _, best = credential_fit(referral, candidate)
    if best is not None:
        state = best.status.value
        if best.status is VerificationStatus.VERIFIED and best.expires_on:
            state = f"verified until {best.expires_on:%Y-%m}"
        reasons.append(f"{best.code}, {state}")
    experience = {e.condition_code: e for e in candidate.experience}
    for condition in referral.conditions:
        known = experience.get(condition.code)
        if known is None:
            reasons.append(f"No listed experience with {condition.name.lower()}")
        elif known.years:
            years = f"{known.years} year{'' if known.years == 1 else 's'}"
            reasons.append(f"{years} with {condition.name.lower()} ({known.level.value})")
        else:
            reasons.append(f"{known.level.value.capitalize()} with {condition.name.lower()}")
    reasons.append({DeliveryMode.IN_PERSON: f"{shown} away",
                    DeliveryMode.IN_HOME: f"Home visits ({shown} away)",
                    DeliveryMode.VIRTUAL: f"Online sessions ({shown} away)"}[mode])
    return reasons


def _distance_text(distance_km: float, units: str) -> str:
    value = km_to_miles(distance_km) if units == "mi" else distance_km
    return f"{value:.1f} {units}"
