"""The how-to guides' local commands, run as written (`uv run X` is `X` inside the test's
environment). Blocks marked ```text need a running server and are shown, not run here."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
SHIM = 'set -euo pipefail\nuv() { [ "$1" = run ] && shift; "$@"; }\n'


def bash_blocks(page: Path) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", page.read_text(encoding="utf-8"), re.S)


def run_page(page: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADE_")}
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    env["ADE_STORAGE_DATA_DIR"] = str(cwd / "data")
    script = SHIM + "\n".join(bash_blocks(page))
    return subprocess.run(
        ["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_write_a_config_package_runs_as_written(tmp_path: Path) -> None:
    page = ROOT / "docs" / "how-to" / "write-a-config-package.md"
    assert len(bash_blocks(page)) == 3
    done = run_page(page, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    manifest = json.loads((tmp_path / "my-roster" / "manifest.json").read_text())
    assert "country" in [c["field"] for c in manifest["columns"]]
    artifact = json.loads((tmp_path / "out" / "artifact.json").read_text())
    assert artifact["status"] == "succeeded"
    table = artifact["sheets"][0]["tables"][0]
    assert "country" in table["unmapped_fields"] or "country" in json.dumps(
        table["unmapped_fields"]
    )
    assert "validate found the problem" in done.stdout
    assert "columns/country.py" in done.stdout + done.stderr  # the problem names the file
