"""The strict rules for a config package's `requirements.txt`.

The file is written by workspace editors, so it is hostile input to the installer. pip/uv
syntax lets one line change where packages come from (`--index-url`, `--find-links`), allow
source builds that run code here (`--no-binary`, `-e .`, a local folder), read other files
(`-r`, `-c`), or fetch any URL (`name @ https://...`, `git+...`). So only plain requirement
specifiers are accepted, one per line:

    name[extras] op version[, op version] ; marker     # a comment

Whole-line and trailing comments (after whitespace) and blank lines are allowed; everything
else is refused with its line number. Each accepted line is re-serialized from what
`packaging` parsed (canonical name, no URL), and only those lines ever reach uv.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ade_worker.errors import MaterializeError

REQUIREMENTS_FILE = "requirements.txt"
#: Far more than any real requirements file; bounds the work a hostile one causes.
MAX_REQUIREMENTS_BYTES = 64 * 1024
MAX_REQUIREMENTS = 200
#: A file with more problems than this reports the first ones and a count of the rest.
MAX_REPORTED_PROBLEMS = 20
#: How much of a refused line a message quotes.
_QUOTE_CHARS = 60

# pip's comment rule: `#` at the start of the line or after whitespace.
_COMMENT = re.compile(r"(^|\s)#.*$")
# `name @ ...`, `name[extra] @ ...`.
_DIRECT_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@")
# `https:`, `git+ssh:`, `file:` at the start, or `://` anywhere.
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|://")
# An option after the specifier (`foo==1 --hash=...`).
_INLINE_OPTION = re.compile(r"\s-")
# Names uv or pip may take for a file to install rather than a project on the index.
_ARCHIVE_SUFFIXES = (".whl", ".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz")


@dataclass(frozen=True)
class RequirementProblem:
    """Why one line (1-based) of requirements.txt is refused; `line` None: the whole file."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return self.message if self.line is None else f"line {self.line}: {self.message}"


class RequirementsError(MaterializeError):
    """requirements.txt is refused (`problems` says where and why) or cannot be installed
    (no problems; the message says why)."""

    error_type = "RequirementsError"

    def __init__(self, message: str, problems: Sequence[RequirementProblem] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


def requirements_lines(content: bytes) -> list[str]:
    """The requirements of a requirements.txt, each re-serialized in canonical form.

    Raises RequirementsError listing every refused line (or why the whole file is refused).
    An empty list means there is nothing to install (blank lines and comments only).
    """
    if len(content) > MAX_REQUIREMENTS_BYTES:
        _refuse(
            [
                RequirementProblem(
                    None,
                    f"the file is {len(content)} bytes; the limit is {MAX_REQUIREMENTS_BYTES}",
                )
            ]
        )
    try:
        text = content.decode("utf-8-sig")  # editors on Windows may add a BOM
    except UnicodeDecodeError as exc:
        _refuse([RequirementProblem(content[: exc.start].count(b"\n") + 1, "not UTF-8 text")])
    lines: list[str] = []
    problems: list[RequirementProblem] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        try:
            line = _requirement_line(raw.removesuffix("\r"))
        except ValueError as exc:
            problems.append(RequirementProblem(number, str(exc)))
            continue
        if line is None:
            continue
        if len(lines) == MAX_REQUIREMENTS:
            problems.append(
                RequirementProblem(number, f"more than {MAX_REQUIREMENTS} requirements")
            )
            break
        lines.append(line)
    if problems:
        _refuse(problems)
    return lines


def _refuse(problems: list[RequirementProblem]) -> NoReturn:
    shown = problems[:MAX_REPORTED_PROBLEMS]
    if len(problems) > len(shown):
        shown.append(RequirementProblem(None, f"and {len(problems) - len(shown)} more problems"))
    summary = "\n".join(str(problem) for problem in shown)
    raise RequirementsError(f"{REQUIREMENTS_FILE} is refused:\n{summary}", shown)


def _quote(text: str) -> str:
    return repr(text if len(text) <= _QUOTE_CHARS else text[:_QUOTE_CHARS] + "...")


def _requirement_line(raw: str) -> str | None:
    """One line as uv will get it, or None for a blank or comment line; ValueError (with
    the reason) for anything else than a requirement specifier."""
    stripped = raw.strip()
    if not stripped or stripped.startswith("#"):
        return None
    # pip and uv join a line ending in a backslash with the next one, so what the reader sees
    # is not what would be installed. Checked before comments go: `x  # \` continues too.
    if stripped.endswith("\\"):
        raise ValueError("line continuations (a trailing \\) are not allowed")
    text = _COMMENT.sub("", stripped).strip()
    if not text:
        return None
    if text.startswith("-"):
        option = text.split(maxsplit=1)[0].split("=", 1)[0]
        raise ValueError(f"{_quote(option)} is an option; only requirement specifiers are allowed")
    if "${" in text:
        raise ValueError("environment variables (${...}) are not allowed")
    if _DIRECT_REFERENCE.match(text):
        raise ValueError("direct references (name @ URL or path) are not allowed")
    if _URL.search(text):
        raise ValueError(f"URLs are not allowed: {_quote(text)}")
    spec = text.split(";", 1)[0]  # markers may quote any text; paths are refused in the rest
    if spec.startswith((".", "~")) or "/" in spec or "\\" in spec:
        raise ValueError(f"local paths are not allowed: {_quote(text)}")
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        if _INLINE_OPTION.search(spec):
            raise ValueError("options are not allowed after a requirement") from None
        reason = str(exc).splitlines()[0]
        raise ValueError(f"not a requirement specifier ({reason}): {_quote(text)}") from None
    return _serialized(requirement, text)


def _serialized(requirement: Requirement, text: str) -> str:
    if requirement.url is not None:  # caught above; kept so no rule change can let one through
        raise ValueError("direct references (name @ URL or path) are not allowed")
    if requirement.name.lower().endswith(_ARCHIVE_SUFFIXES):
        raise ValueError(f"{_quote(requirement.name)} is a file name, not a project name")
    if any(spec.operator == "===" for spec in requirement.specifier):
        raise ValueError("arbitrary equality (===) is not allowed; use ==")
    # The canonical name holds only [a-z0-9-]: uv cannot take it for a path or a URL.
    extras = sorted(canonicalize_name(extra) for extra in requirement.extras)
    line: str = canonicalize_name(requirement.name)
    if extras:
        line += f"[{','.join(extras)}]"
    line += str(requirement.specifier)
    if requirement.marker is not None:
        line += f"; {requirement.marker}"
    # A marker string holding a quote can come out unparseable; never hand uv such a line.
    try:
        Requirement(line)
    except InvalidRequirement:
        raise ValueError(f"the marker cannot be written back safely: {_quote(text)}") from None
    return line
