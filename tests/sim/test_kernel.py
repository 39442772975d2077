"""Tests of hvlab.sim.kernel in SimPy's style: a tiny scenario, then assert on a log."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hvlab.errors import HvlabError
from hvlab.sim.kernel import NORMAL, URGENT, EmptySchedule, EventFailed, Kernel

Log = list[tuple[str, int]]


def note(k: Kernel, log: Log, what: str) -> Callable[[], object]:
    """Return a callback that appends ``(what, now)`` to ``log``."""
    return lambda: log.append((what, k.now))


def test_events_run_in_time_order_with_integer_ms() -> None:
    k = Kernel()
    log: Log = []
    k.schedule(2000, note(k, log, "b"))
    k.schedule(1000, note(k, log, "a"))
    k.run()
    assert log == [("a", 1000), ("b", 2000)]
    assert k.now == 2000
    assert isinstance(k.now, int)


def test_ties_run_in_scheduling_order() -> None:
    k = Kernel()
    log: Log = []
    for name in "abcde":
        k.schedule(500, note(k, log, name))
    k.run()
    assert log == [("a", 500), ("b", 500), ("c", 500), ("d", 500), ("e", 500)]


def test_priority_orders_ties_before_sequence() -> None:
    k = Kernel()
    log: Log = []
    k.schedule(100, note(k, log, "normal-1"))
    k.schedule(100, note(k, log, "urgent"), priority=URGENT)
    k.schedule(100, note(k, log, "normal-2"), priority=NORMAL)
    k.schedule(100, note(k, log, "late"), priority=5)
    k.run()
    assert log == [("urgent", 100), ("normal-1", 100), ("normal-2", 100), ("late", 100)]


def test_same_scenario_same_order_every_time() -> None:
    def scenario() -> Log:
        k = Kernel()
        log: Log = []
        for i in range(200):
            k.schedule((i * 37) % 11, note(k, log, f"e{i}"), priority=i % 3)
        k.run()
        return log

    assert scenario() == scenario()


def test_zero_delay_runs_after_what_is_already_due_now() -> None:
    k = Kernel()
    log: Log = []

    def first() -> None:
        log.append(("first", k.now))
        k.schedule(0, note(k, log, "spawned"))

    k.schedule(10, first)
    k.schedule(10, note(k, log, "second"))
    k.run()
    assert log == [("first", 10), ("second", 10), ("spawned", 10)]


def test_callbacks_can_schedule_further_events() -> None:
    k = Kernel()
    log: Log = []

    def heartbeat() -> None:
        log.append(("hb", k.now))
        if k.now < 3000:
            k.schedule(1000, heartbeat)

    k.schedule(1000, heartbeat)
    k.run()
    assert log == [("hb", 1000), ("hb", 2000), ("hb", 3000)]


def test_cancel_skips_the_event() -> None:
    k = Kernel()
    log: Log = []
    k.schedule(1000, note(k, log, "a"))
    doomed = k.schedule(1500, note(k, log, "cancelled"))
    k.schedule(2000, note(k, log, "b"))
    assert k.pending == 3
    assert doomed.cancel() is True
    assert doomed.cancelled and not doomed.pending and not doomed.done
    assert k.pending == 2
    k.run()
    assert log == [("a", 1000), ("b", 2000)]
    assert k.pending == 0
    assert k.processed == 2  # the cancelled one is not counted


def test_cancel_twice_or_after_running_returns_false() -> None:
    k = Kernel()
    h = k.schedule(5, lambda: None)
    assert k.cancel(h) is True
    assert k.cancel(h) is False
    ran = k.schedule(5, lambda: None)
    k.run()
    assert ran.done
    assert ran.cancel() is False


def test_a_callback_can_cancel_a_later_event() -> None:
    # A link comes back before the hold timer expires: the timer is cancelled.
    k = Kernel()
    log: Log = []
    hold = k.schedule(3000, note(k, log, "declared-down"))

    def link_up() -> None:
        log.append(("link-up", k.now))
        hold.cancel()

    k.schedule(1200, link_up)
    k.run()
    assert log == [("link-up", 1200)]


def test_cancel_on_another_kernel_is_refused() -> None:
    a, b = Kernel(), Kernel()
    h = a.schedule(1, lambda: None)
    with pytest.raises(ValueError, match="another kernel"):
        b.cancel(h)


def test_many_cancellations_compact_the_heap() -> None:
    k = Kernel()
    log: Log = []
    handles = [k.schedule(10 + i, lambda: None) for i in range(5000)]
    k.schedule(20_000, note(k, log, "survivor"))
    for h in handles:
        h.cancel()
    assert k.pending == 1
    assert len(k._heap) < 5001  # rebuilt once more than half was cancelled
    k.run()
    assert log == [("survivor", 20_000)]


def test_failure_stops_the_run_and_names_event_and_time() -> None:
    k = Kernel()
    log: Log = []

    def boom() -> None:
        raise RuntimeError("switch on fire")

    k.schedule(1000, note(k, log, "a"))
    k.schedule(1500, boom, name="switch:tor1 down")
    k.schedule(2000, note(k, log, "b"))
    with pytest.raises(EventFailed) as info:
        k.run()
    err = info.value
    assert err.name == "switch:tor1 down"
    assert err.time == 1500
    assert err.sequence == 1
    assert isinstance(err.__cause__, RuntimeError)
    assert "switch:tor1 down" in str(err)
    assert "t=1500 ms" in str(err)
    assert "switch on fire" in str(err)
    assert isinstance(err, HvlabError)
    assert log == [("a", 1000)]
    assert k.now == 1500
    # Nothing was lost: the run can be resumed after the failure.
    k.run()
    assert log == [("a", 1000), ("b", 2000)]


def test_failure_without_name_uses_the_callback_name() -> None:
    k = Kernel()

    def lacp_timeout() -> None:
        raise ValueError("x")

    k.schedule(90_000, lacp_timeout)
    with pytest.raises(EventFailed, match="lacp_timeout"):
        k.run()


def test_step_runs_one_event_and_raises_when_empty() -> None:
    k = Kernel()
    log: Log = []
    k.schedule(7, note(k, log, "a"))
    skipped = k.schedule(3, note(k, log, "x"))
    skipped.cancel()
    assert k.peek() == 7
    handle = k.step()
    assert handle.done and handle.time == 7
    assert log == [("a", 7)]
    assert k.peek() is None
    with pytest.raises(EmptySchedule, match="t=7 ms"):
        k.step()


def test_step_propagates_failure() -> None:
    k = Kernel()
    k.schedule(1, lambda: 1 // 0, name="div")
    with pytest.raises(EventFailed, match=r"'div'.*ZeroDivisionError") as info:
        k.step()
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_until_is_exclusive_and_moves_the_clock() -> None:
    k = Kernel()
    log: Log = []
    k.schedule(1000, note(k, log, "a"))
    k.schedule(2000, note(k, log, "b"))
    k.schedule(3000, note(k, log, "c"))
    k.run(until=2000)
    assert log == [("a", 1000)]
    assert k.now == 2000
    k.run(until=2500)
    assert log == [("a", 1000), ("b", 2000)]
    assert k.now == 2500
    k.run()
    assert log == [("a", 1000), ("b", 2000), ("c", 3000)]


def test_until_with_no_events_advances_time() -> None:
    k = Kernel()
    k.run(until=60_000)
    assert k.now == 60_000
    k.run(until=60_000)  # equal to now: nothing to do, not an error
    assert k.now == 60_000


def test_until_earlier_than_now_is_a_clear_error() -> None:
    k = Kernel(start=5000)
    with pytest.raises(ValueError, match=r"until \(4000 ms\).*current simulation time \(5000 ms\)"):
        k.run(until=4000)


def test_schedule_at_absolute_time() -> None:
    k = Kernel()
    log: Log = []
    k.run(until=100)
    k.schedule_at(250, note(k, log, "at"))
    k.schedule(100, note(k, log, "rel"))
    k.run()
    assert log == [("rel", 200), ("at", 250)]
    with pytest.raises(ValueError, match=r"time \(100 ms\).*\(250 ms\)"):
        k.schedule_at(100, lambda: None)


@pytest.mark.parametrize("bad", [1.5, "10", None, True])
def test_times_must_be_int_milliseconds(bad: object) -> None:
    k = Kernel()
    with pytest.raises(TypeError, match="int number of milliseconds"):
        k.schedule(bad, lambda: None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="int number of milliseconds"):
        k.schedule_at(bad, lambda: None)  # type: ignore[arg-type]
    if bad is not None:  # run(until=None) means "run until no event is pending"
        with pytest.raises(TypeError, match="int number of milliseconds"):
            k.run(until=bad)  # type: ignore[arg-type]


def test_negative_delay_and_bad_priority_are_rejected() -> None:
    k = Kernel()
    with pytest.raises(ValueError, match=r"delay \(-1 ms\) must not be negative"):
        k.schedule(-1, lambda: None)
    with pytest.raises(TypeError, match="priority must be an int"):
        k.schedule(1, lambda: None, priority=0.5)  # type: ignore[arg-type]
    assert k.pending == 0


def test_handle_repr_and_attributes() -> None:
    k = Kernel()
    h = k.schedule(42, lambda: None, name="hb", priority=URGENT)
    assert (h.time, h.priority, h.sequence, h.name) == (42, URGENT, 0, "hb")
    assert repr(h) == "<Handle 'hb' t=42 ms prio=0 #0 pending>"


def test_docstring_examples_run() -> None:
    import doctest

    from hvlab.sim import kernel

    result = doctest.testmod(kernel)
    assert result.attempted > 0
    assert result.failed == 0
