"""Test helpers shared by the API's test suites (shipped so every domain's tests use one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ade_db.models import ConfigFile, ConfigVersion
from ade_db.types import utcnow

if TYPE_CHECKING:  # httpx is a test dependency only
    import httpx

RANK = {"viewer": 1, "editor": 2, "owner": 3}


@dataclass(frozen=True)
class Route:
    """A workspace-scoped route for the role table: who may call it and what success is."""

    method: str
    path: str  # placeholders in braces are filled in per test
    minimum: str
    success: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] | None = None


def expected_status(role: str, route: Route) -> int:
    """What `role` ("outsider" for a non-member) must get from `route`."""
    if role == "outsider":
        return 404  # ids of other workspaces do not leak
    return route.success if RANK[role] >= RANK[route.minimum] else 403


def fill(value: Any, values: dict[str, str]) -> Any:
    """Replace `{name}` placeholders in strings, recursively through dicts and lists."""
    if isinstance(value, str):
        for key, replacement in values.items():
            value = value.replace("{" + key + "}", replacement)
        return value
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, values) for v in value]
    return value


def release_draft(session: Session, config_id: str, semver: str, status: str = "published") -> str:
    """Copy a config's draft into a released version, as publishing would (without the sandbox
    check: for setting up tests of other routes quickly). Returns the version id."""
    draft = session.scalars(
        select(ConfigVersion).where(
            ConfigVersion.config_id == config_id, ConfigVersion.status == "draft"
        )
    ).one()
    now = utcnow()
    version = ConfigVersion(
        config_id=config_id,
        status=status,
        semver=semver,
        files_hash=draft.files_hash,
        manifest=draft.manifest,
        published_at=now,
        deprecated_at=now if status == "deprecated" else None,
    )
    session.add(version)
    session.flush()
    for row in session.scalars(select(ConfigFile).where(ConfigFile.version_id == draft.id)):
        session.add(
            ConfigFile(
                version_id=version.id,
                path=row.path,
                content=row.content,
                sha256=row.sha256,
                size=row.size,
            )
        )
    session.flush()
    return version.id


# A requirements.txt an attacker would write: another index and an editable (source) install
# around lines that are fine. The API must refuse it wherever it enters, naming lines 2 and 4.
HOSTILE_REQUIREMENTS = "six==1.16.0\n--index-url http://127.0.0.1:9/simple\n# fine\n-e ./columns\n"


def assert_requirements_refused(response: httpx.Response) -> None:
    """`response` is the 400 problem naming HOSTILE_REQUIREMENTS' refused lines."""
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [error["loc"] for error in errors] == [
        ["files", "requirements.txt", 2],
        ["files", "requirements.txt", 4],
    ]
    assert "'--index-url' is an option" in errors[0]["msg"]
    assert "'-e' is an option" in errors[1]["msg"]
