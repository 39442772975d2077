"""From a lab to the spanning-tree engine's input: one bridge per switch (or stack), one port
per physical port or LAG, one link per cable, per LAG pair or per WAN link that extends VLANs.

:func:`topology_from_lab` builds a :class:`LabTopology`: the
:class:`~hvlab.l2.topology.Topology` the engine solves plus the maps needed to go back
from bridge and port names to the lab's switches, ports, LAGs and cables.
:func:`failures_from_condition` turns a :class:`~hvlab.condition.Condition` into the
engine's :class:`~hvlab.l2.topology.Failures`.

Rules (each one is also in ``docs/spanning-tree.md``, "From a lab file"):

Bridges
    One :class:`~hvlab.l2.topology.Bridge` per switch. Switches sharing a ``stack`` are
    one bridge named by the stack; its settings (MAC, protocol, priorities, timers,
    region, port-id format) are those of the first member listed in the lab, the
    *stack master*. ``stack_kind: mlag`` (vPC / MLAG domain) is handled the same way:
    hvlab assumes the peers present one logical bridge to spanning tree, as Cisco vPC
    with ``peer-switch`` does, and a cable between two peers of one MLAG domain (the peer
    link) is inside that bridge and not a spanning-tree link. A cable between two members
    of a ``stack`` is an ordinary (looped-back) link of the stack bridge.
Bridge MAC
    ``mac:`` of the switch (of the stack master); unset, hvlab derives a locally
    administered MAC from the name: ``02`` followed by the first five bytes of
    SHA-256 of the switch (or stack) name, so the answer is stable from run to run.
Protocol, priority, path-cost method, timers, MST region, port-id format
    From the switch's ``spanning_tree``; unset fields inherit ``defaults.spanning_tree``;
    timers unset in both take the lab's ``stp.HelloTime`` / ``stp.MaxAge`` /
    ``stp.ForwardDelay`` settings (milliseconds in the lab, seconds in the engine).
Ports
    One port per physical switch port that is in no LAG, named as in the lab (on a stack
    bridge ``MEMBER:PORT``, e.g. ``core1:23``), and one port per LAG, named by the LAG
    (``MEMBER:LAG`` on a stack bridge when two members use the same LAG name). Port
    numbers: ``number:`` when given, else the number the name ends with
    (``Eth1/47`` → 47; a LAG takes the lowest number of its members), else -- or when
    that number is taken on the bridge -- the lowest free number, in lab order.
    Priority, cost, per-instance costs, edge, BPDU guard/filter, point-to-point and
    ``shutdown`` come from the port; a LAG takes its own priority, cost, instance costs
    and edge, and the BPDU and point-to-point settings of its first member.
    ``point_to_point`` left unset means *automatic* (the engine decides).
LAG speed
    A LAG's speed is the sum of the speeds of its *up* members under the Condition
    passed to :func:`topology_from_lab` (a member is up when its port is up and its
    cable, if any, carries frames), so a LAG's default cost follows member failures. A
    LAG with fewer up members than ``min_links`` is down.
Links
    One link per cable between two switch ports that are in no LAG, one link per pair of
    LAGs whose members are cabled to each other. A LAG bundles only the members cabled
    to its main partner (the far LAG or port most of its cabled members reach; ties go to
    the first member); other members are left out (``LabTopology.excluded``). LAG pairs
    are checked with the teaming engine's LACP rules
    (:func:`hvlab.teaming.lacp.pair`): passive-passive, or LACP against a static or
    plain port, does not bundle, and the link is left out when an end does not forward
    (the ``lacp.no_partner`` setting says whether an LACP end suspends or runs the port
    as an individual link).
WAN links that extend VLANs
    A WAN link with ``vlans`` and ``switches`` (dark fibre, VPLS, OTV) is a
    point-to-point trunk between its two switches carrying exactly those VLANs: one
    port ``wan:NAME`` on each switch (``LabPort.name``; on the bridge
    ``SWITCH:wan:NAME``, as a stack member's port, so that paths read
    ``hq-sw1:wan:HQ-DR → dr-sw1:wan:HQ-DR``), one link named ``wan:NAME``. Its speed is
    the WAN ``bandwidth``, so its default cost follows it (IEEE 802.1D-2004 §17.14 and
    Table 17-3: 200 Mb/s has the long cost 20,000,000,000,000 / 200,000,000 = 100,000);
    its MTU is taken as :data:`WAN_MTU` (the lab gives none). Spanning tree runs over
    it: a stretched VLAN makes the two sites one spanning-tree domain. The link is down
    when ``wan:NAME`` is failed or the switch at either end is down (switch, rack or
    site). A WAN link without ``vlans`` is routed and is no layer-2 link.
Host-facing ports
    Ports with no link in the topology (cabled to hosts, or not cabled).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from hvlab.condition import Condition
from hvlab.errors import UserError
from hvlab.l2.topology import (
    Bridge,
    Failures,
    Link,
    MstConfig,
    PathCostMethod,
    Port,
    PortIdFormat,
    PortRef,
    Protocol,
    Timers,
    Topology,
)
from hvlab.model.elements import Element
from hvlab.model.lab import Lab, WanLink
from hvlab.model.network import Lag, StpTimers, Switch, port_number
from hvlab.model.network import Link as Cable
from hvlab.model.network import Port as SwitchPort
from hvlab.settings import setting, setting_ms

__all__ = [
    "WAN_MTU",
    "ExcludedCable",
    "LabPort",
    "LabTopology",
    "VlanConfig",
    "cable_speed",
    "derived_mac",
    "failures_from_condition",
    "lag_vlan_config",
    "port_vlan_config",
    "topology_from_lab",
]

_MAX_NUMBER: Mapping[str, int] = {"802.1D-2004": 4095, "802.1D-1998": 255, "linux": 1023}

#: MTU of a WAN link that extends VLANs. The lab has no field for it; 1500 is the
#: Ethernet default, and what a provider's VPLS or an OTV overlay (which adds its own
#: header) is most often good for, so jumbo frames across a stretched VLAN are flagged.
WAN_MTU = 1500


# ---------------------------------------------------------------------------
# VLANs of a switch port


@dataclass(frozen=True, slots=True)
class VlanConfig:
    """Which VLANs a switch port (or LAG) carries, and how.

    Attributes
    ----------
    mode : {"access", "trunk"}
        ``mode:`` of the port; unset, a port with ``vlan:`` and no ``vlans:`` is an access
        port, any other port a trunk.
    access_vlan : int or None
        The VLAN of an access port (``vlan:``, default 1).
    allowed : frozenset of int or None
        VLANs a trunk carries (``vlans:``); ``None`` = every VLAN (hvlab's default for a
        port with no list, see :class:`hvlab.model.network.Port`).
    native : int
        The native (untagged) VLAN of a trunk (``native_vlan:``, default 1).
    """

    mode: Literal["access", "trunk"]
    access_vlan: int | None
    allowed: frozenset[int] | None
    native: int

    def carries(self, vlan: int) -> bool:
        """Return whether frames of ``vlan`` pass the port (tagged or untagged)."""
        if self.mode == "access":
            return vlan == self.access_vlan
        return self.allowed is None or vlan in self.allowed

    def untagged_vlan(self) -> int | None:
        """Return the VLAN untagged frames belong to (access VLAN, or an allowed native VLAN)."""
        if self.mode == "access":
            return self.access_vlan
        return self.native if self.carries(self.native) else None

    def accepts(self, vlan: int, tagged: bool) -> bool:
        """Return whether a frame of ``vlan`` sent tagged (or untagged) by a host is accepted.

        A tagged frame is accepted when the port carries its VLAN (an access port of that
        VLAN included: a NIC's ``vlan:`` may just document the VLAN it is in); an
        untagged frame lands in :meth:`untagged_vlan`.
        """
        if tagged:
            return self.carries(vlan)
        return self.untagged_vlan() == vlan

    def vlan_set(self, universe: Iterable[int]) -> frozenset[int]:
        """Return the VLANs of ``universe`` this port carries."""
        return frozenset(v for v in universe if self.carries(v))

    def describe(self) -> str:
        """Return ``access 30`` / ``trunk 10,20 native 1`` / ``trunk all native 1``."""
        if self.mode == "access":
            return f"access {self.access_vlan}"
        listing = "all" if self.allowed is None else ",".join(map(str, sorted(self.allowed)))
        return f"trunk {listing or 'none'} native {self.native}"


def _vlan_config(
    mode: str | None, vlan: int | None, vlans: tuple[int, ...] | None, native: int
) -> VlanConfig:
    if mode is None:
        mode = "access" if vlan is not None and vlans is None else "trunk"
    if mode == "access":
        return VlanConfig("access", vlan or 1, None, native)
    return VlanConfig("trunk", None, None if vlans is None else frozenset(vlans), native)


def port_vlan_config(port: SwitchPort) -> VlanConfig:
    """Return the VLAN configuration of a physical switch port."""
    return _vlan_config(port.mode, port.vlan, port.vlans, port.native_vlan)


_VLAN_FIELDS = frozenset({"mode", "vlan", "vlans", "native_vlan"})


def lag_vlan_config(lab: Lab, owner: str, lag: Lag) -> VlanConfig:
    """Return the VLAN configuration of a LAG.

    The LAG's own ``mode``/``vlan``/``vlans``/``native_vlan`` when it sets any of them,
    else that of its first member port (labs that configure VLANs on the member ports).
    """
    if _VLAN_FIELDS & lag.model_fields_set:
        return _vlan_config(lag.mode, lag.vlan, lag.vlans, lag.native_vlan)
    first = _member_port(lab, owner, lag.members[0]) if lag.members else None
    if first is not None:
        return port_vlan_config(first[2])
    return _vlan_config(lag.mode, lag.vlan, lag.vlans, lag.native_vlan)


def _member_port(lab: Lab, owner: str, member: str) -> tuple[str, str, SwitchPort] | None:
    """Return (switch, port name, Port) of a LAG member (``47`` or ``PEER:47``)."""
    sw_name, sep, port = member.rpartition(":")
    if not sep:
        sw_name, port = owner, member
    sw = lab.switches.get(sw_name)
    if sw is None or port not in sw.ports:
        return None
    return sw_name, port, sw.ports[port]


# ---------------------------------------------------------------------------
# result types


@dataclass(frozen=True, slots=True)
class LabPort:
    """One spanning-tree port and the lab objects behind it.

    Attributes
    ----------
    ref : PortRef
        ``(bridge, port)`` in the topology.
    switch, name : str
        The lab switch and the lab's name of the port or LAG (a LAG belongs to the
        switch that declares it).
    kind : {"port", "lag", "wan"}
        A physical port, a LAG, or the end of a WAN link that extends VLANs (``name``
        ``wan:NAME``; no lab port stands behind it).
    members : tuple of (str, str)
        The physical ports ``(switch, port)`` it is made of (a port or a WAN end:
        itself).
    up_members : tuple of (str, str)
        The members that are up under the topology's Condition (bundled and with link).
    member_speeds : tuple of int
        Speed (bit/s) of each up member, in member order (0 when unknown).
    speed_bps : int or None
        Speed used for the default cost: a LAG's up members together, a port's own or
        its cable's speed.
    vlans : VlanConfig
        The VLANs it carries.
    mtu : int
        The port's ``mtu`` (a LAG: its ``mtu``, else the smallest of its members).
    lacp : str or None
        A LAG's ``lacp`` mode.
    min_links : int
        A LAG's ``min_links`` (1 for a port).
    """

    ref: PortRef
    switch: str
    name: str
    kind: Literal["port", "lag", "wan"]
    members: tuple[tuple[str, str], ...]
    up_members: tuple[tuple[str, str], ...]
    member_speeds: tuple[int, ...]
    speed_bps: int | None
    vlans: VlanConfig
    mtu: int
    lacp: str | None = None
    min_links: int = 1

    @property
    def element(self) -> str:
        """Return the element name (``port:tor1:5``, ``lag:tor1:Po1`` or ``wan:HQ-DR``)."""
        if self.kind == "wan":
            return self.name
        return f"{self.kind}:{self.switch}:{self.name}"

    @property
    def label(self) -> str:
        """Return ``switch:name`` as people write it."""
        return f"{self.switch}:{self.name}"


@dataclass(frozen=True, slots=True)
class ExcludedCable:
    """A cable between switches that is not a spanning-tree link, and why.

    Attributes
    ----------
    cable : str
        Its element name (``link:A:P~B:Q``).
    reason : str
        ``mlag-peer-link``, ``lag-partner``, ``lacp``, ``same-lag``.
    detail : str
        One sentence for people.
    """

    cable: str
    reason: str
    detail: str


@dataclass(frozen=True, eq=False)
class LabTopology:
    """The spanning-tree topology of a lab and the maps back to the lab.

    Attributes
    ----------
    lab : Lab
        The lab it was built from.
    topology : Topology
        What :func:`hvlab.l2.stp.solve` takes.
    condition : Condition
        The Condition LAG speeds were computed under.
    bridges : Mapping[str, tuple[str, ...]]
        Bridge name → its member switches (one for a plain switch), lab order.
    bridge_of : Mapping[str, str]
        Switch → bridge.
    kind : Mapping[str, str]
        Bridge → ``switch``, ``stack`` or ``mlag``.
    ports : Mapping[PortRef, LabPort]
        Every topology port.
    port_ref : Mapping[tuple[str, str], PortRef]
        Lab ``(switch, port or LAG)`` → topology port; a LAG member maps to its LAG.
    link_cables : Mapping[str, tuple[Cable, ...]]
        Topology link id → the lab cables in it.
    cable_link : Mapping[str, str]
        Cable element name → topology link id.
    excluded : tuple of ExcludedCable
        Cables between switches left out of the topology.
    wan_links : Mapping[str, str]
        WAN link name → topology link id (``wan:NAME``), for the WAN links that extend
        VLANs (they have no cables: ``link_cables`` maps their link to ``()``).
    notes : tuple of str
        Assumptions applied to this lab (derived MACs, MLAG as one bridge, ...).
    """

    lab: Lab
    topology: Topology
    condition: Condition
    bridges: Mapping[str, tuple[str, ...]]
    bridge_of: Mapping[str, str]
    kind: Mapping[str, str]
    ports: Mapping[PortRef, LabPort]
    port_ref: Mapping[tuple[str, str], PortRef]
    link_cables: Mapping[str, tuple[Cable, ...]]
    cable_link: Mapping[str, str]
    excluded: tuple[ExcludedCable, ...] = ()
    notes: tuple[str, ...] = ()
    wan_links: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    _peer: Mapping[PortRef, tuple[PortRef, str]] = field(
        default_factory=lambda: MappingProxyType({}), repr=False
    )

    def peer(self, ref: PortRef) -> tuple[PortRef, str] | None:
        """Return ``(far port, link id)`` of a linked port, or None for a host-facing port."""
        return self._peer.get(ref)

    def ref_of(self, switch: str, port: str) -> PortRef | None:
        """Return the topology port of lab port ``switch:port`` (its LAG when it is a member)."""
        return self.port_ref.get((switch, port))

    def physical_name(self, switch: str, port: str) -> str:
        """Return the name of a physical port on its bridge (``core1:23`` on a stack)."""
        bridge = self.bridge_of[switch]
        return port if self.kind[bridge] == "switch" else f"{switch}:{port}"


# ---------------------------------------------------------------------------
# helpers


def derived_mac(name: str) -> str:
    """Return the MAC hvlab gives a switch without ``mac:``: ``02`` + SHA-256(name)[:5]."""
    digest = hashlib.sha256(name.encode()).digest()[:5]
    return ":".join(f"{b:02x}" for b in (0x02, *digest))


def _end_speed(lab: Lab, endpoint: str) -> int | None:
    node, _, port = endpoint.partition(":")
    if node in lab.switches:
        p = lab.switches[node].ports.get(port)
        return p.speed if p is not None else None
    if node in lab.hosts:
        nic = lab.hosts[node].nics.get(port)
        return nic.speed if nic is not None else None
    return None


def cable_speed(lab: Lab, cable: Cable) -> int | None:
    """Return a cable's speed: ``speed:``, else the slower of its two ends (None if unknown)."""
    if cable.speed is not None:
        return cable.speed
    speeds = [s for s in (_end_speed(lab, e) for e in cable.endpoints) if s]
    return min(speeds) if speeds else None


