"""Helpers for ADE's test suites: real database servers started on demand.

Shipped with the package so every member's tests (db, api, worker) share one way of getting a
throwaway PostgreSQL server. Nothing here is imported by production code.
"""

from ade_db.testing.postgres import (
    PostgresUnavailableError,
    create_database,
    drop_database,
    postgres_server,
)
from ade_db.testing.snapshot import table_rows

__all__ = [
    "PostgresUnavailableError",
    "create_database",
    "drop_database",
    "postgres_server",
    "table_rows",
]
