"""The warm start: a run forked from the zygote is jailed on its own (no capabilities, no view
of other runs, of the zygote or of their loopback), shares no module state with the next run,
ends cleanly when the zygote dies (which is then restarted), and writes what a cold run writes.
Every jail test of the cold path also runs warm (the `jail` fixture); these are the warm
path's own."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from ade_worker.jail import Jail
from ade_worker.sandbox import SandboxLimits, run_engine
from ade_worker.testing import Jails, assert_gone, descendants, job_folder

LIMITS = SandboxLimits(wall_seconds=60.0, memory_mb=1024)


@pytest.fixture
def warm(jails: Jails) -> Jail:
    return jails.get("warm")


def seen_by(tmp_path: Path, jail: Jail, code: str, name: str = "job") -> dict[str, Any]:
    """Run `code` as config code (it writes output/seen.json) and return what it saw."""
    job = job_folder(tmp_path / name, code)
    outcome = run_engine(job, limits=LIMITS, jail=jail)
    assert outcome.status == "succeeded", outcome
    seen: dict[str, Any] = json.loads((job / "output" / "seen.json").read_text())
    return seen


def write_seen(body: str) -> str:
    save = "with open('output/seen.json', 'w') as fh:\n    json.dump(seen, fh)\n"
    return f"import ctypes, errno, socket\n{body}\n{save}"


def test_a_run_has_no_capabilities_nor_keyrings_and_cannot_gain_any(
    tmp_path: Path, warm: Jail
) -> None:
    code = write_seen(
        """
libc = ctypes.CDLL(None, use_errno=True)
header = (ctypes.c_uint32 * 2)(0x20080522, 0)
data = (ctypes.c_uint32 * 6)()
libc.capget(header, data)
bounding = [cap for cap in range(64) if libc.prctl(23, cap, 0, 0, 0) == 1]
userns = libc.unshare(0x10000000)
keyring = libc.syscall(250, 0, -4, 0)  # keyctl(KEYCTL_GET_KEYRING_ID, the user keyring)
keyring_errno = ctypes.get_errno()
seen = {
    "capabilities": list(data),
    "bounding": bounding,
    "no_new_privs": libc.prctl(39, 0, 0, 0, 0),
    "userns": errno.errorcode[ctypes.get_errno()] if userns else "ok",
    "keyring": errno.errorcode[keyring_errno] if keyring == -1 else "ok",
    "uid": os.getuid(),
    "pid": os.getpid(),
    "sid": os.getsid(0),
}
"""
    )
    seen = seen_by(tmp_path, warm, code)
    assert seen["capabilities"] == [0] * 6  # effective, permitted, inheritable: both words
    assert seen["bounding"] == []
    assert seen["no_new_privs"] == 1
    assert seen["userns"] in ("ENOSPC", "EPERM")  # no further user namespaces
    if os.uname().machine == "x86_64":  # the user keyring the runs' user namespace shares
        assert seen["keyring"] == "EPERM"
    assert seen["uid"] == warm.user.uid
    assert seen["pid"] == 2  # the run's own PID namespace: its init is 1, the engine 2
    assert seen["sid"] == 1  # the session its init started, no one else's


def test_a_run_sees_neither_other_runs_nor_the_zygote(tmp_path: Path, warm: Jail) -> None:
    other = job_folder(tmp_path / "other")
    staged = warm.stage(other)  # another run's staging, in place while this one runs
    assert warm.zygote is not None
    assert warm.zygote._proc is not None
    zygote_pids = [warm.zygote._proc.pid, *(p.pid for p in descendants(warm.zygote._proc.pid))]
    try:
        code = write_seen(
            f"""
libc = ctypes.CDLL(None, use_errno=True)
def attempt(call):
    try:
        call()
    except OSError as exc:
        return errno.errorcode[exc.errno]
    return "ok"
def kill(pid, sig):
    # libc's kill, not Python's: past the engine's guard, as hostile code would go.
    if libc.kill(pid, sig) != 0:
        return errno.errorcode[ctypes.get_errno()]
    return "ok"
def ptrace(pid):
    if libc.ptrace(16, pid, 0, 0) != 0:
        return errno.errorcode[ctypes.get_errno()]
    return "ok"
