"""Configs and their versions. HTTP only: the rules live in the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse

from ade_api.configs import diff, history, lifecycle, service, transfer
from ade_api.configs.dependencies import (
    SLUG_PATTERN,
    ConfigAccessDep,
    PackageLimitsDep,
    SandboxDep,
    ZipUploadDep,
)
from ade_api.configs.schemas import (
    ConfigCreate,
    ConfigDuplicate,
    ConfigOut,
    ConfigUpdate,
    PublishRequest,
    RevertOut,
    RevertRequest,
    VersionDetail,
    VersionDiff,
    VersionOut,
)
from ade_api.dependencies import SessionDep, SettingsDep
from ade_api.drafts import service as drafts
from ade_api.drafts.schemas import FileContent
from ade_api.pagination import Page, PageParamsDep
from ade_api.problems import WORKSPACE_PROBLEMS, problem_responses
from ade_api.routing import StrictJsonRoute
from ade_api.workspaces.dependencies import WorkspaceAccessDep

router = APIRouter(
    route_class=StrictJsonRoute,
    prefix="/workspaces/{workspace_id}/configs",
    tags=["configs"],
    responses=problem_responses(*WORKSPACE_PROBLEMS, 412, 415, 428, 429),
)


def etag(sha256: str) -> str:
    return f'"{sha256}"'


@router.get("")
def list_configs(
    session: SessionDep,
    access: WorkspaceAccessDep,
    page: PageParamsDep,
    archived: Annotated[bool | None, Query(description="Only archived (true) or live.")] = None,
) -> Page[ConfigOut]:
    """List the workspace's configs."""
    return service.list_configs(session, access, page, archived=archived)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_config(
    session: SessionDep, access: WorkspaceAccessDep, body: ConfigCreate, limits: PackageLimitsDep
) -> ConfigOut:
    """Create a config; its draft starts from the example package unless `template` is empty."""
    return service.create_config(session, access, body, limits)


_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "slug"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "slug": {"type": "string", "pattern": SLUG_PATTERN},
                        "title": {"type": "string", "maxLength": 200},
                    },
                }
            }
        },
    }
}


@router.post(":import", status_code=status.HTTP_201_CREATED, openapi_extra=_IMPORT_BODY)
def import_config(
    session: SessionDep,
    access: WorkspaceAccessDep,
    upload: ZipUploadDep,
    limits: PackageLimitsDep,
    sandbox: SandboxDep,
    settings: SettingsDep,
) -> ConfigOut:
    """Create a config from a zip (multipart field `file`, with `slug` and optional `title`)."""
    return transfer.import_config(
        session, access, upload, limits, sandbox, settings.config_import_max_bytes
    )


@router.get("/{config_id}")
def get_config(session: SessionDep, ctx: ConfigAccessDep) -> ConfigOut:
    """Read a config, with its draft and published version ids."""
    return service.config_out(session, ctx.config)


@router.patch("/{config_id}")
def update_config(session: SessionDep, ctx: ConfigAccessDep, body: ConfigUpdate) -> ConfigOut:
    """Rename a config or change its slug (editors)."""
    return service.update_config(session, ctx, body)


@router.delete("/{config_id}")
def archive_config(session: SessionDep, ctx: ConfigAccessDep) -> ConfigOut:
    """Archive a config (owners): it becomes read-only. The active config cannot be archived."""
    return lifecycle.archive_config(session, ctx)


@router.post("/{config_id}:unarchive")
def unarchive_config(session: SessionDep, ctx: ConfigAccessDep) -> ConfigOut:
    """Make an archived config editable again (owners)."""
    return lifecycle.unarchive_config(session, ctx)


@router.post("/{config_id}:activate")
def activate_config(session: SessionDep, ctx: ConfigAccessDep) -> ConfigOut:
    """Make this the workspace's active config: jobs without a version run its published one."""
    return lifecycle.activate_config(session, ctx)


@router.post("/{config_id}:duplicate", status_code=status.HTTP_201_CREATED)
def duplicate_config(session: SessionDep, ctx: ConfigAccessDep, body: ConfigDuplicate) -> ConfigOut:
    """Copy a config (editors): a new config whose draft holds this one's draft, or the files
    of `version_id`. The copy has no published version and is not active."""
    return transfer.duplicate_config(session, ctx, body)


@router.get(
    "/{config_id}/export",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "The package as a zip."}},
)
def export_config(
    session: SessionDep,
    ctx: ConfigAccessDep,
    version_id: Annotated[
        str | None, Query(max_length=26, description="Default: the draft.")
    ] = None,
) -> Response:
    """Download the draft, or any version, as a zip."""
    name, content = transfer.export_zip(session, ctx, version_id)
    return Response(
        content,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/{config_id}/versions")
def list_versions(
    session: SessionDep, ctx: ConfigAccessDep, page: PageParamsDep
) -> Page[VersionOut]:
    """The config's history: who published each version, when, its semver and files_hash."""
    return service.list_versions(session, ctx.config, page)


@router.get("/{config_id}/versions/{version_id}")
def get_version(session: SessionDep, ctx: ConfigAccessDep, version_id: str) -> VersionDetail:
    """One version with its manifest, files list and files_hash."""
    return service.version_detail(session, service.get_version(session, ctx.config, version_id))


@router.get("/{config_id}/versions/{version_id}/files/{path:path}")
def read_version_file(
    session: SessionDep, ctx: ConfigAccessDep, version_id: str, path: str
) -> JSONResponse:
    """Read one file of any version (ETag header: its sha256)."""
    found: FileContent = drafts.read_file(session, ctx, path, version_id=version_id)
    return JSONResponse(found.model_dump(), headers={"ETag": etag(found.sha256)})


_SIDE = "A version id, or `draft`."


@router.get("/{config_id}/diff")
def diff_versions(
    session: SessionDep,
    ctx: ConfigAccessDep,
    from_: Annotated[str, Query(alias="from", min_length=1, max_length=26, description=_SIDE)],
    to: Annotated[str, Query(min_length=1, max_length=26, description=_SIDE)],
) -> VersionDiff:
    """The files that differ between two versions (or a version and the draft), both texts."""
    return diff.diff_versions(session, ctx, from_, to)


@router.post("/{config_id}/publish", status_code=status.HTTP_201_CREATED)
def publish(
    session: SessionDep, ctx: ConfigAccessDep, body: PublishRequest, sandbox: SandboxDep
) -> VersionDetail:
    """Publish the draft as a new immutable version; the previous one becomes deprecated."""
    return lifecycle.publish(session, ctx, body, sandbox)


@router.post("/{config_id}/revert")
def revert(session: SessionDep, ctx: ConfigAccessDep, body: RevertRequest) -> RevertOut:
    """Publish a deprecated version again; its files also become the draft (a draft unlike
    every version is kept first, as a `discarded` version)."""
    return history.revert(session, ctx, body.version_id)


@router.post("/{config_id}/versions/{version_id}:restore")
def restore_version(session: SessionDep, ctx: ConfigAccessDep, version_id: str) -> RevertOut:
    """Copy a version's files into the draft (a draft unlike every version is kept first)."""
    return history.restore(session, ctx, version_id)
