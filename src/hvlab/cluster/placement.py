"""Where the VMs of failed nodes go: the failover placement of a Hyper-V cluster.

:func:`place` follows the documented failover policies, in this order for each VM:

1. **Priority** (Windows Server 2012+): ``High`` (3000) VMs are placed first, then
   ``Medium`` (2000), then ``Low`` (1000); ``NoAutoStart`` (0) VMs move but are not
   started. Before 2012 every VM is treated alike (no priorities, no preemption).
2. **FailoverThreshold / FailoverPeriod**: a group that already failed over
   ``FailoverThreshold`` times (default: nodes - 1) within ``FailoverPeriod`` (6 h) is
   left Failed.
3. **Possible owners** restrict the nodes a VM may run on; a VM with no possible owner up
   stays Failed.
4. **Node order**. With *preferred owners* the cluster's list is the preferred owners
   followed by every other node; the VM goes to the next node *after the failed one* in
   that list, wrapping round (KB 299631; "Preferred Owners in a Cluster", Failover
   Clustering blog). Without preferred owners it goes to the node hosting the fewest
   groups ("Understanding Hyper-V Virtual Machine (VM) Failover Policies").
5. **Memory** (memory-aware placement, 2012+): a node fits when the VM's startup memory
   ≤ host memory − host reserve − startup memory of the VMs running there. (2008 R2 makes
   no such check: the start fails and the next node is tried, which places the VM on the
   same node in the end.)
6. **AntiAffinityClassNames**: the next node in order that hosts no anti-affined group is
   chosen; if all hosting nodes are anti-affined the rule is ignored — unless
   ``ClusterEnforcedAntiAffinity`` is 1 (``cluster.enforced_anti_affinity``), when those
   nodes are never used.
7. **Preemption** (2012+): when no node has room, lower-priority running VMs are taken
   offline to make room. A group can preempt when its priority ≥
   ``MinimumPreemptorPriority`` (1) and only groups of lower priority and below
   ``MinimumNeverPreemptPriority`` (3000: High is never preempted) are preempted.
   Preempted VMs are placed again afterwards under the same rules.
8. A VM that fits nowhere stays **Failed**.
9. **Sites** (Windows Server 2016 site-aware clusters, nodes with ``site:`` in two
   sites): the node order of step 4 is kept, but nodes in the group's preferred site
   (the VM's ``preferred_site``, else the cluster's ``PreferredSite``) come first; a
   group without either fails over within the failed node's site first ("failover
   affinity", "Site-aware Failover Clusters in Windows Server 2016").

Deterministic tie-breaks (unpublished; hvlab's choices): VMs of equal priority are placed
in lab-file order; among nodes with equally few groups the first after the failed node in
the cluster's node list wins; preemption victims are taken lowest priority first, then
largest memory first, then lab order, on the first node (in the VM's node order) where
preempting frees enough memory. Started VMs are queued per node in waves of 32
(the VM start throttle of "Understanding Hyper-V VM Failover Policies").
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Final, Literal

from hvlab.cluster.membership import cluster_os, lab_value, os_rank
from hvlab.defaults import DEFAULTS, failover_threshold, get_default
from hvlab.model.cluster import Cluster
from hvlab.model.lab import Lab
from hvlab.model.vm import VirtualMachine

__all__ = [
    "PRIORITY",
    "PlacementResult",
    "Preemption",
    "VmPlacement",
    "host_capacity",
    "place",
]

PRIORITY: Final[Mapping[str, int]] = {"High": 3000, "Medium": 2000, "Low": 1000, "NoAutoStart": 0}
"""Cluster group ``Priority`` values (CLUSTER_GROUP_PRIORITY, clusapi.h)."""

_MSCS = "https://learn.microsoft.com/en-us/previous-versions/windows/desktop/mscs/"
MINIMUM_PREEMPTOR_PRIORITY: Final = get_default("cluster.MinimumPreemptorPriority")
MINIMUM_NEVER_PREEMPT_PRIORITY: Final = get_default("cluster.MinimumNeverPreemptPriority")
VM_START_THROTTLE: Final = get_default("cluster.vm_start_throttle")
"""Defaults this module needs that :mod:`hvlab.defaults` does not have yet."""

Status = Literal["started", "not_started", "offline", "failed"]


@dataclass(frozen=True, slots=True)
class VmPlacement:
    """Where one VM ends up.

    Attributes
    ----------
    vm : str
    source : str
        The node it failed from (or was preempted on).
    target : str or None
        Its new owner node (``None`` when it stays Failed).
    status : {'started', 'not_started', 'offline', 'failed'}
        ``started`` on ``target``; ``not_started`` (``NoAutoStart``: moved, left off);
        ``offline`` (was not running: ownership moves, nothing starts); ``failed``.
    reason : str
        Why this node (or why none).
    start_wave : int or None
        For started VMs, which batch of ``cluster.vm_start_throttle`` (32) starts on the
        target it is in: 0 starts at once, 1 after the first batch, …
    """

    vm: str
    source: str
    target: str | None
    status: Status
    reason: str
    start_wave: int | None


@dataclass(frozen=True, slots=True)
class Preemption:
    """A running VM taken offline to make room for a higher-priority one.

    Hyper-V takes a preempted VM offline by its resource's offline action, which saves it
    (workinghardinit, "Understanding Virtual Machine Priority and Preemption Behavior":
    "the lower priority virtual machines go into a saved state"); it is then placed again.
    """

    vm: str
    node: str
    by: str


@dataclass(frozen=True, slots=True)
class PlacementResult:
    """The outcome of a failover placement.

    Attributes
    ----------
    placements : tuple of VmPlacement
        In decision order (priority, then lab order; preempted VMs after their preemptor's
        priority class).
    preempted : tuple of Preemption
    free_memory : tuple of (str, int)
        Bytes left for VMs on each surviving node afterwards.
    assumptions : tuple of str
        Keys of the assumed (unpublished) defaults used.
    """

    placements: tuple[VmPlacement, ...]
    preempted: tuple[Preemption, ...]
    free_memory: tuple[tuple[str, int], ...]
    assumptions: tuple[str, ...]

    def of(self, vm: str) -> VmPlacement:
        """Return the final placement of ``vm`` (the last decision about it)."""
        for p in reversed(self.placements):
            if p.vm == vm:
                return p
        raise KeyError(vm)


_CONSUMES = frozenset({"Running", "Paused"})


def host_capacity(lab: Lab, node: str) -> tuple[int, int, bool]:
    """Return ``(memory, host_reserve, reserve_assumed)`` in bytes for host ``node``.

    The reserve is the host's ``host_reserve`` or the ``hyperv.host_reserve`` default
    (2 GiB, an assumption: Microsoft publishes no root reserve for 2012+). A node missing
    from the lab has no memory.
    """
    host = lab.hosts.get(node)
    if host is None:
        return 0, 0, False
    if host.host_reserve is not None:
        return host.memory, host.host_reserve, False
    reserve = round(float(lab_value(lab, DEFAULTS["hyperv.host_reserve"])) * 2**20)
    return host.memory, reserve, True


def place(
    lab: Lab,
    cluster: Cluster | str,
    failed_nodes: Collection[str],
    *,
    down_nodes: Collection[str] = (),
    free_memory: Mapping[str, int] | None = None,
    failovers_in_period: Mapping[str, int] | None = None,
    os: str | None = None,
) -> PlacementResult:
    """Return where each VM of ``failed_nodes`` goes (see the module docstring).

    Parameters
    ----------
    lab : Lab
    cluster : Cluster or str
        The cluster (or its name in ``lab.clusters``).
    failed_nodes : collection of str
        Nodes whose VMs must be placed (they are unavailable as targets).
    down_nodes : collection of str
        Other nodes that cannot take VMs (down, isolated, quarantined, paused).
    free_memory : mapping of str to int, optional
        Bytes available for VMs per node, replacing hvlab's computation (host memory −
        reserve − startup memory of the VMs running there) for the nodes it names.
    failovers_in_period : mapping of str to int, optional
        Failovers each VM already made within ``FailoverPeriod``.
    os : str, optional
        Windows version (default: :func:`~hvlab.cluster.membership.cluster_os`).

    Returns
    -------
    PlacementResult

    Notes
    -----
    Sources: KB 299631 "Failover behavior on clusters of three or more nodes" and
    "Preferred Owners in a Cluster" (Failover Clustering blog, 2008/2019); "Understanding
    Hyper-V Virtual Machine (VM) Failover Policies" (fewest groups; 32 concurrent starts);
    group property ``AntiAffinityClassNames`` (the destination algorithm) and cluster
    property ``ClusterEnforcedAntiAffinity``; ``CLUSTER_GROUP_PRIORITY``; cluster
    properties ``MinimumPreemptorPriority`` (1) and ``MinimumNeverPreemptPriority``
    (3000); group properties ``FailoverThreshold``/``FailoverPeriod``; ``PlacementOptions``
    (memory is used unless ``DONT_USE_MEMORY``); "Clustered Hyper-V Virtual Machine
    Prioritization" (Petri, A. Finn) and "Understanding Virtual Machine Priority and
    Preemption Behavior" (workinghardinit, 2013).
    """
    clu = lab.clusters[cluster] if isinstance(cluster, str) else cluster
    version = os or cluster_os(lab, clu)
    modern = os_rank(version) >= os_rank("WindowsServer2012")
    nodes = list(clu.nodes)
    position = {n: i for i, n in enumerate(nodes)}
    failed = [n for n in nodes if n in set(failed_nodes)]
    unavailable = set(failed) | set(down_nodes)
    survivors = [n for n in nodes if n not in unavailable]
    assumptions: set[str] = set()

    failed_set = set(failed)
    lab_order: dict[str, int] = {}
    used: Counter[str] = Counter()
    members: list[VirtualMachine] = []
    leaving: list[VirtualMachine] = []
    for i, vm in enumerate(lab.vms.values()):
        lab_order[vm.name] = i
        if vm.host is not None and vm.state in _CONSUMES:
            used[vm.host] += vm.memory.startup
        if vm.cluster == clu.name:
            members.append(vm)
            if vm.host in failed_set:
                leaving.append(vm)
    free: dict[str, int] = {}
    for n in survivors:
        if free_memory is not None and n in free_memory:
            free[n] = free_memory[n]
            continue
        memory, reserve, assumed = host_capacity(lab, n)
        if assumed:
            assumptions.add("hyperv.host_reserve")
        free[n] = memory - reserve - used[n]
    groups: Counter[str] = Counter()
    classes: dict[str, Counter[str]] = {n: Counter() for n in survivors}
    running_on: dict[str, list[VirtualMachine]] = {n: [] for n in survivors}
    for vm in members:
        host = vm.host
        if host is not None and host in free:
            groups[host] += 1
            if vm.anti_affinity:
                classes[host].update(vm.anti_affinity)
            if vm.state in _CONSUMES:
                running_on[host].append(vm)

    threshold = failover_threshold(len(nodes))
    preemptor_min = int(lab_value(lab, MINIMUM_PREEMPTOR_PRIORITY))
    never_preempt = int(lab_value(lab, MINIMUM_NEVER_PREEMPT_PRIORITY))
    throttle = max(1, int(lab_value(lab, VM_START_THROTTLE)))
    enforced = clu.enforced_anti_affinity and modern

    def prio(vm: VirtualMachine) -> int:
        return PRIORITY[vm.priority] if modern else PRIORITY["Medium"]

    queue: list[tuple[int, int, str, str]] = []
    seq = 0
    for vm in leaving:
        assert vm.host is not None
        heapq.heappush(queue, (-prio(vm), seq, vm.name, vm.host))
        seq += 1

    placements: list[VmPlacement] = []
    preempted: list[Preemption] = []
    started_on: Counter[str] = Counter()
    counts = failovers_in_period or {}

    site = {n: lab.hosts[n].site if n in lab.hosts else None for n in nodes}
    site_aware = (
        os_rank(version) >= os_rank("WindowsServer2016")
        and len({s for s in site.values() if s is not None}) > 1
    )

    def node_order(vm: VirtualMachine, source: str, candidates: list[str]) -> list[str]:
        allowed = set(candidates)
        if vm.preferred_owners:
            pref = [n for n in vm.preferred_owners if n in position]
            full = pref + [n for n in nodes if n not in set(pref)]
            start = full.index(source) + 1 if source in full else 0
            order = [n for n in full[start:] + full[:start] if n in allowed]
        else:
            base = position.get(source, -1)
            order = sorted(
                candidates,
                key=lambda n: (groups[n], (position[n] - base - 1) % len(nodes)),
            )
        if site_aware:
            wanted = vm.preferred_site or clu.preferred_site or site.get(source)
            order.sort(key=lambda n: site[n] != wanted)  # stable: keeps the order within a site
        return order

    def conflicts(vm: VirtualMachine, node: str) -> bool:
        if not vm.anti_affinity:
            return False
        here = classes[node]
        return any(here[c] > 0 for c in vm.anti_affinity)

    def settle(vm: VirtualMachine, source: str, target: str, status: Status, why: str) -> None:
        old = vm.host if vm.host in classes else None
        if old is not None and old != target:
            if vm.anti_affinity:
                classes[old].subtract(vm.anti_affinity)
            groups[old] -= 1
        if vm.anti_affinity:
            classes[target].update(vm.anti_affinity)
        groups[target] += 1
        wave: int | None = None
        if status == "started":
            free[target] -= vm.memory.startup
            running_on[target].append(vm)
            wave = started_on[target] // throttle
            started_on[target] += 1
        placements.append(VmPlacement(vm.name, source, target, status, why, wave))

    while queue:
        _, _, name, source = heapq.heappop(queue)
        vm = lab.vms[name]
        need = vm.memory.startup
        if counts.get(name, 0) >= threshold:
            placements.append(
                VmPlacement(
                    name,
                    source,
                    None,
                    "failed",
                    f"FailoverThreshold reached ({counts[name]} failovers, threshold {threshold} "
                    "per FailoverPeriod of 6 h): the group is left Failed",
                    None,
                )
            )
            continue
        allowed = set(vm.possible_owners) if vm.possible_owners else None
        candidates = [n for n in survivors if allowed is None or n in allowed]
        if not candidates:
            placements.append(
                VmPlacement(name, source, None, "failed", "no possible owner is up", None)
            )
            continue
        order = node_order(vm, source, candidates)
        rule = "next preferred owner" if vm.preferred_owners else "node hosting the fewest groups"
        usable = [n for n in order if not (enforced and conflicts(vm, n))]
        if vm.state not in _CONSUMES or (modern and vm.priority == "NoAutoStart"):
            pool = [n for n in usable if not conflicts(vm, n)] or usable
            if not pool:
                placements.append(
                    VmPlacement(
                        name, source, None, "failed", "every possible owner is anti-affined", None
                    )
                )
                continue
            status: Status = "offline" if vm.state not in _CONSUMES else "not_started"
            why = "not running: ownership moves" if status == "offline" else "NoAutoStart"
            settle(vm, source, pool[0], status, f"{why} ({rule})")
            continue
        fits = [n for n in usable if free[n] >= need]
        clean = [n for n in fits if not conflicts(vm, n)]
        if clean:
            skipped = [n for n in fits[: fits.index(clean[0])] if conflicts(vm, n)]
            avoided = (
                f"; skipped {', '.join(skipped)}: hosts a VM of the same AntiAffinityClassNames"
                if skipped
                else ""
            )
            settle(vm, source, clean[0], "started", f"{rule} with enough memory{avoided}")
            continue
        if fits:
            settle(
                vm,
                source,
                fits[0],
                "started",
                f"{rule} with enough memory; AntiAffinityClassNames ignored: every node with "
                "room hosts an anti-affined group",
            )
            continue
        # Preemption.
        chosen: tuple[str, list[VirtualMachine]] | None = None
        if modern and prio(vm) >= preemptor_min:
            for prefer_clean in (True, False):
                for n in usable:
                    if prefer_clean and conflicts(vm, n):
                        continue
                    victims = sorted(
                        (
                            v
                            for v in running_on[n]
                            if v.cluster == clu.name
                            and prio(v) < prio(vm)
                            and prio(v) < never_preempt
                        ),
                        key=lambda v: (prio(v), -v.memory.startup, lab_order[v.name]),
                    )
                    room = free[n]
                    taken: list[VirtualMachine] = []
                    for v in victims:
                        if room >= need:
                            break
                        room += v.memory.startup
                        taken.append(v)
                    if room >= need and taken:
                        chosen = (n, taken)
                        break
                if chosen:
                    break
        if chosen is not None:
            n, taken = chosen
            for v in taken:
                running_on[n].remove(v)
                free[n] += v.memory.startup
                preempted.append(Preemption(v.name, n, name))
                heapq.heappush(queue, (-prio(v), seq, v.name, n))
                seq += 1
            settle(
                vm,
                source,
                n,
                "started",
                f"{rule}; preempted {', '.join(v.name for v in taken)} "
                "(lower priority) to make room",
            )
            continue
        best = max(usable, key=lambda n: free[n], default=None)
        detail = (
            f"; most free: {free[best]} bytes on {best}" if best is not None else "; no usable node"
        )
        check = "" if modern else " (tried every node: each start failed)"
        placements.append(
            VmPlacement(
                name,
                source,
                None,
                "failed",
                f"not enough memory on any possible owner: needs {need} bytes{detail}{check}",
                None,
            )
        )
    return PlacementResult(
        placements=tuple(placements),
        preempted=tuple(preempted),
        free_memory=tuple((n, free[n]) for n in survivors),
        assumptions=tuple(sorted(assumptions)),
    )
