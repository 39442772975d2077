"""Run a sweep's scenarios on this machine: in this process, or on a pool of processes.

``workers=1`` runs every scenario here, one after the other. More workers start a
:mod:`multiprocessing` pool and give each process contiguous chunks of scenarios;
results are put back in plan order, so the answer does not depend on the pool.

How the pool starts: on Linux, when this process runs a single thread, by ``fork``
after building the baseline here, so every worker starts with it (and with hvlab
imported) for free. Otherwise (threads running, e.g. a Dask client in the same
process, or another platform) by ``forkserver`` with hvlab preloaded, else ``spawn``;
each worker then builds its own baseline from the job. With ``forkserver`` and
``spawn`` a script must guard its entry point (``if __name__ == "__main__":``), as for
any use of :mod:`multiprocessing`.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Sequence

from hvlab.sweep.impact import Outcome
from hvlab.sweep.worker import SweepJob, baseline_for, chunks, forget, run_chunk

__all__ = ["Progress", "default_workers", "run_local"]

Progress = Callable[[int, int], None]
"""A progress callback: ``(scenarios done, scenarios in all)``."""

_job: SweepJob | None = None


def default_workers() -> int:
    """Return the number of cores this process may use (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _init(job: SweepJob) -> None:
    global _job
    _job = job


def _pool_chunk(item: tuple[int, list[tuple[str, ...]]]) -> tuple[int, list[Outcome]]:
    index, chunk = item
    assert _job is not None, "the pool initializer did not run"
    return index, run_chunk(_job, chunk)


def _context() -> multiprocessing.context.BaseContext:
    """Return the start method: fork when safe (Linux, one thread), else forkserver or spawn."""
    methods = multiprocessing.get_all_start_methods()
    if sys.platform == "linux" and "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["hvlab.sweep.worker"])
        return ctx
    return multiprocessing.get_context("spawn")


def run_local(
    job: SweepJob,
    scenarios: Sequence[tuple[str, ...]],
    *,
    workers: int = 1,
    progress: Progress | None = None,
) -> list[Outcome]:
    """Return the outcome of every scenario (element tuples), in order.

    Parameters
    ----------
    job : SweepJob
        The lab and the simulation settings.
    scenarios : sequence of tuple of str
        The elements to fail together, one tuple per scenario.
    workers : int
        Processes to use; 1 runs here.
    progress : callable, optional
        Called with ``(done, total)`` after each chunk.
    """
    total = len(scenarios)
    if progress is not None:
        progress(0, total)
    parts = chunks(scenarios, workers)
    try:
        if workers <= 1 or len(parts) <= 1:
            out: list[Outcome] = []
            for part in parts:
                out.extend(run_chunk(job, part))
                if progress is not None:
                    progress(len(out), total)
            return out
        context = _context()
        if context.get_start_method() == "fork":
            baseline_for(job)  # built once here; the workers inherit it
        results: dict[int, list[Outcome]] = {}
        done = 0
        with context.Pool(min(workers, len(parts)), initializer=_init, initargs=(job,)) as pool:
            for index, outcomes in pool.imap_unordered(_pool_chunk, enumerate(parts)):
                results[index] = outcomes
                done += len(outcomes)
                if progress is not None:
                    progress(done, total)
        return [o for i in range(len(parts)) for o in results[i]]
    finally:
        forget(job)
