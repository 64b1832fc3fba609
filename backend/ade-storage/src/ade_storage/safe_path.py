"""The one safe-path helper for every user-supplied path in ADE.

Uploaded file names, config package file paths and zip member names all end up as files on
disk, on every operating system a config package may be edited on. Rather than trying to
"clean" hostile input (which historically is where traversal bugs hide), these functions
*reject* anything that is not already a plain, portable relative path, with a reason a user
can act on. A path that passes is returned unchanged, so what the user sent is exactly what
gets stored.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from pathlib import Path, PurePosixPath

from ade_storage.errors import UnsafePathError

__all__ = [
    "DEFAULT_MAX_COMPONENT_LENGTH",
    "DEFAULT_MAX_PATH_LENGTH",
    "resolve_within",
    "safe_filename",
    "safe_relative_path",
]

DEFAULT_MAX_PATH_LENGTH = 1024
"""Default limit for a whole relative path, in UTF-8 bytes (well under Linux's PATH_MAX)."""

DEFAULT_MAX_COMPONENT_LENGTH = 255
"""Default limit for one path component, in UTF-8 bytes (NAME_MAX on common filesystems)."""

# Names Windows maps to devices no matter the extension ("nul.txt" is still NUL). The
# superscript-digit variants are treated as devices by Windows too.
_DIGITS = "123456789\u00b9\u00b2\u00b3"
_WINDOWS_RESERVED_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"COM{d}" for d in _DIGITS}
    | {f"LPT{d}" for d in _DIGITS}
)

_DRIVE_RE = re.compile(r"[A-Za-z]:", re.ASCII)

_INVISIBLE_CATEGORIES = frozenset({"Cf", "Zl", "Zp"})
# Default-ignorable characters outside those categories: the Hangul fillers are letters (so
# even valid in Python identifiers) that display as nothing, and so is the grapheme joiner.
_INVISIBLE_CHARACTERS = frozenset("\u034f\u115f\u1160\u3164\uffa0")


def _reject(path: str, reason: str) -> UnsafePathError:
    return UnsafePathError(path, reason)


def _utf8_length(text: str) -> int:
    # Only called after the whole path was proven encodable.
    return len(text.encode("utf-8"))


def _check_character(path: str, char: str) -> None:
    """Refuse characters that are invisible, or that change how the text around them shows."""
    category = unicodedata.category(char)
    # Category Cc covers C0 (incl. NUL), DEL and the C1 controls.
    if category == "Cc":
        raise _reject(path, f"path contains control character U+{ord(char):04X}")
    # Cf holds the bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E/U+200F,
    # U+061C), which make "columns/\u202eyp.txt" show as "columns/txt.py", and the zero-width
    # and soft characters (U+200B, U+FEFF, U+00AD...) that make two names look alike. Zl/Zp
    # break a line wherever a name is shown; the rest render as blanks.
    if category in _INVISIBLE_CATEGORIES or char in _INVISIBLE_CHARACTERS:
        name = unicodedata.name(char, "unnamed")
        raise _reject(
            path, f"path contains invisible or formatting character U+{ord(char):04X} ({name})"
        )


def _check_component(path: str, component: str, max_component_length: int) -> None:
    """Apply the per-component rules; ``path`` is only used for the error message."""
    if component == "":
        raise _reject(path, "empty path component (doubled or trailing '/')")
    if component == ".":
        raise _reject(path, "'.' path components are not allowed")
    if component == "..":
        raise _reject(path, "'..' path components are not allowed")
    if _utf8_length(component) > max_component_length:
        raise _reject(path, f"path component longer than {max_component_length} bytes (UTF-8)")
    if component[-1] in ". ":
        # Windows silently strips these, so "a." and "a" would collide there.
        raise _reject(path, f"path component {component!r} ends with a dot or a space")
    stem = component.split(".", 1)[0].rstrip(" ").upper()
    if stem in _WINDOWS_RESERVED_NAMES:
        raise _reject(path, f"{component!r} is a reserved device name on Windows")


