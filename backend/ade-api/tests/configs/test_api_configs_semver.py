"""The publish body's semver: Semantic Versioning 2.0.0 exactly, the whole string.

The OpenAPI schema and the fuzzing both come from the same pattern, so they cannot show that
the pattern itself is right; these cases do, one for each way a version string goes wrong.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ade_api.configs.schemas import PublishRequest

VALID = [
    "0.0.0",
    "1.0.0",
    "10.20.30",
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-0.3.7",
    "1.0.0-x.7.z.92",
    "1.0.0-x-y-z.--",
    "1.0.0+20130313144700",
    "1.0.0-beta+exp.sha.5114f85",
    "1.0.0+21AF26D3----117B344092BD",
]

INVALID = [
    "v1",  # a leading v, and not three numbers
    "v1.0.0",  # a leading v
    "1.0",  # two numbers
    "1.0.0.0",  # four numbers
    "1.0.0junk",  # trailing text: the end anchor
    "junk1.0.0",  # leading text: the start anchor
    "1.0.0\n",  # a trailing newline (`$` alone would let it through)
    " 1.0.0",  # surrounding space is not stripped
    "01.0.0",  # leading zeros
    "1.01.0",
    "1.0.01",
    "1.0.0-01",  # a numeric pre-release identifier with a leading zero
    "1.0.0-",  # an empty pre-release
    "1.0.0-alpha..1",  # an empty identifier
    "1.0.0+",  # empty build metadata
    "1.0.0+a+b",
    "1.0.0-al_pha",  # characters outside [0-9A-Za-z-]
    "",
]


@pytest.mark.parametrize("semver", VALID)
def test_a_valid_semver_is_accepted(semver: str) -> None:
    assert PublishRequest(semver=semver, message="m").semver == semver


@pytest.mark.parametrize("semver", INVALID)
def test_an_invalid_semver_is_refused(semver: str) -> None:
    with pytest.raises(ValidationError):
        PublishRequest(semver=semver, message="m")
