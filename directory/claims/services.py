"""Trainers claim their directory profiles.

The link goes to the email on the profile (a curator-imported list put it there), or,
for another address, once a curator approves. It works once, for CLAIM_LIFETIME, and
asks for one of the profile's credential numbers as a second proof before it makes the
trainer's account. Only the newest link of a profile works.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.accounts.models import Role, User, hash_token
from directory.accounts.services import create_user
from directory.claims.models import ClaimStatus, ProfileClaim
from directory.credentials.models import Credential
from directory.db import utcnow
from directory.errors import Conflict, InvalidInput
from directory.notifications.services import curators, notify, notify_address
from directory.trainers.models import Trainer, TrainerStatus
from directory.urls import site_link

CLAIM_LIFETIME = timedelta(days=7)
# A second request this soon resends nothing: the link is on its way.
RESEND_AFTER = timedelta(minutes=10)


def is_claimed(session: Session, trainer: Trainer) -> bool:
    return trainer.id in claimed_ids(session, [trainer.id])


def claimed_ids(session: Session, trainer_ids: list[int], open_only: bool = False
                ) -> set[int]:
    """Those of the trainers whose profile an account has claimed (is linked to); with
    `open_only`, an account that is not deactivated."""
    query = select(User.trainer_id).where(User.trainer_id.in_(trainer_ids))
    return set(session.scalars(query.where(User.active.is_(True)) if open_only else query))


def masked(email: str) -> str:
    """Enough of an address for its owner to know it: j•••@example.com."""
    name, _, domain = email.partition("@")
    return f"{name[:1]}•••@{domain}"


def request_link(session: Session, trainer: Trainer, invited_by: User | None = None,
                 now=None, referral_id: int | None = None) -> ProfileClaim:
    """Send a one-time link to the email on the profile; with `referral_id`, the email
    says a referral waits behind it."""
    _check_claimable(session, trainer)
    if not trainer.email:
        raise InvalidInput({"email": [
            "This profile has no email to send a link to: give yours below, and a "
            "curator will check it."]})
    now = now or utcnow()
    recent = session.scalar(select(ProfileClaim).where(
        ProfileClaim.trainer_id == trainer.id, ProfileClaim.status == ClaimStatus.SENT,
        ProfileClaim.email == trainer.email, ProfileClaim.sent_at > now - RESEND_AFTER))
    if recent is not None and referral_id is None:
        return recent  # one on its way; another would only flood the inbox
    claim = ProfileClaim(trainer=trainer, email=trainer.email, status=ClaimStatus.SENT,
                         invited_by_id=invited_by.id if invited_by else None)
    session.add(claim)
    _send(session, claim, now, referral_id)
    return claim


def ask_curator(session: Session, trainer: Trainer, email: str, note: str) -> ProfileClaim:
    """A claim to an address not on the profile: a curator decides whether to send it."""
    _check_claimable(session, trainer)
    claim = ProfileClaim(trainer=trainer, email=email.strip().lower(), note=note,
                         status=ClaimStatus.AWAITING_CURATOR)
    session.add(claim)
    session.flush()
    notify(session, "claim_requested", curators(session),
           f"{trainer.full_name} asks to claim their profile from another address",
           trainer=trainer, url=site_link("claim_pages.queue"))
    return claim


def decide(session: Session, claim: ProfileClaim, approve: bool, curator: User) -> None:
    if claim.status is not ClaimStatus.AWAITING_CURATOR:
        raise Conflict(f"Claim {claim.id} was already decided ({claim.status.value}).")
    claim.decided_by_id = curator.id
    if not approve:
        claim.status = ClaimStatus.REFUSED
        session.flush()
        return
    _check_claimable(session, claim.trainer)
    claim.status = ClaimStatus.SENT
    _send(session, claim, utcnow())


def invite(session: Session, trainers: Iterable[Trainer], curator: User) -> Counter:
    """Send each unclaimed, active profile with an email its link; counts of what
    happened, by reason."""
    counts = Counter()
    for trainer in trainers:
        if trainer.status is not TrainerStatus.ACTIVE or trainer.merged_into_id:
            counts["not active"] += 1
        elif is_claimed(session, trainer):
            counts["already claimed"] += 1
        elif not trainer.email:
            counts["no email"] += 1
        else:
            request_link(session, trainer, invited_by=curator)
            counts["invited"] += 1
    return counts


def find_usable(session: Session, secret: str, *, for_update: bool = False
                ) -> ProfileClaim | None:
    """The claim with this link if it can still be used; None for unknown, used,
    replaced and expired alike."""
    query = select(ProfileClaim).where(ProfileClaim.token_hash == hash_token(secret))
    claim = session.scalar(query.with_for_update() if for_update else query)
    usable = (claim is not None and claim.status is ClaimStatus.SENT
              and claim.expires_at > utcnow())
    return claim if usable else None


def use(session: Session, claim: ProfileClaim, credential_number: str, password: str) -> User:
    """Make the trainer's account, if the number is one of the profile's credentials."""
    _check_claimable(session, claim.trainer)
    numbers = {n.strip().upper() for n in session.scalars(select(
        Credential.credential_number).where(Credential.trainer_id == claim.trainer_id))}
    if credential_number.strip().upper() not in numbers:
        raise InvalidInput({"credential_number": [
            "That is not one of this profile's credential numbers. Give one as your "
            "certifying body wrote it."]})
    try:
        user = create_user(session, claim.email, password, Role.TRAINER, claim.trainer)
    except Conflict as error:
        raise Conflict("An account with this email exists already: sign in with it, and "
                       "ask a curator to link it to your profile.") from error
    claim.status = ClaimStatus.USED
    session.flush()
    return user


def _check_claimable(session: Session, trainer: Trainer) -> None:
    if is_claimed(session, trainer):
        raise Conflict("This profile is claimed already. If it is yours and you cannot "
                       "sign in, ask a curator.")
    if trainer.status is not TrainerStatus.ACTIVE or trainer.merged_into_id:
        raise Conflict("This profile cannot be claimed: it is not listed now.")


def _send(session: Session, claim: ProfileClaim, now, referral_id: int | None = None) -> None:
    """Issue the link (ending the profile's earlier ones) and email it."""
    session.flush()  # the claim's id, to leave it out below
    for earlier in session.scalars(select(ProfileClaim).where(
            ProfileClaim.trainer_id == claim.trainer_id,
            ProfileClaim.status == ClaimStatus.SENT, ProfileClaim.id != claim.id)):
        earlier.status = ClaimStatus.REPLACED
    secret = secrets.token_urlsafe(32)
    claim.token_hash, claim.sent_at = hash_token(secret), now
    claim.expires_at = now + CLAIM_LIFETIME
    session.flush()
    url = site_link("claim_pages.use_link", secret=secret)
    if referral_id is not None:
        notify_address(session, "referral_claim_link", claim.email,
                       f"A doctor referred a patient to you (referral #{referral_id})",
                       trainer=claim.trainer, days=CLAIM_LIFETIME.days, url=url,
                       referral_id=referral_id)
        return
    notify_address(session, "claim_link", claim.email, "Claim your ReferFit trainer profile",
                   trainer=claim.trainer, days=CLAIM_LIFETIME.days, url=url)
