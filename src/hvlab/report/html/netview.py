"""What the topology picture shows, computed from the lab and the layer-2 engine.

The picture draws *lines*, not engine links: one line per cable between a switch and a
host, one line per spanning-tree link between two lab switches (a LAG pair is one line;
a LAG split over two stack members is one line per member switch, both sharing the
LAG's state), one line per cable the engine leaves out of spanning tree (an MLAG peer
link, a cable to the wrong LAG partner) and per host-to-host cable.

Line ids are stable and readable: ``link-A-PA-B-PB`` with the ends in the lab file's
order and ``PA``/``PB`` the LAG name when the cable end is a LAG member, else the port
or NIC (``link-tor1-Po1-tor2-Po1``, ``link-node1-LM-tor1-5``). Characters that are not
letters, digits, ``.``, ``_`` or ``-`` become ``_`` (``Eth1/47`` → ``Eth1_47``).

For every *view* -- each spanning tree (CIST / the single tree, each MSTI) and each VLAN
of the lab -- each line gets one state letter, read from the spanning-tree engine:

====  ======================================================================
F     forwarding at both ends
A     blocked (discarding/blocking) at end a (the first end of the id)
B     blocked at end b
X     blocked at both ends
N     the VLAN is not carried on the line (not allowed at one end), or the
      line is not in that MST instance
D     down: every cable of it is down, or a port of it is disabled
E     not a spanning-tree link (left out by the engine, see ``why``)
H     a host-to-host cable (no switch, no spanning tree)
====  ======================================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from hvlab.condition import Condition
from hvlab.l2.fromlab import LabTopology, cable_speed, topology_from_lab
from hvlab.l2.network import L2View, analyse
from hvlab.l2.stp import SpanningTreeResult, State
from hvlab.l2.topology import PortRef
from hvlab.model.lab import Lab
from hvlab.model.network import Link as Cable
from hvlab.model.units import format_speed

__all__ = [
    "BLOCKED_STATES",
    "DrawLine",
    "L2Picture",
    "View",
    "analyse_picture",
    "css_id",
    "host_id",
    "line_id",
    "switch_id",
]

BLOCKED_STATES = frozenset({State.DISCARDING, State.BLOCKING})
"""Port states drawn as blocked (a converged port is forwarding, one of these, or disabled)."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def css_id(text: str) -> str:
    """Return ``text`` with every character outside ``[A-Za-z0-9._-]`` replaced by ``_``."""
    return _UNSAFE.sub("_", text)


def switch_id(name: str) -> str:
    """Return the SVG id of a switch (``sw-tor1``)."""
    return f"sw-{css_id(name)}"


def host_id(name: str) -> str:
    """Return the SVG id of a host (``host-node1``)."""
    return f"host-{css_id(name)}"


def line_id(a: str, pa: str, b: str, pb: str) -> str:
    """Return the SVG id of a line between ``a:pa`` and ``b:pb`` (``link-tor1-Po1-tor2-Po1``)."""
    return "link-" + "-".join(css_id(x) for x in (a, pa, b, pb))


@dataclass
class DrawLine:
    """One line of the picture.

    Attributes
    ----------
    id : str
        Stable SVG id (see the module docstring).
    a, b : str
        The lab nodes (switch or host) at its ends, in the lab's order.
    pa, pb : str
        The LAG, port or NIC names used in the id.
    kind : str
        ``isl`` (switch to switch), ``host`` (switch to host), ``excluded`` (a cable
        spanning tree does not use) or ``direct`` (host to host).
    cables : tuple of Cable
        The lab cables drawn by this line.
    refs : tuple of (PortRef or None, PortRef or None)
        The spanning-tree ports at ends a and b (None for a host end).
    stp_link : str or None
        The engine's link id (``tor1:Po1~tor2:Po1``) for an ``isl`` line.
    element : str
        The name to fail it with ``--down`` (``lag:tor1:Po1`` or ``link:A:P~B:Q``).
    speeds : tuple of int
        Speed of each cable (bit/s, 0 when unknown).
    why : str
        For an ``excluded`` line, why spanning tree leaves it out.
    lag : bool
        An end of it is a LAG.
    """

    id: str
    a: str
    b: str
    pa: str
    pb: str
    kind: str
    cables: tuple[Cable, ...]
    refs: tuple[PortRef | None, PortRef | None]
    stp_link: str | None
    element: str
    speeds: tuple[int, ...]
    why: str = ""
    lag: bool = False

    @property
    def speed_bps(self) -> int:
        """Return the line's total speed (a LAG: the sum of its cables)."""
        return sum(self.speeds)

    @property
    def label(self) -> str:
        """Return the speed as people write it: ``10G``, ``2×1G``, ``11G`` (mixed)."""
        if not self.speeds or not any(self.speeds):
            return "?"
        if len(self.speeds) == 1:
            return format_speed(self.speeds[0])
        if len(set(self.speeds)) == 1:
            return f"{len(self.speeds)}×{format_speed(self.speeds[0])}"
        return format_speed(self.speed_bps)


