"""One sweep scenario: simulate a failure with the real engines and measure what it did.

:func:`evaluate` plays a one-step (or, for N-2, two-step) scenario through
:func:`hvlab.sim.engine.simulate` — the fault at ``at_ms`` (10 s), nothing repaired,
observed until ``window_ms`` (10 min) — and turns the result into an :class:`Outcome`
relative to a no-failure run of the same window (a VM already down with nothing failed
does not count against every fault):

* VM downtime, the VMs down and those still down at the end of the window;
* load-balancer virtual services down (time, and still down at the end);
* data lost (Hyper-V Replica unplanned failover);
* clusters that lost quorum and nodes removed from membership (timeline);
* VM time with a team member down ("degraded");
* cluster networks: for every pair of running nodes, the path before and after
  (:meth:`hvlab.l2.network.L2View.cluster_path`) — pairs left with no path, and pairs
  whose bottleneck dropped ("traffic pushed onto slower links"), with the switches
  the path now crosses.

Incremental
-----------
A :class:`Baseline` is built once per process and reused by every scenario: the
no-failure layer-2 view (whose forwarding caches stay warm), the no-failure run and
every cluster pair's baseline path. A :class:`ViewCache` memoises layer-2 views and
transitions (both pure functions of the lab and the Condition) and solves spanning
trees incrementally from the nearest cached view with
:func:`hvlab.l2.stp.solve_incremental` when the failure leaves the topology's costs
unchanged. The sweep hands that cache to the simulator (``simulate(views=...)``), which
otherwise rebuilds the baseline view for every scenario. Cluster paths are
recomputed only for pairs a fault can change: when no inter-switch port changes role
or state and no inter-switch cable goes down, only pairs with a node whose NICs or
host the fault touches. ``incremental=False`` runs every scenario from scratch; the
tests check both give the same bytes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from hvlab.condition import Condition
from hvlab.l2 import network as l2network
from hvlab.l2.fromlab import failures_from_condition, topology_from_lab
from hvlab.l2.network import L2Transition, L2View
from hvlab.l2.stp import solve, solve_incremental
from hvlab.l2.topology import Topology
from hvlab.model.lab import Lab
from hvlab.model.scenario import Scenario, Step
from hvlab.model.units import format_speed
from hvlab.sim.engine import simulate
from hvlab.sim.result import Impact, SimResult
from hvlab.sweep.faults import Footprints

__all__ = [
    "DEFAULT_AT_MS",
    "DEFAULT_WINDOW_MS",
    "Baseline",
    "CacheStats",
    "Outcome",
    "PathChange",
    "ViewCache",
    "evaluate",
]

DEFAULT_AT_MS = 10_000
"""When the fault happens in each scenario (ms): 10 s, like the example scenarios."""

DEFAULT_WINDOW_MS = 600_000
"""How long each scenario is observed (ms): 10 minutes from the start, nothing repaired."""

_QUORUM_LOST = "cluster lost quorum"
_NODE_REMOVED = "removed from cluster membership"


# -- layer-2 views: memoised and incremental ---------------------------------------------
@dataclass
class CacheStats:
    """What the view cache did: hits, views built, and how their spanning trees were solved."""

    hits: int = 0
    built: int = 0
    topology_reused: int = 0
    stp_incremental: int = 0
    stp_full: int = 0
    transition_hits: int = 0
    transitions: int = 0

    def as_dict(self) -> dict[str, int]:
        """Return the counters as a dict."""
        return dict(self.__dict__)


class ViewCache:
    """Layer-2 views of one lab, memoised per Condition, built incrementally.

    ``analyse`` and ``transition`` of :mod:`hvlab.l2.network` are pure functions of the
    lab and the Condition, so a view computed once can answer again. The no-failure view
    is kept for good; up to ``size`` others are kept, least recently used first out.
    """

    def __init__(self, lab: Lab, size: int = 16, footprints: Footprints | None = None) -> None:
        self.lab = lab
        self.size = size
        self.stats = CacheStats()
        self._lock = threading.RLock()
        self.footprints = footprints if footprints is not None else Footprints(lab)
        self.base: L2View = l2network.analyse(lab, Condition.none())
        # What a LAG's speed depends on: its member ports and their cables.
        atoms: set[str] = set()
        for sw in lab.switches.values():
            for lag in sw.lags:
                for member in self.footprints.lag_ports(sw.name, lag):
                    atoms.add(f"port:{member[0]}:{member[1]}")
                    cable = self.footprints.cable_at.get(member)
                    if cable is not None:
                        atoms.add(f"cable:{cable.element}")
        self._lag_atoms = frozenset(atoms)
        self._views: OrderedDict[Condition, L2View] = OrderedDict()
        self._transitions: OrderedDict[tuple[int, int], tuple[L2View, L2View, L2Transition]] = (
            OrderedDict()
        )

    def view(self, condition: Condition | None = None) -> L2View:
        """Return :func:`hvlab.l2.network.analyse` of the lab under ``condition``."""
        if not condition:
            return self.base
        with self._lock:
            found = self._views.get(condition)
            if found is not None:
                self._views.move_to_end(condition)
                self.stats.hits += 1
                return found
            built = self._build(condition)
            self._views[condition] = built
            if len(self._views) > self.size:
                self._views.popitem(last=False)
            self.stats.built += 1
            return built

    def _nearest(self, condition: Condition) -> L2View:
        best = self.base
        for cond, view in self._views.items():
            if (
                not cond.overrides
                and cond.failed < condition.failed
                and len(cond.failed) > len(best.condition.failed)
            ):
                best = view
        return best

    def _build(self, condition: Condition) -> L2View:
        lab = self.lab
        touched = self.footprints.union(str(e) for e in condition.failed)
        if not condition.overrides and not (touched & self._lag_atoms):
            # topology_from_lab reads the Condition only for the up members of LAGs: with
            # none of them touched, the topology is the baseline's.
            lt = replace(self.base.topology, condition=condition)
            self.stats.topology_reused += 1
        else:
            lt = topology_from_lab(lab, condition)
        failures = failures_from_condition(lt, condition)
        start = self._nearest(condition)
        before = start.stp.failures
        if (
            not condition.overrides
            and before.bridges <= failures.bridges
            and before.ports <= failures.ports
            and before.links <= failures.links
            and _same_topology(lt.topology, start.stp.topology)
        ):
            stp = start.stp
            for element in sorted(set(failures.elements()) - set(before.elements())):
                stp = solve_incremental(stp, element)
            self.stats.stp_incremental += 1
        else:
            stp = solve(lt.topology, failures)
            self.stats.stp_full += 1
        return L2View(lab, condition, lt, stp)

    def transition(self, before: L2View, after: L2View) -> L2Transition:
        """Return :func:`hvlab.l2.network.transition` between two views, memoised."""
        key = (id(before), id(after))
        with self._lock:
            found = self._transitions.get(key)
            if found is not None and found[0] is before and found[1] is after:
                self._transitions.move_to_end(key)
                self.stats.transition_hits += 1
                return found[2]
            result = l2network.transition(self.lab, before, after)
            self._transitions[key] = (before, after, result)
            if len(self._transitions) > self.size:
                self._transitions.popitem(last=False)
            self.stats.transitions += 1
            return result


def _same_topology(a: Topology, b: Topology) -> bool:
    """Return whether two topologies have the same bridges, ports and links (by value)."""
    return a is b or (a.bridges == b.bridges and a.ports == b.ports and a.links == b.links)


# -- results -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PathChange:
    """A pair of cluster nodes whose path on a cluster network got worse.

    ``after_bps`` is 0 when no path is left; ``via`` lists the switches the new path
    crosses that the old one did not.
    """

    cluster: str
    network: str
    a: str
    b: str
    before_bps: int
    after_bps: int
    via: tuple[str, ...] = ()

    @property
    def lost(self) -> bool:
        """Return True when the pair has no path left."""
        return self.after_bps == 0

    def as_dict(self) -> dict[str, Any]:
        """Return the change as plain data."""
        return {
            "cluster": self.cluster,
            "network": self.network,
            "nodes": [self.a, self.b],
            "before_bps": self.before_bps,
            "after_bps": self.after_bps,
            "via": list(self.via),
        }


@dataclass(frozen=True)
class Outcome:
    """What one failure (or pair) did, relative to the no-failure run.

    Times are milliseconds summed over objects; names are sorted.
    """

    elements: tuple[str, ...]
    vm_downtime_ms: int = 0
    vms_down: tuple[str, ...] = ()
    vms_lost: tuple[str, ...] = ()
    longest_vm_outage_ms: int = 0
    service_downtime_ms: int = 0
    services_down: tuple[str, ...] = ()
    services_lost: tuple[str, ...] = ()
    data_loss_ms: int = 0
    quorum_lost: tuple[str, ...] = ()
    nodes_removed: tuple[str, ...] = ()
    degraded_ms: int = 0
    vms_degraded: int = 0
    paths_lost: int = 0
    paths_slower: int = 0
    bandwidth_lost_bps: int = 0
    path_changes: tuple[PathChange, ...] = ()
    settle_ms: int = 0
    protocol: str = ""
    stp_port_changes: int = 0
    takes_down: tuple[tuple[str, int], ...] = ()
    chain: tuple[str, ...] = field(default=())


# -- the baseline --------------------------------------------------------------------------
PairKey = tuple[str, str, str, str]
BridgePair = tuple[int, str, str]


def _bridge_path(view: L2View, key: BridgePair) -> object:
    """Return what a cluster path takes from the bridges: the links from one to the other."""
    edges = view.forwarding.bridge_path(*key)
    if edges is None:
        return None
    return tuple((e.link, e.a, e.b, e.speed_bps, e.flow_bps, e.kind, e.mtu) for e in edges)


def _bridge_dependencies(
    view: L2View, pairs: Sequence[PairKey]
) -> tuple[dict[PairKey, frozenset[BridgePair]], dict[BridgePair, object]]:
    """Return, per node pair, the (VLAN, bridge, bridge) paths its cluster path is chosen from.

    :meth:`~hvlab.l2.network.L2View.cluster_path` picks the best pair of attachments of
    the two nodes (shortest bridge path, then fastest NICs) in the network's VLANs; for
    nodes the fault does not touch, the attachments stay the same, so the answer can
    only change if one of these bridge-to-bridge paths does.
    """
    fwd = view.forwarding
    deps: dict[PairKey, frozenset[BridgePair]] = {}
    for key in pairs:
        cluster, network, a, b = key
        vlans = set(fwd.network_vlans(cluster, network, a)) & set(
            fwd.network_vlans(cluster, network, b)
        )
        need: set[BridgePair] = set()
        for vlan in sorted(vlans):
            att = fwd.host_attachments(vlan)
            xs = {
                x.member.ref[0]
                for x in att.get(a, [])
                if x.endpoint.owner_kind == "host" and x.member.ref is not None
            }
            ys = {
                y.member.ref[0]
                for y in att.get(b, [])
                if y.endpoint.owner_kind == "host" and y.member.ref is not None
            }
            need.update((vlan, x, y) for x in xs for y in ys)
        deps[key] = frozenset(need)
    every = sorted(set().union(*deps.values())) if deps else []
    return deps, {bp: _bridge_path(view, bp) for bp in every}


@dataclass
class Baseline:
    """What every scenario of a sweep compares against, computed once per process.

    Attributes
    ----------
    lab : Lab
        The lab.
    seed, at_ms, window_ms : int
        The simulator seed, when the fault happens and how long each run lasts.
    incremental : bool
        Reuse views through a :class:`ViewCache` (else every scenario from scratch).
    """

    lab: Lab
    seed: int = 0
    at_ms: int = DEFAULT_AT_MS
    window_ms: int = DEFAULT_WINDOW_MS
    incremental: bool = True
    cache: ViewCache | None = field(init=False, default=None)
    view: L2View = field(init=False)
    run: SimResult = field(init=False)
    rows: dict[str, Impact] = field(init=False)
    pairs: tuple[PairKey, ...] = field(init=False)
    paths: dict[PairKey, tuple[int, frozenset[str]] | None] = field(init=False)
    footprints: Footprints = field(init=False)
    switch_cables: frozenset[str] = field(init=False)
    pair_bridges: dict[PairKey, frozenset[BridgePair]] = field(init=False)
    bridge_paths: dict[BridgePair, object] = field(init=False)

    def __post_init__(self) -> None:
        lab = self.lab
        self.footprints = Footprints(lab)
        if self.incremental:
            self.cache = ViewCache(lab, footprints=self.footprints)
            self.view = self.cache.base
        else:
            self.view = l2network.analyse(lab, Condition.none())
        self.run = self.simulate(())
        self.rows = {row.object: row for row in self.run.impact}
        pairs: list[PairKey] = []
        for cluster in lab.clusters.values():
            for network in cluster.networks:
                for i, a in enumerate(cluster.nodes):
                    pairs.extend((cluster.name, network, a, b) for b in cluster.nodes[i + 1 :])
        self.pairs = tuple(pairs)
        self.paths = {}
        for key in self.pairs:
            path = self.view.cluster_path(*key)
            self.paths[key] = None if path is None else (path.bottleneck_bps, path.crosses)
        self.pair_bridges, self.bridge_paths = _bridge_dependencies(self.view, self.pairs)
        self.switch_cables = frozenset(
            f"cable:{link.element}"
            for link in lab.links
            if all(e.partition(":")[0] in lab.switches for e in link.endpoints)
        )

    def scenario(self, elements: Sequence[str]) -> Scenario:
        """Return the scenario of ``elements`` failing together at ``at_ms``."""
        return Scenario(
            name=" + ".join(elements) or "baseline",
            description="hvlab sweep",
            duration=self.window_ms,
            steps=tuple(
                Step.model_validate({"at": f"{self.at_ms}ms", "down": e}) for e in elements
            ),
        )

    def simulate(self, elements: Sequence[str]) -> SimResult:
        """Return the simulator's run of ``elements`` failing (nothing: the baseline run)."""
        scenario = self.scenario(elements)
        return simulate(self.lab, scenario, seed=self.seed, until=self.window_ms, views=self.cache)

    def after(self, condition: Condition) -> tuple[L2View, L2Transition]:
        """Return the converged view under ``condition`` and the transition to it."""
        if self.cache is None:
            after = l2network.analyse(self.lab, condition)
            return after, l2network.transition(self.lab, self.view, after)
        after = self.cache.view(condition)
        return after, self.cache.transition(self.view, after)


