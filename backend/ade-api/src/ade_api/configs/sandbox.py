"""Plans and dry-runs of config drafts, run in the worker's sandbox (never in this process).

The API only writes the draft's files and the document into a folder under
`data/dry-runs/<config_id>/<run_id>/`, runs `python -m ade_engine` for it through
`ade_worker.sandbox.run_engine` (the same jail the worker uses for jobs: bubblewrap, as the
sandbox user, started with an empty environment, so nothing of this process reaches the
config code) and reads back what the run handed out: `output/plan.json` for a plan,
`output/artifact.json`, `output/normalized.xlsx` and the relayed events for a dry-run. When
the jail cannot be set up the request fails with 503 naming the missing piece. A bounded
number run at once per API process; more answer 429.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ade_api.configs._package import check_requirements, problems_error, requirements_error
from ade_api.errors import RateLimitedError, ServiceUnavailableError
from ade_db.types import new_id
from ade_engine.artifact_types import Artifact
from ade_engine.manifest import ConfigProblem
from ade_storage import StorageLayout, resolve_within
from ade_worker.jail import Jail, JailProvider, JailUnavailableError
from ade_worker.materialize import Installer, prepare_vendor
from ade_worker.outcome import read_artifact, tail
from ade_worker.requirements import REQUIREMENTS_FILE, RequirementsError
from ade_worker.sandbox import SandboxLimits, SandboxOutcome, run_engine

PLAN_SCHEMA = "ade.plan/v1"
_BUSY_RETRY_AFTER = 5
CONSOLE_BYTES = 64 * 1024
"""How much of a dry-run's stdout and stderr (each, the end) its answer carries."""


@dataclass(frozen=True)
class PlanReport:
    """What `python -m ade_engine --plan` found (or why it could not finish)."""

    valid: bool
    problems: list[ConfigProblem]
    plan: dict[str, Any]


@dataclass(frozen=True)
class DryRunReport:
    """A finished dry-run: the sandbox's outcome and what the engine left behind."""

    run_id: str
    outcome: SandboxOutcome
    artifact: Artifact | None  # None when the run left no readable artifact
    events: list[dict[str, Any]]
    output: Path | None
    stdout: str = ""
    stderr: str = ""


