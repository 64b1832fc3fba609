"""A hot route's database work in a session of its own, made and ended in one threadpool hop
(`run_in_session`), with the limiter that lets only a few such hops run at once and the rest
wait their turn in order."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import anyio
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from ade_api.dependencies import run_in_session
from ade_api.persistence import after_commit

pytestmark = pytest.mark.anyio


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (v INTEGER)"))
    yield engine
    engine.dispose()


def _values(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return sorted(connection.scalars(text("SELECT v FROM t")))


async def test_the_work_is_committed_then_its_actions_run_in_the_same_hop(engine: Engine) -> None:
    sessions = sessionmaker(engine)
    seen: list[tuple[str, int]] = []

    def work(session: Session) -> str:
        seen.append(("work", threading.get_ident()))
        session.execute(text("INSERT INTO t VALUES (1)"))
        after_commit(session, lambda: seen.append(("action", threading.get_ident())))
        return "done"

    assert await run_in_session(sessions, work, limiter=anyio.CapacityLimiter(1)) == "done"

    assert _values(engine) == [1]
    assert [what for what, _ in seen] == ["work", "action"]
    assert seen[0][1] == seen[1][1] != threading.get_ident()  # one hop, off the event loop


async def test_work_that_raises_rolls_back_runs_no_action_and_frees_its_turn(
    engine: Engine,
) -> None:
    limiter = anyio.CapacityLimiter(1)
    sessions = sessionmaker(engine)
    ran: list[str] = []

    def fails(session: Session) -> None:
        session.execute(text("INSERT INTO t VALUES (2)"))
        after_commit(session, lambda: ran.append("action"))
        raise LookupError("refused")

    with pytest.raises(LookupError, match="refused"):
        await run_in_session(sessions, fails, limiter=limiter)

    assert _values(engine) == []  # rolled back
    assert ran == []
    assert limiter.borrowed_tokens == 0
    assert await run_in_session(sessions, lambda _: "next", limiter=limiter) == "next"


async def test_no_more_hops_run_at_once_than_the_limiter_has_tokens() -> None:
    limiter = anyio.CapacityLimiter(2)
    guard = threading.Lock()
    running, most = 0, 0
    committed: list[int] = []

    def work(i: int, session: Session) -> int:
        nonlocal running, most
        with guard:
            running += 1
            most = max(most, running)
        time.sleep(0.03)
        with guard:
            running -= 1
        after_commit(session, lambda: committed.append(i))
        return i * 10

    results: dict[int, int] = {}

    async def one(i: int) -> None:
        results[i] = await run_in_session(
            sessionmaker(), lambda session: work(i, session), limiter=limiter
        )

    async with anyio.create_task_group() as group:
        for i in range(6):
            group.start_soon(one, i)

    assert most == 2
    assert results == {i: i * 10 for i in range(6)}
    assert sorted(committed) == list(range(6))  # each committed, then its action ran
    assert limiter.borrowed_tokens == 0


async def test_waiting_hops_run_in_the_order_they_came() -> None:
    limiter = anyio.CapacityLimiter(1)
    release = threading.Event()
    order: list[int] = []

    def work(i: int) -> None:
        if i == 0:
            release.wait(5)
        order.append(i)

    async def hop(i: int) -> None:
        await run_in_session(sessionmaker(), lambda _: work(i), limiter=limiter)

    # Hop 0 takes the only turn; hops 1-4 start one by one, each once the one before it waits.
    # A limiter that does not queue them would never have four waiting: fail, not hang.
    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            group.start_soon(hop, 0)
            while limiter.borrowed_tokens < 1:
                await anyio.sleep(0.001)
            for i in range(1, 5):
                group.start_soon(hop, i)
                while limiter.statistics().tasks_waiting < i:
                    await anyio.sleep(0.001)
            release.set()

    assert order == [0, 1, 2, 3, 4]