visible = [pid for pid in range(1, 4096) if kill(pid, 0) != "ESRCH"]
seen = {{
    "staged": attempt(lambda: open({str(staged / "input" / "members.csv")!r}).close()),
    "through_runs": attempt(lambda: open("/runs/{staged.name}/input/members.csv").close()),
    "zygote": [kill(pid, 9) for pid in {zygote_pids!r}],
    "visible": visible,
    "ptrace_init": ptrace(1),
}}
"""
        )
        seen = seen_by(tmp_path, warm, code)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    assert seen["staged"] == "ENOENT"
    assert seen["through_runs"] in ("EACCES", "ENOENT")
    # The zygote's pids name nothing in the run's PID namespace.
    assert seen["zygote"] == ["ESRCH"] * len(zygote_pids)
    assert seen["visible"] == [1, 2]  # its init and itself: no other run, no zygote
    assert seen["ptrace_init"] == "EPERM"
    assert warm.zygote.up()


# A run that listens on its loopback, says so, and waits; the test then runs another.
LISTEN = """
server = socket.socket()
server.bind(("127.0.0.1", 47811))
server.listen()
logger.info("ready")
server.settimeout(20)
try:
    server.accept()
    got = "accepted"
except OSError:
    got = "nothing"
with open("output/seen.json", "w") as fh:
    json.dump({"got": got}, fh)
"""


def test_runs_do_not_share_a_loopback(tmp_path: Path, warm: Jail) -> None:
    listening = threading.Event()
    outcome: list[Any] = []

    def first() -> None:
        job = job_folder(tmp_path / "listener", "import socket\n" + LISTEN)

        def on_event(event: dict[str, Any]) -> None:
            if event.get("message") == "ready":
                listening.set()

        limits = SandboxLimits(wall_seconds=5.0)
        outcome.append(run_engine(job, limits=limits, jail=warm, on_event=on_event))

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert listening.wait(30)
        code = write_seen(
            """
def connect(host):
    try:
        socket.create_connection((host, 47811), timeout=2).close()
    except OSError as exc:
        return errno.errorcode.get(exc.errno, "timeout")
    return "ok"
seen = {"loopback": connect("127.0.0.1"), "outside": connect("192.0.2.1")}
"""
        )
        seen = seen_by(tmp_path, warm, code, name="connector")
    finally:
        thread.join(30)
    assert seen == {"loopback": "ECONNREFUSED", "outside": "ENETUNREACH"}
    assert outcome[0].status == "timeout"  # the listener never got a connection


def test_module_state_a_run_changed_is_not_seen_by_the_next(tmp_path: Path, warm: Jail) -> None:
    patch = write_seen(
        """
import ade_engine, ade_engine.pipeline
ade_engine.pipeline.run = lambda *a, **k: 1 / 0
ade_engine.TAINTED = True
seen = {"patched": True}
"""
    )
    assert seen_by(tmp_path, warm, patch, name="first") == {"patched": True}
    check = write_seen(
        """
import ade_engine, ade_engine.pipeline
seen = {"tainted": hasattr(ade_engine, "TAINTED"), "run": ade_engine.pipeline.run.__name__}
"""
    )
    assert seen_by(tmp_path, warm, check, name="second") == {"tainted": False, "run": "run"}


def test_the_zygote_dying_mid_run_fails_the_run_cleanly_and_is_restarted(
    tmp_path: Path, jails: Jails
) -> None:
    warm = jails.get("warm")
    assert warm.zygote is not None
    assert warm.zygote._proc is not None
    old = warm.zygote._proc.pid
    job = job_folder(tmp_path / "job", 'logger.info("ready")\ntime.sleep(60)\n')
    run_processes: list[Any] = []

    def on_event(event: dict[str, Any]) -> None:
        if event.get("message") == "ready":
            # The sandbox user's: other children of this process (a test's redis-server) are
            # no run's.
            run_processes.extend(p for p in descendants(os.getpid()) if p.uid == warm.user.uid)
            os.kill(old, signal.SIGKILL)  # bwrap: the zygote and every run in it go with it

    started = time.monotonic()
    outcome = run_engine(job, limits=LIMITS, jail=warm, on_event=on_event)
    assert time.monotonic() - started < 10
    assert outcome.status == "crashed"
    assert outcome.retryable  # nothing about the job says it would fail again
    assert outcome.error is not None
    assert "zygote" in outcome.error["message"]
    assert run_processes
    assert_gone(run_processes)
    assert not warm.zygote.up()
    again = jails.get("warm")  # the next use restarts it
    assert again.zygote is warm.zygote
    assert warm.zygote.up()
    assert warm.zygote._proc is not None
    assert warm.zygote._proc.pid != old
    done = run_engine(job_folder(tmp_path / "next"), limits=LIMITS, jail=again)
    assert done.status == "succeeded"


def _normalized(artifact: dict[str, Any]) -> dict[str, Any]:
    """The artifact without what differs between any two runs: times and durations."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: strip(v)
                for k, v in value.items()
                if not (k.endswith(("_at", "_ms")) or k in {"timings", "elapsed"})
            }
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(artifact)  # type: ignore[no-any-return]


