"""HV4xx — compute and VMs: integration services, memory, placement."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from hvlab.cluster.placement import PlacementResult
from hvlab.model.lab import Lab
from hvlab.model.units import format_bytes
from hvlab.model.vm import VirtualMachine
from hvlab.rules.base import Context, Hit
from hvlab.rules.registry import rule

# The integration services version each Windows Server release ships (its vmguest.iso);
# a host that says nothing offers its release's version.
OFFERED_BY_OS = {
    "WindowsServer2008": "6.0.6001.18016",
    "WindowsServer2008R2": "6.1.7601.17514",
    "WindowsServer2012": "6.2.9200.16384",
    "WindowsServer2012R2": "6.3.9600.16384",
}


@functools.lru_cache(maxsize=4096)
def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:4])


@rule(
    "HV401",
    title="A guest runs integration services older than its cluster offers",
    severity="warning",
    message="{vm} runs integration services {guest}; {cluster} offers {offered} (on {host})",
    rationale=(
        "Integration services (heartbeat, time sync, shutdown, KVP, VSS, synthetic drivers) "
        "must match the host. Older ones miss fixes and features, and Hyper-V logs event "
        "4010 in the Integration-Admin log for every such guest on every start. A VM can "
        "move to any node, so it must match the newest version in its cluster."
    ),
    fix=(
        "Upgrade integration services in {vm} (Action > Insert Integration Services Setup "
        "Disk, or Windows Update for guests that get them from it) to {offered}."
    ),
    references=(
        "Field notes: 'Integration Services Version Check Via Hyper-V Integration/Admin Event Log'",
        "https://learn.microsoft.com/windows-server/virtualization/hyper-v/manage/manage-hyper-v-integration-services",
    ),
)
def integration_services_older(ctx: Context) -> Iterator[Hit]:
    """Fire for every VM whose integration services are older than the newest its cluster offers."""
    lab = ctx.lab
    for vm in lab.vms.values():
        if not vm.integration_services:
            continue
        nodes = lab.clusters[vm.cluster].nodes if vm.cluster in lab.clusters else ()
        if not nodes and vm.host:
            nodes = (vm.host,)
        offers = []
        for node in nodes:
            host = lab.hosts.get(node)
            if host is None:
                continue
            offered = host.integration_services
            if not offered:
                ctx.require("host_os")
                offered = OFFERED_BY_OS.get(host.os)
            if offered:
                offers.append((_version(offered), offered, node))
        if not offers:
            continue
        best = max(offers)
        if _version(vm.integration_services) < best[0]:
            yield Hit(
                ("vms", vm.name, "integration_services"),
                {
                    "vm": vm.name,
                    "guest": vm.integration_services,
                    "offered": best[1],
                    "host": best[2],
                    "cluster": vm.cluster or best[2],
                },
            )


# --- Placement: what one node failure does ------------------------------------------------
_POLICIES = (
    "https://techcommunity.microsoft.com/t5/failover-clustering/"
    "understanding-hyper-v-virtual-machine-vm-failover-policies/ba-p/371664"
)
_AFFINITY = "https://learn.microsoft.com/windows-server/failover-clustering/cluster-affinity"
_PREFERRED = "https://learn.microsoft.com/powershell/module/failoverclusters/set-clusterownernode"
_FAILBACK = (
    "https://learn.microsoft.com/previous-versions/windows/desktop/mscs/groups-autofailbacktype"
)
_RUNNING = ("Running", "Paused")


def cluster_labs(ctx: Context) -> dict[str, Lab]:
    """Return cluster name → a copy of the lab holding only the VMs that matter to it.

    Placement and saved-state answers for a cluster depend on its own VMs and on the VMs
    (of any cluster, or none) that run on its nodes and use their memory; every other VM
    is left out so each engine call is proportional to the cluster, not the site.
    """

    def compute() -> dict[str, Lab]:
        lab = ctx.lab
        node_cluster = {n: c.name for c in lab.clusters.values() for n in c.nodes}
        members: dict[str, dict[str, VirtualMachine]] = {c: {} for c in lab.clusters}
        for vm in lab.vms.values():
            if vm.cluster in members:
                members[vm.cluster][vm.name] = vm
            home = node_cluster.get(vm.host) if vm.host else None
            if home is not None and home != vm.cluster:
                members[home][vm.name] = vm
        return {c: lab.model_copy(update={"vms": vms}) for c, vms in members.items()}

    found: dict[str, Lab] = ctx.cached("compute.cluster_labs", compute)
    return found


def placement(ctx: Context, cluster: str, node: str) -> PlacementResult:
    """Return where the VMs of ``node`` go when it fails (:func:`hvlab.cluster.place`), once."""
    from hvlab.cluster.placement import place

    cache: dict[tuple[str, str], PlacementResult] = ctx.cached("compute.placements", dict)
    key = (cluster, node)
    if key not in cache:
        sub = cluster_labs(ctx)[cluster]
        cache[key] = place(sub, sub.clusters[cluster], {node})
    return cache[key]


def _running_on(ctx: Context, cluster: str) -> dict[str, list[VirtualMachine]]:
    """Return host → the running VMs on it, of the cluster's reduced lab (once)."""

    def compute() -> dict[str, list[VirtualMachine]]:
        out: dict[str, list[VirtualMachine]] = {}
        for vm in cluster_labs(ctx)[cluster].vms.values():
            if vm.host and vm.state in _RUNNING:
                out.setdefault(vm.host, []).append(vm)
        return out

    found: dict[str, list[VirtualMachine]] = ctx.cached(f"compute.running.{cluster}", compute)
    return found


