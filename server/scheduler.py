"""One inference scheduler for all sessions: who runs a model next.

Every model call of every session (:class:`~parley.server.engine.Engine` ``transcribe``,
``segment``, ``embed``) first takes one of ``slots`` inference slots from the
:class:`InferenceScheduler`. Session steps run on many more threads than there are slots, so when
the machine is busy several calls wait, and the scheduler decides the order:

1. **Priority**: :attr:`Priority.FINAL` (a closed utterance's careful decode: what users keep) before
   :attr:`Priority.PARTIAL` (hypotheses of the open utterance) before :attr:`Priority.SPEAKERS`
   (segmentation and embeddings of a speaker window) before :attr:`Priority.BACKGROUND` (every call
   of a session nobody listens to now: detached, kept for a resume, or flushing after its client
   closed) before :attr:`Priority.FILE` (whole-file transcription).
2. **Fairness** within a priority: the session served least recently goes first (round robin), so one
   busy session cannot starve another of the same priority.
3. **Aging**: a live call (FINAL, PARTIAL, SPEAKERS) that has waited ``max_wait_s`` goes before any
   newer call, so speaker windows are delayed under load but never starved. Background and file
   calls do not age past live ones: under sustained overload a detached session or a file waits
   (a client that drops and reconnects cannot buy its way ahead of the sessions that stayed).

A session's steps are sequential (one thread per session at a time), so a session has at most one
waiting call, and so at most one pending partial: the scheduler never queues stale partials of one
session behind each other. Under overload partials can also be shed: :meth:`InferenceScheduler.slot`
with ``shed_after_s`` gives up (``False``) if no slot was free within that time, and the caller
skips that partial (counted by the caller); finals are never shed.

The rules are pure bookkeeping around a :class:`threading.Condition`: no model, socket or event loop.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import IntEnum


class Priority(IntEnum):
    """Lower runs first."""

    FINAL = 0
    PARTIAL = 1
    SPEAKERS = 2
    BACKGROUND = 3
    FILE = 4


@dataclass(order=True)
class _Ticket:
    rank: tuple[int, int, int] = field(compare=True)  # (priority, last grant of its session, arrival)
    session: str = field(compare=False)
    priority: Priority = field(compare=False)
    arrived: float = field(compare=False)


@dataclass
class SchedulerStats:
    """Counters for /metrics (read under no lock: monotonic integers and floats)."""

    granted: dict[Priority, int] = field(default_factory=lambda: {p: 0 for p in Priority})
    shed: dict[Priority, int] = field(default_factory=lambda: {p: 0 for p in Priority})
    waited_s: dict[Priority, float] = field(default_factory=lambda: {p: 0.0 for p in Priority})


class InferenceScheduler:
    """Grants ``slots`` concurrent model calls to waiting callers, in priority and fairness order.

    ``slots``: how many model calls run at once (``server.inference_workers``: on CPU each call uses
    ``models.cpu_threads`` cores, so slots x threads should not exceed the cores).
    ``max_wait_s``: a caller waiting this long is served before any newer caller (aging, > 0).
    ``clock``: seconds, monotonic (tests pass a fake one).
    """

    def __init__(
        self, slots: int, max_wait_s: float = 2.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if slots < 1:
            raise ValueError("slots must be >= 1")
        if max_wait_s <= 0:
            raise ValueError("max_wait_s must be > 0")
        self.slots = slots
        self.max_wait_s = max_wait_s
        self._clock = clock
        self._free = slots
        self._waiting: list[_Ticket] = []
        self._condition = threading.Condition()
        self._grants = itertools.count(1)
        self._arrivals = itertools.count()
        self._last_grant: dict[str, int] = {}  # session -> number of its latest grant (0: never)
        self.stats = SchedulerStats()

    @property
    def waiting(self) -> int:
        with self._condition:
            return len(self._waiting)

    @property
    def busy(self) -> int:
        """Slots in use now."""
        with self._condition:
            return self.slots - self._free

    def _next(self) -> _Ticket | None:
        """The waiting ticket to serve next: any that aged past ``max_wait_s`` (oldest first), else
        the lowest rank."""
        if not self._waiting:
            return None
        now = self._clock()
        aged = [
            t for t in self._waiting if t.priority <= Priority.SPEAKERS and now - t.arrived >= self.max_wait_s
        ]
        if aged:
            return min(aged, key=lambda t: t.arrived)
        return min(self._waiting)

    @contextmanager
    def slot(self, session: str, priority: Priority, shed_after_s: float | None = None) -> Iterator[bool]:
        """Hold one inference slot for the ``with`` block; yields True.

        With ``shed_after_s``, yields False (holding nothing) when no slot was granted within that
        many seconds: the caller should skip its work. Without it, waits as long as it takes.
        """
        ticket = self._enter(session, priority, shed_after_s)
        if ticket is None:
            yield False
            return
        try:
            yield True
        finally:
            self._leave()

    def _enter(self, session: str, priority: Priority, shed_after_s: float | None) -> _Ticket | None:
        with self._condition:
            arrived = self._clock()
            rank = (int(priority), self._last_grant.get(session, 0), next(self._arrivals))
            ticket = _Ticket(rank, session, priority, arrived)
            self._waiting.append(ticket)
            # the shed deadline is real time (how long a caller may wait); ``self._clock`` orders and
            # ages tickets (tests replace it)
            deadline = None if shed_after_s is None else time.monotonic() + shed_after_s
            try:
                while not (self._free > 0 and self._next() is ticket):
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        self._waiting.remove(ticket)
                        self.stats.shed[priority] += 1
                        self._condition.notify_all()  # the head may have changed
                        return None
                    # wake at least every max_wait_s / 4 so that aging is applied without a release
                    tick = self.max_wait_s / 4
                    self._condition.wait(tick if remaining is None else min(remaining, tick))
            except BaseException:  # interrupted while waiting: no ticket may stay and block the queue
                self._waiting.remove(ticket)
                self._condition.notify_all()
                raise
            self._waiting.remove(ticket)
            self._free -= 1
            self._last_grant[session] = next(self._grants)
            self.stats.granted[priority] += 1
            self.stats.waited_s[priority] += self._clock() - arrived
            self._condition.notify_all()  # another slot may be free for the next in line
            return ticket

    def _leave(self) -> None:
        with self._condition:
            self._free += 1
            self._condition.notify_all()

    def forget(self, session: str) -> None:
        """A session ended: drop its fairness record (bounded by live sessions, not by history)."""
        with self._condition:
            self._last_grant.pop(session, None)