def _members(xlsx: Path) -> list[tuple[str, int, bytes]]:
    """The workbook's zip members, in order, with how each is stored and its bytes: all of
    the file but the members' modification times (the time of writing, in any two runs)."""
    with zipfile.ZipFile(xlsx) as archive:
        return [(i.filename, i.compress_type, archive.read(i)) for i in archive.infolist()]


def test_warm_output_is_the_cold_output(tmp_path: Path, jails: Jails) -> None:
    outputs = {}
    for kind in ("cold", "warm"):
        job = job_folder(tmp_path / kind)
        outcome = run_engine(job, limits=LIMITS, jail=jails.get(kind))
        assert outcome.status == "succeeded", outcome
        artifact = json.loads((job / "output" / "artifact.json").read_text())
        outputs[kind] = (_members(job / "output" / "normalized.xlsx"), _normalized(artifact))
    assert outputs["warm"][0] == outputs["cold"][0]
    assert outputs["warm"][1] == outputs["cold"][1]
    assert sorted(os.listdir(tmp_path / "warm" / "job" / "output")) == [
        "artifact.json",
        "normalized.xlsx",
    ]


def test_the_worker_learns_of_the_end_at_once(tmp_path: Path, jails: Jails) -> None:
    # No poll between the engine's end and ours: a run asked about cancelling only every
    # 10 s still comes back as soon as it is done.
    for kind in ("cold", "warm"):
        job = job_folder(tmp_path / kind)
        started = time.monotonic()
        outcome = run_engine(
            job, limits=LIMITS, jail=jails.get(kind), should_cancel=lambda: False, poll_interval=10
        )
        assert outcome.status == "succeeded"
        assert time.monotonic() - started < 8


def test_a_forked_work_horse_uses_its_workers_zygote_and_never_starts_one(warm: Jail) -> None:
    assert warm.zygote is not None
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # a work horse: the zygote is its parent's
        try:
            zygote = warm.zygote
            ok = zygote.up() and zygote.ensure() and zygote._owner != os.getpid()
            os.write(write_end, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(write_end)
    assert os.read(read_end, 1) == b"1"
    os.waitpid(pid, 0)
    os.close(read_end)


def test_a_run_dies_with_the_process_that_started_it(tmp_path: Path, warm: Jail) -> None:
    # A work horse killed mid-run (the zygote is its worker's and lives on): the run's
    # supervisor sees the horse's end of the run's socket close and kills the run.
    job = job_folder(tmp_path / "job", 'logger.info("ready")\ntime.sleep(60)\n')
    read_end, write_end = os.pipe()
    horse = os.fork()
    if horse == 0:  # runs the job, says when the run is up, then is SIGKILLed
        try:
            os.close(read_end)

            def on_event(event: dict[str, Any]) -> None:
                if event.get("message") == "ready":
                    os.write(write_end, b"1")

            run_engine(job, limits=LIMITS, jail=warm, on_event=on_event)
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        assert os.read(read_end, 1) == b"1"
        run = [p for p in descendants(os.getpid()) if p.uid == warm.user.uid]
        assert any(p.name == "ade-engine" for p in run)
    finally:
        os.kill(horse, signal.SIGKILL)
        os.waitpid(horse, 0)
        os.close(read_end)
    assert_gone([p for p in run if p.pid != horse])
    assert warm.zygote is not None
    assert warm.zygote.up()
    # What the killed horse could not clean up (the next run's prune would, an hour on).
    for staged in (warm.root / "runs").iterdir():
        shutil.rmtree(staged)
