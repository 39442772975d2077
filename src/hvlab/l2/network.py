"""The layer-2 facade: one :class:`L2View` per (lab, Condition), transitions between views.

The simulator, the rules and the commands call this module, never the engine's insides:

* :func:`analyse` builds the spanning-tree topology of a lab
  (:func:`~hvlab.l2.fromlab.topology_from_lab`), solves it under the Condition and
  returns an :class:`L2View` that answers per-VLAN questions (forwarding graph, paths,
  reachability, VM attachment).
* :func:`transition` says how long the network takes to go from one view to another
  (802.1D / RSTP / MSTP rules of :mod:`hvlab.l2.convergence`, with the lab's timers and
  the ``stp.rstp.handshake_per_hop`` assumption read through :mod:`hvlab.settings`).
* :func:`during` is what forwards while it converges: only ports forwarding both before
  and after.

Everything is pure: same lab and Condition, same answer.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from hvlab.condition import Condition
from hvlab.l2.convergence import PortChange, port_changes, settle_time
from hvlab.l2.forwarding import Endpoint, Forwarding, Hop, Path
from hvlab.l2.fromlab import LabPort, LabTopology, failures_from_condition, topology_from_lab
from hvlab.l2.stp import PortResult, SpanningTreeResult, solve
from hvlab.l2.topology import PortRef
from hvlab.model.lab import Lab
from hvlab.settings import setting_ms

if TYPE_CHECKING:
    import networkx as nx  # type: ignore[import-untyped]

__all__ = [
    "Hop",
    "L2Transition",
    "L2View",
    "Path",
    "analyse",
    "during",
    "transition",
]


@dataclass(frozen=True, eq=False)
class L2View:
    """The layer-2 network of a lab under a Condition, computed once.

    Attributes
    ----------
    lab : Lab
        The lab.
    condition : Condition
        What is failed.
    topology : LabTopology
        The spanning-tree topology and its maps back to the lab.
    stp : SpanningTreeResult
        The converged spanning trees (for a :func:`during` view: the trees being
        converged to).
    """

    lab: Lab
    condition: Condition
    topology: LabTopology
    stp: SpanningTreeResult
    before: L2View | None = field(default=None, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def converging(self) -> bool:
        """Return True for a :func:`during` view (only ports forwarding before and after)."""
        return self.before is not None

    @property
    def _fwd(self) -> Forwarding:
        fwd = self._cache.get("fwd")
        if fwd is None:
            also = self.before.port_forwards if self.before is not None else None
            fwd = Forwarding(self.topology, self.stp, self.condition, also)
            converged = self._cache.get("after")
            if isinstance(converged, L2View):
                fwd.share_with(converged._fwd)
            self._cache["fwd"] = fwd
        assert isinstance(fwd, Forwarding)
        return fwd

    @property
    def forwarding(self) -> Forwarding:
        """Return the per-VLAN forwarding engine behind this view."""
        return self._fwd

    # -- ports ---------------------------------------------------------------------------
    def port_forwards(self, ref: PortRef, vlan: int) -> bool:
        """Return whether topology port ``ref`` = ``(bridge, port)`` forwards ``vlan``."""
        return self._fwd.port_forwards(ref, vlan)

    def endpoints(self) -> tuple[Endpoint, ...]:
        """Return every host endpoint and VM NIC (VMs at their lab placement)."""
        return self._fwd.endpoints

    def tree_ports(self, tree: int) -> list[tuple[LabPort, PortResult]]:
        """Return every port of spanning tree ``tree`` with its lab port, in topology order."""
        ports = self.topology.ports
        return [(ports[(p.bridge, p.port)], p) for p in self.stp.trees[tree].ports()]

    def vlan_ports(self, vlan: int) -> list[tuple[LabPort, PortResult]]:
        """Return every port that carries ``vlan``, with its result in the tree governing it."""
        out = []
        fwd = self._fwd
        for ref, lp in self.topology.ports.items():
            if not lp.vlans.carries(vlan):
                continue
            tree = fwd.tree_for(ref[0], vlan)
            try:
                pr = self.stp.port(ref[0], ref[1], tree)
            except KeyError:
                pr = self.stp.port(ref[0], ref[1], 0)
            out.append((lp, pr))
        return out

    def vlan_trees(self, vlan: int) -> dict[str, int]:
        """Return bridge → the tree that governs ``vlan`` on it."""
        return {b: self._fwd.tree_for(b, vlan) for b in self.topology.bridges}

    def vlan_root(self, vlan: int) -> str | None:
        """Return the root bridge of ``vlan``'s tree.

        The bridges that matter are those with a switch-to-switch link carrying the VLAN
        at both ends (all bridges with a port carrying it when there is no such link).
        When one of them governs the VLAN by the CIST, the CIST root (at an MST region's
        boundary every MSTI follows the CIST); else the root of their MSTI.
        """
        lt = self.topology
        bridges: set[str] = set()
        for link in lt.topology.links:
            if lt.ports[link.a].vlans.carries(vlan) and lt.ports[link.b].vlans.carries(vlan):
                bridges.update((link.a[0], link.b[0]))
        if not bridges:
            bridges = {lp.ref[0] for lp in lt.ports.values() if lp.vlans.carries(vlan)}
        trees = {self._fwd.tree_for(b, vlan) for b in bridges} or {0}
        tree = 0 if 0 in trees else min(trees)
        return self.stp.trees[tree].root

    # -- the facade ----------------------------------------------------------------------
    def vlan_graph(self, vlan: int) -> nx.Graph:
        """Return the forwarding graph of ``vlan``.

        Nodes: every bridge with a live switch (``kind="switch"``, ``switches`` = its
        member switches), and every host and VM attached to the VLAN (``kind="host"`` /
        ``"vm"``; a VM named like a host or switch is ``vm:NAME``). Edges: bridge–bridge
        for each link or LAG whose two ends forward ``vlan`` (``kind`` ``link``/``lag``,
        ``speed_bps`` = the link or the LAG's up members together, ``flow_bps`` = one
        member, ``member_speeds``, ``mtu``, ``ports`` = {bridge: port}, ``links``: more
        than one only when a loop leaves parallel links forwarding); host/VM–bridge for
        its attachments (``kind="nic"``, ``speed_bps`` = the NICs on that bridge together,
        ``member_speeds``, ``nics``, ``ports``, ``endpoints``).

        Hosts and VMs do not forward between their NICs: a multi-homed host joins two
        bridges in the graph but is no transit. Search paths with :meth:`host_vlan_path`,
        or on the subgraph of ``kind == "switch"`` nodes.
        """
        return self._fwd.graph(vlan)

    def host_vlan_path(self, host_a: str, host_b: str, vlan: int) -> Path | None:
        """Return the path between two hosts (or VMs) in ``vlan``, None when there is none.

        Raises
        ------
        UserError
            When a name is neither a host nor a VM.
        """
        return self._fwd.path(host_a, host_b, vlan)

    def cluster_path(self, cluster: str, network: str, node_a: str, node_b: str) -> Path | None:
        """Return the path between two cluster nodes on a cluster network.

        The path starts and ends at the management-OS endpoints (NIC, team interface, host
        vNIC) that put each node in the network's VLAN (``vlan:``; without one, the VLAN
        of the endpoint whose IP is in ``subnet:``, else the untagged endpoints').

        Raises
        ------
        UserError
            Unknown cluster, network or node.
        """
        return self._fwd.cluster_path(cluster, network, node_a, node_b)

    def reachable(self, host_a: str, host_b: str, vlan: int) -> bool:
        """Return whether two hosts (or VMs) reach each other in ``vlan``."""
        return self.host_vlan_path(host_a, host_b, vlan) is not None

    def cluster_reachable(self, cluster: str, network: str, node_a: str, node_b: str) -> bool:
        """Return whether ``cluster_path`` exists, without building it (for heartbeats)."""
        return self._fwd.cluster_reachable(cluster, network, node_a, node_b)

    def cluster_links(self, cluster: str, network: str) -> Mapping[str, frozenset[str]]:
        """Return node → the nodes it reaches on a cluster network, for every node.

        The same answers as :meth:`cluster_reachable` for every pair of the cluster's
        nodes at once (symmetric; a node attached to the network also lists itself),
        computed once per view: what :func:`hvlab.cluster.membership.node_status` takes
        as ``network_links``.

        Raises
        ------
        KeyError
            Unknown cluster or network.
        """
        return MappingProxyType(self._fwd.cluster_links(cluster, network))

    def reachable_any(self, host_a: str, host_b: str) -> bool:
        """Return whether two hosts (or VMs) reach each other in any VLAN they both use."""
        return self._fwd.reachable_any(host_a, host_b)

    def vm_attachment_up(self, vm: str, host: str | None = None) -> bool:
        """Return whether VM ``vm`` is attached to the network.

        The VM's host (``host``, default its ``host:`` in the lab; the simulator passes
        where it runs now) is up, and every VM NIC on an External switch has an uplink
        member that is usable and cabled to a forwarding switch port carrying the NIC's
        VLAN. NICs of one guest team, and the NICs of guest iSCSI (MPIO), count as one:
        one attached NIC of the group is enough.
        """
        return self._fwd.vm_attachment_up(vm, host)

    def vm_reaches(self, vm: str, switch: str, host: str | None = None) -> bool:
        """Return whether one of the VM's NICs reaches switch ``switch`` in its VLAN.

        ``switch`` is a switch (a stack member counts only while it is up) or a stack
        name; e.g. the clients at the root bridge or the core.
        """
        return self._fwd.vm_reaches(vm, switch, host)


_RECENT: OrderedDict[tuple[int, Condition], tuple[Lab, L2View]] = OrderedDict()
_RECENT_BUDGET = 4096
"""Views kept x hosts per view: 64 views of a 64-host lab, 4 of a 1,000-host one.

