"""Typer commands: ``ade run`` and ``ade config init|validate|pack``.

The main ``ade`` CLI mounts them::

    from ade_engine.cli import config_app, run_command

    app.command("run")(run_command)
    app.add_typer(config_app, name="config")

Errors are one readable line on stderr and a non-zero exit code, never a traceback. Exit codes:
0 success, 1 failed run or invalid config, 2 usage error (bad arguments, missing files).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ade_engine.api import init_config, pack_config, validate_config
from ade_engine.errors import EngineError
from ade_engine.formats import SUPPORTED
from ade_engine.summary import format_summary

config_app = typer.Typer(
    help="Create and check config packages.", no_args_is_help=True, add_completion=False
)


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"ade: error: {message}".replace("\n", " "), err=True)
    return typer.Exit(code)


def run_command(
    input_path: Annotated[
        Path,
        typer.Argument(metavar="INPUT", help=f"The workbook to normalize ({SUPPORTED})."),
    ],
    config: Annotated[
        Path, typer.Option("--config", "-c", help="The config package: a folder or a zip.")
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Output folder for normalized.xlsx, artifact.json, events.ndjson."
        ),
    ],
    json_output: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Normalize INPUT with a config package and print a summary of what was done."""
    from ade_engine.pipeline import run

    if not input_path.is_file():
        raise _fail(f"input file not found: {input_path}", 2)
    if not config.exists():
        raise _fail(f"config package not found: {config}", 2)
    show_progress = sys.stdout.isatty() and not json_output
    progress_cb = None
    bar: Any = None
    if show_progress:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=True,
        )
        task = bar.add_task("rows", total=None)

        def progress_cb(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        bar.start()
    try:
        result = run(input_path, config, out, progress=progress_cb)
    except EngineError as exc:  # run() reports failures in its result; this is a safety net
        raise _fail(exc.one_line()) from None
    except OSError as exc:
        raise _fail(f"{exc.strerror or exc}: {exc.filename or ''}".strip()) from None
    except Exception as exc:  # a bug: still one line, never a traceback
        raise _fail(f"internal error: {type(exc).__name__}: {exc}") from None
    finally:
        if bar is not None:
            bar.stop()
    if json_output:
        typer.echo(json.dumps(result.summary, indent=2, default=str))
    else:
        typer.echo(format_summary(result.summary))
    if not result.ok:
        err = result.error
        file, line = (err["file"], err["line"]) if err else (None, None)
        where = f" ({file}:{line})" if file and line else (f" ({file})" if file else "")
        raise _fail(f"run failed: {err['message'] if err else 'unknown error'}{where}")


@config_app.command("init")
def config_init(
    dest: Annotated[Path, typer.Argument(metavar="DIR", help="Folder to create.")],
) -> None:
    """Write a working example config package (a member roster) into DIR."""
    try:
        init_config(dest)
    except EngineError as exc:
        raise _fail(exc.one_line()) from None
    except OSError as exc:
        raise _fail(f"cannot write {dest}: {exc.strerror or exc}") from None
    typer.echo(f"wrote an example config package to {dest}")
    typer.echo(f"try: ade run {dest / 'samples' / 'members.csv'} --config {dest} --out out")


@config_app.command("validate")
def config_validate(
    path: Annotated[Path, typer.Argument(metavar="PATH", help="Config folder or zip.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print problems as JSON.")] = False,
) -> None:
    """Check the manifest and import every module; list each problem."""
    if not path.exists():
        raise _fail(f"config package not found: {path}", 2)
    problems = validate_config(path)
    if json_output:
        typer.echo(
            json.dumps(
                {"valid": not problems, "problems": [p.to_dict() for p in problems]}, indent=2
            )
        )
    elif not problems:
        typer.echo(f"{path}: valid")
    else:
        for problem in problems:
            typer.echo(str(problem))
    if problems:
        raise _fail(f"{path}: {len(problems)} problem{'s' if len(problems) != 1 else ''}")


@config_app.command("pack")
def config_pack(
    path: Annotated[Path, typer.Argument(metavar="DIR", help="Config package folder.")],
    out: Annotated[Path, typer.Option("--out", help="The zip to write.")],
) -> None:
    """Check DIR, then zip it for `POST .../configs:import` (samples and caches left out)."""
    if not path.is_dir():
        raise _fail(f"config package folder not found: {path}", 2)
    if not out.parent.is_dir():
        raise _fail(f"folder not found for --out: {out.parent}", 2)
    try:
        names = pack_config(path, out)
    except EngineError as exc:
        raise _fail(exc.one_line()) from None
    except OSError as exc:
        raise _fail(f"cannot write {out}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {out}: {len(names)} files")


#: A standalone app with the same shape the ``ade`` CLI builds (used by tests and
#: ``python -m ade_engine.cli``).
app = typer.Typer(help="ADE engine commands.", no_args_is_help=True, add_completion=False)
app.command("run")(run_command)
app.add_typer(config_app, name="config")


if __name__ == "__main__":  # pragma: no cover
    app()
