"""A columnar, in-memory snapshot of what search filters and ranks on.

Derived from the database (the source of truth) and rebuilt in each process when the
directory version changes or the day turns (credentials expire by date). Arrays are
sorted by latitude, so a place search reads only the band of rows around the place.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.conditions.models import TrainerConditionExperience
from directory.credentials.models import Certification, Credential
from directory.search.models import DirectoryVersion
from directory.trainers.models import AccessibilityFeature, Trainer, TrainerStatus
from matching.credentials import effective_status
from matching.types import CLINICAL_RANK, CredentialLevel, ExperienceLevel, VerificationStatus

DEPTH = {ExperienceLevel.FAMILIAR: 1, ExperienceLevel.EXPERIENCED: 2, ExperienceLevel.EXPERT: 3}
FEATURE_BITS = {feature.value: 1 << i for i, feature in enumerate(AccessibilityFeature)}


def directory_version(session: Session) -> int:
    return session.scalar(select(DirectoryVersion.version).where(DirectoryVersion.id == 1)) or 0


@dataclass
class Snapshot:
    version: int
    day: date
    ids: np.ndarray  # int64, sorted by latitude
    latitude: np.ndarray
    longitude: np.ndarray
    accepting: np.ndarray  # bool
    in_person: np.ndarray
    in_home: np.ndarray
    virtual: np.ndarray
    price_min: np.ndarray  # float, NaN when not given
    service_radius_km: np.ndarray  # float, 0 when not given
    accessibility: np.ndarray  # int32 bit set of FEATURE_BITS
    languages: dict[str, np.ndarray]  # code -> bool
    # Best clinical rank (0-3) among credentials that count today, by status.
    verified_rank: np.ndarray  # int8
    unverified_rank: np.ndarray
    has_verified: np.ndarray  # bool: any verified credential that counts, any level
    # Credentials that count today, by certification id: [verified, verified or not].
    certifications: dict[int, tuple[np.ndarray, np.ndarray]]
    # Condition id -> experience depth per trainer (0 none, 1 familiar .. 3 expert).
    experience: dict[int, np.ndarray]
    row_of: dict[int, int]
    performance_ids: set[int]  # certifications of the performance level

    def __len__(self) -> int:
        return len(self.ids)

    def depth(self, condition_id: int) -> np.ndarray:
        """Experience depth with one condition per trainer; zeros if nobody has any."""
        if condition_id not in self.experience:
            return np.zeros(len(self), dtype=np.int8)
        return self.experience[condition_id]

    def band(self, low: float, high: float) -> slice:
        """Rows whose latitude lies in [low, high]."""
        return slice(int(np.searchsorted(self.latitude, low, "left")),
                     int(np.searchsorted(self.latitude, high, "right")))


def build_snapshot(session: Session, today: date) -> Snapshot:
    version = directory_version(session)
    rows = session.execute(
        select(Trainer.id, Trainer.latitude, Trainer.longitude, Trainer.accepting_new_clients,
               Trainer.offers_in_person, Trainer.offers_in_home, Trainer.offers_virtual,
               Trainer.price_min, Trainer.service_radius_km, Trainer.accessibility_features,
               Trainer.languages)
        .where(Trainer.status == TrainerStatus.ACTIVE)
        .order_by(Trainer.latitude, Trainer.id)).all()
    n = len(rows)
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in range(11)]
    ids = np.array(columns[0], dtype=np.int64)
    row_of = {int(trainer_id): i for i, trainer_id in enumerate(ids)}
    languages: dict[str, np.ndarray] = {}
    for i, spoken in enumerate(columns[10]):
        for code in spoken or ():
            languages.setdefault(code, np.zeros(n, dtype=bool))[i] = True
    snapshot = Snapshot(
        version=version, day=today, ids=ids,
        latitude=np.array(columns[1], dtype=np.float64),
        longitude=np.array(columns[2], dtype=np.float64),
        accepting=np.array(columns[3], dtype=bool),
        in_person=np.array(columns[4], dtype=bool),
        in_home=np.array(columns[5], dtype=bool),
        virtual=np.array(columns[6], dtype=bool),
        price_min=np.array([np.nan if p is None else p for p in columns[7]], dtype=np.float64),
        service_radius_km=np.array([r or 0.0 for r in columns[8]], dtype=np.float64),
        accessibility=np.array([sum(FEATURE_BITS.get(f, 0) for f in features or ())
                                for features in columns[9]], dtype=np.int32),
        languages=languages,
        verified_rank=np.zeros(n, dtype=np.int8), unverified_rank=np.zeros(n, dtype=np.int8),
        has_verified=np.zeros(n, dtype=bool),
        certifications={}, experience={}, row_of=row_of,
        performance_ids=set(session.scalars(select(Certification.id).where(
            Certification.level == CredentialLevel.PERFORMANCE))))
    _add_credentials(session, snapshot, today)
    _add_experience(session, snapshot)
    return snapshot


def _add_credentials(session: Session, snapshot: Snapshot, today: date) -> None:
    n = len(snapshot)
    credentials = session.execute(
        select(Credential.trainer_id, Credential.certification_id, Credential.status,
               Credential.expires_on, Certification.level)
        .join(Certification).join(Trainer)
        .where(Trainer.status == TrainerStatus.ACTIVE))
    for trainer_id, certification_id, status, expires_on, level in credentials:
        row = snapshot.row_of[trainer_id]
        status = effective_status(status, expires_on, today)
        if status not in (VerificationStatus.VERIFIED, VerificationStatus.UNVERIFIED):
            continue  # expired and revoked credentials never count
        verified = status is VerificationStatus.VERIFIED
        snapshot.has_verified[row] |= verified
        rank = CLINICAL_RANK.get(CredentialLevel(level), 0)
        ranks = snapshot.verified_rank if verified else snapshot.unverified_rank
        ranks[row] = max(ranks[row], rank)
        pair = snapshot.certifications.setdefault(
            certification_id, (np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)))
        pair[1][row] = True
        if verified:
            pair[0][row] = True


def _add_experience(session: Session, snapshot: Snapshot) -> None:
    experience = session.execute(
        select(TrainerConditionExperience.trainer_id, TrainerConditionExperience.condition_id,
               TrainerConditionExperience.level)
        .join(Trainer).where(Trainer.status == TrainerStatus.ACTIVE))
    for trainer_id, condition_id, level in experience:
        depths = snapshot.experience.setdefault(condition_id,
                                                np.zeros(len(snapshot), dtype=np.int8))
        depths[snapshot.row_of[trainer_id]] = DEPTH[ExperienceLevel(level)]


class SnapshotCache:
    """One snapshot per process, rebuilt when the directory version or the day changes."""

    def __init__(self):
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    def current(self, session: Session, today: date) -> Snapshot:
        snapshot = self._snapshot
        if snapshot is None or snapshot.day != today or \
                snapshot.version != directory_version(session):
            with self._lock:  # one rebuild at a time; others then see the fresh one
                snapshot = self._snapshot
                if snapshot is None or snapshot.day != today or \
                        snapshot.version != directory_version(session):
                    snapshot = self._snapshot = build_snapshot(session, today)
        return snapshot
