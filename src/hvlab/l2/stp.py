"""Steady-state spanning tree: port roles and states for 802.1D STP, RSTP and MSTP.

:func:`solve` computes, for a :class:`~hvlab.l2.topology.Topology` and a set of
:class:`~hvlab.l2.topology.Failures`, the converged result of every tree: the
CIST (the only tree of STP and RSTP bridges) and each MSTI of each MST region.
:func:`solve_incremental` derives the result after one more failure from a
previous result, touching only the subtrees that depended on the failed element.

The rules are the priority-vector rules of IEEE 802.1D-2004 §17.6 and
802.1Q-2005 §13.9–13.10 (the 802.1D-1998 election gives the same converged
answer on the same identifiers):

* A priority vector is compared component by component, smaller is better.
  CIST: {Root ID, External Root Path Cost, Regional Root ID, Internal Root Path
  Cost, Designated Bridge ID, Designated Port ID, Receiving Port ID}. An STP or
  RSTP bridge is a region of its own, so its vector is the 802.1D-2004 one
  {Root, Root Path Cost, Designated Bridge, Designated Port, Receiving Port}
  with the regional part constant. MSTI: {Regional Root ID, Internal Root Path
  Cost, Designated Bridge ID, Designated Port ID, Receiving Port ID}.
* The root path priority vector of a port is the message priority vector it
  receives from the designated port of its LAN with the port's path cost added:
  to the Internal Root Path Cost if the message comes from the same region,
  otherwise to the External Root Path Cost, the Regional Root becoming the
  receiving bridge itself (§13.10). The root priority vector of a bridge is the
  best of its bridge priority vector and its ports' root path priority vectors
  (excluding messages from itself); the port giving it is the Root Port.
* A port's designated priority vector is the bridge's root priority vector with
  the bridge's own identifier and the port's identifier as Designated Bridge and
  Port. A port whose designated vector is better than what its LAN's designated
  port sends is Designated; otherwise it is Alternate, or Backup when the LAN's
  designated port is on the same bridge.
* MSTI vectors only travel between ports of the same region; at a region
  boundary every MSTI takes the CIST role, a CIST Root Port becoming the
  Master Port (§13.13).

Instead of simulating BPDU rounds, the fixed point is found with a Dijkstra-like
propagation of best vectors (``heapq``): a derived vector is always strictly
worse than the vector it was derived from (a path cost of at least 1 is added),
so the first vector a bridge pops is its converged root priority vector. The
tests prove the equivalence against a BPDU-exchange simulation.

Port states: RSTP and MSTP ports are ``forwarding`` (Root, Designated, Master),
``discarding`` (Alternate, Backup) or ``disabled``. 802.1D ports are
``forwarding`` or ``blocking``; by hvlab's contract an 802.1D port that does not
forward reports role ``alternate`` (802.1D-1998 has no backup role).

Special ports and bridges:

* ``edge``: no effect on the steady state (an edge port that hears BPDUs runs
  spanning tree like any port); it matters for convergence time.
* ``bpdu_filter``: the port neither sends nor processes BPDUs; it is Designated
  and forwarding whatever is behind it, so a loop through it is not prevented
  (reported in :attr:`SpanningTreeResult.loops`).
* ``bpdu_guard``: a port whose LAN has another BPDU-speaking port when the link
  comes up is err-disabled (state ``disabled``) and its link goes down. With
  ``bpdu_filter`` on the same port the filter wins.
* Protocol ``none``: the bridge runs no spanning tree and forwards BPDU frames
  (01-80-C2-00-00-00) like other multicast, as the Linux bridge does with STP
  off ("must forward to keep loop detection", net/bridge/br_input.c) and most
  switches do with spanning tree disabled. Bridges behind it therefore see one
  shared LAN through it; its own ports are reported ``designated``/``forwarding``
  with ``stp=False``. A loop made only of such bridges is reported.
"""

from __future__ import annotations

import heapq
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from hvlab.l2.cycles import loop_groups
from hvlab.l2.mstp import ConfigId, Region, config_id
from hvlab.l2.pathcost import path_cost
from hvlab.l2.topology import (
    DEFAULT_PORT_PRIORITY,
    Failures,
    PortRef,
    Topology,
    TopologyError,
    port_identifier,
)

__all__ = [
    "BridgeResult",
    "Loop",
    "PortResult",
    "Role",
    "SpanningTreeResult",
    "State",
    "TreeResult",
    "solve",
    "solve_incremental",
]


class Role(StrEnum):
    """Port role (IEEE 802.1D-2004 §17.7; ``master`` is 802.1Q's, §13.13)."""

    ROOT = "root"
    DESIGNATED = "designated"
    ALTERNATE = "alternate"
    BACKUP = "backup"
    MASTER = "master"
    DISABLED = "disabled"


class State(StrEnum):
    """Port state (802.1D-2004 §7.4; ``blocking``/``listening`` are 802.1D-1998's)."""

    FORWARDING = "forwarding"
    LEARNING = "learning"
    LISTENING = "listening"
    DISCARDING = "discarding"
    BLOCKING = "blocking"
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True)
class PortResult:
    """One port in one tree.

    Attributes
    ----------
    bridge, port
        Names as in the topology.
    tree
        0 = CIST (or the only tree), n = MSTI n.
    role, state
        Converged role and state.
    cost
        Port path cost used in this tree.
    designated
        ``(bridge, port)`` of the designated port of the port's LAN (the port
        itself when it is designated); ``None`` when the port is down, runs no
        spanning tree, or filters BPDUs.
    boundary
        The port is at the edge of its MST region (always ``False`` on non-MSTP
        bridges).
    edge, point_to_point
        Operational edge (admin edge) and point-to-point status.
    err_disabled
        Shut by BPDU guard.
    bpdu_filtered
        The port filters BPDUs (designated forwarding, may close a loop).
    stp
        The bridge runs spanning tree on this port (``False`` for protocol
        ``none``).
    """

    bridge: str
    port: str
    tree: int
    role: Role
    state: State
    cost: int
    designated: PortRef | None
    boundary: bool
    edge: bool
    point_to_point: bool
    err_disabled: bool
    bpdu_filtered: bool
    stp: bool


@dataclass(frozen=True, slots=True)
class BridgeResult:
    """One bridge in one tree.

    Attributes
    ----------
    bridge
        Bridge name.
    tree
        0 = CIST, n = MSTI n.
    bridge_id
        The bridge's identifier in this tree (priority field << 48 | MAC).
    root
        Root bridge of its part of the network (CIST Root; for an MSTI, the
        MSTI Regional Root); ``None`` for a failed or non-STP bridge.
    root_port
        Name of the Root Port, ``None`` on the root (and on the CIST Regional
        Root whose Master Port leads out of the region, for an MSTI).
    root_path_cost
        CIST: External Root Path Cost (the 802.1D root path cost for STP/RSTP);
        MSTI: Internal Root Path Cost.
    internal_root_path_cost
        CIST only: Internal Root Path Cost to the CIST Regional Root (0 for
        non-MSTP bridges and for MSTIs).
    regional_root
        CIST Regional Root for MSTP bridges (the MSTI Regional Root for an
        MSTI); ``None`` for non-MSTP bridges.
    """

    bridge: str
    tree: int
    bridge_id: int
    root: str | None
    root_port: str | None
    root_path_cost: int
    internal_root_path_cost: int
    regional_root: str | None


