"""Failover cluster membership: heartbeat timeouts, partitions, quorum, compute resiliency.

Pure functions of explicit inputs (the cluster, its Windows version, which nodes are down,
which routes work); the simulator composes them. Times are integer milliseconds.

Heartbeats
    A route between two nodes is declared down after ``Delay x Threshold`` without
    heartbeats (``SameSubnetDelay`` x ``SameSubnetThreshold`` and the CrossSubnet and,
    from Windows Server 2016, CrossSite pairs). Values come from the cluster's own
    ``heartbeat`` settings, then the lab's ``timers`` overrides, then the documented
    defaults of :func:`hvlab.defaults.cluster_heartbeat` (2012: 1 s x 5; 2012 R2 with
    Hyper-V and 2016+: 1 s x 10 same subnet, 1 s x 20 cross subnet).
Partitions
    Nodes talk over every cluster network whose ``Role`` is ``Cluster`` or
    ``ClusterAndClient``. A node is cut off when every route to the others is down;
    the cluster keeps a fully connected membership, so a partially connected group
    loses its worst connected node until the rest is a full mesh.
Quorum
    Votes per quorum model with dynamic quorum (Windows Server 2012+), dynamic witness
    and the 50/50 tie-breaker (2012 R2+), following Microsoft's "Understanding cluster
    and pool quorum" and "Configure and manage quorum".
Compute resiliency (Windows Server 2016+)
    A node that loses cluster communication goes Isolated and keeps its VMs running
    Unmonitored for ``ResiliencyDefaultPeriod`` (240 s); a node that leaves uncleanly
    ``QuarantineThreshold`` (3) times in an hour is Quarantined for
    ``QuarantineDuration`` (7200 s).

The module also holds the small look-ups the other cluster modules share: the Windows
version of a node or cluster and the value of a default in a lab (:func:`lab_value`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from hvlab.defaults import (
    DEFAULTS,
    WINDOWS_SERVER_VERSIONS,
    Default,
    cluster_heartbeat,
    resiliency_defaults,
)
from hvlab.model.cluster import Cluster
from hvlab.model.lab import Lab
from hvlab.settings import parse_override

__all__ = [
    "CLUSTER_ROLES",
    "DEFAULT_OS",
    "NetworkLinks",
    "NetworkUp",
    "NodeStatus",
    "PartitionVotes",
    "QuorumResult",
    "ResiliencyResult",
    "RouteKind",
    "RouteTimeout",
    "VoteState",
    "cluster_networks",
    "cluster_os",
    "host_os",
    "lab_ms",
    "lab_value",
    "node_isolation",
    "node_status",
    "os_rank",
    "quorum",
    "route_timeout",
    "route_timeout_ms",
    "steady_votes",
]

RouteKind = Literal["same_subnet", "cross_subnet", "cross_site"]
"""Which heartbeat pair applies to a route between two nodes."""

DEFAULT_OS: Final = "WindowsServer2012R2"
"""The Windows version of a host that states none (the model's ``Host.os`` default)."""

CLUSTER_ROLES: Final = frozenset({"Cluster", "ClusterAndClient"})
"""Cluster network roles that carry heartbeats (``Role`` 1 and 3; 0 = None is unused)."""

Overrides = Lab | Mapping[str, Any] | None
"""A lab (its ``timers``), a mapping of default keys to raw override values, or nothing."""

_MS_PER_UNIT: Final = {"ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000}


# --- Shared look-ups -------------------------------------------------------------------
def os_rank(os: str) -> int:
    """Return the position of ``os`` in :data:`hvlab.defaults.WINDOWS_SERVER_VERSIONS`.

    Raises
    ------
    ValueError
        If ``os`` is not a known version.
    """
    try:
        return WINDOWS_SERVER_VERSIONS.index(os)
    except ValueError:
        raise ValueError(
            f"unknown Windows Server version {os!r}; valid versions are "
            f"{', '.join(WINDOWS_SERVER_VERSIONS)}"
        ) from None


def host_os(lab: Lab, node: str) -> str:
    """Return the Windows version of host ``node`` (the lab default or 2012 R2 when unknown)."""
    host = lab.hosts.get(node)
    if host is not None:
        return host.os
    return lab.defaults.os or DEFAULT_OS


def cluster_os(lab: Lab, cluster: Cluster) -> str:
    """Return the oldest Windows version among the cluster's nodes.

    A mixed-version cluster (rolling upgrade) runs at the functional level of its oldest
    nodes, so the oldest version's defaults apply.
    """
    versions = [host_os(lab, n) for n in cluster.nodes] or [lab.defaults.os or DEFAULT_OS]
    return min(versions, key=os_rank)


def _timers(overrides: Overrides) -> Mapping[str, Any]:
    if overrides is None:
        return {}
    if isinstance(overrides, Lab):
        return overrides.timers
    return overrides


def lab_value(overrides: Overrides, default: Default) -> Any:
    """Return the value of ``default`` in the unit of its table entry, overridden by the lab.

    ``default`` is an entry of :data:`hvlab.defaults.DEFAULTS`. ``overrides`` is a lab
    (its ``timers``) or a mapping of the same keys to values written as in a lab file
    (``500ms``, ``64MiB/s``, ``3``).

    Raises
    ------
    ValueError
        If the override cannot be read in the default's unit.
    """
    entry = DEFAULTS.get(default.key, default)
    raw = _timers(overrides).get(entry.key)
    if raw is None:
        return entry.value
    return parse_override(entry, raw)


def lab_ms(overrides: Overrides, default: Default) -> int:
    """Return a time default (see :func:`lab_value`) in integer milliseconds."""
    entry = DEFAULTS.get(default.key, default)
    if entry.unit not in _MS_PER_UNIT:
        raise ValueError(f"{entry.key} is not a time ({entry.unit})")
    return round(float(lab_value(overrides, entry)) * _MS_PER_UNIT[entry.unit])


def cluster_networks(cluster: Cluster) -> tuple[str, ...]:
    """Return the names of the cluster networks that carry heartbeats, in lab order.

    A cluster described without networks has one implicit network, named ``""``.
    """
    if not cluster.networks:
        return ("",)
    return tuple(n.name for n in cluster.networks.values() if n.role in CLUSTER_ROLES)


# --- Heartbeats ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RouteTimeout:
    """How long a silent route takes to be declared down, and where each number came from.

    Attributes
    ----------
    kind : {'same_subnet', 'cross_subnet', 'cross_site'}
        The heartbeat pair used (cross-site falls back to cross-subnet before 2016).
    delay_ms, threshold : int
        ``<Kind>Delay`` (ms between heartbeats) and ``<Kind>Threshold`` (missed heartbeats).
    timeout_ms : int
        ``delay_ms * threshold``.
    origin : tuple of str
        For delay and threshold: ``cluster`` (the cluster's own setting), ``override``
        (the lab's ``timers``) or ``default`` (the Windows version's documented default).
    explanation : str
        One line naming the properties, their values and the source.
    """

    kind: RouteKind
    delay_ms: int
    threshold: int
    timeout_ms: int
    origin: tuple[str, str]
    explanation: str


_HB_FIELDS: Final[dict[str, tuple[str, str, str]]] = {
    # kind: (model prefix, PowerShell prefix, HeartbeatSettings attribute prefix)
    "same_subnet": ("same_subnet", "SameSubnet", "SameSubnet"),
    "cross_subnet": ("cross_subnet", "CrossSubnet", "CrossSubnet"),
    "cross_site": ("cross_site", "CrossSite", "CrossSite"),
}


def _hb_variant(os: str) -> str:
    rank = os_rank(os)
    if rank >= os_rank("WindowsServer2016"):
        return ".WindowsServer2016"
    if rank == os_rank("WindowsServer2012R2"):
        return ".WindowsServer2012R2.HyperV"
    return ""


def route_timeout(
    cluster: Cluster,
    os: str,
    kind: RouteKind = "same_subnet",
    overrides: Overrides = None,
) -> RouteTimeout:
    """Return the time to declare a route down, ``Delay x Threshold``, with its origin.

    Parameters
    ----------
    cluster : Cluster
        Its ``heartbeat`` settings win over everything else.
    os : str
        The cluster's Windows version (see :func:`cluster_os`); hvlab's hosts run the
        Hyper-V role, so 2012 R2 takes the Hyper-V thresholds.
    kind : {'same_subnet', 'cross_subnet', 'cross_site'}
        Cross-site exists from Windows Server 2016 (site awareness); before that a
        cross-site route uses the cross-subnet pair.
    overrides : Lab or mapping, optional
        ``timers`` keys ``cluster.SameSubnetDelay``, ``cluster.SameSubnetThreshold``, …

    Returns
    -------
    RouteTimeout
        ``timeout_ms`` = delay x threshold.

    Notes
    -----
    Sources: cluster common properties ``SameSubnetDelay`` (1000 ms),
    ``SameSubnetThreshold`` (5), ``CrossSubnetDelay``/``Threshold``; "Tuning Failover
    Cluster Network Thresholds" (2012 R2 with Hyper-V: 10 and 20); ITPro Today's table of
    Windows Server 2016 defaults (10, 20, CrossSite 1000 ms x 20), all via
    :func:`hvlab.defaults.cluster_heartbeat`.
    """
    if kind not in _HB_FIELDS:
        raise ValueError(f"unknown route kind {kind!r}; valid kinds are {', '.join(_HB_FIELDS)}")
    used: RouteKind = kind
    note = ""
    if kind == "cross_site" and os_rank(os) < os_rank("WindowsServer2016"):
        used = "cross_subnet"
        note = " (no site awareness before Windows Server 2016: cross-subnet values)"
    model_prefix, ps_prefix, attr_prefix = _HB_FIELDS[used]
    table = cluster_heartbeat(os, hyper_v=True)
    variant = _hb_variant(os)
    timers = _timers(overrides)
    values: list[int] = []
    origins: list[str] = []
    for part, unit in (("delay", "Delay"), ("threshold", "Threshold")):
        explicit = getattr(cluster.heartbeat, f"{model_prefix}_{part}")
        if explicit is not None:
            values.append(int(explicit))
            origins.append("cluster")
            continue
        found = False
        for key in (f"cluster.{ps_prefix}{unit}", f"cluster.{ps_prefix}{unit}{variant}"):
            if key in timers and key in DEFAULTS:
                entry = DEFAULTS[key]
                value = parse_override(entry, timers[key])
                if entry.unit in _MS_PER_UNIT:
                    value = round(float(value) * _MS_PER_UNIT[entry.unit])
                values.append(int(value))
                origins.append("override")
                found = True
                break
        if not found:
            value = getattr(table, f"{attr_prefix}{unit}")
            assert value is not None  # cross-site only reached from 2016, where it is set
            values.append(int(value))
            origins.append("default")
    delay, threshold = values
    explanation = (
        f"{ps_prefix}Delay {delay} ms x {ps_prefix}Threshold {threshold} = "
        f"{delay * threshold} ms ({origins[0]}/{origins[1]}, {os}){note}"
    )
    return RouteTimeout(
        used, delay, threshold, delay * threshold, (origins[0], origins[1]), explanation
    )


def route_timeout_ms(
    cluster: Cluster,
    os: str,
    kind: RouteKind = "same_subnet",
    overrides: Overrides = None,
) -> int:
    """Return ``Delay x Threshold`` in ms for a route of ``kind`` (see :func:`route_timeout`).

    Examples
    --------
    >>> from hvlab.model.cluster import Cluster
    >>> route_timeout_ms(Cluster(name="c", nodes=("a", "b")), "WindowsServer2016")
    10000
    >>> route_timeout_ms(Cluster(name="c", nodes=("a", "b")), "WindowsServer2012")
    5000
    """
    return route_timeout(cluster, os, kind, overrides).timeout_ms


# --- Partitions ----------------------------------------------------------------------
NetworkUp = Callable[[str, str, str], bool]
"""``network_up(node_a, node_b, network_name)``: can ``a`` and ``b`` exchange heartbeats there?"""

NetworkLinks = Callable[[str], Mapping[str, Collection[str]] | None]
"""``network_links(network_name)``: node → every node it exchanges heartbeats with there.

The same answers as :data:`NetworkUp` for all pairs at once (symmetric: ``b`` is listed
under ``a`` exactly when ``a`` is under ``b``; a node listed under itself is ignored),
e.g. :meth:`hvlab.l2.network.L2View.cluster_links`; ``None`` for a network whose pairs
must be asked one by one.
"""


@dataclass(frozen=True, slots=True)
class NodeStatus:
    """Which nodes still talk to each other.

    Attributes
    ----------
    up : tuple of str
        Nodes running, in cluster order.
    down : tuple of str
        Nodes that are down (given), in cluster order.
    partitions : tuple of tuple of str
        Groups of running nodes that all reach each other (a full mesh), largest first,
        then by their first node's position in the cluster. A cut-off node is a
        partition of one.
    removed : tuple of str
        Nodes split off a partially connected group to make it a full mesh.
    explanation : tuple of str
        One line per decision.
    """

    up: tuple[str, ...]
    down: tuple[str, ...]
    partitions: tuple[tuple[str, ...], ...]
    removed: tuple[str, ...]
    explanation: tuple[str, ...]


def node_status(
    cluster: Cluster,
    network_up: NetworkUp,
    down_nodes: Collection[str] = (),
    *,
    network_links: NetworkLinks | None = None,
) -> NodeStatus:
    """Return the partitions of the running nodes of ``cluster``.

    Two nodes can talk when at least one cluster network with ``Role`` ``Cluster`` or
    ``ClusterAndClient`` carries heartbeats between them (``network_up``). A node whose
    every route to the others is down is cut off (a partition of one). A group that is
    connected but not fully meshed (A-B and B-C work, A-C does not) is not a valid
    membership: hvlab removes the node with the fewest working routes inside the group
    (ties: the node later in the cluster's node list) until the rest is a full mesh.

    ``network_links`` (optional) gives a network's answers for every pair at once (see
    :data:`NetworkLinks`); ``network_up`` is then asked only about networks it returns
    ``None`` for, and only for pairs not already linked. The result is the same: it
    saves asking ``n (n - 1) / 2`` pairs one by one (2,016 for 64 nodes) after every
    change of a simulation.

    Returns
    -------
    NodeStatus
        Running and down nodes, the fully meshed partitions and the removed nodes.

    Notes
    -----
    Microsoft documents that heartbeats flow between every pair of nodes over every
    cluster network with role 1 or 3 ("Configure cluster networks"/``Get-ClusterNetwork``
    Role) and that the cluster keeps a fully connected membership; which node it drops
    from a partially connected group is not published — the fewest-routes rule above is
    hvlab's stated, deterministic choice.
    """
    order = {n: i for i, n in enumerate(cluster.nodes)}
    down_set = set(down_nodes)
    up = tuple(n for n in cluster.nodes if n not in down_set)
    nets = cluster_networks(cluster)
    adj: dict[str, set[str]] = {n: set() for n in up}
    ask: list[str] = []
    # A node listed twice in the cluster gets asked about itself by the pair loop (and
    # may link to itself); links cannot say that, so they are not used then.
    bulk = network_links if len(adj) == len(up) else None
    linked_any = False
    for net in nets:
        links = bulk(net) if bulk is not None else None
        if links is None:
            ask.append(net)
            continue
        for n in up:
            found = links.get(n)
            if found:
                adj[n].update(found)
                linked_any = True
    if linked_any:
        running = set(up)  # the links list every node, down ones too
        for n in up:
            adj[n] &= running
            adj[n].discard(n)
    if ask:
        for i, a in enumerate(up):
            linked = adj[a]
            for b in up[i + 1 :]:
                if b not in linked and any(network_up(a, b, net) for net in ask):
                    linked.add(b)
                    adj[b].add(a)
    explanation: list[str] = []
    if not nets:
        explanation.append("no cluster network has Role Cluster or ClusterAndClient")
    seen: set[str] = set()
    groups: list[list[str]] = []
    for start in up:
        if start in seen:
            continue
        group: list[str] = []
        stack = [start]
        seen.add(start)
        while stack:
            node = stack.pop()
            group.append(node)
            # Set difference, not a loop over the neighbours: a full mesh of 64 nodes
            # has 4,032 of them. The group is sorted below, so the visit order is moot.
            fresh = adj[node] - seen
            seen |= fresh
            stack.extend(fresh)
        groups.append(sorted(group, key=order.__getitem__))
    partitions: list[tuple[str, ...]] = []
    removed: list[str] = []
    for group in groups:
        members = list(group)
        while True:
            member_set = set(members)
            inside = {n: len(adj[n] & member_set) for n in members}
            if all(c == len(members) - 1 for c in inside.values()):
                break
            worst = min(members, key=lambda n: (inside[n], -order[n]))
            members.remove(worst)
            removed.append(worst)
            partitions.append((worst,))
            explanation.append(
                f"{worst} reaches only {inside[worst]} of the {len(inside) - 1} other nodes of "
                "its group: removed so the membership is fully connected"
            )
        partitions.append(tuple(members))
    partitions.sort(key=lambda p: (-len(p), order[p[0]]))
    for p in partitions:
        if len(p) == 1 and len(up) > 1 and p[0] not in removed:
            explanation.append(f"{p[0]}: every route to the other nodes is down")
    return NodeStatus(
        up=up,
        down=tuple(n for n in cluster.nodes if n in down_set),
        partitions=tuple(partitions),
        removed=tuple(sorted(removed, key=order.__getitem__)),
        explanation=tuple(explanation),
    )


# --- Quorum --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class VoteState:
    """The quorum votes in force: each member's vote and the witness vote.

    Attributes
    ----------
    node_weights : tuple of (str, int)
        ``DynamicWeight`` of each node counted in the total (``NodeWeight`` without dynamic
        quorum, where every configured node counts, up or not).
    witness_weight : int
        ``WitnessDynamicWeight`` (the witness's vote, 0 or 1).
    explanation : tuple of str
        Why each vote is what it is.
    """

    node_weights: tuple[tuple[str, int], ...]
    witness_weight: int
    explanation: tuple[str, ...]

    @property
    def total(self) -> int:
        """Return the total number of votes."""
        return sum(w for _, w in self.node_weights) + self.witness_weight

    def weight(self, node: str) -> int:
        """Return ``node``'s vote (0 if it is not counted)."""
        return dict(self.node_weights).get(node, 0)


def _has_witness(cluster: Cluster) -> bool:
    return cluster.quorum.model != "NodeMajority"


def _dynamic(cluster: Cluster, os: str) -> bool:
    return (
        cluster.quorum.dynamic
        and cluster.quorum.model != "DiskOnly"
        and os_rank(os) >= os_rank("WindowsServer2012")
    )


def steady_votes(
    cluster: Cluster,
    os: str,
    members: Iterable[str] | None = None,
    *,
    witness_up: bool = True,
    lower_quorum_priority_node: str | None = None,
    node_weights: Mapping[str, int] | None = None,
) -> VoteState:
    """Return the votes a cluster settles on with ``members`` in its active membership.

    Parameters
    ----------
    cluster : Cluster
        Quorum model and ``dynamic`` (``DynamicQuorum``).
    os : str
        Dynamic quorum needs Windows Server 2012; dynamic witness and the 50/50
        tie-breaker 2012 R2.
    members : iterable of str, optional
        Nodes in the membership (default: every node of the cluster).
    witness_up : bool
        Whether the witness resource is online.
    lower_quorum_priority_node : str, optional
        ``LowerQuorumPriorityNodeID``: the node whose vote the tie-breaker removes.
    node_weights : mapping, optional
        Configured ``NodeWeight`` per node (default 1 each; 0 removes a node's vote).

    Returns
    -------
    VoteState

    Notes
    -----
    Rules from Microsoft's "Understanding cluster and pool quorum" (dynamic quorum
    behaviour): an even number of voting nodes and no witness vote → one node's vote is
    zeroed; odd nodes → all vote; even nodes plus a witness → the witness votes; odd nodes
    plus a witness → the witness does not. A failed witness loses its vote (dynamic
    witness). "Behavior of Dynamic Witness on Windows Server 2012 R2" (askcore blog): with
    one node and a witness left, votes are not adjusted below that, so the witness keeps
    its vote. Windows removes a *random* node's vote unless ``LowerQuorumPriorityNodeID``
    is set; hvlab removes the last voting node in the cluster's node order (stated
    assumption, deterministic). Before 2012, or with ``DynamicQuorum`` 0, every
    configured node votes whether up or not (static quorum). ``DiskOnly``: only the disk
    votes.
    """
    order = list(cluster.nodes)
    configured = {n: (node_weights or {}).get(n, 1) for n in order}
    member_set = set(order if members is None else members)
    why: list[str] = []
    model = cluster.quorum.model
    if model == "DiskOnly":
        why.append("DiskOnly: nodes have no vote; the disk witness decides")
        return VoteState(tuple((n, 0) for n in order), 1 if witness_up else 0, tuple(why))
    has_witness = _has_witness(cluster)
    if not _dynamic(cluster, os):
        why.append(
            "static quorum (no DynamicQuorum before Windows Server 2012 or DynamicQuorum 0): "
            "every configured node votes, up or not"
        )
        witness = 1 if has_witness else 0
        return VoteState(tuple((n, configured[n]) for n in order), witness, tuple(why))
    voting = [n for n in order if n in member_set and configured[n] > 0]
    weights = {n: (1 if n in voting else 0) for n in order if n in member_set}
    witness = 0
    r2 = os_rank(os) >= os_rank("WindowsServer2012R2")
    if has_witness and witness_up:
        if not r2:
            witness = 1
            why.append("Windows Server 2012: the witness always votes (no dynamic witness)")
        elif len(voting) % 2 == 0 or (len(voting) == 1 and len(order) > 1):
            witness = 1
            why.append(f"dynamic witness: {len(voting)} voting node(s), the witness votes")
        else:
            why.append(
                f"dynamic witness: {len(voting)} voting nodes (odd), the witness does not vote"
            )
    elif has_witness:
        why.append("the witness is offline: its vote is removed")
    if r2 and witness == 0 and voting and len(voting) % 2 == 0:
        if lower_quorum_priority_node in voting:
            zeroed = lower_quorum_priority_node
            why.append(f"tie-breaker: {zeroed}'s vote removed (LowerQuorumPriorityNodeID)")
        else:
            zeroed = voting[-1]
            why.append(
                f"tie-breaker: {zeroed}'s vote removed (Windows picks a node at random; hvlab "
                "the last voting node — set LowerQuorumPriorityNodeID to choose)"
            )
        weights[zeroed] = 0
    return VoteState(tuple(weights.items()), witness, tuple(why))


@dataclass(frozen=True, slots=True)
class PartitionVotes:
    """One partition's votes: its nodes, their votes, whether it won the witness."""

    nodes: tuple[str, ...]
    votes: int
    witness: bool
    has_quorum: bool


@dataclass(frozen=True, slots=True)
class QuorumResult:
    """Which partition keeps running after a failure and why.

    Attributes
    ----------
    running : tuple of str or None
        The nodes of the partition that keeps quorum (``None``: the cluster stops).
    partitions : tuple of PartitionVotes
        Every partition's votes, in the order given.
    total_votes : int
        Votes in force before the event; a partition needs more than half.
    reason : str
        Text: who won, with how many votes of how many.
    votes_before, votes_after : VoteState or None
        The vote state the decision used, and the state the survivors settle on
        (dynamic quorum recalculates among them; ``None`` when the cluster stopped).
    """

    running: tuple[str, ...] | None
    partitions: tuple[PartitionVotes, ...]
    total_votes: int
    reason: str
    votes_before: VoteState
    votes_after: VoteState | None


def quorum(
    cluster: Cluster,
    partitions: Iterable[Iterable[str]],
    *,
    os: str,
    witness_up: bool = True,
    witness_reachable_by: Collection[str] | None = None,
    votes: VoteState | None = None,
    graceful: Collection[str] = (),
    lower_quorum_priority_node: str | None = None,
    preferred_nodes: Collection[str] = (),
) -> QuorumResult:
    """Return which partition (if any) keeps quorum after an event.

    Parameters
    ----------
    cluster : Cluster
    partitions : iterable of iterables of str
        The running nodes grouped by who can talk to whom (:func:`node_status`).
    os : str
        The cluster's Windows version.
    witness_up : bool
        Whether the witness is online after the event.
    witness_reachable_by : collection of str, optional
        Nodes that can reach the witness (default: every running node).
    votes : VoteState, optional
        Votes in force just before the event (default: :func:`steady_votes` with every
        node a member). Pass the previous result's ``votes_after`` to chain failures.
    graceful : collection of str
        Nodes that left by a clean shutdown or drain: with dynamic quorum their vote is
        removed before they leave, so they do not count in the total.
    lower_quorum_priority_node : str, optional
        ``LowerQuorumPriorityNodeID`` for the tie-breaker.
    preferred_nodes : collection of str
        The nodes of the cluster's ``PreferredSite`` (2016+ site-aware clusters): a
        witness race between partitions with equal node votes goes to the partition with
        a node there.

    Returns
    -------
    QuorumResult

    Notes
    -----
    A partition keeps running when it holds more than half of the votes in force
    ("Configure and manage quorum": the cluster must always have a quorum majority at the
    time of a node failure; dynamic quorum cannot survive the *simultaneous* loss of a
    majority). Only one partition can hold the witness; when several can reach it they
    race for it — hvlab gives it to the partition with the most node votes, ties to the
    one in the cluster's preferred site (2016 site awareness replaces
    LowerQuorumPriorityNodeID with the preferred site, and the cluster group, which holds
    the witness, lives there), then to the one holding the earliest node of the cluster's
    list (stated assumption). A 50/50 split
    of an even number of nodes without a witness vote is decided by the tie-breaker's
    removed vote (2012 R2+).
    """
    groups = [tuple(p) for p in partitions]
    groups = [g for g in groups if g]
    order = {n: i for i, n in enumerate(cluster.nodes)}
    preferred = set(preferred_nodes)
    prior = votes
    if prior is None:
        prior = steady_votes(
            cluster, os, witness_up=True, lower_quorum_priority_node=lower_quorum_priority_node
        )
    if graceful and _dynamic(cluster, os):
        left = set(graceful)
        prior = steady_votes(
            cluster,
            os,
            [n for n, _ in prior.node_weights if n not in left],
            witness_up=witness_up,
            lower_quorum_priority_node=lower_quorum_priority_node,
        )
    total = prior.total
    node_votes = [sum(prior.weight(n) for n in g) for g in groups]
    witness_holder: int | None = None
    if prior.witness_weight and witness_up:
        reach = None if witness_reachable_by is None else set(witness_reachable_by)
        candidates = [
            i for i, g in enumerate(groups) if reach is None or any(n in reach for n in g)
        ]
        if candidates:
            witness_holder = min(
                candidates,
                key=lambda i: (
                    -node_votes[i],
                    not any(n in preferred for n in groups[i]),
                    min(order.get(n, len(order)) for n in groups[i]),
                ),
            )
    results: list[PartitionVotes] = []
    winner: int | None = None
    for i, g in enumerate(groups):
        v = node_votes[i] + (prior.witness_weight if i == witness_holder else 0)
        ok = total > 0 and 2 * v > total
        if ok:
            winner = i
        results.append(PartitionVotes(g, v, i == witness_holder, ok))
    need = f"more than {total / 2:g}"
    if winner is None:
        best = max(results, key=lambda r: r.votes, default=None)
        detail = f"; the best partition has {best.votes}" if best else ""
        reason = (
            f"no partition holds {need} of the {total} votes{detail}: the cluster service "
            "stops on every node and all clustered roles go offline"
        )
        after: VoteState | None = None
    else:
        won = results[winner]
        extra = " (including the witness)" if won.witness else ""
        others = [r for j, r in enumerate(results) if j != winner]
        tail = "".join(
            f"; {','.join(r.nodes)} has {r.votes} and stops its cluster service" for r in others
        )
        reason = (
            f"{','.join(won.nodes)} holds {won.votes}{extra} of {total} votes ({need}) "
            f"and keeps running{tail}"
        )
        if _dynamic(cluster, os):
            after = steady_votes(
                cluster,
                os,
                won.nodes,
                witness_up=witness_up,
                lower_quorum_priority_node=lower_quorum_priority_node,
            )
        else:
            after = prior
    return QuorumResult(
        running=None if winner is None else results[winner].nodes,
        partitions=tuple(results),
        total_votes=total,
        reason=reason,
        votes_before=prior,
        votes_after=after,
    )


# --- Compute resiliency (Windows Server 2016+) --------------------------------------
@dataclass(frozen=True, slots=True)
class ResiliencyResult:
    """What happens to a node that loses cluster communication, and to its VMs.

    Times are ms from the moment the node stops exchanging heartbeats.

    Attributes
    ----------
    detected_ms : int
        Route timeout: when the other nodes remove it from the active membership.
    isolated : bool
        Whether it went Isolated (Windows Server 2016+ compute resiliency) instead of Down.
    resiliency_period_ms : int
        ``ResiliencyDefaultPeriod`` in force (0: resiliency off or before 2016).
    vm_state : str
        State of its VMs meanwhile: ``Unmonitored`` (isolated, still running) or
        ``FailedOver``.
    failover_ms : int or None
        When its VMs are failed over (restarted elsewhere); ``None`` if they never are.
    rejoin_ms : int or None
        When it rejoins the membership (``None``: it does not within the model).
    quarantined : bool
        Whether this departure quarantines it.
    quarantine_until_ms : int or None
        End of the quarantine.
    timeline : tuple of (int, str)
        The events in order.
    """

    detected_ms: int
    isolated: bool
    resiliency_period_ms: int
    vm_state: str
    failover_ms: int | None
    rejoin_ms: int | None
    quarantined: bool
    quarantine_until_ms: int | None
    timeline: tuple[tuple[int, str], ...]


def node_isolation(
    cluster: Cluster,
    os: str,
    *,
    outage_ms: int | None,
    detection_ms: int | None = None,
    unclean_exits_in_hour: int = 0,
    overrides: Overrides = None,
) -> ResiliencyResult:
    """Return what happens when a node stops exchanging heartbeats for ``outage_ms``.

    Parameters
    ----------
    cluster : Cluster
        ``resiliency_period`` and ``quarantine_threshold`` override the defaults.
    os : str
        Compute resiliency exists from Windows Server 2016.
    outage_ms : int or None
        How long the node is cut off; ``None`` for a node that does not come back (power
        loss, crash): the other nodes cannot tell a dead node from an isolated one.
    detection_ms : int, optional
        Route timeout (default: same-subnet ``Delay x Threshold`` of :func:`route_timeout`).
    unclean_exits_in_hour : int
        Earlier unclean departures of this node in the last hour.
    overrides : Lab or mapping, optional
        ``cluster.ResiliencyDefaultPeriod``, ``cluster.QuarantineThreshold``,
        ``cluster.QuarantineDuration``.

    Returns
    -------
    ResiliencyResult

    Notes
    -----
    Source: "Virtual Machine Compute Resiliency in Windows Server 2016" (Failover
    Clustering blog): with ``ResiliencyLevel`` AlwaysIsolate (default) a node that falls
    out of membership goes Isolated and keeps hosting its VMs, Unmonitored, for
    ``ResiliencyDefaultPeriod`` (240 s); if it does not come back its VMs are failed over.
    A node that leaves uncleanly ``QuarantineThreshold`` (3) times within an hour is
    Quarantined: it may not join for ``QuarantineDuration`` (2 h) and its VMs are drained
    (live-migrated) once it can be reached. Before 2016, or with the period 0, the VMs
    are failed over as soon as the route times out. A crashed node is treated like an
    isolated one (AlwaysIsolate cannot tell them apart): its VMs restart after detection
    plus the period — an inference from the documented semantics; lower
    ``ResiliencyDefaultPeriod`` if a lab shows otherwise.
    """
    if outage_ms is not None and outage_ms < 0:
        raise ValueError(f"outage_ms must not be negative, got {outage_ms}")
    detect = (
        detection_ms
        if detection_ms is not None
        else route_timeout_ms(cluster, os, "same_subnet", overrides)
    )
    settings = resiliency_defaults(os)
    period = 0
    threshold = 0
    quarantine_ms = 0
    if settings is not None:
        period = (
            cluster.resiliency_period
            if cluster.resiliency_period is not None
            else lab_ms(overrides, DEFAULTS["cluster.ResiliencyDefaultPeriod"])
        )
        threshold = (
            cluster.quarantine_threshold
            if cluster.quarantine_threshold is not None
            else int(lab_value(overrides, DEFAULTS["cluster.QuarantineThreshold"]))
        )
        quarantine_ms = lab_ms(overrides, DEFAULTS["cluster.QuarantineDuration"])
    timeline: list[tuple[int, str]] = [(0, "node stops exchanging heartbeats")]
    if outage_ms is not None and outage_ms < detect:
        timeline.append((outage_ms, "heartbeats resume before the route timeout: nothing happens"))
        return ResiliencyResult(
            detect, False, period, "Running", None, None, False, None, tuple(timeline)
        )
    quarantined = threshold > 0 and unclean_exits_in_hour + 1 >= threshold
    isolated = period > 0
    failover: int | None
    rejoin: int | None = outage_ms
    if isolated:
        timeline.append(
            (
                detect,
                f"route timeout ({detect} ms): node Isolated, its VMs keep running Unmonitored",
            )
        )
        back_in_time = outage_ms is not None and outage_ms < detect + period
        failover = None if back_in_time else detect + period
        if failover is not None:
            timeline.append(
                (
                    failover,
                    f"ResiliencyDefaultPeriod ({period} ms) expired: node Down, "
                    "its VMs are failed over",
                )
            )
        vm_state = "Unmonitored" if back_in_time else "FailedOver"
    else:
        why = "before Windows Server 2016" if settings is None else "ResiliencyDefaultPeriod 0"
        timeline.append(
            (detect, f"route timeout ({detect} ms): node Down ({why}), its VMs are failed over")
        )
        failover = detect
        vm_state = "FailedOver"
    until: int | None = None
    if quarantined:
        until = detect + quarantine_ms
        timeline.append(
            (
                detect,
                f"unclean departure {unclean_exits_in_hour + 1} within an hour "
                f"(QuarantineThreshold {threshold}): node Quarantined until {until} ms",
            )
        )
    if outage_ms is not None:
        if quarantined and until is not None and outage_ms < until:
            what = "heartbeats resume; the node is Quarantined and may not rejoin"
            if failover is None:
                what += "; its VMs are drained by live migration"
            timeline.append((outage_ms, what))
            rejoin = until
            timeline.append((until, "quarantine over: node rejoins"))
        elif failover is None:
            timeline.append(
                (outage_ms, "heartbeats resume: node rejoins, its VMs are monitored again")
            )
        else:
            timeline.append(
                (outage_ms, "heartbeats resume: node rejoins (its VMs now run elsewhere)")
            )
    timeline.sort(key=lambda e: e[0])
    return ResiliencyResult(
        detected_ms=detect,
        isolated=isolated,
        resiliency_period_ms=period,
        vm_state=vm_state,
        failover_ms=failover,
        rejoin_ms=rejoin,
        quarantined=quarantined,
        quarantine_until_ms=until,
        timeline=tuple(timeline),
    )
