"""A big CSV's first read in a reader child: the same blocks, rows, outputs and errors as
reading in-process, and a child that never outlives its reader or its run."""

from __future__ import annotations

import csv
import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ade_engine import init_config, run
from ade_engine.read import csv as csv_read
from ade_engine.read import csvchild, open_workbook
from ade_engine.read.csvchild import ReaderChild, ReaderChildError
from ade_engine.read.spill import decode, encode
from ade_engine.testing import run_outputs, write_csv


@pytest.fixture(autouse=True)
def every_csv_in_a_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csvchild, "MIN_BYTES", 0)


def roster(n: int) -> list[list[str]]:
    rows = [["Member roster export"], [], ["Member ID", "Name", "Born", "Amount", "Zip", "Note"]]
    for i in range(n):
        row = [
            str(100000 + i),
            f"Name {i}",
            (dt.date(1950, 1, 1) + dt.timedelta(days=i * 37 % 20000)).isoformat(),
            f"{i * 1.25:.2f}",
            f"{i % 1000:05d}",
            "" if i % 3 else f'said "hi"\non {i}',
        ]
        if i % 13 == 0:
            row[2] = ["", "2024-02-30", "03/15/2024", "TRUE", "x"][i // 13 % 5]
        if i % 17 == 0:
            row = row[:2]  # ragged
        rows.append(row)
    return [*rows, [], ["Total", "", "", "999"]]


def csv_files(tmp: Path) -> list[Path]:
    eu = [[v.replace(".", ",") for v in r] for r in roster(300)]
    return [
        write_csv(tmp / "roster.csv", roster(9000)),
        write_csv(tmp / "utf16.csv", roster(400), encoding="utf-16"),
        write_csv(tmp / "bom.tsv", roster(400), delimiter="\t", encoding="utf-8-sig"),
        write_csv(tmp / "latin.csv", [*roster(200), ["café", "Müller"]], encoding="cp1252"),
        write_csv(tmp / "eu.csv", eu, delimiter=";"),
    ]


def exact(rows: list[list[Any]]) -> list[list[tuple[type, Any]]]:
    return [[(type(v), repr(v)) for v in r] for r in rows]


def gone(pid: int) -> bool:
    """Whether ``pid`` is no longer a process of ours (reaped, or never ours)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_the_child_sends_the_blocks_the_reader_types_in_process(tmp_path: Path) -> None:
    for path in csv_files(tmp_path):
        encoding, delimiter = csv_read.plan_of(path)
        expected = list(csv_read.typed_blocks(path, encoding, delimiter))
        child = csvchild.start(path)
        assert child is not None
        assert child.plan() == (encoding, delimiter)
        got = list(child.blocks())
        assert len(got) == len(expected), path.name
        for mine, theirs in zip(got, expected, strict=True):
            assert exact(mine.rows()) == exact(theirs.rows()), path.name
            assert mine.row_types() == theirs.row_types()
            # what is spilled as it came (marshal's bytes depend on reference counts)
            assert mine.encoded is not None
            assert exact(decode(mine.encoded).rows()) == exact(decode(encode(theirs)).rows())
        assert gone(child.pid)


def test_rows_read_with_a_child_equal_rows_read_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in csv_files(tmp_path):
        wb = open_workbook(path)
        expected = exact(list(wb.sheets[0].iter_rows()))
        details = dict(wb.details)
        wb.close()
        wb = open_workbook(path, None, csvchild.start(path))
        assert {k: v for k, v in wb.details.items() if k != "_close"} == {
            k: v for k, v in details.items() if k != "_close"
        }
        assert exact(list(wb.sheets[0].iter_rows())) == expected, path.name
        assert exact(list(wb.sheets[0].iter_rows())) == expected, path.name  # replayed
        wb.close()


def test_run_outputs_are_the_same_with_and_without_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = init_config(tmp_path / "config")
    started: list[ReaderChild] = []
    real_start = csvchild.start

    def counting(path: Path) -> ReaderChild | None:
        child = real_start(path)
        started.extend([child] if child else [])
        return child

    monkeypatch.setattr("ade_engine.pipeline.start_reader", counting)
    for path in csv_files(tmp_path):
        with_child = run(path, config, tmp_path / "child" / path.stem)
        with monkeypatch.context() as m:
            m.setattr(csvchild, "MIN_BYTES", 1 << 40)
            alone = run(path, config, tmp_path / "alone" / path.stem)
        assert (with_child.status, alone.status) == ("succeeded", "succeeded"), with_child.error
        assert run_outputs(tmp_path / "child" / path.stem) == run_outputs(
            tmp_path / "alone" / path.stem
        )
    assert len(started) == len(csv_files(tmp_path))
    assert all(gone(child.pid) for child in started)


def test_an_error_in_the_child_fails_the_run_with_the_same_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = init_config(tmp_path / "config")
    path = write_csv(tmp_path / "long.csv", [*roster(50), ["x" * 200]])
    limit = csv.field_size_limit()
    try:
        csv.field_size_limit(100)  # the child is forked with it: a field over it fails
        with_child = run(path, config, tmp_path / "child")
        with monkeypatch.context() as m:
            m.setattr(csvchild, "MIN_BYTES", 1 << 40)
            alone = run(path, config, tmp_path / "alone")
    finally:
        csv.field_size_limit(limit)
    assert (with_child.status, alone.status) == ("failed", "failed")
    assert with_child.error is not None
    assert alone.error is not None
    assert with_child.error["message"] == alone.error["message"]
    assert "field larger than field limit" in with_child.error["message"]


def test_an_error_before_the_first_block_reaches_the_opener(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "roster.csv", roster(10))

    def unreadable(path: Path) -> str:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(csv_read, "detect_encoding", unreadable)
    child = csvchild.start(path)
    assert child is not None
    with pytest.raises(PermissionError, match="Permission denied"):
        open_workbook(path, None, child)
    child.close()
    assert gone(child.pid)


def test_a_killed_child_fails_the_read_instead_of_hanging(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "roster.csv", roster(60_000))  # more than the pipe holds
    child = csvchild.start(path)
    assert child is not None
    child.plan()
    os.kill(child.pid, signal.SIGKILL)
    with pytest.raises(ReaderChildError, match="ended unexpectedly \\(killed by signal 9\\)"):
        for _block in child.blocks():
            pass
    assert gone(child.pid)


def test_closing_the_workbook_early_kills_the_child(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "roster.csv", roster(60_000))
    child = csvchild.start(path)
    assert child is not None
    wb = open_workbook(path, None, child)
    blocks = wb.sheets[0].iter_blocks()
    assert blocks is not None
    next(blocks)
    wb.close()
    assert gone(child.pid)
    del blocks


def test_the_child_dies_with_its_parent(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "roster.csv", roster(60_000))
    script = textwrap.dedent(
        f"""
        import os, sys
        from pathlib import Path
        from ade_engine.read import csvchild
        csvchild.MIN_BYTES = 0
        child = csvchild.start(Path({str(path)!r}))
        child.plan()
        print(child.pid, flush=True)
        os._exit(0)  # without closing it
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    pid = int(out.stdout.split()[0])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        with open(f"/proc/{pid}/stat") as fh:  # a zombie waiting for init counts as gone
            if fh.read().split(")")[-1].split()[0] == "Z":
                break
        time.sleep(0.05)
    else:
        pytest.fail(f"the reader child {pid} outlived its parent")


def test_no_child_for_small_files_other_formats_one_cpu_or_under_the_guard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "roster.csv", roster(10))
    (tmp_path / "book.xlsx").write_bytes(b"PK\x03\x04")
    assert csvchild.start(tmp_path / "book.xlsx") is None
    with monkeypatch.context() as m:
        m.setattr(csvchild, "MIN_BYTES", path.stat().st_size + 1)
        assert csvchild.start(path) is None
    with monkeypatch.context() as m:
        m.setattr(os, "sched_getaffinity", lambda pid: {0})  # one CPU: nothing to overlap on
        assert csvchild.start(path) is None

    def refused() -> int:
        raise PermissionError("sandbox: starting processes is not allowed")

    monkeypatch.setattr(os, "fork", refused)
    assert csvchild.start(path) is None
    config = init_config(tmp_path / "config")
    assert run(path, config, tmp_path / "out").ok