@dataclass(frozen=True, slots=True)
class Loop:
    """A forwarding loop that spanning tree does not break.

    Attributes
    ----------
    tree
        The tree whose forwarding ports form it (see :attr:`SpanningTreeResult.loops`).
    bridges
        Bridges on the loop.
    links
        Links on the loop (link ids).
    causes
        Why spanning tree does not break it: ``bpdu_filter on SW:PORT`` and/or
        ``no spanning tree on SW``.
    """

    tree: int
    bridges: tuple[str, ...]
    links: tuple[str, ...]
    causes: tuple[str, ...]


# ---------------------------------------------------------------------------
# internal codes

_NONE, _STP, _RSTP, _MSTP = 0, 1, 2, 3
_PROTO = {"none": _NONE, "stp": _STP, "rstp": _RSTP, "mstp": _MSTP}
_PROTO_NAME = {_STP: "stp", _RSTP: "rstp", _MSTP: "mstp"}

_R_DISABLED, _R_ROOT, _R_DESIGNATED, _R_ALTERNATE, _R_BACKUP, _R_MASTER = 0, 1, 2, 3, 4, 5
_R_NOT_IN_TREE = 255
_ROLE = {
    _R_DISABLED: Role.DISABLED,
    _R_ROOT: Role.ROOT,
    _R_DESIGNATED: Role.DESIGNATED,
    _R_ALTERNATE: Role.ALTERNATE,
    _R_BACKUP: Role.BACKUP,
    _R_MASTER: Role.MASTER,
}
_FORWARDING_ROLES = frozenset({_R_ROOT, _R_DESIGNATED, _R_MASTER})

# port status
_S_DOWN, _S_STP, _S_FILTER, _S_ERRDIS, _S_NOSTP = 0, 1, 2, 3, 4

_INF = 1 << 100

Vector = tuple[int, ...]
_Heap = list[tuple[Vector, int, int, int]]


class _Net:
    """The topology compiled to arrays (independent of failures)."""

    def __init__(self, topo: Topology) -> None:
        self.topology = topo
        self.names = [b.name for b in topo.bridges]
        self.bindex = {n: i for i, n in enumerate(self.names)}
        self.proto = [_PROTO[b.protocol] for b in topo.bridges]
        self.bid0 = [b.bridge_id(0) for b in topo.bridges]
        self.bports: list[list[int]] = [[] for _ in topo.bridges]
        self.pref: list[PortRef] = []
        self.pindex: dict[PortRef, int] = {}
        self.pbr: list[int] = []
        self.ppid: list[int] = []
        self.pcost: list[int] = []
        self.pmsti: list[dict[int, int] | None] = []
        self.padmin: list[bool] = []
        self.pedge: list[bool] = []
        self.pfilter: list[bool] = []
        self.pguard: list[bool] = []
        self.pp2p: list[bool | None] = []
        for i, p in enumerate(topo.ports):
            b = self.bindex[p.bridge]
            br = topo.bridges[b]
            prio = (
                p.priority if p.priority is not None else DEFAULT_PORT_PRIORITY[br.port_id_format]
            )
            self.pref.append(p.ref)
            self.pindex[p.ref] = i
            self.pbr.append(b)
            self.bports[b].append(i)
            self.ppid.append(port_identifier(prio, p.number, br.port_id_format))
            cost = p.cost if p.cost is not None else path_cost(p.speed_bps, br.cost_method)
            self.pcost.append(cost)
            self.pmsti.append(dict(p.msti_cost) if p.msti_cost else None)
            self.padmin.append(p.admin_up)
            self.pedge.append(p.edge)
            self.pfilter.append(p.bpdu_filter and self.proto[b] != _NONE)
            self.pguard.append(p.bpdu_guard and self.proto[b] != _NONE)
            self.pp2p.append(p.point_to_point)
        n_ports = len(self.pref)
        self.plink = [-1] * n_ports
        self.lpeer = [-1] * n_ports
        self.links: list[tuple[int, int]] = []
        self.link_ids: list[str] = []
        self.lindex: dict[str, int] = {}
        for li, link in enumerate(topo.links):
            a, b2 = self.pindex[link.a], self.pindex[link.b]
            self.links.append((a, b2))
            self.link_ids.append(link.id)
            self.plink[a] = self.plink[b2] = li
            self.lpeer[a], self.lpeer[b2] = b2, a
        for li, link in enumerate(topo.links):
            self.lindex[link.id] = li
            self.lindex[f"{link.a[0]}:{link.a[1]}~{link.b[0]}:{link.b[1]}"] = li
            self.lindex[f"{link.b[0]}:{link.b[1]}~{link.a[0]}:{link.a[1]}"] = li
        self.cfg: list[ConfigId | None] = []
        self.instances: list[tuple[int, ...]] = []
        seen: dict[int, tuple[ConfigId, tuple[int, ...]]] = {}  # shared MstConfig objects
        for i, brg in enumerate(topo.bridges):
            if self.proto[i] != _MSTP:
                self.cfg.append(None)
                self.instances.append(())
                continue
            known = seen.get(id(brg.mst)) if brg.mst is not None else None
            if known is None:
                known = (config_id(brg), brg.mst_config().instances)
                if brg.mst is not None:
                    seen[id(brg.mst)] = known
            self.cfg.append(known[0])
            self.instances.append(known[1])
        self._bid_cache: dict[int, list[int]] = {0: self.bid0}

    def bid(self, tree: int) -> list[int]:
        """Return the bridge identifiers of every bridge in tree ``tree``."""
        ids = self._bid_cache.get(tree)
        if ids is None:
            ids = [b.bridge_id(tree) for b in self.topology.bridges]
            self._bid_cache[tree] = ids
        return ids

    def cost(self, p: int, tree: int) -> int:
        """Return the path cost of port ``p`` in ``tree``."""
        if tree:
            over = self.pmsti[p]
            if over is not None and tree in over:
                return over[tree]
        return self.pcost[p]

    def resolve(self, failures: Failures) -> tuple[set[int], set[int], set[int]]:
        """Return (failed bridges, failed ports, failed links) as indices."""
        bad: list[str] = []
        fb: set[int] = set()
        fp: set[int] = set()
        fl: set[int] = set()
        for name in failures.bridges:
            if name in self.bindex:
                fb.add(self.bindex[name])
            else:
                bad.append(f"switch:{name}: no such bridge")
        for ref in failures.ports:
            if ref in self.pindex:
                fp.add(self.pindex[ref])
            else:
                bad.append(f"port:{ref[0]}:{ref[1]}: no such port")
        for lid in failures.links:
            if lid in self.lindex:
                fl.add(self.lindex[lid])
            else:
                bad.append(f"link:{lid}: no such link")
        if bad:
            raise TopologyError("; ".join(sorted(bad)))
        return fb, fp, fl