Measured: 64 views made bench_sim (64 hosts) 15% faster than 8, and cost bench_check
(1,000 hosts) 520 MiB of peak memory; a budget in hosts keeps both."""


def _kept(lab: Lab) -> int:
    return max(4, min(64, _RECENT_BUDGET // max(1, len(lab.hosts))))


_LOCK = threading.Lock()  # guards _RECENT and _TRANSITIONS (not the work in between)


def analyse(lab: Lab, condition: Condition | None = None) -> L2View:
    """Return the layer-2 view of ``lab`` under ``condition`` (default: nothing failed).

    The last few views are kept (per lab object, a Lab being frozen): asked again for
    an equal Condition, this returns the same view, with everything it has computed.
    A simulation returns to a few conditions over and over (nothing failed, after
    every repair), and rebuilding topology, trees and endpoints for each was most of
    its time.

    Raises
    ------
    UserError
        When the lab's spanning-tree settings cannot make a valid topology.
    """
    condition = condition or Condition.none()
    key = (id(lab), condition)
    with _LOCK:
        hit = _RECENT.get(key)
        if hit is not None and hit[0] is lab:
            _RECENT.move_to_end(key)
            return hit[1]
    lt = topology_from_lab(lab, condition)
    stp = solve(lt.topology, failures_from_condition(lt, condition))
    view = L2View(lab, condition, lt, stp)
    view._cache["analysed"] = True  # its trees are analyse(lab, condition)'s: see transition
    with _LOCK:
        # The entry holds the lab, so its id is not reused while the entry is kept.
        _RECENT[key] = (lab, view)
        _RECENT.move_to_end(key)
        while len(_RECENT) > _kept(lab):
            _RECENT.popitem(last=False)
    return view


@dataclass(frozen=True, slots=True)
class L2Transition:
    """How the network gets from one view to another.

    Attributes
    ----------
    settle_ms : int
        Milliseconds from the change until every port that must forward forwards (0 when
        no port changes role or state).
    explanation : str
        Why it takes that long (the slowest port and its rule).
    changes : tuple of PortChange
        Every port whose role or state changes, with its own time (topology names).
    summary : tuple of str
        One line per change for a timeline, lab names.
    settings : tuple of str
        The settings (``hvlab.defaults`` keys) the times depend on.
    protocol : str
        ``stp``, ``rstp`` or ``mstp`` (the network after the change).
    """

    settle_ms: int
    explanation: str
    changes: tuple[PortChange, ...]
    summary: tuple[str, ...]
    settings: tuple[str, ...]
    protocol: str

    @property
    def seconds(self) -> float:
        """Return ``settle_ms`` in seconds."""
        return self.settle_ms / 1000


def _label(lt: LabTopology, bridge: str, port: str) -> str:
    lp = lt.ports.get((bridge, port))
    return lp.label if lp is not None else f"{bridge}:{port}"


def _tree_name(tree: int) -> str:
    return "CIST" if tree == 0 else f"MSTI {tree}"


def transition(lab: Lab, before: L2View, after: L2View) -> L2Transition:
    """Return how long the network takes to go from ``before`` to ``after``.

    Every port whose role or state differs gets its time from
    :func:`hvlab.l2.convergence.port_changes` with the bridges' timers (from the lab) and
    the RSTP proposal/agreement time per hop ``stp.rstp.handshake_per_hop`` (an
    assumption, 50 ms by default, overridable under ``timers:``); failures are taken to
    drop carrier (a pulled cable, a powered-off switch), so RSTP reacts at once. The
    settle time is the slowest port's.

    Between two views made by :func:`analyse` for ``lab`` the answer depends on their
    Conditions only; the last few thousand such answers are kept (a simulation goes
    back and forth between the same conditions).
    """
    key: tuple[int, Condition, Condition] | None = None
    if (
        before.lab is lab
        and after.lab is lab
        and before._cache.get("analysed")
        and after._cache.get("analysed")
    ):
        key = (id(lab), before.condition, after.condition)
        with _LOCK:
            hit = _TRANSITIONS.get(key)
            if hit is not None:  # the entry holds the lab: its id is not reused meanwhile
                _TRANSITIONS.move_to_end(key)
                return hit[1]
    change = _transition(lab, before, after)
    if key is not None:
        with _LOCK:
            _TRANSITIONS[key] = (lab, change)
            while len(_TRANSITIONS) > _TRANSITIONS_KEPT:
                _TRANSITIONS.popitem(last=False)
    return change


_TRANSITIONS: OrderedDict[tuple[int, Condition, Condition], tuple[Lab, L2Transition]] = (
    OrderedDict()
)
_TRANSITIONS_KEPT = 4096


def _transition(lab: Lab, before: L2View, after: L2View) -> L2Transition:
    handshake_ms = setting_ms(lab, "stp.rstp.handshake_per_hop")
    changes = port_changes(before.stp, after.stp, handshake_s=handshake_ms / 1000)
    settle = settle_time(changes)
    settle_ms = round(settle.seconds * 1000)
    keys: set[str] = set()
    lines: list[str] = []
    lost: list[str] = []
    lt = after.topology
    for c in changes:
        text = c.explanation.lower()
        if "hop" in text or "handshake" in text:
            keys.add("stp.rstp.handshake_per_hop")
        if "forward delay" in text or "listening" in text:
            keys.add("stp.ForwardDelay")
        if "max age" in text:
            keys.add("stp.MaxAge")
        if "hello" in text:
            keys.add("stp.HelloTime")
        label = _label(lt, c.bridge, c.port)
        if c.state_after == "disabled" and c.seconds == 0:
            if label not in lost:
                lost.append(label)
            continue
        lines.append(
            f"{label} ({_tree_name(c.tree)}): {c.role_before}/{c.state_before} → "
            f"{c.role_after}/{c.state_after} after {round(c.seconds * 1000)} ms ({c.explanation})"
        )
    if lost:
        shown = ", ".join(lost[:8]) + (f" and {len(lost) - 8} more" if len(lost) > 8 else "")
        lines.insert(0, f"link down on {len(lost)} port(s): {shown}")
    if changes:
        last = max(changes, key=lambda c: c.seconds)
        explanation = (
            f"last port to settle: {_label(lt, last.bridge, last.port)} — {last.explanation}"
        )
        head = (
            f"spanning tree: {len(changes)} port change(s), forwarding again after "
            f"{settle_ms} ms ({explanation})"
        )
    else:
        explanation = settle.explanation
        head = "spanning tree: no port changes role or state"
    if "stp.rstp.handshake_per_hop" in keys and "stp.rstp.handshake_per_hop" not in lab.timers:
        explanation += f" [assumption: {handshake_ms} ms per RSTP handshake]"
    return L2Transition(
        settle_ms=settle_ms,
        explanation=explanation,
        changes=tuple(changes),
        summary=(head, *lines),
        settings=tuple(sorted(keys)),
        protocol=after.stp.protocol,
    )


def during(before: L2View, after: L2View) -> L2View:
    """Return the view while the network converges from ``before`` to ``after``.

    Only ports that forward (a VLAN) both before and after forward it; hosts, NICs and
    teams are as in ``after`` (the failure has happened). Its ``stp`` is ``after``'s: the
    trees being converged to.
    """
    view = L2View(after.lab, after.condition, after.topology, after.stp, before=before)
    # Endpoints, team and port states are those of ``after``: built once for both.
    view._cache["after"] = after
    return view
