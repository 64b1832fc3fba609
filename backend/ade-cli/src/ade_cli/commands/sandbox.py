"""`ade sandbox`: check and set up the jail that config code runs in."""

from __future__ import annotations

import os

import typer

from ade_cli.errors import CliError

app = typer.Typer(help="Check and set up the sandbox jail for config code.", no_args_is_help=True)


@app.command("check")
def check_command() -> None:
    """Say whether config code can run in its jail here (exit 1, naming what is missing)."""
    from ade_worker.settings import SandboxSettings

    settings = SandboxSettings()
    provider = settings.jail_provider(warm=False)
    if not provider.enabled:
        typer.echo("sandbox: off (ADE_SANDBOX=none): config code runs unjailed, as ADE's user")
        return
    problem = provider.problem()
    if problem is not None:
        raise CliError(f"the sandbox jail is unavailable: {problem}")
    typer.echo(
        f"sandbox: jail available (bubblewrap, as user {settings.user!r}, in {settings.dir})"
    )
    if settings.warm:
        jail = settings.jail_provider(warm=True).get()
        zygote = jail.zygote if jail is not None else None
        if zygote is not None and zygote.up():
            typer.echo("sandbox: warm start available (a zygote per worker, ADE_SANDBOX_WARM)")
            zygote.stop()
        else:
            reason = zygote.problem if zygote is not None else None
            typer.echo(f"sandbox: warm start unavailable, jobs start cold: {reason}")


@app.command("setup")
def setup_command() -> None:
    """Create the sandbox user and let it reach ADE's runtime (as root), then check the jail."""
    from ade_worker.jail import JailUnavailableError
    from ade_worker.jail_setup import setup
    from ade_worker.settings import SandboxSettings

    if os.geteuid() != 0:
        raise CliError("`ade sandbox setup` must run as root (it creates a user and sets ACLs)")
    settings = SandboxSettings()
    try:
        done = setup(settings.user, settings.dir)
    except JailUnavailableError as exc:
        raise CliError(str(exc)) from None
    for line in done:
        typer.echo(line)
    check_command()


def warn_about_sandbox(role: str) -> None:
    """At start-up: say loudly when config code will run unjailed, or cannot run at all."""
    from ade_worker.settings import SandboxSettings

    # Cold: the check needs no zygote (the worker starts its own).
    provider = SandboxSettings().jail_provider(warm=False)
    if not provider.enabled:
        typer.secho(
            f"warning ({role}): ADE_SANDBOX=none: config code runs unjailed, as ADE's own user, "
            "with its files in reach. Only for a single trusted user on their own machine.",
            err=True,
            fg=typer.colors.YELLOW,
        )
        return
    problem = provider.problem()
    if problem is not None:
        typer.secho(
            f"error ({role}): config code cannot run until this is fixed: the sandbox jail is "
            f"unavailable: {problem}",
            err=True,
            fg=typer.colors.RED,
        )