class _Find:
    """Union-find over integers."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[rb] = ra
        return True


class _Oper:
    """Operational state for one set of failures: which ports are up, LANs, regions."""

    balive: list[bool]
    pstat: bytearray
    pseg: list[int]
    segs: list[list[int]]
    ppeer: list[int]
    seg_internal: bytearray
    seg_stp: bytearray
    seg_direct: bytearray
    bpart: list[list[int]]
    region: list[int]
    regions: list[list[int]]
    link_up: bytearray

    @classmethod
    def build(cls, net: _Net, failures: Failures) -> _Oper:
        fb, fp, fl = net.resolve(failures)
        nb, npt = len(net.names), len(net.pref)
        self = cls()
        self.balive = [i not in fb for i in range(nb)]
        carrier = bytearray(npt)
        for p in range(npt):
            carrier[p] = net.padmin[p] and self.balive[net.pbr[p]] and p not in fp
        link_up = bytearray(len(net.links))
        for li, (a, b) in enumerate(net.links):
            link_up[li] = carrier[a] and carrier[b] and li not in fl
        # a port with no link is up when it has carrier (end stations behind it)
        up = bytearray(npt)
        for p in range(npt):
            li = net.plink[p]
            up[p] = carrier[p] if li < 0 else link_up[li]
        # pass 1 finds BPDU-guard trips; pass 2 takes their links down
        groups, direct, tripped = self._group(net, up, link_up, set())
        if tripped:
            for p in tripped:
                li = net.plink[p]
                if li >= 0:
                    link_up[li] = 0
                    up[net.lpeer[p]] = 0
            groups, direct, _ = self._group(net, up, link_up, tripped)
        self.link_up = link_up
        pstat = bytearray(npt)
        for p in range(npt):
            if not up[p]:
                pstat[p] = _S_DOWN
            elif p in tripped:
                pstat[p] = _S_ERRDIS
            elif net.proto[net.pbr[p]] == _NONE:
                pstat[p] = _S_NOSTP
            elif net.pfilter[p]:
                pstat[p] = _S_FILTER
            else:
                pstat[p] = _S_STP
        self.pstat = pstat
        self.pseg = [-1] * npt
        self.ppeer = [-1] * npt
        self.segs = groups
        self.seg_direct = bytearray(direct)
        for s, members in enumerate(groups):
            for p in members:
                self.pseg[p] = s
            if len(members) == 2:
                a, b = members
                self.ppeer[a], self.ppeer[b] = b, a
        self.bpart = [[p for p in net.bports[b] if pstat[p] == _S_STP] for b in range(nb)]
        # MST regions: MSTP bridges joined by LANs whose every port has the same config
        find = _Find(nb)
        proto, cfg, pbr = net.proto, net.cfg, net.pbr
        self.seg_stp = bytearray(len(groups))
        self.seg_internal = bytearray(len(groups))
        for s, members in enumerate(groups):
            brs = [pbr[p] for p in members]
            self.seg_stp[s] = any(proto[b] == _STP for b in brs)
            if len(members) >= 2 and all(proto[b] == _MSTP for b in brs):
                first = cfg[brs[0]]
                if all(cfg[b] == first for b in brs):
                    self.seg_internal[s] = 1
                    for b in brs[1:]:
                        find.union(brs[0], b)
        self.region = [-1] * nb
        self.regions = []
        rindex: dict[int, int] = {}
        for b in range(nb):
            if proto[b] == _MSTP and self.balive[b]:
                root = find.find(b)
                r = rindex.get(root)
                if r is None:
                    r = rindex[root] = len(self.regions)
                    self.regions.append([])
                self.region[b] = r
                self.regions[r].append(b)
        return self

    @staticmethod
    def _group(
        net: _Net, up: bytearray, link_up: bytearray, tripped: set[int]
    ) -> tuple[list[list[int]], list[int], set[int]]:
        """Group BPDU-speaking ports into LANs (through non-STP bridges)."""
        npt, nb = len(net.pref), len(net.names)
        proto, pbr = net.proto, net.pbr
        # node ids: ports 0..npt-1, non-STP bridges npt + b
        find = _Find(npt + nb)

        def node(p: int) -> int:
            b = pbr[p]
            return npt + b if proto[b] == _NONE else p

        speaking = bytearray(npt)
        for p in range(npt):
            speaking[p] = (
                up[p] and proto[pbr[p]] != _NONE and not net.pfilter[p] and p not in tripped
            )
        for li, (a, b) in enumerate(net.links):
            if not link_up[li]:
                continue
            if proto[pbr[a]] != _NONE and not speaking[a]:
                continue
            if proto[pbr[b]] != _NONE and not speaking[b]:
                continue
            find.union(node(a), node(b))
        by_root: dict[int, list[int]] = {}
        for p in range(npt):
            if speaking[p]:
                by_root.setdefault(find.find(p), []).append(p)
        groups = list(by_root.values())
        direct = []
        for members in groups:
            if len(members) == 2:
                a, b = members
                direct.append(1 if net.lpeer[a] == b else 0)
            else:
                direct.append(0)
        trips: set[int] = set()
        for members in groups:
            if len(members) >= 2:
                trips.update(p for p in members if net.pguard[p])
        return groups, direct, trips


class _Tree:
    """Arrays of one solved tree."""

    __slots__ = ("member", "parent", "role", "rport", "tree", "vec")

    def __init__(
        self,
        tree: int,
        member: bytearray,
        vec: list[Vector | None],
        rport: list[int],
        parent: list[int],
        role: bytearray,
    ) -> None:
        self.tree = tree
        self.member = member
        self.vec = vec
        self.rport = rport
        self.parent = parent
        self.role = role


# ---------------------------------------------------------------------------
# CIST


def _cist_seed_candidate(net: _Net, op: _Oper, v: Vector, q: int, p: int) -> Vector:
    """Return the root path priority vector port ``p`` derives from designated port ``q``.

    ``v`` is the root priority vector of ``q``'s bridge.
    """
    b = net.pbr[q]
    c = net.pbr[p]
    s = op.pseg[p]
    big_b = net.bid0[b]
    if op.seg_internal[s]:
        return (v[0], v[1], v[2], v[3] + net.pcost[p], big_b, net.ppid[q], net.ppid[p])
    if net.proto[b] == _MSTP and not op.seg_stp[s] and net.proto[c] != _MSTP:
        dfield = v[2]
    else:
        dfield = big_b
    return (v[0], v[1] + net.pcost[p], net.bid0[c], 0, dfield, net.ppid[q], net.ppid[p])


def _cist_dkey(net: _Net, op: _Oper, v: Vector, p: int) -> Vector:
    """Return the designated priority vector of port ``p`` (its bridge's vector ``v``)."""
    b = net.pbr[p]
    big_b = net.bid0[b]
    rr = big_b if net.proto[b] == _MSTP and op.seg_stp[op.pseg[p]] else v[2]
    return (v[0], v[1], rr, v[3], big_b, net.ppid[p])


def _cist_run(
    net: _Net, op: _Oper, vec: list[Vector | None], rport: list[int], parent: list[int], heap: _Heap
) -> None:
    """Pop best vectors until every reachable bridge is final (the Dijkstra loop).

    Notes
    -----
    O((B + P) log P) for B bridges and P ports; a LAN shared by k ports costs
    O(k) per bridge that reaches it first.
    """
    bid, proto, pbr, ppid, cost = net.bid0, net.proto, net.pbr, net.ppid, net.pcost
    pseg, ppeer, segs = op.pseg, op.ppeer, op.segs
    internal, segstp, bpart = op.seg_internal, op.seg_stp, op.bpart
    push, pop = heapq.heappush, heapq.heappop
    fired: set[int] = set()
    while heap:
        v, b, rp, par = pop(heap)
        if b < 0:
            s = -1 - b
            if s in fired:
                continue
            fired.add(s)
            _fire_segment(net, op, s, vec, heap)
            continue
        if vec[b] is not None:
            continue
        vec[b] = v
        rport[b] = rp
        parent[b] = par
        big_r, ext, rr, intc = v[0], v[1], v[2], v[3]
        big_b = bid[b]
        mst_b = proto[b] == _MSTP
        for p in bpart[b]:
            q = ppeer[p]
            s = pseg[p]
            if q >= 0:
                c = pbr[q]
                if vec[c] is not None:
                    continue
                if internal[s]:
                    push(heap, ((big_r, ext, rr, intc + cost[q], big_b, ppid[p], ppid[q]), c, q, p))
                else:
                    dfield = rr if mst_b and not segstp[s] and proto[c] != _MSTP else big_b
                    push(
                        heap,
                        ((big_r, ext + cost[q], bid[c], 0, dfield, ppid[p], ppid[q]), c, q, p),
                    )
            elif len(segs[s]) > 2 and s not in fired:
                if internal[s]:
                    key = (big_r, ext, rr, intc, _INF, _INF, _INF)
                else:
                    key = (big_r, ext, _INF, _INF, _INF, _INF, _INF)
                push(heap, (key, -1 - s, -1, -1))


def _fire_segment(net: _Net, op: _Oper, s: int, vec: list[Vector | None], heap: _Heap) -> None:
    """Relax a shared LAN once its designated port is known (all candidates popped)."""
    best: Vector | None = None
    best_p = -1
    for p in op.segs[s]:
        v = vec[net.pbr[p]]
        if v is None:
            continue
        key = _cist_dkey(net, op, v, p)
        if best is None or key < best:
            best, best_p = key, p
    if best_p < 0:
        return
    vb = vec[net.pbr[best_p]]
    assert vb is not None
    owner = net.pbr[best_p]
    for q in op.segs[s]:
        c = net.pbr[q]
        if c == owner or vec[c] is not None:
            continue
        heapq.heappush(heap, (_cist_seed_candidate(net, op, vb, best_p, q), c, q, best_p))


def _cist_roles(
    net: _Net, op: _Oper, vec: list[Vector | None], rport: list[int], ports: Any, role: bytearray
) -> None:
    """Write the CIST role of each port in ``ports`` into ``role``."""
    pstat, pbr, pseg, ppeer, segs = op.pstat, net.pbr, op.pseg, op.ppeer, op.segs
    proto, bid, ppid, segstp = net.proto, net.bid0, net.ppid, op.seg_stp
    for p in ports:
        st = pstat[p]
        b = pbr[p]
        if st != _S_STP:
            if st in (_S_FILTER, _S_NOSTP):
                role[p] = _R_DESIGNATED
            else:
                role[p] = _R_DISABLED
            continue
        if rport[b] == p:
            role[p] = _R_ROOT
            continue
        v = vec[b]
        assert v is not None
        q = ppeer[p]
        s = pseg[p]
        if q < 0 and len(segs[s]) == 1:
            role[p] = _R_DESIGNATED
            continue
        big_b = bid[b]
        mine = (
            v[0],
            v[1],
            big_b if proto[b] == _MSTP and segstp[s] else v[2],
            v[3],
            big_b,
            ppid[p],
        )
        if q >= 0:
            other_p = q
            vq = vec[pbr[q]]
            assert vq is not None
            other = _cist_dkey(net, op, vq, q)
        else:
            other_p = -1
            other = None
            for x in segs[s]:
                if x == p:
                    continue
                vx = vec[pbr[x]]
                assert vx is not None
                kx = _cist_dkey(net, op, vx, x)
                if other is None or kx < other:
                    other, other_p = kx, x
        assert other is not None
        if mine < other:
            role[p] = _R_DESIGNATED
        elif pbr[other_p] == b:
            role[p] = _R_BACKUP
        else:
            role[p] = _R_ALTERNATE


# ---------------------------------------------------------------------------
# MSTIs


def _msti_run(
    net: _Net,
    op: _Oper,
    tree: int,
    vec: list[Vector | None],
    rport: list[int],
    parent: list[int],
    heap: _Heap,
) -> None:
    """Dijkstra loop of one MSTI over the internal LANs of the regions that run it."""
    bid, pbr, ppid = net.bid(tree), net.pbr, net.ppid
    pseg, ppeer, segs, internal, bpart = op.pseg, op.ppeer, op.segs, op.seg_internal, op.bpart
    cost = net.cost
    push, pop = heapq.heappush, heapq.heappop
    fired: set[int] = set()
    while heap:
        v, b, rp, par = pop(heap)
        if b < 0:
            s = -1 - b
            if s in fired:
                continue
            fired.add(s)
            best: Vector | None = None
            best_p = -1
            for x in segs[s]:
                vx = vec[pbr[x]]
                if vx is None:
                    continue
                key = (vx[0], vx[1], bid[pbr[x]], ppid[x])
                if best is None or key < best:
                    best, best_p = key, x
            if best is not None:
                owner = pbr[best_p]
                for q in segs[s]:
                    c = pbr[q]
                    if c != owner and vec[c] is None:
                        cand = (best[0], best[1] + cost(q, tree), best[2], best[3], ppid[q])
                        push(heap, (cand, c, q, best_p))
            continue
        if vec[b] is not None:
            continue
        vec[b] = v
        rport[b] = rp
        parent[b] = par
        rr, intc = v[0], v[1]
        big_b = bid[b]
        for p in bpart[b]:
            s = pseg[p]
            if not internal[s]:
                continue
            q = ppeer[p]
            if q >= 0:
                c = pbr[q]
                if vec[c] is None:
                    push(heap, ((rr, intc + cost(q, tree), big_b, ppid[p], ppid[q]), c, q, p))
            elif s not in fired:
                push(heap, ((rr, intc, _INF, _INF, _INF), -1 - s, -1, -1))


def _msti_roles(
    net: _Net,
    op: _Oper,
    td: _Tree,
    cist_role: bytearray,
    ports: Any,
) -> None:
    """Write the MSTI role of each port in ``ports`` (of member bridges) into ``td.role``."""
    pstat, pbr, pseg, ppeer, segs = op.pstat, net.pbr, op.pseg, op.ppeer, op.segs
    bid, ppid, internal = net.bid(td.tree), net.ppid, op.seg_internal
    vec, rport, role, member = td.vec, td.rport, td.role, td.member
    for p in ports:
        b = pbr[p]
        if not member[b]:
            role[p] = _R_NOT_IN_TREE
            continue
        st = pstat[p]
        if st != _S_STP:
            role[p] = _R_DESIGNATED if st == _S_FILTER else _R_DISABLED
            continue
        s = pseg[p]
        if not internal[s]:
            r = cist_role[p]
            role[p] = _R_MASTER if r == _R_ROOT else r
            continue
        if rport[b] == p:
            role[p] = _R_ROOT
            continue
        v = vec[b]
        assert v is not None
        mine = (v[0], v[1], bid[b], ppid[p])
        q = ppeer[p]
        other: tuple[int, ...] | None = None
        other_p = -1
        candidates = (q,) if q >= 0 else tuple(x for x in segs[s] if x != p)
        for x in candidates:
            vx = vec[pbr[x]]
            assert vx is not None
            kx = (vx[0], vx[1], bid[pbr[x]], ppid[x])
            if other is None or kx < other:
                other, other_p = kx, x
        assert other is not None
        if mine < other:
            role[p] = _R_DESIGNATED
        elif pbr[other_p] == b:
            role[p] = _R_BACKUP
        else:
            role[p] = _R_ALTERNATE


# ---------------------------------------------------------------------------
# solving


class _Solved:
    """Everything a result needs: compiled net, operational state, tree arrays."""

    __slots__ = ("net", "op", "trees")

    def __init__(self, net: _Net, op: _Oper, trees: dict[int, _Tree]) -> None:
        self.net = net
        self.op = op
        self.trees = trees


def _solve_cist(net: _Net, op: _Oper) -> _Tree:
    nb, npt = len(net.names), len(net.pref)
    member = bytearray(nb)
    for b in range(nb):
        member[b] = op.balive[b] and net.proto[b] != _NONE
    vec: list[Vector | None] = [None] * nb
    rport = [-1] * nb
    parent = [-1] * nb
    bid = net.bid0
    heap: _Heap = [
        ((bid[b], 0, bid[b], 0, bid[b], 0, 0), b, -1, -1) for b in range(nb) if member[b]
    ]
    heapq.heapify(heap)
    _cist_run(net, op, vec, rport, parent, heap)
    role = bytearray(npt)
    _cist_roles(net, op, vec, rport, range(npt), role)
    return _Tree(0, member, vec, rport, parent, role)


def _msti_members(net: _Net, op: _Oper, tree: int) -> bytearray:
    member = bytearray(len(net.names))
    for brs in op.regions:
        if tree in net.instances[brs[0]]:
            for b in brs:
                member[b] = 1
    return member


def _solve_msti(net: _Net, op: _Oper, tree: int, cist: _Tree) -> _Tree:
    nb, npt = len(net.names), len(net.pref)
    member = _msti_members(net, op, tree)
    vec: list[Vector | None] = [None] * nb
    rport = [-1] * nb
    parent = [-1] * nb
    bid = net.bid(tree)
    heap: _Heap = [((bid[b], 0, bid[b], 0, 0), b, -1, -1) for b in range(nb) if member[b]]
    heapq.heapify(heap)
    _msti_run(net, op, tree, vec, rport, parent, heap)
    role = bytearray([_R_NOT_IN_TREE]) * npt
    td = _Tree(tree, member, vec, rport, parent, role)
    ports = [p for b in range(nb) if member[b] for p in net.bports[b]]
    _msti_roles(net, op, td, cist.role, ports)
    return td


def _all_instances(net: _Net, op: _Oper) -> list[int]:
    out: set[int] = set()
    for brs in op.regions:
        out.update(net.instances[brs[0]])
    return sorted(out)


_NET_CACHE: weakref.WeakKeyDictionary[Topology, _Net] = weakref.WeakKeyDictionary()


def _compile(topology: Topology) -> _Net:
    """Return the compiled arrays of ``topology`` (cached while the topology lives)."""
    net = _NET_CACHE.get(topology)
    if net is None:
        net = _NET_CACHE[topology] = _Net(topology)
    return net


def solve(topology: Topology, failures: Failures | None = None) -> SpanningTreeResult:
    """Return the converged spanning tree(s) of ``topology`` with ``failures`` down.

    Parameters
    ----------
    topology
        The bridged network.
    failures
        Failed bridges, ports and links (default: nothing failed).

    Returns
    -------
    SpanningTreeResult
        Per tree (CIST/the single tree = 0, MSTI n = n): each bridge's root,
        root port and root path cost, and each port's role and state, following
        IEEE 802.1D-2004 §17.6–17.7 and 802.1Q-2005 §13.9–13.13.

    Raises
    ------
    TopologyError
        When a failure names an unknown element.

    Notes
    -----
    O((B + P) log P) per tree for B bridges and P ports (one Dijkstra-like pass
    over priority vectors plus one pass over the ports); MSTIs only visit the
    bridges of the regions that run them.
    """
    failures = failures or Failures()
    net = _compile(topology)
    op = _Oper.build(net, failures)
    cist = _solve_cist(net, op)
    trees = {0: cist}
    for tree in _all_instances(net, op):
        trees[tree] = _solve_msti(net, op, tree, cist)
    return SpanningTreeResult(topology, failures, _Solved(net, op, trees))


# ---------------------------------------------------------------------------
# incremental


def solve_incremental(previous: SpanningTreeResult, element: str) -> SpanningTreeResult:
    """Return the result after ``element`` fails too, recomputing only what depends on it.

    Parameters
    ----------
    previous
        A result from :func:`solve` or :func:`solve_incremental`.
    element
        One more failed element: ``switch:NAME``, ``link:A:P~B:Q``,
        ``port:SW:PORT`` or ``lag:SW:NAME``.

    Returns
    -------
    SpanningTreeResult
        Always equal to ``solve(previous.topology, previous.failures.add(element))``.

    Raises
    ------
    TopologyError
        When ``element`` names nothing in the topology.

    Notes
    -----
    Removing an element can only make root priority vectors worse, and a bridge
    whose chain of root ports to the root avoids the element keeps its vector
    (a §17.6 vector depends only on the path it came along). So per tree only
    the bridges *below* the element (whose root port, or an ancestor's, used it)
    are recomputed, seeded with their own bridge vector and the unchanged
    vectors of their other neighbours, and only the ports of those bridges, of
    their link peers and of the element change role. A failure on no tree path
    (an Alternate or Backup port) costs a few O(B + P) array copies and nothing
    more. Trees are independent: an MSTI whose internal links do not include
    the element keeps its vectors and only follows CIST role changes at
    boundary ports. Falls back to :func:`solve` when the element touches a
    shared LAN or a non-STP bridge, a port shut by BPDU guard, or splits an
    MST region: there the LAN or region structure itself changes.
    """
    failures = previous.failures.add(element)
    state = previous._state
    net, op = state.net, state.op
    try:
        down, dead, touched = _newly_down(net, op, element)
    except KeyError:
        net.resolve(failures)  # raises a TopologyError naming the element
        raise
    if any(op.pstat[p] == _S_ERRDIS for p in touched):
        return solve(previous.topology, failures)
    if dead >= 0 and (net.proto[dead] == _NONE or not op.balive[dead]):
        if not op.balive[dead]:
            return SpanningTreeResult(previous.topology, failures, state)
        return solve(previous.topology, failures)
    if not down and dead < 0:
        return SpanningTreeResult(previous.topology, failures, state)
    for p in down:
        if net.proto[net.pbr[p]] == _NONE:
            return solve(previous.topology, failures)
        s = op.pseg[p]
        if s >= 0 and (len(op.segs[s]) > 2 or not op.seg_direct[s]) and len(op.segs[s]) > 1:
            return solve(previous.topology, failures)
    if _region_splits(net, op, down, dead):
        return solve(previous.topology, failures)
    new_op = _apply_down(op, net, down, dead)
    trees: dict[int, _Tree] = {}
    cist, recomputed = _incremental_tree(net, new_op, state.trees[0], down, dead, None, ())
    trees[0] = cist
    old_role = state.trees[0].role
    changed = [
        p for p in recomputed if cist.role[p] != old_role[p] and net.proto[net.pbr[p]] == _MSTP
    ]
    for tree, td in state.trees.items():
        if tree == 0:
            continue
        new_td, _ = _incremental_tree(net, new_op, td, down, dead, cist, changed)
        if any(new_td.member):
            trees[tree] = new_td
    return SpanningTreeResult(previous.topology, failures, _Solved(net, new_op, trees))


def _newly_down(net: _Net, op: _Oper, element: str) -> tuple[set[int], int, set[int]]:
    """Return (ports that go down, failed bridge or -1, every port the element touches)."""
    kind, _, rest = element.partition(":")
    dead = -1
    if kind in ("switch", "bridge"):
        dead = net.bindex[rest]
        ports = list(net.bports[dead])
    elif kind in ("port", "lag"):
        bridge, _, port = rest.partition(":")
        ports = [net.pindex[(bridge, port)]]
    elif kind == "link":
        ports = list(net.links[net.lindex[rest]])
    else:
        raise KeyError(element)
    touched = set(ports)
    for p in ports:
        q = net.lpeer[p]
        if q >= 0:
            touched.add(q)
    down = {p for p in touched if op.pstat[p] != _S_DOWN}
    return down, dead, touched


def _region_splits(net: _Net, op: _Oper, down: set[int], dead: int) -> bool:
    """Return True when taking ``down`` (and bridge ``dead``) away splits an MST region."""
    touched: set[int] = set()
    for p in down:
        s = op.pseg[p]
        if s >= 0 and op.seg_internal[s]:
            touched.update(net.pbr[x] for x in op.segs[s])
    touched.discard(dead)
    if len(touched) < 2:
        return False
    targets = set(touched)
    start = targets.pop()
    seen = {start}
    stack = [start]
    pbr, ppeer, pseg, internal, segs = net.pbr, op.ppeer, op.pseg, op.seg_internal, op.segs
    while stack and targets:
        b = stack.pop()
        for p in op.bpart[b]:
            if p in down:
                continue
            s = pseg[p]
            if not internal[s]:
                continue
            q = ppeer[p]
            for x in (q,) if q >= 0 else tuple(segs[s]):
                if x in down:
                    continue
                c = pbr[x]
                if c == dead or c in seen:
                    continue
                seen.add(c)
                targets.discard(c)
                stack.append(c)
    return bool(targets)


def _apply_down(op: _Oper, net: _Net, down: set[int], dead: int) -> _Oper:
    """Return a copy of ``op`` with ``down`` ports down and bridge ``dead`` failed."""
    new = _Oper()
    new.balive = list(op.balive)
    new.pstat = bytearray(op.pstat)
    new.pseg = list(op.pseg)
    new.ppeer = list(op.ppeer)
    new.segs = list(op.segs)
    new.bpart = list(op.bpart)
    new.link_up = bytearray(op.link_up)
    new.seg_internal, new.seg_stp, new.seg_direct = op.seg_internal, op.seg_stp, op.seg_direct
    new.region = op.region
    new.regions = op.regions
    for p in down:
        li = net.plink[p]
        if li >= 0:
            new.link_up[li] = 0
        new.pstat[p] = _S_DOWN
        s = op.pseg[p]
        if s >= 0:
            new.segs[s] = [x for x in new.segs[s] if x not in down]
            for x in new.segs[s]:
                new.ppeer[x] = -1
            new.pseg[p] = -1
            new.ppeer[p] = -1
        b = net.pbr[p]
        new.bpart[b] = [x for x in new.bpart[b] if x not in down]
    if dead >= 0:
        new.balive[dead] = False
        if op.region[dead] >= 0:
            regs = [[b for b in brs if b != dead] for brs in op.regions]
            new.regions = sorted((r for r in regs if r), key=lambda r: r[0])
            new.region = [-1] * len(op.region)
            for i, brs in enumerate(new.regions):
                for b in brs:
                    new.region[b] = i
    return new


def _segment_event(
    net: _Net, op: _Oper, s: int, vec: list[Vector | None], cist: bool
) -> Vector | None:
    """Return the heap key that relaxes shared LAN ``s`` after its best final bridge."""
    best: Vector | None = None
    internal = op.seg_internal[s]
    for x in op.segs[s]:
        v = vec[net.pbr[x]]
        if v is None:
            continue
        if not cist:
            key: Vector = (v[0], v[1], _INF, _INF, _INF)
        elif internal:
            key = (v[0], v[1], v[2], v[3], _INF, _INF, _INF)
        else:
            key = (v[0], v[1], _INF, _INF, _INF, _INF, _INF)
        if best is None or key < best:
            best = key
    return best


def _incremental_tree(
    net: _Net,
    op: _Oper,
    td: _Tree,
    down: set[int],
    dead: int,
    cist: _Tree | None,
    cist_changed: Iterable[int],
) -> tuple[_Tree, set[int]]:
    """Recompute one tree after ``down``/``dead``; ``cist`` is None for the CIST itself.

    Returns the new tree and the ports whose role was recomputed.
    """
    tree = td.tree
    pbr = net.pbr
    member = td.member
    start: set[int] = set()
    for p in down:
        b = pbr[p]
        if member[b] and td.rport[b] == p:
            start.add(b)
    if dead >= 0 and member[dead]:
        start.add(dead)
        member = bytearray(member)
        member[dead] = 0
    vec = list(td.vec)
    rport = list(td.rport)
    parent = list(td.parent)
    role = bytearray(td.role)
    affected: set[int] = set()
    if start:
        children: dict[int, list[int]] = {}
        tpar = td.parent
        for c in range(len(tpar)):
            q = tpar[c]
            if q >= 0:
                children.setdefault(pbr[q], []).append(c)
        stack = list(start)
        affected.update(start)
        while stack:
            b = stack.pop()
            for c in children.get(b, ()):
                if c not in affected:
                    affected.add(c)
                    stack.append(c)
        for b in affected:
            vec[b] = None
            rport[b] = -1
            parent[b] = -1
        heap: _Heap = []
        bid = net.bid(tree)
        ppeer, bpart, segs, pseg = op.ppeer, op.bpart, op.segs, op.pseg
        shared: set[int] = set()
        for b in affected:
            if not member[b]:
                continue
            if cist is None:
                heap.append(((bid[b], 0, bid[b], 0, bid[b], 0, 0), b, -1, -1))
            else:
                heap.append(((bid[b], 0, bid[b], 0, 0), b, -1, -1))
            for p in bpart[b]:
                q = ppeer[p]
                if q < 0:
                    sg = pseg[p]
                    if len(segs[sg]) > 2 and (cist is None or op.seg_internal[sg]):
                        shared.add(sg)
                    continue
                x = pbr[q]
                vx = vec[x]
                if vx is None:
                    continue
                if cist is None:
                    heap.append((_cist_seed_candidate(net, op, vx, q, p), b, p, q))
                elif op.seg_internal[op.pseg[p]]:
                    cand = (vx[0], vx[1] + net.cost(p, tree), bid[x], net.ppid[q], net.ppid[p])
                    heap.append((cand, b, p, q))
        for sg in shared:
            event = _segment_event(net, op, sg, vec, cist is None)
            if event is not None:
                heap.append((event, -1 - sg, -1, -1))
        heapq.heapify(heap)
        if cist is None:
            _cist_run(net, op, vec, rport, parent, heap)
        else:
            _msti_run(net, op, tree, vec, rport, parent, heap)
    ports: set[int] = set(down)
    if dead >= 0:
        ports.update(net.bports[dead])
    for b in affected:
        for p in net.bports[b]:
            ports.add(p)
            sg = op.pseg[p]
            if sg >= 0:
                ports.update(op.segs[sg])
    new = _Tree(tree, member, vec, rport, parent, role)
    if cist is None:
        _cist_roles(net, op, vec, rport, ports, role)
    else:
        ports.update(cist_changed)
        in_tree = [p for p in ports if member[pbr[p]]]
        _msti_roles(net, op, new, cist.role, in_tree)
        for p in ports:
            if not member[pbr[p]]:
                role[p] = _R_NOT_IN_TREE
    return new, ports


# ---------------------------------------------------------------------------
# results


class TreeResult:
    """The converged result of one tree (read-only view over compact arrays).

    Attributes
    ----------
    tree
        0 = CIST / single tree, n = MSTI n.
    """

    __slots__ = ("_result", "_td", "tree")

    def __init__(self, result: SpanningTreeResult, td: _Tree) -> None:
        self._result = result
        self._td = td
        self.tree = td.tree

    def __repr__(self) -> str:
        return f"TreeResult(tree={self.tree}, root={self.root!r})"

    @property
    def _net(self) -> _Net:
        return self._result._state.net

    @property
    def _op(self) -> _Oper:
        return self._result._state.op

    def _root_index(self, b: int) -> int:
        v = self._td.vec[b]
        if v is None:
            return -1
        return self._result._bid_index(self.tree).get(v[0], -1)

    @property
    def roots(self) -> tuple[str, ...]:
        """Return the root bridge of every connected part (CIST) or region (MSTI), best first."""
        net = self._net
        ids: set[int] = set()
        for b, v in enumerate(self._td.vec):
            if v is not None and self._td.member[b]:
                ids.add(v[0])
        index = self._result._bid_index(self.tree)
        return tuple(net.names[index[i]] for i in sorted(ids))

    @property
    def root(self) -> str | None:
        """Return the best root bridge of the tree (``None`` when no bridge runs it)."""
        roots = self.roots
        return roots[0] if roots else None

    def port(self, bridge: str, port: str) -> PortResult:
        """Return the result of port ``bridge``/``port`` in this tree.

        Raises
        ------
        KeyError
            When the port does not exist or its bridge is not in this tree.
        """
        p = self._net.pindex[(bridge, port)]
        if self._td.role[p] == _R_NOT_IN_TREE:
            raise KeyError(f"{bridge}:{port} is not in tree {self.tree}")
        return self._port(p)

    def _state_of(self, p: int, code: int) -> State:
        if code == _R_DISABLED:
            return State.DISABLED
        if code in _FORWARDING_ROLES:
            return State.FORWARDING
        if self._net.proto[self._net.pbr[p]] == _STP:
            return State.BLOCKING
        return State.DISCARDING

    def _designated(self, p: int) -> PortRef | None:
        net, op, td = self._net, self._op, self._td
        if op.pstat[p] != _S_STP:
            return None
        code = td.role[p]
        if code in (_R_DESIGNATED, _R_MASTER):
            return net.pref[p]
        cist_role = self._result._state.trees[0].role
        for x in op.segs[op.pseg[p]]:
            r = td.role[x] if td.member[net.pbr[x]] else cist_role[x]
            if x != p and r == _R_DESIGNATED:
                return net.pref[x]
        return None

    def _port(self, p: int) -> PortResult:
        net, op = self._net, self._op
        code = self._td.role[p]
        b = net.pbr[p]
        stp_bridge = net.proto[b] == _STP
        role = _ROLE[code]
        if stp_bridge and code in (_R_ALTERNATE, _R_BACKUP):
            role = Role.ALTERNATE
        st = op.pstat[p]
        s = op.pseg[p]
        p2p_admin = net.pp2p[p]
        if p2p_admin is not None:
            p2p = p2p_admin
        else:
            p2p = s < 0 or len(op.segs[s]) <= 1 or bool(op.seg_direct[s])
        return PortResult(
            bridge=net.pref[p][0],
            port=net.pref[p][1],
            tree=self.tree,
            role=role,
            state=self._state_of(p, code),
            cost=net.cost(p, self.tree),
            designated=self._designated(p),
            boundary=net.proto[b] == _MSTP and st == _S_STP and not op.seg_internal[s],
            edge=net.pedge[p],
            point_to_point=p2p,
            err_disabled=st == _S_ERRDIS,
            bpdu_filtered=st == _S_FILTER,
            stp=net.proto[b] != _NONE,
        )

    def ports(self) -> Iterator[PortResult]:
        """Yield every port of this tree, in topology order."""
        role = self._td.role
        for p in range(len(role)):
            if role[p] != _R_NOT_IN_TREE:
                yield self._port(p)

    def bridge(self, name: str) -> BridgeResult:
        """Return the result of bridge ``name`` in this tree.

        Raises
        ------
        KeyError
            When the bridge is unknown or not in this tree.
        """
        b = self._net.bindex[name]
        if self.tree and not self._td.member[b]:
            raise KeyError(f"{name} is not in tree {self.tree}")
        return self._bridge(b)

    def _bridge(self, b: int) -> BridgeResult:
        net, td = self._net, self._td
        v = td.vec[b]
        bid = net.bid(self.tree)[b]
        if v is None or not td.member[b]:
            return BridgeResult(net.names[b], self.tree, bid, None, None, 0, 0, None)
        index = self._result._bid_index(self.tree)
        rp = td.rport[b]
        if self.tree == 0:
            rr = net.names[index[v[2]]] if net.proto[b] == _MSTP else None
            return BridgeResult(
                net.names[b], 0, bid, net.names[index[v[0]]],
                net.pref[rp][1] if rp >= 0 else None, v[1], v[3], rr,
            )  # fmt: skip
        root = net.names[index[v[0]]]
        return BridgeResult(
            net.names[b], self.tree, bid, root,
            net.pref[rp][1] if rp >= 0 else None, v[1], 0, root,
        )  # fmt: skip

    def bridges(self) -> Iterator[BridgeResult]:
        """Yield every bridge of this tree, in topology order."""
        for b in range(len(self._net.names)):
            if self.tree == 0 or self._td.member[b]:
                yield self._bridge(b)


@dataclass(frozen=True, eq=False)
class SpanningTreeResult:
    """The converged spanning trees of a topology under a set of failures.

    Attributes
    ----------
    topology, failures
        The input.
    """

    topology: Topology = field(repr=False)
    failures: Failures
    _state: _Solved = field(repr=False)

    def __repr__(self) -> str:
        return (
            f"SpanningTreeResult(protocol={self.protocol!r}, trees={list(self._state.trees)}, "
            f"failures={list(self.failures.elements())})"
        )

    @cached_property
    def trees(self) -> Mapping[int, TreeResult]:
        """Return tree number → :class:`TreeResult` (0 = CIST/single tree, then MSTIs)."""
        return {t: TreeResult(self, td) for t, td in sorted(self._state.trees.items())}

    @cached_property
    def _bid_indexes(self) -> dict[int, dict[int, int]]:
        return {}

    def _bid_index(self, tree: int) -> dict[int, int]:
        idx = self._bid_indexes.get(tree)
        if idx is None:
            idx = {bid: b for b, bid in enumerate(self._state.net.bid(tree))}
            self._bid_indexes[tree] = idx
        return idx

    @property
    def protocol(self) -> str:
        """Return ``stp``, ``rstp`` or ``mstp``: the most capable protocol any live bridge runs."""
        net, op = self._state.net, self._state.op
        best = max(
            (net.proto[b] for b in range(len(net.names)) if op.balive[b]),
            default=_RSTP,
        )
        return _PROTO_NAME.get(best, "rstp")

    def tree(self, n: int = 0) -> TreeResult:
        """Return tree ``n`` (0 = CIST). Raises ``KeyError`` when no region runs MSTI ``n``."""
        return self.trees[n]

    def port(self, bridge: str, port: str, tree: int = 0) -> PortResult:
        """Return port ``bridge``/``port`` in tree ``tree`` (see :meth:`TreeResult.port`)."""
        return self.trees[tree].port(bridge, port)

    def tree_for_vlan(self, bridge: str, vlan: int) -> int:
        """Return the tree that governs ``vlan`` on ``bridge`` (0 = CIST).

        Returns
        -------
        int
            The MSTI the bridge's MST configuration allocates ``vlan`` to, when
            that MSTI runs in this result; otherwise 0 (802.1Q-2005 §8.9).
        """
        tree = self.topology.bridge_by_name[bridge].tree_for_vlan(vlan)
        return tree if tree in self._state.trees else 0

    def vlan_port(self, bridge: str, port: str, vlan: int) -> PortResult:
        """Return the result of a port for the tree that carries ``vlan`` on its bridge."""
        return self.port(bridge, port, self.tree_for_vlan(bridge, vlan))

    @cached_property
    def regions(self) -> tuple[Region, ...]:
        """Return the MST regions (bridges running MSTP, grouped per §13.5)."""
        net, op = self._state.net, self._state.op
        cist = self._state.trees[0]
        index = self._bid_index(0)
        out = []
        for r, brs in enumerate(op.regions):
            v = cist.vec[brs[0]]
            rr = net.names[index[v[2]]] if v is not None else net.names[brs[0]]
            cfg = net.cfg[brs[0]]
            assert cfg is not None  # regions only hold MSTP bridges
            out.append(
                Region(
                    index=r,
                    config=cfg,
                    bridges=tuple(net.names[b] for b in brs),
                    instances=net.instances[brs[0]],
                    regional_root=rr,
                )
            )
        return tuple(out)

    @cached_property
    def loops(self) -> tuple[Loop, ...]:
        """Return forwarding loops that spanning tree does not break.

        Returns
        -------
        tuple[Loop, ...]
            For each tree t, the cycles of the graph of links whose both ends
            forward (a bridge uses tree t when its region runs MSTI t, the CIST
            otherwise; a non-STP bridge forwards on every port). Only BPDU
            filtering and bridges without spanning tree can create one.

        Notes
        -----
        O(B + L) per tree: repeatedly strip bridges with one forwarding link;
        what remains lies on cycles.
        """
        net, op = self._state.net, self._state.op
        if not any(op.pstat[p] in (_S_FILTER, _S_NOSTP) for p in range(len(net.pref))):
            return ()
        out: list[Loop] = []
        for t in sorted(self._state.trees):
            out.extend(self._loops_in(t))
        return tuple(out)

    def _loops_in(self, t: int) -> list[Loop]:
        net, op = self._state.net, self._state.op
        td = self._state.trees[t]
        cist = self._state.trees[0]

        def forwarding(p: int) -> bool:
            st = op.pstat[p]
            if st in (_S_FILTER, _S_NOSTP):
                return True
            if st != _S_STP:
                return False
            b = net.pbr[p]
            role = td.role[p] if td.member[b] else cist.role[p]
            return role in _FORWARDING_ROLES

        edges: list[tuple[int, int, int]] = []
        for li, (a, b) in enumerate(net.links):
            if op.link_up[li] and forwarding(a) and forwarding(b):
                edges.append((net.pbr[a], net.pbr[b], li))
        groups = loop_groups(edges)
        loops = []
        for members in groups:
            brs = sorted({b for i in members for b in edges[i][:2]})
            links = tuple(sorted(net.link_ids[edges[i][2]] for i in members))
            causes: set[str] = set()
            for i in members:
                a, b = net.links[edges[i][2]]
                for p in (a, b):
                    if op.pstat[p] == _S_FILTER:
                        causes.add(f"bpdu_filter on {net.pref[p][0]}:{net.pref[p][1]}")
                    elif op.pstat[p] == _S_NOSTP:
                        causes.add(f"no spanning tree on {net.pref[p][0]}")
            loops.append(Loop(t, tuple(net.names[b] for b in brs), links, tuple(sorted(causes))))
        return loops

    def to_dict(self) -> dict[str, Any]:
        """Return the result in the shape of ``hvlab stp --format json``.

        Returns
        -------
        dict
            ``{"protocol", "trees": [{"instance", "root", "roots", "ports":
            [{"switch", "port", "role", "state", "cost", ...}]}], "regions",
            "loops"}``.
        """
        trees = []
        for n, tr in self.trees.items():
            ports = [
                {
                    "switch": pr.bridge,
                    "port": pr.port,
                    "role": str(pr.role),
                    "state": str(pr.state),
                    "cost": pr.cost,
                    "designated": f"{pr.designated[0]}:{pr.designated[1]}"
                    if pr.designated
                    else None,
                    "boundary": pr.boundary,
                    "edge": pr.edge,
                    "err_disabled": pr.err_disabled,
                    "bpdu_filtered": pr.bpdu_filtered,
                    "stp": pr.stp,
                }
                for pr in tr.ports()
            ]
            trees.append({"instance": n, "root": tr.root, "roots": list(tr.roots), "ports": ports})
        return {
            "protocol": self.protocol,
            "trees": trees,
            "regions": [
                {
                    "name": r.config.name,
                    "revision": r.config.revision,
                    "digest": r.config.digest,
                    "bridges": list(r.bridges),
                    "instances": list(r.instances),
                    "regional_root": r.regional_root,
                }
                for r in self.regions
            ],
            "loops": [
                {
                    "instance": lp.tree,
                    "switches": list(lp.bridges),
                    "links": list(lp.links),
                    "causes": list(lp.causes),
                }
                for lp in self.loops
            ],
        }