@dataclass(frozen=True)
class View:
    """One entry of the VLAN / MST-instance selector.

    Attributes
    ----------
    key : str
        ``tree:N`` or ``vlan:N``.
    label : str
        What the selector shows.
    states : str
        One state letter per line, in line order (see the module docstring).
    roots : tuple of str
        Lab switches that are a root bridge in this view.
    blocked : Mapping[int, str]
        Line index → which port blocks and in which role/state (for the tooltip).
    """

    key: str
    label: str
    states: str
    roots: tuple[str, ...]
    blocked: Mapping[int, str] = field(default_factory=dict)

    def blocked_lines(self) -> tuple[int, ...]:
        """Return the indexes of the lines blocked at one end or both."""
        return tuple(i for i, s in enumerate(self.states) if s in "ABX")


@dataclass(frozen=True)
class L2Picture:
    """Lines, views and the engine answers behind them.

    Attributes
    ----------
    lines : tuple of DrawLine
        Every line, in the order of the lab's cables.
    views : tuple of View
        The selector's entries; the first one is the default.
    protocol : str
        ``stp``, ``rstp`` or ``mstp``.
    stp : SpanningTreeResult
        The engine's answer under the condition.
    topology : LabTopology
        The engine's view of the lab under the condition.
    l2 : L2View
        The layer-2 facade's view (paths, forwarding graphs).
    notes : tuple of str
        Assumptions the lab-to-bridge mapping applied (derived MACs, MLAG, ...).
    """

    lines: tuple[DrawLine, ...]
    views: tuple[View, ...]
    protocol: str
    stp: SpanningTreeResult
    topology: LabTopology
    l2: L2View
    notes: tuple[str, ...] = ()

    def line(self, line_id: str) -> DrawLine:
        """Return the line with this id (``KeyError`` when none)."""
        for line in self.lines:
            if line.id == line_id:
                return line
        raise KeyError(line_id)

    def view(self, key: str) -> View:
        """Return the view with this key (``KeyError`` when none)."""
        for view in self.views:
            if view.key == key:
                return view
        raise KeyError(key)

    @cached_property
    def index(self) -> dict[tuple[str, str], list[int]]:
        """Return ``(node, port)`` → line indexes, for mapping path hops onto lines.

        Keys: both ends of every cable (switch port, host NIC), each LAG by its lab name
        and by its spanning-tree name, and each host team by its name.
        """
        out: dict[tuple[str, str], list[int]] = {}

        def add(key: tuple[str, str], i: int) -> None:
            bucket = out.setdefault(key, [])
            if i not in bucket:
                bucket.append(i)

        for i, line in enumerate(self.lines):
            add((line.a, line.pa), i)
            add((line.b, line.pb), i)
            for cable in line.cables:
                for end in cable.endpoints:
                    node, _, port = end.partition(":")
                    add((node, port), i)
            for ref in line.refs:
                if ref is not None:
                    add(ref, i)
        lab = self.topology.lab
        for host in lab.hosts.values():
            groups = {t.name: t.members for t in host.teams.values()}
            groups.update({v.name: v.members for v in host.vswitches.values() if v.members})
            for name, members in groups.items():
                for member in members:
                    for i in out.get((host.name, member), []):
                        add((host.name, name), i)
        return out


