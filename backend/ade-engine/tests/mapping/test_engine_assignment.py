"""Hungarian assignment: integer scaling, min_score, and the exact tie-break.

Every example runs through both solvers (pure Python and scipy's path); the property tests at
the end check that they agree with each other and with brute force.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ade_engine import mapping
from ade_engine.mapping import PURE_LIMIT, scale

Assign = Callable[[Sequence[Sequence[float]], float], dict[int, int]]
#: the default dispatch, the pure-Python solver forced, scipy's path forced
SOLVERS: dict[str, Assign] = {
    "default": mapping.assign,
    "pure": partial(mapping.assign, pure_limit=10**12),
    "scipy": partial(mapping.assign, pure_limit=-1),
}


@pytest.fixture(params=sorted(SOLVERS))
def assign(request: pytest.FixtureRequest) -> Assign:
    return SOLVERS[request.param]


def brute_force(scores: list[list[float]], min_score: float) -> dict[int, int]:
    """Every assignment; best integer total, then the column-by-column tie-break."""
    n_cols, n_fields = len(scores), len(scores[0])
    eligible = [
        [f for f in range(n_fields) if scores[c][f] >= min_score and scale(scores[c][f]) > 0]
        for c in range(n_cols)
    ]
    best_key: tuple[int, tuple[int, ...]] | None = None
    best: dict[int, int] = {}
    options = [[*e, None] for e in eligible]
    for combo in itertools.product(*options):
        used = [f for f in combo if f is not None]
        if len(used) != len(set(used)):
            continue
        total = sum(scale(scores[c][f]) for c, f in enumerate(combo) if f is not None)
        vector = tuple(f if f is not None else n_fields for f in combo)
        key = (-total, vector)
        if best_key is None or key < best_key:
            best_key = key
            best = {c: f for c, f in enumerate(combo) if f is not None}
    return best


def test_leftmost_column_wins_a_tie(assign: Assign) -> None:
    # Two columns score the same for the only field.
    assert assign([[0.9], [0.9]], 0.5) == {0: 0}


def test_lower_ordinal_wins_when_a_column_ties_between_fields(assign: Assign) -> None:
    assert assign([[0.8, 0.8]], 0.5) == {0: 0}


def test_full_tie_pairs_leftmost_column_with_lowest_ordinal(assign: Assign) -> None:
    assert assign([[1.0, 1.0], [1.0, 1.0]], 0.5) == {0: 0, 1: 1}


def test_ties_after_integer_scaling(assign: Assign) -> None:
    # 0.9001 and 0.9004 both scale to 900: a tie, so the leftmost column wins.
    assert assign([[0.9001], [0.9004]], 0.5) == {0: 0}
    # 0.9004 vs 0.9006 scale to 900 and 901: no tie.
    assert assign([[0.9004], [0.9006]], 0.5) == {1: 0}


def test_best_total_beats_greedy(assign: Assign) -> None:
    # Greedy would give column 0 field 0 (0.9) and leave column 1 with nothing.
    scores = [[0.9, 0.8], [0.85, 0.0]]
    assert assign(scores, 0.5) == {0: 1, 1: 0}


def test_min_score_threshold(assign: Assign) -> None:
    assert assign([[0.49]], 0.5) == {}
    assert assign([[0.5]], 0.5) == {0: 0}
    assert assign([[0.7, 0.2]], 0.5) == {0: 0}
    # Negative evidence never maps.
    assert assign([[-1.0]], 0.0) == {}


def test_pairs_below_min_score_do_not_steal(assign: Assign) -> None:
    # Column 1's 0.3 for field 0 is ineligible, so it cannot push column 0 off field 0.
    assert assign([[0.6, 0.0], [0.3, 0.0]], 0.5) == {0: 0}


def test_empty_inputs(assign: Assign) -> None:
    assert assign([], 0.5) == {}
    assert assign([[]], 0.5) == {}


@pytest.mark.parametrize("seed", range(40))
def test_matches_brute_force_on_random_tied_matrices(assign: Assign, seed: int) -> None:
    rnd = random.Random(seed)
    n_cols, n_fields = rnd.randint(1, 5), rnd.randint(1, 4)
    # Few distinct values so ties are common.
    scores = [
        [rnd.choice([0.0, 0.4, 0.5, 0.7, 1.0, 1.0]) for _ in range(n_fields)] for _ in range(n_cols)
    ]
    assert assign(scores, 0.5) == brute_force(scores, 0.5)


def test_same_answer_every_time(assign: Assign) -> None:
    rnd = random.Random(7)
    scores = [[rnd.choice([0.6, 0.8, 1.0]) for _ in range(6)] for _ in range(8)]
    first = assign(scores, 0.5)
    assert all(assign(scores, 0.5) == first for _ in range(20))


# Few distinct values, so ties are common; some scale to the same integer (0.9001, 0.9004),
# some sit at or just under the thresholds, some are not eligible at all (0, negative).
TIED = st.sampled_from([-1.0, 0.0, 0.0004, 0.3, 0.4999, 0.5, 0.5004, 0.7, 0.9001, 0.9004, 1.0])
ANY = st.floats(min_value=-2.0, max_value=3.0, allow_nan=False)
MIN_SCORES = st.sampled_from([0.0, 0.0005, 0.3, 0.5, 0.9])


@st.composite
def matrices(draw: st.DrawFn, max_cols: int, max_fields: int) -> list[list[float]]:
    """Rectangular in either direction; zero columns or zero fields included."""
    n_cols = draw(st.integers(0, max_cols))
    n_fields = draw(st.integers(0, max_fields))
    values = draw(st.sampled_from([TIED, ANY, st.sampled_from([0.0, 1.0])]))
    return [[draw(values) for _ in range(n_fields)] for _ in range(n_cols)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scores=matrices(max_cols=5, max_fields=5), min_score=MIN_SCORES)
def test_both_solvers_match_brute_force(scores: list[list[float]], min_score: float) -> None:
    expected = brute_force(scores, min_score) if scores and scores[0] else {}
    for name, solver in SOLVERS.items():
        assert solver(scores, min_score) == expected, name


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scores=matrices(max_cols=16, max_fields=16), min_score=MIN_SCORES)
def test_pure_solver_equals_scipy_path(scores: list[list[float]], min_score: float) -> None:
    assert SOLVERS["pure"](scores, min_score) == SOLVERS["scipy"](scores, min_score)


@pytest.mark.parametrize("seed", range(4))
def test_pure_solver_equals_scipy_path_on_wide_and_tall_tables(seed: int) -> None:
    rnd = random.Random(seed)
    shape = [(60, 12), (12, 60), (40, 40), (90, 5)][seed]
    pool = [0.0, 0.0, 0.0, 0.5, 1.0, 1.0, 1.5]
    scores = [[rnd.choice(pool) for _ in range(shape[1])] for _ in range(shape[0])]
    assert SOLVERS["pure"](scores, 0.5) == SOLVERS["scipy"](scores, 0.5)


def _which_solver(monkeypatch: pytest.MonkeyPatch, n_cols: int, n_fields: int) -> str:
    """The solver the default dispatch picks for every pair eligible in an n_cols x n_fields."""
    monkeypatch.setattr(mapping, "_assign_small", lambda *_: {0: "pure"})
    monkeypatch.setattr(mapping, "_assign_large", lambda *_: {0: "scipy"})
    picked = mapping.assign([[1.0] * n_fields for _ in range(n_cols)], 0.5)
    return str(picked[0])


@pytest.mark.parametrize("flip", [False, True])
def test_the_threshold_in_both_directions(monkeypatch: pytest.MonkeyPatch, flip: bool) -> None:
    # The smaller side squared times the larger: 40 x 40 x 1310 is under 128**3, 1311 is over.
    assert 40 * 40 * 1310 <= PURE_LIMIT < 40 * 40 * 1311
    assert PURE_LIMIT == 128**3

    def shape(n_cols: int, n_fields: int) -> tuple[int, int]:
        return (n_fields, n_cols) if flip else (n_cols, n_fields)

    assert _which_solver(monkeypatch, *shape(1310, 40)) == "pure"
    assert _which_solver(monkeypatch, *shape(1311, 40)) == "scipy"
    assert _which_solver(monkeypatch, *shape(128, 128)) == "pure"
    assert _which_solver(monkeypatch, *shape(128, 129)) == "scipy"


def test_ineligible_columns_and_fields_do_not_count_toward_the_threshold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 2,000 columns x 200 fields, but only a 3 x 3 corner can be assigned.
    monkeypatch.setattr(mapping, "_assign_large", lambda *_: pytest.fail("scipy's path ran"))
    scores = [[0.0] * 200 for _ in range(2000)]
    for c in range(3):
        scores[c][c] = 1.0
    assert mapping.assign(scores, 0.5) == {0: 0, 1: 1, 2: 2}
