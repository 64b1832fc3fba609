"""Jobs benchmark: prints figures, asserts nothing.

    uv run python bench/jobs.py [--jobs 200] [--clients 8] [--workers 2] [--keep DIR]
                                [--sandbox jail|none|both] [--postgres] [--api-processes N]

Starts, on this machine and in a throwaway data dir: a redis-server, the API (`ade api
serve`, SQLite) and `--workers` workers (`ade worker start`). Then, over HTTP as a client
would: signs in, creates a workspace, creates and publishes the example config, uploads the
roster sample, and submits `--jobs` jobs from `--clients` concurrent clients (each with
different `flags`, so none is a cache hit and every one really runs; each client keeps its
connection, as a script submitting a batch does). It follows every job until it ends and
prints:

- submit latency (p50, p95, p99) — time for `POST .../jobs` to answer 202;
- time from submit to `succeeded` (p50, p95), from the job's own `queued_at`/`completed_at`;
- jobs per second: jobs / (last completion - first submit);
- how many succeeded and failed;
- then `--solo` jobs one at a time on the idle system: submit -> succeeded p50;
- the API's CPU per submit during the burst (user + system time of every API process, from
  `/proc`).

`--workers 0` measures the submit alone: the jobs stay queued, nothing is followed and plain
RQ is not run. Run it with `PYTHONPATH` pointing at another tree's `backend/*/src` for that
tree's figure (alternate the two: single runs on a shared machine vary).

The baseline, measured in the same run on the same Redis with the same number of workers:
plain RQ (`rq worker`, RQ's forking worker, and `--worker-class rq.SimpleWorker`) running
`--jobs` trivial jobs (`os.getpid`), enqueued at once; jobs per second from the first enqueue
to the last one finished. It is what the queue alone costs: ADE's figure cannot beat it.

It ends with issue 16's table (jobs/s in the burst, submit p95, one small job p50, against
the baseline and the targets).

`--postgres` runs the same against a throwaway PostgreSQL server (the production setup;
needs the PostgreSQL server binaries, as the test suite does).

`--sandbox both` (the default) runs everything twice, config code in the bubblewrap jail
(`ADE_SANDBOX=jail`, production) and unjailed (`ADE_SANDBOX=none`) as the baseline, and prints
what the jail costs per job. The jail needs root and `ade sandbox setup`.

Targets (issue 16, 2-core machine, with the jail): >= 20 jobs/s with two workers, submit p95
< 100 ms during that burst, one small job submit -> succeeded p50 < 150 ms.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime as dt
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def wait_for(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer in {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--api-processes", type=int, default=1)
    parser.add_argument("--solo", type=int, default=20, help="jobs run one at a time, after")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="use a throwaway PostgreSQL server (as in production) instead of SQLite",
    )
    parser.add_argument("--keep", type=Path, help="use (and keep) this data dir")
    parser.add_argument(
        "--sandbox",
        choices=["jail", "none", "both"],
        default="both",
        help="run config code jailed, unjailed, or both (the jail's cost, in one run)",
    )
    args = parser.parse_args()
    modes = ["jail", "none"] if args.sandbox == "both" else [args.sandbox]
    figures = {mode: run_stack(args, mode) for mode in modes}
    if len(figures) == 2:
        compare(figures["jail"], figures["none"])
    for mode, found in figures.items():
        table(mode, found, args)


@dataclass
class Figures:
    """What one run measured."""

    throughput: float
    solo_p50: float
    submit_p95: float = float("nan")
    api_cpu_ms: float = float("nan")  # per submit, during the burst
    rq_forking: float = float("nan")
    rq_simple: float = float("nan")


def table(mode: str, found: Figures, args: argparse.Namespace) -> None:
    """Issue 16's rows for this run, with the plain-RQ baseline of the same run."""
    db = "PostgreSQL" if args.postgres else "SQLite"
    print(f"issue 16 (ADE_SANDBOX={mode}, {db}, {args.workers} workers, {args.jobs} jobs):")
    print("| what | ADE | plain RQ, same Redis and workers | target |")
    print("| --- | --- | --- | --- |")
    if not args.workers:  # the submit alone
        print(f"| submit p95, no workers | {found.submit_p95 * 1000:.0f} ms | | < 100 ms |")
        print(f"| the API's CPU per submit | {found.api_cpu_ms:.2f} ms | | |")
        return
    print(
        f"| jobs, {args.workers} workers, burst | {found.throughput:.1f} jobs/s | "
        f"{found.rq_forking:.0f} jobs/s forking, {found.rq_simple:.0f} jobs/s SimpleWorker "
        "| >= 20 jobs/s |"
    )
    print(f"| submit p95 during that burst | {found.submit_p95 * 1000:.0f} ms | | < 100 ms |")
    print(f"| the API's CPU per submit in that burst | {found.api_cpu_ms:.2f} ms | | |")
    print(
        f"| one small job, submit -> succeeded p50 | {found.solo_p50 * 1000:.0f} ms | | < 150 ms |"
    )


