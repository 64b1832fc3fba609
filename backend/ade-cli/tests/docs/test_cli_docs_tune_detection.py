"""docs/how-to/tune-detection.md, run as written: every step changes the mapping it says.

The page runs each step into its own output folder (`out/first`, `out/synonym`, ...), so the
test reads each step's artifact and checks that step's effect. It also checks that the
outputs the page shows (its ```text blocks) are what the commands printed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import python_calamine

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.needs_tools("jq"),
]

RunPage = Callable[..., Any]  # the docs conftest's `run_page` fixture
ROOT = Path(__file__).resolve().parents[4]
PAGE = ROOT / "docs" / "how-to" / "tune-detection.md"
TEXT_BLOCK = re.compile(r"^```text\n(.*?)^```", re.S | re.M)
TIMING = re.compile(r" in \d+\.\d+s ")


def artifact(work: Path, step: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((work / "out" / step / "artifact.json").read_text())
    assert data["status"] == "succeeded", data.get("error")
    return data


def tables(data: dict[str, Any]) -> list[dict[str, Any]]:
    (sheet,) = data["sheets"]
    found: list[dict[str, Any]] = sheet["tables"]
    return found


def column(table: dict[str, Any], letter: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in table["columns"] if c["letter"] == letter)
    return found


def mapping(table: dict[str, Any]) -> dict[str, str]:
    """{column letter: field} of one table."""
    return {m["column"]: m["field"] for m in table["mapping"]}


def test_tune_detection_runs_as_written_and_each_step_changes_the_mapping(
    run_page: RunPage, tmp_path: Path
) -> None:
    done = run_page(PAGE, timeout=300)
    assert done.returncode == 0, done.output
    work = done.scratch

    # What the page shows is what the commands print (run times aside).
    printed = {TIMING.sub(" in Xs ", line) for line in done.stdout.splitlines()}
    for block in TEXT_BLOCK.findall(PAGE.read_text(encoding="utf-8")):
        for line in block.splitlines():
            assert TIMING.sub(" in Xs ", line) in printed, f"the page shows {line!r}"

    # 1. The first run: one table across the Juniors line, not written as Badge is missed
    # (member_id is required); Mail Preference taken for email over Contact, Boat a weak
    # full_name.
    first = tables(artifact(work, "first"))
    assert [t["range"] for t in first] == ["A4:G12"]
    assert first[0]["status"] == "skipped"
    assert "engine.incomplete_tables = skip" in (first[0]["reason"] or "")
    assert first[0]["rows"]["written"] == 0
    assert [(d["row"], d["kind"]) for d in first[0]["row_decisions"]] == [(9, "section")]
    assert mapping(first[0]) == {
        "B": "first_name",
        "C": "last_name",
        "E": "phone",
        "F": "full_name",
        "G": "email",
    }
    badge = column(first[0], "A")
    assert badge["winner"] is None
    assert badge["scores"]["member_id"] == 0.45
    assert "member_id" in first[0]["unmapped_fields"]
    assert [i["field"] for i in first[0]["table_issues"]] == ["member_id"]
    assert column(first[0], "D")["scores"]["email"] == 0.6
    assert column(first[0], "D")["winner"] is None
    assert column(first[0], "G")["score_parts"] == {"email": {"synonyms": 0.75}}

    # 2. The synonym: Badge is member_id, 1.0 from the header matcher plus its values.
    synonym = tables(artifact(work, "synonym"))[0]
    assert mapping(synonym)["A"] == "member_id"
    assert synonym["status"] == "mapped"
    assert synonym["rows"] == {"data": 6, "excluded": 1, "written": 6}
    assert column(synonym, "A")["score_parts"]["member_id"] == {
        "synonyms": 1.0,
        "detect_values": 0.45,
    }
    assert column(synonym, "A")["winner_score"] == 1.45
    assert synonym["table_issues"] == []

    # 3. The detector: Contact is email (0.6 + 0.3); Mail Preference drops to -0.25, unmapped.
    detector = tables(artifact(work, "detector"))[0]
    assert mapping(detector)["D"] == "email"
    assert column(detector, "D")["winner_score"] == 0.9
    assert column(detector, "D")["score_parts"]["email"]["detect_addresses"] == 0.3
    assert column(detector, "G")["winner"] is None
    assert column(detector, "G")["scores"]["email"] == -0.25
    assert "G" in detector["unmapped_columns"]
    assert mapping(detector)["F"] == "full_name"  # still there until min_score

    # min_score 0.6: Boat keeps its 0.5 but is no longer eligible.
    raised = artifact(work, "min-score")
    assert raised["settings"]["min_score"] == 0.6
    boat = column(tables(raised)[0], "F")
    assert boat["winner"] is None
    assert boat["scores"]["full_name"] == 0.5
    assert "full_name" in tables(raised)[0]["unmapped_fields"]

    # header_scan_rows 1 (a throwaway copy): the header two rows up is lost, and with it the
    # member id: the headerless tables are not written.
    strict = tables(artifact(work, "strict"))
    assert all(t["headerless"] for t in strict)
    assert strict[0]["range"] == "A6:G8"
    assert all(t["status"] == "skipped" for t in strict)
    assert not (work / "club-strict").exists()

    # The section label: one table of six members, the Juniors line excluded.
    (whole,) = tables(raised)
    assert whole["range"] == "A4:G12"
    assert whole["header_rows"] == [4]
    assert whole["rows"] == {"data": 6, "excluded": 1, "written": 6}
    assert [(d["row"], d["kind"]) for d in whole["row_decisions"]] == [(9, "section")]
    assert mapping(whole) == {
        "A": "member_id",
        "B": "first_name",
        "C": "last_name",
        "D": "email",
        "E": "phone",
    }

    # 4. unmapped_columns "append" and include_source: Boat and Mail Preference are kept,
    # every row says where it came from.
    keep = artifact(work, "keep")
    assert keep["output"]["columns"][-4:] == [
        "source_sheet",
        "source_row",
        "Boat",
        "Mail Preference",
    ]
    book = python_calamine.CalamineWorkbook.from_path(
        str(work / "out" / "keep" / "normalized.xlsx")
    )
    header, *rows = book.get_sheet_by_name("Normalized").to_python()
    out = [dict(zip(header, row, strict=True)) for row in rows]
    assert [r["Member ID"] for r in out] == [
        "M-0201",
        "M-0202",
        "M-0203",
        "M-0301",
        "M-0302",
        "M-0303",
    ]
    assert [r["source_row"] for r in out] == [6, 7, 8, 10, 11, 12]  # 1-based input rows
    assert out[0]["Boat"] == "Coxless Four"
    assert out[1]["Mail Preference"] == "post"
    assert out[3]["Email"] == "edsger@example.org"

    # 5. The comparison: contacts changed as intended, members.csv did not.
    before = (work / "out" / "before" / "members.txt").read_text()
    assert before
    assert before == (work / "out" / "after" / "members.txt").read_text()
    assert "members: mapping unchanged" in done.stdout
    assert "contacts: mapping unchanged" not in done.stdout
    after_contacts = (work / "out" / "after" / "contacts.txt").read_text().splitlines()
    assert "A4:G12 A Badge -> member_id" in after_contacts
    assert "A4:G12 D Contact -> email" in after_contacts
    members = tables(artifact(work, "after/members"))[0]
    assert len(members["mapping"]) == 9  # every field of the example, as before the changes
