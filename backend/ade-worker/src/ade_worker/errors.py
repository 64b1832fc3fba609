"""The worker's one domain-error base.

Its own module so that `materialize` and `requirements` (which `materialize` imports) can both
subclass it without importing each other.
"""

from __future__ import annotations


class MaterializeError(Exception):
    """The job folder cannot be built from what the database holds: the job fails, and a
    rerun would fail the same way. `error_type` is what the job's error records."""

    error_type = "MaterializeError"
