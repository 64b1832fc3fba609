"""The `ade` command."""

from __future__ import annotations

import sys

import typer

from ade_cli import __version__
from ade_cli.commands import api, db, sandbox, users, worker
from ade_cli.commands.start import start_command
from ade_cli.errors import CliError, describe
from ade_engine.cli import config_app, run_command

app = typer.Typer(
    name="ade",
    help="ADE, the Automatic Data Extractor: messy spreadsheets in, one clean workbook out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(api.app, name="api")
app.add_typer(worker.app, name="worker")
app.add_typer(users.app, name="users")
app.add_typer(sandbox.app, name="sandbox")
app.command("start")(start_command)
# The engine owns its commands, so `ade run` behaves exactly like the sandbox entrypoint.
app.command("run")(run_command)
app.add_typer(config_app, name="config")


@app.command("version")
def version_command() -> None:
    """Print the versions of ADE's packages."""
    import ade_api
    import ade_db
    import ade_engine
    import ade_storage
    import ade_worker

    typer.echo(f"ade {__version__}")
    for module in (ade_db, ade_storage, ade_engine, ade_api, ade_worker):
        typer.echo(f"  {module.__name__} {module.__version__}")


def main() -> None:
    """Entry point: run the CLI; turn any failure into one line on stderr and exit 1."""
    try:
        app()
    except CliError as exc:
        print(f"ade: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        print(f"ade: error: {describe(exc)}", file=sys.stderr)
        sys.exit(1)
