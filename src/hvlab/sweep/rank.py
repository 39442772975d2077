"""Ranking a sweep: the score, the categories, single points of failure, criticality.

The score
---------
Scenarios are ranked worst first by a **lexicographic** score — the first field that
differs decides:

1. clusters that lost quorum (count);
2. data lost (ms of writes, Hyper-V Replica);
3. VM downtime (ms, summed over VMs);
4. virtual-service downtime (ms, summed over a load balancer's virtual services);
5. cluster-network node pairs left with no path (count);
6. cluster-network node pairs pushed onto slower links (count), then the bandwidth they
   lost (bit/s, summed);
7. VM time with a team member down (ms, "degraded");

then fewer failed elements first (a single failure before a pair), then the element
names. Lexicographic, not weighted: no exchange rate between a minute of VM downtime
and a halved live-migration path is invented.

Categories
----------
* ``loss`` — something stays lost while the element is down: a cluster without quorum,
  lost writes, a VM or service still down at the end of the window, a cluster network
  split between running nodes, or cluster traffic on slower links.
* ``failover`` — VMs or services went down and came back by themselves (a node failure
  the cluster absorbs).
* ``degraded`` — only redundancy lost (a team member down).
* ``none`` — nothing measurable.

A **single point of failure** is a single element (class) in category ``loss``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hvlab.sweep.faults import DERIVED_KINDS, PRUNE_REASONS, Fault, SweepPlan
from hvlab.sweep.impact import Outcome

__all__ = [
    "CATEGORIES",
    "SCORE_FIELDS",
    "Ranked",
    "SweepResult",
    "category",
    "rank",
    "score",
]

SCORE_FIELDS = (
    "quorum_lost",
    "data_loss_ms",
    "vm_downtime_ms",
    "service_downtime_ms",
    "paths_lost",
    "paths_slower",
    "bandwidth_lost_bps",
    "degraded_ms",
)
"""The score's fields, most significant first (see the module docstring)."""

SCORE_TEXT = (
    "lexicographic, worst first: clusters that lost quorum, data lost, VM downtime, "
    "virtual-service downtime, cluster-network node pairs with no path, node pairs pushed "
    "onto slower links (then bandwidth lost), VM time with a team member down"
)

CATEGORIES = ("loss", "failover", "degraded", "none")
"""Categories from worst to mildest (see the module docstring)."""


def score(o: Outcome) -> tuple[int, ...]:
    """Return the score of an outcome: one int per :data:`SCORE_FIELDS` field."""
    return (
        len(o.quorum_lost),
        o.data_loss_ms,
        o.vm_downtime_ms,
        o.service_downtime_ms,
        o.paths_lost,
        o.paths_slower,
        o.bandwidth_lost_bps,
        o.degraded_ms,
    )


def category(o: Outcome) -> str:
    """Return ``loss``, ``failover``, ``degraded`` or ``none`` for an outcome."""
    if (
        o.quorum_lost
        or o.data_loss_ms
        or o.vms_lost
        or o.services_lost
        or o.paths_lost
        or o.paths_slower
    ):
        return "loss"
    if o.vm_downtime_ms or o.service_downtime_ms:
        return "failover"
    if o.degraded_ms:
        return "degraded"
    return "none"


