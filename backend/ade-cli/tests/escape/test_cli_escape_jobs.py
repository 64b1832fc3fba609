"""The escape suite: config code written by an attacker with only the editor role, run as
real jobs through `ade start` (API, worker, its own Redis) in the jail.

Each attack runs in a job of its own; the attack reports what it saw through the config
logger (a `log` event in the job's timeline), and the test checks both that report and the
host: nothing written outside the job folder, no process left behind, the next job fine.
"""

from __future__ import annotations

import json
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ade_cli.testing_stack import Stack, stack_env, start_stack
from ade_worker.jail import JOB_ROOT, resolve_user, runtime_paths
from ade_worker.sandbox import sandbox_env
from ade_worker.testing import TEST_SANDBOX_USER

pytestmark = [pytest.mark.e2e, pytest.mark.escape]

SECRET = "escape-suite-secret-key-0123456789abcdef"
DISK_MB = 64
MAX_EVENTS = 300

# Config code that runs the attack once (transform runs per chunk), then reports.
PROBE = """
_done = []


def transform(*, values, logger, **_):
    if not _done:
        _done.append(1)
        import json
        seen = {}
        try:
            attack(seen)
        finally:
            logger.info("escape-probe", report=json.dumps(seen, default=str))
    return values
"""


def _attack(body: str, **values: object) -> str:
    """A module: the probe, plus `attack(seen)` running `body` with `values` bound."""
    bound = "".join(f"    {name} = {value!r}\n" for name, value in values.items())
    lines = textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"
    header = "\n\ndef attack(seen):\n    import ctypes, errno, glob, json, os, socket, stat, time\n"
    return PROBE + header + bound + lines


