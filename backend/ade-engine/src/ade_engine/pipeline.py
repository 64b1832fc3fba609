"""The pass pipeline: read -> detect -> map -> transform -> validate -> output.

:func:`run` is the library entry point used by ``ade run``, ``python -m ade_engine`` and the
worker. It only orders the passes, each a module of :mod:`ade_engine.passes` taking the run's
:class:`~ade_engine.passes.context.RunContext`, and handles failure and ``run_end``:

1. ``run_start`` hooks; the input is opened.
2. :func:`~ade_engine.passes.detect.detect`: sheets are scanned and every table is scored.
3. :func:`~ade_engine.passes.map.map_tables`: every table is mapped (``after_mapping`` hooks),
   then :func:`~ade_engine.passes.map.before_save` hooks see every table's mapping before any
   output row exists, and :func:`~ade_engine.passes.map.settle` decides which tables are
   written (``engine.incomplete_tables``).
4. :func:`~ade_engine.passes.rows.write_rows`: each mapped table's rows stream through
   ``transform``, ``validate`` and ``output`` in chunks of ``engine.chunk_rows`` rows, so
   memory stays bounded however long the input is; the output is then saved.

The artifact is written once the run has succeeded or failed, then ``run_end`` hooks run (for
failed runs too) and the artifact is written again with whatever they added.

Sheets are loaded one at a time through a :class:`~ade_engine.read.SheetPool`: a sheet that has
tables stays loaded between detection and writing only while the other sheets kept loaded hold
at most :data:`RETAIN_CELLS` cells; otherwise it is parked (its rows copied to a temporary
file, the reader's copy freed) and its rows are read back from the file when they are written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from ade_engine.artifact import finish, new_artifact, write_artifact
from ade_engine.artifact_types import Artifact, ErrorRecord, InputInfo, Metrics, SecondaryError
from ade_engine.config import LoadedConfig, load_config
from ade_engine.errors import EngineError, InputError, OutputError
from ade_engine.events import EventCallback, EventSink
from ade_engine.passes.context import ProgressCallback, RunContext
from ade_engine.passes.detect import detect
from ade_engine.passes.map import before_save, map_tables, settle
from ade_engine.passes.rows import write_rows
from ade_engine.read import SheetPool, open_workbook
from ade_engine.read.csvchild import ReaderChild
from ade_engine.read.csvchild import start as start_reader
from ade_engine.summary import build_summary

__all__ = ["RETAIN_CELLS", "ProgressCallback", "RunResult", "run"]

#: Cells of already scanned sheets that may stay loaded (besides the sheet in use) so that
#: they need not be copied to disk and read back: about 50 MB of reader memory.
RETAIN_CELLS = 500_000
#: The cyclic garbage collector's first-generation threshold during the passes (Python's
#: default is 700): rows are allocated and freed by the million and hold no cycles, so the
#: default's frequent collections cost a tenth of a 1M-row CSV run without freeing anything.
GC_THRESHOLD = 100_000


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the passes with :data:`GC_THRESHOLD`, the objects alive at the start (modules,
    the config package) frozen out of every collection; both undone at the end."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, before[1], before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


@dataclass
class RunResult:
    """What :func:`run` returns (it never raises for a failed run: see ``status``)."""

    status: str  # "succeeded" or "failed"
    summary: dict[str, Any]
    output_path: Path | None
    artifact_path: Path
    events_path: Path | None
    metrics: Metrics
    error: ErrorRecord | None
    artifact: Artifact = field(repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"


def _passes(
    ctx: RunContext, input_path: Path, output_path: Path, reader: ReaderChild | None
) -> None:
    """Every pass in order, from ``run_start`` to the saved output (see the module docstring)."""
    artifact = ctx.artifact
    ctx.hooks("run_start")
    ctx.workbook = wb = open_workbook(input_path, artifact["input"]["name"], reader)
    artifact["input"]["format"] = wb.format
    details = {k: v for k, v in wb.details.items() if not k.startswith("_")}
    artifact["input"].update(cast(InputInfo, details))  # CSV: encoding and the like
    found = detect(ctx, wb)
    plans = map_tables(ctx, found)
    before_save(ctx, plans)
    settle(ctx, plans)
    writer = write_rows(ctx, plans, output_path)
    t0 = time.perf_counter()
    try:
        writer.close()
    except OSError as exc:
        raise OutputError(f"could not write {output_path.name}: {exc}") from exc
    ctx.produced = True
    ctx.timers.add("output", time.perf_counter() - t0)
    ctx.timers.complete("output", rows=artifact["metrics"]["rows_processed"])
    artifact["passes"] = ctx.timers.records()


def run(
    input_path: Path,
    config_path: Path,
    out_dir: Path,
    *,
    on_event: EventCallback | None = None,
    progress: ProgressCallback | None = None,
    events_path: Path | None = None,
    events_stream: IO[str] | None = None,
    artifact_path: Path | None = None,
    input_name: str | None = None,
    config_name: str | None = None,
) -> RunResult:
    """Run one input through one config package.

    Writes ``out_dir/normalized.xlsx``, ``artifact_path`` (default ``out_dir/artifact.json``)
    and ``events_path`` (default ``out_dir/events.ndjson``), or writes the events to
    ``events_stream`` instead (the sandbox's events pipe; closed at the end). Never raises for
    a failed run: the result's ``status`` is ``"failed"`` and ``error`` says why (the artifact
    is written either way, and no ``normalized.xlsx`` is left in ``out_dir``, not even one
    from an earlier run). ``on_event`` receives every event dict; ``progress(done, total)`` is
    called after each chunk of rows.
    """
    started = time.perf_counter()
    input_path, config_path, out_dir = Path(input_path), Path(config_path), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if events_stream is not None:
        events_path = None
    else:
        events_path = Path(events_path) if events_path else out_dir / "events.ndjson"
    artifact_path = Path(artifact_path) if artifact_path else out_dir / "artifact.json"
    output_path = out_dir / "normalized.xlsx"
    overwrites_input = _same_file(output_path, input_path)
    # An earlier run's outputs must not be taken for this run's, whatever happens next.
    for stale in (output_path, artifact_path):
        if not _same_file(stale, input_path):
            with contextlib.suppress(OSError):
                stale.unlink(missing_ok=True)
    # The name the input's user knows it by (an upload's), not where it was staged.
    name = input_name or input_path.name
    artifact = new_artifact(input_path, name)
    sink = EventSink(events_path, on_event, stream=events_stream)
    error: EngineError | None = None
    ctx: RunContext | None = None
    try:
        with contextlib.ExitStack() as stack:
            # A big CSV's first read starts in a child now, before any config code runs.
            reader = start_reader(input_path)
            if reader is not None:
                stack.callback(reader.close)
            try:
                # Names, not paths: events travel to clients, and a path would tell them
                # where the server keeps its files.
                sink.emit("run.started", input=name, config=config_name or config_path.name)
                if overwrites_input:
                    raise InputError(
                        f"the input is {output_path}, which the run would overwrite; "
                        "choose another output folder"
                    )
                config = stack.enter_context(load_config(config_path))
                ctx = _context(config, artifact, sink, progress)
                with _fewer_collections():
                    _passes(ctx, input_path, output_path, reader)
                finish(artifact, "succeeded", _elapsed_ms(started))
            except EngineError as exc:
                error = exc
            except Exception as exc:
                error = EngineError(f"internal error: {type(exc).__name__}: {exc}")
                error.type = "internal"
                sink.emit(
                    "log", level="error", message="internal error", traceback=traceback.format_exc()
                )
            finally:
                if ctx is not None:
                    ctx.close()
            if error is not None:
                _fail(artifact, error, ctx, output_path, started)
            # The artifact is final: write it, then run_end hooks (for failed runs too; the
            # config package is still loaded), then write it again with what they added.
            write_artifact(artifact, artifact_path)
            if ctx is not None and ctx.config.hooks.get("run_end"):
                late = _run_end(ctx, output_path, started)
                error = error or late
                write_artifact(artifact, artifact_path)
            if error is not None:
                sink.emit(
                    "run.failed",
                    error=artifact["error"],
                    elapsed_ms=artifact["metrics"]["elapsed_ms"],
                )
            else:
                sink.emit("run.completed", metrics=artifact["metrics"])
    finally:
        sink.close()
    succeeded = artifact["status"] == "succeeded"
    summary = build_summary(
        artifact, output_path if succeeded else None, artifact_path, events_path
    )
    return RunResult(
        status=artifact["status"],
        summary=summary,
        output_path=output_path if succeeded else None,
        artifact_path=artifact_path,
        events_path=events_path,
        metrics=artifact["metrics"].copy(),
        error=artifact["error"],
        artifact=artifact,
    )


def _context(
    config: LoadedConfig, artifact: Artifact, sink: EventSink, progress: ProgressCallback | None
) -> RunContext:
    """The run's context, once the package is loaded; the artifact records the package."""
    manifest = config.manifest
    artifact["config"] = {"title": manifest.title, "files_hash": config.files_hash}
    artifact["settings"] = dataclasses.asdict(manifest.engine)
    return RunContext(config, artifact, sink, SheetPool(RETAIN_CELLS), progress)


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def _fail(
    artifact: Artifact,
    error: EngineError,
    ctx: RunContext | None,
    output_path: Path,
    started: float,
) -> None:
    """Mark the artifact failed; no normalized.xlsx may stay behind."""
    if ctx is not None:
        if ctx.produced:
            output_path.unlink(missing_ok=True)
            ctx.produced = False
        artifact["passes"] = ctx.timers.records()
    finish(artifact, "failed", _elapsed_ms(started), error.to_dict())
    artifact["output"] = None


def _run_end(ctx: RunContext, output_path: Path, started: float) -> EngineError | None:
    """Call every ``run_end`` hook once, in manifest order, with the final artifact.

    On a run that succeeded so far, a hook that raises fails the run (its output is removed)
    and is returned as the run's error; the hooks after it still run and see the failed
    status. On a run that had already failed, a hook that raises does not replace the
    original error: it is recorded in the artifact's ``secondary_errors`` and as a
    ``hook.failed`` event.
    """
    artifact, new_error = ctx.artifact, None
    for rel, fn in ctx.config.hooks["run_end"]:
        try:
            ctx.call_hook(rel, fn, "run_end")
        except EngineError as exc:
            if artifact["status"] == "succeeded":
                new_error = exc
                _fail(artifact, exc, ctx, output_path, started)
                continue
            problem: SecondaryError = {"stage": "run_end", "hook": rel, **exc.to_dict()}
            artifact["secondary_errors"].append(problem)
            ctx.sink.emit(
                "hook.failed", stage="run_end", hook=rel, error=exc.to_dict(), secondary=True
            )
    return new_error
