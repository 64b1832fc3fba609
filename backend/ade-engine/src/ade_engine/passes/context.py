"""What every pass of one run shares: the :class:`RunContext`.

It holds the loaded config package and its engine settings, the ``state`` dict config code
shares, the event sink and the config logger, the artifact being built, the pass timers, the
sheet pool and the hook caller. The passes (:mod:`~ade_engine.passes.detect`,
:mod:`~ade_engine.passes.map`, :mod:`~ade_engine.passes.rows`) take it as their first argument;
:mod:`ade_engine.pipeline` creates it, orders the passes and closes it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ade_engine.artifact import PASS_NAMES
from ade_engine.artifact_types import Artifact, PassName, PassRecord, TableRecord
from ade_engine.config import LoadedConfig, call_config
from ade_engine.detect import ScoreBoard
from ade_engine.events import ConfigLogger, EventSink
from ade_engine.read import Sheet, SheetPool, Workbook
from ade_engine.tables import Table
from ade_engine.write import XlsxWriter

ProgressCallback = Callable[[int, int], None]

#: The passes that run together, a chunk of rows at a time (:mod:`ade_engine.passes.rows`):
#: their ``pass.started``/``pass.completed`` events carry ``group: "rows"`` so that a timeline
#: can show them as one span with each pass's time inside it.
ROWS_PASSES: frozenset[PassName] = frozenset({"transform", "validate", "output"})


@dataclass
class TablePlan:
    """A table on its way through the passes: found and scored (detect), then mapped (map)."""

    sheet: Sheet
    table: Table
    board: ScoreBoard
    mapping: dict[int, int]  # field index -> table column position
    record: TableRecord  # the table's record in the artifact
    view: dict[str, Any]  # what hooks see as `table` (after_mapping) or in `tables` (before_save)
    append: list[tuple[int, int]] = field(default_factory=list)  # (output index, column pos)
    incomplete: bool = False  # a required field is unmapped and the config skips such tables

    @property
    def writes(self) -> bool:
        """Whether the table's rows are written."""
        return bool(self.mapping) and not self.incomplete


class Timers:
    """Each pass's time, and its ``pass.started``/``pass.completed`` events (``name``, and
    ``group: "rows"`` for the :data:`ROWS_PASSES`)."""

    def __init__(self, sink: EventSink) -> None:
        self.sink = sink
        self.ms = dict.fromkeys(PASS_NAMES, 0.0)
        self.started: set[PassName] = set()
        self.order: list[PassName] = []

    def start(self, name: PassName) -> None:
        if name not in self.started:
            self.started.add(name)
            self.order.append(name)
            self.sink.emit("pass.started", name=name, **self._group(name))

    def add(self, name: PassName, seconds: float) -> None:
        self.ms[name] += seconds * 1000

    def complete(self, name: PassName, **data: Any) -> None:
        self.start(name)
        elapsed_ms = round(self.ms[name])
        self.sink.emit(
            "pass.completed", name=name, elapsed_ms=elapsed_ms, **self._group(name), **data
        )

    @staticmethod
    def _group(name: PassName) -> dict[str, str]:
        return {"group": "rows"} if name in ROWS_PASSES else {}

    def records(self) -> list[PassRecord]:
        return [{"name": n, "elapsed_ms": round(self.ms[n])} for n in self.order]


class RunContext:
    """One run's shared parts (see the module docstring)."""

    def __init__(
        self,
        config: LoadedConfig,
        artifact: Artifact,
        sink: EventSink,
        pool: SheetPool,
        progress: ProgressCallback | None,
    ) -> None:
        self.config = config
        self.settings = config.manifest.engine
        self.artifact = artifact
        self.sink = sink
        self.logger = ConfigLogger(sink)
        self.state: dict[str, Any] = {}
        self.progress = progress
        self.timers = Timers(sink)
        self.manifest_view = dict(config.manifest.raw)
        self.pool = pool
        self.workbook: Workbook | None = None
        self.writer: XlsxWriter | None = None
        self.produced = False  # normalized.xlsx was moved into place

    def close(self) -> None:
        """Drop an unfinished output, release every loaded sheet and close the input."""
        if self.writer is not None and not self.produced:
            self.writer.abort()
        self.pool.close()
        if self.workbook is not None:
            with contextlib.suppress(Exception):  # nothing to save from a reader that won't close
                self.workbook.close()
            self.workbook = None

    def call_hook(self, rel: str, fn: Callable[..., Any], stage: str, **extra: Any) -> Any:
        """Call one hook's ``run()`` with the arguments every stage gets, plus ``extra``."""
        return call_config(
            self.config,
            fn,
            f"{rel}: run() at {stage}",
            {
                "stage": stage,
                "state": self.state,
                "manifest": self.manifest_view,
                "artifact": self.artifact,
                "table": None,
                "logger": self.logger.bind(rel),
                **extra,
            },
        )

    def hooks(self, stage: str, table: dict[str, Any] | None = None) -> list[str]:
        """Call every hook of ``stage`` in manifest order; a dict one returns for a ``table``
        replaces its mapping (its ``mapping`` key, or the dict itself). Returns the hooks
        whose call changed the table's mapping (in place or by returning one)."""
        changed = []
        for rel, fn in self.config.hooks.get(stage, []):
            before = dict(table["mapping"]) if table is not None else None
            result = self.call_hook(rel, fn, stage, table=table)
            if table is not None:
                if isinstance(result, dict):
                    table["mapping"] = result.get("mapping", result)
                if table["mapping"] != before:
                    changed.append(rel)
        return changed