# -- one scenario --------------------------------------------------------------------------
def _label(element: str) -> str:
    kind, _, rest = element.partition(":")
    words = {"nic": "NIC", "lag": "LAG", "csv": "CSV", "wan": "WAN link", "vm": "VM"}
    if kind == "link":
        return "cable " + rest.replace("~", " – ")
    return f"{words.get(kind, kind)} {rest}"


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word}es" if word.endswith(("s", "ch")) else f"{n} {word}s"


def _seconds(ms: int) -> str:
    """Return a duration for a sentence: ``0.05 s``, ``70 s``, ``8.2 min``, ``2.3 h``."""
    s = ms / 1000
    if s < 100:
        return f"{s:g} s"
    if s < 7200:
        return f"{s / 60:.1f} min"
    return f"{s / 3600:.1f} h"


def _speed(bps: int) -> str:
    """Return a speed for a sentence: ``1 Gbps``, ``2.5 Gbps``."""
    text = format_speed(bps)
    return f"{text[:-1]} {text[-1]}bps" if text[-1:].isalpha() and text[-1] != "s" else text


def _pairs_text(changes: Sequence[PathChange], limit: int = 3) -> str:
    shown = [f"{c.a}↔{c.b}" for c in changes[:limit]]
    more = len(changes) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _takes_down(footprint: frozenset[str], elements: Sequence[str]) -> tuple[tuple[str, int], ...]:
    own = set(elements) | {f"cable:{e}" for e in elements if e.startswith("link:")}
    counts: dict[str, int] = {}
    for atom in footprint:
        kind = atom.partition(":")[0]
        if atom in own:
            continue
        counts[kind] = counts.get(kind, 0) + 1
    return tuple(sorted(counts.items()))


