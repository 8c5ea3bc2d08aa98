"""How many new referrals trainers have taken lately, against what they said they can.

A trainer's capacity is new referrals per month, counted over the last 30 days: each
referral sent to them in that time that is still theirs (not declined, not withdrawn
or passed to another trainer) takes one place.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from directory.referrals.models import Referral, ReferralEvent, ReferralStatus
from directory.trainers.models import Trainer

WINDOW = timedelta(days=30)
HOLDING = (ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS,
           ReferralStatus.COMPLETED)


def _taken_since(since: datetime):
    """(trainer_id, taken): referrals sent to each trainer since then and still theirs."""
    return (select(ReferralEvent.trainer_id.label("trainer_id"),
                   func.count(distinct(ReferralEvent.referral_id)).label("taken"))
            .join(Referral, Referral.id == ReferralEvent.referral_id)
            .where(ReferralEvent.to_status == ReferralStatus.SENT,
                   ReferralEvent.occurred_at >= since,
                   Referral.trainer_id == ReferralEvent.trainer_id,
                   Referral.status.in_(HOLDING))
            .group_by(ReferralEvent.trainer_id).subquery())


def referrals_taken(session: Session, trainer_id: int, now: datetime) -> int:
    taken = _taken_since(now - WINDOW)
    return session.scalar(select(taken.c.taken).where(taken.c.trainer_id == trainer_id)) or 0


def at_capacity(session: Session, now: datetime) -> frozenset[int]:
    """Ids of trainers with a capacity who have no room left for a new referral."""
    taken = _taken_since(now - WINDOW)
    return frozenset(session.scalars(
        select(Trainer.id).outerjoin(taken, taken.c.trainer_id == Trainer.id)
        # ">= 0" rather than "IS NOT NULL": it lets the database use the column's index.
        .where(Trainer.referral_capacity >= 0,
               Trainer.referral_capacity <= func.coalesce(taken.c.taken, 0))))
