"""Writers in several processes share one index directory (no database needed)."""

from __future__ import annotations

import multiprocessing
import threading

from directory.search.index import TrainerIndex

PROCESSES, DOCUMENTS = 3, 20


def doc(n: int) -> dict:
    return {"id": str(n), "name": f"Trainer Number{n}", "certifications": "ACSM-CEP",
            "conditions": "Hypertension high blood pressure", "place": "New York NY 10001",
            "facility": "Gym", "bio": "Strength training for older adults."}


def write_documents(directory: str, first: int, start) -> None:
    start.wait()  # all begin together, so they race to create the index and to write
    index = TrainerIndex(directory)
    written = [index.write([doc(n)]) for n in range(first, first + DOCUMENTS)]
    raise SystemExit(0 if all(written) else 1)


def test_writers_in_several_processes_keep_every_document(tmp_path):
    # Fork is fast; spawn where forking a threaded process would be unsafe (and warn).
    fork = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    context = multiprocessing.get_context("fork" if fork else "spawn")
    start = context.Barrier(PROCESSES)
    workers = [context.Process(target=write_documents, args=(str(tmp_path), k * DOCUMENTS, start))
               for k in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES
    index = TrainerIndex(tmp_path)
    assert index.ids() == set(range(PROCESSES * DOCUMENTS)) and not index.stale
    assert len(index.search("trainer").ids) == PROCESSES * DOCUMENTS
