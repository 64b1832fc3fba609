"""Shapes of the health and readiness answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class Health(BaseModel):
    """The process is up."""

    status: Literal["ok"] = "ok"
    version: str


class Check(BaseModel):
    """One dependency's state."""

    ok: bool
    detail: str


class Readiness(BaseModel):
    """Whether the API can serve requests, and why not."""

    status: Literal["ready", "not_ready"]
    checks: dict[str, Check]