def _ends(cable: Cable) -> tuple[tuple[str, str], tuple[str, str]]:
    (na, _, pa), (nb, _, pb) = (e.partition(":") for e in cable.endpoints)
    return (na, pa), (nb, pb)


def _lines(lab: Lab, lt: LabTopology) -> list[DrawLine]:
    """Return the lines of ``lab`` (see the module docstring), in the order of its cables."""
    excluded = {e.cable: e.detail for e in lt.excluded}
    lines: list[DrawLine] = []
    grouped: dict[tuple[str, str, str], DrawLine] = {}
    used_ids: set[str] = set()

    def unique(base: str) -> str:
        out, n = base, 2
        while out in used_ids:
            out, n = f"{base}-{n}", n + 1
        used_ids.add(out)
        return out

    for cable in lab.links:
        (na, pa), (nb, pb) = _ends(cable)
        speed = cable_speed(lab, cable) or 0
        a_sw = na in lab.switches and pa in lab.switches[na].ports
        b_sw = nb in lab.switches and pb in lab.switches[nb].ports
        ra = lt.ref_of(na, pa) if a_sw else None
        rb = lt.ref_of(nb, pb) if b_sw else None
        link_id = lt.cable_link.get(cable.element)
        if a_sw and b_sw and link_id is not None and ra is not None and rb is not None:
            key = (link_id, na, nb)
            rkey = (link_id, nb, na)
            if rkey in grouped:  # the same pair written the other way round
                line = grouped[rkey]
                line.cables += (cable,)
                line.speeds += (speed,)
                continue
            if key in grouped:
                line = grouped[key]
                line.cables += (cable,)
                line.speeds += (speed,)
                continue
            la, lb = lt.ports[ra], lt.ports[rb]
            name_a = la.name if la.kind == "lag" else pa
            name_b = lb.name if lb.kind == "lag" else pb
            if la.kind == "lag":
                element = f"lag:{la.switch}:{la.name}"
            elif lb.kind == "lag":
                element = f"lag:{lb.switch}:{lb.name}"
            else:
                element = cable.element
            line = DrawLine(
                id=unique(line_id(na, name_a, nb, name_b)),
                a=na,
                b=nb,
                pa=name_a,
                pb=name_b,
                kind="isl",
                cables=(cable,),
                refs=(ra, rb),
                stp_link=link_id,
                element=element,
                speeds=(speed,),
                lag="lag" in (la.kind, lb.kind),
            )
            grouped[key] = line
            lines.append(line)
            continue
        if a_sw and b_sw:
            kind, why = "excluded", excluded.get(cable.element, "not a spanning-tree link")
        elif a_sw or b_sw:
            kind, why = "host", ""
        else:
            kind, why = "direct", ""
        lines.append(
            DrawLine(
                id=unique(line_id(na, pa, nb, pb)),
                a=na,
                b=nb,
                pa=pa,
                pb=pb,
                kind=kind,
                cables=(cable,),
                refs=(ra, rb),
                stp_link=None,
                element=cable.element,
                speeds=(speed,),
                why=why,
            )
        )
    # WAN links that extend VLANs are spanning-tree links without cables.
    ends_of = {link.id: (link.a, link.b) for link in lt.topology.links}
    for wan_name, link_id in lt.wan_links.items():
        wan = lab.wan_links[wan_name]
        ra, rb = ends_of[link_id]
        na, nb = lt.ports[ra].switch, lt.ports[rb].switch
        lines.append(
            DrawLine(
                id=unique(line_id(na, f"wan-{wan_name}", nb, f"wan-{wan_name}")),
                a=na,
                b=nb,
                pa=f"wan:{wan_name}",
                pb=f"wan:{wan_name}",
                kind="isl",
                cables=(),
                refs=(ra, rb),
                stp_link=link_id,
                element=f"wan:{wan_name}",
                speeds=(wan.bandwidth,),
            )
        )
    return lines


