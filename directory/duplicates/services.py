"""Duplicate trainers: found by record linkage, queued for curators, merged or kept apart.

A merge moves everything that hangs off the merged record (credentials, condition
experience, referrals and their history, correction requests, import history and the
linked account) to the survivor, through the ORM so that the audit log records every
moved row, and leaves the merged record inactive with a pointer to the survivor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from directory.accounts.models import User
from directory.audit.services import record_event
from directory.credentials.models import CorrectionRequest
from directory.db import utcnow
from directory.duplicates.models import DuplicateStatus, SuspectedDuplicate
from directory.errors import Conflict, InvalidInput
from directory.imports.models import ImportRow, ReviewStatus
from directory.imports.services import serialize_writes
from directory.linkage.engine import DuplicatePair, LinkageIndex
from directory.linkage.keys import nicknames
from directory.referrals.models import Referral, ReferralUpdate, ThreadEntry
from directory.trainers.models import Trainer, TrainerStatus
from directory.trainers.services import check_not_merged, linkage_people
from matching.types import ExperienceLevel

# Profile fields the survivor takes from the merged record when it has none of its own.
FILLED_FIELDS = ("email", "phone", "website", "bio", "gender", "years_experience",
                 "facility_name")
DEPTH_ORDER = list(ExperienceLevel)


class Decision(StrEnum):
    MERGE = "merge"  # one of the two is kept, the other merged into it
    DISTINCT = "distinct"  # two people


@dataclass
class QueueResult:
    found: int = 0  # pairs the engine finds now
    queued: int = 0  # new pairs added to the queue
    refreshed: int = 0  # pending pairs whose score changed
    decided: int = 0  # found again, but a curator already decided them


@dataclass
class MergeResult:
    merged_id: int
    survivor_id: int
    moved: dict[str, int] = field(default_factory=dict)  # what moved, by kind
    filled: list[str] = field(default_factory=list)  # fields the survivor took over


def likely_duplicates(session: Session, data_dir: str) -> list[DuplicatePair]:
    """Pairs of trainers that record linkage takes for one person, likeliest first, each
    with the reasons field by field. Merged records are left out: they are pointers."""
    index = LinkageIndex(nicknames(data_dir))
    for trainer_id, person in linkage_people(session):
        index.add(trainer_id, person)
    return index.duplicate_pairs()


def queue_duplicates(session: Session, data_dir: str) -> QueueResult:
    """Find likely duplicates and put the new ones in the curators' queue; a pair a
    curator already decided keeps its verdict."""
    serialize_writes(session)
    known = {(row.trainer_id, row.other_id): row
             for row in session.scalars(select(SuspectedDuplicate))}
    result = QueueResult()
    for pair in likely_duplicates(session, data_dir):
        result.found += 1
        candidate = pair.candidate
        reasons = candidate.reasons + candidate.conflicts
        row = known.get((pair.trainer_id, pair.other_id))
        if row is None:
            session.add(SuspectedDuplicate(trainer_id=pair.trainer_id, other_id=pair.other_id,
                                           confidence=candidate.confidence, reasons=reasons))
            result.queued += 1
        elif row.status is not DuplicateStatus.PENDING:
            result.decided += 1
        elif (row.confidence, row.reasons) != (candidate.confidence, reasons):
            row.confidence, row.reasons, row.found_at = candidate.confidence, reasons, utcnow()
            result.refreshed += 1
    session.flush()
    return result


# Comparing every trainer takes about 24 s for 20,000 on this kind of machine (truth set,
# seed 1): beyond this many a web request would run out of time before it finished.
MAX_TRAINERS_IN_A_REQUEST = 20_000


def check_searchable_in_a_request(session: Session) -> None:
    """Refuse, with what to do instead, a search a page or API request cannot finish."""
    count = session.scalar(select(func.count(Trainer.id)).where(
        Trainer.merged_into_id.is_(None)))
    if count > MAX_TRAINERS_IN_A_REQUEST:
        raise Conflict(f"The directory has {count:,} trainers, too many to compare within "
                       "one request: run `flask trainers duplicates` on the server, which "
                       "queues the pairs here.")


def duplicates_query(status: DuplicateStatus):
    """Pairs in a status, likeliest first."""
    return (select(SuspectedDuplicate).where(SuspectedDuplicate.status == status)
            .order_by(SuspectedDuplicate.confidence.desc(), SuspectedDuplicate.id))


def pending_duplicate_count(session: Session) -> int:
    """How many pairs wait for a curator (the workspace says)."""
    return session.scalar(select(func.count(SuspectedDuplicate.id)).where(
        SuspectedDuplicate.status == DuplicateStatus.PENDING))


def decide_duplicate(session: Session, pair: SuspectedDuplicate, decision: str,
                     survivor_id: int | None, curator_id: int | None) -> MergeResult | None:
    """A curator's verdict on a pair: merge into the chosen survivor, or two people."""
    serialize_writes(session)
    session.refresh(pair)  # as it is now that no other decision runs beside us
    if pair.status is not DuplicateStatus.PENDING:
        raise Conflict(f"Pair {pair.id} was already decided ({pair.status.value}).")
    if decision != Decision.MERGE:
        if survivor_id is not None:
            raise InvalidInput({"survivor_id": ["Only a merge keeps one of the two."]})
        pair.status = DuplicateStatus.DISTINCT
        pair.decided_by_id, pair.decided_at = curator_id, utcnow()
        session.flush()
        return None
    if survivor_id not in (pair.trainer_id, pair.other_id):
        raise InvalidInput({"survivor_id": [
            f"Choose trainer {pair.trainer_id} or {pair.other_id} to keep."]})
    merged = pair.other if survivor_id == pair.trainer_id else pair.trainer
    # Settles this pair (and the merged record's others) as it merges.
    return merge_trainers(session, merged, session.get(Trainer, survivor_id), curator_id)


