"""`table_of`: the Table behind a model, for the hot paths' Core statements."""

from __future__ import annotations

from sqlalchemy import Table

from ade_db.metadata import metadata, table_of
from ade_db.models import DomainEvent, Job, JobEvent


def test_each_model_gives_its_own_table_on_the_one_metadata() -> None:
    for model, name in ((Job, "jobs"), (JobEvent, "job_events"), (DomainEvent, "domain_events")):
        table = table_of(model)
        assert isinstance(table, Table)
        assert table.name == name
        assert table is metadata.tables[name] is model.__table__
