"""The engine's error types.

Every error the engine raises on purpose derives from :class:`EngineError`. Errors that come from
config code (a detector, transform, validator, row classifier or hook that raised, or returned
something the contract does not allow) are :class:`ConfigCodeError` and carry the config file's
path relative to the package root and the line number.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

from ade_engine.artifact_types import ErrorRecord


class EngineError(Exception):
    """Base class of every error the engine reports.

    ``type`` is a short stable name written to the artifact (``input``, ``config``,
    ``config_code``, ``output``, ``internal``); ``file`` and ``line`` locate the problem in the
    config package when it came from there.
    """

    type = "engine"

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def to_dict(self) -> ErrorRecord:
        """The error as the artifact's ``error`` object."""
        return {"type": self.type, "message": self.message, "file": self.file, "line": self.line}

    def one_line(self) -> str:
        """A single readable line for terminals and logs."""
        where = ""
        if self.file:
            where = f" ({self.file}:{self.line})" if self.line else f" ({self.file})"
        return f"{self.message}{where}".replace("\n", " ")


class InputError(EngineError):
    """The input file cannot be read: corrupt, encrypted, empty or unsupported."""

    type = "input"


class ConfigError(EngineError):
    """The config package is invalid (manifest or module problems)."""

    type = "config"

    def __init__(self, message: str, problems: list[Any] | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.problems = list(problems or [])


class ConfigCodeError(EngineError):
    """Config code raised, or returned a value the contract does not allow."""

    type = "config_code"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        exc_type: str | None = None,
    ) -> None:
        super().__init__(message, file=file, line=line)
        self.exc_type = exc_type

    def to_dict(self) -> ErrorRecord:
        data = super().to_dict()
        data["exception"] = self.exc_type
        return data


class OutputError(EngineError):
    """The output could not be written."""

    type = "output"


def locate_in_config(tb: TracebackType | None, config_root: Path) -> tuple[str | None, int | None]:
    """Return (relative file, line) of the deepest traceback frame inside ``config_root``."""
    root = config_root.resolve()
    found: tuple[str | None, int | None] = (None, None)
    for frame, lineno in traceback.walk_tb(tb):
        filename = frame.f_code.co_filename
        try:
            rel = Path(filename).resolve().relative_to(root)
        except (ValueError, OSError):
            continue
        found = (rel.as_posix(), lineno)
    return found


def from_config_exception(
    exc: BaseException,
    config_root: Path,
    what: str,
    fallback_file: str | None = None,
    fallback_line: int | None = None,
) -> ConfigCodeError:
    """Wrap an exception raised by config code, locating it in the package."""
    file, line = locate_in_config(exc.__traceback__, config_root)
    # A SyntaxError carries its own location.
    if file is None and isinstance(exc, SyntaxError) and exc.filename:
        try:
            file = Path(exc.filename).resolve().relative_to(config_root.resolve()).as_posix()
            line = exc.lineno
        except (ValueError, OSError):
            pass
    if file is None:
        file, line = fallback_file, fallback_line
    message = f"{what} raised {type(exc).__name__}: {exc}"
    return ConfigCodeError(message, file=file, line=line, exc_type=type(exc).__name__)
