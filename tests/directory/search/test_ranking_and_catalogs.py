from sqlalchemy import select

from directory.conditions.models import Condition
from directory.trainers.models import Trainer
from tests.directory.search.helpers import names, search
from tests.factories import add_trainers, experience, trainer_payload


def test_nearby_in_person_trainer_outranks_an_online_one_far_away(client, session):
    add_trainers(session,
                 trainer_payload(last_name="Online", postal_code="90012", modes=["virtual"]),
                 trainer_payload(last_name="Nearby", postal_code="10001",
                                 modes=["in_person"]))
    body = search(client, near="10001", mode=["in_person", "virtual"])
    assert names(body) == ["Nearby", "Online"]
    assert [item["virtual_only"] for item in body["items"]] == [False, True]


def test_catalog_edit_marks_the_index_stale_until_reindexed(app, client, session):
    add_trainers(session, trainer_payload())
    runner = app.test_cli_runner()
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    condition = session.scalars(select(Condition).filter_by(code="hypertension")).one()
    condition.synonyms = [*condition.synonyms, "pressure trouble"]
    session.commit()
    check = runner.invoke(args=["search", "check"])
    assert check.exit_code == 1 and "drifted" in check.output
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    assert runner.invoke(args=["search", "check"]).exit_code == 0


def test_an_unflushed_change_still_reaches_the_index(client, session):
    (trainer,) = add_trainers(session, trainer_payload(last_name="Before"))
    trainer.last_name = "Afterwards"
    session.commit()  # no explicit flush: commit() flushes after before_commit hooks
    assert names(search(client, q="Afterwards")) == ["Afterwards"]


def test_a_write_lost_while_the_index_was_rebuilt_is_replayed(app, client, session, monkeypatch):
    from directory.search.index import TrainerIndex

    trainer_id = add_trainers(session, trainer_payload(last_name="Before"))[0].id
    real_rebuild, real_write = TrainerIndex.rebuild, TrainerIndex.write

    def rebuild_while_a_web_write_times_out(self, documents):
        count = real_rebuild(self, documents)
        # A request committed meanwhile, and its index write gave up on the lock.
        monkeypatch.setattr(TrainerIndex, "write", lambda index, *args, **kwargs: False)
        session.get(Trainer, trainer_id).last_name = "During"  # the rebuild expunged it
        session.commit()
        monkeypatch.setattr(TrainerIndex, "write", real_write)
        return count

    monkeypatch.setattr(TrainerIndex, "rebuild", rebuild_while_a_web_write_times_out)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    monkeypatch.setattr(TrainerIndex, "rebuild", real_rebuild)
    assert names(search(client, q="During")) == ["During"]
    assert "In step." in runner.invoke(args=["search", "check"]).output


def test_a_new_synonym_is_understood_by_the_next_search(client, session):
    add_trainers(session, trainer_payload(conditions=[experience("hypertension")]))
    assert client.get("/api/v1/trainers", query_string={
        "condition": "pressure trouble"}).status_code == 422
    condition = session.scalars(select(Condition).filter_by(code="hypertension")).one()
    condition.synonyms = [*condition.synonyms, "pressure trouble"]
    session.commit()
    body = search(client, condition="pressure trouble")
    assert body["interpreted"] == {"condition:pressure trouble": "Hypertension"}
    assert body["total"] == 1


def test_an_unknown_name_without_suggestions_says_where_the_names_are(client):
    body = client.get("/api/v1/trainers", query_string={"condition": "zzqx",
                                                        "certification": "zzqx"}).json
    assert "GET /api/v1/conditions" in body["errors"]["query"]["condition"]["0"][0]
    assert "GET /api/v1/certifications" in body["errors"]["query"]["certification"]["0"][0]
