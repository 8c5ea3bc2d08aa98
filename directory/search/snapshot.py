"""A columnar, in-memory snapshot of what search filters and ranks on.

Derived from the database (the source of truth). Each process keeps one and brings it
up to date before a search: when the directory version has moved it reloads only the
trainers the change log names (or everything, after a bulk load or a catalog edit),
and it rebuilds when the day turns, since credentials expire by date. Rows are sorted
by latitude, so a place search reads only the band of rows around the place.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache

import numpy as np
from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session

from directory.conditions.models import TrainerConditionExperience
from directory.credentials.models import Certification, Credential
from directory.search.models import DirectoryChange, DirectoryVersion
from directory.trainers.models import AccessibilityFeature, Trainer, TrainerStatus
from matching.credentials import effective_status
from matching.types import CLINICAL_RANK, CredentialLevel, ExperienceLevel, VerificationStatus

DEPTH_OF_LEVEL = {ExperienceLevel.FAMILIAR.value: 1, ExperienceLevel.EXPERIENCED.value: 2,
                  ExperienceLevel.EXPERT.value: 3}
RANK_OF_LEVEL = {level.value: rank for level, rank in CLINICAL_RANK.items()}
FEATURE_BITS = {feature.value: 1 << i for i, feature in enumerate(AccessibilityFeature)}
# Past this many changed trainers, one full rebuild is cheaper than patching.
MAX_PATCHED_TRAINERS = 5000
# The change log keeps this many versions; a snapshot older than that rebuilds in full.
KEPT_VERSIONS = 10_000


def directory_version(session: Session) -> int:
    return session.scalar(select(DirectoryVersion.version).where(DirectoryVersion.id == 1)) or 0


@dataclass
class Snapshot:
    version: int
    day: date
    # One entry per active trainer, all arrays in the same row order (by latitude).
    ids: np.ndarray  # int64
    latitude: np.ndarray
    longitude: np.ndarray
    accepting: np.ndarray  # bool
    takes_referrals: np.ndarray  # bool: a referral capacity not set to 0
    in_person: np.ndarray
    in_home: np.ndarray
    virtual: np.ndarray
    price_min: np.ndarray  # float, NaN when not given
    service_radius_km: np.ndarray  # float, 0 when not given
    accessibility: np.ndarray  # int32 bit set of FEATURE_BITS
    # Best clinical rank (0-3) among credentials that count today, by status.
    verified_rank: np.ndarray  # int8
    unverified_rank: np.ndarray
    has_verified: np.ndarray  # bool: any verified credential that counts, any level
    # Sparse columns, by key: language code -> bool; certification id -> bool for
    # credentials that count (verified only, or verified or not); condition id ->
    # experience depth (0 none, 1 familiar .. 3 expert).
    languages: dict[str, np.ndarray]
    verified_certifications: dict[int, np.ndarray]
    counting_certifications: dict[int, np.ndarray]
    experience: dict[int, np.ndarray]
    performance_ids: frozenset[int]  # certifications of the performance level

    def __len__(self) -> int:
        return len(self.ids)

    def depth(self, condition_id: int) -> np.ndarray:
        """Experience depth with one condition per trainer; zeros if nobody has any."""
        return self.experience.get(condition_id, np.zeros(len(self), dtype=np.int8))

    def band(self, low: float, high: float) -> slice:
        """Rows whose latitude lies in [low, high]."""
        return slice(int(np.searchsorted(self.latitude, low, "left")),
                     int(np.searchsorted(self.latitude, high, "right")))


ROW_ARRAYS = [f.name for f in fields(Snapshot) if f.type == "np.ndarray"]
SPARSE_COLUMNS = ["languages", "verified_certifications", "counting_certifications",
                  "experience"]


def build_snapshot(session: Session, today: date, only_ids=None) -> Snapshot:
    """A snapshot of the active trainers (or of those among `only_ids`)."""
    # JSON lists come as raw text, decoded once per distinct value: most trainers share
    # a handful of language and accessibility lists, and decoding 200,000 costs seconds.
    query = (select(Trainer.id, Trainer.latitude, Trainer.longitude,
                    Trainer.accepting_new_clients, Trainer.offers_in_person,
                    Trainer.offers_in_home, Trainer.offers_virtual, Trainer.price_min,
                    Trainer.service_radius_km, raw(Trainer.accessibility_features),
                    raw(Trainer.languages), Trainer.referral_capacity)
             .where(Trainer.status == TrainerStatus.ACTIVE).order_by(Trainer.latitude, Trainer.id))
    if only_ids is not None:
        query = query.where(Trainer.id.in_(only_ids))
    rows = session.execute(query).all()
    n = len(rows)
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in range(12)]
    languages: dict[str, np.ndarray] = {}
    for i, spoken in enumerate(columns[10]):
        for code in decoded(spoken):
            _column(languages, code, n, bool)[i] = True
    snapshot = Snapshot(
        version=0, day=today, ids=np.array(columns[0], dtype=np.int64),
        latitude=np.array(columns[1], dtype=np.float64),
        longitude=np.array(columns[2], dtype=np.float64),
        accepting=np.array(columns[3], dtype=bool),
        takes_referrals=np.array([c != 0 for c in columns[11]], dtype=bool),
        in_person=np.array(columns[4], dtype=bool),
        in_home=np.array(columns[5], dtype=bool),
        virtual=np.array(columns[6], dtype=bool),
        price_min=np.array([np.nan if p is None else p for p in columns[7]], dtype=np.float64),
        service_radius_km=np.array([r or 0.0 for r in columns[8]], dtype=np.float64),
        accessibility=np.array([feature_bits(features) for features in columns[9]],
                               dtype=np.int32),
        verified_rank=np.zeros(n, dtype=np.int8), unverified_rank=np.zeros(n, dtype=np.int8),
        has_verified=np.zeros(n, dtype=bool), languages=languages,
        verified_certifications={}, counting_certifications={}, experience={},
        performance_ids=frozenset(session.scalars(select(Certification.id).where(
            Certification.level == CredentialLevel.PERFORMANCE))))
    row_of = {int(trainer_id): i for i, trainer_id in enumerate(snapshot.ids)}
    _add_credentials(session, snapshot, row_of, today, only_ids)
    _add_experience(session, snapshot, row_of, only_ids)
    return snapshot


def _add_credentials(session, snapshot: Snapshot, row_of, today: date, only_ids) -> None:
    query = (select(Credential.trainer_id, Credential.certification_id, raw(Credential.status),
                    Credential.expires_on, raw(Certification.level))
             .join(Certification).join(Trainer).where(Trainer.status == TrainerStatus.ACTIVE))
    if only_ids is not None:
        query = query.where(Credential.trainer_id.in_(only_ids))
    n = len(snapshot)
    for trainer_id, certification_id, status, expires_on, level in session.execute(query):
        row = row_of.get(trainer_id)
        if row is None:  # activated after the trainers were read: the next refresh has it
            continue
        status = effective_status(VerificationStatus(status), expires_on, today)
        if status not in (VerificationStatus.VERIFIED, VerificationStatus.UNVERIFIED):
            continue  # expired and revoked credentials never count
        verified = status is VerificationStatus.VERIFIED
        ranks = snapshot.verified_rank if verified else snapshot.unverified_rank
        ranks[row] = max(ranks[row], RANK_OF_LEVEL.get(level, 0))
        _column(snapshot.counting_certifications, certification_id, n, bool)[row] = True
        if verified:
            snapshot.has_verified[row] = True
            _column(snapshot.verified_certifications, certification_id, n, bool)[row] = True


def _add_experience(session, snapshot: Snapshot, row_of, only_ids) -> None:
    query = (select(TrainerConditionExperience.trainer_id,
                    TrainerConditionExperience.condition_id,
                    raw(TrainerConditionExperience.level))
             .join(Trainer).where(Trainer.status == TrainerStatus.ACTIVE))
    if only_ids is not None:
        query = query.where(TrainerConditionExperience.trainer_id.in_(only_ids))
    for trainer_id, condition_id, level in session.execute(query):
        row = row_of.get(trainer_id)
        if row is None:  # activated after the trainers were read: the next refresh has it
            continue
        _column(snapshot.experience, condition_id, len(snapshot), np.int8)[row] = \
            DEPTH_OF_LEVEL[level]


def raw(column):
    """A column read as the text stored, skipping enum and JSON conversion per row."""
    return type_coerce(column, String)


def decoded(value) -> tuple[str, ...]:
    """A JSON list as stored: text (SQLite) is parsed once per distinct value; drivers
    that decode JSON themselves (psycopg) hand over the list."""
    if value is None or isinstance(value, list):
        return tuple(value or ())
    return _parsed(value)


@lru_cache(maxsize=1024)
def _parsed(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


def feature_bits(value) -> int:
    return sum(FEATURE_BITS.get(feature, 0) for feature in decoded(value))


def _column(columns: dict, key, length: int, dtype) -> np.ndarray:
    """The sparse column `key`, made (zeros) the first time it is needed."""
    if key not in columns:
        columns[key] = np.zeros(length, dtype=dtype)
    return columns[key]


def patched(old: Snapshot, fresh: Snapshot, changed_ids) -> Snapshot:
    """`old` with the rows of `changed_ids` replaced by `fresh` (which holds those still
    active), re-sorted by latitude."""
    keep = ~np.isin(old.ids, np.fromiter(changed_ids, dtype=np.int64))
    merged = {name: np.concatenate([getattr(old, name)[keep], getattr(fresh, name)])
              for name in ROW_ARRAYS}
    for name in SPARSE_COLUMNS:
        old_columns, fresh_columns = getattr(old, name), getattr(fresh, name)
        merged[name] = {
            key: np.concatenate([_or_zeros(old_columns, key, len(old), fresh_columns)[keep],
                                 _or_zeros(fresh_columns, key, len(fresh), old_columns)])
            for key in old_columns.keys() | fresh_columns.keys()}
    order = np.lexsort((merged["ids"], merged["latitude"]))
    for name in ROW_ARRAYS:
        merged[name] = merged[name][order]
    for name in SPARSE_COLUMNS:
        merged[name] = {key: column[order] for key, column in merged[name].items()}
    return Snapshot(version=fresh.version, day=fresh.day,
                    performance_ids=fresh.performance_ids, **merged)


def _or_zeros(columns: dict, key, length: int, other: dict) -> np.ndarray:
    if key in columns:
        return columns[key]
    return np.zeros(length, dtype=other[key].dtype)


class SnapshotCache:
    """One snapshot per process, brought up to date before each search."""

    def __init__(self):
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    def current(self, session: Session, today: date) -> Snapshot:
        version = directory_version(session)
        snapshot = self._snapshot
        if snapshot is not None and snapshot.day == today and snapshot.version == version:
            return snapshot
        with self._lock:  # one refresh at a time; the others then find it done
            version = directory_version(session)
            snapshot = self._snapshot
            if snapshot is None or snapshot.day != today:
                snapshot = build_snapshot(session, today)
            elif snapshot.version != version:
                snapshot = self._refreshed(session, snapshot, today, version)
            snapshot.version = version
            self._snapshot = snapshot
        return snapshot

    @staticmethod
    def _refreshed(session: Session, snapshot: Snapshot, today: date, version: int):
        changed = changed_trainers(session, snapshot.version, version)
        if changed is None or len(changed) > MAX_PATCHED_TRAINERS:
            return build_snapshot(session, today)
        return patched(snapshot, build_snapshot(session, today, changed), changed)


def changed_trainers(session: Session, since: int, version: int) -> set[int] | None:
    """The trainers the directory's versions after `since` up to `version` changed, by
    the change log; None when it cannot say: a bulk load or a catalog edit changed
    everything, or the log no longer reaches back that far, or the database is behind
    `since` (restored from a backup)."""
    changed = set(session.scalars(select(DirectoryChange.trainer_id).where(
        DirectoryChange.version > since, DirectoryChange.version <= version)))
    oldest_kept = session.scalar(select(func.min(DirectoryChange.version)))
    unknown = (version < since or version - since > KEPT_VERSIONS
               or (oldest_kept is not None and oldest_kept > since + 1))
    return None if unknown or None in changed else changed