_ATOM_WORDS = {
    "switch": "switch",
    "node": "host",
    "port": "switch port",
    "cable": "cable",
    "nic": "host NIC",
}


def _chain(o: Outcome, inter_switch: bool) -> tuple[str, ...]:
    steps: list[str] = []
    head = " + ".join(_label(e) for e in o.elements) + " down"
    parts = [_plural(n, _ATOM_WORDS[k]) for k, n in o.takes_down if k in _ATOM_WORDS]
    if parts:
        head += f" ({', '.join(parts)} down)"
    steps.append(head)
    if inter_switch:
        proto = (o.protocol or "stp").upper()
        if o.settle_ms:
            steps.append(f"{proto} reconverges in {_seconds(o.settle_ms)}")
        else:
            steps.append(f"{proto}: {_plural(o.stp_port_changes, 'port')} change role at once")
    for node in o.nodes_removed:
        steps.append(f"{node} removed from its cluster (no heartbeat)")
    for cluster in o.quorum_lost:
        steps.append(f"{cluster} lost quorum: the cluster stops")
    lost: dict[tuple[str, str], list[PathChange]] = {}
    slower: dict[tuple[str, str, int, int, tuple[str, ...]], list[PathChange]] = {}
    for c in o.path_changes:
        if c.lost:
            lost.setdefault((c.cluster, c.network), []).append(c)
        else:
            slower.setdefault((c.cluster, c.network, c.before_bps, c.after_bps, c.via), []).append(
                c
            )
    for (_, network), changes in sorted(lost.items()):
        steps.append(f"{network} {_pairs_text(changes)}: no path left")
    for (_, network, before, after, via), changes in sorted(slower.items()):
        where = f"via {', '.join(via)} " if via else ""
        steps.append(
            f"{network} {_pairs_text(changes)} now {where}({_speed(after)}, was {_speed(before)})"
        )
    if o.vms_down:
        text = (
            f"{_plural(len(o.vms_down), 'VM')} down, {_seconds(o.vm_downtime_ms)} "
            "VM downtime in all"
        )
        if o.vms_lost:
            text += f"; {len(o.vms_lost)} still down at the end"
        else:
            text += f"; all back within {_seconds(o.longest_vm_outage_ms)}"
        steps.append(text)
    for service in o.services_down:
        steps.append(
            f"virtual service {service} down"
            + (" (still down at the end)" if service in o.services_lost else "")
        )
    if o.data_loss_ms:
        steps.append(f"{_seconds(o.data_loss_ms)} of writes lost")
    if o.vms_degraded:
        steps.append(
            f"{_plural(o.vms_degraded, 'VM')} on a team with a member down "
            f"({_seconds(o.degraded_ms)} degraded in all)"
        )
    if len(steps) == 1 + inter_switch and not o.path_changes:
        steps.append("no measurable impact")
    return tuple(steps)


