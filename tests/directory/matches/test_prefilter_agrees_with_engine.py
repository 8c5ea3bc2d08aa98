"""The directory's prefilter and pre-score never lose a match the engine would make.

The engine ranks every active trainer here; the service ranks only its pre-scored few
(caps lowered to stress it). Their top matches must be the same, in the same order.
"""

import random
from datetime import date

import pytest
from sqlalchemy import select, update

from directory.demo.services import demo_directory, load_demo_batches
from directory.matches import services
from directory.matches.schemas import MatchRequestSchema
from directory.search.sync import search_snapshots
from directory.trainers.models import Trainer
from matching import rank

TODAY = date(2026, 6, 1)
PLACES = ["10001", "Brooklyn, NY", "Chicago, IL", "Houston, TX", "90012", "Boise, ID"]
CONDITIONS = [[], ["I25.10"], ["hypertension", "type 2 diabetes"], ["ACL reconstruction"],
              ["falls risk", "osteoporosis"], ["COPD"], ["pregnancy"]]
MODES = [["in_person"], ["in_person", "virtual"], ["virtual"], ["in_person", "in_home"]]


@pytest.fixture
def directory(app, session):
    generator = demo_directory(session, 7, TODAY, app.config["DATA_DIR"])
    for _ in load_demo_batches(session, generator, 400, index=False):
        session.commit()
    # Some trainers take no new referrals: the prefilter must leave out exactly these.
    session.execute(update(Trainer).where(Trainer.id % 7 == 0).values(referral_capacity=0))
    session.commit()


def referrals(count):
    rng = random.Random(3)
    for _ in range(count):
        body = {"near": rng.choice(PLACES), "conditions": rng.choice(CONDITIONS),
                "max_distance": rng.choice([10, 25, 60]), "units": "mi",
                "modes": rng.choice(MODES), "min_level": rng.choice(
                    [None, None, "general", "specialist", "clinical", "performance"]),
                "budget": rng.choice([None, 70, 110]), "budget_is_hard": rng.random() < 0.3,
                "languages": rng.choice([[], ["es"]]), "languages_are_hard": False,
                "accessibility": [], "avoid": [], "limit": 10}
        yield body


def test_served_matches_equal_the_engine_over_everyone(session, directory, monkeypatch):
    monkeypatch.setattr(services, "PRESCORED", 12)  # the limit is 10: little room for error
    monkeypatch.setattr(services, "NEAREST", 3)
    everyone = [t.id for t in session.scalars(select(Trainer))]
    # Trainers whose recent referrals fill their capacity, as referrals.capacity reads them.
    full = frozenset(everyone[::11])
    monkeypatch.setattr(services, "filled", lambda _session, _now: full)
    closed = [c for c in services.load_candidates(session, everyone, TODAY, full)
              if c.at_capacity]
    assert len(closed) == len(set(everyone[::11]) | {i for i in everyone if i % 7 == 0})
    snapshot = search_snapshots().current(session, TODAY)
    for body in referrals(40):
        request = services.read_request(session, MatchRequestSchema().load(
            {k: v for k, v in body.items() if v is not None}))
        served = services.match(session, snapshot, request, TODAY).ranking.matches
        engine = rank(request.referral, services.load_candidates(session, everyone, TODAY, full),
                      limit=request.limit).matches
        assert [(m.candidate_id, m.score) for m in served] == \
            [(m.candidate_id, m.score) for m in engine], body
