"""HV2xx — the network: cluster networks and their paths, spanning tree, VLANs, MTU, loops.

The layer-2 rules ask the l2 facade (:func:`hvlab.l2.analyse` → ``L2View``,
:func:`hvlab.l2.find_problems`), imported inside the checks so every other rule works
without it. Answers are computed once per check (``ctx.cached``).

Reduced labs
    A path between two cluster nodes depends on the switches, the cables between switches
    and the cables of those two nodes, nothing else: hosts do not take part in spanning
    tree and do not forward between their NICs. The cluster-path rules therefore analyse a
    copy of the lab holding the switches (with only their cabled ports and LAG members),
    the switch-to-switch cables, and the hosts of a batch of clusters with their cables —
    the same paths as the whole lab, in a fraction of the time on a large site. Failure
    analyses (a LAG or cable down) use the switches alone: spanning tree and the
    forwarding graph of a VLAN between two switches do not depend on hosts either.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hvlab.errors import UserError
from hvlab.model.cluster import Cluster, ClusterNetwork
from hvlab.model.lab import Lab
from hvlab.model.network import Lag
from hvlab.model.units import format_speed
from hvlab.rules.base import Context, Hit, ObjectPath
from hvlab.rules.registry import rule

if TYPE_CHECKING:
    from hvlab.l2 import L2Problems, L2View, Path

_PART4 = (
    "Field notes: 'Introducing 10Gbps & Integrating It into Your Network Infrastructure (Part 4/4)'"
)
_ISCSI = (
    "Field notes: 'Direct Connect iSCSI Storage To Hyper-V Guest Benefits From VMQ & Jumbo Frames'"
)
_NETWORKS = (
    "https://learn.microsoft.com/previous-versions/windows/desktop/mscs/"
    "virtual-machines-migrationnetworkorder"
)
_CSV_NET = "https://learn.microsoft.com/previous-versions/windows/desktop/mscs/networks-metric"
_THRESHOLDS = (
    "https://techcommunity.microsoft.com/t5/failover-clustering/"
    "tuning-failover-cluster-network-thresholds/ba-p/371834"
)
_MSCS = "https://learn.microsoft.com/previous-versions/windows/desktop/mscs/"
_HB_2008 = (
    "https://learn.microsoft.com/previous-versions/windows/it-pro/windows-server-2008-R2-and-2008/"
    "dd197562(v=ws.10)"
)
_CLUSTER_ROLES = ("Cluster", "ClusterAndClient")
_INTER_SWITCH = ("link", "lag")


# --- Reduced labs ---------------------------------------------------------------------------
def _node(end: str) -> str:
    return end.partition(":")[0]


def _reduced(lab: Lab, hosts: Collection[str], clusters: Collection[str]) -> Lab:
    """Return the switches, the switch cables and the cables of ``hosts`` (module docstring)."""
    keep_hosts = set(hosts)
    links = tuple(
        link
        for link in lab.links
        if all(_node(e) in lab.switches or _node(e) in keep_hosts for e in link.endpoints)
    )
    ports: dict[str, set[str]] = {}
    for link in links:
        for end in link.endpoints:
            name, _, port = end.partition(":")
            if name in lab.switches:
                ports.setdefault(name, set()).add(port)
    for sw in lab.switches.values():
        for lag in sw.lags.values():
            for member in lag.members:
                owner, sep, port = member.rpartition(":")
                if sep and owner in lab.switches:
                    ports.setdefault(owner, set()).add(port)
                else:
                    ports.setdefault(sw.name, set()).add(member)
    switches = {
        name: sw.model_copy(
            update={"ports": {p: v for p, v in sw.ports.items() if p in ports.get(name, ())}}
        )
        for name, sw in lab.switches.items()
    }
    return lab.model_copy(
        update={
            "switches": switches,
            "links": links,
            "hosts": {h: lab.hosts[h] for h in hosts if h in lab.hosts},
            "clusters": {c: lab.clusters[c] for c in clusters},
            "vms": {},
            "load_balancers": {},
            "web_sites": {},
            "management": None,
            "scenarios": {},
        }
    )


def _fabric(ctx: Context) -> Lab:
    fabric: Lab = ctx.cached("l2.fabric.lab", lambda: _reduced(ctx.lab, (), ()))
    return fabric


def _fabric_view(ctx: Context) -> L2View:
    from hvlab.l2 import analyse

    view: L2View = ctx.cached("l2.fabric.view", lambda: analyse(_fabric(ctx)))
    return view


def _view(ctx: Context) -> L2View:
    """Return the layer-2 view of the whole lab (hosts, VMs, switches), computed once."""
    from hvlab.l2 import analyse

    view: L2View = ctx.cached("l2.view", lambda: analyse(ctx.lab))
    return view


def _problems(ctx: Context) -> L2Problems:
    from hvlab.l2 import find_problems

    found: L2Problems = ctx.cached("l2.problems", lambda: find_problems(_view(ctx)))
    return found


# --- Cluster paths --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Pair:
    """Two nodes of a cluster network and the path between them (None: no path)."""

    a: str
    b: str
    path: Path | None
    elements: tuple[str, ...]  # inter-switch elements the path crosses (lag:/port: names)


@dataclass(frozen=True, slots=True)
class _NetPaths:
    cluster: str
    network: str
    vlan: int
    pairs: tuple[_Pair, ...]


def _cluster_networks(cluster: Cluster) -> list[ClusterNetwork]:
    return [n for n in cluster.networks.values() if n.role in _CLUSTER_ROLES]


def _batches(nodes: dict[str, list[str]], limit: int = 200) -> list[list[str]]:
    """Return cluster names in batches of about ``limit`` nodes (one reduced lab per batch)."""
    out: list[list[str]] = []
    size = 0
    for name, members in nodes.items():
        if not out or size + len(members) > limit:
            out.append([])
            size = 0
        out[-1].append(name)
        size += len(members)
    return out


def _signature(path: Path | None, end: int, node: str) -> tuple[Any, ...]:
    if path is None or not path.hops:
        return ("?", node)
    if end == 0:
        hop = path.hops[0]
        return (hop.next_node, hop.flow_bps, hop.mtu)
    hop = path.hops[-1]
    return (hop.node, hop.flow_bps, hop.mtu)


def _elements(view: L2View, path: Path | None) -> tuple[str, ...]:
    if path is None:
        return ()
    out = []
    for hop in path.hops:
        if hop.kind in _INTER_SWITCH:
            port = view.topology.ports.get((hop.node, hop.port))
            if port is not None:
                out.append(port.element)
    return tuple(out)


def _network_paths(
    view: L2View, cluster: Cluster, net: ClusterNetwork, nodes: list[str]
) -> _NetPaths | None:
    """Return the paths between ``nodes`` attached differently (one node per attachment)."""
    nodes = [n for n in nodes if n in view.lab.hosts]
    if len(nodes) < 2:
        return None
    first = nodes[0]
    from_first = {b: view.cluster_path(cluster.name, net.name, first, b) for b in nodes[1:]}
    reps: dict[tuple[Any, ...], list[str]] = {}
    any_path = next((p for p in from_first.values() if p is not None), None)
    reps[_signature(any_path, 0, first)] = [first]
    for b in nodes[1:]:
        alike = reps.setdefault(_signature(from_first[b], -1, b), [])
        if len(alike) < 2:  # two per attachment: the pair attached alike is a path too
            alike.append(b)
    keep = {n for alike in reps.values() for n in alike}
    chosen = [n for n in nodes if n in keep]
    pairs: list[_Pair] = []
    for a, b in itertools.combinations(chosen, 2):
        path = from_first[b] if a == first else view.cluster_path(cluster.name, net.name, a, b)
        pairs.append(_Pair(a, b, path, _elements(view, path)))
    vlan = net.vlan or next((p.path.vlan for p in pairs if p.path is not None), 0)
    return _NetPaths(cluster.name, net.name, vlan, tuple(pairs))


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in ("ip", "mac")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _lag_index(ctx: Context) -> dict[tuple[str, str], Lag]:
    """Return (switch, port) → the LAG it is a member of."""

    def compute() -> dict[tuple[str, str], Lag]:
        return {
            _member_end(sw.name, x): lag
            for sw in ctx.lab.switches.values()
            for lag in sw.lags.values()
            for x in lag.members
        }

    found: dict[tuple[str, str], Lag] = ctx.cached("lab.lag_members", compute)
    return found


def _shape(
    lab: Lab,
    host: str,
    cables: dict[tuple[str, str], tuple[str, str]],
    lags: dict[tuple[str, str], Lag],
    ips: bool,
) -> str:
    """Return what a node's layer-2 attachment looks like, without its own names.

    Two nodes of one shape (same NICs, teams, vNICs and switches, on switch ports and LAGs
    configured alike) have the same paths to every other node; only one of them needs
    asking. IP addresses count only when a cluster network is chosen by subnet.
    """
    h = lab.hosts[host]
    data: Any = h.model_dump(mode="json", exclude={"name"})
    if not ips:
        data = _strip(data)
    ends: list[Any] = []
    for nic in sorted(h.nics):
        far = cables.get((host, nic))
        if far is None or far[0] not in lab.switches:
            ends.append([nic, far])
            continue
        port = lab.switches[far[0]].ports.get(far[1])
        lag = lags.get(far)
        ends.append(
            [
                nic,
                far[0],
                port.model_dump(mode="json", exclude={"name", "number", "description"})
                if port
                else None,
                lag.model_dump(mode="json", exclude={"name", "members", "number"}) if lag else None,
            ]
        )
    return json.dumps([data, ends], sort_keys=True, default=str)


def _representatives(ctx: Context, cluster: Cluster) -> list[str]:
    """Return two nodes per attachment shape (:func:`_shape`), in node order."""
    lab = ctx.lab
    cables = _cables(ctx)
    lags = _lag_index(ctx)
    ips = any(n.subnet and not n.vlan for n in cluster.networks.values())
    seen: dict[str, list[str]] = {}
    for node in cluster.nodes:
        if node in lab.hosts:
            alike = seen.setdefault(_shape(lab, node, cables, lags, ips), [])
            if len(alike) < 2:  # two of a shape: the path between nodes attached alike
                alike.append(node)
    keep = {n for alike in seen.values() for n in alike}
    return [n for n in cluster.nodes if n in keep]


def _paths(ctx: Context) -> dict[tuple[str, str], _NetPaths]:
    """Return (cluster, network) → pairs of its nodes and their paths, computed once per check."""

    def compute() -> dict[tuple[str, str], _NetPaths]:
        from hvlab.l2 import analyse

        lab = ctx.lab
        reps = {name: _representatives(ctx, c) for name, c in lab.clusters.items()}
        out: dict[tuple[str, str], _NetPaths] = {}
        for batch in _batches(reps):
            hosts = [n for c in batch for n in reps[c]]
            view = analyse(_reduced(lab, hosts, batch))
            for name in batch:
                cluster = lab.clusters[name]
                for net in _cluster_networks(cluster):
                    found = _network_paths(view, cluster, net, reps[name])
                    if found is not None:
                        out[(name, net.name)] = found
        return out

    found: dict[tuple[str, str], _NetPaths] = ctx.cached("l2.cluster_paths", compute)
    return found


def _speed(bps: int) -> str:
    return format_speed(bps) if bps > 0 else "0"


def _uses(cluster: Cluster, use: str) -> list[str]:
    return [n.name for n in cluster.networks.values() if use in n.uses]


def _lm_network(cluster: Cluster) -> str | None:
    """Return the network live migration uses first: the migration order, else ``uses``."""
    for name in cluster.live_migration.networks:
        net = cluster.networks.get(name)
        if net is not None and net.role in _CLUSTER_ROLES:
            return name
    found = _uses(cluster, "LiveMigration")
    return found[0] if found else None


def _csv_network(cluster: Cluster) -> str | None:
    """Return the network CSV traffic uses: ``uses: [CSV]``, else the lowest metric."""
    from hvlab.cluster.storage import csv_network

    found = [n for n in _uses(cluster, "CSV") if cluster.networks[n].role in _CLUSTER_ROLES]
    if found:
        return min(found, key=lambda n: cluster.networks[n].metric or 0)
    return csv_network(cluster) if cluster.networks else None


# --- Rules: cluster networks ---------------------------------------------------------------
@rule(
    "HV201",
    title="A cluster network has no path between two nodes",
    severity="error",
    message="{cluster}/{network} (VLAN {vlan}): no layer-2 path between {a} and {b}",
    rationale=(
        "Heartbeats, CSV redirected I/O and live migration on this network cannot flow "
        "between the two nodes in the steady state: a VLAN missing on a link, or spanning "
        "tree blocking the only link that carries it (field notes: 'The heartbeat, CSV and "
        "Live Migration traffic also stops flowing when the LAG between the two 10Gbps "
        "switches is blocked by the RSTP'). The cluster falls back to other networks, or "
        "partitions."
    ),
    fix=(
        "Carry VLAN {vlan} on every link between the switches of {a} and {b} that spanning "
        "tree forwards (or give the inter-switch LAG a lower cost / MSTP instance), and "
        "check the nodes' NICs and switch ports are in that VLAN (`hvlab explain`)."
    ),
    references=(_PART4, _CSV_NET),
)
def cluster_network_partitioned(ctx: Context) -> Iterator[Hit]:
    """Fire for each cluster network with a pair of nodes that cannot reach each other on it."""
    ctx.require("switches", "links", "host_nics")
    # Nodes in different sites on a network with a different subnet per site are routed
    # between the sites, not bridged: a WAN route between the sites reaches them.
    from hvlab.cluster.sites import routed_reachable

    for (cluster, network), found in _paths(ctx).items():
        broken = [
            p
            for p in found.pairs
            if p.path is None and not routed_reachable(ctx.lab, cluster, network, p.a, p.b)
        ]
        if broken:
            yield Hit(
                ("clusters", cluster, "networks", network),
                {
                    "cluster": cluster,
                    "network": network,
                    "vlan": found.vlan or "untagged",
                    "a": broken[0].a,
                    "b": broken[0].b,
                },
            )


def _slower_alternative_possible(
    fabric: L2View, vlan: int, src: str, dst: str, failed: str, below: int
) -> bool:
    """Return whether, with ``failed`` down, some other link could carry ``vlan`` slower.

    A cheap bound on the switches' configuration before asking spanning tree: the VLAN
    must be allowed at both ends of a link for it to carry the VLAN at all. When no such
    route joins ``src`` and ``dst`` without ``failed``, or every link on the routes is at
    least ``below`` per flow, no failover path can be slower.
    """
    lt = fabric.topology
    admin = lt.topology.port_by_ref
    adj: dict[str, list[tuple[str, int]]] = {}
    for link in lt.topology.links:
        pa, pb = lt.ports[link.a], lt.ports[link.b]
        if failed in (pa.element, pb.element):
            continue
        if not (pa.vlans.carries(vlan) and pb.vlans.carries(vlan)):
            continue
        if not (admin[link.a].admin_up and admin[link.b].admin_up):
            continue
        speeds = [s for s in (*pa.member_speeds, *pb.member_speeds) if s > 0]
        flow = min(speeds) if speeds else 0
        adj.setdefault(link.a[0], []).append((link.b[0], flow))
        adj.setdefault(link.b[0], []).append((link.a[0], flow))
    seen = {src}
    stack = [src]
    slow = False
    while stack:
        x = stack.pop()
        for y, flow in adj.get(x, ()):
            if flow < below:
                slow = True
            if y not in seen:
                seen.add(y)
                stack.append(y)
    return dst in seen and slow


def _failover_path(view: L2View, vlan: int, src: str, dst: str) -> tuple[list[str], int] | None:
    """Return the bridges and the per-flow bottleneck of the ``vlan`` path src → dst."""
    import networkx as nx  # type: ignore[import-untyped]

    g = view.vlan_graph(vlan)
    switches = g.subgraph(n for n, d in g.nodes(data=True) if d.get("kind") == "switch")
    if src not in switches or dst not in switches:
        return None
    try:
        nodes: list[str] = nx.shortest_path(switches, src, dst)
    except nx.NetworkXNoPath:
        return None
    flows = [int(switches.edges[x, y]["flow_bps"]) for x, y in itertools.pairwise(nodes)]
    return nodes, min(flows, default=2**62)


@rule(
    "HV202",
    title="One inter-switch failure sends cluster traffic over a slower path",
    severity="warning",
    message=(
        "{cluster}/{network} (VLAN {vlan}): when {element} fails, spanning tree moves the "
        "traffic between {a} and {b} to {route} at {slow} per flow instead of {fast}"
    ),
    rationale=(
        "With one spanning tree for every VLAN (STP/RSTP), losing or blocking the "
        "inter-switch LAG sends the cluster VLANs over whatever else carries them — "
        "typically the 1 Gbps uplinks to the core: CSV, live migration and heartbeats then "
        "crawl and can saturate the core (field notes: 'Imagine the Live Migration traffic "
        "between two nodes on different 10Gbps switches travelling over the 1Gbps uplinks "
        "... because the STP blocked the 10Gbps LAG'). hvlab fails each LAG or cable on "
        "the network's paths in turn and asks spanning tree for the new path."
    ),
    fix=(
        "Keep VLAN {vlan} off the slower uplinks (MSTP with the cluster VLANs in their own "
        "instance, or simply not allowing them there), use more links in the inter-switch "
        "LAG, or uplink into a stack (a star without loops)."
    ),
    references=(_PART4, "IEEE 802.1Q-2018 clause 13 (MSTP)"),
)
def cluster_failover_slower(ctx: Context) -> Iterator[Hit]:
    """Fire for each cluster network whose path gets slower when one LAG or cable fails."""
    ctx.require("switches", "links", "host_nics")
    from hvlab.condition import Condition
    from hvlab.l2 import analyse

    paths = _paths(ctx)
    if not paths:
        return
    fabric_lab = _fabric(ctx)
    fabric = _fabric_view(ctx)
    # element → the (network, pair) whose baseline path crosses it
    crossing: dict[str, list[tuple[_NetPaths, _Pair]]] = {}
    for found in paths.values():
        for pair in found.pairs:
            for element in dict.fromkeys(pair.elements):
                crossing.setdefault(element, []).append((found, pair))
    worst: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
    for element, users in crossing.items():
        candidates = []
        for found, pair in users:
            assert pair.path is not None
            src, dst = pair.path.hops[0].next_node, pair.path.hops[-1].node
            if _slower_alternative_possible(
                fabric, pair.path.vlan, src, dst, element, pair.path.bottleneck_bps
            ):
                candidates.append((found, pair, src, dst))
        if not candidates:
            continue
        try:
            failed = analyse(fabric_lab, Condition.none().with_failed(fabric_lab, element))
        except UserError:  # an element the reduced lab cannot fail: ask nothing
            continue
        for found, pair, src, dst in candidates:
            assert pair.path is not None
            route = _failover_path(failed, pair.path.vlan, src, dst)
            if route is None:
                continue
            bridges, flow = route
            ends = (pair.path.hops[0].flow_bps, pair.path.hops[-1].flow_bps)
            new = min(flow, *ends)
            old = pair.path.bottleneck_bps
            if new >= old:
                continue
            key = (found.cluster, found.network)
            if key not in worst or new < worst[key][0]:
                worst[key] = (
                    new,
                    {
                        "cluster": found.cluster,
                        "network": found.network,
                        "vlan": pair.path.vlan,
                        "element": element,
                        "a": pair.a,
                        "b": pair.b,
                        "route": " → ".join(bridges),
                        "slow": _speed(new),
                        "fast": _speed(old),
                    },
                )
    for (cluster, network), (_, values) in sorted(worst.items()):
        yield Hit(("clusters", cluster, "networks", network), values)


@rule(
    "HV203",
    title="Live-migration or CSV traffic crosses a link slower than the nodes' NICs",
    severity="warning",
    message=(
        "{cluster}/{network} ({use}): the path between {a} and {b} gives one flow {slow} "
        "although their NICs run at {fast}: {route}"
    ),
    rationale=(
        "Live migration and CSV redirected I/O are single large flows; a slower hop on the "
        "way (a 1 G uplink, a LAG member slower than the NICs) caps them at its speed and "
        "wastes the 10 G NICs bought for them (field notes, Part 4: traffic 'routed over a "
        "1Gbps network instead')."
    ),
    fix="Keep the {network} VLAN on links at least as fast as the nodes' NICs.",
    references=(_PART4, _CSV_NET),
)
def cluster_path_slower_than_nics(ctx: Context) -> Iterator[Hit]:
    """Fire for the LM and CSV networks whose steady-state path is slower than the NICs."""
    ctx.require("switches", "links", "host_nics")
    lab = ctx.lab
    paths = _paths(ctx)
    for cluster in lab.clusters.values():
        uses: dict[str, list[str]] = {}
        for use, name in (("live migration", _lm_network(cluster)), ("CSV", _csv_network(cluster))):
            if name is not None:
                uses.setdefault(name, []).append(use)
        for name, what in uses.items():
            found = paths.get((cluster.name, name))
            if found is None:
                continue
            for pair in found.pairs:
                path = pair.path
                if path is None or not path.hops:
                    continue
                nic = min(path.hops[0].flow_bps, path.hops[-1].flow_bps)
                if path.bottleneck_bps < nic:
                    yield Hit(
                        ("clusters", cluster.name, "networks", name),
                        {
                            "cluster": cluster.name,
                            "network": name,
                            "use": " and ".join(what),
                            "a": pair.a,
                            "b": pair.b,
                            "slow": _speed(path.bottleneck_bps),
                            "fast": _speed(nic),
                            "route": path.text(),
                        },
                    )
                    break


@rule(
    "HV204",
    title="CSV and live migration share one cluster network",
    severity="warning",
    message="{cluster}: CSV and live migration both use {network}",
    rationale=(
        "A live migration fills its network for as long as it copies memory; CSV "
        "redirected I/O and metadata updates on the same network then queue behind it, and "
        "VMs whose disks are redirected stall. Hyper-V cluster guidance gives CSV and live "
        "migration separate networks (field notes: 'a dedicated CSV & Live Migration "
        "network', Part 2)."
    ),
    fix=(
        "Give live migration its own network first in the migration order "
        "(live_migration.networks) and keep CSV on the lowest-metric network, or limit "
        "live migration with SMB bandwidth limits (2012 R2+)."
    ),
    references=(_NETWORKS, _CSV_NET, _PART4),
)
def csv_and_lm_shared(ctx: Context) -> Iterator[Hit]:
    """Fire for each cluster with VMs whose CSV network is its first live-migration network."""
    ctx.require("live_migration_networks")
    with_vms = {vm.cluster for vm in ctx.lab.vms.values() if vm.cluster}
    for cluster in ctx.lab.clusters.values():
        if cluster.name not in with_vms:
            continue
        lm, csv = _lm_network(cluster), _csv_network(cluster)
        if lm is not None and lm == csv:
            yield Hit(
                ("clusters", cluster.name, "networks", lm),
                {"cluster": cluster.name, "network": lm},
            )


@rule(
    "HV205",
    title="A cluster with a single cluster network",
    severity="warning",
    message="{cluster}: {count} network(s) carry cluster traffic ({names})",
    rationale=(
        "Heartbeats need a second route: with one cluster network, one NIC, cable or switch "
        "port failure isolates a node and the cluster fails its VMs over although they run. "
        "Cluster validation warns about a single network as a single point of failure."
    ),
    fix=(
        "Give the cluster at least two networks with Role Cluster or ClusterAndClient, on "
        "different NICs (or a team) and switches."
    ),
    references=(
        _THRESHOLDS,
        "Field notes: 'Introducing 10Gbps & Thoughts On Network High Availability For Hyper-V "
        "(Part 3/4)' (series list in Part 4)",
    ),
)
def single_cluster_network(ctx: Context) -> Iterator[Hit]:
    """Fire for each cluster describing its networks with fewer than two cluster-role ones."""
    for cluster in ctx.lab.clusters.values():
        if not cluster.networks:
            continue
        roles = _cluster_networks(cluster)
        if len(roles) < 2:
            yield Hit(
                ("clusters", cluster.name, "networks"),
                {
                    "cluster": cluster.name,
                    "count": len(roles),
                    "names": ", ".join(n.name for n in roles) or "none",
                },
            )


_HB_LIMITS = {
    # property: (model field, minimum, maximum before 2012, maximum from 2012)
    "SameSubnetDelay": ("same_subnet_delay", 250, 2000, 2000),
    "CrossSubnetDelay": ("cross_subnet_delay", 250, 4000, 4000),
    "SameSubnetThreshold": ("same_subnet_threshold", 3, 10, 120),
    "CrossSubnetThreshold": ("cross_subnet_threshold", 3, 10, 120),
}


@rule(
    "HV206",
    title="Cluster heartbeat setting out of its documented range",
    severity="error",
    message="{cluster}: {property} = {value} is outside {low}-{high} ({os})",
    rationale=(
        "Microsoft documents the range of each heartbeat property: SameSubnetDelay "
        "250-2000 ms, CrossSubnetDelay 250-4000 ms, SameSubnetThreshold and "
        "CrossSubnetThreshold 3-120 heartbeats (3-10 on Windows Server 2008 R2). The "
        "cluster refuses other values, so the lab describes a cluster that cannot exist, "
        "and its failover timing is wrong."
    ),
    fix="(Get-Cluster {cluster}).{property} = a value in {low}-{high}",
    references=(
        f"{_MSCS}clusters-samesubnetdelay",
        f"{_MSCS}clusters-crosssubnetdelay",
        f"{_MSCS}clusters-samesubnetthreshold",
        f"{_MSCS}clusters-crosssubnetthreshold",
        _HB_2008,
    ),
)
def heartbeat_range(ctx: Context) -> Iterator[Hit]:
    """Fire for each heartbeat delay or threshold a cluster sets outside its documented range."""
    from hvlab.cluster.membership import cluster_os, os_rank

    for cluster in ctx.lab.clusters.values():
        os = cluster_os(ctx.lab, cluster)
        modern = os_rank(os) >= os_rank("WindowsServer2012")
        for prop, (field, low, high_old, high_new) in _HB_LIMITS.items():
            value = getattr(cluster.heartbeat, field)
            high = high_new if modern else high_old
            if value is not None and not low <= value <= high:
                yield Hit(
                    ("clusters", cluster.name, "heartbeat", field),
                    {
                        "cluster": cluster.name,
                        "property": prop,
                        "value": value,
                        "low": low,
                        "high": high,
                        "os": os,
                    },
                )


# --- Rules: switches -----------------------------------------------------------------------
def _cable_index(lab: Lab) -> dict[tuple[str, str], tuple[str, str]]:
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for link in lab.links:
        (a, _, pa), (b, _, pb) = (e.partition(":") for e in link.endpoints)
        out[(a, pa)] = (b, pb)
        out[(b, pb)] = (a, pa)
    return out


def _cables(ctx: Context) -> dict[tuple[str, str], tuple[str, str]]:
    found: dict[tuple[str, str], tuple[str, str]] = ctx.cached(
        "lab.cables", lambda: _cable_index(ctx.lab)
    )
    return found


def _member_end(switch: str, member: str) -> tuple[str, str]:
    owner, sep, port = member.rpartition(":")
    return (owner, port) if sep else (switch, member)


@rule(
    "HV207",
    title="An inter-switch LAG with a single member",
    severity="warning",
    message="{switch}:{lag} to {peer} has one member ({member}): one cable or port failure cuts it",
    rationale=(
        "A LAG between switches exists to survive a cable or port failure without spanning "
        "tree moving traffic elsewhere. With one member, losing it takes the LAG down and "
        "reroutes (or cuts) everything it carried (field notes: 'using multiple inter "
        "switch links in every LAG ... also protects against cable or port failure')."
    ),
    fix="Add a second cable (ideally on another line card or stack member) to {switch}:{lag}.",
    references=(_PART4,),
)
def single_member_isl(ctx: Context) -> Iterator[Hit]:
    """Fire for each LAG whose members are cabled to another switch and that has one member."""
    ctx.require("switches", "links")
    cables = _cables(ctx)
    lab = ctx.lab
    for sw in lab.switches.values():
        for lag in sw.lags.values():
            ends = [cables.get(_member_end(sw.name, m)) for m in lag.members]
            peers = [e for e in ends if e is not None and e[0] in lab.switches]
            if len(lag.members) == 1 and peers:
                yield Hit(
                    ("switches", sw.name, "lags", lag.name),
                    {
                        "switch": sw.name,
                        "lag": lag.name,
                        "peer": peers[0][0],
                        "member": lag.members[0],
                    },
                )


def _ranges(names: Iterable[str]) -> str:
    """Return port names compactly: ``1-4, 7, Eth1/9-12``."""
    groups: list[tuple[str, int, int]] = []
    others: list[str] = []
    import re

    for name in names:
        m = re.match(r"^(.*?)(\d+)$", name)
        if not m:
            others.append(name)
            continue
        prefix, n = m.group(1), int(m.group(2))
        if groups and groups[-1][0] == prefix and groups[-1][2] == n - 1:
            groups[-1] = (prefix, groups[-1][1], n)
        else:
            groups.append((prefix, n, n))
    parts = [f"{p}{a}" if a == b else f"{p}{a}-{b}" for p, a, b in groups]
    return ", ".join(parts + others)


@rule(
    "HV208",
    title="Unused switch ports left enabled where a stray cable makes a storm",
    severity="warning",
    message=(
        "{switch}: {count} port(s) with no cable are not shut down ({ports}) and {why}: a "
        "cable between two of them is a loop nothing breaks"
    ),
    rationale=(
        "The field notes' broadcast storm came from someone 'tidying up' spare cables by "
        "plugging both ends into free switch ports: 'Lesson learned: disable every switch "
        "port not in use.' A free port that is up is where that cable goes. hvlab reports "
        "the ports where nothing else stops the loop: on a switch that runs no spanning "
        "tree, or a port that filters BPDUs. (On a port that runs STP/RSTP/MSTP the loop is "
        "blocked — an edge port that receives a BPDU loses its edge status — so shutting it "
        "is hygiene, not a fix, and is not reported.)"
    ),
    fix=(
        "Shut down the unused ports of {switch} (`shutdown`, or `shutdown: true` in the "
        "lab), and run spanning tree on it."
    ),
    references=(_PART4, "IEEE 802.1Q-2018 clause 13 (RSTP/MSTP edge ports, operEdge)"),
)
def unused_ports_enabled(ctx: Context) -> Iterator[Hit]:
    """Fire for each switch with uncabled, enabled ports that spanning tree does not protect."""
    ctx.require("switches", "links")
    cables = _cables(ctx)
    default = ctx.lab.defaults.spanning_tree.protocol
    for sw in ctx.lab.switches.values():
        no_stp = (sw.spanning_tree.protocol or default) == "none"
        unused = [
            name
            for name, port in sw.ports.items()
            if not port.shutdown and (sw.name, name) not in cables and (no_stp or port.bpdu_filter)
        ]
        if unused:
            why = "the switch runs no spanning tree" if no_stp else "they filter BPDUs"
            yield Hit(
                ("switches", sw.name, "ports"),
                {"switch": sw.name, "count": len(unused), "ports": _ranges(unused), "why": why},
            )


def _host_facing(lab: Lab, bridges: dict[str, tuple[str, ...]]) -> set[str]:
    """Return the bridges (switch or stack names) that have a cable to a host."""
    switch_bridge = {s: b for b, members in bridges.items() for s in members}
    out: set[str] = set()
    for link in lab.links:
        nodes = [_node(e) for e in link.endpoints]
        if any(n in lab.hosts for n in nodes):
            out.update(switch_bridge[n] for n in nodes if n in switch_bridge)
    return out


def _priority(lab: Lab, switch: str, tree: int) -> int | None:
    st = lab.switches[switch].spanning_tree
    if tree:
        return st.instance_priorities.get(tree)
    return st.priority


@rule(
    "HV209",
    title="The spanning-tree root is not where the design wants it",
    severity="warning",
    message="{tree}: root is {root} — {why}",
    rationale=(
        "Spanning tree forwards along the shortest path to the root and blocks the rest. "
        "With an access or top-of-rack switch as root, or the root left to the lowest MAC "
        "address because every bridge has the default priority, traffic between the other "
        "switches takes long detours and the blocked links are not the ones you planned "
        "(field notes: 'configuring the RSTP/MSTP costs for the LAG correctly')."
    ),
    fix=(
        "Set the bridge priority of the core (or the switch meant as root) low, e.g. 4096, "
        "and of its backup 8192; with MSTP per instance."
    ),
    references=(_PART4, "IEEE 802.1Q-2018 clause 13 (bridge identifier priority)"),
)
def root_placement(ctx: Context) -> Iterator[Hit]:
    """Fire for each tree whose root is host-facing while a core carries it, or elected by MAC."""
    ctx.require("switches", "links")
    lab = ctx.lab
    view = _fabric_view(ctx)
    bridges = dict(view.topology.bridges)
    facing = _host_facing(lab, bridges)
    for number, tree in view.stp.trees.items():
        groups: dict[str, list[str]] = {}
        for b in tree.bridges():
            if b.root is not None:
                groups.setdefault(b.root, []).append(b.bridge)
        for root, members in groups.items():
            if len(members) < 2:
                continue
            name = "CIST" if number == 0 else f"MSTI {number}"
            if view.stp.protocol != "mstp" and number == 0:
                name = "spanning tree"
            root_switch = bridges[root][0]
            cores = [m for m in members if m not in facing]
            why = ""
            if root in facing and cores:
                why = (
                    f"a switch with hosts on it, while {', '.join(cores)} (no hosts) "
                    "carries the same tree"
                )
            elif all((_priority(lab, bridges[m][0], number) or 32768) == 32768 for m in members):
                why = "every bridge has the default priority 32768, so the lowest MAC address won"
            if why:
                yield Hit(
                    ("switches", root_switch, "spanning_tree"),
                    {"tree": name, "root": root, "why": why},
                )


# --- Rules: layer-2 problems -----------------------------------------------------------------
def _port_path(lab: Lab, label: str) -> ObjectPath | None:
    """Return the lab path of ``switch:port`` or ``switch:LAG`` (a label of the l2 engine)."""
    sw_name, _, name = label.partition(":")
    sw = lab.switches.get(sw_name)
    if sw is None:
        # a stack port: "core:core1:23" → member switch and port
        member, _, port = name.partition(":")
        if member in lab.switches:
            return _port_path(lab, f"{member}:{port}")
        return None
    if name in sw.lags:
        return ("switches", sw_name, "lags", name)
    owner, sep, port = name.rpartition(":")
    if sep and owner in sw.lags:  # qualified LAG name on a stack
        return ("switches", sw_name, "lags", owner)
    if name in sw.ports:
        return ("switches", sw_name, "ports", name)
    return ("switches", sw_name)


def _endpoint_path(lab: Lab, label: str) -> ObjectPath | None:
    """Return the lab path of an l2 endpoint label (``VM:nic``, ``HOST:NIC``, ``HOST:TEAM/IF``)."""
    owner, _, name = label.partition(":")
    vm = lab.vms.get(owner)
    if vm is not None:
        from hvlab.l2.forwarding import vm_nic_name

        for i, nic in enumerate(vm.nics):
            if vm_nic_name(i, nic.name) == name:
                return ("vms", owner, "nics", i)
        return ("vms", owner)
    host = lab.hosts.get(owner)
    if host is not None:
        team, sep, iface = name.partition("/")
        if sep and team in host.teams:
            return ("hosts", owner, "teams", team, "interfaces", iface)
        for kind in ("nics", "vnics", "teams"):
            if name in getattr(host, kind):
                return ("hosts", owner, kind, name)
        return ("hosts", owner)
    return None


def _merge(hits: Iterable[tuple[ObjectPath | None, dict[str, Any]]]) -> Iterator[Hit]:
    """Yield one hit per object, details joined (``detail``), first values kept."""
    grouped: dict[ObjectPath, dict[str, Any]] = {}
    details: dict[ObjectPath, list[str]] = {}
    for path, values in hits:
        if path is None:
            continue
        grouped.setdefault(path, values)
        details.setdefault(path, [])
        if values["detail"] not in details[path]:
            details[path].append(values["detail"])
    for path, values in grouped.items():
        yield Hit(path, {**values, "detail": "; ".join(details[path])})


@rule(
    "HV210",
    title="A VLAN allowed on one end of a link but not the other",
    severity="warning",
    message="{detail}",
    rationale=(
        "Frames of a VLAN one end sends and the other does not accept are dropped; access "
        "against trunk or two access ports in different VLANs merge or lose VLANs. The "
        "fault only shows when traffic takes that link, often after a failover (field "
        "notes, Part 4: which VLANs travel on which LAG decides what survives)."
    ),
    fix="Make the allowed VLAN lists (and modes) of both ends of the link the same.",
    references=(_PART4,),
)
def vlan_one_side(ctx: Context) -> Iterator[Hit]:
    """Fire for each switch link whose ends carry different VLANs or modes."""
    ctx.require("switches", "links")
    lab = ctx.lab
    yield from _merge(
        (_port_path(lab, m.a), {"detail": m.detail})
        for m in _problems(ctx).vlan_mismatches
        if m.kind in ("allowed", "access-trunk", "access-vlan")
    )


@rule(
    "HV211",
    title="Native VLAN mismatch across a trunk",
    severity="warning",
    message="{detail}",
    rationale=(
        "Untagged frames leave one end in its native VLAN and arrive in the other end's: "
        "two VLANs are bridged together (a classic CDP 'native VLAN mismatch'), and "
        "spanning tree for those VLANs can be inconsistent."
    ),
    fix="Set the same native VLAN on both ends of the trunk.",
    references=("IEEE 802.1Q-2018 (port VLAN identifier, PVID)",),
)
def native_vlan_mismatch(ctx: Context) -> Iterator[Hit]:
    """Fire for each trunk link whose two ends have different native VLANs."""
    ctx.require("switches", "links")
    lab = ctx.lab
    yield from _merge(
        (_port_path(lab, m.a), {"detail": m.detail})
        for m in _problems(ctx).vlan_mismatches
        if m.kind == "native"
    )


@rule(
    "HV212",
    title="A host or VM sends a VLAN its switch port does not carry",
    severity="error",
    message="{detail}",
    rationale=(
        "The NIC, team interface, host vNIC or VM adapter tags frames with a VLAN (or "
        "sends them untagged into a trunk without that native VLAN) that the switch port "
        "drops: the endpoint is cut off although its link is up."
    ),
    fix="Allow the VLAN on the switch port(s), or put the adapter in a VLAN the port carries.",
    references=("IEEE 802.1Q-2018 (VLAN membership and egress of a port)",),
)
def host_vlan_not_carried(ctx: Context) -> Iterator[Hit]:
    """Fire for each endpoint whose VLAN its switch port does not carry."""
    ctx.require("switches", "links", "host_nics", "vm_nics")
    lab = ctx.lab
    yield from _merge(
        (_endpoint_path(lab, m.a), {"detail": m.detail})
        for m in _problems(ctx).vlan_mismatches
        if m.kind in ("host-vlan", "host-untagged")
    )


def _mtu_object(lab: Lab, m: Any) -> ObjectPath | None:
    """Return the switch port where an MTU mismatch drops frames (or the first end)."""
    ends = list(m.between) if m.kind == "link" else [e.strip() for e in m.where.split("→")]
    for end in ends:
        if _node(end) in lab.switches:
            return _port_path(lab, end)
    for end in ends:
        path = _endpoint_path(lab, end)
        if path is not None:
            return path
    return None


@rule(
    "HV213",
    title="MTU mismatch: jumbo frames dropped on the way",
    severity="error",
    message="{detail}",
    rationale=(
        "Jumbo frames help only when every hop passes them: a single port left at 1500 "
        "drops every large frame while small ones (pings, logins, TCP handshakes) pass, so "
        "the path looks healthy and throughput collapses or I/O times out (field notes: "
        "jumbo frames for iSCSI, CSV and live migration)."
    ),
    fix=(
        "Give every NIC, switch port and LAG on the path the same jumbo size (IP MTU 9000 "
        "= JumboPacket 9014; switch MTU 9014 or 9216), or use 1500 everywhere."
    ),
    references=(_ISCSI, _PART4),
)
def mtu_mismatch(ctx: Context) -> Iterator[Hit]:
    """Fire for each cable or path hop whose MTU is smaller than what crosses it."""
    ctx.require("switches", "links", "nic_features")
    lab = ctx.lab
    yield from _merge(
        (_mtu_object(lab, m), {"detail": m.detail}) for m in _problems(ctx).mtu_mismatches
    )


@rule(
    "HV214",
    title="Broadcast storm: a loop spanning tree does not break",
    severity="error",
    message="{detail}",
    rationale=(
        "A loop without spanning tree (a switch running none, a port filtering BPDUs, an "
        "MST region mismatch) makes every broadcast circulate forever: the links saturate "
        "and the whole network stops (field notes: 'The last thing you want to do is bring "
        "down your entire production network with a loop and a resulting broadcast storm')."
    ),
    fix=(
        "Run spanning tree on every switch of the loop (RSTP/MSTP), remove BPDU filtering "
        "from inter-switch ports, remove the stray cable, and shut unused ports."
    ),
    references=(_PART4, "IEEE 802.1Q-2018 clause 13"),
)
def broadcast_storm(ctx: Context) -> Iterator[Hit]:
    """Fire for each loop that forwards in some VLAN (one finding per loop, VLANs listed)."""
    ctx.require("switches", "links")
    lab = ctx.lab
    loops: dict[tuple[str, ...], list[Any]] = {}
    for storm in _problems(ctx).storms:
        loops.setdefault(tuple(sorted(storm.links)), []).append(storm)
    for storms in loops.values():
        first = storms[0]
        vlans = ", ".join(str(s.vlan) for s in storms)
        detail = (
            f"loop through {', '.join(first.switches)} ({', '.join(first.ports)}) forwards "
            f"VLAN(s) {vlans}: " + "; ".join(first.causes)
        )
        path = next((p for p in (_port_path(lab, x) for x in first.ports) if p), None)
        if path is not None:
            yield Hit(path, {"detail": detail})


@rule(
    "HV219",
    title="LAG members or ends that disagree",
    severity="warning",
    message="{detail}",
    rationale=(
        "Members of one LAG must share speed, MTU, VLANs and spanning-tree settings, and "
        "both ends must bundle (LACP on at least one side, or static on both). Otherwise "
        "ports are suspended, run as individual links, or the LAG carries less than planned."
    ),
    fix="Configure every member and both ends of the LAG alike.",
    references=("IEEE 802.1AX-2014 6.4 (LACP)",),
)
def lag_mismatch(ctx: Context) -> Iterator[Hit]:
    """Fire for each LAG whose members differ or whose two ends do not bundle."""
    ctx.require("switches", "links")
    lab = ctx.lab

    def where(lag: str) -> ObjectPath | None:
        kind, _, rest = lag.partition(":")
        sw, _, name = rest.partition(":")
        if kind == "lag" and sw in lab.switches and name in lab.switches[sw].lags:
            return ("switches", sw, "lags", name)
        return None

    yield from _merge((where(m.lag), {"detail": m.detail}) for m in _problems(ctx).lag_mismatches)


# --- Guest iSCSI ------------------------------------------------------------------------------
def _iscsi_uplinks(lab: Lab, vm_name: str) -> list[tuple[str, str, list[str]]]:
    """Return (VM NIC, Hyper-V switch, physical NICs under it) for each iSCSI NIC of a VM."""
    vm = lab.vms[vm_name]
    host = lab.hosts.get(vm.host) if vm.host else None
    assert vm.iscsi is not None
    out = []
    by_name = {n.name: n for n in vm.nics if n.name}
    for name in vm.iscsi.nics:
        nic = by_name.get(name)
        if nic is None or host is None:
            continue
        vs = host.vswitches.get(nic.switch)
        phys: list[str] = []
        if vs is not None:
            uplinks = vs.members or ((vs.uplink,) if vs.uplink else ())
            for u in uplinks:
                if u in host.teams:
                    phys.extend(host.teams[u].members)
                elif u is not None:
                    phys.append(u)
        out.append((name, nic.switch, phys))
    return out


@rule(
    "HV215",
    title="Guest iSCSI without two dedicated NICs on separate switches",
    severity="warning",
    message="{vm}: guest iSCSI {problems}",
    rationale=(
        "Guest (direct-connect) iSCSI does its multipathing (MPIO or MCS) inside the VM, "
        "so it needs two VM adapters on two Hyper-V switches whose physical NICs carry "
        "only iSCSI and go to two separate physical switches; otherwise one NIC, switch or "
        "a busy shared uplink takes the VM's disks down (field notes: 'Ideally these are "
        "two dedicated NICs connected to two separate switches to avoid a single point of "
        "failure')."
    ),
    fix=(
        "Give {vm} two iSCSI adapters on two external switches, each on its own physical "
        "NIC (not shared with the management OS or other traffic), cabled to different "
        "iSCSI switches."
    ),
    references=(_ISCSI,),
)
def guest_iscsi_paths(ctx: Context) -> Iterator[Hit]:
    """Fire for each guest-iSCSI VM whose iSCSI adapters are not two dedicated, separate paths."""
    ctx.require("guest_config", "vm_nics", "vswitches", "links")
    lab = ctx.lab
    cables = _cables(ctx)
    iscsi_nics: dict[tuple[str, str], set[str]] = {}  # (host, vswitch) → iSCSI VM NICs on it
    others: dict[tuple[str, str], int] = {}
    for vm in lab.vms.values():
        names = set(vm.iscsi.nics) if vm.iscsi else set()
        for nic in vm.nics:
            key = (vm.host or "", nic.switch)
            if nic.name in names:
                iscsi_nics.setdefault(key, set()).add(f"{vm.name}:{nic.name}")
            else:
                others[key] = others.get(key, 0) + 1
    for vm in lab.vms.values():
        if vm.iscsi is None:
            continue
        host = lab.hosts.get(vm.host) if vm.host else None
        if host is None:
            continue
        problems: list[str] = []
        paths = _iscsi_uplinks(lab, vm.name)
        if len(paths) < 2:
            problems.append(f"uses {len(paths)} adapter(s)")
        switches = {s for _, s, _ in paths}
        if len(paths) >= 2 and len(switches) < len(paths):
            problems.append("has adapters sharing one Hyper-V switch")
        for _, vs_name, _ in paths:
            vs = host.vswitches.get(vs_name)
            if vs is None:
                continue
            shared = []
            if vs.allow_management_os:
                shared.append("the management OS")
            if others.get((host.name, vs_name)):
                shared.append(f"{others[(host.name, vs_name)]} other VM adapter(s)")
            if shared:
                problems.append(f"switch {vs_name} is shared with {' and '.join(shared)}")
        physical: list[set[str]] = []
        for _, _, phys in paths:
            physical.append({cables[(host.name, p)][0] for p in phys if (host.name, p) in cables})
        if len(physical) >= 2 and all(physical) and len(set().union(*physical)) < 2:
            problems.append(f"all paths end on switch {', '.join(sorted(physical[0]))}")
        if problems:
            text = "; ".join(dict.fromkeys(problems))
            yield Hit(("vms", vm.name, "iscsi"), {"vm": vm.name, "problems": text})


@rule(
    "HV216",
    title="Guest iSCSI without VMQ",
    severity="warning",
    message="{vm}: guest iSCSI adapter {nic} {why}",
    rationale=(
        "VMQ delivers each VM's receive traffic to its own queue and CPU; for iSCSI inside "
        "a VM it is what makes storage throughput and latency acceptable (field notes: "
        "'So yes enable VMQ on both NIC ports used for iSCSI to the guest', citing "
        "Microsoft IT's TechEd guidance)."
    ),
    fix=(
        "Enable VMQ on the physical NICs under {vm}'s iSCSI switches "
        "(Enable-NetAdapterVmq) and keep the adapter's VmqWeight above 0."
    ),
    references=(_ISCSI,),
)
def guest_iscsi_vmq(ctx: Context) -> Iterator[Hit]:
    """Fire for each guest-iSCSI adapter with VmqWeight 0 or a physical NIC without VMQ."""
    ctx.require("guest_config", "vm_nics", "nic_features")
    lab = ctx.lab
    for vm in lab.vms.values():
        if vm.iscsi is None:
            continue
        host = lab.hosts.get(vm.host) if vm.host else None
        by_name = {n.name: n for n in vm.nics if n.name}
        for name, _, phys in _iscsi_uplinks(lab, vm.name):
            nic = by_name[name]
            why = ""
            if nic.vmq_weight == 0:
                why = "has VmqWeight 0"
            elif host is not None:
                lacking = [p for p in phys if p in host.nics and "vmq" not in host.nics[p].features]
                if lacking:
                    why = f"is on {', '.join(lacking)} without VMQ"
            if why:
                yield Hit(("vms", vm.name, "iscsi"), {"vm": vm.name, "nic": name, "why": why})


@rule(
    "HV217",
    title="Guest iSCSI path with a jumbo-frame MTU mismatch",
    severity="error",
    message="{vm}: guest iSCSI {detail}",
    rationale=(
        "Guest iSCSI with jumbo frames needs the VM adapter, the host NIC, every switch "
        "port and the target at the same jumbo size. One hop at 1500 lets logins and small "
        "commands through and drops every full data frame: MPIO keeps the path 'up' and "
        "sends half the VM's disk I/O into it (field notes: 'both MPIO and MCS work "
        "transparently with Jumbo Frames and VMQ' — when the path agrees)."
    ),
    fix="Set the MTU of every hop on {vm}'s iSCSI paths to the same jumbo size.",
    references=(_ISCSI,),
)
def guest_iscsi_mtu(ctx: Context) -> Iterator[Hit]:
    """Fire for each guest-iSCSI VM with an iSCSI adapter on a path with an MTU mismatch."""
    ctx.require("guest_config", "vm_nics", "switches", "links", "nic_features")
    lab = ctx.lab
    wanted: dict[str, str] = {}
    for vm in lab.vms.values():
        if vm.iscsi is not None:
            for name in vm.iscsi.nics:
                wanted[f"{vm.name}:{name}"] = vm.name
    if not wanted:
        return
    found: dict[str, list[str]] = {}
    for m in _problems(ctx).mtu_mismatches:
        if m.kind != "path":
            continue
        for pair in m.between:
            for end in (e.strip() for e in pair.split("↔")):
                vm_name = wanted.get(end)
                if vm_name is not None:
                    text = (
                        f"adapter {end.partition(':')[2]}: {m.where} passes only MTU {m.mtu} "
                        f"(needs {m.needed})"
                    )
                    if text not in found.setdefault(vm_name, []):
                        found[vm_name].append(text)
    for vm_name, texts in found.items():
        yield Hit(("vms", vm_name, "iscsi"), {"vm": vm_name, "detail": "; ".join(texts)})


# --- Live migration concurrency -------------------------------------------------------------
@rule(
    "HV218",
    title="More concurrent live migrations than the live-migration network carries",
    severity="warning",
    message=(
        "{cluster}: {concurrent} concurrent live migrations over {network} ({bandwidth}) give "
        "each {rate}/s; {vm} ({memory}, dirtying {dirty}/s) does not converge in "
        "{passes} pre-copy passes — {advice}"
    ),
    rationale=(
        "The model (hvlab.cluster.migration): concurrent migrations share the live-migration "
        "path's per-flow bandwidth equally (TCP/IP and Compression use one connection per "
        "migration); a migration converges when its pre-copy passes shrink the dirty memory "
        "below what the final pause can send, i.e. when its share outruns the VM's dirty "
        "rate (vm.dirty_rate or the livemigration.dirty_rate assumption). When the "
        "configured MaximumVirtualMachineMigrations leaves a VM below that, its migration "
        "ends with a long blackout or fails, and draining a node takes longer, not shorter "
        "(field notes: 'multiple concurrent Live Migrations ... combined with adequate "
        "bandwidth')."
    ),
    fix=(
        "Lower live_migration.max_migrations (Set-VMHost -MaximumVirtualMachineMigrations) "
        "for {cluster}, or give live migration a faster network (or SMB Direct)."
    ),
    references=(
        "Field notes: 'Data Protection & Disaster Recovery in Windows 8 Server Hyper-V 3.0'",
        "https://learn.microsoft.com/windows-server/virtualization/hyper-v/manage/"
        "set-up-hosts-for-live-migration-without-failover-clustering",
    ),
)
def lm_concurrency(ctx: Context) -> Iterator[Hit]:
    """Fire for each cluster where, at its LM concurrency, some VM's migration cannot converge."""
    ctx.require("switches", "links", "host_nics", "live_migration_networks")
    from hvlab.cluster.membership import cluster_os
    from hvlab.cluster.migration import live_migration
    from hvlab.defaults import live_migration_defaults
    from hvlab.model.units import format_bytes

    lab = ctx.lab
    paths = _paths(ctx)
    by_cluster: dict[str, list[Any]] = {}
    for vm in lab.vms.values():
        if vm.cluster and vm.state in ("Running", "Paused"):
            by_cluster.setdefault(vm.cluster, []).append(vm)
    for cluster in lab.clusters.values():
        name = _lm_network(cluster)
        vms = by_cluster.get(cluster.name)
        found = paths.get((cluster.name, name)) if name else None
        if not vms or found is None:
            continue
        flows = [p.path.bottleneck_bps for p in found.pairs if p.path is not None]
        if not flows:
            continue
        bandwidth = min(flows)
        os = cluster_os(lab, cluster)
        settings = live_migration_defaults(os)
        concurrent = cluster.live_migration.max_migrations or settings.effective_concurrency
        if concurrent < 1:
            continue
        option = cluster.live_migration.performance_option
        # One migration per distinct (memory, dirty rate): the worst of each shape.
        shapes: dict[tuple[int, int | None], Any] = {}
        for vm in vms:
            shapes.setdefault((vm.memory.startup, vm.dirty_rate), vm)

        def failing(
            n: int,
            shapes: dict[tuple[int, int | None], Any] = shapes,
            bandwidth: int = bandwidth,
            os: str = os,
            option: str | None = option,
        ) -> Any:
            for vm in shapes.values():
                result = live_migration(
                    lab, vm, bandwidth_bps=bandwidth, os=os, option=option, concurrent=n
                )
                if result.ok and not result.converged:
                    return result
            return None

        bad = failing(concurrent)
        if bad is None:
            continue
        ok = next((n for n in range(concurrent - 1, 0, -1) if failing(n) is None), None)
        advice = (
            f"{ok} at a time would converge"
            if ok
            else "even one at a time does not: the network is too slow for this VM"
        )
        yield Hit(
            ("clusters", cluster.name, "live_migration"),
            {
                "cluster": cluster.name,
                "concurrent": concurrent,
                "network": name,
                "bandwidth": _speed(bandwidth),
                "rate": format_bytes(bad.rate),
                "vm": bad.vm,
                "memory": format_bytes(bad.memory),
                "dirty": format_bytes(bad.dirty_rate),
                "passes": len(bad.passes),
                "advice": advice,
            },
        )