def _surely_fits(ctx: Context, cluster: str, node: str) -> bool:
    """Return True when every VM of ``node`` is sure to restart on the other nodes.

    Memory-aware placement starts a VM on a node with its startup memory free. When the
    survivors' free memory, less everything that must move, is still at least (survivors x
    the largest VM moving), some survivor has room for each VM whatever the order
    (pigeonhole), so nothing fails; possible owners and enforced anti-affinity can still
    refuse nodes, so VMs with those are always placed for real.
    """
    from hvlab.cluster.placement import host_capacity

    sub = cluster_labs(ctx)[cluster]
    c = sub.clusters[cluster]
    if c.enforced_anti_affinity:
        return False
    running = _running_on(ctx, cluster)
    leaving = [vm for vm in running.get(node, ()) if vm.cluster == cluster]
    if any(vm.possible_owners for vm in leaving):
        return False
    survivors = [n for n in c.nodes if n != node and n in sub.hosts]
    if not leaving:
        return True
    if not survivors:
        return False
    free = 0
    for n in survivors:
        memory, reserve, _ = host_capacity(sub, n)
        free += memory - reserve - sum(vm.memory.startup for vm in running.get(n, ()))
    need = sum(vm.memory.startup for vm in leaving)
    largest = max(vm.memory.startup for vm in leaving)
    return free - need >= len(survivors) * largest


@rule(
    "HV402",
    title="One node failure puts anti-affined VMs on the same node",
    severity="warning",
    message=(
        "{cluster}: when {node} fails, {vms} (AntiAffinityClassNames {cls}) end up together "
        "on {target} although {survivors} nodes remain"
    ),
    rationale=(
        "AntiAffinityClassNames keeps VMs of one service (domain controllers, SQL replicas, "
        "web farm members) on different nodes so that one node failure takes out only one "
        "of them. It is a preference: when no other node has room, failover ignores it. "
        "hvlab fails each node in turn, places its VMs as the cluster would "
        "(hvlab.cluster.placement) and reports a class brought together although there are "
        "at least as many surviving nodes as members (co-location forced by too few nodes "
        "is not reported)."
    ),
    fix=(
        "Leave room for the {cls} VMs on more nodes (memory), widen their possible owners, "
        "or set ClusterEnforcedAntiAffinity = 1 (Windows Server 2016+) to keep them apart."
    ),
    references=(_AFFINITY, _POLICIES),
)
def anti_affinity_colocated(ctx: Context) -> Iterator[Hit]:
    """Fire for each anti-affinity class that some single node failure co-locates needlessly."""
    ctx.require("placement", "host_resources")
    lab = ctx.lab
    reported: set[tuple[str, str]] = set()
    for name, sub in cluster_labs(ctx).items():
        cluster = sub.clusters[name]
        running = _running_on(ctx, name)
        for node in cluster.nodes:
            movers = [v for v in running.get(node, ()) if v.cluster == name and v.anti_affinity]
            if movers:
                yield from _colocated(ctx, lab, sub, name, node, reported)


