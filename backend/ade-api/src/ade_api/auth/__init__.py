"""Signing in: login tokens, logout, API keys, and the `CurrentUser` dependency."""

# `ade_api.dependencies` re-exports `CurrentUser` from `ade_api.auth.dependencies`, which in
# turn needs `SessionDep`: importing the shared module first keeps that cycle well-ordered
# whichever of the two a caller imports first.
import ade_api.dependencies  # noqa: F401
