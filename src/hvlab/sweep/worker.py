"""What runs where the scenarios run: one job description, one baseline per process.

A :class:`SweepJob` (the lab and the simulation settings) travels to every worker
once — as the pool's initializer argument locally, as scattered data on Dask — and
each process builds its :class:`~hvlab.sweep.impact.Baseline` the first time it sees
the job (keyed by :attr:`SweepJob.key`). Scenarios then travel as chunks of element
tuples and come back as :class:`~hvlab.sweep.impact.Outcome` values, in chunk order, so
the parent assembles the same results whichever worker ran what.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from hvlab.model.lab import Lab
from hvlab.sweep.impact import DEFAULT_AT_MS, DEFAULT_WINDOW_MS, Baseline, Outcome, evaluate

__all__ = ["SweepJob", "baseline_for", "chunks", "forget", "run_chunk"]


@dataclass(frozen=True)
class SweepJob:
    """The lab and settings every scenario of one sweep shares."""

    lab: Lab
    seed: int = 0
    at_ms: int = DEFAULT_AT_MS
    window_ms: int = DEFAULT_WINDOW_MS
    incremental: bool = True
    key: str = field(default="", compare=False)

    @classmethod
    def of(
        cls,
        lab: Lab,
        *,
        seed: int = 0,
        at_ms: int = DEFAULT_AT_MS,
        window_ms: int = DEFAULT_WINDOW_MS,
        incremental: bool = True,
    ) -> SweepJob:
        """Return a job with its key: a digest of the lab and the settings."""
        digest = hashlib.sha256(pickle.dumps(lab.model_dump(mode="json"), protocol=4))
        digest.update(repr((seed, at_ms, window_ms, incremental)).encode())
        return cls(lab, seed, at_ms, window_ms, incremental, digest.hexdigest()[:16])


_lock = threading.Lock()
_baselines: dict[str, tuple[Baseline, threading.Lock]] = {}


def baseline_for(job: SweepJob) -> tuple[Baseline, threading.Lock]:
    """Return this process's baseline for ``job`` (built once) and the lock that guards it.

    Scenarios of one baseline run one at a time: the caches of a layer-2 view are not
    meant for threads. Keep one thread per worker process (``--nthreads 1`` on Dask).
    """
    with _lock:
        found = _baselines.get(job.key)
        if found is None:
            # Keep the newest few only: a long-lived Dask worker sees many sweeps.
            while len(_baselines) >= 4:
                _baselines.pop(next(iter(_baselines)))
            found = (
                Baseline(
                    job.lab,
                    seed=job.seed,
                    at_ms=job.at_ms,
                    window_ms=job.window_ms,
                    incremental=job.incremental,
                ),
                threading.Lock(),
            )
            _baselines[job.key] = found
        return found


def forget(job: SweepJob) -> None:
    """Drop this process's baseline of ``job`` (a local sweep is over)."""
    with _lock:
        _baselines.pop(job.key, None)


def run_chunk(job: SweepJob, chunk: Sequence[tuple[str, ...]]) -> list[Outcome]:
    """Return the outcome of every scenario of ``chunk`` (element tuples), in order."""
    baseline, lock = baseline_for(job)
    with lock:
        return [evaluate(baseline, elements) for elements in chunk]


def chunks(items: Sequence[tuple[str, ...]], workers: int) -> list[list[tuple[str, ...]]]:
    """Split ``items`` into contiguous chunks: about 8 per worker, at most 16 scenarios each.

    Contiguous chunks keep the pairs of one element together (the view cache serves
    them); many small chunks balance uneven scenarios and move the progress bar.
    """
    if not items:
        return []
    size = max(1, min(16, len(items) // max(1, workers * 8)))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]
