"""Loading and validating a config package (manifest model + module import).

A package is a folder or a zip of one. :func:`check_package` returns every problem found (JSON
path or file and line, and a message); :func:`load_config` returns a :class:`LoadedConfig` whose
modules are imported under a namespace unique to that load (``_ade_cfg_<hex>``), registered in
``sys.modules`` only while it is open, so two runs with different configs in one process never
see each other's modules.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import inspect
import json
import re
import shutil
import sys
import tempfile
import types
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path, PurePosixPath
from typing import Any

from ade_engine.errors import ConfigCodeError, ConfigError, from_config_exception

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
}


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


def _safe_rel(path: str) -> bool:
    p = PurePosixPath(path)
    return bool(path) and not p.is_absolute() and ".." not in p.parts and "\\" not in path


def parse_manifest(data: Any, root: Path) -> tuple[Manifest | None, list[ConfigProblem]]:
    """Validate manifest data; return the model (None when invalid) and every problem."""
    problems: list[ConfigProblem] = []

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
        if not isinstance(path, str) or not _safe_rel(path):
            bad(f"{where}.path", "must be a relative path inside the package")
            ok = False
        elif not (root / path).is_file():
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
        if not isinstance(path, str) or not _safe_rel(path):
            bad(f"{where}.path", "must be a relative path inside the package")
            ok = False
        elif not (root / path).is_file():
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
            if not isinstance(entry, str) or not _safe_rel(entry):
                bad(where, "must be a relative path inside the package")
            elif not (root / entry).is_file():
                bad(where, "file not found")
            else:
                hooks[stage].append(entry)

    if problems:
        return None, problems
    manifest = Manifest(
        title=title, engine=engine, columns=columns, row_types=row_types, hooks=hooks, raw=data
    )
    return manifest, problems


# --------------------------------------------------------------------------- module loading


@dataclass
class ColumnModule:
    spec: ColumnSpec
    detectors: list[tuple[str, Callable[..., Any]]]
    transform: Callable[..., Any] | None
    validate: Callable[..., Any] | None


@dataclass
class LoadedConfig:
    """An open config package: manifest, imported modules and a content hash."""

    root: Path
    manifest: Manifest
    files_hash: str
    namespace: str
    columns: list[ColumnModule]
    row_types: list[tuple[RowTypeSpec, Callable[..., Any]]]
    hooks: dict[str, list[tuple[str, Callable[..., Any]]]]

    @property
    def enabled(self) -> list[ColumnModule]:
        return sorted((c for c in self.columns if c.spec.enabled), key=lambda c: c.spec.ordinal)


def files_hash(root: Path) -> str:
    """sha256 over every file of the package (relative path and content), in path order."""
    digest = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if not p.is_file() or "__pycache__" in p.parts or p.suffix == ".pyc":
            continue
        digest.update(p.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(p.read_bytes()).digest())
    return digest.hexdigest()


def config_location(fn: Callable[..., Any], root: Path) -> tuple[str | None, int | None]:
    """(file relative to the package, first line) of a config function."""
    return _func_location(fn, root)


def _func_location(fn: Callable[..., Any], root: Path) -> tuple[str | None, int | None]:
    code = getattr(fn, "__code__", None)
    if code is None:
        return None, None
    try:
        rel = Path(code.co_filename).resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        rel = None
    return rel, code.co_firstlineno


def accepts_var_keyword(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


class _Importer:
    """Imports package files under one unique namespace and can remove them again."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.namespace = f"_ade_cfg_{uuid.uuid4().hex[:12]}"
        pkg = types.ModuleType(self.namespace)
        pkg.__path__ = [str(root)]
        pkg.__package__ = self.namespace
        sys.modules[self.namespace] = pkg

    def _ensure_package(self, dotted: str, folder: Path) -> None:
        if dotted in sys.modules:
            return
        mod = types.ModuleType(dotted)
        mod.__path__ = [str(folder)]
        mod.__package__ = dotted
        sys.modules[dotted] = mod

    def import_file(self, rel: str) -> types.ModuleType:
        parts = PurePosixPath(rel).with_suffix("").parts
        dotted = self.namespace
        folder = self.root
        for part in parts[:-1]:
            dotted = f"{dotted}.{part}"
            folder = folder / part
            self._ensure_package(dotted, folder)
        name = f"{dotted}.{parts[-1]}"
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, self.root / rel)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {rel}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        # A config package is the author's folder (or a job's snapshot): leave no
        # __pycache__ litter in it, and never run a stale cached copy of its code.
        writes_bytecode = not sys.dont_write_bytecode
        sys.dont_write_bytecode = True
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        finally:
            sys.dont_write_bytecode = not writes_bytecode
        return module

    def close(self) -> None:
        prefix = self.namespace + "."
        for name in [n for n in sys.modules if n == self.namespace or n.startswith(prefix)]:
            sys.modules.pop(name, None)
        importlib.invalidate_caches()


