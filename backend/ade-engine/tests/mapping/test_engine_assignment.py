"""Hungarian assignment: integer scaling, min_score, and the exact tie-break."""

from __future__ import annotations

import itertools
import random

import pytest

from ade_engine.mapping import assign, scale


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


def test_leftmost_column_wins_a_tie() -> None:
    # Two columns score the same for the only field.
    assert assign([[0.9], [0.9]], 0.5) == {0: 0}


def test_lower_ordinal_wins_when_a_column_ties_between_fields() -> None:
    assert assign([[0.8, 0.8]], 0.5) == {0: 0}


def test_full_tie_pairs_leftmost_column_with_lowest_ordinal() -> None:
    assert assign([[1.0, 1.0], [1.0, 1.0]], 0.5) == {0: 0, 1: 1}


def test_ties_after_integer_scaling() -> None:
    # 0.9001 and 0.9004 both scale to 900: a tie, so the leftmost column wins.
    assert assign([[0.9001], [0.9004]], 0.5) == {0: 0}
    # 0.9004 vs 0.9006 scale to 900 and 901: no tie.
    assert assign([[0.9004], [0.9006]], 0.5) == {1: 0}


def test_best_total_beats_greedy() -> None:
    # Greedy would give column 0 field 0 (0.9) and leave column 1 with nothing.
    scores = [[0.9, 0.8], [0.85, 0.0]]
    assert assign(scores, 0.5) == {0: 1, 1: 0}


def test_min_score_threshold() -> None:
    assert assign([[0.49]], 0.5) == {}
    assert assign([[0.5]], 0.5) == {0: 0}
    assert assign([[0.7, 0.2]], 0.5) == {0: 0}
    # Negative evidence never maps.
    assert assign([[-1.0]], 0.0) == {}


def test_pairs_below_min_score_do_not_steal() -> None:
    # Column 1's 0.3 for field 0 is ineligible, so it cannot push column 0 off field 0.
    assert assign([[0.6, 0.0], [0.3, 0.0]], 0.5) == {0: 0}


def test_empty_inputs() -> None:
    assert assign([], 0.5) == {}
    assert assign([[]], 0.5) == {}


@pytest.mark.parametrize("seed", range(40))
def test_matches_brute_force_on_random_tied_matrices(seed: int) -> None:
    rnd = random.Random(seed)
    n_cols, n_fields = rnd.randint(1, 5), rnd.randint(1, 4)
    # Few distinct values so ties are common.
    scores = [
        [rnd.choice([0.0, 0.4, 0.5, 0.7, 1.0, 1.0]) for _ in range(n_fields)] for _ in range(n_cols)
    ]
    assert assign(scores, 0.5) == brute_force(scores, 0.5)


def test_same_answer_every_time() -> None:
    rnd = random.Random(7)
    scores = [[rnd.choice([0.6, 0.8, 1.0]) for _ in range(6)] for _ in range(8)]
    first = assign(scores, 0.5)
    assert all(assign(scores, 0.5) == first for _ in range(20))