@dataclass(frozen=True)
class Ranked:
    """One scenario in the ranking.

    Attributes
    ----------
    rank : int
        1 = worst.
    fault : Fault
        What was failed and the element sets it stands for.
    outcome : Outcome
        What it did.
    category : str
        See :data:`CATEGORIES`.
    beyond_singles : bool
        For a pair: it causes a loss that neither of its elements causes alone.
    """

    rank: int
    fault: Fault
    outcome: Outcome
    category: str
    beyond_singles: bool = False

    @property
    def score(self) -> tuple[int, ...]:
        """Return the score (see :func:`score`)."""
        return score(self.outcome)

    @property
    def single_point_of_failure(self) -> bool:
        """Return True for a single failure in category ``loss``."""
        return self.fault.depth == 1 and self.category == "loss"

    def as_dict(self, max_paths: int = 20) -> dict[str, Any]:
        """Return the entry as plain data (at most ``max_paths`` path changes listed)."""
        o = self.outcome
        out: dict[str, Any] = {
            "rank": self.rank,
            "elements": list(self.fault.elements),
            "depth": self.fault.depth,
            "equivalent": [list(c) for c in self.fault.covers[1:]],
            "equivalence": self.fault.reason,
            "category": self.category,
            "single_point_of_failure": self.single_point_of_failure,
        }
        if self.fault.depth > 1:
            out["beyond_singles"] = self.beyond_singles
        out["score"] = dict(zip(SCORE_FIELDS, self.score, strict=True))
        out["impact"] = {
            "vms_down": list(o.vms_down),
            "vms_still_down": list(o.vms_lost),
            "longest_vm_outage_s": o.longest_vm_outage_ms / 1000,
            "services_down": list(o.services_down),
            "services_still_down": list(o.services_lost),
            "quorum_lost": list(o.quorum_lost),
            "nodes_removed": list(o.nodes_removed),
            "vms_degraded": o.vms_degraded,
            "spanning_tree": {
                "protocol": o.protocol,
                "inter_switch_port_changes": o.stp_port_changes,
                "settle_s": o.settle_ms / 1000,
            },
            "takes_down": dict(o.takes_down),
        }
        out["path_changes"] = [c.as_dict() for c in o.path_changes[:max_paths]]
        if len(o.path_changes) > max_paths:
            out["path_changes_not_listed"] = len(o.path_changes) - max_paths
        out["chain"] = list(o.chain)
        return out


def _sort_key(item: tuple[Fault, Outcome]) -> tuple[Any, ...]:
    fault, outcome = item
    return (tuple(-x for x in score(outcome)), fault.depth, fault.elements)


