"""The manifest model and its validation, and the package's files hash.

This module imports only the standard library, so the API (which validates drafts kept in its
database) and tools can use it without loading the engine's numeric and spreadsheet
dependencies. :mod:`ade_engine.config` re-exports what it needs from here.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path, PurePath, PurePosixPath
from typing import Any

from ade_engine import strict_json

MANIFEST_FILE = "manifest.json"
MANIFEST_SCHEMA = "ade.manifest/v1"
HOOK_STAGES = ("run_start", "after_mapping", "before_save", "run_end")
BUILTIN_ROW_TYPES = ("header", "data", "blank", "note", "total")
FIELD_RE = re.compile(r"^[a-z][a-z0-9_]*$")
ROW_TYPE_RE = re.compile(r"^[a-z][a-z0-9_]*$")

TOP_LEVEL_KEYS = {"schema", "title", "engine", "columns", "row_types", "hooks"}
COLUMN_KEYS = {
    "field",
    "label",
    "path",
    "ordinal",
    "required",
    "enabled",
    "synonyms",
    "description",
}
ROW_TYPE_KEYS = {"name", "path"}
#: Defaults of the ``engine`` block; keys beyond the contract's five are engine extensions.
ENGINE_DEFAULTS: dict[str, Any] = {
    "min_score": 0.5,
    "sample_size": 200,
    "header_scan_rows": 50,
    "unmapped_columns": "drop",
    "output_sheet": "Normalized",
    "include_source": False,
    "chunk_rows": 10_000,
    "incomplete_tables": "skip",
}
#: What a run does with a table whose mapping leaves a required field unmapped.
INCOMPLETE_TABLES = ("skip", "write", "fail")


@dataclass(frozen=True)
class ConfigProblem:
    """One problem in a config package: a JSON path in the manifest, or a file and line."""

    message: str
    path: str | None = None
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        if self.path:
            return f"{self.path}: {self.message}"
        if self.file:
            where = f"{self.file}:{self.line}" if self.line else self.file
            return f"{where}: {self.message}"
        return self.message

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "file": self.file, "line": self.line, "message": self.message}


@dataclass
class EngineSettings:
    min_score: float = 0.5
    sample_size: int = 200
    header_scan_rows: int = 50
    unmapped_columns: str = "drop"
    output_sheet: str = "Normalized"
    include_source: bool = False
    chunk_rows: int = 10_000
    incomplete_tables: str = "skip"


@dataclass
class ColumnSpec:
    field: str
    label: str
    path: str
    ordinal: int
    required: bool = False
    enabled: bool = True
    synonyms: list[str] = dc_field(default_factory=list)


@dataclass
class RowTypeSpec:
    name: str
    path: str


@dataclass
class Manifest:
    title: str
    engine: EngineSettings
    columns: list[ColumnSpec]
    row_types: list[RowTypeSpec]
    hooks: dict[str, list[str]]
    raw: dict[str, Any]

    @property
    def enabled_columns(self) -> list[ColumnSpec]:
        return sorted((c for c in self.columns if c.enabled), key=lambda c: c.ordinal)


# --------------------------------------------------------------------------- manifest checks


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_safe_relative(path: str) -> bool:
    """A relative POSIX path that stays inside the package (no ``..``, no backslash)."""
    p = PurePosixPath(path)
    return bool(path) and not p.is_absolute() and ".." not in p.parts and "\\" not in path


def _exists_in(exists: Callable[[str], bool] | Path) -> Callable[[str], bool]:
    if isinstance(exists, PurePath):
        root = Path(exists)
        return lambda rel: (root / rel).is_file()
    return exists


def load_manifest(content: bytes) -> tuple[Any, list[ConfigProblem]]:
    """The JSON in a ``manifest.json`` file, or why it cannot be read (as one problem).

    Strict JSON (:mod:`ade_engine.strict_json`): ``NaN``, ``Infinity``, numbers too large for
    a float and nesting deeper than :data:`~ade_engine.strict_json.MAX_DEPTH` are problems
    too, so every reader of a manifest (engine, API) refuses the same files.
    """
    try:
        return strict_json.loads(content.decode("utf-8")), []
    except UnicodeDecodeError:
        return None, [ConfigProblem(message="not UTF-8", file=MANIFEST_FILE)]
    except json.JSONDecodeError as exc:
        return None, [
            ConfigProblem(message=f"invalid JSON: {exc.msg}", file=MANIFEST_FILE, line=exc.lineno)
        ]
    except strict_json.JsonRefusedError as exc:
        return None, [ConfigProblem(message=f"invalid JSON: {exc}", file=MANIFEST_FILE)]


def parse_manifest(
    data: Any, exists: Callable[[str], bool] | Path
) -> tuple[Manifest | None, list[ConfigProblem]]:
    """Validate manifest data; return the model (None when invalid) and every problem.

    ``exists(path)`` answers whether the package holds the file at ``path`` (relative, POSIX
    separators), so a package kept elsewhere than in a folder (e.g. a draft in a database) can
    be checked. A :class:`~pathlib.Path` is the package's root folder: a path exists when
    ``root / path`` is a file.
    """
    problems: list[ConfigProblem] = []
    is_file = _exists_in(exists)

    def bad(path: str, message: str) -> None:
        problems.append(ConfigProblem(message=message, path=path))

    if not isinstance(data, dict):
        bad("$", "the manifest must be a JSON object")
        return None, problems
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            bad(key, "unknown key")
    if data.get("schema") != MANIFEST_SCHEMA:
        bad("schema", f"must be {MANIFEST_SCHEMA!r}")
    title = data.get("title", "")
    if not isinstance(title, str):
        bad("title", "must be a string")
        title = ""

    engine = EngineSettings()
    raw_engine = data.get("engine", {})
    if not isinstance(raw_engine, dict):
        bad("engine", "must be an object")
        raw_engine = {}
    for key, value in raw_engine.items():
        where = f"engine.{key}"
        if key not in ENGINE_DEFAULTS:
            bad(where, "unknown key")
        elif key == "min_score":
            if not _is_number(value) or value < 0:
                bad(where, "must be a number >= 0")
            else:
                engine.min_score = float(value)
        elif key in ("sample_size", "header_scan_rows", "chunk_rows"):
            if not _is_int(value) or value < 1:
                bad(where, "must be a positive integer")
            else:
                setattr(engine, key, int(value))
        elif key == "unmapped_columns":
            if value not in ("drop", "append"):
                bad(where, "must be 'drop' or 'append'")
            else:
                engine.unmapped_columns = value
        elif key == "incomplete_tables":
            if value not in INCOMPLETE_TABLES:
                bad(where, "must be 'skip', 'write' or 'fail'")
            else:
                engine.incomplete_tables = value
        elif key == "output_sheet":
            if (
                not isinstance(value, str)
                or not value
                or len(value) > 31
                or any(ch in value for ch in "[]:*?/\\")
                or value.lower() == "issues"
            ):
                bad(
                    where,
                    "must be a valid sheet name (1-31 characters, none of []:*?/\\, not 'Issues')",
                )
            else:
                engine.output_sheet = value
        elif key == "include_source":
            if not isinstance(value, bool):
                bad(where, "must be true or false")
            else:
                engine.include_source = value

    columns: list[ColumnSpec] = []
    raw_columns = data.get("columns")
    if not isinstance(raw_columns, list) or not raw_columns:
        bad("columns", "must be a non-empty list")
        raw_columns = []
    seen_fields: set[str] = set()
    seen_ordinals: set[int] = set()
    for i, col in enumerate(raw_columns):
        where = f"columns[{i}]"
        if not isinstance(col, dict):
            bad(where, "must be an object")
            continue
        ok = True
        for key in col:
            if key not in COLUMN_KEYS:
                bad(f"{where}.{key}", "unknown key")
        fld = col.get("field")
        if not isinstance(fld, str) or not FIELD_RE.match(fld):
            bad(f"{where}.field", "must match [a-z][a-z0-9_]*")
            ok = False
        elif fld in seen_fields:
            bad(f"{where}.field", f"duplicate field {fld!r}")
            ok = False
        else:
            seen_fields.add(fld)
        label = col.get("label")
        if not isinstance(label, str) or not label.strip():
            bad(f"{where}.label", "must be a non-empty string")
            ok = False
        ordinal = col.get("ordinal")
        if not isinstance(ordinal, int) or isinstance(ordinal, bool) or ordinal < 1:
            bad(f"{where}.ordinal", "must be a positive integer")
            ok = False
        elif ordinal in seen_ordinals:
            bad(f"{where}.ordinal", f"duplicate ordinal {ordinal}")
            ok = False
        else:
            seen_ordinals.add(ordinal)
        path = col.get("path")
        if not isinstance(path, str) or not is_safe_relative(path):
            bad(f"{where}.path", "must be a relative path inside the package")
            ok = False
        elif not is_file(path):
            bad(f"{where}.path", "file not found")
            ok = False
        elif not path.endswith(".py"):
            bad(f"{where}.path", "must be a .py file")
            ok = False
        for key in ("required", "enabled"):
            if key in col and not isinstance(col[key], bool):
                bad(f"{where}.{key}", "must be true or false")
                ok = False
        synonyms = col.get("synonyms", [])
        if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
            bad(f"{where}.synonyms", "must be a list of strings")
            ok = False
        if (
            ok
            and isinstance(fld, str)
            and isinstance(label, str)
            and isinstance(path, str)
            and isinstance(ordinal, int)
        ):
            columns.append(
                ColumnSpec(
                    field=fld,
                    label=label,
                    path=path,
                    ordinal=ordinal,
                    required=bool(col.get("required", False)),
                    enabled=bool(col.get("enabled", True)),
                    synonyms=list(synonyms),
                )
            )
    if raw_columns and not any(c.get("enabled", True) for c in raw_columns if isinstance(c, dict)):
        bad("columns", "at least one column must be enabled")

    row_types: list[RowTypeSpec] = []
    raw_rt = data.get("row_types", [])
    if not isinstance(raw_rt, list):
        bad("row_types", "must be a list")
        raw_rt = []
    for i, rt in enumerate(raw_rt):
        where = f"row_types[{i}]"
        if not isinstance(rt, dict):
            bad(where, "must be an object")
            continue
        for key in rt:
            if key not in ROW_TYPE_KEYS:
                bad(f"{where}.{key}", "unknown key")
        name, path = rt.get("name"), rt.get("path")
        ok = True
        if not isinstance(name, str) or not ROW_TYPE_RE.match(name):
            bad(f"{where}.name", "must match [a-z][a-z0-9_]*")
            ok = False
        if not isinstance(path, str) or not is_safe_relative(path):
            bad(f"{where}.path", "must be a relative path inside the package")
            ok = False
        elif not is_file(path):
            bad(f"{where}.path", "file not found")
            ok = False
        if ok:
            row_types.append(RowTypeSpec(name=name, path=path))  # type: ignore[arg-type]

    hooks: dict[str, list[str]] = {stage: [] for stage in HOOK_STAGES}
    raw_hooks = data.get("hooks", {})
    if not isinstance(raw_hooks, dict):
        bad("hooks", "must be an object")
        raw_hooks = {}
    for stage, entries in raw_hooks.items():
        if stage not in HOOK_STAGES:
            bad(f"hooks.{stage}", f"unknown stage (one of {', '.join(HOOK_STAGES)})")
            continue
        if not isinstance(entries, list):
            bad(f"hooks.{stage}", "must be a list of paths")
            continue
        for j, entry in enumerate(entries):
            where = f"hooks.{stage}[{j}]"
            if not isinstance(entry, str) or not is_safe_relative(entry):
                bad(where, "must be a relative path inside the package")
            elif not is_file(entry):
                bad(where, "file not found")
            else:
                hooks[stage].append(entry)

    if problems:
        return None, problems
    manifest = Manifest(
        title=title, engine=engine, columns=columns, row_types=row_types, hooks=hooks, raw=data
    )
    return manifest, problems


# --------------------------------------------------------------------------- files hash


def _hash_order(path: str) -> tuple[str, ...]:
    # Component order, not plain string order: "a/b" sorts before "a-c" here (as pathlib sorts
    # paths), which is the order the hashes already stored in artifacts were computed in.
    return tuple(path.split("/"))


def is_hashed(path: str) -> bool:
    """Whether the file at ``path`` counts in the files hash: bytecode caches do not."""
    return "__pycache__" not in path.split("/") and not path.endswith(".pyc")


def hash_file_digests(entries: Iterable[tuple[str, bytes]]) -> str:
    """The package's files_hash from (relative POSIX path, sha256 digest of the content) pairs.

    sha256 over ``path + "\\0" + digest`` of every file, files in path-component order (the
    order of ``entries`` does not matter); ``__pycache__`` folders and ``.pyc`` files are left
    out. Lets a caller that stores each file's sha256 (the API) compute the hash without
    reading the contents again.
    """
    digest = hashlib.sha256()
    for path, file_digest in sorted(
        (e for e in entries if is_hashed(e[0])), key=lambda e: _hash_order(e[0])
    ):
        digest.update(path.encode() + b"\0")
        digest.update(file_digest)
    return digest.hexdigest()


def hash_files(files: Mapping[str, bytes]) -> str:
    """The package's files_hash from {relative POSIX path: content}.

    The same value :func:`ade_engine.config.files_hash` gives for a folder holding these files
    (and that runs record in ``artifact.json``); an empty mapping hashes to sha256 of nothing.
    """
    return hash_file_digests((p, hashlib.sha256(c).digest()) for p, c in files.items())
