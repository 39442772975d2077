"""Resilience sweep: every single (N-1) and double (N-2) failure of a lab, simulated and ranked.

>>> from hvlab import api
>>> from hvlab.sweep import sweep
>>> lab = api.load("examples/ten-gig-cluster.yaml")  # doctest: +SKIP
>>> result = sweep(lab, workers=1)  # doctest: +SKIP
>>> [r.fault.elements[0] for r in result.single_points_of_failure][:2]  # doctest: +SKIP
['switch:tor1', 'switch:tor2']

Who does what
-------------
* :mod:`hvlab.sweep.faults` -- enumeration, footprints, equivalence classes, the plan
  (what is simulated and what is pruned, and why).
* :mod:`hvlab.sweep.impact` -- one scenario through the real simulator, measured
  against a no-failure baseline; the incremental view cache.
* :mod:`hvlab.sweep.worker` -- the job every worker shares and its per-process baseline.
* :mod:`hvlab.sweep.local` -- this process or a process pool sized to the cores.
* :mod:`hvlab.sweep.dask` -- a Dask distributed cluster (``hvlab[dask]``).
* :mod:`hvlab.sweep.rank` -- the score, categories, single points of failure,
  criticality, and :class:`SweepResult`.

Scenarios are independent and every one is computed from the lab alone, so the same
lab, options and seed give the same result, byte for byte, wherever it runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from hvlab.errors import UserError
from hvlab.model.lab import Lab
from hvlab.model.units import parse_duration
from hvlab.sweep.faults import (
    DEFAULT_KINDS,
    SWEEP_KINDS,
    ElementClass,
    Fault,
    SweepPlan,
    default_kinds,
    enumerate_elements,
    parse_kinds,
    plan_sweep,
)
from hvlab.sweep.impact import DEFAULT_AT_MS, DEFAULT_WINDOW_MS, Outcome, evaluate
from hvlab.sweep.local import Progress, default_workers, run_local
from hvlab.sweep.rank import SCORE_FIELDS, Ranked, SweepResult, kind_notes, rank
from hvlab.sweep.worker import SweepJob

__all__ = [
    "DEFAULT_KINDS",
    "SCORE_FIELDS",
    "SWEEP_KINDS",
    "ElementClass",
    "Fault",
    "Outcome",
    "Ranked",
    "SweepJob",
    "SweepPlan",
    "SweepResult",
    "default_kinds",
    "enumerate_elements",
    "evaluate",
    "parse_kinds",
    "plan_sweep",
    "sweep",
]

_MIN_PER_WORKER = 32
"""Fewer scenarios than this per extra process and the pool costs more than it saves."""


def _window(value: int | str | None, default: int, what: str) -> int:
    if value is None:
        return default
    if isinstance(value, int):
        ms = value
    else:
        try:
            ms = parse_duration(value)
        except ValueError as exc:
            raise UserError(f"--{what}: {exc}") from None
    if ms <= 0:
        raise UserError(f"--{what} must be positive (got {value})")
    return ms


def sweep(
    lab: Lab,
    *,
    depth: int = 1,
    kinds: str | Iterable[str] | None = None,
    seed: int = 0,
    workers: int | None = None,
    scheduler: Any = None,
    prune: bool = True,
    incremental: bool = True,
    window: int | str | None = None,
    elements: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> SweepResult:
    """Simulate every single (and with ``depth=2`` double) failure of ``lab``; rank them.

    Parameters
    ----------
    lab : Lab
        The lab.
    depth : {1, 2}
        1: N-1; 2: N-1 and N-2.
    kinds : str or iterable of str, optional
        Element kinds to fail (``"link,switch"``); default :func:`default_kinds`
        (:data:`DEFAULT_KINDS`, plus ``wan`` and ``site`` when the lab has WAN links).
    seed : int
        The simulator's seed (health-check timing); the same seed gives the same bytes.
    workers : int, optional
        Local processes (1 runs here); default one per core, but at most one per 32
        scenarios (a process pool costs about a second to start).
    scheduler : str or distributed.Client, optional
        Run on this Dask cluster instead (``tcp://host:8786``).
    prune : bool
        Simulate equivalent elements and covered pairs once (default) or every one.
    incremental : bool
        Reuse the baseline and memoised layer-2 views (default) or simulate every
        scenario from scratch (same results, slower: for measuring and checking).
    window : int (ms) or str, optional
        How long each scenario runs (default 10 minutes; the fault is at 10 s).
    elements : sequence of str, optional
        Fail these elements (and their pairs) instead of enumerating ``kinds``.
    progress : callable, optional
        Called with ``(done, total)`` as scenarios finish.

    Raises
    ------
    UserError
        Bad depth, kind, window, worker count or element; Dask missing or unreachable.
    """
    chosen = parse_kinds(kinds) if kinds else default_kinds(lab)
    window_ms = _window(window, DEFAULT_WINDOW_MS, "window")
    if window_ms <= DEFAULT_AT_MS:
        raise UserError(
            f"--window must be longer than the {DEFAULT_AT_MS // 1000} s before the fault"
        )
    if workers is not None and workers < 1:
        raise UserError(f"--workers must be at least 1 (got {workers})")
    if workers is not None and scheduler is not None:
        raise UserError(
            "--workers sizes the local process pool; with --scheduler the Dask cluster's "
            "workers run the sweep: give one or the other"
        )
    plan = plan_sweep(lab, depth=depth, kinds=chosen, prune=prune, elements=elements)
    job = SweepJob.of(
        lab, seed=seed, at_ms=DEFAULT_AT_MS, window_ms=window_ms, incremental=incremental
    )
    scenarios = [f.elements for f in plan.faults]
    if scheduler is not None:
        from hvlab.sweep.dask import run_dask

        outcomes = run_dask(job, scenarios, scheduler=scheduler, progress=progress)
    else:
        if workers is None:  # by default, no more processes than the sweep is worth
            count = max(1, min(default_workers(), len(scenarios) // _MIN_PER_WORKER))
        else:
            count = workers
        outcomes = run_local(job, scenarios, workers=count, progress=progress)
    notes = [
        "each scenario: the element(s) fail at 10 s, nothing is repaired, the run lasts "
        f"{window_ms / 1000:g} s; impact is counted against a run with nothing failed",
        "a rack stands for a power feed: the lab has no separate power model",
        *kind_notes(plan, outcomes),
    ]
    return SweepResult(
        lab=lab.name,
        plan=plan,
        ranking=rank(plan.faults, outcomes),
        seed=seed,
        at_ms=DEFAULT_AT_MS,
        window_ms=window_ms,
        notes=tuple(notes),
    )