def _cables_by_end(lab: Lab) -> dict[tuple[str, str], Cable]:
    out: dict[tuple[str, str], Cable] = {}
    for cable in lab.links:
        for end in cable.endpoints:
            node, _, port = end.partition(":")
            out[(node, port)] = cable
    return out


def _far(cable: Cable, node: str, port: str) -> tuple[str, str]:
    me = f"{node}:{port}"
    other = cable.endpoints[1] if cable.endpoints[0] == me else cable.endpoints[0]
    far_node, _, far_port = other.partition(":")
    return far_node, far_port


def _timers(lab: Lab, own: StpTimers | None) -> Timers:
    t = own or lab.defaults.spanning_tree.timers
    if t is not None:
        return Timers(t.hello_time / 1000, t.max_age / 1000, t.forward_delay / 1000)
    return Timers(
        setting_ms(lab, "stp.HelloTime") / 1000,
        setting_ms(lab, "stp.MaxAge") / 1000,
        setting_ms(lab, "stp.ForwardDelay") / 1000,
    )


def _bridge(lab: Lab, name: str, master: Switch, notes: list[str]) -> Bridge:
    st, df = master.spanning_tree, lab.defaults.spanning_tree
    protocol: Protocol = st.protocol or df.protocol or "rstp"
    priority = st.priority if st.priority is not None else df.priority
    method: PathCostMethod | None = st.path_cost or df.path_cost
    region = st.region or df.region
    mst = (
        MstConfig.from_instances(region.name, region.revision, region.instances)
        if region is not None and protocol == "mstp"
        else None
    )
    fmt: PortIdFormat = (
        st.port_id_format if "port_id_format" in st.model_fields_set else df.port_id_format
    )
    mac = master.mac
    if mac is None:
        mac = derived_mac(name)
        notes.append(f"{name}: no mac: set, bridge MAC {mac} derived from the name")
    return Bridge(
        name=name,
        mac=mac,
        protocol=protocol,
        priority=priority if priority is not None else 32768,
        msti_priority=tuple(sorted(st.instance_priorities.items())),
        timers=_timers(lab, st.timers),
        mst=mst,
        port_id_format=fmt,
        path_cost_method=method,
    )


