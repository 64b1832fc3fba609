"""Property tests: whatever the member names or bytes, read_zip returns only safe paths or
raises an ArchiveError; write_zip/read_zip round-trip and write_zip is deterministic."""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import PurePosixPath

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ade_storage.archive import read_zip, write_zip
from ade_storage.errors import ArchiveError, UnsafePathError
from ade_storage.safe_path import safe_relative_path

# Names built mostly from the characters that matter for traversal, plus anything else.
_TRICKY = st.sampled_from(["/", "\\", ".", "..", ":", "C", "a", " ", "\x00", "~", "__MACOSX"])
_NAME = st.lists(
    _TRICKY | st.characters(exclude_categories=["Cs"]),
    max_size=12,
).map("".join)


def _zip_with_names(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for index, name in enumerate(names):
                archive.writestr(zipfile.ZipInfo(name), f"content {index}")
    return buffer.getvalue()


def _assert_safe(key: str) -> None:
    assert str(safe_relative_path(key)) == key
    assert ".." not in key.split("/")
    assert not PurePosixPath(key).is_absolute()
    assert "\\" not in key
    assert "\x00" not in key


@settings(max_examples=300, deadline=None)
@given(st.lists(_NAME, max_size=6))
@example(["../evil.py"])
@example(["pkg/manifest.json", "pkg/../../evil"])
@example(["pkg/manifest.json", "pkg/a/../../../b"])
@example(["/etc/passwd", "C:/x", "a\\..\\b"])
def test_storage_archive_read_never_returns_an_escaping_path(names: list[str]) -> None:
    data = _zip_with_names(names)
    try:
        files = read_zip(io.BytesIO(data))
    except ArchiveError:
        return
    written = {name.split("\x00", 1)[0] for name in names}  # zipfile truncates at NUL
    for key in files:
        _assert_safe(key)
        # every key is a member name, possibly with one top-level folder stripped
        assert key in written or any(name.endswith("/" + key) for name in written)


def _base_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.json", b'{"name": "x"}', zipfile.ZIP_STORED)
        archive.writestr("columns/a.py", b"def detect(v):\n    return v\n" * 20)
        archive.writestr("pkg/b.py", b"B" * 300, zipfile.ZIP_STORED)
    return buffer.getvalue()


_BASE = _base_archive()


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(st.integers(0, len(_BASE) - 1), st.integers(0, 255)),
        min_size=1,
        max_size=8,
    ),
    st.integers(0, len(_BASE)),
)
def test_storage_archive_corrupted_bytes_only_raise_archive_errors(
    edits: list[tuple[int, int]], keep: int
) -> None:
    data = bytearray(_BASE)
    for position, value in edits:
        data[position] = value
    for candidate in (bytes(data), bytes(data[:keep])):
        try:
            files = read_zip(io.BytesIO(candidate))
        except ArchiveError:
            continue
        for key in files:
            _assert_safe(key)


_SEGMENT = st.text(
    alphabet=st.characters(exclude_categories=["Cs", "Cc"], exclude_characters="/\\:"),
    min_size=1,
    max_size=10,
)


def _is_safe(path: str) -> bool:
    try:
        safe_relative_path(path)
    except UnsafePathError:
        return False
    return True


def _no_junk_or_conflicts(files: dict[str, bytes]) -> bool:
    for path in files:
        parts = path.split("/")
        if {"__pycache__", "__MACOSX"} & set(parts) or parts[-1] in {".DS_Store", "Icon\r"}:
            return False
        if parts[-1].endswith((".pyc", ".pyo")):
            return False
        if any("/".join(parts[:i]) in files for i in range(1, len(parts))):
            return False
    return True


_FILES = st.dictionaries(
    st.lists(_SEGMENT, min_size=1, max_size=3).map("/".join).filter(_is_safe),
    st.binary(max_size=200),
    max_size=8,
).filter(_no_junk_or_conflicts)


@settings(max_examples=150, deadline=None)
@given(_FILES, st.binary(max_size=50))
def test_storage_archive_round_trip_and_determinism(
    files: dict[str, bytes], manifest: bytes
) -> None:
    # A top-level manifest.json rules out the zipped-folder prefix strip.
    files = {k: v for k, v in files.items() if not k.startswith("manifest.json/")}
    package = {**files, "manifest.json": manifest}
    first, second = io.BytesIO(), io.BytesIO()
    write_zip(package, first)
    write_zip(dict(reversed(list(package.items()))), second)
    assert first.getvalue() == second.getvalue()
    assert read_zip(io.BytesIO(first.getvalue())) == package