def evaluate(baseline: Baseline, elements: Sequence[str]) -> Outcome:
    """Simulate ``elements`` failing together and return what it did.

    Raises
    ------
    UserError
        An element name that does not resolve in the lab.
    """
    lab = baseline.lab
    elements = tuple(elements)
    result = baseline.simulate(elements)
    condition = Condition.from_elements(lab, elements)
    after, change = baseline.after(condition)
    footprint = baseline.footprints.union(elements)

    vm_down: list[tuple[str, int]] = []
    vms_lost: list[str] = []
    services_down: list[tuple[str, int]] = []
    services_lost: list[str] = []
    data_loss = degraded = vms_degraded = 0
    base_rows = baseline.rows
    for row in result.impact:
        base = base_rows.get(row.object)
        down = row.downtime_ms - (base.downtime_ms if base else 0)
        worse = row.degraded_ms - (base.degraded_ms if base else 0)
        data_loss += max(0, row.data_loss_ms - (base.data_loss_ms if base else 0))
        if row.object.startswith("vms."):
            name = row.object.removeprefix("vms.")
            if down > 0:
                vm_down.append((name, down))
                if not _vm_up_at_end(lab, condition, after, name, row):
                    vms_lost.append(name)
            if worse > 0:
                degraded += worse
                vms_degraded += 1
        elif row.object.startswith("load_balancers."):
            name = row.object.removeprefix("load_balancers.").replace(".virtual_services.", "/")
            if down > 0:
                services_down.append((name, down))
                if row.state == "down" and (base is None or base.state != "down"):
                    services_lost.append(name)
    quorum = sorted(
        {e.object.removeprefix("clusters.") for e in result.timeline if _QUORUM_LOST in e.event}
    )
    removed = sorted(
        {
            e.object.removeprefix("nodes.")
            for e in result.timeline
            if e.event.startswith(_NODE_REMOVED)
        }
    )

    lt = after.topology
    inter_switch = [c for c in change.changes if lt.peer((c.bridge, c.port)) is not None]
    changes = _path_changes(baseline, condition, after, footprint, bool(inter_switch), change)
    outcome = Outcome(
        elements=elements,
        vm_downtime_ms=sum(d for _, d in vm_down),
        vms_down=tuple(sorted(n for n, _ in vm_down)),
        vms_lost=tuple(sorted(vms_lost)),
        longest_vm_outage_ms=max((d for _, d in vm_down), default=0),
        service_downtime_ms=sum(d for _, d in services_down),
        services_down=tuple(sorted(n for n, _ in services_down)),
        services_lost=tuple(sorted(services_lost)),
        data_loss_ms=data_loss,
        quorum_lost=tuple(quorum),
        nodes_removed=tuple(removed),
        degraded_ms=degraded,
        vms_degraded=vms_degraded,
        paths_lost=sum(1 for c in changes if c.lost),
        paths_slower=sum(1 for c in changes if not c.lost),
        bandwidth_lost_bps=sum(c.before_bps - c.after_bps for c in changes if not c.lost),
        path_changes=changes,
        settle_ms=change.settle_ms if inter_switch else 0,
        protocol=change.protocol,
        stp_port_changes=len(inter_switch),
        takes_down=_takes_down(footprint, elements),
    )
    return _with_chain(outcome, bool(inter_switch))


