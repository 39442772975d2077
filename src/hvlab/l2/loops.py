"""Loops, broadcast storms, MAC flapping, and VLAN / native VLAN / LAG / MTU mismatches.

Plain results with element names (``port:tor1:5``, ``lag:tor1:Po1``,
``link:tor1:47~tor2:47``, ``nic:node1:LM``, ``vm:SQL1``); the rule engine turns them into
findings. :func:`find_problems` returns them all for one :class:`~hvlab.l2.network.L2View`.

Storms (:func:`storms`)
    Per VLAN, every cycle of links whose two ends forward the VLAN. Spanning tree leaves
    none, so a cycle means something keeps it from breaking the loop: a bridge with
    ``protocol: none`` where nothing else runs spanning tree (the field note's storm: a
    spare cable between two free ports of one or two switches with no STP on them), a
    port with ``bpdu_filter``, or a VLAN governed by different trees on the bridges of the
    loop (an MST region mismatch). A broadcast in that VLAN circulates forever.
MAC flapping (:func:`mac_flaps`)
    On a storm loop every bridge learns each source MAC of the VLAN on its two loop ports
    in turn. Without a loop, a Static (switch-dependent) team whose members are cabled to
    two switches that are not one stack sends the same source MAC into both (no MAC
    replacement in switch-dependent modes), and every switch on the path between them
    sees it on two ports.
VLAN mismatches (:func:`vlan_mismatches`)
    Across every link or LAG pair: VLANs allowed on one end only (over the VLANs the lab
    uses: its ``vlans:``, the VLANs hosts are in, access VLANs and explicit allowed
    lists), access against trunk, two access ports in different VLANs, different native
    VLANs on two trunks. At hosts: an endpoint whose tagged VLAN the switch port does not
    carry, or untagged frames on a trunk whose native VLAN is not allowed.
LAG mismatches (:func:`lag_mismatches`)
    Members of one LAG with different speed, MTU, VLANs, native VLAN, edge or BPDU
    settings; members cabled to a different partner than the rest; LAG pairs that do not
    bundle (LACP passive on both ends, LACP against a static or plain port).
MTU mismatches (:func:`mtu_mismatches`)
    hvlab compares MTUs as IP MTUs (the largest IP packet): a host NIC's ``mtu`` (9000
    for jumbo frames, ``JumboPacket`` 9014), a VM NIC's ``mtu``, and a switch port's or
    LAG's ``mtu`` read the same way. Switches that count the Ethernet header write bigger
    numbers for the same frames (9014 = 9000 + 14-byte header, 9216 on many data-centre
    switches), so a switch port passes a host MTU *m* when ``m ≤ mtu``: 9000 passes 9014
    and 9216, and a 1500 port drops 9000-byte packets. (A switch whose ``mtu`` counts the
    header and the 4-byte VLAN tag needs 9018 for tagged 9000-byte packets; hvlab does
    not second-guess the number written.) Reported: per cable, a NIC whose MTU is above
    its switch port's, and two switch ends with different MTUs; per VLAN, every hop that
    is smaller than what the two endpoints of a path both use (jumbo end to end but one
    1500 hop: large frames are dropped silently while small ones pass).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hvlab.l2.cycles import loop_groups
from hvlab.l2.forwarding import Attachment, Forwarding, Path
from hvlab.l2.fromlab import LabPort, LabTopology, port_vlan_config
from hvlab.l2.network import L2View
from hvlab.l2.topology import PortRef
from hvlab.model.network import Port as SwitchPort

__all__ = [
    "L2Problems",
    "LagMismatch",
    "MacFlap",
    "MtuMismatch",
    "Storm",
    "VlanMismatch",
    "find_problems",
    "lab_vlans",
    "lag_mismatches",
    "mac_flaps",
    "mtu_mismatches",
    "storms",
    "vlan_mismatches",
]

_ALL_LIMIT = 1000  # an allowed list this long is "all VLANs", not VLANs the lab uses


@dataclass(frozen=True, slots=True)
class Storm:
    """A forwarding loop in one VLAN: a broadcast storm.

    Attributes
    ----------
    vlan : int
        The VLAN.
    switches : tuple of str
        Bridges on the loop (stacks by name).
    ports : tuple of str
        The ports on the loop, ``switch:port`` (lab names).
    links : tuple of str
        The links on the loop: cable element names (``link:A:P~B:Q``), or ``A:Po~B:Po``
        for a LAG pair.
    causes : tuple of str
        Why spanning tree does not break it.
    """

    vlan: int
    switches: tuple[str, ...]
    ports: tuple[str, ...]
    links: tuple[str, ...]
    causes: tuple[str, ...]

    @property
    def elements(self) -> tuple[str, ...]:
        """Return the element names involved (the links)."""
        return self.links

    @property
    def message(self) -> str:
        """Return one sentence for people."""
        return (
            f"broadcast storm in VLAN {self.vlan}: loop through {', '.join(self.switches)} "
            f"({', '.join(self.ports)}) that spanning tree does not break: "
            + "; ".join(self.causes)
        )


@dataclass(frozen=True, slots=True)
class MacFlap:
    """A switch that learns the same MAC addresses on two of its ports in turn.

    Attributes
    ----------
    vlan : int
        The VLAN.
    switch : str
        The bridge.
    ports : tuple of str
        The two (or more) ports, ``switch:port``.
    macs : tuple of str
        Whose MAC addresses flap: hosts, VMs or endpoints (``node1:MgmtTeam``), with the
        MAC when the lab gives one.
    cause : str
        ``loop`` or ``static-team-split``.
    detail : str
        One sentence for people.
    """

    vlan: int
    switch: str
    ports: tuple[str, ...]
    macs: tuple[str, ...]
    cause: str
    detail: str

    @property
    def elements(self) -> tuple[str, ...]:
        """Return the element names involved."""
        return (f"switch:{self.switch}",)

    @property
    def message(self) -> str:
        """Return one sentence for people."""
        return (
            f"MAC flapping on {self.switch} in VLAN {self.vlan} between "
            f"{' and '.join(self.ports)}: {self.detail}"
        )


@dataclass(frozen=True, slots=True)
class VlanMismatch:
    """Two ends that disagree about VLANs.

    Attributes
    ----------
    kind : str
        ``allowed`` (a VLAN allowed on one end only), ``access-trunk``, ``access-vlan``
        (two access ports in different VLANs), ``native`` (different native VLANs),
        ``host-vlan`` (an endpoint's tagged VLAN not carried by its switch port),
        ``host-untagged`` (untagged frames into a trunk whose native VLAN is not allowed).
    where : str
        The link (``link:A:P~B:Q`` or ``A:Po1~B:Po1``) or the host NIC (``nic:HOST:NIC``).
    a, b : str
        The two ends (``switch:port``; for a host: the endpoint and the switch port).
    a_config, b_config : str
        Their VLAN configuration (``trunk 10,20 native 1``, ``access 30``, ``tag 40``).
    vlans_a_only, vlans_b_only : tuple of int
        VLANs only one end carries (``allowed``); the VLAN lost (``host-*``).
    detail : str
        One sentence for people.
    """

    kind: str
    where: str
    a: str
    b: str
    a_config: str
    b_config: str
    vlans_a_only: tuple[int, ...]
    vlans_b_only: tuple[int, ...]
    detail: str

    @property
    def elements(self) -> tuple[str, ...]:
        """Return the element names involved."""
        return (self.where,)

    @property
    def message(self) -> str:
        """Return one sentence for people."""
        return self.detail


@dataclass(frozen=True, slots=True)
class LagMismatch:
    """A LAG whose members or ends do not agree.

    Attributes
    ----------
    kind : str
        ``member-settings``, ``lag-partner`` (a member cabled elsewhere), ``lacp`` (the
        pair does not bundle), ``same-lag`` (a cable between two members of one LAG).
    lag : str
        ``lag:SWITCH:NAME``.
    setting : str or None
        For ``member-settings``: the setting that differs (``speed``, ``mtu``, ``vlans``,
        ``native_vlan``, ``edge``, ``bpdu_guard``, ``bpdu_filter``, ``shutdown``).
    values : tuple of (str, str)
        ``(member, value)`` per member for ``member-settings``; the cable for the others.
    detail : str
        One sentence for people.
    """

    kind: str
    lag: str
    setting: str | None
    values: tuple[tuple[str, str], ...]
    detail: str

    @property
    def elements(self) -> tuple[str, ...]:
        """Return the element names involved."""
        return (self.lag,)

    @property
    def message(self) -> str:
        """Return one sentence for people."""
        return self.detail


@dataclass(frozen=True, slots=True)
class MtuMismatch:
    """An MTU too small for what crosses it.

    Attributes
    ----------
    kind : {"link", "path"}
        ``link``: the two ends of one cable differ (a NIC above its switch port, or two
        switch ends); ``path``: a hop smaller than what the two endpoints of paths in a
        VLAN both use.
    vlan : int or None
        The VLAN (``path``).
    where : str
        The cable (``link:A:P~B:Q``), LAG pair, or the hop ``A:P → B:Q``.
    mtu : int
        The smaller MTU there.
    needed : int
        What the other end (or the endpoints) use.
    between : tuple of str
        ``link``: the two ends; ``path``: the endpoint pairs affected, ``A ↔ B``.
    detail : str
        One sentence for people.
    """

    kind: str
    vlan: int | None
    where: str
    mtu: int
    needed: int
    between: tuple[str, ...]
    detail: str

    @property
    def elements(self) -> tuple[str, ...]:
        """Return the element names involved."""
        return (self.where,)

    @property
    def message(self) -> str:
        """Return one sentence for people."""
        return self.detail


@dataclass(frozen=True, slots=True)
class L2Problems:
    """Everything :func:`find_problems` found."""

    storms: tuple[Storm, ...]
    mac_flaps: tuple[MacFlap, ...]
    vlan_mismatches: tuple[VlanMismatch, ...]
    lag_mismatches: tuple[LagMismatch, ...]
    mtu_mismatches: tuple[MtuMismatch, ...]

    def __bool__(self) -> bool:
        return bool(
            self.storms
            or self.mac_flaps
            or self.vlan_mismatches
            or self.lag_mismatches
            or self.mtu_mismatches
        )


# ---------------------------------------------------------------------------
# VLANs in use


def lab_vlans(view: L2View) -> tuple[int, ...]:
    """Return the VLANs the lab uses, ascending.

    Its ``vlans:``, the VLANs endpoints are in (and tag), access VLANs of switch ports and
    the entries of explicit allowed lists (a list of more than 1000 VLANs counts as
    "all", not as use).
    """
    lab = view.lab
    out: set[int] = set(lab.vlans)
    for ep in view.endpoints():
        out.update(ep.vlans)
        if ep.tag:
            out.add(ep.tag)
    for lp in view.topology.ports.values():
        cfg = lp.vlans
        if cfg.mode == "access" and cfg.access_vlan:
            out.add(cfg.access_vlan)
        elif cfg.allowed is not None and len(cfg.allowed) <= _ALL_LIMIT:
            out.update(cfg.allowed)
    for c in lab.clusters.values():
        out.update(n.vlan for n in c.networks.values() if n.vlan)
    out.discard(0)
    return tuple(sorted(out))


def _storm_vlans(view: L2View) -> tuple[int, ...]:
    out = set(lab_vlans(view))
    for lp in view.topology.ports.values():
        u = lp.vlans.untagged_vlan()
        if u:
            out.add(u)
    return tuple(sorted(out))


def _label(lt: LabTopology, ref: PortRef) -> str:
    lp = lt.ports.get(ref)
    return lp.label if lp is not None else f"{ref[0]}:{ref[1]}"


def _link_name(lt: LabTopology, link_id: str) -> str:
    cables = lt.link_cables.get(link_id, ())
    if len(cables) == 1:
        return cables[0].element
    return link_id


# ---------------------------------------------------------------------------
# storms


def _may_loop(view: L2View) -> bool:
    """Return whether a forwarding loop is possible at all (skips the per-VLAN search)."""
    topo = view.topology.topology
    if any(b.protocol == "none" for b in topo.bridges):
        return True
    if any(p.bpdu_filter for p in topo.ports):
        return True
    maps = {b.mst.vlan_map if b.mst else () for b in topo.bridges if b.protocol == "mstp"}
    return len(maps) > 1 or bool(view.stp.loops)


def _cycles(edges: list[tuple[str, str, int]]) -> list[list[int]]:
    """Return the edge indices of each loop, ordered by the loop's first bridge name."""
    return sorted(loop_groups(edges), key=lambda g: min(min(edges[i][:2]) for i in g))


def storms(view: L2View) -> tuple[Storm, ...]:
    """Return every forwarding loop, per VLAN (see the module docstring)."""
    if not _may_loop(view):
        return ()
    lt, fwd = view.topology, view.forwarding
    out: list[Storm] = []
    links = lt.topology.links
    for vlan in _storm_vlans(view):
        edges: list[tuple[str, str, int]] = []
        for i, link in enumerate(links):
            if view.port_forwards(link.a, vlan) and view.port_forwards(link.b, vlan):
                edges.append((link.a[0], link.b[0], i))
        if len(edges) < 1:
            continue
        for group in _cycles(edges):
            bridges = sorted({b for i in group for b in edges[i][:2]})
            refs = sorted(
                {ref for i in group for ref in (links[edges[i][2]].a, links[edges[i][2]].b)}
            )
            causes: set[str] = set()
            trees: set[tuple[str, int]] = set()
            for ref in refs:
                try:
                    pr = view.stp.vlan_port(ref[0], ref[1], vlan)
                except KeyError:  # a bridge outside the MSTI its own map names
                    pr = view.stp.port(ref[0], ref[1], 0)
                if not pr.stp:
                    causes.add(f"no spanning tree on {ref[0]}")
                elif pr.bpdu_filtered:
                    causes.add(f"bpdu_filter on {_label(lt, ref)}")
                trees.add((ref[0], fwd.tree_for(ref[0], vlan)))
            if len({t for _, t in trees}) > 1:
                causes.add(
                    f"VLAN {vlan} is in different spanning trees on the loop: "
                    + ", ".join(
                        f"{b} {'CIST' if t == 0 else f'MSTI {t}'}" for b, t in sorted(trees)
                    )
                )
            if not causes:
                causes.add("spanning tree does not block any port of this loop")
            out.append(
                Storm(
                    vlan=vlan,
                    switches=tuple(bridges),
                    ports=tuple(_label(lt, r) for r in refs),
                    links=tuple(sorted(_link_name(lt, links[edges[i][2]].id) for i in group)),
                    causes=tuple(sorted(causes)),
                )
            )
    return tuple(out)


# ---------------------------------------------------------------------------
# MAC flapping


def _owners_in(fwd: Forwarding, vlan: int, limit: int = 12) -> tuple[str, ...]:
    names = sorted(fwd.attachments(vlan))
    if len(names) > limit:
        return (*names[:limit], f"... ({len(names) - limit} more)")
    return tuple(names)


def mac_flaps(view: L2View, found_storms: Iterable[Storm] | None = None) -> tuple[MacFlap, ...]:
    """Return switches that see MAC addresses move between two ports (module docstring)."""
    lt, fwd, lab = view.topology, view.forwarding, view.lab
    out: dict[tuple[int, str, tuple[str, ...]], MacFlap] = {}
    for storm in storms(view) if found_storms is None else found_storms:
        macs = _owners_in(fwd, storm.vlan)
        for bridge in storm.switches:
            ports = tuple(p for p in storm.ports if _bridge_of_label(lt, p) == bridge)
            if len(ports) < 2:
                continue
            key = (storm.vlan, bridge, ports)
            out[key] = MacFlap(
                storm.vlan,
                bridge,
                ports,
                macs,
                "loop",
                "frames circulating on the loop carry every source MAC of the VLAN into both "
                "ports in turn",
            )
    # Static teams split over two switches that are not one stack
    for ep in fwd.endpoints:
        host = lab.hosts[ep.host]
        team = None
        if ep.kind == "team":
            team = host.teams.get(ep.name.split("/")[0])
        elif ep.vswitch is not None:
            vs = host.vswitches.get(ep.vswitch)
            if vs is not None and vs.uplink in host.teams:
                team = host.teams[vs.uplink]
        if team is None or team.mode != "Static":
            continue
        for vlan in sorted(ep.vlans):
            members = fwd.attached(ep, vlan)
            bridges = sorted({m.ref[0] for m in members if m.ref is not None})
            if len(bridges) < 2:
                continue
            path = fwd.bridge_path(vlan, bridges[0], bridges[1])
            if path is None:
                continue
            seen: dict[str, list[str]] = {}
            for m in members:
                if m.ref is not None and m.switch is not None and m.port is not None:
                    seen.setdefault(m.ref[0], []).append(f"{m.switch}:{m.port}")
            for e in path:
                seen.setdefault(e.a[0], []).append(_label(lt, e.a))
                seen.setdefault(e.b[0], []).append(_label(lt, e.b))
            mac = ep.label
            for bridge, seen_ports in seen.items():
                if len(seen_ports) < 2:
                    continue
                key = (vlan, bridge, tuple(sorted(set(seen_ports))))
                prev = out.get(key)
                macs = tuple(sorted({*(prev.macs if prev else ()), mac}))
                out[key] = MacFlap(
                    vlan,
                    bridge,
                    key[2],
                    macs,
                    "static-team-split",
                    f"Static team {ep.host}/{team.name} has members on {' and '.join(bridges)}, "
                    "which are not one stack; a switch-dependent team keeps the source MAC on "
                    "every member, so its MAC arrives from both sides",
                )
    return tuple(out[k] for k in sorted(out))


def _bridge_of_label(lt: LabTopology, label: str) -> str:
    sw = label.split(":", 1)[0]
    return lt.bridge_of.get(sw, sw)


# ---------------------------------------------------------------------------
# VLAN mismatches


def vlan_mismatches(view: L2View) -> tuple[VlanMismatch, ...]:
    """Return VLAN disagreements across links and at hosts (module docstring)."""
    lt = view.topology
    universe = lab_vlans(view)
    out: list[VlanMismatch] = []
    for link in lt.topology.links:
        la, lb = lt.ports[link.a], lt.ports[link.b]
        out.extend(_link_vlans(_link_name(lt, link.id), la, lb, universe))
    # hosts
    seen: set[tuple[str, str, str, int | None]] = set()
    for ep in view.endpoints():
        for m in ep.members:
            if m.ref is None or m.vlan is not None:
                continue
            key = (ep.host, m.nic, ep.kind if ep.owner_kind == "host" else "vm", ep.tag)
            if key in seen:
                continue
            seen.add(key)
            lp = lt.ports[m.ref]
            port = f"{m.switch}:{m.port}"
            users = sorted(
                {
                    e.label
                    for e in view.endpoints()
                    if e.host == ep.host
                    and e.tag == ep.tag
                    and any(x.nic == m.nic and x.vlan is None for x in e.members)
                }
            )
            who = ", ".join(users[:6]) + (f" and {len(users) - 6} more" if len(users) > 6 else "")
            verb = "send" if len(users) > 1 else "sends"
            if ep.tag is not None:
                out.append(
                    VlanMismatch(
                        "host-vlan",
                        f"nic:{ep.host}:{m.nic}",
                        ep.label,
                        port,
                        f"tag {ep.tag}",
                        lp.vlans.describe(),
                        (ep.tag,),
                        (),
                        f"{who} {verb} VLAN {ep.tag} on {ep.host}:{m.nic}, but {port} "
                        f"({lp.vlans.describe()}) does not carry VLAN {ep.tag}: those frames "
                        "are dropped",
                    )
                )
            else:
                out.append(
                    VlanMismatch(
                        "host-untagged",
                        f"nic:{ep.host}:{m.nic}",
                        ep.label,
                        port,
                        "untagged",
                        lp.vlans.describe(),
                        (),
                        (),
                        f"{who} {verb} untagged frames on {ep.host}:{m.nic}, but {port} "
                        f"({lp.vlans.describe()}) does not allow its native VLAN: they are dropped",
                    )
                )
    return tuple(out)


def _link_vlans(
    where: str, la: LabPort, lb: LabPort, universe: tuple[int, ...]
) -> list[VlanMismatch]:
    a, b = la.vlans, lb.vlans
    ca, cb = a.describe(), b.describe()
    out: list[VlanMismatch] = []
    if a.mode != b.mode:
        acc, trk = (la, lb) if a.mode == "access" else (lb, la)
        out.append(
            VlanMismatch(
                "access-trunk",
                where,
                la.label,
                lb.label,
                ca,
                cb,
                (),
                (),
                f"{acc.label} is an access port ({acc.vlans.describe()}) but {trk.label} is a "
                f"trunk ({trk.vlans.describe()}): untagged frames of VLAN "
                f"{acc.vlans.access_vlan} land in the trunk's native VLAN {trk.vlans.native} and "
                "tagged frames are dropped",
            )
        )
        return out
    if a.mode == "access":
        if a.access_vlan != b.access_vlan:
            out.append(
                VlanMismatch(
                    "access-vlan",
                    where,
                    la.label,
                    lb.label,
                    ca,
                    cb,
                    (a.access_vlan or 1,),
                    (b.access_vlan or 1,),
                    f"{la.label} (access {a.access_vlan}) and {lb.label} (access "
                    f"{b.access_vlan}) are cabled together: VLANs {a.access_vlan} and "
                    f"{b.access_vlan} are bridged into one broadcast domain",
                )
            )
        return out
    only_a = tuple(v for v in universe if a.carries(v) and not b.carries(v))
    only_b = tuple(v for v in universe if b.carries(v) and not a.carries(v))
    if only_a or only_b:
        parts = []
        if only_a:
            parts.append(f"{', '.join(map(str, only_a))} only on {la.label}")
        if only_b:
            parts.append(f"{', '.join(map(str, only_b))} only on {lb.label}")
        out.append(
            VlanMismatch(
                "allowed",
                where,
                la.label,
                lb.label,
                ca,
                cb,
                only_a,
                only_b,
                f"allowed VLANs differ across {where}: "
                + "; ".join(parts)
                + " (frames of those VLANs are dropped at the other end)",
            )
        )
    if a.native != b.native:
        out.append(
            VlanMismatch(
                "native",
                where,
                la.label,
                lb.label,
                ca,
                cb,
                (a.native,),
                (b.native,),
                f"native VLAN mismatch across {where}: {la.label} native {a.native}, "
                f"{lb.label} native {b.native}: untagged frames change VLAN on the way",
            )
        )
    return out


# ---------------------------------------------------------------------------
# LAG mismatches


def lag_mismatches(view: L2View) -> tuple[LagMismatch, ...]:
    """Return LAGs whose members or ends disagree (module docstring)."""
    lt, lab = view.topology, view.lab
    out: list[LagMismatch] = []
    for lp in lt.ports.values():
        if lp.kind != "lag":
            continue
        ports = [(f"{s}:{p}", lab.switches[s].ports[p]) for s, p in lp.members]
        if len(ports) < 2:
            continue
        checks: dict[str, Callable[[SwitchPort], str]] = {
            "speed": lambda q: str(q.speed),
            "mtu": lambda q: str(q.mtu),
            "vlans": lambda q: port_vlan_config(q).describe(),
            "edge": lambda q: str(q.edge),
            "bpdu_guard": lambda q: str(q.bpdu_guard),
            "bpdu_filter": lambda q: str(q.bpdu_filter),
            "shutdown": lambda q: str(q.shutdown),
        }
        for name, get in checks.items():
            values = tuple((label, get(q)) for label, q in ports)
            if len({v for _, v in values}) > 1:
                listing = ", ".join(f"{m} {v}" for m, v in values)
                out.append(
                    LagMismatch(
                        "member-settings",
                        lp.element,
                        name,
                        values,
                        f"members of {lp.label} differ in {name} ({listing}): a LAG's members "
                        "must be configured alike or the switch suspends the odd ones",
                    )
                )
    by_cable = {}
    for c in lab.links:
        by_cable[c.element] = c
    for ex in lt.excluded:
        if ex.reason == "mlag-peer-link":
            continue
        cable = by_cable.get(ex.cable)
        lag = "?"
        if cable is not None:
            for end in cable.endpoints:
                node, _, port = end.partition(":")
                ref = lt.ref_of(node, port) if node in lab.switches else None
                if ref is not None and lt.ports[ref].kind == "lag":
                    lag = lt.ports[ref].element
                    break
        out.append(LagMismatch(ex.reason, lag, None, (("cable", ex.cable),), ex.detail))
    return tuple(out)


# ---------------------------------------------------------------------------
# MTU


def _cable_mtu_end(view: L2View, node: str, port: str) -> tuple[int, str] | None:
    lab, lt = view.lab, view.topology
    if node in lab.switches:
        ref = lt.ref_of(node, port)
        if ref is None:
            return None
        return lt.ports[ref].mtu, lt.ports[ref].label
    if node in lab.hosts and port in lab.hosts[node].nics:
        return lab.hosts[node].nics[port].mtu, f"{node}:{port}"
    return None


def mtu_mismatches(view: L2View) -> tuple[MtuMismatch, ...]:
    """Return cables and path hops whose MTU is too small (module docstring)."""
    lab, lt = view.lab, view.topology
    out: list[MtuMismatch] = []
    done_links: set[str] = set()
    for cable in lab.links:
        (na, _, pa), (nb, _, pb) = (e.partition(":") for e in cable.endpoints)
        ea, eb = _cable_mtu_end(view, na, pa), _cable_mtu_end(view, nb, pb)
        if ea is None or eb is None:
            continue
        link_id = lt.cable_link.get(cable.element)
        where = cable.element
        if link_id is not None and len(lt.link_cables.get(link_id, ())) > 1:
            if link_id in done_links:
                continue
            done_links.add(link_id)
            where = link_id
        host_a, host_b = na in lab.hosts, nb in lab.hosts
        if host_a or host_b:
            (nic_mtu, nic), (sw_mtu, sw) = (ea, eb) if host_a else (eb, ea)
            if nic_mtu > sw_mtu:
                out.append(
                    MtuMismatch(
                        "link",
                        None,
                        where,
                        sw_mtu,
                        nic_mtu,
                        (nic, sw),
                        f"{nic} uses MTU {nic_mtu} but its switch port {sw} has MTU {sw_mtu}: "
                        f"packets above {sw_mtu} bytes are dropped",
                    )
                )
        elif ea[0] != eb[0]:
            low, high = (ea, eb) if ea[0] < eb[0] else (eb, ea)
            out.append(
                MtuMismatch(
                    "link",
                    None,
                    where,
                    low[0],
                    high[0],
                    (ea[1], eb[1]),
                    f"MTU differs across {where}: {ea[1]} {ea[0]}, {eb[1]} {eb[0]}: frames "
                    f"above {low[0]} bytes from {high[1]} are dropped at {low[1]}",
                )
            )
    out.extend(_path_mtus(view))
    return tuple(out)


def _hop_where(path: Path, need: int) -> str:
    for h in path.hops:
        if h.mtu < need:
            a = h.port if ":" in h.port else f"{h.node}:{h.port}"
            b = h.next_port if ":" in h.next_port else f"{h.next_node}:{h.next_port}"
            return f"{a} → {b}"
    return "?"


def _path_mtus(view: L2View) -> list[MtuMismatch]:
    fwd = view.forwarding
    found: dict[tuple[int, str], tuple[int, int, list[str]]] = {}
    for vlan in lab_vlans(view):
        att = fwd.attachments(vlan)
        per_ep: dict[tuple[str, str], list[Attachment]] = {}
        for atts in att.values():
            for a in atts:
                if a.endpoint.mtu > 1500:
                    per_ep.setdefault((a.endpoint.owner, a.endpoint.name), []).append(a)
        keys = sorted(per_ep)
        for i, ka in enumerate(keys):
            for kb in keys[i + 1 :]:
                if ka[0] == kb[0]:
                    continue
                src, dst = per_ep[ka], per_ep[kb]
                path = fwd.path_between(src, dst, vlan)
                if path is None:
                    continue
                need = min(path.source_mtu, path.target_mtu)
                if path.mtu >= need:
                    continue
                where = _hop_where(path, need)
                key = (vlan, where)
                mtu, needed, pairs = found.get(key, (path.mtu, need, []))
                pairs.append(f"{ka[0]}:{ka[1]} ↔ {kb[0]}:{kb[1]}")
                found[key] = (min(mtu, path.mtu), max(needed, need), pairs)
    out = []
    for (vlan, where), (mtu, needed, pairs) in sorted(found.items()):
        shown = "; ".join(pairs[:4]) + (f" and {len(pairs) - 4} more" if len(pairs) > 4 else "")
        out.append(
            MtuMismatch(
                "path",
                vlan,
                where,
                mtu,
                needed,
                tuple(pairs),
                f"VLAN {vlan}: {where} passes only MTU {mtu} on the path of {len(pairs)} "
                f"endpoint pair(s) using MTU {needed} ({shown}): large frames are dropped "
                "while small ones pass, so the path looks up",
            )
        )
    return out


# ---------------------------------------------------------------------------


def find_problems(view: L2View) -> L2Problems:
    """Return every storm, MAC flap and mismatch of ``view``."""
    found = storms(view)
    return L2Problems(
        storms=found,
        mac_flaps=mac_flaps(view, found),
        vlan_mismatches=vlan_mismatches(view),
        lag_mismatches=lag_mismatches(view),
        mtu_mismatches=mtu_mismatches(view),
    )
