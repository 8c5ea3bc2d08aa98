"""ACSM pre-participation screening (Riebe et al., Med Sci Sports Exerc 2015; ACSM's
Guidelines for Exercise Testing and Prescription, 10th ed.).

Four answers decide whether medical clearance is advised before exercise and how hard
to start. Risk factors alone (age, smoking, blood pressure) no longer trigger clearance:
current exercise habit, known cardiovascular, metabolic or renal disease, and signs or
symptoms of it do.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Intensity(StrEnum):
    LIGHT = "light"
    MODERATE = "moderate"
    VIGOROUS = "vigorous"

    def exceeds(self, limit: Intensity) -> bool:
        """Harder than `limit` (the classes in order, lightest first)."""
        order = list(Intensity)
        return order.index(self) > order.index(limit)


class Clearance(StrEnum):
    NOT_NECESSARY = "not_necessary"
    RECOMMENDED = "recommended"
    RECOMMENDED_BEFORE_VIGOROUS = "recommended_before_vigorous"
    DISCONTINUE_AND_SEEK = "discontinue_and_seek"


class StartingIntensity(StrEnum):
    LIGHT = "light"
    MODERATE = "moderate"
    VIGOROUS = "vigorous"
    LIGHT_TO_MODERATE = "light_to_moderate"
    NONE_UNTIL_CLEARED = "none_until_cleared"


@dataclass(frozen=True)
class Screening:
    exercises_regularly: bool  # 30+ min moderate, 3+ days a week, for the last 3 months
    known_disease: bool  # cardiovascular, metabolic (type 1 or 2 diabetes) or renal
    symptoms: bool  # signs or symptoms suggesting such disease
    desired_intensity: Intensity


@dataclass(frozen=True)
class ScreeningResult:
    medical_clearance: Clearance
    recommended_intensity: StartingIntensity
    explanation: str


def screen(answers: Screening) -> ScreeningResult:
    """Apply the ACSM algorithm: clearance advice and where to start."""
    if answers.exercises_regularly:
        return _active(answers)
    if answers.symptoms:
        return ScreeningResult(
            Clearance.RECOMMENDED, StartingIntensity.LIGHT_TO_MODERATE,
            "Signs or symptoms of cardiovascular, metabolic or renal disease: see a doctor "
            "for medical clearance first; then start at light to moderate intensity and "
            "progress gradually.")
    if answers.known_disease:
        return ScreeningResult(
            Clearance.RECOMMENDED, StartingIntensity.LIGHT_TO_MODERATE,
            "Known cardiovascular, metabolic or renal disease and not exercising now: "
            "medical clearance is recommended; then start at light to moderate intensity "
            "and progress gradually.")
    return ScreeningResult(
        Clearance.NOT_NECESSARY, StartingIntensity.LIGHT_TO_MODERATE,
        "No known disease or symptoms: medical clearance is not necessary. Not exercising "
        "now, so start at light to moderate intensity and progress gradually.")


def _active(answers: Screening) -> ScreeningResult:
    if answers.symptoms:
        return ScreeningResult(
            Clearance.DISCONTINUE_AND_SEEK, StartingIntensity.NONE_UNTIL_CLEARED,
            "Signs or symptoms of cardiovascular, metabolic or renal disease: stop "
            "exercising and seek medical clearance; return to exercise once cleared.")
    if answers.known_disease:
        start = (StartingIntensity.MODERATE if answers.desired_intensity is Intensity.VIGOROUS
                 else StartingIntensity(answers.desired_intensity.value))
        return ScreeningResult(
            Clearance.RECOMMENDED_BEFORE_VIGOROUS, start,
            "Known disease, no symptoms and already exercising: medical clearance is not "
            "necessary for moderate intensity, and is recommended before vigorous "
            "exercise. Progress gradually.")
    return ScreeningResult(
        Clearance.NOT_NECESSARY, StartingIntensity(answers.desired_intensity.value),
        "Already exercising with no known disease or symptoms: medical clearance is not "
        "necessary; continue at moderate or vigorous intensity and progress gradually.")
