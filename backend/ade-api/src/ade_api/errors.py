"""The one family of domain errors. Services raise these; they know nothing of HTTP.

`ade_api.problems` maps each class to an RFC 9457 problem-details response in one table,
so every route answers the same way for the same kind of failure.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one part of the input: `loc` is its path, `msg` says what is wrong."""

    loc: tuple[str | int, ...]
    msg: str


class DomainError(Exception):
    """Base of every error a service raises on purpose. `detail` is safe to show a client."""

    def __init__(self, detail: str, *, errors: list[FieldProblem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class InvalidInputError(DomainError):
    """The request is well-formed but its content breaks a rule (400), e.g. a bad manifest."""


class AuthenticationRequiredError(DomainError):
    """No credentials, or credentials that do not prove who the caller is (401)."""


class PermissionDeniedError(DomainError):
    """The caller is known but their role does not allow this (403)."""


class NotFoundError(DomainError):
    """Missing, or in a workspace the caller cannot see (404): ids do not leak."""


class ConflictError(DomainError):
    """The resource's current state forbids the change (409)."""


class SetupCompleteError(ConflictError):
    """First-run setup is closed for good: the installation has a user (409)."""


class PreconditionFailedError(DomainError):
    """`If-Match` names a version that is no longer current (412)."""


class UnreadableDocumentError(DomainError):
    """The file is well-formed as far as the request goes, but ADE's reader refuses it (422):
    corrupt, encrypted, or not the spreadsheet its type says."""


class ResourceLimitError(DomainError):
    """Reading a file went over a limit (memory, CPU time, wall clock, size) and was stopped
    (422): the same request will fail the same way until the limit is raised."""


class PreconditionRequiredError(DomainError):
    """The write needs `If-Match` and the request has none (428)."""


class PayloadTooLargeError(DomainError):
    """The body is over the configured limit (413)."""


class UnsupportedMediaTypeError(DomainError):
    """ADE cannot read this kind of document (415)."""


class ServiceUnavailableError(DomainError):
    """A part ADE needs for this request is not working here (503), e.g. the sandbox jail."""


class SetupTokenInvalidError(PermissionDeniedError):
    """The first-run setup token is missing or wrong (403)."""


class SetupNotConfiguredError(ServiceUnavailableError):
    """First-run setup is needed but this server was started without a setup token (503)."""


class RateLimitedError(DomainError):
    """Too many requests of this kind for now (429); retry after `retry_after` seconds."""

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
