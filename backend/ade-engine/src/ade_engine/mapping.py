"""The map pass: assign source columns to fields with the Hungarian algorithm.

Scores are scaled to integers (``round(score * 1000)``); pairs under ``min_score`` are not
eligible. The engine finds the assignment with the best total. Ties are broken exactly, not by
perturbing the costs: among all assignments reaching the best total, the engine picks the one
that is first when compared column by column from the left, each column preferring the
lowest-ordinal field it can take, then no field. So "leftmost column wins, then lower ordinal"
holds by construction, and the answer depends on nothing but the scores.

Two solvers give that same answer:

- **Small matrices** (up to :data:`PURE_LIMIT`: every real config): one pure-Python Hungarian
  solve (shortest augmenting paths, exact integer arithmetic) of weights that carry the
  tie-break in their low digits. Pair ``(c, f)`` weighs ``w * K**n + (m - rank(f)) *
  K**(n - 1 - rank(c))``, for ``n`` columns and ``m`` fields that can be assigned, ``K = m + 1``.
  The low part of a total is a base-``K`` number whose digits are the columns' choices, left
  column first (a digit is 0 for no field, so no field comes last), and it stays under
  ``K**n``, one unit of the score part: the best weighted total is the best score total, then
  the first choice vector. Python's integers do not overflow. This path imports neither numpy
  nor scipy (about 170 ms of a small run's 200 ms before).
- **Large matrices**: :func:`scipy.optimize.linear_sum_assignment` (imported on first use)
  finds the best score total, then the engine fixes columns one at a time, left to right,
  keeping a choice only if the rest can still reach that total (another solve on what is left).

``tests/mapping/test_engine_assignment.py`` checks both against each other and against brute
force.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

#: The pure-Python solver runs when ``small**2 * large`` (its step count: ``small`` and
#: ``large`` are the smaller and larger side, counting columns and fields that can be assigned)
#: is at most this, i.e. up to 128 x 128 or 40 fields x 1,300 columns. Measured in
#: ``docs/benchmarks.md``: below it the pure solve beats scipy's path (its import, the
#: best-total solve and the tie-break's further solves) on every kind of matrix tried; above
#: it, on matrices full of ties, scipy starts to win.
PURE_LIMIT = 128**3


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


def scale(score: float) -> int:
    return round(score * 1000)


def assign(
    scores: Sequence[Sequence[float]], min_score: float, *, pure_limit: int | None = None
) -> dict[int, int]:
    """Map column index -> field index (fields given in ordinal order).

    ``scores[c][f]`` is the summed score of column ``c`` for field ``f``. ``pure_limit``
    overrides :data:`PURE_LIMIT` (tests use it to force either solver).
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
    small, large = sorted((len(rows), len(cols)))
    if small * small * large <= (PURE_LIMIT if pure_limit is None else pure_limit):
        return _assign_small(weights, rows, cols)
    return _assign_large(weights, eligible, rows, cols)


def _assign_small(weights: list[list[int]], rows: list[int], cols: list[int]) -> dict[int, int]:
    """One exact solve of weights that carry the tie-break (see the module docstring)."""
    n, m = len(rows), len(cols)
    if not n:
        return {}
    k = m + 1
    unit = k**n
    place = [k ** (n - 1 - i) for i in range(n)]
    composite = [
        [
            weights[c][f] * unit + (m - j) * place[i] if weights[c][f] else 0
            for j, f in enumerate(cols)
        ]
        for i, c in enumerate(rows)
    ]
    if n <= m:
        pairs = [(i, j) for i, j in enumerate(_hungarian_max(composite))]
    else:
        transposed = [list(col) for col in zip(*composite, strict=True)]
        pairs = [(i, j) for j, i in enumerate(_hungarian_max(transposed))]
    return {rows[i]: cols[j] for i, j in pairs if composite[i][j]}


def _hungarian_max(weights: list[list[int]]) -> list[int]:
    """The column of each row in a maximum-total assignment of every row (rows <= columns).

    Shortest augmenting paths with potentials (Kuhn-Munkres as in Jonker-Volgenant), minimizing
    the negated weights; O(rows^2 * columns) integer operations, exact.
    """
    n, m = len(weights), len(weights[0])
    u = [0] * (n + 1)  # row potentials (1-based; 0 is the virtual start)
    v = [0] * (m + 1)  # column potentials
    owner = [0] * (m + 1)  # owner[j]: the row holding column j (0: free)
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        owner[0] = i
        j0 = 0
        minv: list[int | None] = [None] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0 = owner[j0]
            row = weights[i0 - 1]
            ui0 = u[i0]
            delta: int | None = None
            j1 = 0
            for j in range(1, m + 1):
                if used[j]:
                    continue
                cur = -row[j - 1] - ui0 - v[j]
                mj = minv[j]
                if mj is None or cur < mj:
                    minv[j] = mj = cur
                    way[j] = j0
                if delta is None or mj < delta:
                    delta = mj
                    j1 = j
            assert delta is not None  # n <= m: a free column is left
            for j in range(m + 1):
                if used[j]:
                    u[owner[j]] += delta
                    v[j] -= delta
                else:
                    mj = minv[j]
                    assert mj is not None
                    minv[j] = mj - delta
            j0 = j1
            if owner[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            owner[j0] = owner[j1]
            j0 = j1
    result = [0] * n
    for j in range(1, m + 1):
        if owner[j]:
            result[owner[j] - 1] = j - 1
    return result


def _assign_large(
    weights: list[list[int]], eligible: list[list[int]], rows: list[int], cols: list[int]
) -> dict[int, int]:
    """scipy's best total, then columns fixed left to right (see the module docstring)."""
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


def _solve(weights: list[list[int]], rows: list[int], cols: list[int]) -> int:
    """Best total over the sub-matrix rows x cols (0 when either side is empty)."""
    if not rows or not cols:
        return 0
    import numpy as np

    sub = np.array([[weights[r][c] for c in cols] for r in rows], dtype=np.int64)
    ri, ci = linear_sum_assignment()(sub, maximize=True)
    return int(sub[ri, ci].sum())
