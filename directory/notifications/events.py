"""What to tell whom: one function per event that needs somebody.

Each message says only what its recipient may already see, and no patient details:
email leaves the site, so it names the referral by number and links to the page that
shows the rest to whoever signs in with the right account.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.accounts.models import User
from directory.credentials import services as credentials
from directory.credentials.models import CorrectionRequest, Credential
from directory.credentials.services import EXPIRY_NOTICE_DAYS
from directory.imports.models import ImportBatch
from directory.notifications.services import curators, notify, notify_address, trainer_accounts
from directory.referrals import conversation
from directory.referrals import services as referrals
from directory.referrals.models import Referral, ReferralStatus, ThreadEntry
from directory.trainers.models import Trainer
from directory.urls import site_link


def _referrer(session: Session, referral: Referral) -> list[User]:
    """The referring doctor, or the patient who referred themselves."""
    user_id = referral.patient_user_id if referral.self_referral else referral.doctor_id
    user = session.get(User, user_id) if user_id else None
    return [user] if user else []


def referral_moved(session: Session, referral: Referral) -> None:
    """Tell whoever must act now: the trainer of a new referral, the referrer of an
    answer."""
    url = site_link("referral_pages.detail", referral_id=referral.id)
    if referral.status is ReferralStatus.SENT:
        notify(session, "referral_sent", trainer_accounts(session, referral.trainer_id),
               f"New referral #{referral.id} is waiting for your answer",
               referral=referral, url=url)
    elif referral.status in (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED):
        trainer = session.get(Trainer, referral.trainer_id)
        accepted = referral.status is ReferralStatus.ACCEPTED
        if accepted:
            _tell_patient(session, referral, trainer, url)
        if not (accepted and referral.self_referral):  # the patient's answer is that one
            notify(session, "referral_answered", _referrer(session, referral),
                   f"Referral #{referral.id} was {referral.status.value} by "
                   f"{trainer.full_name}", referral=referral, trainer=trainer, url=url)


def _tell_patient(session: Session, referral: Referral, trainer: Trainer, url: str) -> None:
    """The patient hears who took them on and how to book: at their account, else at the
    email the doctor gave (the link is then of no use to them, so it is left out)."""
    subject = f"{trainer.full_name} has accepted your exercise referral #{referral.id}"
    account = session.get(User, referral.patient_user_id) if referral.patient_user_id else None
    if account is not None:
        notify(session, "patient_accepted", [account], subject, referral=referral,
               trainer=trainer, url=url)
    elif referral.patient_email:
        notify_address(session, "patient_accepted", referral.patient_email, subject,
                       referral=referral, trainer=trainer, url=None)


def concern_reported(session: Session, referral: Referral) -> None:
    notify(session, "concern_reported", _referrer(session, referral),
           f"Referral #{referral.id}: the trainer asks you to review a progress update",
           referral=referral, url=site_link("referral_pages.detail", referral_id=referral.id))


def thread_entry(session: Session, referral: Referral, entry: ThreadEntry) -> None:
    """Tell the other parties there is news on the referral, without the words: one email
    until they have read the conversation, however many entries follow."""
    trainer = trainer_accounts(session, referral.trainer_id) \
        if referral.readable_by_addressee() else []
    patient = [session.get(User, referral.patient_user_id)] if referral.patient_user_id else []
    url = site_link("referral_pages.detail", referral_id=referral.id) + "#messages"
    news = f"The {entry.author_role} {conversation.DID[entry.kind]}"
    for user in {u.id: u for u in [*_referrer(session, referral), *trainer, *patient]
                 if u.id != entry.author_id}.values():
        seen = conversation.seen_through(session, referral, user)
        notify(session, "referral_thread", [user], f"Referral #{referral.id}: {news.lower()}",
               dedupe_key=f"thread:{referral.id}:{seen}", referral=referral, news=news, url=url)


def reviews_waiting(session: Session, batch: ImportBatch, count: int) -> None:
    notify(session, "reviews_waiting", curators(session),
           f"{count} credential{'s' if count != 1 else ''} from the {batch.issuer} list "
           "wait for review", batch=batch, count=count, url=site_link("import_pages.queue"))


def correction_requested(session: Session, request: CorrectionRequest) -> None:
    notify(session, "correction_requested", curators(session),
           f"{request.trainer.full_name} asks for a credential correction",
           request=request, url=site_link("credential_pages.corrections"))


def overdue_reports(session: Session, today: date) -> int:
    """Remind referrers of reports overdue today; once per referral and due date."""
    reminded = 0
    for referral in session.scalars(
            select(Referral).where(Referral.status == ReferralStatus.IN_PROGRESS)
            .options(selectinload(Referral.updates))):
        due = referral.report_due_on()
        if due is None or due >= today:
            continue
        reminded += len(notify(
            session, "report_overdue", _referrer(session, referral),
            f"Referral #{referral.id}: the trainer's report is overdue",
            dedupe_key=f"overdue:{referral.id}:{due.isoformat()}", referral=referral,
            due=due, url=site_link("referral_pages.detail", referral_id=referral.id)))
    return reminded


def unopened_referrals(session: Session, now: datetime) -> int:
    """Tell referrers of referrals their trainer has not opened in time; once each."""
    told = 0
    for referral in session.scalars(select(Referral).where(
            Referral.status == ReferralStatus.SENT, Referral.opened_at.is_(None),
            Referral.delivered_at.is_not(None))):
        if not referrals.unopened_too_long(referral, now):
            continue
        told += len(notify(
            session, "referral_unopened", _referrer(session, referral),
            f"Referral #{referral.id} has not been opened by the trainer",
            dedupe_key=f"unopened:{referral.id}:{referral.delivered_at.isoformat()}",
            referral=referral, days=referrals.unopened_days(),
            url=site_link("referral_pages.detail", referral_id=referral.id)))
    return told


def expiring_credentials(session: Session, today: date) -> int:
    """Tell trainers of each verified credential expiring within EXPIRY_NOTICE_DAYS (once
    per expiry date), and curators in one digest a day."""
    soon = credentials.expiring_credentials(today, EXPIRY_NOTICE_DAYS)
    sent = 0
    # Trainers with an account only, read with their account in one query.
    for credential, account in session.execute(
            soon.add_columns(User).join(User, User.trainer_id == Credential.trainer_id)
            .where(User.active.is_(True))).all():
        sent += len(notify(
            session, "credential_expiring", [account],
            f"Your {credential.certification.code} credential expires on "
            f"{credential.expires_on:%B %-d, %Y}",
            dedupe_key=f"expiring:{credential.id}:{credential.expires_on.isoformat()}",
            credential=credential, url=site_link("trainer_pages.my_profile")))
    count = credentials.count_expiring_credentials(session, today)
    if count:
        sent += len(notify(
            session, "expiring_digest", curators(session),
            f"{count} verified credential{'s' if count != 1 else ''} expire within "
            f"{EXPIRY_NOTICE_DAYS} days", dedupe_key=f"expiring-digest:{today.isoformat()}",
            count=count, first=session.scalars(soon.limit(10)).all(), today=today,
            days=EXPIRY_NOTICE_DAYS, url=site_link("credential_pages.expiring")))
    return sent
