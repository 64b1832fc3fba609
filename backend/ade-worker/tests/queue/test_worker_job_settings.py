"""The worker's job settings: defaults, environment, and the bounds that keep them sane."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ade_worker.materialize import Installer
from ade_worker.settings import WorkerSettings


def test_defaults() -> None:
    settings = WorkerSettings(_env_file=None)
    assert settings.job_max_attempts == 3
    assert settings.job_heartbeat_seconds == 5
    assert settings.job_stale_seconds == 30
    assert settings.reconcile_interval_seconds == 60
    assert settings.requeue_grace_seconds == 10
    assert settings.uv_bin is None
    assert settings.package_index_url == "https://pypi.org/simple"
    assert settings.installer == Installer(index_url="https://pypi.org/simple", uv_bin=None)


def test_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADE_JOB_MAX_ATTEMPTS", "5")
    monkeypatch.setenv("ADE_JOB_HEARTBEAT_SECONDS", "0.5")
    monkeypatch.setenv("ADE_JOB_STALE_SECONDS", "2")
    monkeypatch.setenv("ADE_RECONCILE_INTERVAL_SECONDS", "1")
    monkeypatch.setenv("ADE_REQUEUE_GRACE_SECONDS", "0")
    monkeypatch.setenv("ADE_UV_BIN", "/opt/uv/bin/uv")
    monkeypatch.setenv("ADE_PACKAGE_INDEX_URL", "https://pypi.internal.example/simple/")
    settings = WorkerSettings(_env_file=None)
    assert settings.job_max_attempts == 5
    assert settings.job_heartbeat_seconds == 0.5
    assert settings.job_stale_seconds == 2
    assert settings.reconcile_interval_seconds == 1
    assert settings.requeue_grace_seconds == 0
    assert settings.uv_bin == "/opt/uv/bin/uv"
    assert settings.installer == Installer(
        index_url="https://pypi.internal.example/simple/", uv_bin="/opt/uv/bin/uv"
    )


@pytest.mark.parametrize(
    "values",
    [
        {"job_max_attempts": 0},
        {"job_max_attempts": 101},
        {"job_heartbeat_seconds": 0},
        {"job_stale_seconds": -1},
        {"reconcile_interval_seconds": 0},
        {"requeue_grace_seconds": -1},
        # A threshold at or below the heartbeat period would take live jobs for lost ones.
        {"job_heartbeat_seconds": 10, "job_stale_seconds": 10},
        # The one index must be an index URL, not a path or an option.
        {"package_index_url": "/srv/wheels"},
        {"package_index_url": "--find-links=/tmp"},
        {"package_index_url": "ftp://mirror.example/simple"},
        {"package_index_url": "https:///simple"},
        {"package_index_url": "https://pypi.org/simple --extra-index-url x"},
    ],
)
def test_bounds(values: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        WorkerSettings(_env_file=None, **values)  # type: ignore[arg-type]