def _import_checked(
    importer: _Importer, rel: str, problems: list[ConfigProblem], root: Path
) -> types.ModuleType | None:
    try:
        return importer.import_file(rel)
    except Exception as exc:
        err = from_config_exception(exc, root, f"importing {rel}", fallback_file=rel)
        problems.append(ConfigProblem(message=err.message, file=err.file, line=err.line))
        return None


def _public_callable(module: types.ModuleType, name: str) -> Callable[..., Any] | None:
    value = getattr(module, name, None)
    return value if callable(value) else None


def _check_callable(
    fn: Callable[..., Any], label: str, root: Path, problems: list[ConfigProblem]
) -> None:
    if not accepts_var_keyword(fn):
        file, line = _func_location(fn, root)
        problems.append(
            ConfigProblem(
                message=f"{label} must accept keyword arguments only and end with **_",
                file=file,
                line=line,
            )
        )


def _load_modules(
    root: Path, manifest: Manifest, importer: _Importer, problems: list[ConfigProblem]
) -> tuple[
    list[ColumnModule],
    list[tuple[RowTypeSpec, Callable[..., Any]]],
    dict[str, list[tuple[str, Callable[..., Any]]]],
]:
    columns: list[ColumnModule] = []
    for spec in manifest.columns:
        module = _import_checked(importer, spec.path, problems, root)
        if module is None:
            continue
        detectors = [
            (name, value)
            for name, value in vars(module).items()
            if name.startswith("detect_") and callable(value)
        ]
        transform = _public_callable(module, "transform")
        validate = _public_callable(module, "validate")
        for name, fn in detectors:
            _check_callable(fn, f"{spec.path}: {name}", root, problems)
        for label, fn in (("transform", transform), ("validate", validate)):
            if fn is not None:
                _check_callable(fn, f"{spec.path}: {label}", root, problems)
        columns.append(
            ColumnModule(spec=spec, detectors=detectors, transform=transform, validate=validate)
        )
    row_types: list[tuple[RowTypeSpec, Callable[..., Any]]] = []
    for rt in manifest.row_types:
        module = _import_checked(importer, rt.path, problems, root)
        if module is None:
            continue
        fn = _public_callable(module, "classify")
        if fn is None:
            problems.append(
                ConfigProblem(
                    message="row type module must define classify()", file=rt.path, line=1
                )
            )
            continue
        _check_callable(fn, f"{rt.path}: classify", root, problems)
        row_types.append((rt, fn))
    hooks: dict[str, list[tuple[str, Callable[..., Any]]]] = {s: [] for s in HOOK_STAGES}
    for stage, paths in manifest.hooks.items():
        for rel in paths:
            module = _import_checked(importer, rel, problems, root)
            if module is None:
                continue
            fn = _public_callable(module, "run")
            if fn is None:
                problems.append(
                    ConfigProblem(message="hook module must define run()", file=rel, line=1)
                )
                continue
            _check_callable(fn, f"{rel}: run", root, problems)
            hooks[stage].append((rel, fn))
    return columns, row_types, hooks


def read_manifest(root: Path) -> tuple[Any, list[ConfigProblem]]:
    path = root / "manifest.json"
    if not path.is_file():
        return None, [ConfigProblem(message="manifest.json not found", file="manifest.json")]
    try:
        return json.loads(path.read_text(encoding="utf-8")), []
    except UnicodeDecodeError:
        return None, [ConfigProblem(message="manifest.json is not UTF-8", file="manifest.json")]
    except json.JSONDecodeError as exc:
        return None, [
            ConfigProblem(message=f"invalid JSON: {exc.msg}", file="manifest.json", line=exc.lineno)
        ]


