"""Hook stages in the order the contract gives them: ``before_save`` once every table is mapped
and before any output row is written; ``run_end`` once the artifact is final, for failed runs
too, without letting its own failure hide the run's error."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from python_calamine import CalamineWorkbook

from ade_engine import run
from ade_engine.summary import format_summary

FIELDS: list[tuple[str, str, list[str]]] = [
    ("member_id", "Member ID", []),
    ("email", "Email", []),
    ("phone", "Phone", []),
]
TABLE_A = [["Member ID", "Email", "Phone"], [1, "a@x.org", "555-0001"], [2, "b@x.org", "555-0002"]]
TABLE_B = [["Member ID", "Email", "Phone"], [3, "c@x.org", "555-0003"], [4, "d@x.org", "555-0004"]]


def events_of(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "events.ndjson").read_text().splitlines()]


def output_rows(out: Path) -> list[list[Any]]:
    rows: list[list[Any]] = (
        CalamineWorkbook.from_path(str(out / "normalized.xlsx")).get_sheet_by_index(0).to_python()
    )
    return rows


# ---------------------------------------------------------------------------------- before_save

BEFORE_SAVE = """
from pathlib import Path

OUT = Path({out!r})

def run(*, stage, state, artifact, tables, logger, **_):
    assert stage == "before_save"
    # Nothing of the output exists yet, not even the temporary file rows stream into.
    state["output_files_seen"] = sorted(p.name for p in OUT.iterdir()
                                        if "normalized" in p.name)
    artifact["seen_by_before_save"] = [
        {{"id": t["id"], "mapping": dict(t["mapping"])}} for t in tables
    ]
    artifact["artifact_mappings"] = [
        {{m["field"]: m["column"] for m in t["mapping"]}}
        for s in artifact["sheets"] for t in s["tables"]
    ]
    state["suffix"] = "-checked"
    logger.info("before_save ran")
    # Every table is known: drop the phone field from the second table only.
    tables[1]["mapping"]["phone"] = None
"""

SUFFIX_TRANSFORM = """
def transform(*, values, state, **_):
    return [f"{v}{state['suffix']}" for v in values]
"""


def test_before_save_sees_every_mapping_before_rows_are_written(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    wb = xlsx([{"name": "First", "rows": TABLE_A}, {"name": "Second", "rows": TABLE_B}])
    config = config_dir(
        fields=FIELDS,
        modules={"email": SUFFIX_TRANSFORM},
        hooks={"before_save": ["hooks/check.py"]},
        files={"hooks/check.py": BEFORE_SAVE.format(out=str(out))},
    )
    result = run(wb, config, out)
    assert result.ok, result.error
    art = cast(dict[str, Any], result.artifact)  # with the keys the hook added
    full = {"member_id": "A", "email": "B", "phone": "C"}
    assert art["seen_by_before_save"] == [
        {"id": "First#1", "mapping": full},
        {"id": "Second#1", "mapping": full},
    ]
    assert art["artifact_mappings"] == [full, full]

    # The state it set reached the transform; its mapping change took effect.
    assert output_rows(out) == [
        ["Member ID", "Email", "Phone"],
        [1.0, "a@x.org-checked", "555-0001"],
        [2.0, "b@x.org-checked", "555-0002"],
        [3.0, "c@x.org-checked", ""],
        [4.0, "d@x.org-checked", ""],
    ]
    first, second = (s["tables"][0] for s in art["sheets"])
    assert first["mapping_changed_by"] == []
    assert second["mapping_changed_by"] == ["hooks/check.py"]
    assert second["unmapped_fields"] == ["phone"]
    assert second["unmapped_columns"] == ["C"]
    assert [m["field"] for m in second["mapping"]] == ["member_id", "email"]
    assert second["columns"][2]["winner"] is None

    events = events_of(out)
    names = [e["event"] for e in events]
    hook_log = next(
        i for i, e in enumerate(events) if e["event"] == "log" and e["message"] == "before_save ran"
    )
    assert hook_log < names.index("progress")
    assert hook_log < next(
        i for i, e in enumerate(events) if e["event"] == "pass.started" and e["name"] == "transform"
    )
    changed = [e for e in events if e["event"] == "mapping.changed"]
    assert len(changed) == 1
    assert (changed[0]["sheet"], changed[0]["unmapped_fields"]) == ("Second", ["phone"])


def test_before_save_sees_no_output_file(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    config = config_dir(
        fields=FIELDS,
        modules={"email": SUFFIX_TRANSFORM},
        hooks={"before_save": ["hooks/check.py"], "run_end": ["hooks/report.py"]},
        files={
            "hooks/check.py": BEFORE_SAVE.format(out=str(out)),
            "hooks/report.py": """
            def run(*, state, artifact, **_):
                artifact["output_files_seen"] = state["output_files_seen"]
            """,
        },
    )
    wb = xlsx([{"name": "First", "rows": TABLE_A}, {"name": "Second", "rows": TABLE_B}])
    result = run(wb, config, out)
    assert result.ok, result.error
    assert cast(dict[str, Any], result.artifact)["output_files_seen"] == []


def test_before_save_can_clear_a_table(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    config = config_dir(
        fields=FIELDS,
        hooks={"before_save": ["hooks/drop.py"]},
        files={
            "hooks/drop.py": """
            def run(*, tables, **_):
                for t in tables:
                    if t["sheet"] == "First":
                        t["mapping"] = {field: None for field in t["mapping"]}
            """
        },
    )
    wb = xlsx([{"name": "First", "rows": TABLE_A}, {"name": "Second", "rows": TABLE_B}])
    out = tmp_path / "out"
    result = run(wb, config, out)
    assert result.ok, result.error
    first = result.artifact["sheets"][0]["tables"][0]
    assert first["status"] == "skipped"
    assert first["reason"] == "no field mapped after hooks (hooks/drop.py)"
    assert first["rows"]["written"] == 0
    assert output_rows(out)[1:] == [[3.0, "c@x.org", "555-0003"], [4.0, "d@x.org", "555-0004"]]


def test_before_save_mapping_is_checked(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    config = config_dir(
        fields=FIELDS,
        hooks={"before_save": ["hooks/bad.py"]},
        files={
            "hooks/bad.py": """
            def run(*, tables, **_):
                tables[0]["mapping"]["phone"] = "A"
            """
        },
    )
    out = tmp_path / "out"
    result = run(xlsx([{"name": "S", "rows": TABLE_A}]), config, out)
    assert result.status == "failed"
    assert result.error is not None
    assert result.error["file"] == "hooks/bad.py"
    assert "column A is mapped to more than one field" in result.error["message"]
    assert not (out / "normalized.xlsx").exists()
    assert sorted(p.name for p in out.iterdir()) == ["artifact.json", "events.ndjson"]


# ---------------------------------------------------------------------------------- run_end

RUN_END_REPORT = """
import json
from pathlib import Path