def _with_chain(o: Outcome, inter_switch: bool) -> Outcome:
    return replace(o, chain=_chain(o, inter_switch))


def _vm_up_at_end(lab: Lab, condition: Condition, after: L2View, vm: str, row: Impact) -> bool:
    """Return whether the VM runs and is attached at the end of the run."""
    if row.state != "running" or not row.where or condition.is_down(f"vm:{vm}"):
        return False
    if not condition.host_is_up(lab, row.where):
        return False
    return after.vm_attachment_up(vm, host=row.where)


def _touched_hosts(
    baseline: Baseline, after: L2View, footprint: frozenset[str], change: L2Transition
) -> set[str]:
    lab = baseline.lab
    hosts = {a.split(":")[1] for a in footprint if a.startswith(("node:", "nic:"))}
    lt = after.topology
    for c in change.changes:
        lp = lt.ports.get((c.bridge, c.port))
        if lp is None:
            continue
        for sw, port in lp.members:
            link = baseline.footprints.cable_at.get((sw, port))
            if link is None:
                continue
            for end in link.endpoints:
                node = end.partition(":")[0]
                if node in lab.hosts:
                    hosts.add(node)
    return hosts


def _path_changes(
    baseline: Baseline,
    condition: Condition,
    after: L2View,
    footprint: frozenset[str],
    inter_switch: bool,
    change: L2Transition,
) -> tuple[PathChange, ...]:
    lab = baseline.lab
    pairs: Sequence[PairKey] = baseline.pairs
    if baseline.incremental:
        touched = _touched_hosts(baseline, after, footprint, change)
        if not inter_switch and not (footprint & baseline.switch_cables):
            pairs = [k for k in pairs if k[2] in touched or k[3] in touched]
        else:
            changed = {
                bp
                for bp, before in baseline.bridge_paths.items()
                if _bridge_path(after, bp) != before
            }
            deps = baseline.pair_bridges
            pairs = [k for k in pairs if k[2] in touched or k[3] in touched or deps[k] & changed]
    up: dict[str, bool] = {}
    out: list[PathChange] = []
    for key in pairs:
        before = baseline.paths[key]
        if before is None:
            continue
        cluster, network, a, b = key
        if not all(up.setdefault(n, condition.host_is_up(lab, n)) for n in (a, b)):
            continue
        path = after.cluster_path(cluster, network, a, b)
        if path is None:
            out.append(PathChange(cluster, network, a, b, before[0], 0))
        elif path.bottleneck_bps < before[0]:
            via = tuple(sorted(path.crosses - before[1]))
            out.append(PathChange(cluster, network, a, b, before[0], path.bottleneck_bps, via))
    return tuple(out)
