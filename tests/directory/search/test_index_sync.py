"""The search index follows API writes, and `flask search` finds and repairs drift."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from directory.search.index import TrainerIndex, document
from directory.search.sync import search_index
from directory.trainers.models import Trainer
from tests.factories import make_trainer, trainer_payload

URL = "/api/v1/trainers"


def found(client, text: str) -> list[str]:
    response = client.get(URL, query_string={"q": text})
    assert response.status_code == 200, response.json
    return [item["last_name"] for item in response.json["items"]]


def nearby(client) -> list[str]:
    response = client.get(URL, query_string={"near": "10001", "sort": "distance"})
    return sorted(item["last_name"] for item in response.json["items"])


def flask_search(app, command: str):
    return app.test_cli_runner().invoke(args=["search", command])


def assert_repaired_by_reindex(app) -> None:
    assert flask_search(app, "reindex").exit_code == 0
    check = flask_search(app, "check")
    assert (check.exit_code, check.output.splitlines()[-1]) == (0, "In step.")


def post_trainer(curator, last_name: str) -> int:
    response = curator.post(URL, json=trainer_payload(last_name=last_name))
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_created_trainer_is_found_at_once_and_after_a_rename_by_the_new_name_only(
        curator, client):
    trainer_id = post_trainer(curator, "Okafor")
    assert found(client, "Okafor") == ["Okafor"]
    response = curator.patch(f"{URL}/{trainer_id}", json={"last_name": "Adeyemi"})
    assert response.status_code == 200, response.json
    assert (found(client, "Adeyemi"), found(client, "Okafor")) == (["Adeyemi"], [])


def test_deactivated_trainer_leaves_text_results_and_the_index_stays_in_step(
        app, curator, client):
    post_trainer(curator, "Stays")
    gone = post_trainer(curator, "Okafor")
    assert (found(client, "Okafor"), nearby(client)) == (["Okafor"], ["Okafor", "Stays"])
    assert curator.delete(f"{URL}/{gone}").status_code == 204
    assert (found(client, "Okafor"), nearby(client)) == ([], ["Stays"])
    check = flask_search(app, "check")
    assert check.exit_code == 0, check.output
    assert check.output.splitlines() == [
        "Database: 1 active trainers; index: 1 documents.", "In step."]


def test_check_reports_a_deleted_index_until_reindex(app, session):
    make_trainer(session)
    for path in Path(app.config["SEARCH_INDEX_DIR"]).iterdir():
        path.unlink()
    check = flask_search(app, "check")
    assert check.exit_code == 1 and "There is no search index yet" in check.output
    assert_repaired_by_reindex(app)


def test_check_reports_drift_both_ways_until_reindex(app, session):
    kept, left_out = make_trainer(session), make_trainer(session, last_name="Okafor")
    stray = {**document(kept), "id": "999999"}
    search_index().rebuild([document(kept), stray])
    check = flask_search(app, "check")
    assert check.exit_code == 1
    assert f"Missing from the index: 1 (e.g. [{left_out.id}])" in check.output
    assert "In the index but not active in the database: 1 (e.g. [999999])" in check.output
    assert_repaired_by_reindex(app)


@contextmanager
def broken_index(monkeypatch):
    """Within the block the index cannot be opened, as on a full disk."""
    def fail(_self):
        raise OSError("No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(TrainerIndex, "index", fail)
        yield


def test_failed_index_write_keeps_the_api_write_and_check_reports_it(
        app, session, curator, monkeypatch):
    make_trainer(session, last_name="Indexed")
    with broken_index(monkeypatch):
        trainer_id = post_trainer(curator, "Okafor")
    assert session.scalar(select(Trainer.last_name).where(Trainer.id == trainer_id)) == "Okafor"
    check = flask_search(app, "check")
    assert check.exit_code == 1
    assert f"Missing from the index: 1 (e.g. [{trainer_id}])" in check.output
    assert "An index update failed since the last rebuild." in check.output
    assert_repaired_by_reindex(app)


def test_trainer_missed_by_a_failed_write_is_found_with_a_typo_after_reindex(
        app, session, curator, client, monkeypatch):
    make_trainer(session, last_name="Indexed")
    assert found(client, "Indexed") == ["Indexed"]
    with broken_index(monkeypatch):
        post_trainer(curator, "Okafor")
    assert_repaired_by_reindex(app)
    assert found(client, "Okafr") == ["Okafor"]
