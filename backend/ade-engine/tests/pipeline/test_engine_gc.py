"""The passes run with fewer garbage collections; the collector is as it was afterwards, for
runs that succeed and runs that fail."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

from ade_engine import pipeline, run


def test_passes_run_with_the_higher_threshold_and_it_is_undone(
    tmp_path: Path, xlsx: Callable[..., Path], config_dir: Callable[..., Path]
) -> None:
    module = """
        import gc
        def transform(*, values, state, **_):
            state["threshold"] = gc.get_threshold()[0]
            state["frozen"] = gc.get_freeze_count() > 0
            return values
        """
    hook = """
        def run(*, stage, state, artifact, **_):
            artifact["test_gc"] = [state["threshold"], state["frozen"]]
        """
    config = config_dir(
        fields=[("member_id", "Member ID", []), ("name", "Name", [])],
        modules={"member_id": module},
        hooks={"run_end": ["hooks/h.py"]},
        files={"hooks/h.py": hook},
    )
    wb = xlsx([{"name": "S", "rows": [["Member ID", "Name"]] + [[i, f"n{i}"] for i in range(5)]}])
    before = gc.get_threshold()
    result = run(wb, config, tmp_path / "out")
    assert result.ok, result.error
    assert result.artifact["test_gc"] == [pipeline.GC_THRESHOLD, True]  # type: ignore[typeddict-item]
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    failed = run(tmp_path / "missing.csv", config, tmp_path / "out2")
    assert not failed.ok
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
