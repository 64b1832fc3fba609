"""The quickstart's "Your first job" commands, run as written against `ade start`.

The block is taken from docs/quickstart.md itself, so the page cannot drift from what works.
Two adjustments only: the API's port (the test picks a free one instead of 8000) and `uv run`
(the test already runs inside the project's environment, so `uv run X` is just `X`).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import python_calamine

from ade_db.types import new_id
from ade_worker.embedded_redis import EmbeddedRedis, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[4]
QUICKSTART = ROOT / "docs" / "quickstart.md"


def first_job_block() -> str:
    text = QUICKSTART.read_text(encoding="utf-8")
    section = text.split("## Your first job", 1)[1]
    match = re.search(r"```bash\n(.*?)```", section, re.S)
    assert match, "the quickstart has no bash block under 'Your first job'"
    return match.group(1)


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="needs curl and jq")
def test_the_quickstart_first_job_runs_as_written(
    real_redis: EmbeddedRedis, tmp_path: Path
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADE_")}
    env |= {
        "ADE_STORAGE_DATA_DIR": str(tmp_path / "data"),
        "ADE_REDIS_URL": real_redis.url,
        "ADE_QUEUE_NAME": f"docs-{new_id().lower()}",
        "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
    }
    subprocess.run(
        [sys.executable, "-m", "ade_cli", "db", "migrate"], env=env, check=True, capture_output=True
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "ade_cli", "start", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "ade start exited"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.2)
        script = first_job_block().replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        prelude = 'set -euo pipefail\nuv() { [ "$1" = run ] && shift; "$@"; }\n'
        epilogue = (
            '\necho "JOB_STATUS=$(curl -s $API/workspaces/$WS/jobs/$JOB -H "$AUTH"'
            ' | jq -r .status)"\n'
        )
        done = subprocess.run(
            ["bash", "-c", prelude + script + epilogue],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "JOB_STATUS=succeeded" in done.stdout, done.stdout
        assert "event: job.succeeded" in done.stdout  # the live stream ran to the end
        rows = (
            python_calamine.CalamineWorkbook.from_path(str(tmp_path / "normalized.xlsx"))
            .get_sheet_by_name("Normalized")
            .to_python()
        )
        assert rows[0][:2] == ["Member ID", "First Name"]
        assert len(rows) == 6
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
