"""scripts/mutate's runner (ade_cli.mutation) and its catalogue (scripts/mutations.toml)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ade_cli.mutation import Mutation, applied, load_catalogue, main, report, run_one
from ade_cli.testing import ROOT

CATALOGUE = ROOT / "scripts" / "mutations.toml"

SOURCE = "def allowed(role):\n    return role >= 2\n"
TESTS = """
from guard import allowed


def test_editors_are_allowed():
    assert allowed(2)


def test_viewers_are_not():
    assert not allowed(1)
"""


def test_every_mutation_in_the_catalogue_still_applies() -> None:
    mutations = load_catalogue(CATALOGUE)
    assert len(mutations) >= 30
    for mutation in mutations:
        source = (ROOT / mutation.module).read_text(encoding="utf-8")
        assert source.count(mutation.find) == 1, f"stale: {mutation.module}: {mutation.name}"
        for tests in mutation.tests:
            assert (ROOT / tests).exists(), f"{mutation.name}: no tests at {tests}"
    names = [(m.module, m.name) for m in mutations]
    assert len(names) == len(set(names)), "a mutation is listed twice"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "guard.py").write_text(SOURCE)
    (tmp_path / "test_guard.py").write_text(TESTS)
    (tmp_path / "conftest.py").write_text(
        "import sys, pathlib\nsys.path.insert(0, str(pathlib.Path(__file__).parent))\n"
    )
    return tmp_path


def _mutation(find: str, replace: str) -> Mutation:
    return Mutation("guard.py", "a mutation", find, replace, ("test_guard.py",))


def test_a_caught_mutation_is_killed_and_the_file_restored(project: Path) -> None:
    result = run_one(project, _mutation(">= 2", "<= 2"), [], timeout=120)
    assert result.verdict == "killed", result
    assert (project / "guard.py").read_text() == SOURCE


def test_a_mutation_caught_under_xdist_is_killed(project: Path) -> None:
    # xdist ends a `-x` session as interrupted (exit 2) once a test failed.
    result = run_one(project, _mutation(">= 2", "<= 2"), ["-n", "2"], timeout=120)
    assert result.verdict == "killed", result


def test_an_uncaught_mutation_survives(project: Path) -> None:
    # `> 1` means the same for integers: no test can tell.
    result = run_one(project, _mutation(">= 2", "> 1"), [], timeout=120)
    assert result.verdict == "survived", result
    assert (project / "guard.py").read_text() == SOURCE


def test_a_snippet_not_found_once_is_stale_and_changes_nothing(project: Path) -> None:
    assert run_one(project, _mutation("role", "x"), [], timeout=120).verdict == "stale"
    assert run_one(project, _mutation("missing", "x"), [], timeout=120).verdict == "stale"
    assert (project / "guard.py").read_text() == SOURCE


def test_tests_that_cannot_run_are_an_error_not_a_kill(project: Path) -> None:
    broken = Mutation("guard.py", "m", ">= 2", "<= 2", ("test_absent.py",))
    result = run_one(project, broken, [], timeout=120)
    assert result.verdict == "error", result
    assert "pytest exit 4" in result.detail
    assert (project / "guard.py").read_text() == SOURCE


def test_the_file_comes_back_after_an_exception(project: Path) -> None:
    source = project / "guard.py"
    with pytest.raises(RuntimeError), applied(source, ">= 2", "<= 2") as ok:
        assert ok
        assert "<= 2" in source.read_text()
        raise RuntimeError("interrupted")
    assert source.read_text() == SOURCE


def test_the_file_comes_back_when_the_runner_is_killed(project: Path) -> None:
    # A runner stopped by SIGTERM while its tests run puts the file back before it exits.
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from pathlib import Path
        from ade_cli.mutation import applied
        with applied(Path({str(project / "guard.py")!r}), ">= 2", "<= 2"):
            print("applied", flush=True)
            signal.pause()
        """
    )
    runner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert runner.stdout is not None
    assert runner.stdout.readline().strip() == "applied"
    assert "<= 2" in (project / "guard.py").read_text()
    runner.send_signal(signal.SIGTERM)
    assert runner.wait(timeout=30) == 128 + signal.SIGTERM
    assert (project / "guard.py").read_text() == SOURCE


def test_report_scores_each_module(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalogue = project / "mutations.toml"
    catalogue.write_text(
        textwrap.dedent(
            """
            [[mutation]]
            module = "guard.py"
            name = "roles compare the wrong way"
            find = ">= 2"
            replace = "<= 2"
            tests = ["test_guard.py"]

            [[mutation]]
            module = "guard.py"
            name = "an equivalent mutant"
            find = ">= 2"
            replace = "> 1"
            tests = ["test_guard.py"]
            """
        )
    )
    status = main(["--root", str(project), "--catalogue", "mutations.toml"])
    out = capsys.readouterr().out
    assert status == 1  # one survived
    assert "killed   guard.py: roles compare the wrong way" in out
    assert "survived guard.py: an equivalent mutant" in out
    module_line = next(line for line in out.splitlines() if line.startswith("guard.py "))
    assert module_line.split()[1:] == ["1", "1", "0", "0", "50%"]


def test_a_catalogue_entry_without_tests_is_refused(tmp_path: Path) -> None:
    catalogue = tmp_path / "m.toml"
    catalogue.write_text('[[mutation]]\nmodule = "a.py"\nname = "n"\nfind = "a"\nreplace = "b"\n')
    with pytest.raises(ValueError, match="lacks tests"):
        load_catalogue(catalogue)


def test_report_without_results_has_no_score() -> None:
    assert report([]).splitlines()[-1].split()[-1] == "-"