def test_a_prestarted_child_is_handed_to_its_run_only(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "roster.csv", roster(10))
    other = write_csv(tmp_path / "other.csv", roster(10))
    csvchild.prestart(path)
    early = csvchild._prestarted
    assert early is not None
    assert csvchild.start(path) is early
    assert csvchild._prestarted is None
    early.close()
    csvchild.prestart(path)
    early = csvchild._prestarted
    assert early is not None
    later = csvchild.start(other)  # not the prestarted one's file: that one is killed
    assert later is not None
    assert later is not early
    assert gone(early.pid)
    later.close()


def test_python_m_ade_engine_reads_a_big_csv_in_a_child_before_the_guard(tmp_path: Path) -> None:
    """Under ``python -m ade_engine`` the guard refuses processes, so the child is forked
    before it; the run's outputs equal an in-process run's."""
    job = tmp_path / "job"
    (job / "input").mkdir(parents=True)
    path = write_csv(job / "input" / "roster.csv", roster(10_000))
    init_config(job / "config")
    code = (
        "import sys; from ade_engine.read import csvchild; csvchild.MIN_BYTES = 0; "
        "real = csvchild._fork; "
        "csvchild._fork = lambda p: (print('forked', flush=True), real(p))[1]; "
        "from ade_engine.__main__ import main; sys.exit(main(sys.argv[1:]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "--job-dir", str(job)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("forked\n")
    alone = run(path, job / "config", tmp_path / "alone")
    assert alone.ok
    assert run_outputs(job / "output") == run_outputs(tmp_path / "alone")


def test_a_reader_handed_with_a_spreadsheet_is_closed(
    tmp_path: Path, xlsx: Callable[..., Path]
) -> None:
    path = write_csv(tmp_path / "roster.csv", roster(10))
    child = csvchild.start(path)
    assert child is not None
    book = xlsx([{"name": "S", "rows": [["a"], [1]]}])
    wb = open_workbook(book, None, child)
    assert wb.format == "xlsx"
    wb.close()
    assert gone(child.pid)
