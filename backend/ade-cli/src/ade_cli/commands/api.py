"""`ade api`: serve the HTTP API and inspect its routes and OpenAPI document.

Heavy imports live inside the commands so `ade --help` stays fast.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from ade_cli.commands.db import migrate_command, run_migrations
from ade_cli.commands.sandbox import warn_about_sandbox
from ade_cli.context import prepare_data_dir
from ade_cli.first_run import prepare_setup_token, web_address, web_lines

app = typer.Typer(help="Serve the HTTP API.", no_args_is_help=True)


@app.command("serve")
def serve_command(
    host: str | None = typer.Option(None, help="Interface to bind (default: ADE_API_HOST)."),
    port: int | None = typer.Option(None, help="Port (default: ADE_API_PORT)."),
    workers: int = typer.Option(1, min=1, help="Number of API processes."),
    reload: bool = typer.Option(False, help="Restart on code changes (development)."),
    migrate: bool = typer.Option(True, help="Apply pending migrations before serving."),
) -> None:
    """Serve the API with uvicorn until interrupted."""
    from ade_api.server import serve
    from ade_api.settings import ApiSettings

    overrides = {k: v for k, v in {"api_host": host, "api_port": port}.items() if v is not None}
    settings = ApiSettings(**overrides)  # type: ignore[arg-type]
    prepare_data_dir(create=migrate)  # migrating may make a new database; serving may not
    if migrate:
        run_migrations()
    warn_about_sandbox("api")
    # The API processes (uvicorn's workers too) read their settings from this environment.
    token = prepare_setup_token(os.environ, configured=settings.setup_token is not None)
    if token is not None:  # else `ade start` (our parent) or the operator has the address
        for line in web_lines(web_address(settings.api_host, settings.api_port), token):
            typer.echo(line)
    serve(settings, workers=workers, reload=reload)


app.command("migrate", help="Alias of `ade db migrate`.")(migrate_command)


def _openapi() -> dict[str, Any]:
    from ade_api.app import create_app
    from ade_api.settings import ApiSettings

    return create_app(ApiSettings()).openapi()


@app.command("routes")
def routes_command() -> None:
    """Print the route table: method, path and what the endpoint does."""
    schema = _openapi()
    rows = []
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            text = operation.get("description") or operation.get("summary") or ""
            rows.append((method.upper(), path, text.strip().splitlines()[0] if text else ""))
    width = max((len(path) for _, path, _ in rows), default=0)
    for method, path, summary in sorted(rows, key=lambda row: (row[1], row[0])):
        typer.echo(f"{method:<7} {path:<{width}}  {summary}")


@app.command("openapi")
def openapi_command(
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file (default: stdout).")
    ] = None,
) -> None:
    """Print the API's OpenAPI document as JSON, without starting a server.

    The web app's types are generated from it: `ade api openapi --out
    frontend/ade-web/openapi.json && npm run generate:api`.
    """
    text = json.dumps(_openapi(), indent=2, sort_keys=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out}", err=True)