class Sandbox:
    """Runs config drafts in sandbox subprocesses for one API process."""

    def __init__(
        self,
        layout: StorageLayout,
        limits: SandboxLimits,
        *,
        jail: JailProvider,
        max_concurrent: int,
        retention_seconds: int,
        installer: Installer,
    ) -> None:
        self.layout = layout
        self.limits = limits
        self.jail = jail
        self.installer = installer
        self.retention_seconds = retention_seconds
        self._slots = threading.BoundedSemaphore(max_concurrent)

    def _jail(self) -> Jail | None:
        """The jail config code must run in (fail closed: 503 when it cannot be set up)."""
        try:
            return self.jail.get()
        except JailUnavailableError as exc:
            raise ServiceUnavailableError(
                f"config code cannot run: the sandbox jail is unavailable ({exc})"
            ) from None

    @contextmanager
    def _slot(self) -> Iterator[None]:
        if not self._slots.acquire(blocking=False):
            raise RateLimitedError(
                "too many plans and dry-runs are running; try again shortly",
                retry_after=_BUSY_RETRY_AFTER,
            )
        try:
            yield
        finally:
            self._slots.release()

    def _prepare(self, config_id: str, files: Mapping[str, bytes]) -> tuple[str, Path]:
        requirements = files.get(REQUIREMENTS_FILE)
        # Drafts saved before the rule existed: refused before anything is written.
        check_requirements(requirements)
        run_id = new_id()
        workdir = self.layout.dry_run_dir(config_id, run_id)
        config_dir = workdir / "config"
        for sub in ("input", "config", "output", "logs"):
            (workdir / sub).mkdir(parents=True, exist_ok=True)
        for path, content in files.items():
            target = resolve_within(config_dir, path)  # paths were checked on the way in, too
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        try:
            # The draft's requirements, installed (once per hash) as the worker does for jobs.
            prepare_vendor(workdir, requirements, layout=self.layout, installer=self.installer)
        except RequirementsError as exc:
            shutil.rmtree(workdir, ignore_errors=True)
            raise requirements_error(
                f"the package's {REQUIREMENTS_FILE} could not be installed", exc
            ) from None
        return run_id, workdir

    # ------------------------------------------------------------------ plan

    def plan(self, config_id: str, files: Mapping[str, bytes]) -> PlanReport:
        """Validate the package in the sandbox and list what a run would execute."""
        jail = self._jail()
        with self._slot():
            _, workdir = self._prepare(config_id, files)
            try:
                outcome = run_engine(workdir, limits=self.limits, jail=jail, extra_args=["--plan"])
                return _plan_report(workdir / "output" / "plan.json", outcome)
            finally:
                shutil.rmtree(workdir, ignore_errors=True)

    def require_valid(self, config_id: str, files: Mapping[str, bytes]) -> None:
        """400 listing every problem unless the package passes the sandbox plan."""
        report = self.plan(config_id, files)
        if not report.valid:
            raise problems_error("the config package is invalid", report.problems)

    # ------------------------------------------------------------------ dry-run

    def dry_run(
        self,
        config_id: str,
        files: Mapping[str, bytes],
        document: BinaryIO,
        suffix: str,
        *,
        timeout_seconds: float,
        input_name: str | None = None,
    ) -> DryRunReport:
        """Run the draft on a document; the folder stays for `retention_seconds` so its
        preview output can be downloaded, then a later dry-run prunes it."""
        self.prune()
        jail = self._jail()
        with self._slot():
            run_id, workdir = self._prepare(config_id, files)
            with (workdir / "input" / f"source{suffix}").open("wb") as out:
                shutil.copyfileobj(document, out, 1024 * 1024)
            events: list[dict[str, Any]] = []
            limits = dataclasses.replace(
                self.limits, wall_seconds=min(self.limits.wall_seconds, timeout_seconds)
            )
            # The engine names the input as its user knows it (the upload's name).
            named = ["--input-name", input_name] if input_name else []
            outcome = run_engine(
                workdir, limits=limits, jail=jail, extra_args=named, on_event=events.append
            )
            artifact = read_artifact(workdir)
            output = workdir / "output" / "normalized.xlsx"
            return DryRunReport(
                run_id=run_id,
                outcome=outcome,
                artifact=artifact,
                events=events,
                output=output if outcome.status == "succeeded" and output.is_file() else None,
                stdout=_engine_output_removed(tail(workdir / "logs" / "stdout.log", CONSOLE_BYTES)),
                stderr=tail(workdir / "logs" / "stderr.log", CONSOLE_BYTES),
            )

    def output_path(self, config_id: str, run_id: str) -> Path | None:
        """The preview workbook of a dry-run that is still kept, else None."""
        output = self.layout.dry_run_dir(config_id, run_id) / "output" / "normalized.xlsx"
        if not output.is_file() or self._expired(output.parent.parent):
            return None
        return output

    def _expired(self, workdir: Path) -> bool:
        try:
            return time.time() - workdir.stat().st_mtime > self.retention_seconds
        except FileNotFoundError:
            return True

    def prune(self) -> None:
        """Remove dry-run folders older than the retention period."""
        root = self.layout.dry_runs_dir
        if not root.is_dir():
            return
        for config_dir in root.iterdir():
            for workdir in config_dir.iterdir() if config_dir.is_dir() else ():
                if self._expired(workdir):
                    shutil.rmtree(workdir, ignore_errors=True)


def _engine_output_removed(stdout: str) -> str:
    """Config code's stdout without the engine's own last line (its JSON summary)."""
    lines = stdout.splitlines(keepends=True)
    while lines and not lines[-1].strip():
        lines.pop()
    if lines:
        try:
            last = json.loads(lines[-1])
        except ValueError:
            last = None
        if isinstance(last, dict) and "status" in last and "metrics" in last:
            lines.pop()
    return "".join(lines)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _plan_report(path: Path, outcome: SandboxOutcome) -> PlanReport:
    plan = _read_json(path)
    if plan is None or plan.get("schema") != PLAN_SCHEMA:
        # The engine could not even write its report: a module that hangs, exits or exhausts
        # a limit while importing. Say so as one problem.
        error = outcome.error or {}
        message = error.get("message") or f"the sandbox ended with status {outcome.status}"
        problem = ConfigProblem(
            message=f"the package could not be checked: {message}",
            file=error.get("file"),
            line=error.get("line"),
        )
        return PlanReport(valid=False, problems=[problem], plan={})
    problems = [
        ConfigProblem(
            message=str(p.get("message", "")),
            path=p.get("path"),
            file=p.get("file"),
            line=p.get("line"),
        )
        for p in plan.get("problems", [])
        if isinstance(p, dict)
    ]
    return PlanReport(valid=bool(plan.get("valid")) and not problems, problems=problems, plan=plan)
