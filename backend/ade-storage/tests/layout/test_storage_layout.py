"""Tests for StorageLayout and the id/hash/suffix validators it relies on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ade_storage.errors import UnsafePathError
from ade_storage.layout import (
    JOB_SUBDIRS,
    SHA256_RE,
    ULID_RE,
    StorageLayout,
    validate_sha256,
    validate_suffix,
    validate_ulid,
)
from ade_storage.safe_path import safe_relative_path

WS = "01HZX4G7Q8M2N3P4R5S6T7V8W9"
DOC = "01HZX4G7Q8M2N3P4R5S6T7V8WA"
JOB = "01HZX4G7Q8M2N3P4R5S6T7V8WD"
SHA = "a" * 63 + "0"


@pytest.fixture
def layout(tmp_path: Path) -> StorageLayout:
    return StorageLayout(tmp_path / "data")


def test_storage_top_level_dirs(layout: StorageLayout) -> None:
    data = layout.data_dir
    assert layout.db_dir == data / "db"
    assert layout.sqlite_path == data / "db" / "ade.sqlite"
    assert layout.documents_dir == data / "documents"
    assert layout.jobs_dir == data / "jobs"
    assert layout.dry_runs_dir == data / "dry-runs"
    assert layout.cache_dir == data / "cache"
    assert layout.vendor_cache_root == data / "cache" / "vendor"
    assert layout.redis_dir == data / "redis"
    assert layout.managed_dirs == (
        data / "db",
        data / "documents",
        data / "jobs",
        data / "dry-runs",
        data / "cache",
        data / "cache" / "vendor",
        data / "redis",
    )


def test_storage_dry_run_dir_validates_both_ids(layout: StorageLayout) -> None:
    run = "01ARZ3NDEKTSV4RRFFQ69G5FAW"
    assert layout.dry_run_dir(DOC.lower(), run) == layout.dry_runs_dir / DOC / run
    with pytest.raises(UnsafePathError):
        layout.dry_run_dir("../etc", run)
    with pytest.raises(UnsafePathError):
        layout.dry_run_dir(DOC, "../../x")


def test_storage_layout_accepts_str_and_is_pure(tmp_path: Path) -> None:
    layout = StorageLayout(str(tmp_path / "nowhere"))  # type: ignore[arg-type]
    assert layout.data_dir == tmp_path / "nowhere"
    layout.job_dir(JOB)
    assert not (tmp_path / "nowhere").exists()


def test_storage_document_key_never_uses_the_original_name(layout: StorageLayout) -> None:
    key = layout.document_key(WS, DOC, ".xlsx")
    assert key == f"documents/{WS}/{DOC}/source.xlsx"
    assert str(safe_relative_path(key)) == key  # a valid blob key
    assert layout.document_path(WS, DOC, ".xlsx") == layout.data_dir / key


def test_storage_document_key_normalizes_case(layout: StorageLayout) -> None:
    key = layout.document_key(WS.lower(), DOC.lower(), ".XLSX")
    assert key == f"documents/{WS}/{DOC}/source.xlsx"


@pytest.mark.parametrize(
    "suffix",
    ["", ".", "xlsx", "..xlsx", ".xl sx", ".xlsx/", "./x", ".a.b", ".abcdefghijk", ".xlsx\n", ".é"],
)
def test_storage_document_key_rejects_bad_suffix(layout: StorageLayout, suffix: str) -> None:
    with pytest.raises(UnsafePathError):
        layout.document_key(WS, DOC, suffix)


@pytest.mark.parametrize("suffix", [".csv", ".xls", ".xlsm", ".A1", ".abcdefghij"])
def test_storage_validate_suffix_accepts(suffix: str) -> None:
    assert validate_suffix(suffix) == suffix.lower()


def test_storage_job_paths(layout: StorageLayout) -> None:
    data = layout.data_dir
    assert layout.job_dir(JOB) == data / "jobs" / JOB
    # Where the engine writes it (ade_engine.__main__) and the worker reads it (ade_worker.record).
    assert layout.job_artifact_path(JOB) == data / "jobs" / JOB / "output" / "artifact.json"
    subdirs = ("input", "config", "vendor", "output", "logs", "tmp")
    assert layout.job_subdirs == JOB_SUBDIRS == subdirs
    assert StorageLayout.job_subdirs == JOB_SUBDIRS
    for name in JOB_SUBDIRS:
        assert layout.job_subdir(JOB, name) == data / "jobs" / JOB / name
    with pytest.raises(ValueError, match="unknown job folder"):
        layout.job_subdir(JOB, "../etc")


def test_storage_vendor_cache_dir(layout: StorageLayout) -> None:
    assert layout.vendor_cache_dir(SHA) == layout.data_dir / "cache" / "vendor" / SHA


BAD_IDS = [
    "",
    "..",
    "../" + WS[3:],
    WS[:-1],  # 25 chars
    WS + "0",  # 27 chars
    WS[:-1] + "I",  # I, L, O, U are not Crockford base32
    WS[:-1] + "L",
    WS[:-1] + "O",
    WS[:-1] + "U",
    WS + "\n",
    WS[:-1] + "/",
    WS[:-1] + "\u212a",  # Kelvin sign: case-folds to K without re.ASCII
    WS[:-1] + "\u017f",  # long s: case-folds to S without re.ASCII
    " " + WS[1:],
]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_storage_every_id_argument_is_validated(layout: StorageLayout, bad: str) -> None:
    calls: list[Callable[[], object]] = [
        lambda: layout.document_key(bad, DOC, ".csv"),
        lambda: layout.document_key(WS, bad, ".csv"),
        lambda: layout.document_path(bad, DOC, ".csv"),
        lambda: layout.job_dir(bad),
        lambda: layout.job_subdir(bad, "input"),
        lambda: layout.job_artifact_path(bad),
    ]
    for call in calls:
        with pytest.raises(UnsafePathError):
            call()
    assert not ULID_RE.match(bad)
    assert not ULID_RE.search(bad)


def test_storage_validate_ulid_is_case_insensitive_and_canonicalizes() -> None:
    assert ULID_RE.match(WS.lower())
    assert validate_ulid(WS.lower()) == WS
    assert validate_ulid("7ZZZZZZZZZZZZZZZZZZZZZZZZZ") == "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"


def test_storage_validators_reject_non_strings() -> None:
    with pytest.raises(TypeError):
        validate_ulid(123)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        validate_sha256(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        validate_suffix(b".csv")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad", ["", "A" * 64, "a" * 63, "a" * 65, "g" * 64, SHA + "\n", "../" + SHA[3:], " " + SHA[1:]]
)
def test_storage_sha256_is_validated(layout: StorageLayout, bad: str) -> None:
    with pytest.raises(UnsafePathError):
        layout.vendor_cache_dir(bad)
    assert not SHA256_RE.match(bad)


def test_storage_error_reason_names_the_argument(layout: StorageLayout) -> None:
    with pytest.raises(UnsafePathError, match="job id"):
        layout.job_dir("nope")
    with pytest.raises(UnsafePathError, match="requirements sha256"):
        layout.vendor_cache_dir("nope")
