"""The request's session ended in the route's own hop (`run_and_end_session`), with the
limiter that lets only a few such hops run at once and the rest wait their turn in order."""

from __future__ import annotations

import threading
import time

import anyio
import pytest
from sqlalchemy.orm import Session

from ade_api.dependencies import run_and_end_session
from ade_api.persistence import after_commit

pytestmark = pytest.mark.anyio


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
        session = Session()
        results[i] = await run_and_end_session(session, lambda: work(i, session), limiter=limiter)

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
        await run_and_end_session(Session(), lambda: work(i), limiter=limiter)

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


async def test_work_that_raises_rolls_back_runs_no_action_and_frees_its_turn() -> None:
    limiter = anyio.CapacityLimiter(1)
    session = Session()
    ran: list[str] = []

    def fails() -> None:
        after_commit(session, lambda: ran.append("action"))
        raise LookupError("refused")

    with pytest.raises(LookupError, match="refused"):
        await run_and_end_session(session, fails, limiter=limiter)

    assert ran == []  # rolled back: the after-commit action never runs
    assert limiter.borrowed_tokens == 0
    assert await run_and_end_session(Session(), lambda: "next", limiter=limiter) == "next"
