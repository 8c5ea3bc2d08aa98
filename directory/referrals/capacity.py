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


# Referrals holding a place, counted once however often they were sent.
TAKEN = func.count(distinct(ReferralEvent.referral_id))


def _holding(column, since: datetime):
    """SELECT `column` over the referrals sent to a trainer since then that are still
    theirs: each holds one place."""
    return (select(column).join(Referral, Referral.id == ReferralEvent.referral_id)
            .where(ReferralEvent.to_status == ReferralStatus.SENT,
                   ReferralEvent.occurred_at >= since,
                   Referral.trainer_id == ReferralEvent.trainer_id,
                   Referral.status.in_(HOLDING)))


def referrals_taken(session: Session, trainer_id: int, now: datetime) -> int:
    """Referrals sent to the trainer in the last 30 days and still theirs."""
    return session.scalar(_holding(TAKEN, now - WINDOW)
                          .where(ReferralEvent.trainer_id == trainer_id))


def has_room(session: Session, trainer: Trainer, now: datetime) -> bool:
    return trainer.referral_capacity is None or \
        referrals_taken(session, trainer.id, now) < trainer.referral_capacity


def filled(session: Session, now: datetime) -> frozenset[int]:
    """Ids of trainers whose recent referrals fill the capacity they set. (Those who set
    0 take none whatever happened: the search snapshot and each row say so.)"""
    return frozenset(session.scalars(
        _holding(ReferralEvent.trainer_id, now - WINDOW)
        .join(Trainer, Trainer.id == ReferralEvent.trainer_id)
        .where(Trainer.referral_capacity > 0)
        .group_by(ReferralEvent.trainer_id, Trainer.referral_capacity)
        .having(TAKEN >= Trainer.referral_capacity)))
