"""Row signatures from typed blocks: a block whose rows all have one shape is looked up once,
with the same signature ids as profiling its rows one by one."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ade_engine.read.csvtype import DOT_KINDS, BlockTyper, TypedBlock, type_text
from ade_engine.tables.profile import Profile

VALUES = st.sampled_from(["1", "22", "2.5", "", "x", "Ann", "2024-01-02", "007", "true", "1,5"])
# Blocks of rows: mostly of one width, with whole columns of one value now and then.
ROWS = st.integers(0, 4).flatmap(
    lambda width: st.lists(
        st.one_of(
            st.lists(VALUES, min_size=width, max_size=width),
            st.lists(VALUES, min_size=0, max_size=5),  # a ragged row
        ),
        max_size=12,
    )
)
UNIFORM = st.lists(st.sampled_from(["7", "x", "2.5", "2024-01-02"]), min_size=1, max_size=4)


def _blocks(lines: list[list[list[str]]]) -> list[TypedBlock]:
    typer = BlockTyper(type_text, DOT_KINDS)
    return [typer.type(rows) for rows in lines if rows]


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(
        st.one_of(ROWS, UNIFORM.flatmap(lambda row: st.integers(1, 6).map(lambda n: [row] * n))),
        max_size=6,
    )
)
def test_signatures_from_blocks_equal_signatures_row_by_row(lines: list[list[list[str]]]) -> None:
    blocks = _blocks(lines)
    by_rows, by_blocks = Profile(), Profile()
    expected = list(by_rows.read(row for block in blocks for row in block.rows()))
    assert list(by_blocks.read_blocks(blocks)) == expected
    assert (by_blocks.ids, by_blocks.sigs) == (by_rows.ids, by_rows.sigs)


def test_a_block_has_one_row_shape_only_when_every_column_has_one_type() -> None:
    typer = BlockTyper(type_text, DOT_KINDS)
    assert typer.type([["1", "x", "2024-01-02", "2.5"]] * 3).row_types() == (
        int,
        str,
        type(type_text("2024-01-02")),
        float,
    )
    assert typer.type([["1", "x"], ["2", ""]]).row_types() is None  # an empty cell
    assert typer.type([["1", "x"], ["2", "y"], ["ragged"]]).row_types() is None
    assert typer.type([["1", "x"], ["2", "007"]]).row_types() == (int, str)
    assert typer.type([["1"], ["x"]]).row_types() is None  # typed value by value
    read_back = TypedBlock(1, [[1]], {}, [0])  # from the copy: not known
    assert read_back.row_types() is None
