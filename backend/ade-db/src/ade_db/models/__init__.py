"""Every ADE table, importable from one place so `metadata` is always complete."""

from ade_db.models.configs import EMPTY_SHA256, Config, ConfigFile, ConfigVersion
from ade_db.models.documents import Document
from ade_db.models.events import DomainEvent
from ade_db.models.identity import ApiKey, RevokedToken, User
from ade_db.models.jobs import Job, JobEvent
from ade_db.models.workspaces import Workspace, WorkspaceActiveConfig, WorkspaceMember

__all__ = [
    "EMPTY_SHA256",
    "ApiKey",
    "Config",
    "ConfigFile",
    "ConfigVersion",
    "Document",
    "DomainEvent",
    "Job",
    "JobEvent",
    "RevokedToken",
    "User",
    "Workspace",
    "WorkspaceActiveConfig",
    "WorkspaceMember",
]
