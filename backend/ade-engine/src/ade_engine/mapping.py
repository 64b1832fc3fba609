"""The map pass: assign source columns to fields with the Hungarian algorithm.

Scores are scaled to integers (``round(score * 1000)``); pairs under ``min_score`` are not
eligible. :func:`scipy.optimize.linear_sum_assignment` finds the best total. Ties are broken
exactly, not by perturbing the costs: among all assignments reaching the best total, the engine
picks the one that is first when compared column by column from the left, each column
preferring the lowest-ordinal field it can take, then no field. It does so by fixing columns one
at a time, left to right, keeping a choice only if the rest can still reach the best total
(another Hungarian solve on what is left). So "leftmost column wins, then lower ordinal" holds by
construction, and the answer depends on nothing but the scores.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any


@cache
def linear_sum_assignment() -> Callable[..., Any]:
    """``scipy.optimize.linear_sum_assignment``, loaded without importing all of scipy.optimize.

    The function lives in the compiled module ``scipy.optimize._lsap``; importing it through
    ``scipy.optimize`` also imports scipy's linear algebra, sparse and optimizer modules
    (about 0.7 s and 45 MB more per run, measured). The engine loads that one extension file
    directly, under a private module name, and falls back to the public import when the file
    cannot be found (e.g. a differently packaged scipy).
    """
    try:
        spec = importlib.util.find_spec("scipy")
        if spec is None or spec.origin is None:
            raise ImportError("scipy not found")
        so = next((Path(spec.origin).parent / "optimize").glob("_lsap.*"))
        name = "_ade_engine_scipy._lsap"
        loader = importlib.machinery.ExtensionFileLoader(name, str(so))
        mod_spec = importlib.util.spec_from_loader(name, loader)
        if mod_spec is None:
            raise ImportError(name)
        module = importlib.util.module_from_spec(mod_spec)
        loader.exec_module(module)
        fn: Callable[..., Any] = module.linear_sum_assignment
        return fn
    except (ImportError, StopIteration, OSError, AttributeError):  # pragma: no cover
        public: Callable[..., Any] = importlib.import_module("scipy.optimize").linear_sum_assignment
        return public


def _solve(weights: list[list[int]], rows: list[int], cols: list[int]) -> int:
    """Best total over the sub-matrix rows x cols (0 when either side is empty)."""
    if not rows or not cols:
        return 0
    import numpy as np

    sub = np.array([[weights[r][c] for c in cols] for r in rows], dtype=np.int64)
    ri, ci = linear_sum_assignment()(sub, maximize=True)
    return int(sub[ri, ci].sum())


def scale(score: float) -> int:
    return round(score * 1000)


def assign(scores: Sequence[Sequence[float]], min_score: float) -> dict[int, int]:
    """Map column index -> field index (fields given in ordinal order).

    ``scores[c][f]`` is the summed score of column ``c`` for field ``f``.
    """
    n_cols = len(scores)
    n_fields = len(scores[0]) if n_cols else 0
    threshold = scale(min_score)
    weights = [[0] * n_fields for _ in range(n_cols)]
    eligible: list[list[int]] = [[] for _ in range(n_cols)]
    for c in range(n_cols):
        for f in range(n_fields):
            w = scale(scores[c][f])
            if w > 0 and w >= threshold and scores[c][f] >= min_score:
                weights[c][f] = w
                eligible[c].append(f)
    rows = [c for c in range(n_cols) if eligible[c]]
    cols = sorted({f for c in rows for f in eligible[c]})
    best = _solve(weights, rows, cols)
    result: dict[int, int] = {}
    fixed_total = 0
    free_rows = list(rows)
    free_cols = list(cols)
    for c in rows:
        free_rows.remove(c)
        chosen = None
        for f in eligible[c]:  # ascending field index = ascending ordinal
            if f not in free_cols:
                continue
            rest = [x for x in free_cols if x != f]
            if fixed_total + weights[c][f] + _solve(weights, free_rows, rest) == best:
                chosen = f
                break
        if chosen is not None:
            result[c] = chosen
            fixed_total += weights[c][chosen]
            free_cols.remove(chosen)
        # else: leaving column c unassigned keeps the best total reachable (it must, since the
        # best total was reachable before and no eligible field of c keeps it).
    return result
