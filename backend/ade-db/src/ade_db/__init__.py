"""ADE's database: typed SQLAlchemy models, engine and session factories, and the Alembic
migrations (shipped inside the package) for SQLite and PostgreSQL."""

from ade_db.engine import create_db_engine, create_session_factory, is_sqlite, normalize_url
from ade_db.metadata import Base, metadata
from ade_db.settings import DatabaseSettings

__version__ = "0.1.0"

__all__ = [
    "Base",
    "DatabaseSettings",
    "__version__",
    "create_db_engine",
    "create_session_factory",
    "is_sqlite",
    "metadata",
    "normalize_url",
]
