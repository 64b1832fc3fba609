"""`ade worker start` logs like the API: one JSON object per line, RQ's own messages included,
and a job's state changes with their fields at the top level."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

from ade_db.types import new_id
from ade_worker.embedded_redis import EmbeddedRedis
from ade_worker.logs import JsonFormatter
from ade_worker.record import log_transition

pytestmark = pytest.mark.redis

RunAde = Callable[..., Any]


def test_every_line_the_worker_writes_is_json(
    run_ade: RunAde, ade_env: dict[str, str], real_redis: EmbeddedRedis
) -> None:
    env = ade_env | {
        "ADE_SANDBOX": "none",
        "ADE_REDIS_URL": real_redis.url,
        "ADE_QUEUE_NAME": f"logs-{new_id().lower()}",
    }
    assert run_ade("db", "migrate", env=env).returncode == 0
    done = run_ade("worker", "start", "--burst", env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines, "the worker logged nothing"
    records = [json.loads(line) for line in lines]  # fails on any line that is not JSON
    for record in records:
        assert {"time", "level", "logger", "message"} <= record.keys(), record
    assert any(r["logger"].startswith("rq.") for r in records), records  # RQ's own, as JSON


def test_a_transition_is_one_json_line_with_its_fields_on_top() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("ade_worker.jobs")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        log_transition("01JOB", "running", 2, "req-1", by="reconciler")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    record = json.loads(stream.getvalue())
    assert record["message"] == "job 01JOB: running"
    assert (record["event"], record["job_id"], record["status"]) == (
        "job.transition",
        "01JOB",
        "running",
    )
    assert (record["attempt"], record["request_id"], record["by"]) == (2, "req-1", "reconciler")


def test_uvicorns_coloured_copy_of_a_message_is_left_out() -> None:
    # uvicorn logs "Started server process [%d]" with `color_message`, the same template with
    # terminal colour codes: a JSON line carries the message once, without escape codes.
    record = logging.makeLogRecord(
        {
            "name": "uvicorn.error",
            "msg": "Started server process [%d]",
            "args": (42,),
            "color_message": "Started server process [\x1b[36m%d\x1b[0m]",
        }
    )
    line = JsonFormatter().format(record)
    assert json.loads(line)["message"] == "Started server process [42]"
    assert "color_message" not in json.loads(line)
    assert "\\u001b" not in line
