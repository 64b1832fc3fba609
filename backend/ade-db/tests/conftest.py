from ade_db.testing.fixtures import *  # noqa: F403  (real SQLite and PostgreSQL databases)
