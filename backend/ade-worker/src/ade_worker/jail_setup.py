"""One-time host set-up for the jail (`ade sandbox setup`, run as root).

* Creates the sandbox user when it is missing: a system user with no home and no shell.
* Lets it reach the interpreter and ADE's packages: where a folder on the way to them is
  private (a checkout or pyenv under ``/root``, say), the user is granted search (``x``) on
  that folder through a POSIX ACL. Search without read lets it open the paths it is given, not
  list what else is there, and nobody else's access changes.
* Creates ``ADE_SANDBOX_DIR``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from ade_worker.jail_host import (
    JailUnavailableError,
    blocked_by,
    find_bwrap,
    resolve_user,
    runtime_paths,
)


def ensure_user(name: str) -> list[str]:
    """Create the sandbox user when missing; return what was done."""
    try:
        resolve_user(name)
        return []
    except JailUnavailableError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    subprocess.run(
        [
            useradd,
            "--system",
            "--no-create-home",
            "--user-group",
            "--shell",
            "/usr/sbin/nologin",
            name,
        ],
        check=True,
        capture_output=True,
    )
    return [f"created the system user {name!r}"]


def grant_search(name: str, python: str | None = None) -> list[str]:
    """Give the sandbox user search permission on each private folder above the runtime."""
    user = resolve_user(name)
    done: list[str] = []
    for path in runtime_paths(python or sys.executable):
        while (blocked := blocked_by(path, user)) is not None:
            setfacl = shutil.which("setfacl")
            if setfacl is None:
                raise JailUnavailableError(
                    f"{blocked} is private and setfacl is missing: install the `acl` package"
                )
            subprocess.run([setfacl, "-m", f"u:{name}:x", str(blocked)], check=True)
            done.append(f"granted {name!r} search (x) on {blocked}")
    return done


def setup(name: str, root: Path) -> list[str]:
    """Everything above; the jail is checked by the caller afterwards."""
    if find_bwrap() is None:
        raise JailUnavailableError("bubblewrap (bwrap) is not installed: install `bubblewrap`")
    done = ensure_user(name)
    done += grant_search(name)
    root.mkdir(mode=0o711, parents=True, exist_ok=True)
    return done
