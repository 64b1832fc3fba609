"""What the host must give the jail: bubblewrap, the sandbox user, and a runtime that user can
reach. Checked by :meth:`ade_worker.jail.Jail.create` and set up by :mod:`ade_worker.jail_setup`.
"""

from __future__ import annotations

import functools
import grp
import json
import os
import pwd
import shutil
import stat
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class JailUnavailableError(Exception):
    """The jail cannot be set up here; the message names the missing piece and the fix."""


@dataclass(frozen=True)
class SandboxUser:
    name: str
    uid: int
    gid: int


def find_bwrap() -> str | None:
    return shutil.which("bwrap") or (
        "/usr/bin/bwrap" if os.access("/usr/bin/bwrap", os.X_OK) else None
    )


def resolve_user(name: str) -> SandboxUser:
    """The sandbox user, which must exist and be neither root nor the user we run as."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise JailUnavailableError(
            f"the sandbox user {name!r} does not exist: create it with `ade sandbox setup` "
            f"(or `useradd --system --no-create-home --shell /usr/sbin/nologin {name}`), "
            "or name another unprivileged user in ADE_SANDBOX_USER"
        ) from None
    if entry.pw_uid == 0:
        raise JailUnavailableError(f"the sandbox user {name!r} is root; it must be unprivileged")
    if entry.pw_uid == os.getuid():
        raise JailUnavailableError(
            f"the sandbox user {name!r} is the user ADE runs as; it must be another user"
        )
    return SandboxUser(name, entry.pw_uid, entry.pw_gid)


@functools.cache
def runtime_paths(python: str) -> tuple[Path, ...]:
    """The folders the engine's interpreter needs: its prefixes (the interpreter, its standard
    library, the venv with every installed package) and any other folder on its sys.path that
    the engine is imported from (an editable install's ``src``). ADE's other packages (the API,
    the worker...) are not: config code has no use for them.

    Asked of the interpreter itself, in isolated mode as the engine runs, so nothing from
    PYTHONPATH is taken.
    """
    probe = (
        "import json, sys; import ade_engine.pipeline; "
        "print(json.dumps({'prefixes': [sys.prefix, sys.base_prefix], 'path': sys.path, "
        "'files': [getattr(m, '__file__', None) or '' for m in list(sys.modules.values())]}))"
    )
    done = subprocess.run(
        [python, "-I", "-c", probe], capture_output=True, check=False, env={}, timeout=60
    )
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = lines[-1] if lines else f"exit code {done.returncode}"
        raise JailUnavailableError(f"the interpreter {python} cannot import the engine: {reason}")
    report = json.loads(done.stdout)
    prefixes = [Path(os.path.abspath(p)) for p in report["prefixes"]]
    files = [Path(os.path.abspath(f)) for f in report["files"] if f]
    entries = [Path(os.path.abspath(p)) for p in report["path"] if p]
    used = [e for e in entries if any(f.is_relative_to(e) for f in files)]
    reported = [*prefixes, *used]
    # As the interpreter names them (what it looks for in the jail) and as they really are.
    found = {*reported, *(p.resolve() for p in reported)}
    found.add(Path(os.path.abspath(python)).parent.parent)  # the venv: its bin/python runs
    found.add(Path(os.path.realpath(python)).parent.parent)
    # Every folder the interpreter's symlink chain passes through must exist in the jail too
    # (a venv's python may link to a python3 on PATH that links on to the real one).
    found.update(_link_hops(Path(os.path.abspath(python))))
    dirs = sorted(p for p in found if p.is_dir())
    # A folder inside another one is bound with it.
    kept: list[Path] = []
    for path in dirs:
        if not any(path.is_relative_to(parent) for parent in kept):
            kept.append(path)
    return tuple(kept)


def _link_hops(path: Path) -> list[Path]:
    """The folders of each link target on the way from `path` to the real file."""
    hops: list[Path] = []
    for _ in range(40):  # the kernel's own limit on links followed
        if not path.is_symlink():
            break
        target = Path(os.readlink(path))
        path = Path(os.path.abspath(path.parent / target))
        hops.append(path.parent)
    return hops


def blocked_by(path: Path, user: SandboxUser) -> Path | None:
    """The first folder on the way to `path` the sandbox user cannot search, else None."""
    groups = {user.gid, *(g.gr_gid for g in grp.getgrall() if user.name in g.gr_mem)}
    current = Path("/")
    for part in (Path("/"), *path.parents[::-1][1:], path):
        current = part
        try:
            st = current.stat()
        except OSError:
            return current
        if not stat.S_ISDIR(st.st_mode):
            continue
        if st.st_uid == user.uid:
            allowed = st.st_mode & stat.S_IXUSR
        elif st.st_gid in groups:
            allowed = st.st_mode & stat.S_IXGRP
        else:
            allowed = st.st_mode & stat.S_IXOTH
        if not allowed and not acl_allows_search(current, user.uid):
            return current
    return None


def acl_allows_search(path: Path, uid: int) -> bool:
    """Whether a POSIX ACL entry on `path` grants `uid` search permission (``getfacl``)."""
    getfacl = shutil.which("getfacl")
    if getfacl is None:
        return False
    result = subprocess.run(
        [getfacl, "--numeric", "--omit-header", "--absolute-names", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    mask = "rwx"
    granted = None
    for line in result.stdout.splitlines():
        kind, _, rest = line.partition(":")
        qualifier, _, perms = rest.partition(":")
        perms = perms.split()[0] if perms.split() else ""
        if kind == "user" and qualifier == str(uid):
            granted = perms
        elif kind == "mask":
            mask = perms
    return granted is not None and "x" in granted and "x" in mask


#: Top-level host folders that may be symlinks (merged /usr) or real folders.
SYSTEM_DIRS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")


def system_dirs() -> list[str]:
    """/bin, /lib, ... as the host has them: symlinks into /usr stay symlinks."""
    args: list[str] = []
    for name in SYSTEM_DIRS:
        host = Path("/") / name
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), str(host)]
        elif host.is_dir():
            args += ["--ro-bind", str(host), str(host)]
    return args


def share_with_group(root: Path, gid: int) -> None:
    """Make a staged tree readable by `gid` only; links inside it are dropped (a config file
    is never a link, and a link could point the sandbox user at anything we can read)."""
    for path in walk(root):
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            path.unlink()
            continue
        os.chown(path, -1, gid, follow_symlinks=False)
        os.chmod(path, 0o750 if stat.S_ISDIR(st.st_mode) else 0o640)


def copy_for_group(source: Path, target: Path, gid: int) -> None:
    """Copy the tree `source` to `target` (which must not exist), readable by `gid` only:
    folders 0750, files 0640, our own, as :func:`share_with_group` leaves a tree, in one pass
    (each file created with its group and mode, its bytes by sendfile). Links and special
    files are not copied (a config file is never one)."""
    os.mkdir(target, 0o750)
    os.chown(target, -1, gid)
    os.chmod(target, 0o750)  # noqa: S103 (the sandbox group only; whatever the umask)
    with os.scandir(source) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                copy_for_group(Path(entry.path), target / entry.name, gid)
            elif entry.is_file(follow_symlinks=False):
                _copy_file_for_group(entry.path, os.path.join(target, entry.name), gid)


def _copy_file_for_group(source: str, target: str, gid: int) -> None:
    src = os.open(source, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        dst = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            os.fchown(dst, -1, gid)
            os.fchmod(dst, 0o640)
            size = os.fstat(src).st_size
            offset = 0
            while offset < size:
                sent = os.sendfile(dst, src, offset, size - offset)
                if sent == 0:
                    break
                offset += sent
        finally:
            os.close(dst)
    finally:
        os.close(src)


def walk(root: Path) -> Iterable[Path]:
    yield root
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        for name in (*dirnames, *filenames):
            yield base / name
