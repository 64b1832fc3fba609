"""docs/how-to/write-a-config-package.md, run as written: build the package locally with
`ade config ...` and `ade run`, then pack, import and publish it on a running ADE.

The page's precondition for the last step, "signed in as in the quickstart", is met with the
quickstart's own commands (its "Your first job" block up to the workspace's creation).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from ade_cli.testing import ROOT, RunPage, Stack

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

PAGE = ROOT / "docs" / "how-to" / "write-a-config-package.md"
QUICKSTART = ROOT / "docs" / "quickstart.md"


def quickstart_sign_in() -> str:
    """The quickstart's commands that create the admin, sign in and create a workspace."""
    section = QUICKSTART.read_text(encoding="utf-8").split("## Your first job", 1)[1]
    match = re.search(r"```bash\n(.*?)```", section, re.S)
    assert match, "the quickstart has no 'Your first job' block"
    head, found, _ = match.group(1).partition("\nCID=")
    assert found, "the quickstart no longer creates a config after the workspace"
    # The page starts again from the checkout (the quickstart moved to a temporary folder).
    return head + '\ncd "$OLDPWD"\n'


def test_write_a_config_package_runs_as_written(
    ade_stack: Stack, run_page: RunPage, tmp_path: Path
) -> None:
    done = run_page(
        PAGE,
        env=ade_stack.env,
        port=ade_stack.port,
        cwd=ade_stack.checkout,
        prelude=quickstart_sign_in(),
    )
    assert done.returncode == 0, done.output
    work = done.scratch
    manifest = json.loads((work / "my-roster" / "manifest.json").read_text())
    assert "country" in [c["field"] for c in manifest["columns"]]
    artifact = json.loads((work / "out" / "artifact.json").read_text())
    assert artifact["status"] == "succeeded"
    assert "country" in json.dumps(artifact["sheets"][0]["tables"][0]["unmapped_fields"])
    assert "validate found the problem" in done.stdout
    assert "columns/country.py" in done.output  # the problem names the file
    # The package arrived whole and was published, with the hash `ade run` computes locally
    # for the same files (samples/ is not part of what was packed).
    published = json.loads(done.stdout.strip().splitlines()[-1])  # the page's last command
    assert published["status"] == "published"
    assert published["semver"] == "1.0.0"
    token = httpx.post(
        f"{ade_stack.url}/api/v1/auth/login",
        json={"email": "admin@example.org", "password": "change-me-please"},
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    ws = httpx.get(f"{ade_stack.url}/api/v1/workspaces", headers=headers).json()["items"][0]
    configs = httpx.get(f"{ade_stack.url}/api/v1/workspaces/{ws['id']}/configs", headers=headers)
    (config,) = configs.json()["items"]
    assert config["slug"] == "my-roster"
    assert config["published_semver"] == "1.0.0"
    country = httpx.get(
        f"{ade_stack.url}/api/v1/workspaces/{ws['id']}/configs/{config['id']}"
        f"/versions/{published['version_id']}/files/columns/country.py",
        headers=headers,
    )
    assert country.status_code == 200
    assert country.json()["code"] == (work / "my-roster" / "columns" / "country.py").read_text()
