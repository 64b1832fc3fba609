"""Version diffs: what changed between two versions of a config (or a version and the draft),
file by file, with both texts so a client can show them side by side.

Packages are small by rule, so both sides are read whole; the answer is still bounded: a text
over MAX_FILE_BYTES, and every text past MAX_TOTAL_BYTES in one answer, is left out (the file
is listed, flagged `too_large`, and the answer says `truncated`).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from ade_api.configs._package import sha256_hex
from ade_api.configs.schemas import FileChange, VersionDiff, VersionRef
from ade_api.configs.service import (
    DRAFT,
    ConfigAccess,
    draft_of,
    file_contents,
    get_version,
)
from ade_db.enums import ConfigVersionStatus
from ade_db.models import ConfigVersion

#: The largest text (either side of one file) an answer carries.
MAX_FILE_BYTES = 512 * 1024
#: The most text, summed over every file, one answer carries.
MAX_TOTAL_BYTES = 4 * 1024 * 1024


def _text(content: bytes) -> str | None:
    """The content as text, or None when it is binary (not UTF-8, or holding NUL bytes)."""
    if b"\x00" in content:
        return None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None


def diff_files(
    old: Mapping[str, bytes],
    new: Mapping[str, bytes],
    *,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
) -> tuple[list[FileChange], bool]:
    """The changed files, sorted by path, and whether any text was left out for size."""
    changes: list[FileChange] = []
    budget = max_total_bytes
    truncated = False
    for path in sorted(old.keys() | new.keys()):
        before, after = old.get(path), new.get(path)
        if before == after:
            continue
        change = FileChange(
            path=path,
            change="added" if before is None else "removed" if after is None else "changed",
            old_sha256=None if before is None else sha256_hex(before),
            new_sha256=None if after is None else sha256_hex(after),
        )
        old_text = None if before is None else _text(before)
        new_text = None if after is None else _text(after)
        size = len(before or b"") + len(after or b"")
        if (before is not None and old_text is None) or (after is not None and new_text is None):
            change.binary = True
        elif max(len(before or b""), len(after or b"")) > max_file_bytes or size > budget:
            change.too_large = True
            truncated = True
        else:
            budget -= size
            change.old_text, change.new_text = old_text, new_text
        changes.append(change)
    return changes, truncated


def _side(session: Session, ctx: ConfigAccess, ref: str) -> ConfigVersion:
    if ref.lower() == DRAFT:
        return draft_of(session, ctx.config)
    return get_version(session, ctx.config, ref)


def _ref(version: ConfigVersion) -> VersionRef:
    return VersionRef(
        version_id=version.id,
        status=ConfigVersionStatus(version.status),
        semver=version.semver,
        files_hash=version.files_hash,
    )


def diff_versions(session: Session, ctx: ConfigAccess, from_ref: str, to_ref: str) -> VersionDiff:
    """The per-file changes from `from_ref` to `to_ref` (version ids, or `draft`)."""
    before = _side(session, ctx, from_ref)
    after = _side(session, ctx, to_ref)
    files, truncated = diff_files(file_contents(session, before), file_contents(session, after))
    return VersionDiff(from_=_ref(before), to=_ref(after), files=files, truncated=truncated)
