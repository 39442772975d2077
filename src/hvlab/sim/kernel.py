"""A lean, deterministic discrete-event kernel with exact integer-millisecond time.

The design is SimPy's core (``simpy/core.py``) reduced to what hvlab needs: one binary
heap of ``(time, priority, sequence, handle)`` entries. ``time`` is an ``int`` number of
milliseconds; among events due at the same time the lower ``priority`` runs first
(:data:`URGENT` before :data:`NORMAL`, as in SimPy); among events with equal time and
priority the ``sequence`` counter -- the order in which they were scheduled -- decides.
Same input, same order, every run.

Rules of the kernel
-------------------
* ``schedule(delay, callback)`` returns a :class:`Handle`; ``handle.cancel()`` (or
  :meth:`Kernel.cancel`) cancels it by *lazy deletion*: the entry stays in the heap and is
  skipped when popped. When more than half of the heap is cancelled entries the heap is
  rebuilt, so a timer that is re-armed again and again (a heartbeat, a hold timer) cannot
  grow it without bound.
* A callback that raises stops the run with :class:`EventFailed`, which names the event
  and the time it ran at and chains the original exception (``raise ... from exc``).
  Failed events are never silently ignored (SimPy's rule).
* ``run(until=t)`` processes every event due *before* ``t`` and leaves the clock at
  ``t`` -- events due exactly at ``t`` wait for the next ``run`` (SimPy's semantics), so
  consecutive runs partition time into ``[0, t1), [t1, t2), ...``. ``until`` earlier than
  the current time is a :class:`ValueError` that carries both values.

Why a home-grown kernel and not SimPy
-------------------------------------
hvlab's model is callbacks on timers (a timeout fires, an engine is asked for a
transition, new timers are armed), not long-lived generator processes, and the lab model
stores times as integer milliseconds. SimPy's time is a float, its timeouts cannot be
cancelled, and it would be a dependency. Speed was checked, not assumed:
``benchmarks/bench_kernel.py`` with 1,000,000 events, best of 5 runs, process CPU time,
on the project's reference machine (2 cores, Python 3.11.7, SimPy 4.1.2):

==========================================================  ==========  ===============
workload (1,000,000 events)                                 CPU time    events/second
==========================================================  ==========  ===============
chain: one timer re-arming itself -- hvlab kernel           0.50 s      2.00 M
chain -- SimPy, ``env.timeout`` + callback                  0.53 s      1.88 M
chain -- SimPy, one process ``yield env.timeout(1)``        0.68 s      1.47 M
periodic: 1,000 re-arming timers -- hvlab kernel            0.92 s      1.08 M
periodic -- SimPy, callbacks                                1.02 s      0.98 M
periodic -- SimPy, 1,000 processes                          1.24 s      0.81 M
bulk: 1M timers scheduled, then run -- hvlab kernel         6.68 s      0.15 M
bulk -- SimPy, ``env.timeout`` + callback                   7.79 s      0.13 M
==========================================================  ==========  ===============

So the kernel is as fast as SimPy's own callback path (5-17 % faster) and about a third
faster than SimPy processes, while adding exact integer time, cancellation and named
failures. "periodic" is the shape of a real site: a few hundred to a few thousand pending
timers. A variant keyed by one packed integer per event (a heap of ``int`` plus a
``dict`` of handles) ran "bulk" 1.6x faster but "chain" 35 % slower, because its
advantage -- cheaper comparisons deep in a huge heap -- does not arise with a site's small
heaps; it was not kept. The figures are copied here by hand when the benchmark is re-run.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Final, NoReturn

from hvlab.errors import HvlabError

_heappush = heapq.heappush
_heappop = heapq.heappop

__all__ = [
    "NORMAL",
    "URGENT",
    "EmptySchedule",
    "EventFailed",
    "Handle",
    "Kernel",
]

URGENT: Final = 0
"""Priority of events that must run before ordinary ones due at the same time."""

NORMAL: Final = 1
"""Default priority of scheduled events."""

_PENDING: Final = 0
_CANCELLED: Final = 1
_DONE: Final = 2
"""States of a :class:`Handle` (``Handle._state``); ``_PENDING`` is the only falsy one."""

_COMPACT_MIN: Final = 1024
"""The heap is only rebuilt when it holds at least this many cancelled entries."""


class EmptySchedule(HvlabError):
    """:meth:`Kernel.step` was called with no event left to run."""


class EventFailed(HvlabError):
    """An event's callback raised; the original exception is the ``__cause__``.

    Attributes
    ----------
    name : str
        The event's name (its ``name=`` or, failing that, the callback's qualified name).
    time : int
        Simulation time, in milliseconds, at which the event ran.
    sequence : int
        The event's sequence number (the order in which it was scheduled).
    """

    def __init__(self, name: str, time: int, sequence: int, cause: BaseException) -> None:
        self.name = name
        self.time = time
        self.sequence = sequence
        super().__init__(
            f"event {name!r} (#{sequence}) failed at t={time} ms: {type(cause).__name__}: {cause}"
        )


class Handle:
    """A scheduled event, as returned by :meth:`Kernel.schedule`.

    Attributes
    ----------
    time : int
        Simulation time, in milliseconds, at which the event is due.
    priority : int
        Its priority; lower runs first among events due at the same time.
    sequence : int
        Tie-breaker: the order in which events were scheduled on the kernel.
    """

    __slots__ = ("_callback", "_kernel", "_name", "_state", "priority", "sequence", "time")

    def __init__(
        self,
        kernel: Kernel,
        time: int,
        priority: int,
        sequence: int,
        callback: Callable[[], object],
        name: str | None,
    ) -> None:
        self._kernel = kernel
        self.time = time
        self.priority = priority
        self.sequence = sequence
        self._callback = callback
        self._name = name
        self._state = _PENDING

    @property
    def name(self) -> str:
        """Return the event's label: its ``name=`` or else the callback's qualified name."""
        if self._name is not None:
            return self._name
        cb = self._callback
        return str(getattr(cb, "__qualname__", None) or getattr(cb, "__name__", None) or cb)

    @property
    def pending(self) -> bool:
        """Return whether the event is still waiting to run (neither run nor cancelled)."""
        return self._state == _PENDING

    @property
    def cancelled(self) -> bool:
        """Return whether the event was cancelled before it ran."""
        return self._state == _CANCELLED

    @property
    def done(self) -> bool:
        """Return whether the event has run (its callback was called)."""
        return self._state == _DONE

    def cancel(self) -> bool:
        """Cancel the event if it has not run yet.

        Returns
        -------
        bool
            ``True`` if the event was pending and is now cancelled; ``False`` if it had
            already run or had already been cancelled (cancelling twice is harmless).

        Notes
        -----
        Lazy deletion, as asyncio does for its timer handles (``asyncio/base_events.py``,
        ``_run_once``: the heap is rebuilt once more than half of it is cancelled): O(1)
        now; the entry is discarded when it reaches the top or at the next compaction.
        """
        if self._state != _PENDING:
            return False
        self._state = _CANCELLED
        self._kernel._note_cancelled()
        return True

    def __repr__(self) -> str:
        state = ("pending", "cancelled", "done")[self._state]
        return (
            f"<Handle {self.name!r} t={self.time} ms prio={self.priority} #{self.sequence} {state}>"
        )


def _check_time(value: object, what: str) -> int:
    """Return ``value`` if it is an ``int`` (not a ``bool``); raise ``TypeError`` otherwise."""
    if type(value) is not int:
        raise TypeError(f"{what} must be an int number of milliseconds, got {value!r}")
    return value


def _reject(value: object, what: str, priority: object) -> NoReturn:
    """Raise the ``TypeError`` or ``ValueError`` that a bad time or priority deserves."""
    _check_time(value, what)
    if type(priority) is not int:
        raise TypeError(f"priority must be an int, got {priority!r}")
    raise ValueError(f"{what} ({value} ms) must not be negative")


class Kernel:
    """The event heap and the simulation clock.

    Parameters
    ----------
    start : int, optional
        Initial simulation time in milliseconds (default ``0``).

    Examples
    --------
    >>> k = Kernel()
    >>> log = []
    >>> _ = k.schedule(2000, lambda: log.append(("b", k.now)))
    >>> _ = k.schedule(1000, lambda: log.append(("a", k.now)))
    >>> k.run()
    >>> log
    [('a', 1000), ('b', 2000)]
    """

    __slots__ = ("_cancelled", "_heap", "_now", "_processed", "_seq")

    def __init__(self, start: int = 0) -> None:
        self._now = _check_time(start, "start")
        self._heap: list[tuple[int, int, int, Handle]] = []
        self._seq = 0
        self._cancelled = 0
        self._processed = 0

    @property
    def now(self) -> int:
        """Return the current simulation time in milliseconds."""
        return self._now

    @property
    def processed(self) -> int:
        """Return the number of events run so far (cancelled ones not counted)."""
        return self._processed

    @property
    def pending(self) -> int:
        """Return the number of events scheduled and not yet run or cancelled."""
        return len(self._heap) - self._cancelled

    def schedule(
        self,
        delay: int,
        callback: Callable[[], object],
        *,
        priority: int = NORMAL,
        name: str | None = None,
    ) -> Handle:
        """Schedule ``callback()`` to run ``delay`` milliseconds from now.

        Parameters
        ----------
        delay : int
            Milliseconds from :attr:`now`; ``0`` means "now, after what is already due".
        callback : callable
            Called with no arguments when the event runs; its return value is ignored.
        priority : int, optional
            Lower runs first among events due at the same time (:data:`URGENT`,
            :data:`NORMAL`); default :data:`NORMAL`.
        name : str, optional
            Label for traces and error messages; defaults to the callback's qualified name.

        Returns
        -------
        Handle
            The scheduled event; keep it to cancel the event.

        Raises
        ------
        TypeError
            If ``delay`` or ``priority`` is not an ``int``.
        ValueError
            If ``delay`` is negative.

        Notes
        -----
        O(log n). Ordering follows SimPy's ``(time, priority, sequence)`` heap key
        (``simpy/core.py``, ``Environment.schedule``).
        """
        if type(delay) is not int or delay < 0 or type(priority) is not int:
            _reject(delay, "delay", priority)
        seq = self._seq
        self._seq = seq + 1
        time = self._now + delay
        handle = Handle(self, time, priority, seq, callback, name)
        _heappush(self._heap, (time, priority, seq, handle))
        return handle

    def schedule_at(
        self,
        time: int,
        callback: Callable[[], object],
        *,
        priority: int = NORMAL,
        name: str | None = None,
    ) -> Handle:
        """Schedule ``callback()`` to run at absolute simulation time ``time``.

        Returns
        -------
        Handle
            The scheduled event.

        Raises
        ------
        TypeError
            If ``time`` or ``priority`` is not an ``int``.
        ValueError
            If ``time`` is earlier than :attr:`now`; the message carries both values.
        """
        if type(time) is not int or type(priority) is not int:
            _reject(time, "time", priority)
        if time < self._now:
            raise ValueError(
                f"time ({time} ms) must not be earlier than the current simulation time "
                f"({self._now} ms)"
            )
        seq = self._seq
        self._seq = seq + 1
        handle = Handle(self, time, priority, seq, callback, name)
        _heappush(self._heap, (time, priority, seq, handle))
        return handle

    def cancel(self, handle: Handle) -> bool:
        """Cancel ``handle``; same as :meth:`Handle.cancel`.

        Returns
        -------
        bool
            ``True`` if the event was pending and is now cancelled, else ``False``.

        Raises
        ------
        ValueError
            If the handle was scheduled on another kernel.
        """
        if handle._kernel is not self:
            raise ValueError(f"{handle!r} was scheduled on another kernel")
        return handle.cancel()

    def _note_cancelled(self) -> None:
        self._cancelled += 1
        heap = self._heap
        if self._cancelled >= _COMPACT_MIN and 2 * self._cancelled > len(heap):
            # Rebuild without the cancelled entries; heapify keeps (time, prio, seq) order.
            heap[:] = [e for e in heap if e[3]._state == _PENDING]
            heapq.heapify(heap)
            self._cancelled = 0

    def peek(self) -> int | None:
        """Return the time of the next pending event, or ``None`` if there is none.

        Cancelled entries found on top of the heap are discarded on the way.
        """
        heap = self._heap
        while heap and heap[0][3]._state != _PENDING:
            _heappop(heap)
            self._cancelled -= 1
        return heap[0][0] if heap else None

    def step(self) -> Handle:
        """Run the next pending event and return its handle.

        Returns
        -------
        Handle
            The event that ran (now ``done``); :attr:`now` is its time.

        Raises
        ------
        EmptySchedule
            If no event is pending.
        EventFailed
            If the callback raised; the original exception is chained as ``__cause__``.
        """
        if self.peek() is None:
            raise EmptySchedule(f"no events left to run at t={self._now} ms")
        time, _, seq, handle = _heappop(self._heap)
        self._now = time
        handle._state = _DONE
        try:
            handle._callback()
        except Exception as exc:
            raise EventFailed(handle.name, time, seq, exc) from exc
        return handle

    def run(self, until: int | None = None) -> None:
        """Run events in order until none is left or the next one is due at ``until``.

        Parameters
        ----------
        until : int, optional
            Stop before the first event due at or after this time (milliseconds) and set
            :attr:`now` to ``until``. ``None`` (default) runs until no event is pending and
            leaves :attr:`now` at the last event's time.

        Raises
        ------
        TypeError
            If ``until`` is not an ``int``.
        ValueError
            If ``until`` is earlier than :attr:`now`; the message carries both values.
        EventFailed
            If a callback raised; :attr:`now` is left at that event's time and the events
            after it stay scheduled, so the run can be resumed.

        Notes
        -----
        Each event costs one ``heappop``, O(log n). ``until`` is exclusive, as in SimPy's
        ``Environment.run`` (its stop event is scheduled URGENT at ``until``).
        """
        if until is not None:
            _check_time(until, "until")
            if until < self._now:
                raise ValueError(
                    f"until ({until} ms) must not be earlier than the current simulation "
                    f"time ({self._now} ms)"
                )
        heap = self._heap
        done = _DONE
        if until is None:
            while heap:
                time, _, seq, handle = _heappop(heap)
                if handle._state:  # not _PENDING, so cancelled: skip it (lazy deletion)
                    self._cancelled -= 1
                    continue
                self._now = time
                handle._state = done
                self._processed += 1
                try:
                    handle._callback()
                except Exception as exc:
                    raise EventFailed(handle.name, time, seq, exc) from exc
            return
        while heap and heap[0][0] < until:
            time, _, seq, handle = _heappop(heap)
            if handle._state:
                self._cancelled -= 1
                continue
            self._now = time
            handle._state = done
            self._processed += 1
            try:
                handle._callback()
            except Exception as exc:
                raise EventFailed(handle.name, time, seq, exc) from exc
        self._now = until