@pytest.fixture(scope="module")
def stack(sandbox_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("escape-stack")
    env = stack_env(
        root,
        ADE_SECRET_KEY=SECRET,
        ADE_SANDBOX_DIR=str(sandbox_root / "escape"),
        ADE_SANDBOX_TIMEOUT_SECONDS="20",
        ADE_SANDBOX_MEMORY_MB="600",
        ADE_SANDBOX_DISK_MB=str(DISK_MB),
        ADE_SANDBOX_MAX_EVENTS=str(MAX_EVENTS),
        ADE_SANDBOX_PROCESSES="32",
    )
    # No ADE_REDIS_URL: `ade start` runs its own Redis, as on a laptop.
    with start_stack(root, env) as running:
        yield running


def run_attack(stack: Stack, slug: str, body: str, **values: object) -> dict[str, Any]:
    """Publish the attack, run it on the sample, and return the finished job."""
    version = stack.publish(slug, _attack(body, **values))
    return stack.wait(str(stack.submit(stack.upload(), version)["id"]), timeout=120)


def report(stack: Stack, job: dict[str, Any]) -> dict[str, Any]:
    """What the attack saw, from its `escape-probe` log event."""
    for event in stack.events(str(job["id"])):
        payload = event["payload"]
        if event["type"] == "log" and payload.get("message") == "escape-probe":
            seen: dict[str, Any] = json.loads(payload["data"]["report"])
            return seen
    pytest.fail(f"the attack did not report: {job}")


def sandbox_processes() -> list[int]:
    """Host pids of every process running as the sandbox user, but the workers' zygotes (the
    warm start: `ade-zygote` and the bwrap above it run no config code and outlive jobs)."""
    uid = resolve_user(TEST_SANDBOX_USER).uid
    found: dict[int, tuple[str, int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    found[int(entry.name)] = ((entry / "comm").read_text().strip(), int(stat[1]))
            except (FileNotFoundError, ProcessLookupError):
                continue
    zygotes = {pid for pid, (name, _) in found.items() if name == "ade-zygote"}
    kept = zygotes | {found[pid][1] for pid in zygotes}
    return [pid for pid in found if pid not in kept]


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def assert_next_job_succeeds(stack: Stack) -> None:
    assert stack.process.poll() is None  # ade start (API, worker, Redis) lives on
    job = stack.wait(
        str(stack.submit(stack.upload(), stack.publish(f"good-{time.time_ns()}"))["id"])
    )
    assert job["status"] == "succeeded", job


def test_secrets_database_and_other_tenants_files_are_out_of_reach(stack: Stack) -> None:
    data = stack.root / "data"
    other_ws = stack.http.post("/workspaces", json={"name": "Other tenant"}).json()["id"]
    upload = stack.http.post(
        f"/workspaces/{other_ws}/documents",
        files={"file": ("secret.csv", b"ssn\n123-45-6789\n", "text/csv")},
    )
    assert upload.status_code == 201, upload.text
    other_doc = next(p for p in (data / "documents" / other_ws).rglob("*") if p.is_file())
    database = data / "db" / "ade.sqlite"
    assert database.is_file()
    assert other_doc.is_file()
    job = run_attack(
        stack,
        "reader",
        """
        seen["uid"] = os.getuid()
        seen["env"] = sorted(os.environ)
        seen["root"] = sorted(os.listdir("/"))
        seen["proc_environ"] = []
        for path in ["/proc/self/environ", "/proc/1/environ", f"/proc/{os.getppid()}/environ",
                     *glob.glob("/proc/*/environ")]:
            try:
                seen["proc_environ"].append(open(path, "rb").read().decode(errors="replace"))
            except OSError as exc:
                pass
        seen["read"] = {}
        for path in (database, other_doc, data, "/etc/passwd", "/etc/shadow"):
            try:
                if os.path.isdir(path):
                    seen["read"][path] = os.listdir(path)
                else:
                    seen["read"][path] = open(path, "rb").read(64).decode(errors="replace")
            except OSError as exc:
                seen.setdefault("refused", {})[path] = errno.errorcode.get(exc.errno, "?")
        """,
        database=str(database),
        other_doc=str(other_doc),
        data=str(data),
    )
    assert job["status"] == "succeeded", job
    seen = report(stack, job)
    assert seen["uid"] == resolve_user(TEST_SANDBOX_USER).uid != 0
    assert not [name for name in seen["env"] if name.startswith("ADE_")]
    assert "proc" not in seen["root"]
    assert "etc" not in seen["root"]
    assert seen["proc_environ"] == []
    assert seen["read"] == {}, seen["read"]
    assert set(seen["refused"]) == {
        str(database),
        str(other_doc),
        str(data),
        "/etc/passwd",
        "/etc/shadow",
    }
    assert SECRET not in json.dumps(stack.events(str(job["id"])))
    assert_next_job_succeeds(stack)


def test_no_network_not_even_redis_or_the_api(stack: Stack) -> None:
    ports = listening_loopback_ports()
    assert stack.port in ports
    assert len(ports) >= 2  # the API and the Redis `ade start` runs, at least
    job = run_attack(
        stack,
        "network",
        """
        seen["interfaces"] = [name for _, name in socket.if_nameindex()]
        seen["connect"] = {}
        for port in ports:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                seen["connect"][port] = "connected"
            except OSError as exc:
                seen["connect"][port] = type(exc).__name__
        seen["unix"] = glob.glob("/tmp/*") + glob.glob("/run/*") + glob.glob("/var/run/*")
        """,
        ports=sorted(ports),
    )
    assert job["status"] == "succeeded", job
    seen = report(stack, job)
    assert seen["interfaces"] == ["lo"]
    assert len(seen["connect"]) == len(ports)
    assert "connected" not in seen["connect"].values(), seen
    # No socket folder of the host: whatever is there is only the way to the runtime (a
    # checkout under /tmp shows as /tmp/<checkout>).
    runtime = runtime_paths(sys.executable)
    assert [p for p in seen["unix"] if not any(r.is_relative_to(p) for r in runtime)] == []
    assert_next_job_succeeds(stack)


def listening_loopback_ports() -> set[int]:
    """Every TCP port something listens on at 127.0.0.1 or on all addresses, on this host."""
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as fh:
            next(fh)
            for line in fh:
                fields = line.split()
                address, port = fields[1].split(":")
                listening = fields[3] == "0A"
                loopback = (
                    address in ("0100007F", "00000000")
                    or set(address) == {"0"}
                    or (address == "00000000000000000000000001000000")
                )
                if listening and loopback:
                    ports.add(int(port, 16))
    return ports


def test_writes_through_dir_fd_and_ctypes_land_nowhere(stack: Stack, tmp_path: Path) -> None:
    data = stack.root / "data"
    before = files_under(data)
    targets = [str(data / "pwned"), str(stack.root / "pwned"), str(tmp_path / "pwned")]
    job = run_attack(
        stack,
        "writer",
        """
        seen["wrote"] = []
        root_fd = os.open("/", os.O_RDONLY)
        for target in targets:
            for how in ("dir_fd", "libc"):
                try:
                    if how == "dir_fd":
                        fd = os.open(target.lstrip("/"), os.O_CREAT | os.O_WRONLY, 0o644,
                                     dir_fd=root_fd)
                        os.write(fd, b"pwned")
                        os.close(fd)
                    else:
                        libc = ctypes.CDLL(None, use_errno=True)
                        fd = libc.open(target.encode(), os.O_CREAT | os.O_WRONLY, 0o644)
                        if fd < 0:
                            raise OSError(ctypes.get_errno(), "libc open failed")
                        libc.write(fd, b"pwned", 5)
                    seen["wrote"].append([how, target])
                except OSError:
                    pass
        """,
        targets=targets,
    )
    seen = report(stack, job)
    assert job["status"] == "succeeded", job
    # Inside the jail those paths do not exist: whatever "succeeded" went to the tmpfs.
    for target in targets:
        assert not Path(target).exists(), target
    new = files_under(data) - before
    outside = [
        name
        for name in new
        if not name.startswith(("jobs/", "documents/", "db/", "redis/"))
        and not name.startswith("cache/")
    ]
    assert outside == [], outside
    assert all(not name.endswith("pwned") for name in new)
    assert seen["wrote"] == [] or all(Path(t).exists() is False for _, t in seen["wrote"])
    assert_next_job_succeeds(stack)


def test_forked_survivors_and_fork_bombs_die_with_the_job(stack: Stack) -> None:
    job = run_attack(
        stack,
        "forker",
        """
        libc = ctypes.CDLL(None, use_errno=True)
        pid = libc.fork()
        if pid == 0:
            libc.setsid()
            time.sleep(60)  # a survivor, if nothing kills it
            os._exit(0)
        forks = 0
        while forks < 10_000:
            child = libc.fork()
            if child == 0:
                time.sleep(60)
                os._exit(0)
            if child < 0:
                seen["fork_error"] = errno.errorcode.get(ctypes.get_errno(), "?")
                break
            forks += 1
        seen["forks"] = forks
        """,
    )
    seen = report(stack, job)
    assert job["status"] == "succeeded", job
    assert seen["fork_error"] == "EAGAIN"  # the process limit held
    assert seen["forks"] < 32
    deadline = time.monotonic() + 5
    while sandbox_processes() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sandbox_processes() == []
    assert_next_job_succeeds(stack)


def test_filling_the_disk_stops_at_the_cap(stack: Stack) -> None:
    data = stack.root / "data"
    job = run_attack(
        stack,
        "filler",
        """
        written = 0
        chunk = b"x" * (1024 * 1024)
        try:
            for index in range(100_000):
                with open(f"/job/tmp/fill-{index}", "wb") as fh:
                    fh.write(chunk)
                written += len(chunk)
        finally:
            seen["written_mb"] = written // (1024 * 1024)
        """,
    )
    assert job["status"] == "failed", job
    assert "sandbox disk limit" in job["error"]["message"], job["error"]
    assert job["attempts"] == 1
    seen = report(stack, job)
    assert seen["written_mb"] <= DISK_MB
    job_dir = data / "jobs" / str(job["id"])
    on_host = sum(p.stat().st_size for p in job_dir.rglob("*") if p.is_file())
    assert on_host < 2 * 1024 * 1024, on_host  # nothing of the fill came out
    assert_next_job_succeeds(stack)


def test_an_event_flood_is_capped(stack: Stack) -> None:
    version = stack.publish(
        "flooder-logger",
        "def transform(*, values, logger, **_):\n"
        "    for index in range(20_000):\n"
        "        logger.info('flood %d', index, blob='y' * 1000)\n"
        "    return values\n",
    )
    flood = stack.wait(str(stack.submit(stack.upload(), version)["id"]), timeout=120)
    assert flood["status"] == "succeeded", flood
    events = stack.events(str(flood["id"]))
    engine_events = [e for e in events if not e["type"].startswith("job.")]
    assert len(engine_events) <= MAX_EVENTS + 1
    assert any("not kept" in str(e["payload"].get("message")) for e in events)
    assert events[-1]["type"] == "job.succeeded"
    assert_next_job_succeeds(stack)


def test_forged_terminal_events_do_not_end_the_stream(stack: Stack) -> None:
    version = stack.publish(
        "forger",
        _attack(
            """
            forged = json.dumps({"event": "job.succeeded", "ts": "x", "seq": 1}) + "\\n"
            seen["pipes"] = 0
            for fd in range(3, 64):
                try:
                    if stat.S_ISFIFO(os.fstat(fd).st_mode):
                        os.write(fd, forged.encode())
                        seen["pipes"] += 1
                except OSError:
                    pass
            for name in glob.glob("/job/logs/*") + ["/job/logs/events.ndjson"]:
                try:
                    with open(name, "a") as fh:
                        fh.write(forged)
                except OSError:
                    pass
            time.sleep(3)
            """
        ),
    )
    job_id = str(stack.submit(stack.upload(), version)["id"])
    streamed: list[tuple[str, float]] = []
    with stack.http.stream(
        "GET",
        f"/workspaces/{stack.ws}/jobs/{job_id}/events",
        headers={"Accept": "text/event-stream"},
        timeout=httpx.Timeout(60),
    ) as response:
        for line in response.iter_lines():
            if line.startswith("event: "):
                streamed.append((line.removeprefix("event: "), time.monotonic()))
    job = stack.wait(job_id)
    assert job["status"] == "succeeded", job
    assert report(stack, job)["pipes"] >= 1  # it did write into the events pipe
    types = [name for name, _ in streamed]
    assert types.count("job.succeeded") == 1
    assert types[-1] == "job.succeeded"
    assert "run.completed" in types  # the stream stayed open until the real end
    timeline = [e["type"] for e in stack.events(job_id)]
    assert timeline.count("job.succeeded") == 1


def test_the_environment_holds_no_secret(stack: Stack) -> None:
    job = run_attack(stack, "environ", 'seen["environ"] = dict(os.environ)')
    seen = report(stack, job)
    assert SECRET not in json.dumps(seen)
    # Exactly the variables the sandbox builds, with the values it gives them in the jail.
    assert seen["environ"] == sandbox_env(Path(JOB_ROOT))
