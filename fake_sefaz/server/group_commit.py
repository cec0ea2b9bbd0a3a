"""Group commit (issue 18): authorizations that arrive together share one durable commit, and none is answered
before it.

A worker answers SOAP inline in its event loop (soap_executor=inline), one request at a time. Without grouping each
request ends in its own COMMIT, and with SQLite FULL or PostgreSQL that fsync is most of the store stage. Here the
first write of a burst opens a commit group (store/base.py CommitGroup: one transaction, a savepoint per unit of
work); the requests that arrive while it is open run their units inside it; the group commits once no request is
being read or answered (or it is `max_wait` old, or `max_members` large), and only then are the answers of its
members - and of any request that read while it was open - sent. A failing commit answers each of them with a SOAP
fault: nothing was answered as done that is not on disk. A request that only reads while no group is open answers
at once, as before.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fake_sefaz.store import Store
    from fake_sefaz.store.base import CommitGroup


class GroupCommitter:
    """One per worker process and event loop."""

    def __init__(self, store: "Store", max_wait_s: float = 0.002, max_members: int = 64) -> None:
        self.store = store
        self.max_wait_s = max_wait_s
        self.max_members = max_members
        self.in_flight = 0  # requests being read or answered, not yet handed to the group
        self._group: "CommitGroup | None" = None
        self._waiters: list[asyncio.Future] = []
        self._scheduled = False

    # --- a request's life: arrived (reading its body), run (its writes join the group), wait for the commit
    def arrived(self) -> None:
        self.in_flight += 1

    def gave_up(self) -> None:
        """A request that ends without running (a client gone, an empty body)."""
        self.in_flight -= 1
        self._schedule()

    def run(self, call):
        """Run call() (the synchronous SOAP handler) with its writes inside the group; returns its answer and the
        future the answer must wait for (already done when nothing it did depends on an uncommitted group)."""
        self.store.grouping(True)
        try:
            answer = call()
        finally:
            self.store.grouping(False)
            self.in_flight -= 1
            group = self.store.group
            if group is not None and group is not self._group:
                self._adopt(group)
            if self._group is not None:
                self._group.members += 1
            self._schedule()
        waiter = asyncio.get_running_loop().create_future()
        if self._group is not None:
            self._waiters.append(waiter)
        else:
            waiter.set_result(None)
        return answer, waiter

    def _adopt(self, group: "CommitGroup") -> None:
        self._group = group
        group.on_flush = self._flushed  # a write outside the grouped requests commits it early

    # --- when to commit
    def _schedule(self) -> None:
        if not self._scheduled and self._group is not None:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._check)

    def _check(self) -> None:
        self._scheduled = False
        group = self._group
        if group is None:
            return
        young = time.monotonic() - group.opened < self.max_wait_s
        if self.in_flight > 0 and young and group.members < self.max_members:
            self._scheduled = True  # requests are on their way: let them join
            asyncio.get_running_loop().call_later(0.0001, self._check)
            return
        self._commit()

    def _commit(self) -> None:
        group = self._group
        if group is None:
            return
        error: BaseException | None = None
        try:
            group.commit()
        except BaseException as exc:  # noqa: BLE001 - every member hears of it
            group.abort(exc)
            error = exc
        self._flushed(error)

    def _flushed(self, error: BaseException | None) -> None:
        """The group is committed (or failed): release the answers that waited for it."""
        self._group = None
        waiters, self._waiters = self._waiters, []
        for w in waiters:
            if not w.done():
                if error is None:
                    w.set_result(None)
                else:
                    w.set_exception(error)

    def close(self) -> None:
        self._commit()