def merge_trainers(session: Session, merged: Trainer, survivor: Trainer,
                   curator_id: int | None) -> MergeResult:
    """Move everything of `merged` to `survivor`; `merged` stays as an inactive pointer."""
    serialize_writes(session)
    for trainer in (merged, survivor):
        # As committed now that no other merge runs beside us (A into B and B into A
        # at once would otherwise leave a record merged into itself).
        session.refresh(trainer, with_for_update=True)
    _check_mergeable(session, merged, survivor)
    result = MergeResult(merged.id, survivor.id)
    result.moved["credentials"] = _move_credentials(merged, survivor)
    result.moved["conditions"] = _move_experience(session, merged, survivor)
    # Referral events stay as they happened, naming the record then addressed: the
    # short list's "declined" reads them.
    for kind, model in (("referrals", Referral), ("referral_updates", ReferralUpdate),
                        ("referral_messages", ThreadEntry),
                        ("correction_requests", CorrectionRequest), ("import_rows", ImportRow),
                        ("account", User)):
        result.moved[kind] = _reassign(session, model, merged.id, survivor.id)
    result.moved["review_candidates"] = _repoint_review_candidates(session, merged.id,
                                                                   survivor.id)
    result.moved["earlier_merges"] = _reassign(session, Trainer, merged.id, survivor.id,
                                               column="merged_into_id")
    result.filled = _fill_blanks(merged, survivor)
    merged.merged_into_id = survivor.id
    if merged.status is TrainerStatus.ACTIVE:
        merged.status, merged.deactivated_at = TrainerStatus.INACTIVE, utcnow()
    _settle_pairs(session, merged.id, survivor.id, curator_id)
    session.flush()
    record_event(session, "merge", "trainers", merged.id,
                 {"merged_into_id": {"before": None, "after": survivor.id},
                  "moved": {"before": None, "after": result.moved},
                  "filled": {"before": None, "after": result.filled}})
    return result


def _check_mergeable(session: Session, merged: Trainer, survivor: Trainer) -> None:
    if merged.id == survivor.id:
        raise InvalidInput({"survivor_id": ["A trainer cannot be merged into itself."]})
    check_not_merged(merged)
    check_not_merged(survivor)
    if survivor.status is not TrainerStatus.ACTIVE and merged.status is TrainerStatus.ACTIVE:
        raise Conflict(f"Trainer {survivor.id} is inactive: merging into it would take the "
                       f"person out of search. Reactivate it first, or keep trainer "
                       f"{merged.id}.")
    accounts = session.scalars(select(User.email).where(
        User.trainer_id.in_([merged.id, survivor.id]))).all()
    if len(accounts) == 2:
        raise Conflict(f"Both trainers have a sign-in account ({', '.join(sorted(accounts))}); "
                       "unlink the one that should not stay, then merge.")


