"""The first admin from ADE_INITIAL_ADMIN_EMAIL / ADE_INITIAL_ADMIN_PASSWORD at start-up:
created only when no user exists, idempotent, and safe when two processes start at once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from ade_api.app import create_app
from ade_api.settings import ApiSettings
from ade_api.users import service
from ade_db import create_db_engine, create_session_factory, migrate
from ade_db.models import User

ADMIN_EMAIL = "Admin@Example.org"
ADMIN_PASSWORD = "initial-admin-password"


@pytest.fixture
def fresh_engine(fresh_db_url: str) -> Iterator[Engine]:
    """An empty, migrated database (no users), of each backend."""
    engine = create_db_engine(fresh_db_url)
    migrate.upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def _settings(**overrides: object) -> ApiSettings:
    values: dict[str, object] = {
        "env": "test",
        "initial_admin_email": ADMIN_EMAIL,
        "initial_admin_password": ADMIN_PASSWORD,
        **overrides,
    }
    return ApiSettings(_env_file=None, **values)  # type: ignore[arg-type]


def _users(engine: Engine) -> list[User]:
    with Session(engine) as session:
        return list(session.scalars(select(User)))


@pytest.mark.anyio
async def test_start_up_creates_the_admin_once(fresh_engine: Engine) -> None:
    app = create_app(_settings(), engine=fresh_engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            login = await client.post(
                "/api/v1/auth/login",
                json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
            )
            assert login.status_code == 200
            me = await client.get(
                "/api/v1/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
            )
            assert me.json()["email"] == "admin@example.org"
            assert me.json()["is_admin"] is True
    # A restart (or a second process) creates nothing more.
    second = create_app(_settings(), engine=fresh_engine)
    async with second.router.lifespan_context(second):
        pass
    users = _users(fresh_engine)
    assert [(u.email, u.is_admin) for u in users] == [("admin@example.org", True)]


def test_nothing_happens_when_users_exist(fresh_engine: Engine) -> None:
    factory = create_session_factory(fresh_engine)
    with factory() as session:
        service.create_user(session, email="someone@example.org", password="a-long-password")
        session.commit()
    assert service.bootstrap_initial_admin(factory, _settings()) is None
    assert [u.email for u in _users(fresh_engine)] == ["someone@example.org"]


def test_nothing_happens_without_both_settings(
    fresh_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    factory = create_session_factory(fresh_engine)
    assert service.bootstrap_initial_admin(factory, ApiSettings(env="test", _env_file=None)) is None
    with caplog.at_level(logging.WARNING):
        only_email = _settings(initial_admin_password=None)
        assert service.bootstrap_initial_admin(factory, only_email) is None
    assert "set both" in caplog.text
    assert _users(fresh_engine) == []


def test_losing_the_race_is_not_an_error(
    fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another process created the admin between our "any user?" check and our insert.
    factory = create_session_factory(fresh_engine)
    assert service.bootstrap_initial_admin(factory, _settings()) is not None
    monkeypatch.setattr(service, "any_user_exists", lambda session: False)
    assert service.bootstrap_initial_admin(factory, _settings()) is None
    assert len(_users(fresh_engine)) == 1


def test_two_processes_starting_at_once_make_one_admin(fresh_engine: Engine) -> None:
    factory: sessionmaker[Session] = create_session_factory(fresh_engine)
    barrier = threading.Barrier(2)
    results: list[object] = []

    def start() -> None:
        barrier.wait()
        try:
            results.append(service.bootstrap_initial_admin(factory, _settings()))
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            results.append(exc)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(isinstance(result, Exception) for result in results), results
    assert sum(isinstance(result, User) for result in results) == 1
    with Session(fresh_engine) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1


def test_a_bad_initial_password_stops_start_up_without_echoing_it(fresh_engine: Engine) -> None:
    factory = create_session_factory(fresh_engine)
    with pytest.raises(ValueError, match="ADE_INITIAL_ADMIN_PASSWORD") as raised:
        service.bootstrap_initial_admin(factory, _settings(initial_admin_password="Xq9!zz"))
    assert "Xq9!zz" not in str(raised.value)
    assert _users(fresh_engine) == []


def test_an_unmigrated_database_is_logged_not_fatal(
    fresh_db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_db_engine(fresh_db_url)
    try:
        factory = create_session_factory(engine)
        with caplog.at_level(logging.WARNING):
            assert service.bootstrap_initial_admin(factory, _settings(), attempts=1) is None
        assert "initial admin not created" in caplog.text
        assert ADMIN_PASSWORD not in caplog.text
    finally:
        engine.dispose()


def test_the_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADE_INITIAL_ADMIN_EMAIL", "ops@example.org")
    monkeypatch.setenv("ADE_INITIAL_ADMIN_PASSWORD", ADMIN_PASSWORD)
    settings = ApiSettings(_env_file=None)
    assert settings.initial_admin_email == "ops@example.org"
    assert settings.initial_admin_password is not None
    assert settings.initial_admin_password.get_secret_value() == ADMIN_PASSWORD
    assert ADMIN_PASSWORD not in repr(settings)
    assert settings.access_token_ttl_seconds == 3600
    assert (settings.login_max_failures, settings.login_lockout_seconds) == (5, 900)
