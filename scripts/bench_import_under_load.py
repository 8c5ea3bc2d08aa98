"""An upload through the API, run by the background worker, while another curator edits.

Usage:  .venv/bin/python scripts/bench_import_under_load.py [--directory 20000]
            [--rows 100000] [--seed 1] [--workdir DIR] [--database-url URL]
            [--redis-url redis://127.0.0.1:6379/2]

As operators run ReferFit: gunicorn (2 workers) and `flask jobs worker`, both started
here on 127.0.0.1 and stopped by their process ids. The directory is the record-linkage
truth set's (built as scripts/bench_import.py builds it, once: SQLite in --workdir, or
the database --database-url names, which must be new or hold that same set). A curator uploads
the set's list; the demo admin PATCHes a trainer's bio in a loop the whole time. It
prints the job's progress, how long it took, and the edits' latency (median, p95, max)
and failures, overall and while the import applied (after its last row reconciled).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_import import ISSUER, ensure_directory, list_file  # noqa: E402

from directory.demo.truthset import build_truth_set  # noqa: E402

PORT = 5077
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--directory", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("instance/bench-under-load"))
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/2",
                        help="Rate-limit counters, shared by gunicorn's two workers.")
    args = parser.parse_args()
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{workdir / 'directory.sqlite3'}"
    listed = build(url, workdir, args)
    env = {**os.environ, "FLASK_APP": "wsgi", "DATABASE_URL": url,
           "JOBS_URL": f"sqlite:///{workdir / f'jobs-{uuid.uuid4().hex[:8]}.sqlite3'}",
           "SEARCH_INDEX_DIR": str(workdir / "index"), "IMPORT_MAX_BYTES": str(64 * 2**20),
           "WEB_CONCURRENCY": "2", "RATELIMIT_STORAGE_URI": args.redis_url}
    flask(env, "demo", "accounts")
    processes = [start(env, [BIN / "gunicorn", "-b", f"127.0.0.1:{PORT}", "wsgi:app"],
                       workdir / "web.log"),
                 start(env, [BIN / "flask", "jobs", "worker"], workdir / "worker.log")]
    try:
        wait_until_up()
        run(listed)
    finally:
        for process in processes:
            process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def build(url: str, workdir: Path, args) -> Path:
    listed = workdir / f"list-{args.seed}-{args.rows}.csv"
    truth = build_truth_set(args.seed, args.directory, args.rows)
    ensure_directory(create(url, workdir), truth)
    listed.write_bytes(list_file(truth))
    return listed


def create(url: str, workdir: Path):
    from directory import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                       "SEARCH_INDEX_DIR": str(workdir / "index")})


def flask(env: dict, *command: str) -> None:
    subprocess.run([BIN / "flask", *command], env=env, cwd=ROOT, check=True,
                   capture_output=True)


def start(env: dict, command: list, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT)


def call(method: str, path: str, token: str | None = None, body: bytes | None = None,
         content_type: str = "application/json") -> tuple[int, dict, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=body,
                                     method=method)
    request.add_header("Content-Type", content_type)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"{}")


def wait_until_up() -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if call("GET", "/readyz")[2].get("checks", {}).get("worker") == "ok":
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn or the worker did not come up: see web.log, worker.log")


def token(email: str) -> str:
    status, _, body = call("POST", "/api/v1/auth/tokens", body=json.dumps(
        {"email": email, "password": "referfit-demo"}).encode())
    assert status == 201, body
    return body["token"]


def multipart(fields: dict, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
             .encode() for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
                 + content + b"\r\n")
    return (b"".join(parts) + f"--{boundary}--\r\n".encode(),
            f"multipart/form-data; boundary={boundary}")


def run(listed: Path) -> None:
    curator, admin = token("curator@demo.referfit.test"), token("admin@demo.referfit.test")
    edits, stop, applying = [], threading.Event(), threading.Event()

    def edit_in_a_loop() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            started = time.monotonic()
            status, _, _ = call("PATCH", "/api/v1/trainers/1", admin,
                                json.dumps({"bio": f"Edit {n}."}).encode())
            edits.append((time.monotonic() - started, status, applying.is_set()))
            time.sleep(0.05)

    editor = threading.Thread(target=edit_in_a_loop)
    editor.start()
    body, content_type = multipart({"issuer": ISSUER}, listed.name, listed.read_bytes())
    started = time.monotonic()
    status, headers, job = call("POST", "/api/v1/imports", curator, body, content_type)
    print(f"upload of {listed.stat().st_size / 2**20:.1f} MiB answered {status} in "
          f"{time.monotonic() - started:.1f} s")
    try:
        while job["status"] not in ("done", "failed"):
            time.sleep(5)
            _, _, job = call("GET", headers["Location"], curator)
            if job["rows_total"] and job["rows_done"] >= job["rows_total"]:
                applying.set()
            print(f"  {time.monotonic() - started:6.0f} s  {job['status']:<8} "
                  f"{job['rows_done']} of {job['rows_total']} rows", flush=True)
    finally:
        stop.set()
        editor.join()
    print(f"job {job['status']} after {time.monotonic() - started:.0f} s; "
          f"{json.dumps(job['errors']) if job['errors'] else 'batch ' + str(job['batch_id'])}")
    summarize("edits, the whole time", edits)
    summarize("edits while it applied", [e for e in edits if e[2]])


def summarize(label: str, edits: list) -> None:
    if len(edits) < 2:
        print(f"{label}: {len(edits)} edit(s)")
        return
    times = sorted(e[0] for e in edits)
    failed = sum(1 for e in edits if e[1] != 200)
    p95 = statistics.quantiles(times, n=20, method="inclusive")[18]
    print(f"{label}: {len(edits)}, failed {failed}; median {statistics.median(times):.3f} s, "
          f"p95 {p95:.3f} s, max {times[-1]:.3f} s")


if __name__ == "__main__":
    main()
