"""A runtime guard for sandboxed runs: config code may read anything but may change files only
inside the job folder, and may not start processes.

:func:`install` adds a :func:`sys.addaudithook` hook. Audit hooks cannot be removed, so config
code loaded afterwards cannot switch it off; the hook raises :class:`PermissionError` where the
forbidden operation was attempted, so a violation in config code fails the run like any other
exception from config code (with the config file and line).

What is refused:

- opening a file for writing, appending, creating or truncating (the ``open`` event's mode and
  flags) outside the allowed folders; ``os.devnull`` stays writable, as it changes nothing;
- ``os.remove``/``unlink``, ``rename``/``replace``, ``rmdir``, ``mkdir``, ``shutil.rmtree``,
  ``chmod``, ``chown``, ``utime``, ``truncate``, ``symlink``, ``link``, ``mkfifo``, ``mknod``
  and extended-attribute changes on paths outside them (both ends of a rename or link, and a
  symlink's target: a link inside the job folder pointing out of it is refused when made);
- starting processes: ``subprocess``, ``os.system``, the ``exec``, ``spawn`` and
  ``posix_spawn`` families, ``fork`` and ``forkpty``;
- ``gc.get_objects``, ``get_referrers`` and ``get_referents``, which would reach the hook's own
  state.

Paths are resolved before they are compared: relative ones against the current directory (or
the ``dir_fd`` they are relative to), symlinks with :func:`os.path.realpath`. The operation on
a link itself (removing or renaming it) is judged by the folder the link is in.

This is a second line of defence behind the worker's process sandbox (its own user, resource
limits, scrubbed environment), not a security boundary of its own: Python code can still get
around an audit hook, e.g. through ``ctypes``, ``os.open(..., dir_fd=...)`` (whose audit event
does not carry the ``dir_fd``), or by patching the ``os`` functions ``os.path.realpath`` relies
on. It stops the accidents and the obvious attempts: a config writing into ``/tmp``, deleting
files, or shelling out.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

# Opening with any of these flags can change a file.
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

_PROCESS_EVENTS = frozenset(
    {
        "subprocess.Popen",
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.fork",
        "os.forkpty",
        "os.startfile",
    }
)
_INTROSPECTION_EVENTS = frozenset({"gc.get_objects", "gc.get_referrers", "gc.get_referents"})

# event -> [(index of a path argument, index of its dir_fd argument or None, follow symlinks)]
_PATH_EVENTS: dict[str, list[tuple[int, int | None, bool]]] = {
    "os.remove": [(0, 1, False)],
    "os.rmdir": [(0, 1, False)],
    "os.mkdir": [(0, 2, False)],
    "os.rename": [(0, 2, False), (1, 3, False)],
    "os.link": [(0, 2, True), (1, 3, False)],
    "os.symlink": [(1, 2, False)],  # the target (argument 0) is checked on its own below
    "os.chmod": [(0, 2, True)],
    "os.chown": [(0, 3, True)],
    "os.utime": [(0, 3, True)],
    "os.truncate": [(0, None, True)],
    "os.mkfifo": [(0, 2, False)],
    "os.mknod": [(0, 3, False)],
    "os.setxattr": [(0, None, True)],
    "os.removexattr": [(0, None, True)],
    "os.chflags": [(0, None, True)],
    "shutil.rmtree": [(0, 1, False)],
}
_WATCHED = frozenset({"open", *_PROCESS_EVENTS, *_INTROSPECTION_EVENTS, *_PATH_EVENTS})


def install(job_dir: Path, *, allow_dirs: Sequence[Path] = ()) -> None:
    """Refuse, for the rest of the process, changes to files outside ``job_dir`` and
    ``allow_dirs``, and starting processes (see the module docstring).

    Cannot be undone. Point ``TMPDIR`` (and :data:`tempfile.tempdir`) into the job folder first:
    the system temp folder is not allowed. Python stops writing bytecode caches too, since they
    would go next to the imported modules, outside the job folder.
    """
    # Everything the hook uses is bound here, so that config code replacing these functions
    # on the os module later does not change how the hook judges paths.
    realpath, getcwd, readlink, fspath, fsdecode = (
        os.path.realpath,
        os.getcwd,
        os.readlink,
        os.fspath,
        os.fsdecode,
    )
    isabs, join, split, sep = os.path.isabs, os.path.join, os.path.split, os.sep
    roots = tuple(realpath(p) for p in (job_dir, *allow_dirs))
    devnull = realpath(os.devnull)
    describe = f"outside the job folder {roots[0]}"
    # The worker's jail mounts no /proc: descriptors cannot be told apart there, and the jail,
    # not this hook, is what keeps writes inside the job folder.
    proc_fds = os.path.isdir("/proc/self/fd")

    def fd_path(fd: int) -> str | None:
        """The file an open descriptor refers to; None when it is no file (a pipe, a socket)
        or when there is no /proc to ask."""
        if not proc_fds:
            return None
        try:
            target = readlink(f"/proc/self/fd/{fd}")
        except OSError as exc:
            raise PermissionError(f"sandbox: cannot tell which file descriptor {fd} is") from exc
        if not target.startswith("/"):
            return None
        return target.removesuffix(" (deleted)")

    def resolve(path: Any, dir_fd: Any, follow: bool) -> str | None:
        if isinstance(path, int):
            return fd_path(path)
        text = fsdecode(fspath(path))
        if not isabs(text):
            # CPython reports an omitted dir_fd as -1 (and AT_FDCWD is negative too): both
            # mean "relative to the working directory".
            relative_to_cwd = not isinstance(dir_fd, int) or dir_fd < 0
            base = getcwd() if relative_to_cwd else fd_path(dir_fd)
            if base is None:
                raise PermissionError(f"sandbox: {text!r} is relative to a descriptor, not a path")
            text = join(base, text)
        if follow:
            return realpath(text)
        head, tail = split(text.rstrip(sep) or sep)
        if tail in ("", ".", ".."):
            return realpath(text)
        # The operation acts on the entry itself (e.g. removes a symlink, not its target).
        return join(realpath(head), tail)

    def inside(resolved: str) -> bool:
        return any(resolved == root or resolved.startswith(root + sep) for root in roots)

    def check(event: str, path: Any, dir_fd: Any = None, follow: bool = True) -> None:
        resolved = resolve(path, dir_fd, follow)
        if resolved is not None and not inside(resolved):
            raise PermissionError(f"sandbox: {event} on {resolved} is not allowed ({describe})")

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event not in _WATCHED:
            return
        if event == "open":
            path, mode, flags = (*args, None, None, None)[:3]
            writes = (isinstance(flags, int) and flags & _WRITE_FLAGS) or (
                isinstance(mode, str) and any(c in mode for c in "wax+")
            )
            if writes and path is not None:
                resolved = resolve(path, None, True)
                if resolved is not None and resolved != devnull and not inside(resolved):
                    raise PermissionError(
                        f"sandbox: opening {resolved} for writing is not allowed ({describe})"
                    )
            return
        if event in _PROCESS_EVENTS:
            raise PermissionError(f"sandbox: starting processes is not allowed ({event})")
        if event in _INTROSPECTION_EVENTS:
            raise PermissionError(f"sandbox: {event} is not allowed")
        for index, fd_index, follow in _PATH_EVENTS[event]:
            if index < len(args) and args[index] is not None:
                dir_fd = args[fd_index] if fd_index is not None and fd_index < len(args) else None
                check(event, args[index], dir_fd, follow)
        if event == "os.symlink" and len(args) >= 2:
            # A relative target is relative to the link's folder.
            target = fsdecode(fspath(args[0]))
            if not isabs(target):
                link = resolve(args[1], args[2] if len(args) > 2 else None, False)
                target = join(split(link or getcwd())[0], target)
            check(event, target)

    sys.dont_write_bytecode = True
    audit_hook: Callable[[str, tuple[Any, ...]], None] = hook
    sys.addaudithook(audit_hook)
