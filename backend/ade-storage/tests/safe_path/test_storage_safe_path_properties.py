"""Property tests for the safe-path helper (hypothesis).

The example tests pin down each rule; these check the guarantees callers rely on hold for
inputs nobody thought of: accepted paths stay inside the root, known attacks added to an
accepted path are always refused, and no input makes the helper fail any other way.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ade_storage.errors import UnsafePathError
from ade_storage.safe_path import resolve_within, safe_filename, safe_relative_path

# No example database: it would write .hypothesis/ into whatever directory pytest runs in.
FAST = settings(database=None, deadline=None, max_examples=200)


def _is_accepted(path: str) -> bool:
    try:
        safe_relative_path(path)
    except UnsafePathError:
        return False
    return True


# Components mix arbitrary printable Unicode with characters that hit the edge rules
# (dots, spaces, dashes) often enough to matter.
_component_chars = st.one_of(
    st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="/\\"),
    st.sampled_from("aZ09._- "),
)
_components = st.text(_component_chars, min_size=1, max_size=12)
accepted_paths = st.lists(_components, min_size=1, max_size=5).map("/".join).filter(_is_accepted)

# Anything at all: surrogates, C0/C1 controls and path punctuation included.
_any_char = st.characters(exclude_categories=())
_path_tokens = st.sampled_from(
    [
        *["/", "\\", ".", "..", ":", "C:", "\x00", "\n", " ", "CON", "nul.txt", "a", "\ud800"],
        *["\u202e", "\u200b"],  # a bidirectional override, a zero-width space
    ]
)
arbitrary_text = st.one_of(
    st.text(_any_char, max_size=40),
    st.lists(st.one_of(_path_tokens, st.text(_any_char, max_size=3)), max_size=12).map("".join),
)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("safe-root")


@FAST
@given(path=accepted_paths)
def test_storage_accepted_paths_resolve_inside_root(root: Path, path: str) -> None:
    assert str(safe_relative_path(path)) == path  # accepted means unchanged
    resolved_root = root.resolve()
    result = resolve_within(root, path)
    assert result == resolved_root.joinpath(*path.split("/"))
    assert result.resolve().is_relative_to(resolved_root)
    assert result != resolved_root


@FAST
@given(path=accepted_paths, data=st.data())
def test_storage_inserting_dotdot_is_rejected(path: str, data: st.DataObject) -> None:
    parts = path.split("/")
    index = data.draw(st.integers(0, len(parts)), label="index")
    attacked = "/".join([*parts[:index], "..", *parts[index:]])
    with pytest.raises(UnsafePathError):
        safe_relative_path(attacked)


@FAST
@given(path=accepted_paths)
def test_storage_leading_slash_is_rejected(path: str) -> None:
    with pytest.raises(UnsafePathError):
        safe_relative_path("/" + path)


@FAST
@given(path=accepted_paths, data=st.data())
def test_storage_inserting_nul_is_rejected(path: str, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(path)), label="index")
    with pytest.raises(UnsafePathError):
        safe_relative_path(path[:index] + "\x00" + path[index:])


# Invisible and formatting characters: every Cf character hypothesis can think of, and the
# separators and blank letters the helper names.
_invisible_chars = st.one_of(
    st.characters(categories=("Cf", "Zl", "Zp")),
    st.sampled_from("\u202e\u2066\u200b\ufeff\u00ad\u061c\u3164\u115f\u034f"),
)


@FAST
@given(path=accepted_paths, char=_invisible_chars, data=st.data())
def test_storage_inserting_an_invisible_character_is_rejected(
    path: str, char: str, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(path)), label="index")
    with pytest.raises(UnsafePathError, match="invisible or formatting"):
        safe_relative_path(path[:index] + char + path[index:])


@FAST
@given(
    path=accepted_paths,
    letter=st.sampled_from("ABCXYZabcxyz"),
    separator=st.sampled_from(["", "/", "\\"]),
)
def test_storage_drive_letter_prefix_is_rejected(path: str, letter: str, separator: str) -> None:
    with pytest.raises(UnsafePathError):
        safe_relative_path(f"{letter}:{separator}{path}")


@FAST
@given(text=arbitrary_text)
def test_storage_arbitrary_text_only_raises_unsafe_path_error(text: str) -> None:
    try:
        result = safe_relative_path(text)
    except UnsafePathError as exc:
        error = exc
    else:
        assert isinstance(result, PurePosixPath)
        assert str(result) == text
        assert ".." not in result.parts
        assert not result.is_absolute()
        # Nothing accepted hides characters or reorders how the name is shown.
        shown = {unicodedata.category(char) for char in text}
        assert not shown & {"Cc", "Cf", "Cs", "Zl", "Zp"}
        return
    assert error.path == text
    assert error.reason
    assert str(error)  # the message must render even for surrogates / control characters


@FAST
@given(text=arbitrary_text, max_length=st.integers(1, 50), max_component=st.integers(1, 20))
def test_storage_arbitrary_text_respects_custom_limits(
    text: str, max_length: int, max_component: int
) -> None:
    try:
        result = safe_relative_path(text, max_length=max_length, max_component_length=max_component)
    except UnsafePathError:
        return
    assert len(text.encode("utf-8")) <= max_length
    assert all(len(part.encode("utf-8")) <= max_component for part in result.parts)


@FAST
@given(text=arbitrary_text)
def test_storage_safe_filename_only_raises_unsafe_path_error(text: str) -> None:
    try:
        name = safe_filename(text)
    except UnsafePathError:
        return
    assert name == text
    assert "/" not in name
    assert len(PurePosixPath(name).parts) == 1


@FAST
@given(text=arbitrary_text)
def test_storage_resolve_within_never_escapes(root: Path, text: str) -> None:
    try:
        result = resolve_within(root, text)
    except UnsafePathError:
        return
    assert result.resolve().is_relative_to(root.resolve())