def _colocated(
    ctx: Context, lab: Lab, sub: Lab, name: str, node: str, reported: set[tuple[str, str]]
) -> Iterator[Hit]:
    cluster = sub.clusters[name]
    result = placement(ctx, name, node)
    survivors = [n for n in cluster.nodes if n != node]
    where = {
        vm.name: vm.host
        for vm in sub.vms.values()
        if vm.cluster == name and vm.state in _RUNNING and vm.host
    }
    before = dict(where)
    for vm_name in dict.fromkeys(p.vm for p in result.placements):
        final = result.of(vm_name)
        if final.status == "started" and final.target:
            where[vm_name] = final.target
        else:
            where.pop(vm_name, None)
    classes: dict[str, list[str]] = {}
    for vm_name in where:
        for cls in sub.vms[vm_name].anti_affinity:
            classes.setdefault(cls, []).append(vm_name)
    for cls, vms in sorted(classes.items()):
        if (name, cls) in reported or len(vms) > len(survivors):
            continue
        by_node: dict[str, list[str]] = {}
        for vm_name in vms:
            by_node.setdefault(where[vm_name], []).append(vm_name)
        for target, together in sorted(by_node.items()):
            was = {before.get(v) for v in together}
            if len(together) > 1 and len(was) > 1:
                reported.add((name, cls))
                first = min(together, key=list(lab.vms).index)
                yield Hit(
                    ("vms", first, "anti_affinity"),
                    {
                        "cluster": name,
                        "node": node,
                        "vms": ", ".join(together),
                        "cls": cls,
                        "target": target,
                        "survivors": len(survivors),
                    },
                )
                break


@rule(
    "HV403",
    title="A VM needs more memory than any node it may run on can give",
    severity="error",
    message=(
        "{vm} needs {memory} at startup; the most any of its nodes can give is {best} "
        "({node}: memory less host reserve)"
    ),
    rationale=(
        "A VM starts only on a host with its startup memory free after the host's reserve; "
        "bigger than every candidate node, it never starts and cannot fail over (field "
        "notes: 'One option we considered was that SCVMM2008R2 didn't want to assign that "
        'much memory as one of the old host was still a member of the cluster and "only" '
        "has 48GB of RAM')."
    ),
    fix="Give {vm} less startup memory (or Dynamic Memory), or add memory to its nodes.",
    references=(
        "Field notes: 'Assigning Large Memory To Virtual Machine Fails: Event ID 3320 & 3050'",
        _POLICIES,
    ),
)
def vm_larger_than_nodes(ctx: Context) -> Iterator[Hit]:
    """Fire for each VM whose startup memory exceeds every candidate node's capacity."""
    ctx.require("host_resources")
    from hvlab.cluster.placement import host_capacity

    lab = ctx.lab
    capacity: dict[str, int] = {}
    for host in lab.hosts:
        memory, reserve, _ = host_capacity(lab, host)
        capacity[host] = memory - reserve
    for vm in lab.vms.values():
        if vm.cluster and vm.cluster in lab.clusters:
            nodes = list(lab.clusters[vm.cluster].nodes)
            if vm.possible_owners:
                nodes = [n for n in nodes if n in vm.possible_owners] or nodes
        elif vm.host:
            nodes = [vm.host]
        else:
            continue
        known = [n for n in nodes if n in capacity]
        if not known:
            continue
        best = max(known, key=lambda n: capacity[n])
        if vm.memory.startup > capacity[best]:
            yield Hit(
                ("vms", vm.name, "memory"),
                {
                    "vm": vm.name,
                    "memory": format_bytes(vm.memory.startup),
                    "best": format_bytes(max(capacity[best], 0)),
                    "node": best,
                },
            )


@rule(
    "HV404",
    title="The cluster cannot restart every VM after a single node failure (N+1)",
    severity="error",
    message="{cluster}: when {node} fails, {count} VM(s) cannot restart: {vms}",
    rationale=(
        "A cluster is sized N+1 when the surviving nodes can start every VM of any one "
        "failed node. hvlab fails each node in turn and places its VMs as the cluster "
        "would (priority, preferred owners, memory-aware placement, preemption of lower "
        "priorities); VMs that fit nowhere stay Failed until the node returns."
    ),
    fix=(
        "Add memory or a node to {cluster}, lower VM memory, or set the priority of less "
        "important VMs to Low / NoAutoStart so the rest fit."
    ),
    references=(_POLICIES,),
)
def n_plus_one(ctx: Context) -> Iterator[Hit]:
    """Fire for each cluster with a node whose failure leaves VMs unable to restart."""
    ctx.require("host_resources", "placement")
    worst: dict[str, tuple[int, str, list[str]]] = {}
    for name, sub in cluster_labs(ctx).items():
        for node in sub.clusters[name].nodes:
            if node in sub.hosts and not _surely_fits(ctx, name, node):
                _n_plus_one_node(ctx, sub, name, node, worst)
    for name, (count, node, stuck) in sorted(worst.items()):
        shown = ", ".join(stuck[:8]) + (f" and {count - 8} more" if count > 8 else "")
        yield Hit(
            ("clusters", name),
            {"cluster": name, "node": node, "count": count, "vms": shown},
        )


