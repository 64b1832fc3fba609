"""Layout accuracy on the generated report corpus: prints figures, asserts nothing.

    uv run python bench/layouts.py [--n 24] [--holdout 12] [--family footers ...] [--show 3]

Generates the corpus of ``backend/ade-engine/tests/tables/corpus/`` (print-layout
footers, grouped reports, summary blocks, spacer columns; each with its truth), runs the engine
in-process on every workbook with the corpus config and prints, per family and split (``tune``,
the variants the engine's tests use, and ``holdout``, other seeds and other words, never tuned
on): tables right (every record of the table written once, with every field right, and no junk
row inside it), records right, junk rows let in (output rows that are no record) and the share of
skipped rows recorded as decisions. ``--show N`` prints the first N mistakes of each family.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "backend" / "ade-engine" / "tests" / "tables" / "corpus"


def load_corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "ade_layout_corpus", CORPUS / "__init__.py", submodule_search_locations=[str(CORPUS)]
    )
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {CORPUS}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its submodules and dataclasses look it up
    spec.loader.exec_module(module)
    return module


def pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=24, help="tune variants per family")
    parser.add_argument("--holdout", type=int, default=12, help="held-out variants per family")
    parser.add_argument("--family", nargs="*", help="only these families")
    parser.add_argument("--show", type=int, default=0, help="mistakes to print per family")
    args = parser.parse_args()
    corpus = load_corpus()
    families = args.family or list(corpus.FAMILIES)
    started = time.perf_counter()
    print(
        f"{'family':<9} {'split':<8} {'tables right':<16} {'records right':<18} "
        f"{'junk rows':<10} decisions"
    )
    with tempfile.TemporaryDirectory(prefix="ade-layouts-") as tmp:
        work = Path(tmp)
        config = corpus.write_config(work / "config")
        for family in families:
            for split, n in (("tune", args.n), ("holdout", args.holdout)):
                total = corpus.Score()
                for case in corpus.cases(family, split, n):
                    total.add(corpus.run_case(case, work / "runs", config))
                print(
                    f"{family:<9} {split:<8} {pct(total.tables_right, total.tables):<16} "
                    f"{pct(total.records_right, total.records):<18} {total.junk:<10} "
                    f"{pct(total.decisions_found, total.decisions)}"
                )
                for line in total.wrong[: args.show]:
                    print(f"    {line[:300]}")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
