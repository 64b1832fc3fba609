"""The setup token `ade start` / `ade api serve` make for an empty installation: random,
handed on in the environment, printed with the web address; none once a user exists, none
over the operator's own, none when the database cannot be asked."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ade_api.settings import ApiSettings
from ade_api.users.service import create_user
from ade_cli.first_run import SETUP_TOKEN_ENV, prepare_setup_token, web_address, web_lines
from ade_cli.main import app
from ade_db import create_db_engine, migrate


@pytest.fixture
def database(
    fresh_db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Engine]:
    """An empty migrated database of each backend, the one `ade` commands are configured for."""
    monkeypatch.setenv("ADE_DATABASE_URL", fresh_db_url)
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    engine = create_db_engine(fresh_db_url)
    migrate.upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def test_an_empty_installation_gets_a_fresh_random_token(database: Engine) -> None:
    env: dict[str, str] = {}
    token = prepare_setup_token(env, configured=False)
    assert token is not None
    assert len(token) >= 32
    assert env == {SETUP_TOKEN_ENV: token}
    other: dict[str, str] = {}
    assert prepare_setup_token(other, configured=False) not in (None, token)


def test_no_token_once_a_user_exists_or_one_is_configured(database: Engine) -> None:
    env: dict[str, str] = {}
    assert prepare_setup_token(env, configured=True) is None
    with Session(database) as session:
        create_user(session, email="a@example.org", password="a-long-password")
        session.commit()
    assert prepare_setup_token(env, configured=False) is None
    assert env == {}


def test_no_token_when_the_database_is_not_migrated(
    fresh_db_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("ADE_DATABASE_URL", fresh_db_url)
    create_db_engine(fresh_db_url).connect().close()  # there, and empty
    env: dict[str, str] = {}
    with caplog.at_level(logging.WARNING):
        assert prepare_setup_token(env, configured=False) is None
    assert env == {}
    assert "no setup token made" in caplog.text


def test_the_console_names_the_web_address_and_the_token() -> None:
    assert web_address("0.0.0.0", 8000) == "http://127.0.0.1:8000"
    assert web_address("::", 8001) == "http://127.0.0.1:8001"
    assert web_address("::1", 8002) == "http://[::1]:8002"
    assert web_address("ade.example.org", 80) == "http://ade.example.org:80"
    assert web_lines("http://h:1", None) == ["web app: open http://h:1/ in a browser to sign in."]
    first = web_lines("http://h:1", "TOKEN-x")
    assert first[0] == "first run, no user yet: open http://h:1/setup and use setup token TOKEN-x"
    assert "ade users create" in first[1]


def test_api_serve_hands_its_token_to_the_api_processes(
    database: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ADE_STORAGE_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()  # `--no-migrate` serves an existing data dir only
    monkeypatch.setattr("ade_cli.commands.api.warn_about_sandbox", lambda _name: None)
    served: list[ApiSettings] = []
    # What every uvicorn worker process does first: read its settings from the environment.
    monkeypatch.setattr("ade_api.server.serve", lambda settings, **_: served.append(ApiSettings()))
    try:
        result = CliRunner().invoke(app, ["api", "serve", "--no-migrate", "--port", "8123"])
        token = os.environ.get(SETUP_TOKEN_ENV)
    finally:
        os.environ.pop(SETUP_TOKEN_ENV, None)
    assert result.exit_code == 0, result.output
    assert token
    assert f"open http://127.0.0.1:8123/setup and use setup token {token}" in result.output
    [settings] = served
    assert settings.setup_token is not None
    assert settings.setup_token.get_secret_value() == token
