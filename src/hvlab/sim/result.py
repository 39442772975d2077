"""What a simulation returns: a timeline and the impact on every VM and service."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Impact", "ReplicationRow", "SimResult", "TimelineEntry"]


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One thing that happened: when (ms), what, to which object, and why."""

    t_ms: int
    event: str
    object: str
    why: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return the entry as DESIGN.md's ``simulate`` JSON spells it (``t`` in seconds)."""
        out: dict[str, Any] = {"t": self.t_ms / 1000, "event": self.event, "object": self.object}
        if self.why:
            out["why"] = self.why
        return out


@dataclass(frozen=True, slots=True)
class Impact:
    """What one VM or service felt over the run.

    ``downtime_ms``: not running or not reachable; ``degraded_ms``: reachable with
    less than its configured bandwidth or redundancy; ``data_loss_ms``: the span of
    writes lost (Hyper-V Replica unplanned failover); ``intervals`` and
    ``degraded_intervals``: each ``(start, end)`` ms span it was down (degraded), whose
    lengths add up to ``downtime_ms`` (``degraded_ms``); ``bandwidth_lost_bps``: the most
    uplink bandwidth its virtual switches lost at once while it ran (team or SET members
    down).
    """

    object: str
    downtime_ms: int
    degraded_ms: int = 0
    data_loss_ms: int = 0
    state: str = ""
    where: str = ""
    intervals: tuple[tuple[int, int], ...] = ()
    degraded_intervals: tuple[tuple[int, int], ...] = ()
    bandwidth_lost_bps: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Return the impact as the ``simulate`` JSON contract spells it (seconds)."""
        return {
            "object": self.object,
            "downtime_s": self.downtime_ms / 1000,
            "degraded_s": self.degraded_ms / 1000,
            "data_loss_s": self.data_loss_ms / 1000,
            "state": self.state,
            "where": self.where,
            "intervals": [[a / 1000, b / 1000] for a, b in self.intervals],
            "degraded_intervals": [[a / 1000, b / 1000] for a, b in self.degraded_intervals],
            "bandwidth_lost_bps": self.bandwidth_lost_bps,
        }


@dataclass(frozen=True, slots=True)
class ReplicationRow:
    """Hyper-V Replica of one VM over the run: its effective RPO over time.

    ``rpo`` holds ``(t_ms, effective RPO ms)`` samples: at the start, at every change of
    the bandwidth replication gets, when the primary stops, and at the end (or at the
    failover). Between samples the RPO grows linearly while replication falls behind.
    """

    vm: str
    frequency_ms: int
    rpo: tuple[tuple[int, int], ...]
    failed_over: bool = False

    @property
    def worst_rpo_ms(self) -> int:
        """Return the largest effective RPO sampled."""
        return max((r for _, r in self.rpo), default=0)

    def as_dict(self) -> dict[str, Any]:
        """Return the row as ``simulate --format json`` prints it (seconds)."""
        return {
            "vm": self.vm,
            "frequency_s": self.frequency_ms / 1000,
            "failed_over": self.failed_over,
            "rpo": [{"t": t / 1000, "rpo_s": r / 1000} for t, r in self.rpo],
        }


@dataclass(frozen=True)
class SimResult:
    """A finished run: the scenario, the timeline, the impact, the assumptions used."""

    lab: str
    scenario: str
    seed: int
    duration_ms: int
    timeline: tuple[TimelineEntry, ...]
    impact: tuple[Impact, ...]
    assumptions: tuple[dict[str, Any], ...] = field(default=())
    replication: tuple[ReplicationRow, ...] = field(default=())
    events: int = 0
    """Kernel events run (for benchmarks; not part of the JSON)."""

    def impact_of(self, obj: str) -> Impact:
        """Return the impact row of ``obj`` (``vms.SQL1``, a virtual service, ...).

        Raises ``KeyError`` when no row has that name.
        """
        for row in self.impact:
            if row.object == obj:
                return row
        raise KeyError(obj)

    def as_dict(self) -> dict[str, Any]:
        """Return the run as ``hvlab simulate --format json`` prints it."""
        out: dict[str, Any] = {
            "lab": self.lab,
            "scenario": self.scenario,
            "seed": self.seed,
            "duration_s": self.duration_ms / 1000,
            "timeline": [e.as_dict() for e in self.timeline],
            "impact": [i.as_dict() for i in self.impact],
            "assumptions": list(self.assumptions),
        }
        if self.replication:
            out["replication"] = [r.as_dict() for r in self.replication]
        return out