def _n_plus_one_node(
    ctx: Context, sub: Lab, name: str, node: str, worst: dict[str, tuple[int, str, list[str]]]
) -> None:
    cluster = sub.clusters[name]
    result = placement(ctx, name, node)
    stuck = []
    for vm_name in dict.fromkeys(p.vm for p in result.placements):
        vm = sub.vms[vm_name]
        owners = [n for n in (vm.possible_owners or cluster.nodes) if n in cluster.nodes]
        if len(set(owners)) < 2:
            continue  # HV406: it has nowhere to go by design
        if result.of(vm_name).status == "failed":
            stuck.append(vm_name)
    if stuck and (name not in worst or len(stuck) > worst[name][0]):
        worst[name] = (len(stuck), node, stuck)


@rule(
    "HV405",
    title="Preferred owners naming fewer than two nodes of the cluster",
    severity="warning",
    message="{vm}: preferred owners {owners} name {count} node(s) of {cluster}",
    rationale=(
        "Preferred owners order where a VM goes when its node fails and where it fails "
        "back to. With a single preferred node (or names that are not cluster nodes) the "
        "failover target falls to the cluster's node order: every VM preferring that node "
        "piles onto the same next node, and failback pulls them all back at once."
    ),
    fix="List at least two nodes of {cluster} (in order) as preferred owners of {vm}, or none.",
    references=(_PREFERRED, _FAILBACK, _POLICIES),
)
def preferred_owners_few(ctx: Context) -> Iterator[Hit]:
    """Fire for each clustered VM whose preferred owners hold fewer than two cluster nodes."""
    yield from _few_owners(ctx, "preferred_owners")


@rule(
    "HV406",
    title="Possible owners leave a VM no node to fail over to",
    severity="warning",
    message="{vm}: possible owners {owners} allow {count} node(s) of {cluster}",
    rationale=(
        "Possible owners restrict the nodes a clustered VM may ever run on. With fewer "
        "than two cluster nodes allowed, the VM is highly available in name only: when its "
        "node fails it stays Failed."
    ),
    fix="Allow {vm} at least two nodes of {cluster} (Set-ClusterOwnerNode), or clear the list.",
    references=(_PREFERRED, _POLICIES),
)
def possible_owners_few(ctx: Context) -> Iterator[Hit]:
    """Fire for each clustered VM whose possible owners allow fewer than two cluster nodes."""
    yield from _few_owners(ctx, "possible_owners")


@rule(
    "HV407",
    title="Cluster nodes offer different integration services versions",
    severity="warning",
    message="{cluster}: nodes offer integration services {versions}",
    rationale=(
        "Guests must match the host they run on, and a clustered VM runs on any node: 'all "
        "the hosts in a cluster should be running the same version as well as the guests' "
        "(field notes). A node behind on its updates makes every guest that moves to it "
        "(or away from it) mismatched."
    ),
    fix="Bring every node of {cluster} to the same update level (the newest: {newest}).",
    references=(
        "Field notes: 'Integration Services Version Check Via Hyper-V Integration/Admin Event Log'",
        "https://learn.microsoft.com/windows-server/virtualization/hyper-v/manage/manage-hyper-v-integration-services",
    ),
)
def nodes_integration_services(ctx: Context) -> Iterator[Hit]:
    """Fire for each cluster whose nodes offer more than one integration services version."""
    lab = ctx.lab
    for cluster in lab.clusters.values():
        offers: dict[str, list[str]] = {}
        for node in cluster.nodes:
            host = lab.hosts.get(node)
            if host is None:
                continue
            offered = host.integration_services
            if not offered:
                ctx.require("host_os")
                offered = OFFERED_BY_OS.get(host.os)
            if offered:
                offers.setdefault(offered, []).append(node)
        if len(offers) > 1:
            ordered = sorted(offers, key=_version)
            yield Hit(
                ("clusters", cluster.name, "nodes"),
                {
                    "cluster": cluster.name,
                    "versions": "; ".join(f"{v} ({', '.join(offers[v])})" for v in ordered),
                    "newest": ordered[-1],
                },
            )


def _few_owners(ctx: Context, field: str) -> Iterator[Hit]:
    """Yield a hit for each clustered VM whose owner list ``field`` names < 2 of its nodes."""
    ctx.require("placement")
    lab = ctx.lab
    for vm in lab.vms.values():
        owners: tuple[str, ...] = getattr(vm, field)
        if not owners or not vm.cluster or vm.cluster not in lab.clusters:
            continue
        cluster = lab.clusters[vm.cluster]
        valid = {n for n in owners if n in cluster.nodes}
        if len(valid) < 2 and len(cluster.nodes) >= 2:
            yield Hit(
                ("vms", vm.name, field),
                {
                    "vm": vm.name,
                    "owners": ", ".join(owners),
                    "count": len(valid),
                    "cluster": cluster.name,
                },
            )
