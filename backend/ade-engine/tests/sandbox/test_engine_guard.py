"""The sandbox guard: under python -m ade_engine, config code may change files only inside the
job folder and may not start processes; a violation fails the run like any config error."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROWS = "Member ID,Email\n1,a@x.org\n2,b@x.org\n"


def make_job(root: Path, config: Path) -> Path:
    (root / "input").mkdir(parents=True)
    (root / "input" / "members.csv").write_text(ROWS)
    config.rename(root / "config")
    return root


def engine(job: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ade_engine", "--job-dir", str(job), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def hook_job(tmp_path: Path, config_dir: Callable[..., Path], body: str) -> Path:
    """A job whose run_start hook runs ``body`` (line 6 of hooks/evil.py is its first line)."""
    source = "import os\nimport subprocess\n\n\ndef run(**_):\n" + textwrap.indent(
        textwrap.dedent(body), "    "
    )
    config = config_dir(hooks={"run_start": ["hooks/evil.py"]}, files={"hooks/evil.py": source})
    return make_job(tmp_path / "job", config)


def failed_artifact(job: Path, proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert proc.returncode == 1, proc.stderr
    art: dict[str, Any] = json.loads((job / "output" / "artifact.json").read_text())
    assert art["status"] == "failed"
    assert json.loads(proc.stdout.strip().splitlines()[-1])["status"] == "failed"
    assert not (job / "output" / "normalized.xlsx").exists()
    return art


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("open({outside!r}, 'w').write('x')", "opening {outside} for writing"),
        ("open({outside!r}, 'a').write('x')", "opening {outside} for writing"),
        ("os.close(os.open({outside!r}, os.O_CREAT | os.O_WRONLY))", "opening {outside} for"),
        ("open(os.path.relpath({outside!r}), 'w')", "opening {outside} for writing"),
        ("os.remove({victim!r})", "os.remove on {victim}"),
        ("os.rename({victim!r}, 'stolen.txt')", "os.rename on {victim}"),
        ("os.mkdir({outside!r})", "os.mkdir on {outside}"),
        ("os.chmod({victim!r}, 0o777)", "os.chmod on {victim}"),
        ("subprocess.run(['true'])", "starting processes is not allowed (subprocess.Popen)"),
        ("os.system('true')", "starting processes is not allowed (os.system)"),
        ("os.fork()", "starting processes is not allowed (os.fork)"),
    ],
)
def test_config_code_cannot_touch_the_outside(
    tmp_path: Path, config_dir: Callable[..., Path], body: str, expected: str
) -> None:
    outside, victim = tmp_path / "outside.txt", tmp_path / "victim.txt"
    victim.write_text("keep me")
    victim.chmod(0o644)
    names = {"outside": str(outside), "victim": str(victim)}
    job = hook_job(
        tmp_path, config_dir, "os.chdir(os.path.dirname(__file__))\n" + body.format(**names)
    )
    proc = engine(job)
    art = failed_artifact(job, proc)
    error = art["error"]
    assert error["type"] == "config_code"
    assert error["exception"] == "PermissionError"
    assert (error["file"], error["line"]) == ("hooks/evil.py", 7)
    assert "PermissionError: sandbox: " + expected.format(**names) in error["message"]
    assert "hooks/evil.py:7" in proc.stderr
    assert not outside.exists()
    assert victim.read_text() == "keep me"
    assert victim.stat().st_mode & 0o777 == 0o644


def test_a_detector_that_writes_outside_fails_the_run(
    tmp_path: Path, config_dir: Callable[..., Path]
) -> None:
    outside = tmp_path / "leak.txt"
    detector = (
        "from pathlib import Path\n\n\n"
        f"def detect_x(**_):\n    Path({str(outside)!r}).write_text('x')\n"
    )
    job = make_job(tmp_path / "job", config_dir(modules={"email": detector}))
    art = failed_artifact(job, engine(job))
    assert art["error"]["exception"] == "PermissionError"
    assert (art["error"]["file"], art["error"]["line"]) == ("columns/email.py", 5)
    assert not outside.exists()


def test_writing_outside_while_importing_fails_the_run(
    tmp_path: Path, config_dir: Callable[..., Path]
) -> None:
    outside = tmp_path / "at-import.txt"
    module = f"import shutil\n\nshutil.rmtree({str(tmp_path / 'victim-dir')!r})\n"
    (tmp_path / "victim-dir").mkdir()
    job = make_job(tmp_path / "job", config_dir(modules={"phone": module}))
    art = failed_artifact(job, engine(job))
    assert art["error"]["exception"] == "PermissionError"
    assert (art["error"]["file"], art["error"]["line"]) == ("columns/phone.py", 3)
    assert (tmp_path / "victim-dir").is_dir()
    assert not outside.exists()


def test_a_plan_reports_a_violation_at_import_as_a_problem(
    tmp_path: Path, config_dir: Callable[..., Path]
) -> None:
    outside = tmp_path / "plan-leak.txt"
    module = f"\nopen({str(outside)!r}, 'w')\n"
    job = make_job(tmp_path / "job", config_dir(modules={"email": module}))
    proc = engine(job, "--plan")
    assert proc.returncode == 1
    plan = json.loads((job / "output" / "plan.json").read_text())
    ((problem),) = plan["problems"]
    assert (problem["file"], problem["line"]) == ("columns/email.py", 2)
    assert "PermissionError: sandbox: opening" in problem["message"]
    assert not outside.exists()


def test_symlinks_do_not_lead_out(tmp_path: Path, config_dir: Callable[..., Path]) -> None:
    # A link that was already in the job folder (made before the guard) still leads nowhere.
    (tmp_path / "elsewhere").mkdir()
    link = tmp_path / "job" / "tmp" / "link"
    job = hook_job(tmp_path, config_dir, f"open({str(link / 'x.txt')!r}, 'w')")
    link.parent.mkdir()
    link.symlink_to(tmp_path / "elsewhere")
    art = failed_artifact(job, engine(job))
    assert "opening " + str(tmp_path / "elsewhere" / "x.txt") in art["error"]["message"]
    assert (art["error"]["file"], art["error"]["line"]) == ("hooks/evil.py", 6)
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_config_code_may_use_the_job_folder_and_read_anything(
    tmp_path: Path, config_dir: Callable[..., Path]
) -> None:
    readable = tmp_path / "readable.txt"
    readable.write_text("shared data")
    body = f"""
        import shutil
        import tempfile
        from pathlib import Path

        def run(*, state, logger, **_):
            logger.info(Path({str(readable)!r}).read_text())
            with tempfile.NamedTemporaryFile("w", delete=False, suffix=".txt") as fh:
                fh.write("scratch")
            work = Path(tempfile.mkdtemp())
            (work / "a.txt").write_text("a")
            os.replace(work / "a.txt", work / "b.txt")  # relative and absolute renames inside
            os.chdir(work)
            os.rename("b.txt", "c.txt")
            shutil.rmtree(work)
            os.symlink("a.txt", os.path.join(tempfile.gettempdir(), "link"))
            logger.info(fh.name)
            open(os.devnull, "w").write("nothing")
    """
    config = config_dir(
        hooks={"run_start": ["hooks/ok.py"]},
        files={"hooks/ok.py": "import os\n" + textwrap.dedent(body)},
    )
    job = make_job(tmp_path / "job", config)
    proc = engine(job)
    assert proc.returncode == 0, proc.stderr
    events = [
        json.loads(line) for line in (job / "logs" / "events.ndjson").read_text().splitlines()
    ]
    logged = [e["message"] for e in events if e["event"] == "log" and "message" in e]
    assert "shared data" in logged
    (scratch,) = [Path(m) for m in logged if m.endswith(".txt")]
    assert scratch.parent == job / "tmp"
    assert scratch.read_text() == "scratch"
    assert (job / "output" / "normalized.xlsx").is_file()


def test_a_guarded_run_of_a_spreadsheet_succeeds(
    tmp_path: Path, xlsx: Callable[..., Path], roster_config: Path
) -> None:
    # Reading a workbook loads python-calamine and mapping loads scipy, both after the guard.
    workbook = xlsx([{"name": "S", "rows": [["Member ID", "Email"], [1, "a@x.org"]]}])
    job = tmp_path / "job"
    (job / "input").mkdir(parents=True)
    workbook.rename(job / "input" / workbook.name)
    roster_config.rename(job / "config")
    proc = subprocess.run(
        [sys.executable, "-I", "-B", "-m", "ade_engine", "--job-dir", str(job)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=job,
    )
    assert proc.returncode == 0, proc.stderr
    art = json.loads((job / "output" / "artifact.json").read_text())
    assert art["status"] == "succeeded"
    assert art["metrics"]["rows_processed"] == 1


GUARD_SCRIPT = """
import os, sys, tempfile
from pathlib import Path
from ade_engine import guard

