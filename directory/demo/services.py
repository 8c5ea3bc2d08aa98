"""Load demo trainers into the database in batches, skipping any already there."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from directory.accounts.models import Role, User
from directory.accounts.services import create_user, find_user
from directory.audit.services import record_event
from directory.conditions.models import Condition, TrainerConditionExperience
from directory.credentials.models import Certification, Credential
from directory.demo.generator import CatalogEntry, DemoDirectory
from directory.doctors.services import save_profile
from directory.geo.gazetteer import gazetteer
from directory.search.sync import mark_bulk_change, mark_for_reindex
from directory.trainers.models import Trainer, TrainerStatus

BATCH_SIZE = 1000


def demo_directory(session: Session, seed: int, as_of: date, data_dir: Path) -> DemoDirectory:
    certifications = {
        c.code: CatalogEntry(c.id, c.code, c.issuer, renewal_years=c.renewal_years)
        for c in session.scalars(select(Certification))
    }
    conditions = {
        c.code: CatalogEntry(c.id, c.code, "", tier=c.risk_tier, name=c.name)
        for c in session.scalars(select(Condition))
    }
    return DemoDirectory(seed, as_of, data_dir, gazetteer(), certifications, conditions)


def load_demo_batches(
    session: Session, generator: DemoDirectory, count: int, index: bool = True
) -> Iterator[tuple[int, int]]:
    """Insert trainers 0..count-1 that are not yet loaded; yield (added, considered).

    The caller may commit after each batch: a load that stops half way resumes
    where it stopped, because existing trainers are found by their external_ref.
    With `index`, each batch also goes into the search index when committed; a bulk
    load that will rebuild the index afterwards can skip that.
    """
    for start in range(0, count, BATCH_SIZE):
        indices = range(start, min(start + BATCH_SIZE, count))
        refs = {generator.external_ref(generator.seed, i): i for i in indices}
        existing = set(session.scalars(
            select(Trainer.external_ref).where(Trainer.external_ref.in_(refs))))
        people = [generator.trainer(i) for ref, i in refs.items() if ref not in existing]
        if people:
            ids = _insert(session, people)
            mark_bulk_change(session)
            if index:
                mark_for_reindex(session, ids)
        yield len(people), len(indices)


def _insert(session: Session, people) -> list[int]:
    ids = session.scalars(
        insert(Trainer).returning(Trainer.id, sort_by_parameter_order=True),
        [person.trainer for person in people],
    ).all()
    credentials = [{**c, "trainer_id": tid} for tid, p in zip(ids, people, strict=True)
                   for c in p.credentials]
    experience = [{**c, "trainer_id": tid} for tid, p in zip(ids, people, strict=True)
                  for c in p.conditions]
    session.execute(insert(Credential), credentials)
    if experience:
        session.execute(insert(TrainerConditionExperience), experience)
    # Bulk inserts skip the per-row audit hook, so the batch is recorded as one event.
    record_event(session, "bulk_create", "trainers", changes={
        "source": "demo", "count": len(ids), "first_id": ids[0], "last_id": ids[-1]})
    return ids


DEMO_PASSWORD = "referfit-demo"  # development only: `flask demo accounts` refuses production
DEMO_ROLES = (Role.ADMIN, Role.CURATOR, Role.DOCTOR, Role.TRAINER, Role.PATIENT)
# The demo doctor's practice details (1234567893 is CMS's example of a valid NPI).
DEMO_DOCTOR = {"name": "Dana Reyes", "credentials": "MD", "npi": "1234567893",
               "practice_name": "Lakeview Family Medicine (demo)",
               "address_line": "2800 N Sheridan Rd", "city": "Chicago", "state": "IL",
               "postal_code": "60657", "phone": "(312) 555-0142", "fax": "(312) 555-0143"}


def demo_accounts(session: Session) -> list[tuple[User, bool]]:
    """One account per role, `<role>@demo.referfit.test`; the trainer account is linked
    to the first active demo trainer. Returns each account and whether it is new."""
    accounts = []
    for role in DEMO_ROLES:
        email = f"{role.value}@demo.referfit.test"
        user = find_user(session, email)
        if user is None:
            trainer = _first_demo_trainer(session) if role is Role.TRAINER else None
            user = create_user(session, email, DEMO_PASSWORD, role, trainer)
            if role is Role.DOCTOR:
                save_profile(session, user, DEMO_DOCTOR)
            accounts.append((user, True))
        else:
            accounts.append((user, False))
    return accounts


def _first_demo_trainer(session: Session) -> Trainer | None:
    return session.scalar(select(Trainer).where(Trainer.status == TrainerStatus.ACTIVE)
                          .order_by(Trainer.id).limit(1))
