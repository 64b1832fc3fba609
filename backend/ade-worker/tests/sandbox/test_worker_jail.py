"""The jail: its set-up checks name what is missing, its staging folder is private to the
sandbox user's group, its command builds the filesystem from nothing, and config code in it
sees none of the host."""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ade_worker import jail as jail_module
from ade_worker.jail import JOB_ROOT, Jail, JailProvider, JailUnavailableError, resolve_user
from ade_worker.sandbox import SandboxLimits, run_engine
from ade_worker.testing import TEST_SANDBOX_USER, job_folder

# -- Jail.create: each missing piece named ---------------------------------------------------


@pytest.fixture
def private_dir() -> Iterator[Path]:
    """A folder only we may enter, in the shared temp folder (which others can search)."""
    path = Path(tempfile.mkdtemp(prefix="ade-private-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def test_an_unknown_user_is_named(tmp_path: Path) -> None:
    with pytest.raises(JailUnavailableError, match="'ade-no-such-user' does not exist"):
        Jail.create(user="ade-no-such-user", root=tmp_path / "jail")


def test_root_is_refused_as_the_sandbox_user() -> None:
    with pytest.raises(JailUnavailableError, match="'root' is root; it must be unprivileged"):
        resolve_user("root")


def test_a_missing_bwrap_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jail_module, "find_bwrap", lambda: None)
    with pytest.raises(JailUnavailableError, match=r"bubblewrap \(bwrap\) is not installed"):
        Jail.create(user=TEST_SANDBOX_USER, root=tmp_path / "jail")


def test_ade_not_running_as_root_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(JailUnavailableError, match="ADE runs as uid 1000 and cannot switch"):
        Jail.create(user=TEST_SANDBOX_USER, root=tmp_path / "jail")


def test_a_jail_root_that_is_a_link_is_refused(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "jail").symlink_to(tmp_path / "real")
    with pytest.raises(JailUnavailableError, match=r"jail is not a folder \(ADE_SANDBOX_DIR\)"):
        Jail.create(user=TEST_SANDBOX_USER, root=tmp_path / "jail")


def test_a_jail_root_owned_by_another_user_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "jail"
    root.mkdir()
    uid = resolve_user(TEST_SANDBOX_USER).uid
    os.chown(root, uid, -1)
    with pytest.raises(JailUnavailableError, match=f"jail belongs to uid {uid}, not to ADE"):
        Jail.create(user=TEST_SANDBOX_USER, root=root)


def test_a_runtime_folder_the_user_cannot_reach_is_named(
    private_dir: Path, sandbox_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = private_dir / "venv"
    runtime.mkdir()
    monkeypatch.setattr(jail_module, "runtime_paths", lambda python: (runtime,))
    with pytest.raises(JailUnavailableError) as caught:
        Jail.create(user=TEST_SANDBOX_USER, root=sandbox_root / "unreached")
    message = str(caught.value)
    assert f"cannot reach {runtime} (no search permission on {private_dir})" in message
    assert f"setfacl -m u:{TEST_SANDBOX_USER}:x {private_dir}" in message


def test_a_runtime_folder_holding_the_jail_root_is_refused(
    sandbox_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jail_module, "runtime_paths", lambda python: (sandbox_root,))
    with pytest.raises(JailUnavailableError, match="would expose"):
        Jail.create(user=TEST_SANDBOX_USER, root=sandbox_root / "inside")


def test_an_interpreter_without_the_engine_is_refused(jail: Jail) -> None:
    system_python = shutil.which("python3", path="/usr/bin")
    if system_python is None:
        pytest.skip("no system python3 to probe with")
    with pytest.raises(
        JailUnavailableError, match=r"cannot import the engine: .*No module named 'ade_engine'"
    ):
        Jail.create(user=TEST_SANDBOX_USER, root=jail.root, python=system_python)


# -- JailProvider ----------------------------------------------------------------------------


def test_a_disabled_provider_gives_no_jail_and_no_problem(tmp_path: Path) -> None:
    provider = JailProvider(enabled=False, user="ade-no-such-user", root=tmp_path)
    assert provider.get() is None
    assert provider.problem() is None


def test_a_failed_set_up_is_tried_again_and_a_working_jail_kept(
    jail: Jail, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A root of its own: a jail that passed its checks is shared per (user, root) in a process.
    root = jail.root / ("retry-warm" if jail.zygote is not None else "retry")
    provider = JailProvider(enabled=True, user=TEST_SANDBOX_USER, root=root)
    monkeypatch.setattr(jail_module, "find_bwrap", lambda: None)
    for _ in range(2):  # each use fails while the cause is there
        with pytest.raises(JailUnavailableError, match="bwrap"):
            provider.get()
    problem = provider.problem()
    assert problem is not None
    assert "bubblewrap (bwrap) is not installed" in problem
    monkeypatch.undo()  # an operator installed it
    found = provider.get()
    assert found is not None
    assert provider.problem() is None
    monkeypatch.setattr(jail_module, "find_bwrap", lambda: None)
    assert provider.get() is found  # checked once, then kept
    again = JailProvider(enabled=True, user=TEST_SANDBOX_USER, root=root)
    assert again.get() is found  # and shared with every provider of the same set-up


# -- staging and pruning ---------------------------------------------------------------------


def test_stage_copies_the_job_for_the_sandbox_group_only(tmp_path: Path, jail: Jail) -> None:
    job = tmp_path / "job"
    (job / "input").mkdir(parents=True)
    (job / "input" / "doc.csv").write_text("a,b\n")
    (job / "config" / "columns").mkdir(parents=True)
    (job / "config" / "columns" / "x.py").write_text("X = 1\n")
    (job / "config" / "link.py").symlink_to("/etc/passwd")
    run = jail.stage(job)
    try:
        assert run.parent == jail.root / "runs"
        copied = {p.relative_to(run).as_posix() for p in run.rglob("*")}
        assert copied == {
            "input",
            "input/doc.csv",
            "config",
            "config/columns",
            "config/columns/x.py",
        }
        assert (run / "config" / "columns" / "x.py").read_text() == "X = 1\n"
        for path in (run, *run.rglob("*")):
            st = path.lstat()
            assert not stat.S_ISLNK(st.st_mode)
            assert (st.st_uid, st.st_gid) == (os.geteuid(), jail.user.gid)
            assert stat.S_IMODE(st.st_mode) == (0o750 if stat.S_ISDIR(st.st_mode) else 0o640)
    finally:
        shutil.rmtree(run)


def test_stage_copies_every_byte_and_skips_special_files(tmp_path: Path, jail: Jail) -> None:
    job = tmp_path / "job"
    (job / "config" / "a" / "b").mkdir(parents=True)
    big = os.urandom(3 * 1024 * 1024 + 7)
    (job / "config" / "a" / "b" / "big.bin").write_bytes(big)
    (job / "config" / "empty.py").write_bytes(b"")
    (job / "config" / "readonly.py").write_bytes(b"R = 1\n")
    (job / "config" / "readonly.py").chmod(0o400)  # as the worker's config cache keeps them
    os.mkfifo(job / "config" / "fifo")
    run = jail.stage(job)
    try:
        assert (run / "config" / "a" / "b" / "big.bin").read_bytes() == big
        assert (run / "config" / "empty.py").read_bytes() == b""
        assert (run / "config" / "readonly.py").read_bytes() == b"R = 1\n"
        assert not (run / "config" / "fifo").exists()
        assert stat.S_IMODE((run / "config" / "readonly.py").stat().st_mode) == 0o640
    finally:
        shutil.rmtree(run)


def test_stage_can_take_the_config_from_elsewhere(tmp_path: Path, jail: Jail) -> None:
    job = tmp_path / "job"
    (job / "config").mkdir(parents=True)
    (job / "config" / "job.py").write_text("JOB = 1\n")
    cached = tmp_path / "cached"
    cached.mkdir()
    (cached / "cached.py").write_text("CACHED = 1\n")
    run = jail.stage(job, config=cached)
    try:
        assert [p.name for p in (run / "config").iterdir()] == ["cached.py"]
        assert list((run / "input").iterdir()) == []
    finally:
        shutil.rmtree(run)


def test_stage_gives_a_job_without_input_an_empty_folder(tmp_path: Path, jail: Jail) -> None:
    job = tmp_path / "job"
    (job / "config").mkdir(parents=True)
    run = jail.stage(job)
    try:
        assert sorted(p.name for p in run.iterdir()) == ["config", "input"]
        assert list((run / "input").iterdir()) == []
    finally:
        shutil.rmtree(run)


def test_installed_requirements_are_shared_once_per_host_readable_by_all(
    tmp_path: Path, jail: Jail
) -> None:
    cache = tmp_path / "cache" / ("ab" * 32)  # the worker's vendor/ links into its cache
    (cache / "pkg").mkdir(parents=True)
    (cache / "pkg" / "__init__.py").write_text("VALUE = 1\n")
    (cache / "pkg" / "__init__.py").chmod(0o600)
    vendor = tmp_path / "job" / "vendor"
    vendor.parent.mkdir()
    vendor.symlink_to(cache)
    shared = jail.share_vendor(vendor)
    assert shared == jail.root / "vendor" / cache.name
    assert (shared / "pkg" / "__init__.py").read_text() == "VALUE = 1\n"
    for path in (shared, *shared.rglob("*")):
        mode = stat.S_IMODE(path.lstat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644)
    # Content-addressed: a second job with the same install gets the same copy, not a new one.
    (shared / "pkg" / "marker").write_text("")
    assert jail.share_vendor(vendor) == shared
    assert (shared / "pkg" / "marker").exists()
    assert not [p for p in (jail.root / "vendor").iterdir() if p.name.startswith(".tmp-")]
    shutil.rmtree(shared)


def test_prune_removes_only_stale_runs(jail: Jail) -> None:
    runs = jail.root / "runs"
    stale, fresh = runs / "stale-run", runs / "fresh-run"
    for folder in (stale, fresh):
        (folder / "input").mkdir(parents=True)
    old = time.time() - jail_module.STALE_RUN_SECONDS - 60
    os.utime(stale, (old, old))
    jail.prune()
    assert not stale.exists()
    assert fresh.is_dir()
    shutil.rmtree(fresh)


# -- the command -----------------------------------------------------------------------------


def values_of(argv: list[str], flag: str, count: int = 1) -> list[tuple[str, ...]]:
    """The `count` arguments after each occurrence of `flag` in bwrap's part of `argv`."""
    options = argv[: argv.index("--")]
    return [tuple(options[i + 1 : i + 1 + count]) for i, arg in enumerate(options) if arg == flag]


def test_command_builds_the_jail_from_nothing(tmp_path: Path, jail: Jail) -> None:
    run = tmp_path / "run"
    argv = jail.command(
        run,
        vendor=tmp_path / "shared-vendor",
        inner=["python", "-m", "ade_engine"],
        env={"HOME": JOB_ROOT},
        disk_bytes=8 * 1024 * 1024,
        status_fd=7,
        results_fd=8,
        events_fd=9,
    )
    options = argv[: argv.index("--")]
    for flag in (
        "--unshare-user",
        "--unshare-pid",
        "--as-pid-1",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
    ):
        assert flag in options
    assert values_of(argv, "--cap-drop") == [("ALL",)]
    assert "--proc" not in options  # no /proc: other processes stay out of sight
    assert "--bind" not in options  # nothing of the host is writable
    assert not any(arg == "/etc" or arg.startswith("/etc/") for arg in options)
    ro_binds = {pair[0]: pair[1] for pair in values_of(argv, "--ro-bind", 2)}
    assert ro_binds["/usr"] == "/usr"
    for path in jail.runtime:
        assert ro_binds[str(path)] == str(path)
    for name in ("input", "config"):
        assert ro_binds[str(run / name)] == f"{JOB_ROOT}/{name}"
    assert ro_binds[str(tmp_path / "shared-vendor")] == f"{JOB_ROOT}/vendor"
    # The size cap applies to the tmpfs that follows it: /job, where every write goes.
    size = options.index("--size")
    assert options[size : size + 4] == ["--size", str(8 * 1024 * 1024), "--tmpfs", JOB_ROOT]
    assert values_of(argv, "--remount-ro") == [("/dev",), ("/",)]
    assert values_of(argv, "--chdir") == [(JOB_ROOT,)]
    assert values_of(argv, "--setenv", 2) == [("HOME", JOB_ROOT)]
    assert values_of(argv, "--json-status-fd") == [("7",)]
    assert argv[-3:] == ["python", "-m", "ade_engine"]


# -- what config code in the jail can see and touch ------------------------------------------

LOOK_AROUND = """
import ctypes, errno, socket
libc = ctypes.CDLL(None, use_errno=True)

def create(path):
    # libc's open, not Python's: past the engine's guard, as hostile code would go.
    fd = libc.open(path.encode(), os.O_WRONLY | os.O_CREAT, 0o644)
    if fd < 0:
        return errno.errorcode[ctypes.get_errno()]
    libc.close(fd)
    return "ok"

def connect():
    try:
        socket.create_connection(("192.0.2.1", 80), timeout=2).close()
    except OSError as exc:
        return errno.errorcode.get(exc.errno, "timeout")
    return "ok"

def listing(path):
    try:
        return os.listdir(path)
    except OSError as exc:
        return errno.errorcode[exc.errno]

seen = {
    "root": sorted(os.listdir("/")),
    "exists": {path: os.path.exists(path) for path in HOST_PATHS},
    "created": {path: create(path) for path in WRITE_TARGETS},
    "connect": connect(),
    "hostname": socket.gethostname(),
    "views": {path: listing(path) for path in ("/runs", "/vendors") if os.path.isdir(path)},
}
with open("output/seen.json", "w") as fh:
    json.dump(seen, fh)
"""


def test_config_code_sees_nothing_of_the_host(tmp_path: Path, jail: Jail) -> None:
    data = tmp_path / "data"  # stands for the data dir: the job folder lives inside it
    job = data / "jobs" / "job"
    host_paths = [
        "/proc/self",
        "/etc/passwd",
        str(job),
        str(job / "input" / "members.csv"),
        str(data),
        str(jail.root),
        __file__,  # the checkout around the runtime folders
    ]
    write_targets = [
        "/x",
        "/usr/x",
        "/dev/x",
        str(jail.runtime[0] / "x"),
        f"{JOB_ROOT}/input/x",
        f"{JOB_ROOT}/config/x",
    ]
    code = f"HOST_PATHS = {host_paths!r}\nWRITE_TARGETS = {write_targets!r}\n" + LOOK_AROUND
    assert job_folder(data / "jobs", code) == job
    outcome = run_engine(job, limits=SandboxLimits(wall_seconds=60.0), jail=jail)
    assert outcome.status == "succeeded", outcome
    seen = json.loads((job / "output" / "seen.json").read_text())
    # Only what bwrap was told to mount: system folders, the runtime's top folders and /job.
    allowed = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "dev", "job"}
    if jail.zygote is not None:
        # Warm: where the zygote sees the staged runs and vendors, emptied for the run.
        allowed |= {"runs", "vendors"}
        # Unmounted, or covered by an empty tmpfs nobody may open (mounts the run's namespace
        # inherited are locked to it): either way nothing of another run.
        assert set(seen["views"]) == {"/runs", "/vendors"}
        assert all(found in ([], "EACCES") for found in seen["views"].values()), seen["views"]
    runtime_tops = {path.parts[1] for path in jail.runtime}
    assert set(seen["root"]) <= allowed | runtime_tops
    # The host's own folders are not there (one may appear as the way to the runtime, e.g.
    # /tmp for a checkout under /tmp, holding nothing but that path).
    assert not {"proc", "etc", "tmp", "var", "home"} - runtime_tops & set(seen["root"])
    assert seen["exists"] == dict.fromkeys(host_paths, False)
    # Read-only everywhere but /job: not even the jail's own root takes a file.
    assert seen["created"] == dict.fromkeys(write_targets, "EROFS")
    assert seen["connect"] == "ENETUNREACH"
    assert seen["hostname"] == "ade-sandbox"


def test_a_runtime_the_jail_cannot_run_fails_the_test_run(
    jail: Jail, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every static check passes (the folders exist and are reachable), but without the venv
    # and the engine's folder bound the interpreter cannot start the engine: only a real run
    # in a jail shows it, and the set-up says so instead of every job failing later.
    partial = tuple(p for p in jail.runtime if ".venv" not in p.parts and p.name != "src")
    assert partial
    assert partial != jail.runtime
    monkeypatch.setattr(jail_module, "runtime_paths", lambda python: partial)
    with pytest.raises(JailUnavailableError, match="a test run in the jail failed: "):
        Jail.create(user=TEST_SANDBOX_USER, root=jail.root / "partial")