def _member_up(lab: Lab, condition: Condition, sw: str, port: str, cable: Cable | None) -> bool:
    if not condition.port_is_up(lab, sw, port):
        return False
    return cable is None or condition.link_is_up(lab, cable)


def _wan_is_up(lab: Lab, condition: Condition, wan: WanLink) -> bool:
    if Element("wan", (wan.name,)) in condition.failed:
        return False
    return all(condition.switch_is_up(lab, s) for s in wan.switches or ())


def _wan_ends(
    lab: Lab, bridge_of: Mapping[str, str], kind: Mapping[str, str], notes: list[str]
) -> dict[str, tuple[tuple[str, PortRef], tuple[str, PortRef]]]:
    """Return WAN name → ((switch, port ref), (switch, port ref)) of the layer-2 WAN links.

    Only a WAN link that extends VLANs is a layer-2 link; a routed one carries IP
    between the sites' subnets and no frames, so it is no edge of any VLAN.
    """
    out: dict[str, tuple[tuple[str, PortRef], tuple[str, PortRef]]] = {}
    for wan in lab.wan_links.values():
        if not wan.vlans or wan.switches is None:
            continue
        a, b = wan.switches
        if a not in bridge_of or b not in bridge_of:
            continue  # reported by the reference check
        name = f"wan:{wan.name}"
        ba, bb = bridge_of[a], bridge_of[b]
        if ba == bb and kind[ba] == "mlag":
            notes.append(
                f"{name}: joins two peers of MLAG domain {ba}, one logical bridge; "
                "left out of spanning tree like a peer link"
            )
            continue
        # The bridge port is named SWITCH:wan:NAME, as a stack member's port is: a path
        # then reads hq-sw1:wan:HQ-DR → dr-sw1:wan:HQ-DR, and two ends on one stack
        # bridge stay two ports (the link is then a loop back into the bridge).
        ra, rb = (ba, f"{a}:{name}"), (bb, f"{b}:{name}")
        out[wan.name] = ((a, ra), (b, rb))
        vlans = ", ".join(map(str, sorted(set(wan.vlans))))
        notes.append(
            f"{name}: VLAN {vlans} extended at layer 2 between {a} ({wan.sites[0]}) and "
            f"{b} ({wan.sites[1]}) as a {_speed_text(wan.bandwidth)} trunk: spanning tree "
            f"runs across it, one domain for both sites; MTU taken as {WAN_MTU}"
        )
    return out