@contextlib.contextmanager
def package_dir(path: Path) -> Iterator[Path]:
    """Yield a folder holding the package: the folder itself, or a zip extracted safely."""
    path = Path(path)
    if path.is_dir():
        yield path
        return
    if not path.is_file():
        raise ConfigError(f"config package not found: {path}")
    if not zipfile.is_zipfile(path):
        raise ConfigError(f"config package is neither a folder nor a zip: {path.name}")
    tmp = Path(tempfile.mkdtemp(prefix="ade-config-"))
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/")]
            for name in names:
                if not _safe_rel(name) or name.startswith("/"):
                    raise ConfigError(f"unsafe path in config zip: {name!r}")
            # A zip of the folder itself (one top directory holding manifest.json) is accepted.
            prefix = ""
            if "manifest.json" not in names:
                tops = {n.split("/", 1)[0] for n in names}
                if len(tops) == 1 and f"{next(iter(tops))}/manifest.json" in names:
                    prefix = next(iter(tops)) + "/"
            for name in names:
                rel = name[len(prefix) :] if prefix else name
                target = tmp / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(name) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
        yield tmp
    except zipfile.BadZipFile as exc:
        raise ConfigError(f"config zip is corrupt: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_package(path: Path) -> list[ConfigProblem]:
    """Every problem in the package at ``path`` (folder or zip); empty when it is valid."""
    try:
        with package_dir(Path(path)) as root:
            data, problems = read_manifest(root)
            if problems:
                return problems
            manifest, problems = parse_manifest(data, root)
            if manifest is None:
                return problems
            importer = _Importer(root)
            try:
                _load_modules(root, manifest, importer, problems)
            finally:
                importer.close()
            return problems
    except ConfigError as exc:
        return [ConfigProblem(message=exc.message)]


@contextlib.contextmanager
def load_config(path: Path) -> Iterator[LoadedConfig]:
    """Open the package at ``path``; raise :class:`ConfigError` listing problems if invalid.

    Modules live in ``sys.modules`` under a unique namespace until the context exits.
    """
    with package_dir(Path(path)) as root:
        data, problems = read_manifest(root)
        manifest = None
        if not problems:
            manifest, problems = parse_manifest(data, root)
        if manifest is None or problems:
            raise ConfigError(
                _problems_message(problems),
                problems,
                file=_first_file(problems),
                line=_first_line(problems),
            )
        importer = _Importer(root)
        try:
            columns, row_types, hooks = _load_modules(root, manifest, importer, problems)
            if problems:
                first = problems[0]
                if first.file and first.message.startswith("importing "):
                    raise ConfigCodeError(first.message, file=first.file, line=first.line)
                raise ConfigError(
                    _problems_message(problems), problems, file=first.file, line=first.line
                )
            yield LoadedConfig(
                root=root,
                manifest=manifest,
                files_hash=files_hash(root),
                namespace=importer.namespace,
                columns=columns,
                row_types=row_types,
                hooks=hooks,
            )
        finally:
            importer.close()


def _problems_message(problems: list[ConfigProblem]) -> str:
    if not problems:
        return "invalid config package"
    head = f"invalid config package: {problems[0]}"
    if len(problems) > 1:
        head += f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})"
    return head


def _first_file(problems: list[ConfigProblem]) -> str | None:
    for p in problems:
        if p.file:
            return p.file
        if p.path:
            return "manifest.json"
    return None


def _first_line(problems: list[ConfigProblem]) -> int | None:
    return problems[0].line if problems else None


def call_config(
    config: LoadedConfig, fn: Callable[..., Any], what: str, kwargs: dict[str, Any]
) -> Any:
    """Call config code with keyword arguments; wrap anything it raises with file and line."""
    try:
        return fn(**kwargs)
    except ConfigCodeError:
        raise
    except Exception as exc:
        file, line = _func_location(fn, config.root)
        raise from_config_exception(
            exc, config.root, what, fallback_file=file, fallback_line=line
        ) from exc


def contract_error(config: LoadedConfig, fn: Callable[..., Any], message: str) -> ConfigCodeError:
    """A config callable broke the contract (e.g. returned the wrong shape)."""
    file, line = _func_location(fn, config.root)
    return ConfigCodeError(message, file=file, line=line, exc_type="ContractError")


def call_column_function(
    config: LoadedConfig,
    module: ColumnModule,
    fn: Callable[..., Any],
    name: str,
    values: list[Any],
    extra: dict[str, Any],
    state: dict[str, Any],
    logger: Any,
) -> list[Any]:
    """Call a column-wise function (transform, validate) and check it returned one item per
    value."""
    what = f"{module.spec.path}: {name}()"
    kwargs = {"values": values, "field": module.spec.field, "state": state, "logger": logger}
    result = call_config(config, fn, what, {**kwargs, **extra})
    if isinstance(result, tuple):
        result = list(result)
    if not isinstance(result, list) or len(result) != len(values):
        got = f"a list of {len(result)}" if isinstance(result, list) else type(result).__name__
        raise contract_error(
            config,
            fn,
            f"{what} must return a list of the same length as values ({len(values)}); got {got}",
        )
    return result
