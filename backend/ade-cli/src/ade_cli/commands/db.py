"""`ade db`: apply and inspect the database migrations."""

from __future__ import annotations

import logging

import typer

from ade_cli.context import open_engine
from ade_cli.errors import CliError

app = typer.Typer(help="Apply and inspect database migrations.", no_args_is_help=True)


def run_migrations() -> str:
    """Upgrade the configured database to head; return the head revision."""
    from ade_db import migrate

    engine = open_engine(create=True)
    try:
        migrate.upgrade(engine)
        return migrate.head_revision()
    finally:
        engine.dispose()


@app.command("migrate")
def migrate_command() -> None:
    """Apply every pending migration (upgrade to head)."""
    head = run_migrations()
    typer.echo(f"database at head {head}")


@app.command("current")
def current_command() -> None:
    """Show the revision the database is at, and whether that is head."""
    from ade_db import migrate

    engine = open_engine()
    try:
        current = migrate.current_revision(engine)
    finally:
        engine.dispose()
    head = migrate.head_revision()
    if current == head:
        typer.echo(f"{current} (head)")
    else:
        typer.echo(f"{current or 'none'} (head is {head}: run `ade db migrate`)")


@app.command("history")
def history_command() -> None:
    """List every migration, newest first."""
    from ade_db import migrate

    for revision in migrate.history():
        marker = " (head)" if revision.is_head else ""
        typer.echo(
            f"{revision.down_revision or '<base>'} -> {revision.revision}{marker}: "
            f"{revision.message.splitlines()[0] if revision.message else ''}"
        )


@app.command("stamp")
def stamp_command(
    revision: str = typer.Argument(help="Revision id to record, `head` or `base`."),
) -> None:
    """Record a revision as applied without running migrations (adopt a database)."""
    from ade_db import migrate

    engine = open_engine()
    try:
        try:
            migrate.stamp(engine, revision)
        except Exception as exc:
            if "Can't locate revision" in str(exc) or "No such revision" in str(exc):
                raise CliError(f"unknown revision {revision!r}; see `ade db history`") from exc
            raise
        current = migrate.current_revision(engine)
    finally:
        engine.dispose()
    typer.echo(f"database stamped at {current or 'base'}")


@app.command("copy")
def copy_command(
    source: str = typer.Option(
        ...,
        "--from",
        metavar="SOURCE_URL",
        help="The database to copy, only read: e.g. sqlite:////srv/ade/data/db/ade.sqlite.",
    ),
    target: str = typer.Option(
        ...,
        "--to",
        metavar="TARGET_URL",
        help="An empty database migrated to head (`ade db migrate`): e.g. "
        "postgresql+psycopg://ade:PASSWORD@db.internal:5432/ade.",
    ),
    batch_size: int = typer.Option(1000, min=1, help="Rows read and written at a time."),
) -> None:
    """Copy every row into another, empty database (SQLite to PostgreSQL), in one transaction.

    Both databases must be at head and the target must hold no rows. Stop ADE first.
    On any failure the target is rolled back and stays empty.
    """
    from ade_db.copy import CopyError, TableCopy, copy_database

    # psycopg warns on its own after a failed batch ("error ignored terminating Pipeline"):
    # the one-line error below already says what failed.
    logging.getLogger("psycopg").addHandler(logging.NullHandler())
    width = 26

    def started(source_shown: str, target_shown: str, revision: str) -> None:
        typer.echo(f"copying {source_shown} -> {target_shown} (revision {revision})")
        typer.echo(f"  {'table':<{width}}{'rows':>10}")

    def copied(table: TableCopy) -> None:
        typer.echo(f"  {table.name:<{width}}{table.target_rows:>10}")

    try:
        result = copy_database(
            source, target, batch_size=batch_size, on_start=started, on_table=copied
        )
    except CopyError as exc:
        raise CliError(str(exc)) from None
    typer.echo(f"  {'total':<{width}}{result.total_rows:>10}")
    typer.echo(
        f"verified: source and target row counts match in all {len(result.tables)} tables; "
        "committed"
    )
