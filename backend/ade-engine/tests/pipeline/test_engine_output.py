"""normalized.xlsx: type fidelity round trip, Issues sheet, source columns, appended columns,
chunked streaming, events and artifact shape."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import openpyxl
from python_calamine import CalamineWorkbook

from ade_engine import run

FIELDS: list[tuple[str, str, list[str]]] = [
    ("member_id", "Member ID", []),
    ("name", "Name", []),
    ("joined", "Joined", []),
    ("seen", "Last Seen", []),
    ("amount", "Amount", []),
    ("code", "Code", []),
]


def sheet_rows(path: Path, index: int = 0) -> list[list[Any]]:
    rows: list[list[Any]] = (
        CalamineWorkbook.from_path(str(path)).get_sheet_by_index(index).to_python()
    )
    return rows


def test_type_fidelity_round_trip(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    wb = xlsx(
        [
            {
                "name": "S",
                "rows": [
                    ["Member ID", "Name", "Joined", "Last Seen", "Amount", "Code"],
                    [
                        100000,
                        "Ann",
                        dt.date(2024, 3, 15),
                        dt.datetime(2024, 3, 15, 10, 30),
                        12.5,
                        "00123",
                    ],
                    [
                        100001,
                        None,
                        dt.date(1999, 12, 31),
                        dt.datetime(2001, 1, 2, 3, 4, 5),
                        7,
                        "0042",
                    ],
                    [100002, "Cy", None, None, None, "A-1"],
                ],
            }
        ]
    )
    out = tmp_path / "out"
    result = run(wb, config_dir(fields=FIELDS), out)
    assert result.ok, result.error
    normalized = out / "normalized.xlsx"
    # openpyxl reads numbers written without a decimal point as int.
    ws = openpyxl.load_workbook(normalized).worksheets[0]
    values = list(ws.iter_rows(values_only=True))
    assert values[0] == ("Member ID", "Name", "Joined", "Last Seen", "Amount", "Code")
    first = values[1]
    assert first[0] == 100000
    assert type(first[0]) is int
    assert first[4] == 12.5
    assert values[2][4] == 7
    assert type(values[2][4]) is int
    assert first[5] == "00123"
    assert values[2][5] == "0042"
    assert values[2][1] is None  # empty stays empty
    assert values[3][2] is None
    assert values[3][4] is None
    # calamine tells dates from datetimes by their number format.
    rows = sheet_rows(normalized)
    assert rows[1][2] == dt.date(2024, 3, 15)
    assert type(rows[1][2]) is dt.date
    assert rows[1][3] == dt.datetime(2024, 3, 15, 10, 30)
    assert rows[2][3] == dt.datetime(2001, 1, 2, 3, 4, 5)
    with zipfile.ZipFile(normalized) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>100000</v>" in xml
    assert "100000.0" not in xml
    assert [ws.title for ws in openpyxl.load_workbook(normalized).worksheets] == [
        "Normalized",
        "Issues",
    ]


def test_issues_sheet_lists_validation_messages(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    config = config_dir(
        fields=[*FIELDS[:2], ("email", "Email", [])],
        modules={
            "email": """
            def transform(*, values, **_):
                return [v.lower() if isinstance(v, str) else v for v in values]
            def validate(*, values, **_):
                return [None if v and "@" in v else "not an email" for v in values]
            """
        },
    )
    wb = xlsx(
        [
            {
                "name": "S",
                "rows": [
                    ["Member ID", "Name", "Email"],
                    [1, "Ann", "ANN@X.ORG"],
                    [2, "Bob", "bob-at-x"],
                    [3, "Cy", None],
                ],
            }
        ]
    )
    out = tmp_path / "out"
    result = run(wb, config, out)
    assert result.ok
    assert result.metrics["issues"] == 2
    issues = sheet_rows(out / "normalized.xlsx", 1)
    assert issues[0] == ["Output row", "Field", "Value", "Message"]
    assert issues[1] == [3.0, "Email", "bob-at-x", "not an email"]
    assert issues[2] == [4.0, "Email", "", "not an email"]
    assert sheet_rows(out / "normalized.xlsx")[1][2] == "ann@x.org"
    table = result.artifact["sheets"][0]["tables"][0]
    assert table["issues"] == {"count": 2, "by_field": {"email": 2}}


def test_source_columns_and_appended_unmapped_columns(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    config = config_dir(
        fields=FIELDS[:2],
        engine={"include_source": True, "unmapped_columns": "append", "output_sheet": "Clean"},
    )
    wb = xlsx(
        [
            {
                "name": "One",
                "rows": [
                    ["Title"],
                    [],
                    ["Member ID", "Region", "Name"],
                    [1, "North", "Ann"],
                    [2, "South", "Bob"],
                ],
            },
            {
                "name": "Two",
                "rows": [["Name", "Member ID", "Notes"], ["Cy", 3, "vip"], ["Di", 4, None]],
            },
        ]
    )
    out = tmp_path / "out"
    result = run(wb, config, out)
    assert result.ok, result.error
    rows = sheet_rows(out / "normalized.xlsx")
    assert rows[0] == ["Member ID", "Name", "source_sheet", "source_row", "Region", "Notes"]
    assert rows[1] == [1.0, "Ann", "One", 4.0, "North", ""]
    assert rows[3] == [3.0, "Cy", "Two", 2.0, "", "vip"]
    assert CalamineWorkbook.from_path(str(out / "normalized.xlsx")).sheet_names == [
        "Clean",
        "Issues",
    ]
    assert result.artifact["output"] is not None
    assert result.artifact["output"]["columns"] == rows[0]


def test_rows_stream_in_chunks_with_the_same_result(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    module = """
        def transform(*, values, state, chunk_index, row_numbers, **_):
            state.setdefault("calls", []).append((chunk_index, len(values), row_numbers[0]))
            return [v * 2 for v in values]
        """
    hook = """
        def run(*, stage, state, artifact, **_):
            artifact.setdefault("test_calls", state["calls"])
        """
    wb = xlsx([{"name": "S", "rows": [["Member ID", "Name"]] + [[i, f"n{i}"] for i in range(10)]}])
    outputs = []
    for chunk_rows in (3, 10_000):
        config = config_dir(
            fields=FIELDS[:2],
            modules={"member_id": module},
            engine={"chunk_rows": chunk_rows},
            hooks={"run_end": ["hooks/h.py"]},
            files={"hooks/h.py": hook},
        )
        out = tmp_path / f"out{chunk_rows}"
        result = run(wb, config, out)
        assert result.ok, result.error
        outputs.append(sheet_rows(out / "normalized.xlsx"))
        if chunk_rows == 3:
            calls = cast(dict[str, Any], result.artifact)["test_calls"]  # the hook's
            assert calls == [(0, 3, 2), (1, 3, 5), (2, 3, 8), (3, 1, 11)]
    assert outputs[0] == outputs[1]
    assert outputs[0][10] == [18.0, "n9"]


def test_events_and_artifact_shape(
    tmp_path: Path, xlsx: Callable[..., Path], roster_config: Path
) -> None:
    wb = xlsx([{"name": "S", "rows": [["Member ID", "Email"], [1, "a@x.org"], [2, "b@x.org"]]}])
    out = tmp_path / "out"
    seen: list[dict[str, Any]] = []
    progress: list[tuple[int, int]] = []
    result = run(
        wb,
        roster_config,
        out,
        on_event=seen.append,
        progress=lambda done, total: progress.append((done, total)),
    )
    assert result.ok, result.error
    lines = [json.loads(line) for line in (out / "events.ndjson").read_text().splitlines()]
    assert lines == seen
    names = [e["event"] for e in lines]
    assert names[0] == "run.started"
    assert names[-1] == "run.completed"
    for required in ("table.detected", "mapping.decided", "log"):
        assert required in names
    passes = [(e["event"], e["name"]) for e in lines if e["event"].startswith("pass.")]
    for name in ("detect", "map", "transform", "validate", "output"):
        assert ("pass.started", name) in passes
        assert ("pass.completed", name) in passes
    assert all("ts" in e for e in lines)
    assert [e["seq"] for e in lines] == list(range(1, len(lines) + 1))
    log = next(e for e in lines if e["event"] == "log")
    assert log["source"] == "hooks/audit.py"
    assert log["level"] == "info"
    assert progress == [(2, 2)]

    art = json.loads((out / "artifact.json").read_text())
    assert art["schema"] == "ade.artifact/v1"
    assert art["status"] == "succeeded"
    assert art["input"]["name"] == "input.xlsx"
    assert len(art["input"]["sha256"]) == 64
    assert art["config"]["title"] == "Member roster"
    assert len(art["config"]["files_hash"]) == 64
    assert [p["name"] for p in art["passes"]] == [
        "detect",
        "map",
        "transform",
        "validate",
        "output",
    ]
    assert set(art["metrics"]) == {
        "sheets_scanned",
        "tables_found",
        "rows_processed",
        "issues",
        "elapsed_ms",
    }
    table = art["sheets"][0]["tables"][0]
    column = table["columns"][0]
    assert column["header"] == "Member ID"
    assert column["winner"] == "member_id"
    assert set(column["scores"]) == {
        "member_id",
        "first_name",
        "last_name",
        "full_name",
        "email",
        "phone",
        "birth_date",
        "hire_date",
        "amount",
    }
    assert result.summary["tables"][0]["mapping"][0] == {
        "header": "Member ID",
        "column": "A",
        "field": "member_id",
        "score": column["scores"]["member_id"],
    }
