"""A referral's conversation: messages between its parties, and the life of the concerns
reports raise (acknowledged by the doctor, resolved by either side, or cleared by a later
report that raises none). Takes the session; the caller commits."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden, NotFound

from directory.accounts.models import Role, User
from directory.accounts.permissions import Permission, can
from directory.errors import Conflict
from directory.notifications import events
from directory.referrals.models import (
    ConcernStatus,
    EntryKind,
    Referral,
    ReferralStatus,
    ReferralUpdate,
    ThreadEntry,
    ThreadRead,
)

C = ConcernStatus
# What each kind of entry says its author did, in the conversation and in its email.
DID = {EntryKind.MESSAGE: "wrote a message",
       EntryKind.ACKNOWLEDGED: "acknowledged the concern",
       EntryKind.RESOLVED: "resolved the concern",
       EntryKind.CLEARED: "reported again without a concern, which clears the earlier one"}
# Each step of a concern: the entry it writes, the states it leaves, who may take it.
CONCERN_STEPS: dict[ConcernStatus, tuple[EntryKind, tuple[ConcernStatus, ...], Permission]] = {
    C.ACKNOWLEDGED: (EntryKind.ACKNOWLEDGED, (C.OPEN,), Permission.ACKNOWLEDGE_CONCERN),
    C.RESOLVED: (EntryKind.RESOLVED, (C.OPEN, C.ACKNOWLEDGED), Permission.RESOLVE_CONCERN),
}


def entries_for(referral: Referral, user: User) -> list[ThreadEntry]:
    """The entries this user may read: a trainer only those of their own time on it."""
    if user.role is Role.TRAINER:
        return [e for e in referral.thread if e.trainer_id == user.trainer_id]
    return list(referral.thread)


def post_message(session: Session, referral: Referral, author: User, body: str) -> ThreadEntry:
    if referral.status is ReferralStatus.DRAFT:
        raise Conflict("Send the referral first: a draft has nobody to talk to.")
    return _add(session, referral, author, EntryKind.MESSAGE, body)


def answer_concern(session: Session, referral: Referral, user: User, update_id: int,
                   to: ConcernStatus, body: str = "") -> ReferralUpdate:
    """Acknowledge (the referrer) or resolve (either side) a report's concern, with words
    to go with it if any."""
    update = next((u for u in referral.updates if u.id == update_id and u.concern), None)
    if update is None:
        raise NotFound(f"Referral {referral.id} has no report {update_id} with a concern.")
    kind, leaves, permission = CONCERN_STEPS[to]
    if not can(permission, referral, user=user):
        raise Forbidden("Only the referrer acknowledges a concern; either side resolves it.")
    if update.concern_status not in leaves:
        raise Conflict(f"This concern is {update.concern_status.value}: it cannot become "
                       f"{to.value}.")
    update.concern_status = to
    _add(session, referral, user, kind, body, concern=update)
    return update


def clear_concerns(session: Session, referral: Referral, report: ReferralUpdate,
                   trainer: User) -> None:
    """A report that raises no concern settles those still open before it."""
    for earlier in open_concerns(referral):
        if earlier is not report:
            earlier.concern_status = C.RESOLVED
            _add(session, referral, trainer, EntryKind.CLEARED, "", concern=earlier)


def open_concerns(referral: Referral) -> list[ReferralUpdate]:
    return [u for u in referral.updates if u.concern_status in (C.OPEN, C.ACKNOWLEDGED)]


def mark_read(session: Session, referral: Referral, user: User) -> None:
    """Note that this party has seen the conversation as it stands."""
    shown = [e.id for e in entries_for(referral, user)]
    if not shown or not can(Permission.TALK_ON_REFERRAL, referral, user=user):
        return
    read = session.get(ThreadRead, (referral.id, user.id))
    if read is None:
        read = ThreadRead(referral_id=referral.id, user_id=user.id)
        session.add(read)
    read.seen_through = max(read.seen_through or 0, *shown)


def unread_counts(session: Session, user: User, referral_ids: list[int]) -> dict[int, int]:
    """Entries by others that this user has not seen yet, for each referral."""
    seen = select(ThreadRead.seen_through).where(
        ThreadRead.referral_id == ThreadEntry.referral_id,
        ThreadRead.user_id == user.id).scalar_subquery()
    query = select(ThreadEntry.referral_id, func.count()).where(
        ThreadEntry.referral_id.in_(referral_ids), ThreadEntry.author_id != user.id,
        ThreadEntry.id > func.coalesce(seen, 0)).group_by(ThreadEntry.referral_id)
    if user.role is Role.TRAINER:
        query = query.where(ThreadEntry.trainer_id == user.trainer_id)
    return dict(session.execute(query).all()) if referral_ids else {}


def seen_through(session: Session, referral: Referral, user: User) -> int:
    read = session.get(ThreadRead, (referral.id, user.id))
    return read.seen_through if read else 0


def _add(session: Session, referral: Referral, author: User, kind: EntryKind, body: str,
         concern: ReferralUpdate | None = None) -> ThreadEntry:
    entry = ThreadEntry(trainer_id=referral.trainer_id, author_id=author.id,
                        author_role=author.role.value, kind=kind, body=body.strip(),
                        concern_id=concern.id if concern else None)
    referral.thread.append(entry)
    session.flush()
    events.thread_entry(session, referral, entry)
    return entry