ARTIFACT = Path({artifact!r})

def run(*, stage, artifact, state, logger, **_):
    on_disk = json.loads(ARTIFACT.read_text())
    artifact["run_end_saw"] = {{
        "stage": stage,
        "status": artifact["status"],
        "error": (artifact["error"] or {{}}).get("message"),
        "status_on_disk": on_disk["status"],
        "output": artifact["output"],
    }}
    logger.info("run_end ran")
"""

RAISING_TRANSFORM = """
def transform(*, values, **_):
    raise RuntimeError("transform broke")
"""


def run_end_config(config_dir: Callable[..., Path], out: Path, **kw: Any) -> Path:
    files = {"hooks/report.py": RUN_END_REPORT.format(artifact=str(out / "artifact.json"))}
    files.update(kw.pop("files", {}))
    hooks = kw.pop("hooks", {"run_end": ["hooks/report.py"]})
    return config_dir(fields=FIELDS, hooks=hooks, files=files, **kw)


def test_run_end_runs_after_a_successful_artifact_is_written(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    out = tmp_path / "out"
    result = run(xlsx([{"name": "S", "rows": TABLE_A}]), run_end_config(config_dir, out), out)
    assert result.ok, result.error
    saw = json.loads((out / "artifact.json").read_text())["run_end_saw"]
    assert saw["stage"] == "run_end"
    assert (saw["status"], saw["status_on_disk"], saw["error"]) == ("succeeded", "succeeded", None)
    assert saw["output"]["rows"] == 2
    assert events_of(out)[-1]["event"] == "run.completed"


def test_run_end_runs_for_a_failed_run_and_sees_the_failure(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    out = tmp_path / "out"
    config = run_end_config(config_dir, out, modules={"email": RAISING_TRANSFORM})
    result = run(xlsx([{"name": "S", "rows": TABLE_A}]), config, out)
    assert result.status == "failed"
    art = json.loads((out / "artifact.json").read_text())
    saw = art["run_end_saw"]
    assert (saw["status"], saw["status_on_disk"], saw["output"]) == ("failed", "failed", None)
    assert "transform broke" in saw["error"]
    assert art["error"]["file"] == "columns/email.py"
    assert art["secondary_errors"] == []
    events = events_of(out)
    assert events[-1]["event"] == "run.failed"
    assert "transform broke" in events[-1]["error"]["message"]
    assert any(e["event"] == "log" and e["message"] == "run_end ran" for e in events)


def test_run_end_runs_when_the_input_cannot_be_read(
    tmp_path: Path, config_dir: Callable[..., Path]
) -> None:
    out = tmp_path / "out"
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 not a zip")
    result = run(bad, run_end_config(config_dir, out), out)
    assert result.status == "failed"
    saw = json.loads((out / "artifact.json").read_text())["run_end_saw"]
    assert saw["status"] == "failed"
    assert "corrupt" in saw["error"]


def test_run_end_failing_on_a_failed_run_is_secondary(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    out = tmp_path / "out"
    config = run_end_config(
        config_dir,
        out,
        modules={"email": RAISING_TRANSFORM},
        hooks={"run_end": ["hooks/cleanup.py", "hooks/report.py"]},
        files={
            "hooks/cleanup.py": """
            def run(*, artifact, **_):
                raise ValueError("cleanup broke too: " + artifact["status"])
            """
        },
    )
    result = run(xlsx([{"name": "S", "rows": TABLE_A}]), config, out)
    assert result.status == "failed"
    art = json.loads((out / "artifact.json").read_text())
    # The original error stays the run's error...
    assert art["error"]["file"] == "columns/email.py"
    assert "transform broke" in art["error"]["message"]
    assert result.error == art["error"]
    # ...the hook's is recorded beside it, with its file and line...
    (secondary,) = art["secondary_errors"]
    assert secondary["stage"] == "run_end"
    assert secondary["hook"] == "hooks/cleanup.py"
    assert (secondary["file"], secondary["line"]) == ("hooks/cleanup.py", 3)
    assert "cleanup broke too: failed" in secondary["message"]
    # ...and the next run_end hook still ran.
    assert art["run_end_saw"]["status"] == "failed"
    assert result.summary["secondary_errors"] == [secondary["message"]]
    text = format_summary(result.summary)
    assert "error: columns/email.py: transform() raised RuntimeError" in text
    assert "also: hooks/cleanup.py: run() at run_end raised ValueError" in text
    events = events_of(out)
    failed_hooks = [e for e in events if e["event"] == "hook.failed"]
    assert len(failed_hooks) == 1
    assert failed_hooks[0]["secondary"] is True
    assert events[-1]["event"] == "run.failed"
    assert "transform broke" in events[-1]["error"]["message"]


def test_run_end_failing_on_a_successful_run_fails_it(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    out = tmp_path / "out"
    config = run_end_config(
        config_dir,
        out,
        hooks={"run_end": ["hooks/strict.py", "hooks/report.py"]},
        files={
            "hooks/strict.py": """
            def run(**_):
                raise RuntimeError("not good enough")
            """
        },
    )
    result = run(xlsx([{"name": "S", "rows": TABLE_A}]), config, out)
    assert result.status == "failed"
    assert result.output_path is None
    assert result.error is not None
    assert result.error["file"] == "hooks/strict.py"
    assert "not good enough" in result.error["message"]
    assert not (out / "normalized.xlsx").exists()
    art = json.loads((out / "artifact.json").read_text())
    assert art["status"] == "failed"
    assert art["output"] is None
    assert art["secondary_errors"] == []
    # The hook after it saw the run as failed (the artifact on disk still said succeeded).
    assert art["run_end_saw"]["status"] == "failed"
    assert art["run_end_saw"]["status_on_disk"] == "succeeded"
    assert events_of(out)[-1]["event"] == "run.failed"


def test_no_run_end_when_the_config_cannot_be_loaded(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    out = tmp_path / "out"
    config = run_end_config(config_dir, out, extra={"colour": "blue"})
    result = run(xlsx([{"name": "S", "rows": TABLE_A}]), config, out)
    assert result.status == "failed"
    art = json.loads((out / "artifact.json").read_text())
    assert "run_end_saw" not in art
    assert art["error"]["type"] == "config"


# ------------------------------------------------------------------------- mapping_changed_by

ONLY_LOOKS = """
def run(*, table=None, tables=None, logger, **_):
    for t in tables or [table]:
        logger.info(f"looked at {dict(t['mapping'])}")