def lab_vlans(lab: Lab) -> tuple[int, ...]:
    """Return the VLANs the selector offers: the lab's ``vlans:`` and cluster networks' VLANs.

    When neither names one, the access and allowed VLANs of the switch ports; VLAN 1 for a
    lab that names no VLAN at all.
    """
    vlans: set[int] = {v for v in lab.vlans if v > 0}
    for cluster in lab.clusters.values():
        vlans.update(n.vlan for n in cluster.networks.values() if n.vlan)
    if not vlans:
        for sw in lab.switches.values():
            for port in sw.ports.values():
                if port.vlan:
                    vlans.add(port.vlan)
                vlans.update(v for v in port.vlans or () if v > 0)
            for lag in sw.lags.values():
                if lag.vlan:
                    vlans.add(lag.vlan)
                vlans.update(v for v in lag.vlans or () if v > 0)
    return tuple(sorted(vlans)) or (1,)


def _tree_ports(
    stp: SpanningTreeResult, ref: PortRef, tree: int | None, vlan: int | None
) -> tuple[Any, int] | None:
    """Return (PortResult, tree) of ``ref`` for a tree view or a VLAN view (None: not in it)."""
    try:
        if vlan is not None:
            t = stp.tree_for_vlan(ref[0], vlan)
            return stp.port(ref[0], ref[1], t), t
        assert tree is not None
        return stp.port(ref[0], ref[1], tree), tree
    except KeyError:
        return None


def _describe(lt: LabTopology, ref: PortRef, result: Any) -> str:
    lp = lt.ports[ref]
    return f"{lp.switch}:{lp.name} {result.role} {result.state}"


def _state(
    lab: Lab,
    condition: Condition,
    lt: LabTopology,
    stp: SpanningTreeResult,
    line: DrawLine,
    tree: int | None,
    vlan: int | None,
) -> tuple[str, str]:
    """Return (state letter, blocked-port description) of ``line`` in one view."""
    if line.element.startswith("wan:"):
        wan = lab.wan_links[line.element.removeprefix("wan:")]
        up = [
            not condition.is_down(line.element)
            and all(condition.switch_is_up(lab, s) for s in wan.switches or ())
        ]
    else:
        up = [condition.link_is_up(lab, c) for c in line.cables]
    if not any(up):
        return "D", ""
    if line.kind == "direct":
        return "H", ""
    if line.kind == "excluded":
        return "E", ""
    letters = []
    notes = []
    for end, ref in zip(("A", "B"), line.refs, strict=True):
        if ref is None or ref not in lt.ports:
            continue
        if vlan is not None and not lt.ports[ref].vlans.carries(vlan):
            return "N", ""
        found = _tree_ports(stp, ref, tree, vlan)
        if found is None:
            return "N", ""
        result, _ = found
        if result.state == State.DISABLED:
            return "D", ""
        if result.state in BLOCKED_STATES:
            letters.append(end)
            notes.append(_describe(lt, ref, result))
    if not letters:
        return "F", ""
    return ("X" if len(letters) == 2 else letters[0]), "; ".join(notes)


def _carrying(lt: LabTopology, lines: Sequence[DrawLine], vlan: int) -> set[str]:
    """Return the bridges with a cabled port (to a switch or a host) that carries ``vlan``."""
    out: set[str] = set()
    for line in lines:
        for ref in line.refs:
            if ref is not None and ref in lt.ports and lt.ports[ref].vlans.carries(vlan):
                out.add(ref[0])
    return out


def _roots(
    lt: LabTopology,
    stp: SpanningTreeResult,
    tree: int | None,
    vlan: int | None,
    lines: Sequence[DrawLine],
) -> tuple[str, ...]:
    carrying = _carrying(lt, lines, vlan) if vlan is not None else set()
    for_vlan = vlan is not None
    names: set[str] = set()
    for bridge in lt.bridges:
        if for_vlan and bridge not in carrying:
            continue
        t = stp.tree_for_vlan(bridge, vlan) if vlan is not None else tree
        assert t is not None
        try:
            root = stp.trees[t].bridge(bridge).root
        except KeyError:
            continue
        if root is not None:
            names.update(lt.bridges.get(root, (root,)))
    return tuple(s for s in lt.lab.switches if s in names)


