"""The inference scheduler's rules: priorities, round robin between sessions, aging, shedding.

Real threads against one slot: a holder keeps the slot while callers queue up (each waits until the
scheduler reports it queued), then the order in which they are served is recorded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from parley.server.scheduler import InferenceScheduler, Priority


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.002)


def _serve_in_order(
    scheduler: InferenceScheduler,
    callers: list[tuple[str, Priority]],
    before_last: Callable[[], None] | None = None,
) -> list[str]:
    """Hold the only slot, queue ``callers`` one after the other (``before_last`` runs before the last
    one queues: a test moves its clock there), release; the order they ran in."""
    order: list[str] = []
    release = threading.Event()
    held = threading.Event()

    def holder() -> None:
        with scheduler.slot("holder", Priority.FINAL):
            held.set()
            release.wait()

    def caller(name: str, priority: Priority) -> None:
        with scheduler.slot(name.split("#")[0], priority):
            order.append(name)

    threads = [threading.Thread(target=holder)]
    threads[0].start()
    held.wait()
    for index, (name, priority) in enumerate(callers):
        if before_last is not None and index == len(callers) - 1:
            before_last()
        thread = threading.Thread(target=caller, args=(name, priority))
        thread.start()
        threads.append(thread)
        _wait_until(lambda n=index + 1: scheduler.waiting == n)
    release.set()
    for thread in threads:
        thread.join(5)
    return order


def test_finals_before_partials_before_speaker_windows_before_files():
    scheduler = InferenceScheduler(1, max_wait_s=60)
    order = _serve_in_order(
        scheduler,
        [
            ("a#file", Priority.FILE),
            ("b#speakers", Priority.SPEAKERS),
            ("c#partial", Priority.PARTIAL),
            ("d#final", Priority.FINAL),
        ],
    )
    assert order == ["d#final", "c#partial", "b#speakers", "a#file"]


def test_round_robin_between_sessions_of_one_priority():
    scheduler = InferenceScheduler(1, max_wait_s=60)
    # session "busy" was served just now, "quiet" long ago: quiet goes first although it came later
    _serve_in_order(scheduler, [("quiet#0", Priority.PARTIAL)])
    _serve_in_order(scheduler, [("busy#0", Priority.PARTIAL)])
    order = _serve_in_order(scheduler, [("busy#1", Priority.PARTIAL), ("quiet#1", Priority.PARTIAL)])
    assert order == ["quiet#1", "busy#1"]
    # a session never served goes before both
    order = _serve_in_order(
        scheduler, [("busy#2", Priority.PARTIAL), ("quiet#2", Priority.PARTIAL), ("new#0", Priority.PARTIAL)]
    )
    assert order == ["new#0", "quiet#2", "busy#2"]  # busy#1 ran after quiet#1: quiet waited longer


def test_a_call_that_waited_max_wait_goes_before_newer_higher_priorities():
    clock = FakeClock()
    scheduler = InferenceScheduler(1, max_wait_s=2.0, clock=clock)

    def later() -> None:
        clock.now = 2.5  # the speaker window has waited past max_wait_s

    order = _serve_in_order(
        scheduler, [("old-speakers", Priority.SPEAKERS), ("new-final", Priority.FINAL)], before_last=later
    )
    assert order == ["old-speakers", "new-final"]


def test_partials_are_shed_when_no_slot_comes_in_time_and_counted():
    scheduler = InferenceScheduler(1, max_wait_s=60)
    release = threading.Event()

    def holder() -> None:
        with scheduler.slot("other", Priority.FINAL):
            release.wait()

    thread = threading.Thread(target=holder)
    thread.start()
    _wait_until(lambda: scheduler.busy == 1)
    with scheduler.slot("mine", Priority.PARTIAL, shed_after_s=0.05) as granted:
        assert granted is False
    assert scheduler.stats.shed[Priority.PARTIAL] == 1
    assert scheduler.waiting == 0  # a shed call leaves no ticket behind
    release.set()
    thread.join(5)
    with scheduler.slot("mine", Priority.PARTIAL, shed_after_s=0.05) as granted:
        assert granted is True  # a free slot is granted at once
    assert scheduler.stats.granted[Priority.PARTIAL] == 1
    assert scheduler.stats.granted[Priority.FINAL] == 1


def test_slots_bound_concurrent_calls():
    scheduler = InferenceScheduler(2, max_wait_s=60)
    running = 0
    most = 0
    lock = threading.Lock()

    def call(index: int) -> None:
        nonlocal running, most
        with scheduler.slot(f"s{index % 3}", Priority(index % 4)):
            with lock:
                running += 1
                most = max(most, running)
            time.sleep(0.01)
            with lock:
                running -= 1

    threads = [threading.Thread(target=call, args=(i,)) for i in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert most == 2
    assert sum(scheduler.stats.granted.values()) == 24
    assert scheduler.busy == 0 and scheduler.waiting == 0


def test_forget_drops_a_sessions_fairness_record():
    scheduler = InferenceScheduler(1)
    with scheduler.slot("gone", Priority.FINAL):
        pass
    assert "gone" in scheduler._last_grant
    scheduler.forget("gone")
    assert "gone" not in scheduler._last_grant


@pytest.mark.parametrize(("slots", "max_wait_s"), [(0, 1.0), (1, 0.0)])
def test_bad_settings_are_refused(slots: int, max_wait_s: float):
    with pytest.raises(ValueError):
        InferenceScheduler(slots, max_wait_s=max_wait_s)


def test_background_and_file_calls_do_not_age_past_live_ones():
    """A detached session's call that waited long still goes after a newer live partial (a client
    that drops and reconnects cannot buy its way ahead); between themselves they keep priority."""
    clock = FakeClock()
    scheduler = InferenceScheduler(1, max_wait_s=2.0, clock=clock)

    def later() -> None:
        clock.now = 60.0  # both waited far past max_wait_s

    callers = [
        ("old-file", Priority.FILE),
        ("old-detached", Priority.BACKGROUND),
        ("new-partial", Priority.PARTIAL),
    ]
    order = _serve_in_order(scheduler, callers, before_last=later)
    assert order == ["new-partial", "old-detached", "old-file"]


def test_a_caller_interrupted_while_waiting_leaves_no_ticket_behind():
    """An exception in the wait (a KeyboardInterrupt in a CLI thread) must not leave a ticket that
    ranks first forever and blocks every later call."""
    scheduler = InferenceScheduler(1, max_wait_s=60)
    release = threading.Event()

    def holder() -> None:
        with scheduler.slot("holder", Priority.FINAL):
            release.wait()

    thread = threading.Thread(target=holder)
    thread.start()
    _wait_until(lambda: scheduler.busy == 1)
    original = scheduler._condition.wait

    def interrupted(timeout=None):
        raise KeyboardInterrupt

    scheduler._condition.wait = interrupted  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt), scheduler.slot("first", Priority.FINAL):
        pass
    scheduler._condition.wait = original  # type: ignore[method-assign]
    assert scheduler.waiting == 0
    release.set()
    thread.join(5)
    with scheduler.slot("next", Priority.PARTIAL, shed_after_s=1.0) as granted:
        assert granted is True
