"""What a sandboxed run sends back, read within caps: logs, events and the output archive.

Everything here comes from config code, so each test feeds what a hostile run could send.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterable
from pathlib import Path

import pytest

from ade_engine.events import ENGINE_EVENT_TYPES
from ade_worker.channels import (
    MAX_RESULT_FILES,
    CappedLog,
    EventStream,
    ResultSpool,
    extract_results,
)

# -- CappedLog -------------------------------------------------------------------------------


def test_capped_log_keeps_up_to_the_cap_and_counts_the_rest(tmp_path: Path) -> None:
    log = CappedLog(tmp_path / "stderr.log", cap=5)
    for chunk in (b"abc", b"defg", b"hi"):
        log.feed(chunk)
    assert (log.kept, log.dropped) == (5, 4)
    log.close()
    log.close()  # again: a no-op, no second marker
    assert (tmp_path / "stderr.log").read_bytes() == b"abcde\n[ade: 4 more bytes not kept]\n"


def test_capped_log_under_the_cap_has_no_marker(tmp_path: Path) -> None:
    log = CappedLog(tmp_path / "stdout.log", cap=5)
    log.feed(b"abcde")
    log.close()
    assert log.dropped == 0
    assert (tmp_path / "stdout.log").read_bytes() == b"abcde"


# -- EventStream -----------------------------------------------------------------------------


def line(event: object) -> bytes:
    return json.dumps(event).encode() + b"\n"


def stream(max_events: int = 100, max_event_bytes: int = 64) -> EventStream:
    return EventStream(max_events=max_events, max_event_bytes=max_event_bytes)


def test_events_are_whole_lines_even_when_split_across_feeds() -> None:
    events = stream()
    data = line({"event": "run.started", "seq": 1}) + line({"event": "log", "seq": 2})
    cut = len(data) - 5
    assert events.feed(data[:cut]) == [{"event": "run.started", "seq": 1}]
    assert events.feed(b"") == []
    assert events.feed(data[cut:]) == [{"event": "log", "seq": 2}]
    assert (events.accepted, events.dropped) == (2, 0)
    assert events.summary() is None


def test_an_over_long_line_is_dropped_as_one_across_feeds() -> None:
    events = stream(max_event_bytes=32)
    assert events.feed(b'{"event": "log", "message": "' + b"x" * 40) == []
    assert events.feed(b"x" * 40) == []
    assert events.feed(b"x" * 10 + b'"}\n' + line({"event": "progress"})) == [{"event": "progress"}]
    assert (events.accepted, events.dropped) == (1, 1)


def test_an_over_long_line_in_one_feed_is_dropped() -> None:
    events = stream(max_event_bytes=32)
    long = line({"event": "log", "message": "x" * 40})
    assert events.feed(long + line({"event": "log"})) == [{"event": "log"}]
    assert events.dropped == 1


def test_events_past_the_per_run_cap_are_dropped() -> None:
    events = stream(max_events=2)
    got = events.feed(b"".join(line({"event": "progress", "seq": n}) for n in (1, 2, 3, 4)))
    assert [e["seq"] for e in got] == [1, 2]
    assert (events.accepted, events.dropped) == (2, 2)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(b"not json\n", id="not-json"),
        pytest.param(b"[1, 2]\n", id="list"),
        pytest.param(b'"log"\n', id="string"),
        pytest.param(line({"seq": 1}), id="no-type"),
        pytest.param(line({"event": "job.succeeded"}), id="forged-terminal-event"),
        pytest.param(line({"event": "job.failed", "error": {}}), id="forged-failure"),
        pytest.param(line({"event": "made.up"}), id="unknown-type"),
        pytest.param(line({"event": ["log"]}), id="unhashable-type"),
    ],
)
def test_lines_that_are_not_engine_events_are_dropped(bad: bytes) -> None:
    events = stream()
    assert events.feed(bad + line({"event": "log"})) == [{"event": "log"}]
    assert (events.accepted, events.dropped) == (1, 1)


def test_blank_lines_are_neither_events_nor_drops() -> None:
    events = stream()
    assert events.feed(b"\n  \n") == []
    assert events.dropped == 0


@pytest.mark.parametrize("name", sorted(ENGINE_EVENT_TYPES))
def test_every_engine_event_type_gets_through(name: str) -> None:
    assert stream().feed(line({"event": name})) == [{"event": name}]


def test_the_summary_says_how_many_lines_were_dropped_and_why() -> None:
    events = stream(max_events=1, max_event_bytes=1024)
    events.feed(line({"event": "log"}) + line({"event": "log"}) + b"junk\n")
    summary = events.summary()
    assert summary is not None
    assert summary["event"] in ENGINE_EVENT_TYPES  # relayed like the engine's own
    assert (summary["level"], summary["source"]) == ("warning", "ade-sandbox")
    assert summary["message"].startswith("2 event line(s) were not kept: over 1024 bytes, ")
    assert "past 1 events" in summary["message"]


# -- ResultSpool -----------------------------------------------------------------------------


def test_result_spool_stops_at_the_cap_and_says_so(tmp_path: Path) -> None:
    spool = ResultSpool(tmp_path / "results.tar", cap=10)
    spool.feed(b"12345678")
    assert not spool.overflow
    spool.feed(b"abc")  # 11 bytes in all: over
    spool.feed(b"z")  # would fit, but the stream is already incomplete
    spool.close()
    assert spool.overflow
    assert spool.size == 8
    assert (tmp_path / "results.tar").read_bytes() == b"12345678"


# -- extract_results -------------------------------------------------------------------------

Member = tuple[tarfile.TarInfo, bytes | None]


def regular(name: str, data: bytes) -> Member:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def special(name: str, kind: bytes, linkname: str = "") -> Member:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info, None


def write_archive(path: Path, members: Iterable[Member]) -> Path:
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_only_regular_top_level_files_with_plain_names_are_kept(tmp_path: Path) -> None:
    spool = write_archive(
        tmp_path / "results.tar",
        [
            special(".", tarfile.DIRTYPE),
            regular("./artifact.json", b"{}"),
            regular("plain.txt", b"no ./ prefix"),
            special("./link", tarfile.SYMTYPE, "/etc/passwd"),
            special("./hard", tarfile.LNKTYPE, "artifact.json"),
            special("./tty", tarfile.CHRTYPE),
            special("./fifo", tarfile.FIFOTYPE),
            special("./sub", tarfile.DIRTYPE),
            regular("./sub/inner.txt", b"nested"),
            regular("a/b", b"nested"),
            regular("../x", b"outside"),
            regular("/abs", b"absolute"),
            regular("./.hidden", b"hidden"),
            regular("..", b"dots"),
        ],
    )
    output = tmp_path / "output"
    written = extract_results(spool, output, max_bytes=1024)
    assert written == ["artifact.json", "plain.txt"]
    assert names(output) == ["artifact.json", "plain.txt"]
    assert (output / "plain.txt").read_bytes() == b"no ./ prefix"
    assert (output / "plain.txt").stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "x").exists()


def test_at_most_max_result_files_are_kept(tmp_path: Path) -> None:
    count = MAX_RESULT_FILES + 4
    spool = write_archive(
        tmp_path / "results.tar", [regular(f"f{n:02}.txt", b"x") for n in range(count)]
    )
    written = extract_results(spool, tmp_path / "output", max_bytes=1024)
    assert written == [f"f{n:02}.txt" for n in range(MAX_RESULT_FILES)]
    assert len(names(tmp_path / "output")) == MAX_RESULT_FILES


def test_files_over_the_byte_budget_are_skipped(tmp_path: Path) -> None:
    spool = write_archive(
        tmp_path / "results.tar",
        [
            regular(name, name.encode() * size)
            for name, size in zip("abcd", (10, 10, 10, 5), strict=True)
        ],
    )
    # c would take the total past 25 bytes; d still fits after it.
    assert extract_results(spool, tmp_path / "output", max_bytes=25) == ["a", "b", "d"]


def test_a_truncated_archive_keeps_the_whole_files_before_the_cut(tmp_path: Path) -> None:
    spool = write_archive(
        tmp_path / "results.tar", [regular("first", b"whole"), regular("second", b"y" * 100_000)]
    )
    data = spool.read_bytes()
    start = data.index(b"y" * 512)  # the second file's data
    spool.write_bytes(data[: start + 5000])
    output = tmp_path / "output"
    assert extract_results(spool, output, max_bytes=10**6) == ["first"]
    assert names(output) == ["first"]  # no partial "second"
    assert (output / "first").read_bytes() == b"whole"


def test_a_symlink_already_in_output_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"untouched")
    output = tmp_path / "output"
    output.mkdir()
    (output / "artifact.json").symlink_to(victim)
    spool = write_archive(
        tmp_path / "results.tar", [regular("artifact.json", b"{}"), regular("other", b"kept")]
    )
    # The name is refused (the safe-path helper rejects links); the rest is still unpacked.
    assert extract_results(spool, output, max_bytes=1024) == ["other"]
    assert victim.read_bytes() == b"untouched"


@pytest.mark.parametrize("content", [b"", b"this is not a tar archive" * 40], ids=["empty", "junk"])
def test_no_archive_writes_nothing(tmp_path: Path, content: bytes) -> None:
    spool = tmp_path / "results.tar"
    spool.write_bytes(content)
    assert extract_results(spool, tmp_path / "output", max_bytes=1024) == []
    assert names(tmp_path / "output") == []
