"""The OS-level jail that config-package code runs in: bubblewrap, as a user of its own.

Every run of config code (jobs, plans, dry-runs, import checks) goes through
:func:`ade_worker.sandbox.run_engine`, which asks a :class:`Jail` for the command and the
process set-up. The jailed process

* runs as the **sandbox user** (``ADE_SANDBOX_USER``, default ``ade-sandbox``), a host uid that
  is neither ours nor root: the worker (root) switches to it before it starts bubblewrap, so
  even code that escaped the namespaces owns nothing the service owns;
* lives in new user, PID, network (its own loopback only), IPC, UTS and cgroup namespaces, with
  no capabilities, no further user namespaces, its own session, and dies with its launcher;
* sees a filesystem built from nothing: ``/usr`` and the interpreter's runtime read-only, a
  minimal ``/dev``, no ``/proc``, no ``/etc``, no data dir, and ``/job``: a size-capped tmpfs
  (the kernel enforces the total bytes a run may write) holding ``output/`` and ``tmp/``, with
  ``input/``, ``config/`` and ``vendor/`` bound read-only from a staging folder.

A warm run (:mod:`ade_worker.zygote`) has every property above, with its namespaces (but the
user namespace, its zygote's) made per run below the zygote's jail.

The staging folder (``ADE_SANDBOX_DIR``, ``runs/<id>/``) exists because the sandbox user must
be able to reach what is bound: the data dir stays private to the service (mode 0700), and
each run gets a copy of its input and config in a folder only the sandbox user's group can
read, removed when the run ends. The interpreter and ADE's packages must be readable by the
sandbox user where they are installed: ``ade sandbox setup`` grants the user search (x)
permission on any private folder above them, e.g. a checkout under ``/root``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ade_db.types import new_id
from ade_worker.jail_host import (
    JailUnavailableError,
    SandboxUser,
    blocked_by,
    copy_for_group,
    find_bwrap,
    resolve_user,
    runtime_paths,
    share_with_group,
    system_dirs,
    walk,
)

if TYPE_CHECKING:
    from ade_worker.zygote import Zygote

__all__ = [
    "JOB_ROOT",
    "Jail",
    "JailProvider",
    "JailUnavailableError",
    "SandboxUser",
    "find_bwrap",
    "resolve_user",
    "runtime_paths",
]

#: The folders a job's config code may read, staged per run (the rest of /job is tmpfs).
#: vendor/ is not copied per run: `share_vendor` makes one readable copy per host and digest.
STAGED = ("input", "config")
#: What the jail's /job looks like from inside.
JOB_ROOT = "/job"
#: Staged runs older than this are removed by the next run (leftovers of a killed worker).
STALE_RUN_SECONDS = 3600.0


@dataclass(frozen=True)
class Jail:
    """A working jail: checked once, then used for every run of config code."""

    bwrap: str
    user: SandboxUser
    root: Path  # ADE_SANDBOX_DIR
    runtime: tuple[Path, ...]
    #: The warm start (:mod:`ade_worker.zygote`) runs go through when it is up; None: cold only.
    zygote: Zygote | None = field(default=None, compare=False, repr=False)

    # ------------------------------------------------------------------ set-up

    @classmethod
    def create(cls, *, user: str, root: Path, python: str | None = None) -> Jail:
        """Check every piece the jail needs; raise JailUnavailableError naming what is missing."""
        if not sys.platform.startswith("linux"):
            raise JailUnavailableError(
                "the sandbox jail needs Linux namespaces; on this system set ADE_SANDBOX=none "
                "(only for a single trusted user)"
            )
        bwrap = find_bwrap()
        if bwrap is None:
            raise JailUnavailableError(
                "bubblewrap (bwrap) is not installed: install the `bubblewrap` package"
            )
        sandbox_user = resolve_user(user)
        if os.geteuid() != 0:
            raise JailUnavailableError(
                f"ADE runs as uid {os.geteuid()} and cannot switch to the sandbox user "
                f"{sandbox_user.name!r}: run the API and worker as root (in a container: root "
                "with only the SETUID, SETGID and KILL capabilities)"
            )
        runtime = runtime_paths(python or sys.executable)
        for path in runtime:
            if path == Path("/") or path == root or root.is_relative_to(path):
                raise JailUnavailableError(f"the runtime folder {path} would expose {root}")
            blocked = blocked_by(path, sandbox_user)
            if blocked is not None:
                raise JailUnavailableError(
                    f"the sandbox user {sandbox_user.name!r} cannot reach {path} (no search "
                    f"permission on {blocked}): run `ade sandbox setup`, or "
                    f"`setfacl -m u:{sandbox_user.name}:x {blocked}`"
                )
        jail = cls(bwrap=bwrap, user=sandbox_user, root=root, runtime=runtime)
        jail._prepare_root()
        jail._probe(python or sys.executable)
        return jail

    def _probe(self, python: str) -> None:
        """Start one real jail that imports the engine: what the checks above cannot see
        (user namespaces blocked by a container's seccomp profile, unreadable files) shows
        here, once per process, instead of in every job."""
        with tempfile.TemporaryDirectory(prefix="ade-probe-") as tmp:
            run = self.stage(Path(tmp))
            read_end, write_end = os.pipe()
            # Results on a descriptor of their own: bwrap keeps its status descriptor from
            # the jail, and the shell's error about it would hide the engine's own.
            results = os.open(os.devnull, os.O_WRONLY)
            try:
                argv = self.command(
                    run,
                    vendor=None,
                    inner=[python, "-I", "-B", "-c", "import ade_engine.pipeline"],
                    env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                    disk_bytes=1024 * 1024,
                    status_fd=write_end,
                    results_fd=results,
                    events_fd=None,
                )
                result = subprocess.run(
                    argv,
                    env={},
                    cwd="/",
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    pass_fds=[write_end, results],
                    preexec_fn=self.switch_user(),
                    timeout=60,
                    check=False,
                )
            finally:
                os.close(read_end)
                os.close(write_end)
                os.close(results)
                shutil.rmtree(run, ignore_errors=True)
        if result.returncode != 0:
            lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
            reason = lines[-1] if lines else f"exit code {result.returncode}"
            raise JailUnavailableError(f"a test run in the jail failed: {reason}")

    def _prepare_root(self) -> None:
        """ADE_SANDBOX_DIR and its runs/: ours, not links, searchable but not listable."""
        for folder in (self.root, self.root / "runs"):
            with contextlib.suppress(FileExistsError):
                folder.mkdir(mode=0o711, parents=True)
            st = folder.lstat()
            if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
                raise JailUnavailableError(f"{folder} is not a folder (ADE_SANDBOX_DIR)")
            if st.st_uid != os.geteuid():
                raise JailUnavailableError(
                    f"{folder} belongs to uid {st.st_uid}, not to ADE (ADE_SANDBOX_DIR)"
                )
            # Searchable, not listable: the sandbox user reaches only its own run's folder.
            os.chmod(folder, 0o711)  # noqa: S103
            blocked = blocked_by(folder, self.user)
            if blocked is not None:
                raise JailUnavailableError(
                    f"the sandbox user {self.user.name!r} cannot reach {folder} (no search "
                    f"permission on {blocked}): choose another ADE_SANDBOX_DIR"
                )

    # ------------------------------------------------------------------ staging

    def stage(self, job_dir: Path, *, config: Path | None = None) -> Path:
        """A fresh run folder holding copies of the job's input/ and config/ (or of `config`,
        a worker's cached copy of the config's files), readable by the sandbox user's group
        only (files 0640, folders 0750, owned by us)."""
        self.prune()
        run = self.root / "runs" / new_id().lower()
        run.mkdir(mode=0o750)
        os.chown(run, -1, self.user.gid)
        sources = {name: job_dir / name for name in STAGED}
        if config is not None:
            sources["config"] = config
        for name, source in sources.items():
            target = run / name
            if source.is_dir():
                copy_for_group(source, target, self.user.gid)
            else:
                target.mkdir()
                share_with_group(target, self.user.gid)
        return run

    def share_vendor(self, vendor: Path) -> Path:
        """A copy of an installed requirements folder (content-addressed, so immutable) that the
        sandbox user can read: the install cache itself sits in the private data dir. Made once
        per host and digest, then bound into every jail that needs it."""
        source = vendor.resolve()
        shared = self.root / "vendor"
        with contextlib.suppress(FileExistsError):
            shared.mkdir(mode=0o711)
        target = shared / source.name
        if target.is_dir():
            return target
        building = Path(tempfile.mkdtemp(prefix=".tmp-", dir=shared))
        try:
            copy = building / "site"
            shutil.copytree(source, copy, symlinks=True, copy_function=shutil.copyfile)
            for path in walk(copy):
                if not path.is_symlink():
                    # Public packages: readable by all, writable by nobody but us.
                    path.chmod(0o755 if path.is_dir() else 0o644)
            building.chmod(0o755)
            try:
                os.rename(copy, target)
            except OSError:
                if not target.is_dir():  # not another process winning the same race
                    raise
        finally:
            shutil.rmtree(building, ignore_errors=True)
        return target

    def prune(self, max_age: float = STALE_RUN_SECONDS) -> None:
        """Remove staged runs a killed worker left behind."""
        runs = self.root / "runs"
        now = time.time()
        with contextlib.suppress(FileNotFoundError):
            for entry in runs.iterdir():
                with contextlib.suppress(FileNotFoundError):
                    if now - entry.lstat().st_mtime > max_age:
                        shutil.rmtree(entry, ignore_errors=True)

    # ------------------------------------------------------------------ the command

    def base_args(self, capabilities: Sequence[str]) -> list[str]:
        """What every jail shares: its namespaces, a new session, an empty environment and the
        read-only system and runtime folders (``capabilities``: what bwrap leaves it)."""
        args = [
            self.bwrap,
            "--unshare-user",
            "--unshare-pid",
            # The command is the namespace's init, waited for by bwrap itself: with bwrap's
            # own init in between, bwrap exits before reaping it and the engine's CPU time
            # never reaches our wait4 (a kill at the hard CPU limit would look like an
            # outside SIGKILL, and be retried).
            "--as-pid-1",
            "--unshare-net",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--disable-userns",
            "--die-with-parent",
            "--new-session",
            *capabilities,
            "--clearenv",
            "--hostname",
            "ade-sandbox",
            "--ro-bind",
            "/usr",
            "/usr",
        ]
        args += system_dirs()
        args += ["--dev", "/dev"]
        for path in self.runtime:
            args += ["--ro-bind", str(path), str(path)]
        return args

    def command(
        self,
        run_dir: Path,
        *,
        vendor: Path | None,
        inner: Sequence[str],
        env: dict[str, str],
        disk_bytes: int,
        status_fd: int,
        results_fd: int,
        events_fd: int | None,
    ) -> list[str]:
        """bwrap's argv: the namespaces, the filesystem, then a shell that runs `inner` and,
        once it has ended, streams /job/output as a tar archive to `results_fd`."""
        args = self.base_args(["--cap-drop", "ALL", "--json-status-fd", str(status_fd)])
        args += ["--size", str(disk_bytes), "--tmpfs", JOB_ROOT]
        for name in ("output", "tmp", "logs"):
            args += ["--dir", f"{JOB_ROOT}/{name}"]
        for name in STAGED:
            args += ["--ro-bind", str(run_dir / name), f"{JOB_ROOT}/{name}"]
        if vendor is not None:
            args += ["--ro-bind", str(vendor), f"{JOB_ROOT}/vendor"]
        # Last, once everything is mounted: the root and /dev are tmpfs mounts bwrap made
        # (writable by the sandbox user, in memory, outside the --size cap of /job): make
        # them read-only, so /job holds every byte a run writes.
        args += ["--remount-ro", "/dev", "--remount-ro", "/"]
        args += ["--chdir", JOB_ROOT]
        for key, value in env.items():
            args += ["--setenv", key, value]
        close_events = f"exec {events_fd}>&-; " if events_fd is not None else ""
        # bash would hand PWD, SHLVL and _ to the engine: env drops them, so the engine's
        # environment is exactly `env`.
        script = (
            f'/usr/bin/env -u PWD -u SHLVL -u _ "$@" {results_fd}>&-; rc=$?; {close_events}'
            f"tar -C {JOB_ROOT}/output -cf - . >&{results_fd} 2>/dev/null; exit $rc"
        )
        args += ["--", "/bin/bash", "-c", script, "ade-jail", *inner]
        return args

    def switch_user(self) -> Callable[[], None]:
        """What the forked child does last before exec: become the sandbox user for good."""
        uid, gid = self.user.uid, self.user.gid

        def switch() -> None:
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)

        return switch


#: Jails that passed their checks in this process, by (user, root); and their warm variants.
_WORKING: dict[tuple[str, Path], Jail] = {}
_WARM: dict[tuple[str, Path], Jail] = {}


class JailProvider:
    """The process's jail, set up on first use: a working jail is kept; a failed set-up is
    tried again on the next use (an operator may have fixed it), and each use until then
    raises JailUnavailableError. ``enabled=False`` (``ADE_SANDBOX=none``) gives None.

    ``warm=True`` (``ADE_SANDBOX_WARM``, the worker's default) gives the jail its zygote, started
    with it and restarted by the next ``get`` after it died (the worker calls ``get`` before
    each job, in its own process); runs go cold while it is down."""

    def __init__(self, *, enabled: bool, user: str, root: Path, warm: bool = False) -> None:
        self.enabled = enabled
        self.user = user
        self.root = root
        self.warm = warm
        self._jail: Jail | None = None
        self._lock = threading.Lock()

    def get(self) -> Jail | None:
        if not self.enabled:
            return None
        with self._lock:
            if self._jail is None:
                key = (self.user, self.root)
                # One check per host set-up and process: several apps (tests) share it.
                cold = _WORKING.get(key) or Jail.create(user=self.user, root=self.root)
                _WORKING[key] = cold
                self._jail = cold
                if self.warm:
                    from ade_worker.zygote import Zygote

                    self._jail = _WARM.get(key) or replace(cold, zygote=Zygote(cold))
                    _WARM[key] = self._jail
            if self._jail.zygote is not None:
                self._jail.zygote.ensure()
            return self._jail

    def problem(self) -> str | None:
        """Why the jail cannot be used, or None when it can (or is switched off)."""
        try:
            self.get()
        except JailUnavailableError as exc:
            return str(exc)
        return None
