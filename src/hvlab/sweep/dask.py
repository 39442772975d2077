"""Run a sweep's scenarios on a Dask distributed cluster (the ``hvlab[dask]`` extra).

``hvlab sweep LAB --scheduler tcp://host:8786`` connects a
:class:`distributed.Client` to an existing scheduler, scatters the
:class:`~hvlab.sweep.worker.SweepJob` (the lab and the settings) to every worker once,
and submits contiguous chunks of scenarios. Each worker process builds its baseline
the first time it sees the job and keeps it for the next chunks. Results are gathered
in plan order, so a Dask run gives the same JSON, byte for byte, as a local one.

The workers need hvlab installed (the same version), and one thread each
(``dask worker tcp://host:8786 --nworkers N --nthreads 1``): the simulator is pure
Python, so threads would only take turns.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from hvlab.errors import UserError
from hvlab.sweep.impact import Outcome
from hvlab.sweep.local import Progress
from hvlab.sweep.worker import SweepJob, chunks, run_chunk

__all__ = ["dask_available", "run_dask"]


def _distributed() -> Any:
    """Return the ``distributed`` module (typed as Any: it ships without full annotations).

    Raises
    ------
    UserError
        When it is not installed.
    """
    try:
        return importlib.import_module("distributed")
    except ImportError:
        raise _missing() from None


def dask_available() -> bool:
    """Return whether ``dask.distributed`` can be imported."""
    try:
        importlib.import_module("distributed")
    except ImportError:
        return False
    return True


def _missing() -> UserError:
    return UserError(
        "--scheduler needs Dask distributed, which is not installed: "
        "pip install 'hvlab[dask]' (or: pip install 'dask[distributed]')"
    )


def _chunk_task(job: SweepJob, chunk: list[tuple[str, ...]]) -> list[Outcome]:
    return run_chunk(job, chunk)


def run_dask(
    job: SweepJob,
    scenarios: Sequence[tuple[str, ...]],
    *,
    scheduler: Any,
    progress: Progress | None = None,
    timeout: str = "30s",
) -> list[Outcome]:
    """Return the outcome of every scenario, computed on a Dask cluster, in order.

    Parameters
    ----------
    job : SweepJob
        The lab and the simulation settings.
    scenarios : sequence of tuple of str
        The elements to fail together, one tuple per scenario.
    scheduler : str or distributed.Client
        The scheduler's address (``tcp://host:8786``) or a connected client (left open).
    progress : callable, optional
        Called with ``(done, total)`` as chunks finish.
    timeout : str
        How long to wait for the scheduler.

    Raises
    ------
    UserError
        Dask is not installed, or the scheduler cannot be reached.
    """
    distributed = _distributed()
    own = not isinstance(scheduler, distributed.Client)
    if own:
        try:
            client = distributed.Client(str(scheduler), timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise UserError(f"--scheduler {scheduler}: cannot connect to Dask: {exc}") from None
    else:
        client = scheduler
    try:
        nworkers = max(1, sum(client.nthreads().values()))
        parts = chunks(scenarios, nworkers)
        total = len(scenarios)
        if progress is not None:
            progress(0, total)
        shared = client.scatter(job, broadcast=True, hash=False)
        futures = [client.submit(_chunk_task, shared, part, pure=False) for part in parts]
        sizes = {f.key: len(part) for f, part in zip(futures, parts, strict=True)}
        done = 0
        for future in distributed.as_completed(futures):
            done += sizes[future.key]
            if progress is not None:
                progress(done, total)
        results: list[list[Outcome]] = client.gather(futures)
        return [o for part in results for o in part]
    finally:
        if own:
            client.close()
