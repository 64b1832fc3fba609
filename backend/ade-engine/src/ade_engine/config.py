"""Loading and validating a config package (manifest model + module import).

A package is a folder or a zip of one. :func:`check_package` returns every problem found (JSON
path or file and line, and a message); :func:`load_config` returns a :class:`LoadedConfig` whose
modules are imported under a namespace unique to that load (``_ade_cfg_<hex>``), registered in
``sys.modules`` only while it is open, so two runs with different configs in one process never
see each other's modules (:mod:`ade_engine.config_import`). Calling the loaded code is
:mod:`ade_engine.config_calls`, re-exported here.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import shutil
import tempfile
import types
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any

from ade_engine.config_calls import (
    call_column_function,
    call_config,
    config_location,
    contract_error,
)
from ade_engine.config_import import Importer, import_checked
from ade_engine.errors import ConfigCodeError, ConfigError
from ade_engine.manifest import (
    BUILTIN_ROW_TYPES,
    ENGINE_DEFAULTS,
    HOOK_STAGES,
    MANIFEST_FILE,
    MANIFEST_SCHEMA,
    ColumnSpec,
    ConfigProblem,
    EngineSettings,
    Manifest,
    RowTypeSpec,
    hash_file_digests,
    is_hashed,
    is_safe_relative,
    load_manifest,
    parse_manifest,
)

# Re-exported: the manifest model used to live here and callers import it from this module.
__all__ = [
    "BUILTIN_ROW_TYPES",
    "ENGINE_DEFAULTS",
    "HOOK_STAGES",
    "MANIFEST_SCHEMA",
    "ColumnModule",
    "ColumnSpec",
    "ConfigProblem",
    "EngineSettings",
    "LoadedConfig",
    "Manifest",
    "PackageCheck",
    "RowTypeSpec",
    "call_column_function",
    "call_config",
    "check_package",
    "config_location",
    "contract_error",
    "files_hash",
    "inspect_package",
    "load_config",
    "package_dir",
    "parse_manifest",
    "read_manifest",
]


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
    """The files_hash of the package folder ``root``: :func:`~ade_engine.manifest.hash_files`
    of its files, each read in blocks rather than whole."""
    paths = ((p.relative_to(root).as_posix(), p) for p in root.rglob("*") if p.is_file())
    return hash_file_digests((rel, _file_digest(p)) for rel, p in paths if is_hashed(rel))


def _file_digest(path: Path) -> bytes:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.digest()


def accepts_var_keyword(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def _public_callable(module: types.ModuleType, name: str) -> Callable[..., Any] | None:
    value = getattr(module, name, None)
    return value if callable(value) else None


def _check_callable(
    fn: Callable[..., Any], rel: str, name: str, root: Path, problems: list[ConfigProblem]
) -> None:
    """A problem when ``fn`` (``name`` of module ``rel``) does not take ``**_``. The message
    names the module only when the function is defined elsewhere (the problem's file and line
    say where): `columns/x.py:3: detect_y must ...`, not `columns/x.py:3: columns/x.py: ...`."""
    if not accepts_var_keyword(fn):
        file, line = config_location(fn, root)
        label = name if file == rel else f"{rel}: {name}"
        problems.append(
            ConfigProblem(
                message=f"{label} must accept keyword arguments only and end with **_",
                file=file,
                line=line,
            )
        )


def _load_modules(
    root: Path, manifest: Manifest, importer: Importer, problems: list[ConfigProblem]
) -> tuple[
    list[ColumnModule],
    list[tuple[RowTypeSpec, Callable[..., Any]]],
    dict[str, list[tuple[str, Callable[..., Any]]]],
]:
    columns: list[ColumnModule] = []
    for spec in manifest.columns:
        module = import_checked(importer, spec.path, problems, root)
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
            _check_callable(fn, spec.path, name, root, problems)
        for label, fn in (("transform", transform), ("validate", validate)):
            if fn is not None:
                _check_callable(fn, spec.path, label, root, problems)
        columns.append(
            ColumnModule(spec=spec, detectors=detectors, transform=transform, validate=validate)
        )
    row_types: list[tuple[RowTypeSpec, Callable[..., Any]]] = []
    for rt in manifest.row_types:
        module = import_checked(importer, rt.path, problems, root)
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
        _check_callable(fn, rt.path, "classify", root, problems)
        row_types.append((rt, fn))
    hooks: dict[str, list[tuple[str, Callable[..., Any]]]] = {s: [] for s in HOOK_STAGES}
    for stage, paths in manifest.hooks.items():
        for rel in paths:
            module = import_checked(importer, rel, problems, root)
            if module is None:
                continue
            fn = _public_callable(module, "run")
            if fn is None:
                problems.append(
                    ConfigProblem(message="hook module must define run()", file=rel, line=1)
                )
                continue
            _check_callable(fn, rel, "run", root, problems)
            hooks[stage].append((rel, fn))
    return columns, row_types, hooks


def read_manifest(root: Path) -> tuple[Any, list[ConfigProblem]]:
    path = root / MANIFEST_FILE
    if not path.is_file():
        return None, [ConfigProblem(message="manifest.json not found", file=MANIFEST_FILE)]
    return load_manifest(path.read_bytes())


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
                if not is_safe_relative(name) or name.startswith("/"):
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


@dataclass
class PackageCheck:
    """Everything found checking a package: the problems and, as far as it got, the manifest
    and the callables of its modules (importable only while :func:`inspect_package` is open).
    """

    root: Path | None
    problems: list[ConfigProblem]
    manifest: Manifest | None = None
    columns: list[ColumnModule] = dc_field(default_factory=list)
    row_types: list[tuple[RowTypeSpec, Callable[..., Any]]] = dc_field(default_factory=list)
    hooks: dict[str, list[tuple[str, Callable[..., Any]]]] = dc_field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.problems


@contextlib.contextmanager
def inspect_package(path: Path) -> Iterator[PackageCheck]:
    """Check the package at ``path`` (folder or zip) as :func:`check_package` does, and keep
    what was loaded: the modules stay in ``sys.modules`` until the context exits.

    Never raises for a bad package (a missing or corrupt one is one problem, ``root`` None).
    """
    with contextlib.ExitStack() as stack:
        try:
            root = stack.enter_context(package_dir(Path(path)))
        except ConfigError as exc:
            # Only opening the package is caught here: errors raised in the caller's block
            # must reach the caller.
            yield PackageCheck(root=None, problems=[ConfigProblem(message=exc.message)])
            return
        data, problems = read_manifest(root)
        manifest = None
        if not problems:
            manifest, problems = parse_manifest(data, root)
        check = PackageCheck(root=root, problems=problems, manifest=manifest)
        if manifest is not None:
            importer = Importer(root)
            stack.callback(importer.close)
            check.columns, check.row_types, check.hooks = _load_modules(
                root, manifest, importer, problems
            )
        yield check


def check_package(path: Path) -> list[ConfigProblem]:
    """Every problem in the package at ``path`` (folder or zip); empty when it is valid."""
    with inspect_package(path) as check:
        return check.problems


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
        importer = Importer(root)
        try:
            columns, row_types, hooks = _load_modules(root, manifest, importer, problems)
            if problems:
                first = problems[0]
                if first in importer.import_errors:
                    raise ConfigCodeError(
                        first.message,
                        file=first.file,
                        line=first.line,
                        exc_type=importer.import_errors[first],
                    )
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