"""
DROPS_PHONE = """
def run(*, table=None, tables=None, **_):
    for t in (tables or [table])[-1:]:
        t["mapping"]["phone"] = None
"""
RETURNS_SAME = """
def run(*, table=None, **_):
    return {"mapping": dict(table["mapping"])}
"""


def test_mapping_changed_by_names_only_the_hooks_that_changed_it(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    files = {
        "hooks/looks.py": ONLY_LOOKS,
        "hooks/drops.py": DROPS_PHONE,
        "hooks/same.py": RETURNS_SAME,
    }
    for stage, order in (
        ("after_mapping", ["hooks/looks.py", "hooks/drops.py", "hooks/same.py"]),
        ("before_save", ["hooks/looks.py", "hooks/drops.py"]),
    ):
        out = tmp_path / stage
        out.mkdir()
        wb = xlsx([{"name": "First", "rows": TABLE_A}, {"name": "Second", "rows": TABLE_B}])
        hooks = {stage: order}
        config = config_dir(fields=FIELDS, hooks=hooks, files=files)
        result = run(wb, config, out)
        assert result.ok, result.error
        first, second = (s["tables"][0] for s in result.artifact["sheets"])
        # Hooks that only looked, or handed back the mapping they got, are not named.
        assert second["mapping_changed_by"] == ["hooks/drops.py"], stage
        assert second["unmapped_fields"] == ["phone"], stage
        if stage == "before_save":  # it changed only the last table
            assert first["mapping_changed_by"] == []
        else:
            assert first["mapping_changed_by"] == ["hooks/drops.py"]
