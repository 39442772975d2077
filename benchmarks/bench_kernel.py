"""Benchmark hvlab's event kernel against SimPy on timer workloads; print JSON.

Usage::

    python benchmarks/bench_kernel.py [--events N] [--repeat R]

Workloads (``N`` events each, best of ``R`` runs, seconds of process CPU time --
the reference machine is shared, so CPU time is steadier than wall-clock time):

* ``bulk``  -- schedule ``N`` timers with scattered delays, then run them all.
* ``chain`` -- one timer that re-arms itself ``N`` times with a delay of 1.
* ``periodic`` -- 1,000 periodic timers (think heartbeats and hello timers on a site)
  with periods of 1,000..1,999 ms, each re-arming itself, until ``N`` events have run.
  A site's pending-timer heap looks like this one; the 1M-entry heap of ``bulk`` does not.

SimPy is optional: it is not a dependency of hvlab. When it is importable (``pip
install simpy``) the same workloads run on it: ``bulk`` as ``env.timeout(d)`` with a
callback appended, ``chain`` both as a callback that re-arms itself and as one process
that does ``yield env.timeout(1)`` in a loop (SimPy's idiom), ``periodic`` both as
callbacks and as 1,000 processes. The results are quoted in
the docstring of :mod:`hvlab.sim.kernel`.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable, Generator
from typing import Any

from hvlab.sim.kernel import Kernel


def _delays(n: int) -> list[int]:
    """Return ``n`` deterministic, scattered delays in 0..999_999 ms."""
    return [(i * 7919) % 1_000_000 for i in range(n)]


def hvlab_bulk(n: int) -> int:
    """Schedule ``n`` timers on the hvlab kernel, run them; return how many ran."""
    k = Kernel()
    count = [0]

    def tick() -> None:
        count[0] += 1

    for d in _delays(n):
        k.schedule(d, tick)
    k.run()
    return count[0]


def hvlab_chain(n: int) -> int:
    """Run one self-re-arming timer ``n`` times on the hvlab kernel; return the count."""
    k = Kernel()
    count = [0]

    def tick() -> None:
        count[0] += 1
        if count[0] < n:
            k.schedule(1, tick)

    k.schedule(1, tick)
    k.run()
    return count[0]


_TIMERS = 1000


def hvlab_periodic(n: int) -> int:
    """Run 1,000 self-re-arming periodic timers on the hvlab kernel until ``n`` events."""
    k = Kernel()
    count = [0]

    def make(period: int) -> Callable[[], None]:
        def tick() -> None:
            count[0] += 1
            if count[0] <= n - _TIMERS:
                k.schedule(period, tick)

        return tick

    for i in range(_TIMERS):
        k.schedule(i, make(1000 + i))
    k.run()
    return count[0]


def simpy_periodic_callback(n: int) -> int:
    """Run 1,000 self-re-arming ``env.timeout`` callbacks on SimPy until ``n`` events."""
    import simpy

    env = simpy.Environment()
    count = [0]

    def make(period: int) -> Callable[[Any], None]:
        def tick(_event: Any) -> None:
            count[0] += 1
            if count[0] <= n - _TIMERS:
                env.timeout(period).callbacks.append(tick)

        return tick

    for i in range(_TIMERS):
        env.timeout(i).callbacks.append(make(1000 + i))
    env.run()
    return count[0]


def simpy_periodic_process(n: int) -> int:
    """Run 1,000 SimPy processes that ``yield env.timeout(period)`` until ``n`` events."""
    import simpy

    env = simpy.Environment()
    count = [0]

    def proc(first: int, period: int) -> Generator[Any, Any, None]:
        yield env.timeout(first)
        count[0] += 1
        while count[0] <= n - _TIMERS:
            yield env.timeout(period)
            count[0] += 1

    for i in range(_TIMERS):
        env.process(proc(i, 1000 + i))
    env.run()
    return count[0]


def simpy_bulk(n: int) -> int:
    """Schedule ``n`` ``env.timeout`` events with a callback on SimPy; return the count."""
    import simpy

    env = simpy.Environment()
    count = [0]

    def tick(_event: Any) -> None:
        count[0] += 1

    for d in _delays(n):
        env.timeout(d).callbacks.append(tick)
    env.run()
    return count[0]


def simpy_chain_callback(n: int) -> int:
    """Run one self-re-arming ``env.timeout`` callback ``n`` times on SimPy."""
    import simpy

    env = simpy.Environment()
    count = [0]

    def tick(_event: Any) -> None:
        count[0] += 1
        if count[0] < n:
            env.timeout(1).callbacks.append(tick)

    env.timeout(1).callbacks.append(tick)
    env.run()
    return count[0]


def simpy_chain_process(n: int) -> int:
    """Run one SimPy process doing ``yield env.timeout(1)`` ``n`` times."""
    import simpy

    env = simpy.Environment()
    count = [0]

    def proc() -> Generator[Any, Any, None]:
        for _ in range(n):
            yield env.timeout(1)
            count[0] += 1

    env.process(proc())
    env.run()
    return count[0]


def _best(fn: Callable[[int], int], n: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        ran = fn(n)
        elapsed = time.process_time() - t0
        if ran != n:
            raise RuntimeError(f"{fn.__name__} ran {ran} events, expected {n}")
        best = min(best, elapsed)
    return best


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one JSON document; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    cases: dict[str, Callable[[int], int]] = {
        "hvlab.bulk": hvlab_bulk,
        "hvlab.chain": hvlab_chain,
        "hvlab.periodic": hvlab_periodic,
    }
    try:
        import simpy

        simpy_version: str | None = simpy.__version__
        cases |= {
            "simpy.bulk": simpy_bulk,
            "simpy.chain_callback": simpy_chain_callback,
            "simpy.chain_process": simpy_chain_process,
            "simpy.periodic_callback": simpy_periodic_callback,
            "simpy.periodic_process": simpy_periodic_process,
        }
    except ImportError:
        simpy_version = None

    results = {}
    for name, fn in cases.items():
        seconds = _best(fn, args.events, args.repeat)
        results[name] = {
            "seconds": round(seconds, 3),
            "events_per_second": round(args.events / seconds),
        }
    report = {
        "benchmark": "sim.kernel",
        "events": args.events,
        "repeat": args.repeat,
        "python": platform.python_version(),
        "simpy": simpy_version,
        "results": results,
    }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
