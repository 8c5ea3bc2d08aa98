"""Exercise intensity by heart rate and perceived exertion (ACSM's Guidelines for
Exercise Testing and Prescription, 10th ed.).

Targets use the heart-rate reserve (Karvonen): resting + fraction x (maximum - resting),
with the maximum measured or predicted from age. Beta-blockers and similar drugs blunt
the heart-rate response, so for people taking them intensity is prescribed by the Borg
rating of perceived exertion (RPE, 6-20) instead.
"""

from __future__ import annotations

import re
from enum import StrEnum


class MaxFormula(StrEnum):
    FOX = "fox"  # 220 - age
    TANAKA = "tanaka"  # 208 - 0.7 x age
    GELLISH = "gellish"  # 207 - 0.7 x age


# Share of the heart-rate reserve, in percent, for each intensity class.
HRR_PERCENT = {"very_light": (0, 30), "light": (30, 40), "moderate": (40, 60),
               "vigorous": (60, 90), "near_maximal": (90, 100)}
# Borg RPE (6-20) for the classes prescribed by perceived exertion.
RPE = {"light": (9, 11), "moderate": (12, 13), "vigorous": (14, 17)}
RPE_SCALE = (6, 20)
# Minutes a week of moderate (or vigorous) activity and strength days to aim for.
WEEKLY_MODERATE_MINUTES, WEEKLY_VIGOROUS_MINUTES, STRENGTH_DAYS = 150, 75, 2


def predicted_max(age: int, formula: MaxFormula = MaxFormula.TANAKA) -> float:
    """Predicted maximal heart rate, beats a minute."""
    if not 1 <= age <= 120:
        raise ValueError(f"Age {age} is outside 1-120.")
    return {MaxFormula.FOX: 220 - age, MaxFormula.TANAKA: 208 - 0.7 * age,
            MaxFormula.GELLISH: 207 - 0.7 * age}[formula]


def karvonen(resting: float, maximum: float, percent: float) -> float:
    """The heart rate at `percent` of the heart-rate reserve."""
    if not 0 <= percent <= 100:
        raise ValueError(f"{percent}% is not a share of the heart-rate reserve.")
    if not resting < maximum:
        raise ValueError(f"Resting heart rate {resting} must be below the maximum {maximum}.")
    return resting + percent / 100 * (maximum - resting)


def target_range(resting: float, maximum: float, low_percent: float,
                 high_percent: float) -> tuple[int, int]:
    """Target heart-rate range, whole beats a minute, for a band of the reserve."""
    if low_percent > high_percent:
        raise ValueError(f"The range runs from {low_percent}% down to {high_percent}%.")
    return (_whole(karvonen(resting, maximum, low_percent)),
            _whole(karvonen(resting, maximum, high_percent)))


def _whole(beats: float) -> int:
    """Round half up, as a person would (Python's round() goes to even: 122.5 -> 122)."""
    return int(beats + 0.5)


def percent_of_reserve(heart_rate: float, resting: float, maximum: float) -> float:
    return 100 * (heart_rate - resting) / (maximum - resting)


def intensity_class(percent: float) -> str:
    """The ACSM name of an intensity given as percent of heart-rate reserve."""
    for name, (low, high) in HRR_PERCENT.items():
        if low <= percent < high:
            return name
    return "near_maximal"


def meets_guidelines(moderate_minutes: int, vigorous_minutes: int, strength_days: int) -> bool:
    """150 moderate (or 75 vigorous; a vigorous minute counts as two) and 2 strength days."""
    aerobic = moderate_minutes + 2 * vigorous_minutes >= WEEKLY_MODERATE_MINUTES
    return aerobic and strength_days >= STRENGTH_DAYS


# Drugs that blunt the heart-rate response to exercise: beta-blockers (generic names end
# in -olol or -alol; common brands listed), non-dihydropyridine calcium-channel blockers
# and ivabradine. With them, prescribe by RPE. The doctor can also say so outright.
RATE_LIMITING = ("beta blocker", "beta-blocker", "betablocker", "β-blocker", "β blocker",
                 "toprol", "lopressor", "tenormin", "coreg", "bystolic", "inderal",
                 "zebeta", "trandate", "corgard", "betapace", "sectral", "verapamil",
                 "calan", "isoptin", "diltiazem", "cardizem", "tiazac", "ivabradine",
                 "corlanor")
BETA_BLOCKER_NAME = re.compile(r"[a-z]+(?:olol|alol)\b")


def blunting_medications(medications: list[str]) -> list[str]:
    """The medications in the list that blunt the heart-rate response."""
    return [m for m in medications
            if any(drug in m.casefold() for drug in RATE_LIMITING)
            or BETA_BLOCKER_NAME.search(m.casefold())]


def rpe_band(percent_low: float, percent_high: float) -> tuple[int, int]:
    """The Borg RPE band covering a heart-rate-reserve band, from each end's class."""
    return _rpe_of(percent_low)[0], _rpe_of(percent_high)[1]


def _rpe_of(percent: float) -> tuple[int, int]:
    name = intensity_class(percent)
    return RPE.get(name, RPE["light"] if percent < 40 else RPE["vigorous"])


def rpe_class(rpe: int) -> str:
    """The intensity class an RPE falls in (below light reads as light, above vigorous
    as vigorous)."""
    return next((name for name, (low, high) in RPE.items() if low <= rpe <= high),
                "light" if rpe < RPE["light"][0] else "vigorous")


def rpe_span(rpe_low: int, rpe_high: int) -> str:
    """The class an RPE band lies in ("moderate"), or the two it spans
    ("moderate_to_vigorous"): the name always says where the band runs."""
    low, high = rpe_class(rpe_low), rpe_class(rpe_high)
    return low if low == high else f"{low}_to_{high}"
