"""The built-in synonym matcher and how detector results are summed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ade_engine import run
from ade_engine.text import SynonymMatcher, normalize, tokens


def test_normalize_folds_case_punctuation_and_spacing() -> None:
    assert normalize("E-Mail Address") == normalize("email address") == "emailaddress"
    assert normalize("  First_Name ") == normalize("first name")
    assert tokens("Date of Birth (DOB)") == ("date", "of", "birth", "dob")


def test_exact_and_partial_scores() -> None:
    m = SynonymMatcher({"email": ["Email", "email address"], "phone": ["Phone"]})
    assert m.score("E-MAIL ADDRESS", "email") == 1.0
    assert m.score("email", "email") == 1.0
    partial = m.score("Primary email", "email")
    assert 0.6 <= partial < 1.0
    # A closer partial match scores higher.
    assert m.score("Email 2", "email") > m.score("Primary work email", "email")
    assert m.score("Mailing list", "email") == 0.0
    assert m.score("", "email") == 0.0
    assert m.score("Phone", "email") == 0.0


def test_detector_results_are_summed_with_the_synonym_score(
    tmp_path: Path,
    xlsx: Callable[..., Path],
    config_dir: Callable[..., Path],
    tables: Callable[..., Any],
) -> None:
    config = config_dir(
        fields=[("email", "Email", []), ("phone", "Phone", [])],
        modules={
            "email": """
            def detect_a(*, values, **_):
                return 0.25
            def detect_b(*, header, **_):
                return None
            def detect_c(*, header, field, **_):
                assert field == "email"
                return {"email": 0.5, "phone": -0.2}
            """
        },
    )
    wb = xlsx(
        [
            {
                "name": "S",
                "rows": [["Email", "Other"], ["a@x.org", "1"], ["b@x.org", "2"], ["c@x.org", "3"]],
            }
        ]
    )
    result = run(wb, config, tmp_path / "out")
    assert result.ok, result.error
    (t,) = tables(result.artifact)
    col_a = t["columns"][0]
    assert col_a["scores"] == {"email": 1.75, "phone": -0.2}
    assert col_a["score_parts"]["email"] == {"synonyms": 1.0, "detect_a": 0.25, "detect_c": 0.5}
    col_b = t["columns"][1]
    assert col_b["scores"]["email"] == 0.75
    assert col_a["winner"] == "email"
    assert col_b["winner"] is None


def test_required_field_unmapped_is_a_table_issue_not_a_failure(
    tmp_path: Path,
    xlsx: Callable[..., Path],
    config_dir: Callable[..., Path],
    tables: Callable[..., Any],
) -> None:
    config = config_dir(required={"member_id"})
    wb = xlsx(
        [
            {
                "name": "S",
                "rows": [["Email", "Phone"], ["a@x.org", "555-0100"], ["b@x.org", "555-0101"]],
            }
        ]
    )
    result = run(wb, config, tmp_path / "out")
    assert result.ok
    (t,) = tables(result.artifact)
    assert [i["field"] for i in t["table_issues"]] == ["member_id"]
    assert t["table_issues"][0]["type"] == "required_field_unmapped"
    assert result.summary["tables"][0]["table_issues"]


def test_after_mapping_hook_can_change_the_mapping(
    tmp_path: Path,
    xlsx: Callable[..., Path],
    config_dir: Callable[..., Path],
    tables: Callable[..., Any],
) -> None:
    config = config_dir(
        hooks={"after_mapping": ["hooks/swap.py"]},
        files={
            "hooks/swap.py": """
            def run(*, stage, table, logger, **_):
                assert stage == "after_mapping"
                assert table["mapping"]["email"] == "A"
                table["mapping"]["email"] = "B"
                table["mapping"]["first_name"] = None
            """
        },
    )
    wb = xlsx(
        [
            {
                "name": "S",
                "rows": [["Email", "Backup", "First Name"], ["a@x.org", "z@x.org", "Ann"]] * 1
                + [["b@x.org", "y@x.org", "Bob"], ["c@x.org", "w@x.org", "Cy"]],
            }
        ]
    )
    out = tmp_path / "out"
    result = run(wb, config, out)
    assert result.ok, result.error
    (t,) = tables(result.artifact)
    assert {m["field"]: m["column"] for m in t["mapping"]} == {"email": "B"}
    assert t["mapping_changed_by"] == ["hooks/swap.py"]
    from python_calamine import CalamineWorkbook

    rows = (
        CalamineWorkbook.from_path(str(out / "normalized.xlsx")).get_sheet_by_index(0).to_python()
    )
    assert rows[1][3] == "z@x.org"
    assert rows[1][1] == ""


def test_same_mapping_every_run(
    tmp_path: Path,
    xlsx: Callable[..., Path],
    config_dir: Callable[..., Path],
    tables: Callable[..., Any],
) -> None:
    config = config_dir()
    wb = xlsx(
        [
            {
                "name": "S",
                "rows": [
                    ["Email", "E-mail", "Member #", "ID"],
                    ["a@x.org", "b@x.org", 1, 2],
                    ["c@x.org", "d@x.org", 3, 4],
                    ["e@x.org", "f@x.org", 5, 6],
                ],
            }
        ]
    )
    seen = set()
    for i in range(3):
        result = run(wb, config, tmp_path / f"out{i}")
        (t,) = tables(result.artifact)
        seen.add(tuple((m["field"], m["column"]) for m in t["mapping"]))
    assert seen == {(("member_id", "C"), ("email", "A"))}