job, other, outside = (Path(p) for p in sys.argv[1:4])
guard.install(job, allow_dirs=[other])

def attempt(name, fn):
    try:
        fn()
        print(name, "allowed")
    except PermissionError:
        print(name, "refused")

attempt("write-job", lambda: (job / "a.txt").write_text("a"))
attempt("write-allowed-dir", lambda: (other / "b.txt").write_text("b"))
attempt("write-outside", lambda: (outside / "c.txt").write_text("c"))
attempt("write-system-temp", lambda: tempfile.TemporaryFile(dir=outside))
attempt("read-outside", lambda: (outside / "existing.txt").read_text())
attempt("rename-in-to-out", lambda: os.rename(job / "a.txt", outside / "a.txt"))
attempt("rename-out-to-in", lambda: os.rename(outside / "existing.txt", job / "x.txt"))
attempt("hardlink-outside-file-in", lambda: os.link(outside / "existing.txt", job / "h.txt"))
attempt("symlink-to-outside", lambda: os.symlink(outside, job / "s"))
attempt("truncate-outside", lambda: os.truncate(outside / "existing.txt", 0))
attempt("rmtree-outside", lambda: __import__("shutil").rmtree(outside))
attempt("posix-spawn", lambda: os.posix_spawn("/bin/true", ["true"], {}))
attempt("exec", lambda: os.execv("/bin/true", ["true"]))
attempt("gc-objects", lambda: __import__("gc").get_objects())
attempt("remove-in-job", lambda: os.remove(job / "a.txt"))
"""


def test_guard_install_directly(tmp_path: Path) -> None:
    job, other, outside = tmp_path / "job", tmp_path / "other", tmp_path / "outside"
    for folder in (job, other, outside):
        folder.mkdir()
    (outside / "existing.txt").write_text("untouched")
    proc = subprocess.run(
        [sys.executable, "-c", GUARD_SCRIPT, str(job), str(other), str(outside)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    results = dict(line.split() for line in proc.stdout.splitlines())
    assert results == {
        "write-job": "allowed",
        "write-allowed-dir": "allowed",
        "write-outside": "refused",
        "write-system-temp": "refused",
        "read-outside": "allowed",
        "rename-in-to-out": "refused",
        "rename-out-to-in": "refused",
        "hardlink-outside-file-in": "refused",
        "symlink-to-outside": "refused",
        "truncate-outside": "refused",
        "rmtree-outside": "refused",
        "posix-spawn": "refused",
        "exec": "refused",
        "gc-objects": "refused",
        "remove-in-job": "allowed",
    }
    assert sorted(p.name for p in outside.iterdir()) == ["existing.txt"]
    assert (outside / "existing.txt").read_text() == "untouched"
