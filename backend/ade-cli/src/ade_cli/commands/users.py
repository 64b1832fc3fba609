"""`ade users`: manage who can sign in, without going through the API (bootstrap, recovery).

Heavy imports live inside the commands so `ade --help` stays fast.
"""

from __future__ import annotations

import typer

from ade_cli.context import open_engine
from ade_cli.errors import CliError

app = typer.Typer(help="Manage ADE users (create the first admin).", no_args_is_help=True)


@app.command("create")
def create_command(
    email: str = typer.Option(..., help="The user's email; they sign in with it."),
    password: str = typer.Option(
        ...,
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="At least 8 characters. Asked for (hidden) when omitted.",
    ),
    admin: bool = typer.Option(False, "--admin", help="Make the user an administrator."),
    display_name: str | None = typer.Option(None, help="A name to show instead of the email."),
) -> None:
    """Create a user who can sign in with an email and password."""
    from sqlalchemy.orm import Session

    from ade_api.errors import ConflictError, InvalidInputError
    from ade_api.users import service
    from ade_db import migrate

    engine = open_engine()
    try:
        if migrate.current_revision(engine) != migrate.head_revision():
            raise CliError("the database is not migrated: run `ade db migrate` first")
        with Session(engine, expire_on_commit=False) as session:
            try:
                user = service.create_user(
                    session,
                    email=email,
                    password=password,
                    display_name=display_name,
                    is_admin=admin,
                )
                session.commit()
            except ConflictError as exc:
                raise CliError(exc.detail) from None
            except InvalidInputError as exc:
                problems = "; ".join(f"{p.loc[-1]} {p.msg}" for p in exc.errors)
                raise CliError(f"{exc.detail}: {problems}") from None
    finally:
        engine.dispose()
    role = "admin" if user.is_admin else "user"
    typer.echo(f"created {role} {user.email} (id {user.id})")