def _msti_vlans(lt: LabTopology, tree: int) -> tuple[int, ...]:
    vlans: set[int] = set()
    for bridge in lt.topology.bridges:
        if bridge.protocol == "mstp" and bridge.mst is not None:
            vlans.update(v for v, m in bridge.mst.vlan_map if m == tree)
    return tuple(sorted(vlans))


def _vlan_label(
    lab: Lab, lt: LabTopology, stp: SpanningTreeResult, vlan: int, lines: Sequence[DrawLine]
) -> str:
    name = lab.vlans.get(vlan, "")
    if not name:
        for cluster in lab.clusters.values():
            for net in cluster.networks.values():
                if net.vlan == vlan:
                    name = net.name
                    break
            if name:
                break
    bridges = _carrying(lt, lines, vlan) or set(lt.bridges)
    trees = sorted({stp.tree_for_vlan(b, vlan) for b in bridges})
    label = f"VLAN {vlan}" + (f" {name}" if name else "")
    if stp.protocol == "mstp":
        label += " · " + ", ".join("CIST" if t == 0 else f"MSTI {t}" for t in trees)
    return label


def analyse_picture(
    lab: Lab, condition: Condition | None = None, vlans: Sequence[int] | None = None
) -> L2Picture:
    """Return the lines of ``lab`` and their state in every tree and VLAN under ``condition``.

    Parameters
    ----------
    lab : Lab
        The lab.
    condition : Condition, optional
        What is down (``--down``); nothing by default.
    vlans : sequence of int, optional
        The VLAN views to compute; :func:`lab_vlans` by default.

    Returns
    -------
    L2Picture
        Lines in cable order; views ``tree:0`` (first), ``tree:N`` for each MSTI, then
        ``vlan:N`` for each VLAN.
    """
    condition = condition or Condition.none()
    l2 = analyse(lab, condition)
    lt, stp = l2.topology, l2.stp
    # The lines come from the lab as built, so they are the same whatever is down.
    lines = _lines(lab, topology_from_lab(lab) if condition else lt)
    mstp = stp.protocol == "mstp"
    views: list[View] = []
    specs: list[tuple[str, str, int | None, int | None]] = []
    for number in stp.trees:
        if number == 0:
            label = "CIST (instance 0)" if mstp else "Spanning tree (one tree for every VLAN)"
        else:
            members = _msti_vlans(lt, number)
            label = f"MSTI {number}" + (
                f" (VLANs {', '.join(map(str, members))})" if members else ""
            )
        specs.append((f"tree:{number}", label, number, None))
    if not specs:
        specs.append(("tree:0", "Spanning tree", 0, None))
    for v in vlans if vlans is not None else lab_vlans(lab):
        specs.append((f"vlan:{v}", _vlan_label(lab, lt, stp, v, lines), None, v))
    for key, label, tree, vlan in specs:
        letters: list[str] = []
        blocked: dict[int, str] = {}
        for i, line in enumerate(lines):
            letter, note = _state(lab, condition, lt, stp, line, tree, vlan)
            letters.append(letter)
            if note:
                blocked[i] = note
        views.append(
            View(key, label, "".join(letters), _roots(lt, stp, tree, vlan, lines), blocked)
        )
    return L2Picture(tuple(lines), tuple(views), stp.protocol, stp, lt, l2, tuple(lt.notes))


def line_indexes(picture: L2Picture, hops: Iterable[Any]) -> list[int]:
    """Return the indexes of the lines a path's hops run over, in hop order.

    A hop has ``node``, ``port``, ``next_node`` and ``next_port``; a hop is matched to the
    line both of its ends belong to (a port, a LAG, a NIC or a team of a host).
    """
    index = picture.index
    out: list[int] = []
    for hop in hops:
        here = _lookup(index, str(hop.node), str(hop.port))
        there = _lookup(index, str(hop.next_node), str(hop.next_port))
        both = [i for i in here if i in there] or (here or there)[:1]
        for i in both:
            if i not in out:
                out.append(i)
    return out


def _lookup(index: Mapping[tuple[str, str], list[int]], node: str, port: str) -> list[int]:
    found = index.get((node, port))
    if found:
        return found
    if ":" in port:  # a stack bridge's port name, MEMBER:PORT
        member, _, name = port.partition(":")
        return index.get((member, name), [])
    return []