def rank(faults: Sequence[Fault], outcomes: Sequence[Outcome]) -> tuple[Ranked, ...]:
    """Return every scenario ranked worst first (see the module docstring)."""
    single: dict[str, str] = {}
    for fault, outcome in zip(faults, outcomes, strict=True):
        if fault.depth == 1:
            cat = category(outcome)
            for (member,) in fault.covers:
                single[member] = cat
    ordered = sorted(zip(faults, outcomes, strict=True), key=_sort_key)
    out: list[Ranked] = []
    for i, (fault, outcome) in enumerate(ordered, start=1):
        cat = category(outcome)
        beyond = (
            fault.depth > 1
            and cat == "loss"
            and all(single.get(e) != "loss" for e in fault.elements)
        )
        out.append(Ranked(i, fault, outcome, cat, beyond))
    return tuple(out)


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep: the plan, every scenario ranked, and notes.

    Attributes
    ----------
    lab : str
        The lab's name.
    plan : SweepPlan
        What was enumerated, simulated and pruned.
    ranking : tuple of Ranked
        Every simulated scenario, worst first.
    seed, at_ms, window_ms : int
        The simulator seed, when each fault happens and how long each run lasts.
    notes : tuple of str
        What the reader should know (assumptions, kinds without consequences).
    """

    lab: str
    plan: SweepPlan
    ranking: tuple[Ranked, ...]
    seed: int
    at_ms: int
    window_ms: int
    notes: tuple[str, ...] = ()

    @property
    def single_points_of_failure(self) -> tuple[Ranked, ...]:
        """Return the single failures in category ``loss``, worst first."""
        return tuple(r for r in self.ranking if r.single_point_of_failure)

    def top(self, n: int | None) -> tuple[Ranked, ...]:
        """Return the ``n`` worst scenarios (all when ``n`` is None)."""
        return self.ranking if n is None else self.ranking[: max(0, n)]

    def criticality(self) -> list[dict[str, Any]]:
        """Return one row per element: its N-1 rank, category and, at depth 2, pairs with loss.

        Rows are in the order of the N-1 ranking; elements that take nothing down (pruned
        as already down) come last with rank None.
        """
        by_member: dict[str, Ranked] = {}
        for r in self.ranking:
            if r.fault.depth == 1:
                for (member,) in r.fault.covers:
                    by_member[member] = r
        pairs_with_loss: dict[str, int] = {}
        if self.plan.depth > 1:
            for r in self.ranking:
                if r.fault.depth > 1 and r.category == "loss":
                    for covered in r.fault.covers:
                        for e in covered:
                            pairs_with_loss[e] = pairs_with_loss.get(e, 0) + 1
        rows: list[dict[str, Any]] = []
        for element in self.plan.elements:
            found = by_member.get(element)
            row: dict[str, Any] = {
                "element": element,
                "rank": found.rank if found else None,
                "class": found.fault.elements[0] if found else None,
                "category": found.category if found else "none",
                "single_point_of_failure": bool(found and found.single_point_of_failure),
                "score": dict(zip(SCORE_FIELDS, found.score, strict=True)) if found else None,
            }
            if self.plan.depth > 1:
                row["pairs_with_loss"] = pairs_with_loss.get(element, 0)
            rows.append(row)
        rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["element"]))
        return rows

    def counts(self) -> dict[str, Any]:
        """Return element and scenario counts: candidates, simulated and pruned per depth."""
        plan = self.plan
        return {
            "elements": len(plan.elements),
            "classes": len(plan.classes),
            "scenarios": {
                f"n-{d}": {
                    "candidates": plan.candidates.get(d, 0),
                    "simulated": plan.simulated(d),
                    "pruned": plan.pruned_count(d),
                }
                for d in sorted(plan.candidates)
            },
        }

    def as_dict(self, top: int | None = None) -> dict[str, Any]:
        """Return the sweep as ``hvlab sweep --format json`` prints it (deterministic)."""
        plan = self.plan
        return {
            "lab": self.lab,
            "depth": plan.depth,
            "kinds": list(plan.kinds),
            "seed": self.seed,
            "fault_at_s": self.at_ms / 1000,
            "window_s": self.window_ms / 1000,
            "score": {"fields": list(SCORE_FIELDS), "order": SCORE_TEXT},
            "counts": self.counts(),
            "pruned": [
                {"depth": p.depth, "reason": p.reason, "count": p.count, "why": p.text}
                for p in plan.pruned
            ],
            "single_points_of_failure": [
                {
                    "element": r.fault.elements[0],
                    "equivalent": [c[0] for c in r.fault.covers[1:]],
                    "rank": r.rank,
                    "chain": list(r.outcome.chain),
                }
                for r in self.single_points_of_failure
            ],
            "ranking": [r.as_dict() for r in self.top(top)],
            "ranking_not_listed": len(self.ranking) - len(self.top(top)),
            "criticality": self.criticality(),
            "notes": list(self.notes),
        }


def kind_notes(plan: SweepPlan, outcomes: Sequence[Outcome]) -> list[str]:
    """Return a note per kind that takes nothing else down and none of whose failures did anything.

    ``csv``, ``vm``, ``wan`` and ``site`` failures change nothing Condition derives; when
    the simulator shows no effect for any of them either, the reader should know that
    the zero is the simulator's answer for that kind, not a finding about the design.
    """
    seen: dict[str, list[int]] = {}
    for fault, outcome in zip(plan.faults, outcomes, strict=True):
        if fault.depth != 1:
            continue
        kind = fault.elements[0].partition(":")[0]
        if kind in DERIVED_KINDS:
            continue
        counts = seen.setdefault(kind, [0, 0])
        counts[0] += 1
        counts[1] += category(outcome) == "none"
    return [
        f"none of the {n} {kind}: failures had any effect in the simulation: the simulator "
        f"may not model {kind}: failures yet (see docs/sweep.md), so read their rows as "
        "'not simulated', not as 'redundant'"
        for kind, (n, quiet) in seen.items()
        if n and quiet == n
    ]


def reasons_text(pruned: Mapping[str, int]) -> list[str]:
    """Return one line per prune reason: ``24 same-parts: fail the same parts ...``."""
    return [f"{n} {reason}: {PRUNE_REASONS.get(reason, reason)}" for reason, n in pruned.items()]