def _move_credentials(merged: Trainer, survivor: Trainer) -> int:
    moving = list(merged.credentials)
    for credential in moving:
        credential.trainer = survivor
    return len(moving)


def _move_experience(session: Session, merged: Trainer, survivor: Trainer) -> int:
    """Move condition experience; where both have a condition, the survivor keeps the
    deeper level and the larger years and clients of the two."""
    kept = {row.condition_id: row for row in survivor.condition_experience}
    moving = list(merged.condition_experience)
    for row in moving:
        mine = kept.get(row.condition_id)
        if mine is None:
            row.trainer = survivor
            continue
        mine.level = max(mine.level, row.level, key=DEPTH_ORDER.index)
        mine.years = max((v for v in (mine.years, row.years) if v is not None), default=None)
        mine.clients = max((v for v in (mine.clients, row.clients) if v is not None),
                           default=None)
        merged.condition_experience.remove(row)  # deleted: the survivor's row holds it
    session.flush()
    return len(moving)


def _reassign(session: Session, model, old_id: int, new_id: int,
              column: str = "trainer_id") -> int:
    """Point every `model` row at `new_id`, one ORM object at a time, so each is audited."""
    rows = session.scalars(select(model).where(getattr(model, column) == old_id)).all()
    for row in rows:
        setattr(row, column, new_id)
    return len(rows)


def _repoint_review_candidates(session: Session, old_id: int, new_id: int) -> int:
    """Pending import reviews that offered the merged record offer the survivor."""
    changed = 0
    for review in session.scalars(select(ImportRow).where(
            ImportRow.review_status == ReviewStatus.PENDING)):
        if not any(c["trainer_id"] == old_id for c in review.candidates):
            continue
        offered, candidates = set(), []
        for candidate in review.candidates:  # best first: keep each trainer's best
            trainer_id = new_id if candidate["trainer_id"] == old_id else candidate["trainer_id"]
            if trainer_id not in offered:
                offered.add(trainer_id)
                candidates.append({**candidate, "trainer_id": trainer_id})
        review.candidates = candidates
        changed += 1
    return changed


def _fill_blanks(merged: Trainer, survivor: Trainer) -> list[str]:
    filled = [name for name in FILLED_FIELDS
              if getattr(survivor, name) in (None, "") and getattr(merged, name) not in (None, "")]
    for name in filled:
        setattr(survivor, name, getattr(merged, name))
    languages = survivor.languages + [lang for lang in merged.languages
                                      if lang not in survivor.languages]
    if languages != survivor.languages:
        survivor.languages = languages
        filled.append("languages")
    return filled


def _settle_pairs(session: Session, merged_id: int, survivor_id: int,
                  curator_id: int | None) -> None:
    """The merged pair is done; other pending pairs with the merged record lapse (the
    next search for duplicates compares the survivor afresh)."""
    pending = session.scalars(select(SuspectedDuplicate).where(
        SuspectedDuplicate.status == DuplicateStatus.PENDING,
        or_(SuspectedDuplicate.trainer_id == merged_id,
            SuspectedDuplicate.other_id == merged_id)))
    for pair in pending:
        if {pair.trainer_id, pair.other_id} == {merged_id, survivor_id}:
            pair.status, pair.survivor_id = DuplicateStatus.MERGED, survivor_id
        else:
            pair.status = DuplicateStatus.WITHDRAWN
        pair.decided_by_id, pair.decided_at = curator_id, utcnow()


@dataclass(frozen=True)
class Holdings:
    """What hangs off one trainer record: what a merge would move."""

    credentials: list[str]  # "ACSM-CEP 12345"
    conditions: list[str]
    referrals: int
    account: str | None  # the linked account's email


def holdings(session: Session, trainer: Trainer) -> Holdings:
    referrals = session.scalar(select(func.count(Referral.id)).where(
        Referral.trainer_id == trainer.id))
    account = session.scalar(select(User.email).where(User.trainer_id == trainer.id))
    return Holdings([f"{c.certification.code} {c.credential_number}" for c in trainer.credentials],
                    [row.condition.name for row in trainer.condition_experience],
                    referrals, account)
