"""Property test: whatever key the safe-path rules accept, the blob lands inside the root."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ade_storage.errors import UnsafePathError
from ade_storage.local import LocalBlobStore
from ade_storage.safe_path import safe_relative_path


def _is_accepted(key: str) -> bool:
    try:
        safe_relative_path(key)
    except UnsafePathError:
        return False
    return True


_chars = st.one_of(
    st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="/\\"),
    st.sampled_from("ab._- "),
)
keys = (
    st.lists(st.text(_chars, min_size=1, max_size=10), min_size=1, max_size=3)
    .map("/".join)
    .filter(_is_accepted)
)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("blob-props")


@settings(database=None, deadline=None, max_examples=30)
@given(key=keys, data=st.binary(max_size=300))
def test_storage_any_accepted_key_round_trips_inside_root(
    base: Path, key: str, data: bytes
) -> None:
    root = Path(tempfile.mkdtemp(dir=base))  # fresh store per example
    store = LocalBlobStore(root)
    try:
        info = store.put(key, [data])
    except UnsafePathError:
        # The only key the store adds to the path rules: its reserved temp-file prefix.
        assert any(part.startswith(".tmp-") for part in key.split("/"))
        return
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    stored = [p for p in root.rglob("*") if p.is_file()]
    assert stored == [root.joinpath(*key.split("/"))]
    assert stored[0].resolve().is_relative_to(root.resolve())
    assert list(store.list()) == [key]
    with store.open(key) as stream:
        assert stream.read() == data
