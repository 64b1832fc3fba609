"""Starting files for config packages: the example package, the smallest valid package, and
starter code for a new column, row type or hook module.

Everything here returns file contents (``{relative POSIX path: bytes}``) rather than writing a
folder, so the API can put them straight into a draft. Like :mod:`ade_engine.manifest`, this
module imports only the standard library.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from ade_engine.manifest import HOOK_STAGES, MANIFEST_SCHEMA

#: The folders a package's code lives in, each holding modules named ``[a-z][a-z0-9_]*.py``.
ALLOWED_FOLDERS = ("columns", "row_types", "hooks")

#: The example package that ``ade config init`` writes (``ade_engine/templates/<name>``).
EXAMPLE_TEMPLATE = "roster"

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
#: Parts of the template folder that are not package files: sample documents to try the package
#: on, and bytecode caches a local test run may have left.
_NOT_PACKAGE = ("samples", "__pycache__")


def example_files() -> dict[str, bytes]:
    """The example package (a member roster) as {relative POSIX path: content}.

    The same files :func:`ade_engine.init_config` writes, without its ``samples/`` folder
    (documents to try the package on, not part of it).
    """
    root = resources.files("ade_engine") / "templates" / EXAMPLE_TEMPLATE
    files: dict[str, bytes] = {}
    _collect(root, "", files)
    return dict(sorted(files.items()))


def _collect(folder: Traversable, prefix: str, files: dict[str, bytes]) -> None:
    for item in folder.iterdir():
        if item.name in _NOT_PACKAGE or item.name.endswith(".pyc"):
            continue
        rel = f"{prefix}{item.name}"
        if item.is_dir():
            _collect(item, rel + "/", files)
        else:
            files[rel] = item.read_bytes()


#: The one field of the smallest valid package (the contract requires at least one column).
EMPTY_FIELD = "value"


def empty_manifest(title: str) -> dict[str, Any]:
    """The manifest of the smallest valid package: one column ``value`` (``columns/value.py``)
    and nothing else. Valid only together with that module: see :func:`empty_package`."""
    return {
        "schema": MANIFEST_SCHEMA,
        "title": title,
        "engine": {},
        "columns": [
            {
                "field": EMPTY_FIELD,
                "label": "Value",
                "path": f"columns/{EMPTY_FIELD}.py",
                "ordinal": 1,
                "required": False,
                "enabled": True,
                "synonyms": [],
            }
        ],
        "row_types": [],
        "hooks": {stage: [] for stage in HOOK_STAGES},
    }


def empty_package(title: str) -> dict[str, bytes]:
    """The smallest valid package: a manifest with one column, ``value``, and its module
    (a detector that abstains, so the column maps through its label alone until the author
    writes code). ``title`` is the manifest's title."""
    manifest = empty_manifest(title)
    return {
        "manifest.json": (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode(),
        f"columns/{EMPTY_FIELD}.py": scaffold_file(f"columns/{EMPTY_FIELD}.py", manifest=manifest),
    }


def scaffold_file(path: str, *, manifest: Mapping[str, Any] | None = None) -> bytes:
    """Starter code for a new module at ``path``: ``columns/<field>.py``, ``row_types/<name>.py``
    or ``hooks/<name>.py``, where the name matches ``[a-z][a-z0-9_]*``.

    The code imports and passes the package checks as it is (every function keyword-only and
    accepting ``**_``, doing nothing yet), with docstrings saying what to fill in. When
    ``manifest`` is given, a column's label and synonyms and a hook's stages are taken from it.
    Raises :class:`ValueError` for any other path.
    """
    parts = path.split("/")
    if len(parts) != 2 or parts[0] not in ALLOWED_FOLDERS:
        raise ValueError(
            f"cannot scaffold {path!r}: new modules go in "
            + ", ".join(f"{folder}/<name>.py" for folder in ALLOWED_FOLDERS)
        )
    folder, filename = parts
    name, dot, suffix = filename.rpartition(".")
    if not dot or suffix != "py" or not _NAME_RE.match(name):
        raise ValueError(
            f"cannot scaffold {path!r}: the file name must be <name>.py with the name matching "
            "[a-z][a-z0-9_]* (lowercase letters, digits and underscores, starting with a letter)"
        )
    data = manifest or {}
    if folder == "columns":
        source = _column(name, data)
    elif folder == "row_types":
        source = _row_type(name)
    else:
        source = _hook(path, data)
    return source.encode()


def _quoted(text: str) -> str:
    """``text`` as a literal that is safe inside a generated docstring (quotes escaped)."""
    return repr(text).replace('"', '\\"')


def _column_entry(field: str, manifest: Mapping[str, Any]) -> Mapping[str, Any]:
    columns = manifest.get("columns")
    for column in columns if isinstance(columns, list) else []:
        if isinstance(column, Mapping) and column.get("field") == field:
            return column
    return {}


def _column(field: str, manifest: Mapping[str, Any]) -> str:
    entry = _column_entry(field, manifest)
    label = entry.get("label")
    if not isinstance(label, str) or not label.strip():
        label = field.replace("_", " ").capitalize()
    synonyms = entry.get("synonyms")
    names = [label]
    if isinstance(synonyms, list):
        names += [s for s in synonyms if isinstance(s, str)]
    known = ", ".join(_quoted(n) for n in names)
    return f'''"""Column `{field}` ({_quoted(label)}): finding it in a source table, cleaning it.

The built-in matcher already scores each source header against this field's label and synonyms
in manifest.json (here: {known}), so headers like those map with no code at all. Add code for
what the header cannot tell: columns with another header, or no header. Every function is
called with keyword arguments only and must accept ``**_``.
"""

from __future__ import annotations

from typing import Any


def detect_{field}(
    *, header: str, values: list[Any], field: str, **_: Any
) -> float | None:
    """Score how likely this source column holds `{field}`.

    header: the column's header text ("" when it has none); values: a sample of its non-empty
    values as read (str, int, float, bool, date or datetime). Return a float added to the
    column's score for this field (summed with the other detectors and the synonym matcher;
    columns below the manifest's min_score stay unmapped), a dict {{field_name: float}} to add
    or subtract evidence for several fields, or None to abstain.
    Example: the share of values that look right, e.g. ``matches / len(values)``.
    """
    return None


def transform(*, values: list[Any], field: str, **_: Any) -> list[Any]:
    """Clean the column: ``values`` holds every value of the mapped column in row order
    (None for empty cells). Return a list of the same length. Delete this function if the
    values need no cleaning."""
    return list(values)


def validate(*, values: list[Any], field: str, **_: Any) -> list[str | None]:
    """Check the transformed values: return a list of the same length holding None (valid) or
    a message for each row; messages are listed on the output's Issues sheet. Delete this
    function if there is nothing to check."""
    return [None] * len(values)
'''


def _row_type(name: str) -> str:
    return f'''"""Row type `{name}`: recognises rows of this kind while the engine looks for tables.

Register it in manifest.json under "row_types" as {{"name": "{name}", "path":
"row_types/{name}.py"}}. Each row is labelled with its best-scoring type; the engine's own
types are header, data and blank.
"""

from __future__ import annotations

from typing import Any


def classify(
    *, values: list[Any], row_index: int, **_: Any
) -> float | dict[str, float] | None:
    """Score how likely this row is a `{name}` row.

    values: the row's cells as read (None for empty cells); row_index: the row's 0-based
    position in the sheet. Return a float (the score for `{name}`), a dict
    {{row_type: float}} to score several types, or None to abstain.
    Example: ``return 1.0 if values and values[0] == "Total" else None``.
    """
    return None
'''


def _hook(path: str, manifest: Mapping[str, Any]) -> str:
    hooks = manifest.get("hooks")
    stages = (
        [s for s in HOOK_STAGES if isinstance(hooks.get(s), list) and path in hooks[s]]
        if isinstance(hooks, Mapping)
        else []
    )
    registered = (
        f"It is registered for: {', '.join(stages)}."
        if stages
        else f'Register it in manifest.json under "hooks", e.g. {{"run_start": ["{path}"]}}.'
    )
    return f'''"""Hook `{path}`: code the engine calls at a stage of the run.

{registered}
Stages: run_start (before reading), after_mapping (once per table; may change the table's
mapping), before_save (once, before the output is written), run_end (once, after the artifact
is final, for failed runs too). A hook that raises fails the run.
"""

from __future__ import annotations

from typing import Any


def run(
    *,
    stage: str,
    state: dict[str, Any],
    manifest: dict[str, Any],
    artifact: dict[str, Any],
    table: dict[str, Any] | None = None,
    logger: Any,
    **_: Any,
) -> None:
    """Called with the stage's name. state: one dict shared by every function and hook of the
    run; artifact: the run's artifact so far; table: the table being mapped (after_mapping
    only); logger: ``logger.info(...)`` and ``logger.warning(...)`` write to the run's events.
    """
    return None
'''
