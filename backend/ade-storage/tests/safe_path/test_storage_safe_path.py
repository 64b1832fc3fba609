"""Example tests: one (or more) per rejection rule of the safe-path helper."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest

from ade_storage.errors import StorageError, UnsafePathError
from ade_storage.safe_path import resolve_within, safe_filename, safe_relative_path


@pytest.mark.parametrize(
    "path",
    [
        "a",
        "a/b/c.xlsx",
        "config/columns/email.py",
        ".hidden",
        "a b/c d.csv",
        "données/résumé.xlsx",
        "表格/数据.csv",
        "emoji-\U0001f600.txt",
        "first/x:y",  # ':' is only refused in the first component
        "a/b:c",
        "CONSOLE",  # only the exact device names are reserved
        "COM0",
        "COM10",
        "LPT",
        "auxiliary.txt",
        "a.b.c",
        " leading-space",
        "...a",
    ],
)
def test_storage_accepts_plain_relative_paths_unchanged(path: str) -> None:
    result = safe_relative_path(path)
    assert result == PurePosixPath(path)
    assert str(result) == path


def _reason(path: str, **kwargs: int) -> str:
    with pytest.raises(UnsafePathError) as info:
        safe_relative_path(path, **kwargs)
    assert info.value.path == path
    return info.value.reason


def test_storage_rejects_empty_path() -> None:
    assert "empty" in _reason("")


@pytest.mark.parametrize("char", ["\x00", "\x01", "\n", "\r", "\t", "\x1b", "\x1f", "\x7f", "\x85"])
def test_storage_rejects_control_characters(char: str) -> None:
    assert "control character" in _reason(f"a{char}b/c")


@pytest.mark.parametrize(
    "char",
    [
        *"\u202a\u202b\u202c\u202d\u202e",  # embeddings and overrides
        *"\u2066\u2067\u2068\u2069",  # isolates
        *"\u200e\u200f\u061c",  # directional marks
        *"\u200b\u200c\u200d\u2060\ufeff\u00ad",  # zero-width, word joiner, BOM, soft hyphen
        *"\u2028\u2029",  # line and paragraph separators
        *"\u3164\u115f\uffa0\u034f",  # Hangul fillers and the grapheme joiner: blank letters
    ],
)
def test_storage_rejects_invisible_and_bidirectional_characters(char: str) -> None:
    reason = _reason(f"columns/a{char}b.py")
    assert "invisible or formatting character" in reason
    assert f"U+{ord(char):04X}" in reason


def test_storage_an_override_cannot_disguise_an_extension() -> None:
    # Shown as "columns/txt.py" by anything that honours the override.
    path = "columns/\u202eyp.txt"
    reason = _reason(path)
    assert "RIGHT-TO-LEFT OVERRIDE" in reason
    with pytest.raises(UnsafePathError) as info:
        safe_relative_path(path)
    assert "\u202e" not in str(info.value)  # the message escapes it: it cannot reorder logs


def test_storage_rejects_nul_anywhere() -> None:
    for path in ["\x00", "a\x00", "\x00a", "a/\x00/b"]:
        assert "U+0000" in _reason(path)


@pytest.mark.parametrize("path", ["a\\b", "\\a", "..\\..\\etc\\passwd", "a/b\\"])
def test_storage_rejects_backslashes(path: str) -> None:
    assert "backslash" in _reason(path)


@pytest.mark.parametrize("path", ["/", "/etc/passwd", "//server/share", "/a"])
def test_storage_rejects_absolute_paths(path: str) -> None:
    assert "absolute" in _reason(path)


@pytest.mark.parametrize("path", ["C:", "c:", "C:/Windows", "c:foo", "Z:x/y"])
def test_storage_rejects_drive_letters(path: str) -> None:
    assert "drive" in _reason(path)


@pytest.mark.parametrize("path", ["file:x", "ab:c/d", "http:/x", "ab:", ":", ":a", "1:x"])
def test_storage_rejects_colon_in_first_component(path: str) -> None:
    assert "':'" in _reason(path)


@pytest.mark.parametrize("path", ["..", "../a", "a/..", "a/../b", "a/b/../../.."])
def test_storage_rejects_dotdot_components(path: str) -> None:
    # By its own rule: the trailing-dot rule (for Windows) would also catch it, but that rule
    # is about names that collide, and must not be what keeps a path inside its root.
    assert _reason(path) == "'..' path components are not allowed"


@pytest.mark.parametrize("path", [".", "./a", "a/.", "a/./b"])
def test_storage_rejects_dot_components(path: str) -> None:
    assert "'.'" in _reason(path)


@pytest.mark.parametrize("path", ["a//b", "a/", "a/b/", "a///"])
def test_storage_rejects_empty_components(path: str) -> None:
    assert "empty path component" in _reason(path)


def test_storage_component_length_counts_utf8_bytes() -> None:
    assert safe_relative_path("a" * 255) == PurePosixPath("a" * 255)
    assert "longer than 255" in _reason("a" * 256)
    # 128 two-byte characters = 256 bytes although only 128 characters.
    assert "longer than 255" in _reason("é" * 128)
    assert "longer than 10" in _reason("x/" + "b" * 11, max_component_length=10)


def test_storage_total_length_counts_utf8_bytes() -> None:
    ok = "/".join(["a" * 200] * 5)  # 1004 bytes
    assert str(safe_relative_path(ok)) == ok
    too_long = "/".join(["a" * 200] * 6)
    assert "longer than 1024" in _reason(too_long)
    assert str(safe_relative_path("é/é/é", max_length=8)) == "é/é/é"  # 3 * 2 + 2 bytes
    assert "longer than 8" in _reason("é/é/éé", max_length=8)


@pytest.mark.parametrize(
    "path",
    [
        "CON",
        "con",
        "Con.txt",
        "prn",
        "AUX.tar.gz",
        "nul",
        "NUL.xlsx",
        "com1",
        "COM9.csv",
        "lpt1",
        "LPT9",
        "com\u00b9",
        "dir/nul",
        "dir/CON.py/x",
        "nul .txt",
        "conin$",
    ],
)
def test_storage_rejects_windows_reserved_names(path: str) -> None:
    assert "reserved device name" in _reason(path)


@pytest.mark.parametrize("path", ["a.", "a ", "dir./b", "dir /b", "a/b.", "...", "a/. "])
def test_storage_rejects_trailing_dot_or_space(path: str) -> None:
    assert "ends with a dot or a space" in _reason(path)


@pytest.mark.parametrize("path", ["\ud800", "a/\udfff.txt", "x\udc80y"])
def test_storage_rejects_lone_surrogates(path: str) -> None:
    assert "surrogate" in _reason(path)


def test_storage_rejects_non_string_with_type_error() -> None:
    with pytest.raises(TypeError):
        safe_relative_path(b"a/b")  # type: ignore[arg-type]


def test_storage_unsafe_path_error_is_value_error_and_storage_error() -> None:
    with pytest.raises(ValueError, match="unsafe path"):
        safe_relative_path("../x")
    with pytest.raises(StorageError):
        safe_relative_path("../x")


# -- safe_filename -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["report.xlsx", "a", "données.csv", ".env.example"])
def test_storage_safe_filename_accepts_single_names(name: str) -> None:
    assert safe_filename(name) == name


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("a/b", "'/'"),
        ("/a", "'/'"),
        ("a/", "'/'"),
        ("", "empty"),
        ("..", "'..'"),
        (".", "'.'"),
        ("a\\b", "backslash"),
        ("C:x", "drive"),
        ("xy:z", "':'"),
        ("NUL.txt", "reserved"),
        ("a.", "dot or a space"),
        ("a\x00", "control"),
        ("a\u200b.txt", "invisible"),
        ("a" * 256, "longer than 255"),
        ("\udc00", "surrogate"),
    ],
)
def test_storage_safe_filename_rejects(name: str, reason: str) -> None:
    with pytest.raises(UnsafePathError) as info:
        safe_filename(name)
    assert reason in info.value.reason


# -- resolve_within ------------------------------------------------------------------------


def test_storage_resolve_within_joins_under_resolved_root(tmp_path: Path) -> None:
    result = resolve_within(tmp_path, "a/b/c.txt")
    assert result == tmp_path.resolve() / "a" / "b" / "c.txt"
    assert not result.exists()  # the target need not exist


def test_storage_resolve_within_validates_first(tmp_path: Path) -> None:
    for bad in ["../x", "/etc/passwd", "a/../../x", "C:x", ""]:
        with pytest.raises(UnsafePathError):
            resolve_within(tmp_path, bad)


def test_storage_resolve_within_rejects_symlinked_directory(tmp_path: Path) -> None:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafePathError) as info:
        resolve_within(root, "link/secret.txt")
    assert "symbolic link" in info.value.reason
    with pytest.raises(UnsafePathError):
        resolve_within(root, "link")


def test_storage_resolve_within_rejects_symlink_pointing_inside_root(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)
    with pytest.raises(UnsafePathError):
        resolve_within(tmp_path, "alias/x")


def test_storage_resolve_within_rejects_symlinked_file(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "docs").mkdir(parents=True)
    target = root / "docs" / "real.txt"
    target.write_text("x")
    (root / "docs" / "link.txt").symlink_to(target)
    with pytest.raises(UnsafePathError):
        resolve_within(root, "docs/link.txt")
    assert resolve_within(root, "docs/real.txt") == target.resolve()


def test_storage_resolve_within_rejects_dangling_symlink(tmp_path: Path) -> None:
    (tmp_path / "dangling").symlink_to(tmp_path / "does-not-exist")
    with pytest.raises(UnsafePathError):
        resolve_within(tmp_path, "dangling")


def test_storage_resolve_within_allows_symlinked_root(tmp_path: Path) -> None:
    real = tmp_path / "real-root"
    real.mkdir()
    link = tmp_path / "root-link"
    link.symlink_to(real, target_is_directory=True)
    assert resolve_within(link, "a/b") == real.resolve() / "a" / "b"


def test_storage_resolve_within_stops_at_a_file_in_the_middle(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    # Not a traversal: the path simply cannot exist; opening it later fails normally.
    assert resolve_within(tmp_path, "file/child") == tmp_path.resolve() / "file" / "child"


def test_storage_resolve_within_accepts_existing_regular_tree(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "c").write_bytes(b"")
    result = resolve_within(tmp_path, "a/b/c")
    assert os.path.samefile(result, tmp_path / "a" / "b" / "c")