def safe_relative_path(
    path: str,
    *,
    max_length: int = DEFAULT_MAX_PATH_LENGTH,
    max_component_length: int = DEFAULT_MAX_COMPONENT_LENGTH,
) -> PurePosixPath:
    """Validate a user-supplied relative POSIX path and return it as a ``PurePosixPath``.

    The path is refused (:class:`UnsafePathError`) unless it is a non-empty, valid UTF-8,
    relative path of ``/``-separated components with no control characters, no invisible or
    formatting characters (bidirectional controls, zero-width characters), no backslashes,
    no drive letter or ``:`` in the first component, no ``.``/``..``/empty components, no
    Windows device names, no component ending in a dot or space, and within the length
    limits (counted in UTF-8 bytes, as filesystems count them).

    Because anything ``PurePosixPath`` would rewrite is rejected, ``str(result) == path``
    for every accepted input: callers never store a different name than the user sent.
    No Unicode normalization is applied (Linux filesystems are byte-preserving, and config
    code must find files under the exact names it was packaged with).
    """
    if not isinstance(path, str):
        raise TypeError(f"path must be str, not {type(path).__name__}")
    if path == "":
        raise _reject(path, "path is empty")
    try:
        total_length = len(path.encode("utf-8"))
    except UnicodeEncodeError:
        raise _reject(path, "path is not valid Unicode (lone surrogate)") from None
    if total_length > max_length:
        raise _reject(path, f"path longer than {max_length} bytes (UTF-8)")
    for char in path:
        _check_character(path, char)
    if "\\" in path:
        raise _reject(path, "backslashes are not allowed (use '/' as the separator)")
    if path.startswith("/"):
        raise _reject(path, "absolute paths are not allowed")
    if _DRIVE_RE.match(path):
        raise _reject(path, "Windows drive letters are not allowed")

    components = path.split("/")
    if ":" in components[0]:
        raise _reject(path, "':' is not allowed in the first path component")
    for component in components:
        _check_component(path, component, max_component_length)
    return PurePosixPath(path)


def safe_filename(name: str, *, max_length: int = DEFAULT_MAX_COMPONENT_LENGTH) -> str:
    """Validate a single file name (one path component) and return it unchanged.

    Same rules as :func:`safe_relative_path`, plus: no ``/`` at all, so the name cannot
    smuggle in a directory.
    """
    if isinstance(name, str) and "/" in name:
        raise _reject(name, "a file name must not contain '/'")
    safe_relative_path(name, max_length=max_length, max_component_length=max_length)
    return name


def resolve_within(root: Path, path: str) -> Path:
    """Validate ``path`` and return the absolute location it names under ``root``.

    ``root`` is trusted (it comes from settings) and may itself live behind symlinks; it is
    resolved first. Below it, every component that already exists is checked with
    ``lstat`` and the path is refused if any of them is a symbolic link: ``resolve()``
    alone would happily follow a link planted inside the store to somewhere else. Finally
    the fully resolved result must still lie inside the resolved root. The target itself
    need not exist.

    This closes static escapes; it cannot stop a process that swaps a directory for a link
    *between* this check and the later ``open``. Writers therefore also open with
    ``O_NOFOLLOW`` where they can, and nothing in ADE ever creates links from user input.
    """
    relative = safe_relative_path(path)
    resolved_root = Path(root).resolve()
    current = resolved_root
    for part in relative.parts:
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except (FileNotFoundError, NotADirectoryError):
            break  # nothing below a missing component can exist
        if stat.S_ISLNK(mode):
            raise _reject(path, f"{current.relative_to(resolved_root)} is a symbolic link")
    candidate = resolved_root.joinpath(*relative.parts)
    if not candidate.resolve().is_relative_to(resolved_root):
        raise _reject(path, "path escapes the storage root")
    return candidate
