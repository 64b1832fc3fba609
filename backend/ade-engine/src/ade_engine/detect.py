"""The detect pass: score every (source column, field) pair of a table.

A pair's score is the built-in synonym matcher's score (the better of the bottom header cell and
the stacked header's merged text) plus the sum of every ``detect_*`` result of the field's
module. A detector returning a dict adds (or, with negative numbers, subtracts) evidence for the
fields it names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ade_engine.config import LoadedConfig, call_config, contract_error
from ade_engine.events import ConfigLogger
from ade_engine.tables import Table
from ade_engine.text import SynonymMatcher


@dataclass
class ScoreBoard:
    """Scores of one table: ``total[c][f]`` plus the parts that made each one."""

    fields: list[str]
    total: list[list[float]]
    parts: list[list[dict[str, float]]] = field(default_factory=list)


def build_matcher(config: LoadedConfig) -> SynonymMatcher:
    return SynonymMatcher({c.spec.field: [c.spec.label, *c.spec.synonyms] for c in config.enabled})


def score_table(
    table: Table,
    config: LoadedConfig,
    matcher: SynonymMatcher,
    state: dict[str, Any],
    logger: ConfigLogger,
) -> ScoreBoard:
    modules = config.enabled
    fields = [m.spec.field for m in modules]
    index = {f: i for i, f in enumerate(fields)}
    n_cols = len(table.columns)
    total = [[0.0] * len(fields) for _ in range(n_cols)]
    parts: list[list[dict[str, float]]] = [[{} for _ in fields] for _ in range(n_cols)]
    table_info = {
        "sheet": table.sheet,
        "range": table.a1,
        "number": table.number,
        "headerless": table.headerless,
    }
    warned: set[str] = set()

    for c, col in enumerate(table.columns):
        for f, fld in enumerate(fields):
            s = max(
                matcher.score(col.header, fld),
                matcher.score(col.merged_header, fld) if col.group else 0.0,
            )
            if s:
                total[c][f] += s
                parts[c][f]["synonyms"] = s

    for module in modules:
        fld = module.spec.field
        log = logger.bind(module.spec.path)
        for name, fn in module.detectors:
            what = f"{module.spec.path}: {name}()"
            for c, col in enumerate(table.columns):
                result = call_config(
                    config,
                    fn,
                    what,
                    {
                        "header": col.header,
                        "values": col.samples,
                        "column_index": col.index,
                        "field": fld,
                        "state": state,
                        "logger": log,
                        "header_group": col.group,
                        "header_full": col.merged_header,
                        "column_letter": col.letter,
                        "sheet_name": table.sheet,
                        "table": table_info,
                    },
                )
                if result is None:
                    continue
                if isinstance(result, dict):
                    items = result.items()
                elif isinstance(result, int | float):
                    items = ((fld, result),)  # type: ignore[assignment]
                else:
                    raise contract_error(
                        config,
                        fn,
                        f"{what} returned "
                        f"{type(result).__name__}; expected a float, a dict "
                        "{field: float} or None",
                    )
                for key, value in items:
                    target = index.get(key)
                    if not isinstance(value, int | float) or (
                        isinstance(value, float) and not math.isfinite(value)
                    ):
                        raise contract_error(
                            config,
                            fn,
                            f"{what} returned a non-numeric or non-finite score for {key!r}",
                        )
                    if target is None:
                        if key not in warned:
                            warned.add(key)
                            log.warning(f"{name} scored unknown or disabled field {key!r}; ignored")
                        continue
                    total[c][target] += float(value)
                    label = f"{fld}.{name}" if key != fld else name
                    parts[c][target][label] = parts[c][target].get(label, 0.0) + float(value)
    return ScoreBoard(fields=fields, total=total, parts=parts)
