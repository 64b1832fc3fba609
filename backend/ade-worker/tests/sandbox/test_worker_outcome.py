"""A failed run's error comes from its artifact when the artifact has the artifact's shape, and
from the run's last words on stderr when it does not (config code may have broken it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ade_engine.artifact import finish, new_artifact, write_artifact
from ade_engine.artifact_types import ErrorRecord
from ade_worker.limits import SandboxLimits
from ade_worker.outcome import outcome_for_exit, read_artifact

STDERR = "Traceback ...\nerror: the input is corrupt\n"


@pytest.fixture
def job_dir(tmp_path: Path) -> Path:
    (tmp_path / "output").mkdir()
    return tmp_path


def test_the_error_of_a_failed_run_comes_from_its_artifact(job_dir: Path) -> None:
    artifact = new_artifact(job_dir / "input.xlsx")
    error: ErrorRecord = {
        "type": "config_code",
        "message": "bad value",
        "file": "columns/a.py",
        "line": 3,
        "exception": "ValueError",
    }
    finish(artifact, "failed", 12, error)
    write_artifact(artifact, job_dir / "output" / "artifact.json")
    status, found, retryable = outcome_for_exit(job_dir, 1, 0.1, STDERR, SandboxLimits())
    assert (status, retryable) == ("failed", False)
    assert found == error
    written = read_artifact(job_dir)
    assert written is not None
    assert written["metrics"]["elapsed_ms"] == 12


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"error": {"type": "input", "message": "no schema"}}),
        json.dumps({"schema": "ade.artifact/v1", "error": {"message": "the rest is missing"}}),
    ],
)
def test_an_artifact_without_the_shape_falls_back_to_stderr(job_dir: Path, content: str) -> None:
    (job_dir / "output" / "artifact.json").write_text(content)
    assert read_artifact(job_dir) is None
    _, error, _ = outcome_for_exit(job_dir, 1, 0.1, STDERR, SandboxLimits())
    assert error == {"type": "engine", "message": "the input is corrupt"}


def test_no_artifact_at_all(job_dir: Path) -> None:
    assert read_artifact(job_dir) is None
    _, error, _ = outcome_for_exit(job_dir, 1, 0.1, "", SandboxLimits())
    assert error == {"type": "engine", "message": "the run failed without saying why"}
