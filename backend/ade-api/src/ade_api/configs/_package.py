"""The rules a config package obeys in the registry: which paths, how big, a valid manifest,
a requirements.txt of plain requirement specifiers.

Every file path a user sends goes through the storage safe-path helper first; then only text
files (`.py`, `.json`, `.txt`, `.md`) at the top level or under the contract's folders are
allowed. Manifests are checked with the engine's own validator (a pure function over JSON and
the set of paths that exist), so the API and the engine never disagree about what is valid.
requirements.txt is checked with the worker's own parser, for the same reason: what the API
stores, the worker installs.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ade_api.errors import FieldProblem, InvalidInputError, PayloadTooLargeError
from ade_api.settings import ApiSettings
from ade_engine.manifest import ConfigProblem, hash_file_digests, load_manifest, parse_manifest
from ade_storage import UnsafePathError, safe_relative_path
from ade_worker.requirements import REQUIREMENTS_FILE, RequirementsError, requirements_lines

MANIFEST_PATH = "manifest.json"
ALLOWED_SUFFIXES = (".py", ".json", ".txt", ".md")
PACKAGE_FOLDERS = ("columns", "row_types", "hooks")
_INDEX = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class PackageLimits:
    """How much one config version may hold."""

    max_file_bytes: int
    max_package_bytes: int
    max_files: int

    @classmethod
    def from_settings(cls, settings: ApiSettings) -> PackageLimits:
        return cls(
            max_file_bytes=settings.config_max_file_bytes,
            max_package_bytes=settings.config_max_package_bytes,
            max_files=settings.config_max_files,
        )


def _bad_path(path: str, msg: str, loc: tuple[str | int, ...]) -> InvalidInputError:
    return InvalidInputError(f"invalid file path {path!r}: {msg}", errors=[FieldProblem(loc, msg)])


def check_path(path: str, *, loc: tuple[str | int, ...] = ("body", "path")) -> str:
    """`path` if a config package may hold a file there; else 400 saying why."""
    try:
        safe_relative_path(path)
    except UnsafePathError as exc:
        raise _bad_path(path, str(exc), loc) from None
    parts = path.split("/")
    if any(part.startswith(".") or part == "__pycache__" for part in parts):
        raise _bad_path(path, "hidden files and __pycache__ are not allowed", loc)
    if PurePosixPath(path).suffix not in ALLOWED_SUFFIXES:
        raise _bad_path(path, f"only {', '.join(ALLOWED_SUFFIXES)} files are allowed", loc)
    if len(parts) > 1 and parts[0] not in PACKAGE_FOLDERS:
        folders = ", ".join(f"{name}/" for name in PACKAGE_FOLDERS)
        raise _bad_path(path, f"files go at the top level or under {folders}", loc)
    return path


def check_content(path: str, content: bytes, limits: PackageLimits) -> None:
    """A file must fit the per-file limit and be UTF-8 text (every allowed type is text);
    requirements.txt must also list only requirement specifiers.

    Every way files enter the registry (draft file writes, new configs, imports) comes
    through here, so a file breaking these rules is never stored."""
    if len(content) > limits.max_file_bytes:
        raise PayloadTooLargeError(
            f"{path} is {len(content)} bytes; the limit per file is {limits.max_file_bytes}"
        )
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInputError(
            f"{path} is not UTF-8 text", errors=[FieldProblem(("files", path), "not UTF-8 text")]
        ) from None
    if path == REQUIREMENTS_FILE:
        check_requirements(content)


def check_requirements(content: bytes | None) -> None:
    """400 listing every refused line unless requirements.txt (None: the package has none)
    holds only requirement specifiers (the worker's rules: `ade_worker.requirements`)."""
    if content is None:
        return
    try:
        requirements_lines(content)
    except RequirementsError as exc:
        raise requirements_error(f"{REQUIREMENTS_FILE} is refused", exc) from None


def requirements_error(detail: str, exc: RequirementsError) -> InvalidInputError:
    """A RequirementsError as a 400: one problem per refused line (`files`, path, line), or
    the error's message when it is not about lines (an install that failed)."""
    problems = [
        ConfigProblem(message=problem.message, file=REQUIREMENTS_FILE, line=problem.line)
        for problem in exc.problems
    ] or [ConfigProblem(message=str(exc), file=REQUIREMENTS_FILE)]
    return problems_error(detail, problems)


def check_totals(sizes: Iterable[int], limits: PackageLimits) -> None:
    """The whole package must fit the per-package size and file-count limits."""
    count = total = 0
    for size in sizes:
        count += 1
        total += size
    if count > limits.max_files:
        raise PayloadTooLargeError(
            f"the package would hold {count} files; the limit is {limits.max_files}"
        )
    if total > limits.max_package_bytes:
        raise PayloadTooLargeError(
            f"the package would be {total} bytes; the limit is {limits.max_package_bytes}"
        )


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def files_hash(entries: Iterable[tuple[str, str]]) -> str:
    """The package's files_hash from (path, content sha256 hex) pairs: the engine's algorithm,
    so the hash in the database equals the one in every artifact made from these files."""
    return hash_file_digests((path, bytes.fromhex(digest)) for path, digest in entries)


def problem_loc(problem: ConfigProblem) -> tuple[str | int, ...]:
    """`columns[2].path` -> ("manifest", "columns", 2, "path"); file problems name the file."""
    if problem.path:
        loc: list[str | int] = ["manifest"]
        if problem.path != "$":
            for part in problem.path.split("."):
                name, *indexes = _INDEX.split(part)
                if name:
                    loc.append(name)
                loc.extend(int(index) for index in indexes if index)
        return tuple(loc)
    if problem.file:
        return (
            ("files", problem.file)
            if problem.line is None
            else ("files", problem.file, problem.line)
        )
    return ("package",)


def problems_error(detail: str, problems: Iterable[ConfigProblem]) -> InvalidInputError:
    """One 400 listing every problem with its JSON path (or file and line)."""
    return InvalidInputError(
        detail, errors=[FieldProblem(problem_loc(problem), problem.message) for problem in problems]
    )


def parse_manifest_bytes(content: bytes) -> Any:
    """The manifest's JSON, read as the engine reads it (strict JSON: no NaN or Infinity, no
    deep nesting); 400 (with the line where there is one) when it cannot be read."""
    data, problems = load_manifest(content)
    if problems:
        raise problems_error("the manifest is invalid", problems)
    return data


def validate_manifest(data: Any, paths: Collection[str]) -> dict[str, Any]:
    """`data` if it is a valid manifest whose files all exist among `paths`; else 400."""
    manifest, problems = parse_manifest(data, lambda path: path in paths)
    if manifest is None or problems:
        raise problems_error("the manifest is invalid", problems)
    assert isinstance(data, dict)  # parse_manifest accepted it, so it is an object
    return data


def dump_manifest(data: Mapping[str, Any]) -> bytes:
    """How the registry writes manifest.json: stable, readable, UTF-8."""
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def manifest_references(data: Mapping[str, Any]) -> dict[str, str]:
    """Every package path the manifest names -> where (JSON path) it names it."""
    refs: dict[str, str] = {}
    for i, column in enumerate(data.get("columns") or []):
        if isinstance(column, dict) and isinstance(column.get("path"), str):
            refs.setdefault(column["path"], f"columns[{i}].path")
    for i, row_type in enumerate(data.get("row_types") or []):
        if isinstance(row_type, dict) and isinstance(row_type.get("path"), str):
            refs.setdefault(row_type["path"], f"row_types[{i}].path")
    hooks = data.get("hooks") or {}
    if isinstance(hooks, dict):
        for stage, entries in hooks.items():
            for j, entry in enumerate(entries if isinstance(entries, list) else []):
                if isinstance(entry, str):
                    refs.setdefault(entry, f"hooks.{stage}[{j}]")
    return refs
