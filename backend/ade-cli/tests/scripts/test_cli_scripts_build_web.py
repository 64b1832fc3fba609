"""scripts/lib/bootstrap.sh's `build_web`, run by bash on a small stand-in web app.

The stand-in has what the real one has for the build: package.json (its `build` script a
few lines of Node writing dist/index.html), package-lock.json (no dependencies, so `npm ci`
needs no network), src/ and index.html. Every build appends a line to builds.log.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None, reason="needs node and npm"
)

BUILD = """\
const fs = require("fs");
const source = fs.readFileSync("src/main.js", "utf8");
if (source.includes("BROKEN")) {
  console.error("src/main.js:1: BROKEN is not valid here");
  process.exit(2);
}
fs.mkdirSync("dist", { recursive: true });
fs.writeFileSync("dist/index.html", "<script>" + source + "</script>");
fs.appendFileSync("builds.log", "built\\n");
console.log("a lot of build output nobody needs to see");
"""


@pytest.fixture
def app(tmp_path: Path) -> Path:
    app = tmp_path / "frontend" / "ade-web"
    (app / "src").mkdir(parents=True)
    manifest = {"name": "fake-web", "version": "0.0.0", "private": True}
    (app / "package.json").write_text(json.dumps({**manifest, "scripts": {"build": "node b.js"}}))
    lock = {**manifest, "lockfileVersion": 3, "requires": True, "packages": {"": manifest}}
    (app / "package-lock.json").write_text(json.dumps(lock))
    (app / "b.js").write_text(BUILD)
    (app / "index.html").write_text("<div id=root></div>")
    (app / "src" / "main.js").write_text("console.log('v1')")
    return app


def build_web(cwd: Path) -> subprocess.CompletedProcess[str]:
    """`build_web` as scripts/start runs it: sourced, with `set -euo pipefail`, in `cwd`."""
    script = f"set -euo pipefail\nsource {ROOT}/scripts/lib/bootstrap.sh\nbuild_web\necho done"
    return subprocess.run(
        ["bash", "-c", script], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def builds(app: Path) -> int:
    log = app / "builds.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_first_run_installs_and_builds_quietly(app: Path) -> None:
    done = build_web(app.parents[1])
    assert done.returncode == 0, done.stderr
    assert "npm ci" in done.stderr
    assert "npm run build" in done.stderr
    assert "a lot of build output" not in done.stdout + done.stderr
    assert (app / "dist" / "index.html").read_text() == "<script>console.log('v1')</script>"
    assert builds(app) == 1


def test_nothing_changed_nothing_runs(app: Path) -> None:
    assert build_web(app.parents[1]).returncode == 0
    again = build_web(app.parents[1])
    assert again.returncode == 0, again.stderr
    assert again.stderr == ""
    assert again.stdout == "done\n"
    assert builds(app) == 1


def test_a_changed_source_rebuilds_without_reinstalling(app: Path) -> None:
    assert build_web(app.parents[1]).returncode == 0
    (app / "src" / "main.js").write_text("console.log('v2')")
    done = build_web(app.parents[1])
    assert done.returncode == 0, done.stderr
    assert "npm ci" not in done.stderr
    assert "v2" in (app / "dist" / "index.html").read_text()
    assert builds(app) == 2


def test_a_new_file_or_a_deleted_dist_rebuilds(app: Path) -> None:
    assert build_web(app.parents[1]).returncode == 0
    (app / "src" / "extra.css").write_text("body {}")
    assert build_web(app.parents[1]).returncode == 0
    assert builds(app) == 2
    shutil.rmtree(app / "dist")
    assert build_web(app.parents[1]).returncode == 0
    assert builds(app) == 3
    assert (app / "dist" / "index.html").is_file()


def test_a_changed_lockfile_installs_again(app: Path) -> None:
    assert build_web(app.parents[1]).returncode == 0
    lock = json.loads((app / "package-lock.json").read_text())
    lock["packages"][""]["version"] = lock["version"] = "0.0.1"
    (app / "package-lock.json").write_text(json.dumps(lock))
    done = build_web(app.parents[1])
    assert done.returncode == 0, done.stderr
    assert "npm ci" in done.stderr
    assert builds(app) == 2  # the lockfile is one of the build's inputs too


def test_a_failed_build_is_loud_and_stops_the_script(app: Path) -> None:
    (app / "src" / "main.js").write_text("BROKEN")
    done = build_web(app.parents[1])
    assert done.returncode != 0
    assert "src/main.js:1: BROKEN is not valid here" in done.stderr
    assert "failed (exit 2): npm run build" in done.stderr
    assert "done" not in done.stdout
    # Fixed, it builds: the failure left no stamp saying it was built.
    (app / "src" / "main.js").write_text("console.log('fixed')")
    assert build_web(app.parents[1]).returncode == 0
    assert builds(app) == 1


def test_a_checkout_without_the_web_app_skips_with_a_log_line(tmp_path: Path) -> None:
    done = build_web(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "no web app in frontend/ade-web" in done.stderr
    assert done.stdout == "done\n"