def compare(jail: Figures, none: Figures) -> None:
    """The jail's cost, against the unjailed baseline of the same run."""
    per_job_ms = (jail.solo_p50 - none.solo_p50) * 1000
    print("the jail's cost (ADE_SANDBOX=jail against ADE_SANDBOX=none, this run):")
    print(
        f"  one job at a time, submit->succeeded p50: {jail.solo_p50:.3f} s vs "
        f"{none.solo_p50:.3f} s = {per_job_ms:+.0f} ms per job   (target < 50 ms)"
    )
    print(
        f"  burst throughput: {jail.throughput:.2f} vs {none.throughput:.2f} jobs/s   "
        "(target >= 20 with the jail)"
    )


def run_stack(args: argparse.Namespace, sandbox: str) -> Figures:
    """Start Redis, the API and the workers with ADE_SANDBOX=`sandbox`; run the load."""
    print(f"== ADE_SANDBOX={sandbox}")
    keep = args.keep / sandbox if args.keep else None
    data = keep or Path(tempfile.mkdtemp(prefix="ade-bench-jobs-"))
    data.mkdir(parents=True, exist_ok=True)
    redis_port, api_port = free_port(), free_port()
    redis_bin = shutil.which("redis-server")
    if redis_bin is None:
        raise SystemExit("redis-server is needed (apt install redis-server)")
    env = {
        **os.environ,
        "ADE_STORAGE_DATA_DIR": str(data),
        "ADE_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "ADE_QUEUE_NAME": "bench",
        "ADE_LOG_LEVEL": "warning",
        "ADE_MAX_QUEUED_JOBS_PER_WORKSPACE": str(args.jobs + 10),
        "ADE_SANDBOX": sandbox,
    }
    ade = [sys.executable, "-m", "ade_cli"]
    stack = contextlib.ExitStack()
    if args.postgres:
        from ade_db.testing.postgres import create_database, postgres_server

        admin_url = stack.enter_context(postgres_server())
        env["ADE_DATABASE_URL"] = create_database(admin_url, "ade_bench")
    procs: list[subprocess.Popen[bytes]] = []
    logs = data / "bench-logs"
    logs.mkdir(exist_ok=True)

    def spawn(name: str, cmd: list[str]) -> None:
        out = (logs / f"{name}.log").open("wb")
        procs.append(subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT))

    try:
        spawn("redis", [redis_bin, "--port", str(redis_port), "--save", "", "--appendonly", "no"])
        subprocess.run([*ade, "db", "migrate"], env=env, check=True, capture_output=True)
        subprocess.run(
            [
                *ade,
                "users",
                "create",
                "--email",
                "bench@example.org",
                "--password",
                "bench-password-1",
                "--admin",
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        spawn(
            "api",
            [
                *ade,
                "api",
                "serve",
                "--port",
                str(api_port),
                "--no-migrate",
                "--workers",
                str(args.api_processes),
            ],
        )
        api_pid = procs[-1].pid
        for i in range(args.workers):
            spawn(f"worker-{i}", [*ade, "worker", "start", "--name", f"bench-{i}"])
        base = f"http://127.0.0.1:{api_port}"
        wait_for(f"{base}/health")
        db = "PostgreSQL" if args.postgres else "SQLite"
        found = run(base, args.jobs, args.clients, args.workers, args.solo, db, api_pid)
        if not args.workers:
            return found
        redis_url = env["ADE_REDIS_URL"]
        found.rq_forking = plain_rq(redis_url, args.jobs, args.workers, logs, "rq.Worker")
        found.rq_simple = plain_rq(redis_url, args.jobs, args.workers, logs, "rq.SimpleWorker")
        return found
    finally:
        stop(list(reversed(procs)))
        stack.close()
        if keep is None:
            shutil.rmtree(data, ignore_errors=True)


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """Ask each process to stop (SIGTERM), then kill what has not stopped within 15 s: a
    worker slow to stop on a loaded machine must not abort the figures already measured."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def plain_rq(redis_url: str, jobs: int, workers: int, logs: Path, worker_class: str) -> float:
    """Jobs per second of plain RQ: `workers` RQ workers of `worker_class` on their own queue
    of the same Redis, running `jobs` trivial jobs (`os.getpid`) enqueued at once. The ADE
    workers are idle meanwhile (their queue is empty)."""
    from rq import Queue, Worker
    from rq.registry import FinishedJobRegistry

    from redis import Redis

    connection = Redis.from_url(redis_url)
    name = f"bench-plain-{worker_class.rsplit('.', 1)[-1].lower()}"
    queue = Queue(name, connection=connection)
    rq_bin = str(Path(sys.executable).with_name("rq"))
    procs = []
    for i in range(workers):
        out = (logs / f"{name}-{i}.log").open("wb")
        command = [rq_bin, "worker", "--url", redis_url, "--worker-class", worker_class, name]
        procs.append(subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT))
    try:
        deadline = time.monotonic() + 30
        while Worker.count(queue=queue) < workers and time.monotonic() < deadline:
            time.sleep(0.1)
        registry = FinishedJobRegistry(name, connection=connection)
        started = time.perf_counter()
        with connection.pipeline() as pipe:
            for _ in range(jobs):
                queue.enqueue("os.getpid", pipeline=pipe)
            pipe.execute()
        deadline = time.monotonic() + 60 + jobs
        while registry.count < jobs and time.monotonic() < deadline:
            time.sleep(0.005)
        elapsed = time.perf_counter() - started
        done = registry.count
    finally:
        stop(procs)
    rate = done / elapsed
    print(f"plain RQ ({worker_class}), {workers} workers: {done} trivial jobs, {rate:.1f} jobs/s")
    return rate


def cpu_seconds(pid: int) -> float:
    """User + system CPU of process `pid` and of its living descendants (uvicorn's workers)."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += cpu_seconds(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total


def run(
    base: str, jobs: int, clients: int, workers: int, solo: int, db: str, api_pid: int
) -> Figures:
    http = httpx.Client(base_url=f"{base}/api/v1", timeout=60)
    token = http.post(
        "/auth/login", json={"email": "bench@example.org", "password": "bench-password-1"}
    ).json()["access_token"]
    http.headers["Authorization"] = f"Bearer {token}"
    ws = http.post("/workspaces", json={"name": "Bench"}).json()["id"]
    config = http.post(f"/workspaces/{ws}/configs", json={"slug": "roster", "title": "Roster"})
    cid = config.json()["id"]
    published = http.post(f"/workspaces/{ws}/configs/{cid}/publish", json={"semver": "1.0.0"})
    version_id = published.json()["version_id"]
    sample = resources.files("ade_engine") / "templates" / "roster" / "samples" / "members.csv"
    upload = http.post(
        f"/workspaces/{ws}/documents",
        files={"file": ("members.csv", sample.read_bytes(), "text/csv")},
    )
    document_id = upload.json()["id"]

    local = threading.local()

    def client() -> httpx.Client:
        # One client (and connection) per submitting thread, made before its first submit.
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=f"{base}/api/v1", headers=http.headers, timeout=60)
        found: httpx.Client = local.client
        return found

    def submit(i: int) -> tuple[str, float]:
        c = client()
        started = time.perf_counter()
        response = c.post(
            f"/workspaces/{ws}/jobs",
            json={
                "document_id": document_id,
                "config_version_id": version_id,
                "flags": {"bench": i},
            },
        )
        elapsed = time.perf_counter() - started
        response.raise_for_status()
        return response.json()["id"], elapsed

    first_submit = time.time()
    api_cpu = cpu_seconds(api_pid)
    with concurrent.futures.ThreadPoolExecutor(max_workers=clients, initializer=client) as pool:
        submitted = list(pool.map(submit, range(jobs)))
    api_cpu_ms = (cpu_seconds(api_pid) - api_cpu) * 1000 / jobs
    latencies = [elapsed for _, elapsed in submitted]
    if not workers:
        p50, p95, p99 = (percentile(latencies, q) * 1000 for q in (50, 95, 99))
        print(f"submits: {jobs} by {clients} concurrent clients, no workers ({db})")
        print(f"  submit latency  p50 {p50:.0f} ms  p95 {p95:.0f} ms  p99 {p99:.0f} ms")
        print(f"  the API's CPU per submit {api_cpu_ms:.2f} ms")
        return Figures(float("nan"), float("nan"), submit_p95=p95 / 1000, api_cpu_ms=api_cpu_ms)

    pending = {job_id for job_id, _ in submitted}
    finished: dict[str, dict[str, object]] = {}
    deadline = time.monotonic() + 60 + jobs * 2

    def unfinished() -> int:
        # Two one-row pages, once a second: the totals say how many are left. (Listing every
        # job four times a second, as this loop did, cost the API about 25 ms of CPU a poll,
        # a tenth of a core taken from the workers it measures. How often it looks does not
        # change the figures: they come from the jobs' own timestamps.)
        return sum(
            int(
                http.get(
                    f"/workspaces/{ws}/jobs", params={"status": status, "page_size": 1}
                ).json()["total"]
            )
            for status in ("queued", "running")
        )

    while unfinished() and time.monotonic() < deadline:
        time.sleep(1.0)
    while pending and time.monotonic() < deadline:
        page = 1
        while True:
            listing = http.get(
                f"/workspaces/{ws}/jobs", params={"page": page, "page_size": 200}
            ).json()
            for job in listing["items"]:
                if job["id"] in pending and job["status"] in ("succeeded", "failed", "cancelled"):
                    pending.discard(job["id"])
                    finished[job["id"]] = job
            if page * 200 >= listing["total"]:
                break
            page += 1
        time.sleep(0.25)

    def ts(value: object) -> float:
        return dt.datetime.fromisoformat(str(value)).timestamp()

    done = [j for j in finished.values() if j["status"] == "succeeded"]
    turnaround = [ts(j["completed_at"]) - ts(j["queued_at"]) for j in done]
    last = max((ts(j["completed_at"]) for j in done), default=time.time())
    ms = 1000
    print(f"jobs: {jobs} submitted by {clients} concurrent clients, {workers} workers ({db})")
    failed = sum(j["status"] == "failed" for j in finished.values())
    print(f"  succeeded {len(done)}, failed {failed}, unfinished {len(pending)}")
    p50, p95, p99 = (percentile(latencies, q) * ms for q in (50, 95, 99))
    submit_p95 = p95 / ms
    print(
        f"  submit latency  p50 {p50:.0f} ms  p95 {p95:.0f} ms  p99 {p99:.0f} ms"
        "   (target p95 < 100 ms)"
    )
    if turnaround:
        print(
            f"  submit->succeeded  p50 {statistics.median(turnaround):.2f} s  "
            # (queueing behind the burst's other jobs included; the small job's own time is
            # the one-at-a-time phase's figure below)
            f"p95 {percentile(turnaround, 95):.2f} s   (the burst's queue included)"
        )
    throughput = len(done) / max(last - first_submit, 1e-9)
    print(f"  throughput {throughput:.2f} jobs/s   (target >= 20)")
    print(f"  the API's CPU per submit {api_cpu_ms:.2f} ms")
    solo_p50 = float("nan")
    once = [j for j in done if j["attempts"] == 1]
    print(f"  jobs that ran once: {len(once)}")

    # One at a time on an otherwise idle system: how soon is a single small job done?
    if solo and workers:
        latencies, turnaround = [], []
        for i in range(solo):
            job_id, elapsed = submit(jobs + i)
            latencies.append(elapsed)
            while True:
                job = http.get(f"/workspaces/{ws}/jobs/{job_id}").json()
                if job["status"] in ("succeeded", "failed", "cancelled"):
                    break
                time.sleep(0.02)
            turnaround.append(ts(job["completed_at"]) - ts(job["queued_at"]))
        print(f"one job at a time ({solo} jobs, idle system):")
        print(
            f"  submit latency  p50 {percentile(latencies, 50) * ms:.0f} ms  "
            f"p95 {percentile(latencies, 95) * ms:.0f} ms"
        )
        solo_p50 = statistics.median(turnaround)
        print(
            f"  submit->succeeded  p50 {solo_p50:.3f} s  "
            f"p95 {percentile(turnaround, 95):.3f} s   (target p50 < 0.15 s)"
        )
    return Figures(
        throughput=throughput, solo_p50=solo_p50, submit_p95=submit_p95, api_cpu_ms=api_cpu_ms
    )


if __name__ == "__main__":
    main()