def _speed_text(bps: int) -> str:
    for unit, size in (("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if bps >= size and bps % size == 0:
            return f"{bps // size} {unit}b/s"
    return f"{bps} b/s"


@dataclass
class _LagInfo:
    owner: str
    lag: Lag
    ref: PortRef
    members: list[tuple[str, str]]
    bundled: list[tuple[str, str]]  # members the LAG aggregates (cabled to the main partner)
    cables: dict[tuple[str, str], Cable]


# ---------------------------------------------------------------------------
# the builder


def topology_from_lab(lab: Lab, condition: Condition | None = None) -> LabTopology:
    """Return the spanning-tree topology of ``lab`` (see the module docstring for the rules).

    Parameters
    ----------
    lab : Lab
        The lab.
    condition : Condition, optional
        What is failed; only used for LAG speeds (the *up* members of each LAG), so that a
        LAG's cost follows member failures. Pass the same Condition to
        :func:`failures_from_condition`.

    Returns
    -------
    LabTopology
        The topology and the name maps.

    Raises
    ------
    UserError
        When the lab's spanning-tree settings cannot make a valid topology (a priority
        that is not a multiple of 4096 for RSTP/MSTP, a port priority outside the
        port-id format's range, two ports with the same ``number``, a stack name that is
        also the name of a switch outside the stack).
    """
    condition = condition or Condition.none()
    notes: list[str] = []
    # bridges: one per switch, one per stack / MLAG domain
    groups: dict[str, list[str]] = {}
    bridge_of: dict[str, str] = {}
    kind: dict[str, str] = {}
    for sw in lab.switches.values():
        name = sw.stack or sw.name
        if sw.stack is not None and sw.stack in lab.switches:
            other = lab.switches[sw.stack]
            if other.stack != sw.stack:
                raise UserError(
                    f"switches.{sw.name}.stack: stack {sw.stack!r} has the name of switch "
                    f"{sw.stack}, which is not in it; give the stack another name"
                )
        groups.setdefault(name, []).append(sw.name)
        bridge_of[sw.name] = name
        kind[name] = "switch" if sw.stack is None else sw.stack_kind
    for name, names in groups.items():
        if kind[name] == "mlag":
            notes.append(
                f"{name}: MLAG domain ({', '.join(names)}) taken as one logical bridge "
                "(vPC peer-switch style); its peer link is not a spanning-tree link"
            )
    bridges = [_bridge(lab, name, lab.switches[names[0]], notes) for name, names in groups.items()]
    cables = _cables_by_end(lab)
    no_partner = str(setting(lab, "lacp.no_partner"))

    # LAGs: main partner and bundled members
    lag_infos: dict[tuple[str, str], _LagInfo] = {}
    member_lag: dict[tuple[str, str], tuple[str, str]] = {}
    for sw in lab.switches.values():
        for lag in sw.lags.values():
            members: list[tuple[str, str]] = []
            for spec in lag.members:
                found = _member_port(lab, sw.name, spec)
                if found is not None:
                    members.append((found[0], found[1]))
            for m2 in members:
                member_lag.setdefault(m2, (sw.name, lag.name))
            lag_infos[(sw.name, lag.name)] = _LagInfo(
                sw.name, lag, (bridge_of[sw.name], lag.name), members, [], {}
            )
    # LAG names on stack bridges are qualified when two members use the same name
    seen_names: dict[tuple[str, str], int] = {}
    for info in lag_infos.values():
        key = (bridge_of[info.owner], info.lag.name)
        seen_names[key] = seen_names.get(key, 0) + 1
    for info in lag_infos.values():
        owner_bridge = bridge_of[info.owner]
        if seen_names[(owner_bridge, info.lag.name)] > 1:
            info.ref = (owner_bridge, f"{info.owner}:{info.lag.name}")

    def stp_ref(sw: str, port: str) -> PortRef:
        owner = member_lag.get((sw, port))
        if owner is not None:
            return lag_infos[owner].ref
        bridge = bridge_of[sw]
        return (bridge, port if kind[bridge] == "switch" else f"{sw}:{port}")

    def partner(node: str, port: str) -> tuple[str, ...]:
        if node in lab.switches and port in lab.switches[node].ports:
            return ("switch", *stp_ref(node, port))
        return ("host", node)

    excluded: list[ExcludedCable] = []
    excluded_cables: set[str] = set()
    for info in lag_infos.values():
        cabled = [(m, cables[m]) for m in info.members if m in cables]
        info.cables = dict(cabled)
        if not cabled:
            info.bundled = list(info.members)
            continue
        far = [partner(*_far(c, *m)) for m, c in cabled]
        counts: dict[tuple[str, ...], int] = {}
        for f in far:
            counts[f] = counts.get(f, 0) + 1
        best = max(counts.values())
        main = next(f for f in far if counts[f] == best)
        for (m, c), f in zip(cabled, far, strict=True):
            if f == main:
                info.bundled.append(m)
            elif c.element not in excluded_cables:
                excluded_cables.add(c.element)
                excluded.append(
                    ExcludedCable(
                        c.element,
                        "lag-partner",
                        f"{m[0]}:{m[1]} is a member of {info.owner}:{info.lag.name} but is cabled "
                        f"to {'/'.join(f[1:])}, not to the LAG's partner {'/'.join(main[1:])}: "
                        "a LAG bundles links to one partner only",
                    )
                )

    def lag_up(info: _LagInfo, cond: Condition) -> list[tuple[str, str]]:
        return [m for m in info.bundled if _member_up(lab, cond, m[0], m[1], info.cables.get(m))]

    # WAN links that extend VLANs. Dark fibre and a VPLS pseudowire carry BPDUs like any
    # other frame, so a stretched VLAN merges the two sites' spanning-tree domains into
    # one: one root for both sites, and a second path between them is blocked somewhere.
    # (OTV and some VPLS services filter BPDUs at the edge and keep the domains apart;
    # hvlab does not model that.)
    wan_ends = _wan_ends(lab, bridge_of, kind, notes)

    # ports
    lab_ports: dict[PortRef, LabPort] = {}
    port_ref: dict[tuple[str, str], PortRef] = {}
    topo_ports: list[Port] = []
    for name, members_of in groups.items():
        fmt = next(b for b in bridges if b.name == name).port_id_format
        limit = _MAX_NUMBER[fmt]
        pending: list[tuple[PortRef, int | None, int | None, dict[str, object]]] = []
        for sw_name in members_of:
            sw = lab.switches[sw_name]
            for pname, p in sw.ports.items():
                if (sw_name, pname) in member_lag:
                    continue
                ref = stp_ref(sw_name, pname)
                cable = cables.get((sw_name, pname))
                speed = p.speed
                if speed is None and cable is not None:
                    speed = cable_speed(lab, cable)
                lab_ports[ref] = LabPort(
                    ref=ref,
                    switch=sw_name,
                    name=pname,
                    kind="port",
                    members=((sw_name, pname),),
                    up_members=((sw_name, pname),)
                    if _member_up(lab, condition, sw_name, pname, cable)
                    else (),
                    member_speeds=(speed or 0,),
                    speed_bps=speed,
                    vlans=port_vlan_config(p),
                    mtu=p.mtu,
                )
                port_ref[(sw_name, pname)] = ref
                pending.append(
                    (
                        ref,
                        p.number,
                        port_number(pname),
                        {
                            "priority": p.priority,
                            "speed_bps": speed,
                            "cost": p.cost,
                            "msti_cost": tuple(sorted(p.instance_costs.items())),
                            "admin_up": not p.shutdown,
                            "edge": p.edge,
                            "bpdu_filter": p.bpdu_filter,
                            "bpdu_guard": p.bpdu_guard,
                            "point_to_point": p.point_to_point
                            if "point_to_point" in p.model_fields_set
                            else None,
                        },
                    )
                )
            for lag in sw.lags.values():
                info = lag_infos[(sw_name, lag.name)]
                ports_of = [lab.switches[s].ports[q] for s, q in info.members]
                first = ports_of[0] if ports_of else None
                up = lag_up(info, condition)

                def member_speed(m: tuple[str, str], info: _LagInfo = info) -> int:
                    c = info.cables.get(m)
                    s = cable_speed(lab, c) if c is not None else None
                    return s or lab.switches[m[0]].ports[m[1]].speed or 0

                up_speeds = tuple(member_speed(m) for m in up)
                nominal = sum(member_speed(m) for m in info.bundled) or None
                speed_up = sum(up_speeds) if len(up) >= lag.min_links else 0
                mtus = [q.mtu for q in ports_of]
                lab_ports[info.ref] = LabPort(
                    ref=info.ref,
                    switch=sw_name,
                    name=lag.name,
                    kind="lag",
                    members=tuple(info.members),
                    up_members=tuple(up) if len(up) >= lag.min_links else (),
                    member_speeds=up_speeds,
                    speed_bps=speed_up or nominal,
                    vlans=lag_vlan_config(lab, sw_name, lag),
                    mtu=lag.mtu if lag.mtu is not None else (min(mtus) if mtus else 1500),
                    lacp=lag.lacp,
                    min_links=lag.min_links,
                )
                port_ref[(sw_name, lag.name)] = info.ref
                for m in info.members:
                    port_ref[m] = info.ref
                numbers = [
                    lab.switches[s].ports[q].number or port_number(q) for s, q in info.members
                ]
                derived = min((n for n in numbers if n is not None), default=None)
                pending.append(
                    (
                        info.ref,
                        lag.number,
                        derived,
                        {
                            "priority": lag.priority,
                            "speed_bps": speed_up or nominal,
                            "cost": lag.cost,
                            "msti_cost": tuple(sorted(lag.instance_costs.items())),
                            "admin_up": any(not q.shutdown for q in ports_of) or not ports_of,
                            "edge": lag.edge or (bool(ports_of) and all(q.edge for q in ports_of)),
                            "bpdu_filter": first.bpdu_filter if first else False,
                            "bpdu_guard": first.bpdu_guard if first else False,
                            "point_to_point": first.point_to_point
                            if first is not None and "point_to_point" in first.model_fields_set
                            else None,
                        },
                    )
                )
        for wan_name, ends in wan_ends.items():
            wan = lab.wan_links[wan_name]
            for sw_name, ref in ends:
                if ref[0] != name:
                    continue
                port_name = f"wan:{wan_name}"
                lab_ports[ref] = LabPort(
                    ref=ref,
                    switch=sw_name,
                    name=port_name,
                    kind="wan",
                    members=((sw_name, port_name),),
                    up_members=((sw_name, port_name),) if _wan_is_up(lab, condition, wan) else (),
                    member_speeds=(wan.bandwidth,),
                    speed_bps=wan.bandwidth,
                    vlans=VlanConfig("trunk", None, frozenset(wan.vlans), 1),
                    mtu=WAN_MTU,
                )
                port_ref[(sw_name, port_name)] = ref
                # No number of its own: the lowest free one, after the lab's ports.
                pending.append((ref, None, None, {"speed_bps": wan.bandwidth}))
        # numbers: explicit, then derived when free, then the lowest free one
        used: set[int] = set()
        chosen: dict[PortRef, int] = {}
        for ref, explicit, _, _ in pending:
            if explicit is not None:
                chosen[ref] = explicit
                used.add(explicit)
        for ref, explicit, derived, _ in pending:
            if explicit is None and derived is not None and 1 <= derived <= limit:
                if derived in used:
                    continue
                chosen[ref] = derived
                used.add(derived)
        free = 1
        for ref, _, _, _ in pending:
            if ref in chosen:
                continue
            while free in used:
                free += 1
            chosen[ref] = free
            used.add(free)
        for ref, _, _, attrs in pending:
            topo_ports.append(Port(bridge=ref[0], name=ref[1], number=chosen[ref], **attrs))  # type: ignore[arg-type]

    # links
    pairs: dict[tuple[PortRef, PortRef], list[Cable]] = {}
    order: list[tuple[PortRef, PortRef]] = []
    for cable in lab.links:
        if cable.element in excluded_cables:
            continue
        (na, _, pa), (nb, _, pb) = (e.partition(":") for e in cable.endpoints)
        if na not in lab.switches or nb not in lab.switches:
            continue
        if pa not in lab.switches[na].ports or pb not in lab.switches[nb].ports:
            continue
        ra, rb = stp_ref(na, pa), stp_ref(nb, pb)
        if ra == rb:
            excluded_cables.add(cable.element)
            excluded.append(
                ExcludedCable(
                    cable.element,
                    "same-lag",
                    f"both ends of {cable.element} are members of {ra[1]} on {ra[0]}",
                )
            )
            continue
        if ra[0] == rb[0] and kind[ra[0]] == "mlag":
            excluded_cables.add(cable.element)
            excluded.append(
                ExcludedCable(
                    cable.element,
                    "mlag-peer-link",
                    f"{cable.element} joins two peers of MLAG domain {ra[0]}: the peer link is "
                    "inside the logical bridge",
                )
            )
            continue
        pair_key = (rb, ra) if (rb, ra) in pairs else (ra, rb)
        if pair_key not in pairs:
            pairs[pair_key] = []
            order.append(pair_key)
        pairs[pair_key].append(cable)
    topo_links: list[Link] = []
    link_cables: dict[str, tuple[Cable, ...]] = {}
    cable_link: dict[str, str] = {}
    peer: dict[PortRef, tuple[PortRef, str]] = {}
    linked: set[PortRef] = set()
    for ra, rb in order:
        group = pairs[(ra, rb)]
        la, lb = lab_ports[ra], lab_ports[rb]
        if la.kind == "lag" or lb.kind == "lag":
            out = _lacp_pair(la, lb, no_partner)
            if out is not None:
                for c in group:
                    excluded_cables.add(c.element)
                    excluded.append(ExcludedCable(c.element, "lacp", out))
                continue
        if ra in linked or rb in linked:
            for c in group:
                excluded_cables.add(c.element)
                excluded.append(
                    ExcludedCable(
                        c.element,
                        "lag-partner",
                        f"{c.element}: a port of it is already linked to another partner",
                    )
                )
            continue
        if la.kind == "port" and lb.kind == "port":
            cable = group[0]
            name = cable.name or cable.element.removeprefix("link:")
            link = Link(ra, rb, name=name)
        else:
            link = Link(ra, rb)
        topo_links.append(link)
        linked.update((ra, rb))
        link_cables[link.id] = tuple(group)
        for c in group:
            cable_link[c.element] = link.id
        peer[ra] = (rb, link.id)
        peer[rb] = (ra, link.id)
    wan_links: dict[str, str] = {}
    for wan_name, ((_, ra), (_, rb)) in wan_ends.items():
        link = Link(ra, rb, name=f"wan:{wan_name}")
        topo_links.append(link)
        link_cables[link.id] = ()
        wan_links[wan_name] = link.id
        peer[ra] = (rb, link.id)
        peer[rb] = (ra, link.id)
    try:
        topology = Topology(tuple(bridges), tuple(topo_ports), tuple(topo_links))
    except UserError as exc:
        raise UserError(f"the lab's spanning-tree settings are not valid: {exc}") from None
    return LabTopology(
        lab=lab,
        topology=topology,
        condition=condition,
        bridges=MappingProxyType({k: tuple(v) for k, v in groups.items()}),
        bridge_of=MappingProxyType(bridge_of),
        kind=MappingProxyType(kind),
        ports=MappingProxyType(lab_ports),
        port_ref=MappingProxyType(port_ref),
        link_cables=MappingProxyType(link_cables),
        cable_link=MappingProxyType(cable_link),
        excluded=tuple(excluded),
        notes=tuple(notes),
        wan_links=MappingProxyType(wan_links),
        _peer=MappingProxyType(peer),
    )


def _lacp_pair(a: LabPort, b: LabPort, no_partner: str) -> str | None:
    """Return why a LAG link does not form, or None when it does (or forwards anyway)."""
    from hvlab.teaming.lacp import EndMode, pair

    def mode(p: LabPort) -> EndMode:
        if p.kind == "port" or p.lacp is None:
            return "off"
        return "on" if p.lacp == "on" else ("active" if p.lacp == "active" else "passive")

    out = pair(
        mode(a), mode(b), no_partner="individual" if no_partner == "individual" else "suspend"
    )
    if out.bundled or (out.a_forwards and out.b_forwards):
        return None
    return f"{a.label} ({out.a_mode}) to {b.label} ({out.b_mode}): {out.note}"


# ---------------------------------------------------------------------------
# failures


def _excluded_set(lt: LabTopology) -> frozenset[str]:
    return frozenset(e.cable for e in lt.excluded)


def failures_from_condition(lt: LabTopology, condition: Condition | None) -> Failures:
    """Return the spanning-tree failures a Condition means for a lab topology.

    * A bridge fails when every switch in it is down (switch, rack or site failed); a
      stack or MLAG member that fails takes down only its own ports.
    * A physical port fails when :meth:`Condition.port_is_up` says it is down (failed,
      ``shutdown``, its switch down) or when the cable to a host is down (the NIC, the
      host or the cable failed: the switch port loses carrier). A cable between two
      switches that fails is a failed link.
    * A LAG fails when it is failed itself (``lag:``) or has fewer up members than its
      ``min_links`` (every member's port or cable down). A LAG whose cables were all left
      out of the topology (an LACP pair that does not bundle) is down even with nothing
      failed.
    * A WAN link that extends VLANs fails as a link when ``wan:NAME`` is failed; the
      switch at one end failing (switch, rack, site) takes its port down, as for a cable.

    Parameters
    ----------
    lt : LabTopology
        From :func:`topology_from_lab` (built with the same Condition for LAG costs).
    condition : Condition or None
        What is failed.

    Returns
    -------
    Failures
        Failed bridges, ports and links, by the topology's names (``link:wan:HQ-DR``
        for a failed WAN link), for :func:`hvlab.l2.stp.solve`: a port that is down
        takes the Disabled role (IEEE 802.1D-2004 §17.7).
    """
    condition = condition or Condition.none()
    lab = lt.lab
    bridges = frozenset(
        b
        for b, members in lt.bridges.items()
        if not any(condition.switch_is_up(lab, s) for s in members)
    )
    ports: set[PortRef] = set()
    links: set[str] = set()
    cables = _cables_by_end(lab)
    excluded = _excluded_set(lt)
    for ref, lp in lt.ports.items():
        if ref[0] in bridges:
            continue
        if lp.kind == "wan":
            wan_name = lp.name.removeprefix("wan:")
            if Element("wan", (wan_name,)) in condition.failed:
                links.add(lt.wan_links[wan_name])
            elif not condition.switch_is_up(lab, lp.switch):
                ports.add(ref)  # a stack member at one end is down, its bridge is not
            continue
        if lp.kind == "lag":
            up = 0
            for sw, port in lp.members:
                cable = cables.get((sw, port))
                if cable is not None and cable.element in excluded:
                    continue
                if (
                    cable is not None
                    and lt.peer(ref) is not None
                    and cable.element not in lt.cable_link
                ):
                    continue
                if _member_up(lab, condition, sw, port, cable):
                    up += 1
            if up < max(1, lp.min_links):
                ports.add(ref)
            continue
        sw, port = lp.switch, lp.name
        if lab.switches[sw].ports[port].shutdown:
            continue  # administratively down already (Port.admin_up)
        if not condition.port_is_up(lab, sw, port):
            ports.add(ref)
            continue
        cable = cables.get((sw, port))
        if cable is None or condition.link_is_up(lab, cable):
            continue
        link_id = lt.cable_link.get(cable.element)
        if link_id is not None:
            links.add(link_id)
        else:
            ports.add(ref)
    return Failures(bridges, frozenset(ports), frozenset(links))
