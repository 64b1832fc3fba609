"""Dependencies of the config routes: the config in the path, package limits, the sandbox."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from starlette.datastructures import UploadFile as StarletteUploadFile

from ade_api.configs import service
from ade_api.configs._package import PackageLimits
from ade_api.configs.sandbox import Sandbox
from ade_api.configs.service import ConfigAccess
from ade_api.configs.transfer import ZipUpload
from ade_api.dependencies import SessionDep, SettingsDep
from ade_api.errors import (
    FieldProblem,
    InvalidInputError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from ade_api.workspaces.dependencies import WorkspaceAccessDep

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
_SLUG = re.compile(SLUG_PATTERN)
# Room for the multipart boundaries and the small text fields around the zip.
_FORM_OVERHEAD = 64 * 1024


def get_config_access(
    session: SessionDep,
    access: WorkspaceAccessDep,
    config_id: Annotated[str, Path(max_length=64, description="The config's id.")],
) -> ConfigAccess:
    """The config in the path, in the caller's workspace (404 otherwise)."""
    return service.get_config_access(session, access, config_id)


async def get_package_limits(settings: SettingsDep) -> PackageLimits:
    return PackageLimits.from_settings(settings)


async def get_sandbox(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


ConfigAccessDep = Annotated[ConfigAccess, Depends(get_config_access)]
PackageLimitsDep = Annotated[PackageLimits, Depends(get_package_limits)]
SandboxDep = Annotated[Sandbox, Depends(get_sandbox)]


async def read_zip_upload(request: Request, settings: SettingsDep) -> AsyncIterator[ZipUpload]:
    """The multipart form of `configs:import`: field `file` (a zip), `slug`, optional `title`.

    Starlette spools the file part to a temporary file (on disk past 1 MB), so the upload is
    never held in memory whole; a declared length over the limit is refused before reading.
    """
    limit = settings.config_import_max_bytes
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UnsupportedMediaTypeError("send the zip as multipart/form-data in the field 'file'")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + _FORM_OVERHEAD:
        raise PayloadTooLargeError(f"the archive is over the {limit}-byte limit")
    form = await request.form(max_files=1, max_fields=10)
    try:
        file = form.get("file")
        slug = form.get("slug")
        title = form.get("title")
        problems = []
        if not isinstance(file, StarletteUploadFile):
            problems.append(FieldProblem(("body", "file"), "a zip file is required"))
        if not isinstance(slug, str) or not _SLUG.match(slug):
            problems.append(FieldProblem(("body", "slug"), "a slug ([a-z0-9-], 1-64) is required"))
        if title is not None and (not isinstance(title, str) or len(title) > 200):
            problems.append(FieldProblem(("body", "title"), "at most 200 characters"))
        if problems:
            raise InvalidInputError("the import form is incomplete", errors=problems)
        assert isinstance(file, StarletteUploadFile)
        assert isinstance(slug, str)
        if file.size is not None and file.size > limit:
            raise PayloadTooLargeError(f"the archive is over the {limit}-byte limit")
        yield ZipUpload(
            file=file.file, slug=slug, title=title.strip() if isinstance(title, str) else None
        )
    finally:
        await form.close()


ZipUploadDep = Annotated[ZipUpload, Depends(read_zip_upload)]
