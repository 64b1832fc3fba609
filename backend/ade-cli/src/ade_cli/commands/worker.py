"""`ade worker`: run a queue worker."""

from __future__ import annotations

import typer

from ade_cli.commands.sandbox import warn_about_sandbox
from ade_cli.context import open_engine, prepare_data_dir

app = typer.Typer(help="Run queue workers.", no_args_is_help=True)


@app.command("start")
def start_command(
    burst: bool = typer.Option(False, help="Exit once the queue is empty."),
    name: str | None = typer.Option(None, help="Worker name (default: generated)."),
) -> None:
    """Take jobs from the queue and run them until stopped (Ctrl-C finishes the current job)."""
    from ade_cli.errors import CliError
    from ade_worker.logs import configure_json_logging
    from ade_worker.settings import WorkerSettings
    from ade_worker.worker import WorkerNameTakenError, run_worker

    settings = WorkerSettings()
    if name:
        settings = settings.model_copy(update={"worker_name": name})
    configure_json_logging(settings.log_level)  # RQ's own messages included
    prepare_data_dir(create=False)
    open_engine().dispose()  # names the database, and refuses one that does not exist
    warn_about_sandbox("worker")
    try:
        run_worker(settings, burst=burst)
    except WorkerNameTakenError as exc:
        raise CliError(str(exc)) from None
