"""Per-VLAN forwarding: where hosts and VMs attach, which links forward a VLAN, and paths.

A VLAN's forwarding graph has the bridges (switches, stacks) and the hosts and VMs
attached to the VLAN as nodes. Bridges are joined by every link (cable or LAG) whose
two ends are up, carry the VLAN and forward in the spanning tree that governs the VLAN
on their bridge. Hosts and VMs are joined to the bridge of every switch port they are
attached through.

How a host attaches to VLAN *v* (:func:`endpoints`)
    An *endpoint* is something that sends frames: a NIC that is in no team and under no
    virtual switch (tag: its ``vlan``), a team interface of a team that no virtual switch
    uses (tag: the interface's ``vlan``; the default interface, or a team without
    interfaces, is untagged), a host vNIC (tag: its ``vlan``; a virtual switch with
    ``allow_management_os`` and no vNIC listed has one untagged vNIC named
    ``vEthernet (SWITCH)``), and each VM NIC (tag: its ``vlan``) on its host's virtual
    switch. VLAN 0 means untagged. An endpoint's *members* are the physical NICs it
    sends on: the NIC itself, the team's member NICs (a team of teams is expanded), the
    virtual switch's uplink NIC or team members, or its SET members.

    A member puts the endpoint in VLAN *v* when it is cabled to a switch port (or a LAG
    member) that accepts the frame: a tagged frame when the port carries *v* (access
    VLAN, trunk allowed list, LAG VLANs), an untagged frame when *v* is the port's access
    VLAN or its allowed native VLAN. A member carries traffic when it is usable: for a
    team or SET switch, the teaming engine's member state
    (:func:`hvlab.teaming.failover.team_state`: ``active`` and carrying, so a standby
    member, a failed one, or one whose LACP partner does not forward does not count);
    for a lone NIC, :meth:`hvlab.condition.Condition.nic_is_up`. It attaches the endpoint
    to the VLAN's graph when, in addition, its switch port forwards for *v*. Which active
    member a given flow leaves on is the team's hash: a path picks one active member (see
    below), any active member is usable.

Paths (:meth:`Forwarding.path`)
    Shortest by hop count over the VLAN's graph; hosts and VMs are never transit nodes.
    Spanning tree leaves one path between two bridges, so ties only come from
    multi-homed endpoints: among equally short paths hvlab takes the one whose first and
    last hops are fastest, then the endpoint and member listed first in the lab (team
    order: the primary member first). Between two bridges, the neighbour discovered first
    by a breadth-first search over adjacency sorted by (faster link, name) -- only
    relevant when a loop leaves several. Two endpoints on one virtual switch of one host
    with the same tag talk through the virtual switch and never leave the host.

Speeds
    A hop's ``speed_bps`` is what the hop carries in total: a cable's speed, a LAG's up
    members together. ``flow_bps`` is what one flow gets: a LAG hashes each flow onto one
    member (LACP / static bundles), so a flow gets one member's speed (the slowest up
    member, to be safe). A host hop is the NIC the path leaves on: the slower of NIC and
    switch port. A hop inside a virtual switch is assumed to run at the speed of the
    switch's fastest uplink member (10 Gb/s for a switch without one).

MTU
    A hop's ``mtu`` is the smaller of its two ends' ``mtu`` values; a path's endpoints
    have theirs (``Path.source_mtu`` / ``target_mtu``). All values are compared as IP
    MTUs, see :mod:`hvlab.l2.loops`.
"""

from __future__ import annotations

import ipaddress
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

from hvlab.condition import Condition, nic_end
from hvlab.errors import UserError
from hvlab.l2.fromlab import LabTopology, cable_speed
from hvlab.l2.stp import SpanningTreeResult, State
from hvlab.l2.topology import PortRef
from hvlab.model.elements import Element
from hvlab.model.host import Host, TeamInterface
from hvlab.model.lab import Lab
from hvlab.model.units import format_speed

if TYPE_CHECKING:
    import networkx as nx  # type: ignore[import-untyped]

__all__ = [
    "VSWITCH_SPEED_BPS",
    "Attachment",
    "Endpoint",
    "Forwarding",
    "Hop",
    "Member",
    "Path",
    "endpoints",
    "host_endpoints",
    "vm_endpoints",
    "vm_nic_name",
]

VSWITCH_SPEED_BPS = 10_000_000_000
"""Assumed speed of a hop inside a Hyper-V switch with no uplink (the synthetic NIC's 10 Gb/s)."""

EndpointKind = Literal["nic", "team", "vnic", "vm"]


@dataclass(frozen=True, slots=True)
class Hop:
    """One hop of a path: out of ``node`` by ``port``, into ``next_node`` by ``next_port``.

    Attributes
    ----------
    node, port, next_node, next_port : str
        Both ends. Bridges are named as in the topology (a stack by its name, its
        physical ports ``MEMBER:PORT``); a host hop's port is the NIC, a VM's first hop
        leaves by the VM NIC into the host's virtual switch.
    speed_bps : int
        What the hop carries in total (a LAG: its up members together).
    flow_bps : int
        What one flow gets (a LAG: one member).
    kind : str
        ``nic`` (host NIC to switch port), ``link`` (a cable between switches), ``lag``
        (a LAG between switches) or ``vswitch`` (inside a Hyper-V switch).
    mtu : int
        The smaller MTU of the hop's two ends.
    """

    node: str
    port: str
    next_node: str
    next_port: str
    speed_bps: int
    flow_bps: int
    kind: str
    mtu: int = 1500


def _at(node: str, port: str) -> str:
    return port if ":" in port else f"{node}:{port}"


@dataclass(frozen=True, slots=True)
class Path:
    """A path between two endpoints in one VLAN.

    Attributes
    ----------
    vlan : int
        The VLAN.
    hops : tuple of Hop
        In order from the source.
    bottleneck_bps : int
        The smallest ``flow_bps``: what one flow gets end to end.
    aggregate_bps : int
        The smallest ``speed_bps``: what many flows can use together.
    crosses : frozenset of str
        The switches it crosses: bridge names, plus the member switches of a stack whose
        ports it uses.
    source_mtu, target_mtu : int
        MTU of the two endpoints.
    """

    vlan: int
    hops: tuple[Hop, ...]
    bottleneck_bps: int
    aggregate_bps: int
    crosses: frozenset[str]
    source_mtu: int = 1500
    target_mtu: int = 1500

    @property
    def source(self) -> str:
        """Return the first node (empty for an empty path)."""
        return self.hops[0].node if self.hops else ""

    @property
    def target(self) -> str:
        """Return the last node (empty for an empty path)."""
        return self.hops[-1].next_node if self.hops else ""

    @property
    def mtu(self) -> int:
        """Return the smallest hop MTU (the largest IP packet every hop passes)."""
        return min((h.mtu for h in self.hops), default=min(self.source_mtu, self.target_mtu))

    def text(self) -> str:
        """Return the hops as text.

        ``node1:LM → tor1:5 → tor1:Po1 → tor2:Po1 → tor2:7 → node3:LM (bottleneck 10G)``.
        """
        if not self.hops:
            return "(same endpoint)"
        parts = [_at(self.hops[0].node, self.hops[0].port)]
        for i, h in enumerate(self.hops):
            if i:
                egress = _at(h.node, h.port)
                if egress != parts[-1]:
                    parts.append(egress)
            parts.append(_at(h.next_node, h.next_port))
        return " → ".join(parts) + f" (bottleneck {format_speed(self.bottleneck_bps)})"


@dataclass(frozen=True, slots=True)
class Member:
    """One physical NIC an endpoint sends on.

    Attributes
    ----------
    nic : str
        The NIC.
    speed_bps, mtu : int
        The NIC's speed and MTU.
    usable : bool
        Traffic sent on it gets through to the switch port (see the module docstring).
    why : str or None
        Why it is not usable (an element name, a teaming failure reason, ``standby``).
    switch, port : str or None
        Far end of its cable when that is a switch port.
    ref : PortRef or None
        The spanning-tree port (the LAG when the switch port is a LAG member).
    vlan : int or None
        The VLAN its frames are in at the switch; None when the port does not accept them.
    link_speed_bps : int
        The slower of the NIC and the switch port (cable speed).
    port_mtu : int
        MTU of the switch port (of its LAG).
    """

    nic: str
    speed_bps: int
    mtu: int
    usable: bool
    why: str | None
    switch: str | None
    port: str | None
    ref: PortRef | None
    vlan: int | None
    link_speed_bps: int
    port_mtu: int


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Something on a host that sends frames: a NIC, a team interface, a host vNIC, a VM NIC.

    Attributes
    ----------
    owner : str
        The host (for host endpoints) or the VM.
    owner_kind : {"host", "vm"}
        Which.
    host : str
        The host it runs on.
    name : str
        NIC name, ``TEAM/INTERFACE``, vNIC name, or VM NIC name.
    kind : {"nic", "team", "vnic", "vm"}
        What it is.
    tag : int or None
        The VLAN tag it sends (None = untagged).
    vswitch : str or None
        The Hyper-V switch it is on (vNICs and VM NICs).
    mtu : int
        Its MTU (a VM NIC's ``mtu``; a NIC's; a team interface or host vNIC: the
        smallest of its members, as the model has no MTU of its own for them).
    ip : str or None
        Its IP address when the lab gives one.
    members : tuple of Member
        The physical NICs it sends on.
    """

    owner: str
    owner_kind: Literal["host", "vm"]
    host: str
    name: str
    kind: EndpointKind
    tag: int | None
    vswitch: str | None
    mtu: int
    ip: str | None
    members: tuple[Member, ...]

    @property
    def vlans(self) -> frozenset[int]:
        """Return the VLANs its members put it in (whether usable or not)."""
        return frozenset(m.vlan for m in self.members if m.vlan is not None)

    @property
    def label(self) -> str:
        """Return ``owner:name``."""
        return f"{self.owner}:{self.name}"


def vm_nic_name(index: int, name: str | None) -> str:
    """Return a VM NIC's name, ``nicN`` (from 1) when the lab gives none."""
    return name or f"nic{index + 1}"


# ---------------------------------------------------------------------------
# endpoints


class _Members:
    """Usability of NICs under a Condition, with team states from the teaming engine."""

    def __init__(self, lt: LabTopology, condition: Condition) -> None:
        self.lt = lt
        self.lab = lt.lab
        self.condition = condition
        self._teams: dict[tuple[str, str], dict[str, tuple[bool, str | None]]] = {}
        # Every VM on a vSwitch asks for the same uplink members: answer each once.
        self._member: dict[tuple[str, str, int | None, tuple[bool, str | None]], Member] = {}
        self._uplink: dict[tuple[str, str], list[tuple[str, tuple[bool, str | None]]]] = {}
        self._cables = {
            (n, p): c for c in lt.lab.links for n, _, p in (e.partition(":") for e in c.endpoints)
        }

    def team_usable(self, host: str, team: str) -> dict[str, tuple[bool, str | None]]:
        key = (host, team)
        cached = self._teams.get(key)
        if cached is not None:
            return cached
        from hvlab.teaming.failover import team_state
        from hvlab.teaming.modes import resolve_team

        out: dict[str, tuple[bool, str | None]] = {}
        h = self.lab.hosts[host]
        members = self.leaves(h, team)
        nested = any(m in h.teams for m in self._team_members(h, team))
        if not nested:
            try:
                state = team_state(
                    self.lab, resolve_team(self.lab, host, team, self.condition), self.condition
                )
                for m in state.members:
                    ok = m.state == "active" and m.carries
                    why = None
                    if not ok:
                        why = m.down_because or (
                            "standby" if m.state == "standby" else m.failure_reason
                        )
                    out[m.name] = (ok, why)
            except (UserError, KeyError, ValueError, StopIteration):
                out = {}
        for nic in members:
            if nic not in out:
                reason = self.condition.nic_down_reason(self.lab, host, nic)
                out[nic] = (reason is None, reason)
        self._teams[key] = out
        return out

    def _team_members(self, h: Host, team: str) -> tuple[str, ...]:
        if team in h.teams:
            return h.teams[team].members
        vs = h.vswitches.get(team)
        return vs.members if vs is not None else ()

    def leaves(self, h: Host, name: str, seen: frozenset[str] = frozenset()) -> list[str]:
        """Return the physical NICs under a NIC, team (teams of teams expanded) or SET switch."""
        if name in h.nics:
            return [name]
        if name in seen:
            return []
        out: list[str] = []
        for m in self._team_members(h, name):
            for leaf in self.leaves(h, m, seen | {name}):
                if leaf not in out:
                    out.append(leaf)
        return out

    def member(
        self, host: str, nic: str, tag: int | None, usable: tuple[bool, str | None]
    ) -> Member:
        key = (host, nic, tag, usable)
        found = self._member.get(key)
        if found is None:
            found = self._member[key] = self._member_uncached(host, nic, tag, usable)
        return found

    def _member_uncached(
        self, host: str, nic: str, tag: int | None, usable: tuple[bool, str | None]
    ) -> Member:
        lab, lt = self.lab, self.lt
        n = lab.hosts[host].nics[nic]
        end = nic_end(lab, host, nic)
        switch = port = None
        ref: PortRef | None = None
        vlan: int | None = None
        link_speed = n.speed
        port_mtu = n.mtu
        if end is not None and end.node in lab.switches:
            switch, port = end.node, end.port
            ref = lt.ref_of(switch, port)
            speed = cable_speed(lab, end.link)
            if speed:
                link_speed = min(link_speed, speed)
            if ref is not None:
                lp = lt.ports[ref]
                port_mtu = lp.mtu
                if tag is not None:
                    vlan = tag if lp.vlans.accepts(tag, tagged=True) else None
                else:
                    vlan = lp.vlans.untagged_vlan()
        return Member(
            nic=nic,
            speed_bps=n.speed,
            mtu=n.mtu,
            usable=usable[0],
            why=usable[1],
            switch=switch,
            port=port,
            ref=ref,
            vlan=vlan,
            link_speed_bps=link_speed,
            port_mtu=port_mtu,
        )

    def uplink(self, host: str, vswitch: str) -> list[tuple[str, tuple[bool, str | None]]]:
        """Return (NIC, usability) of a virtual switch's uplink members."""
        key = (host, vswitch)
        found = self._uplink.get(key)
        if found is None:
            found = self._uplink[key] = self._uplink_uncached(host, vswitch)
        return found

    def _uplink_uncached(
        self, host: str, vswitch: str
    ) -> list[tuple[str, tuple[bool, str | None]]]:
        h = self.lab.hosts[host]
        vs = h.vswitches.get(vswitch)
        if vs is None or vs.type != "External":
            return []
        if vs.members:
            usable = self.team_usable(host, vs.name)
            return [(n, usable[n]) for n in self.leaves(h, vs.name) if n in usable]
        if vs.uplink is None:
            return []
        if vs.uplink in h.nics:
            reason = self.condition.nic_down_reason(self.lab, host, vs.uplink)
            return [(vs.uplink, (reason is None, reason))]
        if vs.uplink in h.teams:
            usable = self.team_usable(host, vs.uplink)
            return [(n, usable[n]) for n in self.leaves(h, vs.uplink) if n in usable]
        return []


def _norm_tag(vlan: int | None) -> int | None:
    return vlan if vlan else None


def host_endpoints(
    lt: LabTopology, condition: Condition, host: str, *, _m: _Members | None = None
) -> list[Endpoint]:
    """Return the management-OS endpoints of ``host`` (see the module docstring)."""
    m = _m or _Members(lt, condition)
    lab = lt.lab
    h = lab.hosts[host]
    under_team = {n for t in h.teams.values() for n in t.members}
    under_vswitch: set[str] = set()
    for vs in h.vswitches.values():
        if vs.uplink:
            under_vswitch.add(vs.uplink)
        under_vswitch.update(vs.members)
    out: list[Endpoint] = []

    def members(
        nics: Iterable[tuple[str, tuple[bool, str | None]]], tag: int | None
    ) -> tuple[Member, ...]:
        return tuple(m.member(host, n, tag, u) for n, u in nics)

    for nic in h.nics.values():
        if nic.name in under_team or nic.name in under_vswitch:
            continue
        reason = condition.nic_down_reason(lab, host, nic.name)
        tag = _norm_tag(nic.vlan)
        out.append(
            Endpoint(
                host,
                "host",
                host,
                nic.name,
                "nic",
                tag,
                None,
                nic.mtu,
                nic.ip,
                members(((nic.name, (reason is None, reason)),), tag),
            )
        )
    for team in h.teams.values():
        if team.name in under_vswitch or team.name in under_team:
            continue
        usable = m.team_usable(host, team.name)
        leaves = [(n, usable[n]) for n in m.leaves(h, team.name) if n in usable]
        mtu = min((h.nics[n].mtu for n, _ in leaves), default=1500)
        interfaces: list[TeamInterface | None] = [*team.interfaces.values()] or [None]
        for itf in interfaces:
            tag = _norm_tag(itf.vlan) if itf is not None else None
            name = f"{team.name}/{itf.name}" if itf is not None else team.name
            out.append(
                Endpoint(
                    host, "host", host, name, "team", tag, None, mtu, None, members(leaves, tag)
                )
            )
    explicit = {v.switch for v in h.vnics.values()}
    for vs in h.vswitches.values():
        if vs.allow_management_os and vs.name not in explicit:
            up = m.uplink(host, vs.name)
            mtu = min((h.nics[n].mtu for n, _ in up), default=1500)
            out.append(
                Endpoint(
                    host,
                    "host",
                    host,
                    f"vEthernet ({vs.name})",
                    "vnic",
                    None,
                    vs.name,
                    mtu,
                    None,
                    members(up, None),
                )
            )
    for vnic in h.vnics.values():
        up = m.uplink(host, vnic.switch)
        tag = _norm_tag(vnic.vlan)
        mtu = min((h.nics[n].mtu for n, _ in up), default=1500)
        out.append(
            Endpoint(
                host,
                "host",
                host,
                vnic.name,
                "vnic",
                tag,
                vnic.switch,
                mtu,
                vnic.ip,
                members(up, tag),
            )
        )
    return out


def vm_endpoints(
    lt: LabTopology,
    condition: Condition,
    vm: str,
    host: str | None = None,
    *,
    _m: _Members | None = None,
) -> list[Endpoint]:
    """Return the NIC endpoints of VM ``vm`` running on ``host`` (default: its lab placement)."""
    lab = lt.lab
    v = lab.vms[vm]
    host = host or v.host
    if host is None or host not in lab.hosts:
        return []
    m = _m or _Members(lt, condition)
    out: list[Endpoint] = []
    for i, nic in enumerate(v.nics):
        up = m.uplink(host, nic.switch) if nic.switch in lab.hosts[host].vswitches else []
        tag = _norm_tag(nic.vlan)
        out.append(
            Endpoint(
                vm,
                "vm",
                host,
                vm_nic_name(i, nic.name),
                "vm",
                tag,
                nic.switch,
                nic.mtu,
                nic.ip,
                tuple(m.member(host, n, tag, u) for n, u in up),
            )
        )
    return out


def endpoints(lt: LabTopology, condition: Condition) -> tuple[Endpoint, ...]:
    """Return every host endpoint and every VM NIC endpoint (VMs at their lab placement)."""
    m = _Members(lt, condition)
    out: list[Endpoint] = []
    for host in lt.lab.hosts:
        out.extend(host_endpoints(lt, condition, host, _m=m))
    for vm in lt.lab.vms:
        out.extend(vm_endpoints(lt, condition, vm, _m=m))
    return tuple(out)


# ---------------------------------------------------------------------------
# the per-VLAN forwarding engine


@dataclass(frozen=True, slots=True)
class _Edge:
    """A forwarding bridge-to-bridge link, oriented from ``a``."""

    link: str
    a: PortRef
    b: PortRef
    speed_bps: int
    flow_bps: int
    member_speeds: tuple[int, ...]
    kind: str
    mtu: int


@dataclass(frozen=True, slots=True)
class Attachment:
    """One member NIC attaching an endpoint to a VLAN (``order``: the endpoint's lab order)."""

    endpoint: Endpoint
    member: Member
    order: int


Overrides = tuple[tuple[str, object], ...]
"""A Condition's overrides as (key, value) items, hashable."""

HostKey = tuple[str, Overrides, tuple[str | None, ...]]
"""What a host's endpoints depend on: (host, the Condition's overrides, why each NIC is down)."""


class _SharedEndpoints:
    """Endpoints of one lab's hosts (and of VMs on them), shared by the views of the lab.

    A simulation builds a view per fault, and building every host's endpoints (team
    states, LACP) for each one dominated its run time, although a fault changes the
    endpoints of one or two hosts at most. Everything a host's endpoints read from the
    Condition goes through :meth:`Condition.nic_down_reason` of the host's own NICs
    (lone NICs, team members via :func:`hvlab.teaming.failover.team_state` and its LACP
    far ends, vSwitch uplinks) or the Condition's overrides (teaming settings); the
    rest comes from the lab and the topology's port map. So the endpoints are keyed by
    :data:`HostKey` and reused while it is the same.
    """

    __slots__ = ("hosts", "port_ref", "reasons", "vms")

    LIMIT = 50_000
    """Entries kept per lab before starting over (memory bound for long sweeps)."""

    PATHS = 64
    """Recorded :meth:`reasons_of` answers kept per host."""

    def __init__(self, port_ref: object) -> None:
        self.port_ref = port_ref
        self.hosts: dict[HostKey, tuple[Endpoint, ...]] = {}
        self.vms: dict[tuple[str, HostKey], tuple[Endpoint, ...]] = {}
        # (host, overrides) -> [(elements looked up, those that were failed, the reasons)]
        self.reasons: dict[
            tuple[str, Overrides],
            list[tuple[frozenset[object], frozenset[object], tuple[str | None, ...]]],
        ] = {}

    def trim(self) -> None:
        if len(self.hosts) + len(self.vms) > self.LIMIT:
            self.hosts.clear()
            self.vms.clear()

    def reasons_of(
        self,
        lab: Lab,
        condition: Condition,
        overrides: Overrides,
        host: str,
        nics: Iterable[str],
    ) -> tuple[str | None, ...]:
        """Return :meth:`Condition.nic_down_reason` of each of ``nics`` on ``host``.

        Asked for every host of every view, the reasons cost more than the rest of the
        key. They are a deterministic function of which elements are failed, and they
        look only some up (the NIC, its host, cable, far port, LAG, switch, rack,
        site). So each computation runs on a Condition whose failed set notes what is
        looked up, and is remembered with that: a later Condition (with the same
        ``overrides``, its overrides as items) that answers those look-ups alike gets the
        same reasons without running again.
        """
        failed = condition.failed
        seen = self.reasons.setdefault((host, overrides), [])
        for looked, hits, reasons in seen:
            if failed & looked == hits:
                return reasons
        probe = _Probe(failed)
        spy = Condition(cast("frozenset[Element]", probe), condition.overrides)
        try:
            reasons = tuple(spy.nic_down_reason(lab, host, n) for n in nics)
        except Exception:
            # The failed set was used other than by look-ups: not recordable. The real
            # Condition gives the answer (or raises the error it raises).
            return tuple(condition.nic_down_reason(lab, host, n) for n in nics)
        looked = frozenset(probe.asked)
        seen.append((looked, failed & looked, reasons))
        if len(seen) > self.PATHS:
            del seen[0]
        return reasons


class _NotRecordable(Exception):
    """The failed set was used other than by ``element in failed``."""


class _Probe:
    """Stands for a Condition's failed set: answers ``in`` and notes what was asked.

    Anything else (iterating, its size or truth, comparing, set operations) raises,
    so that only look-ups can decide an answer that is remembered.
    """

    __slots__ = ("asked", "failed")

    def __init__(self, failed: frozenset[Element]) -> None:
        self.failed = failed
        self.asked: list[object] = []

    def __contains__(self, element: object) -> bool:
        self.asked.append(element)
        return element in self.failed

    def __iter__(self) -> Iterator[Element]:
        raise _NotRecordable

    def __len__(self) -> int:
        raise _NotRecordable

    def __bool__(self) -> bool:
        raise _NotRecordable

    def __eq__(self, other: object) -> bool:
        raise _NotRecordable

    def __hash__(self) -> int:
        raise _NotRecordable


_SHARED: dict[int, tuple[Lab, _SharedEndpoints]] = {}
_SHARED_LABS = 4
_SHARED_LOCK = threading.Lock()


def _shared_endpoints(lt: LabTopology) -> _SharedEndpoints:
    """Return the endpoint cache of ``lt``'s lab (by identity; a Lab is frozen).

    A few labs are kept, the oldest dropped first; the entry holds the lab so that its
    ``id`` cannot be reused while the entry lives. A topology whose port map differs from
    the one the cache was built with (never for one lab today) gets a fresh cache.
    """
    with _SHARED_LOCK:
        entry = _SHARED.get(id(lt.lab))
        if entry is not None and entry[0] is lt.lab:
            shared = entry[1]
            if shared.port_ref is lt.port_ref or shared.port_ref == lt.port_ref:
                return shared
        shared = _SharedEndpoints(lt.port_ref)
        _SHARED.pop(id(lt.lab), None)
        while len(_SHARED) >= _SHARED_LABS:
            del _SHARED[next(iter(_SHARED))]
        _SHARED[id(lt.lab)] = (lt.lab, shared)
        return shared


class _ConditionState:
    """What a :class:`Forwarding` derives from the lab, its topology and Condition alone.

    Not which ports forward: so the view while the network converges
    (:func:`hvlab.l2.network.during`), which has the converged view's topology and
    Condition, shares it with that view instead of building every endpoint again.
    """

    __slots__ = ("endpoints", "host_eps", "host_keys", "members", "nodes", "vm_eps")

    def __init__(self) -> None:
        self.endpoints: tuple[Endpoint, ...] | None = None
        self.host_eps: tuple[Endpoint, ...] | None = None
        self.host_keys: dict[str, HostKey | None] = {}
        self.members: _Members | None = None
        self.nodes: dict[str, list[Endpoint]] | None = None
        self.vm_eps: dict[tuple[str, str | None], tuple[Endpoint, ...]] = {}


class Forwarding:
    """Forwarding state of one (lab, Condition): per-VLAN graphs and paths.

    Parameters
    ----------
    lt : LabTopology
        The topology.
    stp : SpanningTreeResult
        Its solved spanning trees under the Condition.
    condition : Condition
        What is failed.
    also : callable, optional
        ``also(ref, vlan)`` must also be True for a port to forward (used while the
        network converges: only ports forwarding before *and* after).
    """

    def __init__(
        self,
        lt: LabTopology,
        stp: SpanningTreeResult,
        condition: Condition,
        also: Callable[[PortRef, int], bool] | None = None,
    ) -> None:
        self.lt = lt
        self.lab: Lab = lt.lab
        self.stp = stp
        self.condition = condition
        self.also = also
        self._states: dict[int, dict[PortRef, State]] = {}
        self._tree: dict[tuple[str, int], int] = {}
        self._cs = _ConditionState()
        self._host_att: dict[int, dict[str, list[Attachment]]] = {}
        self._adj: dict[int, dict[str, list[tuple[str, _Edge]]]] = {}
        self._att: dict[int, dict[str, list[Attachment]]] = {}
        self._bfs: dict[tuple[int, str], tuple[dict[str, int], dict[str, str]]] = {}
        self._comp: dict[int, dict[str, str]] = {}
        self._links: dict[tuple[str, str], dict[str, frozenset[str]]] = {}
        self._forwards: dict[tuple[PortRef, int], bool] = {}
        self._narrows: Forwarding | None = None
        overrides: Overrides | None = tuple(condition.overrides.items())
        try:
            hash(overrides)
        except TypeError:
            overrides = None  # an unhashable override value: build endpoints per view
        self._overrides = overrides
        self._shared: _SharedEndpoints | None = None

    # -- spanning tree per VLAN ---------------------------------------------------------
    def tree_for(self, bridge: str, vlan: int) -> int:
        """Return the tree that governs ``vlan`` on ``bridge``."""
        key = (bridge, vlan)
        t = self._tree.get(key)
        if t is None:
            t = self._tree[key] = self.stp.tree_for_vlan(bridge, vlan)
        return t

    def state(self, ref: PortRef, tree: int) -> State:
        """Return the state of a port in a tree (the CIST when the bridge is not in it)."""
        states = self._states.get(tree)
        if states is None:
            states = {(p.bridge, p.port): p.state for p in self.stp.trees[tree].ports()}
            self._states[tree] = states
        st = states.get(ref)
        if st is None and tree:
            return self.state(ref, 0)
        return st if st is not None else State.DISABLED

    def stp_forwards(self, ref: PortRef, vlan: int) -> bool:
        """Return whether spanning tree lets ``ref`` forward ``vlan`` (ignores VLAN config)."""
        return self.state(ref, self.tree_for(ref[0], vlan)) == State.FORWARDING

    def port_forwards(self, ref: PortRef, vlan: int) -> bool:
        """Return whether port ``ref`` carries and forwards ``vlan``."""
        key = (ref, vlan)
        found = self._forwards.get(key)
        if found is None:
            lp = self.lt.ports.get(ref)
            found = (
                lp is not None
                and lp.vlans.carries(vlan)
                and self.stp_forwards(ref, vlan)
                and (self.also is None or self.also(ref, vlan))
            )
            self._forwards[key] = found
        return found

    def share_with(self, other: Forwarding) -> None:
        """Use ``other``'s answers that do not depend on which ports forward.

        For the view while the network converges (:func:`hvlab.l2.network.during`): it
        has the converged view's topology, spanning trees and Condition, and differs
        only by ``also``. The endpoints, team states and port states are then built
        once for both. Nothing happens when the three are not the same.
        """
        if other.lt is not self.lt or other.stp is not self.stp:
            return
        if other.condition != self.condition:
            return
        self._cs = other._cs
        self._states = other._states
        self._tree = other._tree
        if self.also is not None and other.also is None:
            # A port forwards here exactly when it forwards there and ``also`` holds:
            # attachments are the converged view's, filtered.
            self._narrows = other

    # -- endpoints -----------------------------------------------------------------------
    @property
    def members_helper(self) -> _Members:
        if self._cs.members is None:
            self._cs.members = _Members(self.lt, self.condition)
        return self._cs.members

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        """Return every endpoint (hosts and VMs at their lab placement)."""
        if self._cs.endpoints is None:
            out: list[Endpoint] = []
            for host in self.lab.hosts:
                out.extend(self._host_eps_of(host))
            for vm in self.lab.vms:
                out.extend(self._vm_eps_on(vm, None))
            self._cs.endpoints = tuple(out)
        return self._cs.endpoints

    def vm_endpoints(self, vm: str, host: str | None = None) -> list[Endpoint]:
        """Return VM ``vm``'s endpoints on ``host`` (default: its lab placement).

        Computed per VM and cached: the simulator asks for a few VMs per view, and
        building every VM's endpoints for each view dominated its run time.
        """
        key = (vm, host or self.lab.vms[vm].host)
        found = self._cs.vm_eps.get(key)
        if found is None:
            found = self._cs.vm_eps[key] = self._vm_eps_on(vm, key[1])
        return list(found)

    # -- endpoints shared between the views of a lab (see _SharedEndpoints) --------------
    def _host_key(self, host: str) -> HostKey | None:
        """Return what ``host``'s endpoints depend on, None when they cannot be shared."""
        if host in self._cs.host_keys:
            return self._cs.host_keys[host]
        key: HostKey | None = None
        h = self.lab.hosts.get(host)
        if h is not None and self._overrides is not None:
            reasons = self._shared_cache().reasons_of(
                self.lab, self.condition, self._overrides, host, h.nics
            )
            key = (host, self._overrides, reasons)
        self._cs.host_keys[host] = key
        return key

    def _shared_cache(self) -> _SharedEndpoints:
        if self._shared is None:
            self._shared = _shared_endpoints(self.lt)
        return self._shared

    def _host_eps_of(self, host: str) -> tuple[Endpoint, ...]:
        """Return :func:`host_endpoints` of ``host``, shared with other views when possible."""
        key = self._host_key(host)
        if key is None:
            return tuple(host_endpoints(self.lt, self.condition, host, _m=self.members_helper))
        shared = self._shared_cache()
        found = shared.hosts.get(key)
        if found is None:
            shared.trim()
            found = tuple(host_endpoints(self.lt, self.condition, host, _m=self.members_helper))
            shared.hosts[key] = found
        return found

    def _vm_eps_on(self, vm: str, host: str | None) -> tuple[Endpoint, ...]:
        """Return :func:`vm_endpoints` of ``vm`` on ``host``, shared like the host's own."""
        where = host or self.lab.vms[vm].host
        key = self._host_key(where) if where is not None else None
        if key is None:
            return tuple(vm_endpoints(self.lt, self.condition, vm, where, _m=self.members_helper))
        shared = self._shared_cache()
        found = shared.vms.get((vm, key))
        if found is None:
            shared.trim()
            found = tuple(vm_endpoints(self.lt, self.condition, vm, where, _m=self.members_helper))
            shared.vms[(vm, key)] = found
        return found

    def node_of(self, owner: str, kind: str) -> str:
        """Return the graph node of a host or VM (a VM named like a host or bridge: ``vm:NAME``)."""
        if kind == "vm" and (owner in self.lab.hosts or owner in self.lt.bridges):
            return f"vm:{owner}"
        return owner

    def attached(self, endpoint: Endpoint, vlan: int) -> list[Member]:
        """Return the members that attach ``endpoint`` to ``vlan`` now."""
        return [
            m
            for m in endpoint.members
            if m.usable and m.vlan == vlan and m.ref is not None and self.port_forwards(m.ref, vlan)
        ]

    @property
    def host_endpoint_list(self) -> tuple[Endpoint, ...]:
        """Return the hosts' endpoints only, in the order :attr:`endpoints` lists them first."""
        if self._cs.host_eps is None:
            self._cs.host_eps = tuple(
                ep for host in self.lab.hosts for ep in self._host_eps_of(host)
            )
        return self._cs.host_eps

    def host_attachments(self, vlan: int) -> dict[str, list[Attachment]]:
        """Return host → its management-OS attachments to ``vlan`` (no VM endpoints built).

        Cluster heartbeats and cluster paths only involve hosts; building every VM's
        endpoints for them dominated the simulator's time on large labs.
        """
        att = self._host_att.get(vlan)
        if att is not None:
            return att
        if self._narrows is not None:
            att = self._narrowed(self._narrows.host_attachments(vlan), vlan)
        else:
            att = self._attach(self.host_endpoint_list, vlan)
        self._host_att[vlan] = att
        return att

    def _attach(self, eps: Iterable[Endpoint], vlan: int) -> dict[str, list[Attachment]]:
        """Return node → the attachments of ``eps`` to ``vlan`` (:meth:`attached`, inlined:
        it runs for every member of every host on every view of a simulation)."""
        att: dict[str, list[Attachment]] = {}
        forwards = self.port_forwards
        for i, ep in enumerate(eps):
            for m in ep.members:
                if m.usable and m.vlan == vlan and m.ref is not None and forwards(m.ref, vlan):
                    att.setdefault(self.node_of(ep.owner, ep.owner_kind), []).append(
                        Attachment(ep, m, i)
                    )
        return att

    def _narrowed(
        self, base: dict[str, list[Attachment]], vlan: int
    ) -> dict[str, list[Attachment]]:
        """Return the attachments of :attr:`_narrows` that ``also`` lets forward here."""
        also = self.also
        assert also is not None
        att: dict[str, list[Attachment]] = {}
        for node, found in base.items():
            kept = [a for a in found if a.member.ref is not None and also(a.member.ref, vlan)]
            if kept:
                att[node] = kept
        return att

    def attachments(self, vlan: int) -> dict[str, list[Attachment]]:
        """Return node → its attachments to ``vlan`` (endpoint, member), in lab order."""
        att = self._att.get(vlan)
        if att is not None:
            return att
        if self._narrows is not None:
            att = self._narrowed(self._narrows.attachments(vlan), vlan)
        else:
            att = self._attach(self.endpoints, vlan)
        self._att[vlan] = att
        return att

    # -- bridges -------------------------------------------------------------------------
    def _edge(self, link_id: str, a: PortRef, b: PortRef) -> _Edge:
        la, lb = self.lt.ports[a], self.lt.ports[b]
        lag = la.kind == "lag" or lb.kind == "lag"
        if lag:
            speeds = la.member_speeds if la.kind == "lag" else lb.member_speeds
            total = sum(speeds) or (la.speed_bps or 0)
            flow = min((s for s in speeds if s), default=total)
        else:
            total = min(s for s in (la.speed_bps or 0, lb.speed_bps or 0))
            if not total:
                total = la.speed_bps or lb.speed_bps or 0
            speeds = (total,)
            flow = total
        return _Edge(
            link_id, a, b, total, flow, tuple(speeds), "lag" if lag else "link", min(la.mtu, lb.mtu)
        )

    def adjacency(self, vlan: int) -> dict[str, list[tuple[str, _Edge]]]:
        """Return bridge → [(neighbour bridge, link)] of links forwarding ``vlan`` (sorted)."""
        adj = self._adj.get(vlan)
        if adj is not None:
            return adj
        adj = {b: [] for b in self.lt.bridges}
        for link in self.lt.topology.links:
            if self.port_forwards(link.a, vlan) and self.port_forwards(link.b, vlan):
                adj[link.a[0]].append((link.b[0], self._edge(link.id, link.a, link.b)))
                if link.a[0] != link.b[0]:
                    adj[link.b[0]].append((link.a[0], self._edge(link.id, link.b, link.a)))
        for b in adj:
            adj[b].sort(key=lambda x: (x[0], -x[1].flow_bps, x[1].link))
        self._adj[vlan] = adj
        return adj

    def _bfs_from(self, vlan: int, target: str) -> tuple[dict[str, int], dict[str, str]]:
        key = (vlan, target)
        hit = self._bfs.get(key)
        if hit is not None:
            return hit
        adj = self.adjacency(vlan)
        dist = {target: 0}
        parent: dict[str, str] = {}
        queue = deque([target])
        while queue:
            x = queue.popleft()
            for y, _ in adj.get(x, ()):
                if y not in dist:
                    dist[y] = dist[x] + 1
                    parent[y] = x
                    queue.append(y)
        self._bfs[key] = (dist, parent)
        return dist, parent

    def bridge_distance(self, vlan: int, a: str, b: str) -> int | None:
        """Return the hop count between two bridges in ``vlan`` (None when cut off)."""
        return self._bfs_from(vlan, b)[0].get(a)

    def _best_edge(self, vlan: int, x: str, y: str) -> _Edge:
        return min(
            (e for n, e in self.adjacency(vlan)[x] if n == y), key=lambda e: (-e.flow_bps, e.link)
        )

    def bridge_path(self, vlan: int, a: str, b: str) -> list[_Edge] | None:
        """Return the links from bridge ``a`` to bridge ``b`` in ``vlan``."""
        dist, parent = self._bfs_from(vlan, b)
        if a not in dist:
            return None
        out: list[_Edge] = []
        x = a
        while x != b:
            y = parent[x]
            out.append(self._best_edge(vlan, x, y))
            x = y
        return out

    # -- graph ---------------------------------------------------------------------------
    def graph(self, vlan: int) -> nx.Graph:
        """Return the forwarding graph of ``vlan`` (see ``L2View.vlan_graph``)."""
        import networkx as nx

        g = nx.Graph(vlan=vlan)
        for bridge, members in self.lt.bridges.items():
            if any(self.condition.switch_is_up(self.lab, s) for s in members):
                g.add_node(bridge, kind="switch", switches=members)
        for x, nbrs in self.adjacency(vlan).items():
            for y, e in nbrs:
                if x > y:
                    continue
                if g.has_edge(x, y):
                    g.edges[x, y]["links"].append(e.link)
                    continue
                g.add_edge(
                    x,
                    y,
                    kind=e.kind,
                    link=e.link,
                    links=[e.link],
                    speed_bps=e.speed_bps,
                    flow_bps=e.flow_bps,
                    member_speeds=e.member_speeds,
                    mtu=e.mtu,
                    ports={x: e.a[1], y: e.b[1]},
                )
        for node, atts in self.attachments(vlan).items():
            ep0 = atts[0].endpoint
            g.add_node(node, kind=ep0.owner_kind, host=ep0.host)
            by_bridge: dict[str, list[Attachment]] = {}
            for a in atts:
                assert a.member.ref is not None
                by_bridge.setdefault(a.member.ref[0], []).append(a)
            for bridge, group in by_bridge.items():
                g.add_edge(
                    node,
                    bridge,
                    kind="nic",
                    speed_bps=sum(a.member.link_speed_bps for a in group),
                    flow_bps=max(a.member.link_speed_bps for a in group),
                    member_speeds=tuple(a.member.link_speed_bps for a in group),
                    nics=tuple(f"{a.endpoint.host}:{a.member.nic}" for a in group),
                    ports=tuple(
                        self.lt.physical_name(a.member.switch or "", a.member.port or "")
                        for a in group
                    ),
                    endpoints=tuple(a.endpoint.name for a in group),
                )
        return g

    # -- paths ---------------------------------------------------------------------------
    def node_for(self, name: str) -> str:
        """Return the graph node of host or VM ``name``.

        Raises
        ------
        UserError
            When ``name`` is neither a host nor a VM (with a did-you-mean suggestion).
        """
        if name in self.lab.hosts:
            return name
        if name in self.lab.vms:
            return self.node_of(name, "vm")
        if name.startswith("vm:") and name[3:] in self.lab.vms:
            return name
        choices = sorted([*self.lab.hosts, *self.lab.vms])
        from hvlab.model.load import suggest

        raise UserError(
            f"no host or VM named {name!r}{suggest(name, choices)} "
            f"(hosts and VMs: {', '.join(choices[:12])}{', ...' if len(choices) > 12 else ''})"
        )

    def _host_hops(self, a: Attachment, outbound: bool) -> list[Hop]:
        ep, m = a.endpoint, a.member
        assert m.ref is not None and m.switch is not None and m.port is not None
        port = self.lt.physical_name(m.switch, m.port)
        mtu = min(m.mtu, m.port_mtu)
        nic_hop = Hop(
            ep.host, m.nic, m.ref[0], port, m.link_speed_bps, m.link_speed_bps, "nic", mtu
        )
        hops = [nic_hop]
        if ep.owner_kind == "vm":
            vnode = self.node_of(ep.owner, "vm")
            hops.insert(
                0,
                Hop(
                    vnode,
                    ep.name,
                    ep.host,
                    ep.vswitch or "",
                    m.speed_bps,
                    m.speed_bps,
                    "vswitch",
                    min(ep.mtu, m.mtu),
                ),
            )
        if outbound:
            return hops
        return [
            Hop(h.next_node, h.next_port, h.node, h.port, h.speed_bps, h.flow_bps, h.kind, h.mtu)
            for h in reversed(hops)
        ]

    def _crosses(self, edges: list[_Edge], first: Member, last: Member) -> frozenset[str]:
        out: set[str] = set()
        for m in (first, last):
            if m.switch is not None and m.ref is not None:
                out.add(m.switch)
                out.add(m.ref[0])
        for e in edges:
            for ref in (e.a, e.b):
                out.add(ref[0])
                lp = self.lt.ports[ref]
                out.update(s for s, _ in (lp.up_members or lp.members))
        return frozenset(out)

    def _local(self, a_node: str, b_node: str, vlan: int) -> Path | None:
        """A path inside one Hyper-V switch: both endpoints on the same host, switch and tag."""
        a_eps = [e for e in self._owned(a_node) if e.vswitch]
        b_eps = [e for e in self._owned(b_node) if e.vswitch]
        for ea in a_eps:
            in_vlan = ea.tag == vlan if ea.tag is not None else vlan in ea.vlans
            if not in_vlan:
                continue
            for eb in b_eps:
                if ea.host != eb.host or ea.vswitch != eb.vswitch or ea.tag != eb.tag:
                    continue
                speed = max((m.speed_bps for m in ea.members), default=VSWITCH_SPEED_BPS)
                hops = (
                    Hop(
                        a_node, ea.name, ea.host, ea.vswitch or "", speed, speed, "vswitch", ea.mtu
                    ),
                    Hop(
                        ea.host, ea.vswitch or "", b_node, eb.name, speed, speed, "vswitch", eb.mtu
                    ),
                )
                return Path(vlan, hops, speed, speed, frozenset(), ea.mtu, eb.mtu)
        return None

    def _owned(self, node: str) -> list[Endpoint]:
        if self._cs.nodes is None:
            index: dict[str, list[Endpoint]] = {}
            for ep in self.endpoints:
                index.setdefault(self.node_of(ep.owner, ep.owner_kind), []).append(ep)
            self._cs.nodes = index
        return self._cs.nodes.get(node, [])

    def path(self, a: str, b: str, vlan: int) -> Path | None:
        """Return the path from host/VM ``a`` to host/VM ``b`` in ``vlan`` (None: no path).

        Raises
        ------
        UserError
            When ``a`` or ``b`` is neither a host nor a VM of the lab.
        """
        a_node = self.node_for(a)
        b_node = self.node_for(b)
        if a_node == b_node:
            return Path(vlan, (), 0, 0, frozenset())
        local = self._local(a_node, b_node, vlan)
        if local is not None:
            return local
        att = self.attachments(vlan)
        return self.path_between(att.get(a_node, []), att.get(b_node, []), vlan)

    def path_between(self, src: list[Attachment], dst: list[Attachment], vlan: int) -> Path | None:
        """Return the best path between two sets of attachments (see the module docstring)."""
        best: tuple[tuple[int, int, int, int, int], Attachment, Attachment] | None = None
        for x in src:
            assert x.member.ref is not None
            for y in dst:
                assert y.member.ref is not None
                if x.member.ref == y.member.ref:
                    continue  # a switch never sends a frame back out of the port it came in
                if x.endpoint.host == y.endpoint.host and x.member.nic == y.member.nic:
                    continue
                d = self.bridge_distance(vlan, x.member.ref[0], y.member.ref[0])
                if d is None:
                    continue
                extra = (x.endpoint.owner_kind == "vm") + (y.endpoint.owner_kind == "vm")
                key = (
                    d + 2 + extra,
                    -min(x.member.link_speed_bps, y.member.link_speed_bps),
                    -max(x.member.link_speed_bps, y.member.link_speed_bps),
                    x.order * 10_000 + x.endpoint.members.index(x.member),
                    y.order * 10_000 + y.endpoint.members.index(y.member),
                )
                if best is None or key < best[0]:
                    best = (key, x, y)
        if best is None:
            return None
        _, x, y = best
        assert x.member.ref is not None and y.member.ref is not None
        edges = self.bridge_path(vlan, x.member.ref[0], y.member.ref[0]) or []
        hops = self._host_hops(x, outbound=True)
        for e in edges:
            hops.append(Hop(e.a[0], e.a[1], e.b[0], e.b[1], e.speed_bps, e.flow_bps, e.kind, e.mtu))
        hops.extend(self._host_hops(y, outbound=False))
        return Path(
            vlan=vlan,
            hops=tuple(hops),
            bottleneck_bps=min(h.flow_bps for h in hops),
            aggregate_bps=min(h.speed_bps for h in hops),
            crosses=self._crosses(edges, x.member, y.member),
            source_mtu=x.endpoint.mtu,
            target_mtu=y.endpoint.mtu,
        )

    def vlans_of(self, node: str) -> frozenset[int]:
        """Return the VLANs host/VM node ``node`` has an endpoint in (usable or not)."""
        return frozenset(v for ep in self._owned(node) for v in ep.vlans)

    # -- cluster networks ----------------------------------------------------------------
    def network_vlans(self, cluster: str, network: str, node: str) -> list[int]:
        """Return the VLANs cluster network ``network`` uses on ``node`` (ascending).

        ``vlan:`` when the network has one; else the VLANs of the node's management-OS
        endpoints whose IP is in the network's ``subnet``; else those of its untagged
        endpoints.
        """
        c = self.lab.clusters[cluster]
        net = c.networks[network]
        if net.vlan:
            return [net.vlan]
        eps = [e for e in self._owned(node) if e.owner_kind == "host"]
        if net.subnet:
            try:
                subnet = ipaddress.ip_network(net.subnet, strict=False)
            except ValueError:
                subnet = None
            if subnet is not None:
                chosen = []
                for e in eps:
                    try:
                        if e.ip and ipaddress.ip_address(e.ip.split("/")[0]) in subnet:
                            chosen.append(e)
                    except ValueError:
                        continue
                return sorted({v for e in chosen for v in e.vlans})
        return sorted({v for e in eps if e.tag is None for v in e.vlans})

    def cluster_path(self, cluster: str, network: str, a: str, b: str) -> Path | None:
        """Return the path between two nodes of a cluster on one of its networks.

        Raises
        ------
        UserError
            Unknown cluster, network or node (with a did-you-mean suggestion).
        """
        from hvlab.model.load import suggest

        c = self.lab.clusters.get(cluster)
        if c is None:
            raise UserError(
                f"no cluster named {cluster!r}{suggest(cluster, self.lab.clusters)} "
                f"(clusters: {', '.join(self.lab.clusters) or 'none'})"
            )
        if network not in c.networks:
            raise UserError(
                f"no network named {network!r} in cluster {cluster}{suggest(network, c.networks)} "
                f"(networks: {', '.join(c.networks) or 'none'})"
            )
        for node in (a, b):
            if node not in c.nodes:
                raise UserError(
                    f"{node!r} is not a node of cluster {cluster}{suggest(node, c.nodes)} "
                    f"(nodes: {', '.join(c.nodes)})"
                )
        if a == b:
            return Path(c.networks[network].vlan or 0, (), 0, 0, frozenset())
        vlans = sorted(
            set(self.network_vlans(cluster, network, a))
            & set(self.network_vlans(cluster, network, b))
        )
        for vlan in vlans:
            att = self.host_attachments(vlan)
            src = [x for x in att.get(a, []) if x.endpoint.owner_kind == "host"]
            dst = [y for y in att.get(b, []) if y.endpoint.owner_kind == "host"]
            p = self.path_between(src, dst, vlan)
            if p is not None:
                return p
        return None

    def cluster_reachable(self, cluster: str, network: str, a: str, b: str) -> bool:
        """Return whether :meth:`cluster_path` would find a path, without building it.

        The simulator asks this for every pair of nodes on every change; it needs only
        yes or no, so it skips the hop list. Same rules as :meth:`cluster_path`. Two
        nodes of the cluster are answered from :meth:`cluster_links`, computed once.
        """
        if a == b:
            return True
        c = self.lab.clusters.get(cluster)
        if c is not None and network in c.networks:
            links = self.cluster_links(cluster, network)
            reached = links.get(a)
            if reached is not None and b in links:
                return b in reached
        return self._pair_reachable(cluster, network, a, b)

    def _pair_reachable(self, cluster: str, network: str, a: str, b: str) -> bool:
        """:meth:`cluster_reachable` for one pair, by the attachments (the reference rule)."""
        vlans = set(self.network_vlans(cluster, network, a)) & set(
            self.network_vlans(cluster, network, b)
        )
        for vlan in sorted(vlans):
            att = self.host_attachments(vlan)
            for x in att.get(a, []):
                if x.endpoint.owner_kind != "host" or x.member.ref is None:
                    continue
                for y in att.get(b, []):
                    if y.endpoint.owner_kind != "host" or y.member.ref is None:
                        continue
                    if x.member.ref == y.member.ref:
                        continue
                    if x.endpoint.host == y.endpoint.host and x.member.nic == y.member.nic:
                        continue
                    if self.bridge_distance(vlan, x.member.ref[0], y.member.ref[0]) is not None:
                        return True
        return False

    def bridge_components(self, vlan: int) -> dict[str, str]:
        """Return bridge → a name for its connected part of ``vlan``'s forwarding graph.

        Two bridges have the same name exactly when :meth:`bridge_distance` between them
        is not None (links forward both ways, so reachability is symmetric). A bridge not
        in the topology is its own part: look it up with ``.get(bridge, bridge)``.
        """
        comp = self._comp.get(vlan)
        if comp is None:
            adj = self.adjacency(vlan)
            comp = {}
            for start in adj:
                if start in comp:
                    continue
                comp[start] = start
                stack = [start]
                while stack:
                    x = stack.pop()
                    for y, _ in adj.get(x, ()):
                        if y not in comp:
                            comp[y] = start
                            stack.append(y)
            self._comp[vlan] = comp
        return comp

    def cluster_links(self, cluster: str, network: str) -> dict[str, frozenset[str]]:
        """Return node → the other nodes it reaches on cluster network ``network``.

        Every node of the cluster is a key; for ``a != b``, ``b in result[a]`` exactly
        when :meth:`cluster_reachable` ``(cluster, network, a, b)`` is True (the relation
        is symmetric). A node attached to the network is listed under itself too.
        Computed once per view from the connected parts of each VLAN
        (:meth:`bridge_components`) instead of a search per pair: the simulator needs
        every pair of a 64-node cluster after every fault.

        The pair rule of :meth:`cluster_path`: some VLAN both nodes use for the network,
        and management-OS attachments ``x`` of ``a`` and ``y`` of ``b`` whose switch ports
        are in one connected part and are not the same port (a switch never sends a
        frame back out of the port it came in). So within one (VLAN, part) every pair
        of attached nodes is linked, except two nodes that are each attached by one
        and the same port.

        Raises
        ------
        KeyError
            Unknown cluster or network (as :meth:`network_vlans`).
        """
        key = (cluster, network)
        found = self._links.get(key)
        if found is not None:
            return found
        c = self.lab.clusters[cluster]
        nodes = list(dict.fromkeys(c.nodes))
        fixed = c.networks[network].vlan  # network_vlans: the network's vlan when it has one
        by_vlan: dict[int, tuple[dict[str, str], dict[str, list[Attachment]]]] = {}
        # (vlan, part) -> node -> the ports attaching the node there
        parts: dict[tuple[int, str], dict[str, set[PortRef]]] = {}
        for node in nodes:
            vlans = [fixed] if fixed else sorted(set(self.network_vlans(cluster, network, node)))
            for vlan in vlans:
                known = by_vlan.get(vlan)
                if known is None:
                    known = by_vlan[vlan] = (
                        self.bridge_components(vlan),
                        self.host_attachments(vlan),
                    )
                comp, att = known
                for x in att.get(node, ()):
                    ref = x.member.ref
                    if x.endpoint.owner_kind != "host" or ref is None:
                        continue
                    part = (vlan, comp.get(ref[0], ref[0]))
                    parts.setdefault(part, {}).setdefault(node, set()).add(ref)
        # One frozenset per part, shared by its nodes (each lists itself): building a
        # set of the 63 others for each of 64 nodes was itself a cost.
        reached: dict[str, list[frozenset[str]]] = {}
        for attached in parts.values():
            everyone = frozenset(attached)
            lone: dict[PortRef, set[str]] = {}
            for node, refs in attached.items():
                if len(refs) == 1:
                    lone.setdefault(next(iter(refs)), set()).add(node)
            for node, refs in attached.items():
                same_port = lone.get(next(iter(refs))) if len(refs) == 1 else None
                if same_port is not None and len(same_port) > 1:
                    reached.setdefault(node, []).append(everyone - same_port)
                else:
                    reached.setdefault(node, []).append(everyone)
        empty: frozenset[str] = frozenset()
        result: dict[str, frozenset[str]] = {}
        for node in nodes:
            sets = reached.get(node)
            if not sets:
                result[node] = empty
            elif len(sets) == 1:
                result[node] = sets[0]
            else:
                result[node] = empty.union(*sets)
        self._links[key] = result
        return result

    # -- VMs -----------------------------------------------------------------------------
    def vm_nic_attached(self, ep: Endpoint) -> bool:
        """Return whether a VM NIC endpoint reaches the physical network in its VLAN."""
        # The same as asking attached() for each VLAN of ep.vlans, one pass over members.
        forwards = self.port_forwards
        return any(
            m.usable and m.vlan is not None and m.ref is not None and forwards(m.ref, m.vlan)
            for m in ep.members
        )

    def vm_attachment_up(self, vm: str, host: str | None = None) -> bool:
        """See :meth:`hvlab.l2.network.L2View.vm_attachment_up`."""
        v = self.lab.vms[vm]
        host = host or v.host
        if host is None or not self.condition.host_is_up(self.lab, host):
            return False
        eps = self.vm_endpoints(vm, host)
        h = self.lab.hosts[host]
        names = {e.name: e for e in eps}
        grouped: set[str] = set()
        groups: list[list[Endpoint]] = []
        for team in v.guest_teams.values():
            groups.append([names[n] for n in team.members if n in names])
            grouped.update(team.members)
        if v.iscsi is not None:
            groups.append([names[n] for n in v.iscsi.nics if n in names and n not in grouped])
            grouped.update(v.iscsi.nics)
        for e in eps:
            if e.name not in grouped:
                groups.append([e])
        for group in groups:
            physical = [
                e
                for e in group
                if e.vswitch not in h.vswitches or h.vswitches[e.vswitch].type == "External"
            ]
            if not physical:
                continue
            if not any(self.vm_nic_attached(e) for e in physical):
                return False
        return True

    def vm_reaches(self, vm: str, switch: str, host: str | None = None) -> bool:
        """See :meth:`hvlab.l2.network.L2View.vm_reaches`."""
        from hvlab.model.load import suggest

        if switch in self.lt.bridge_of:
            if not self.condition.switch_is_up(self.lab, switch):
                return False
            bridge = self.lt.bridge_of[switch]
        elif switch in self.lt.bridges:
            bridge = switch
        else:
            choices = sorted({*self.lt.bridge_of, *self.lt.bridges})
            raise UserError(f"no switch named {switch!r}{suggest(switch, choices)}")
        v = self.lab.vms[vm]
        host = host or v.host
        if host is None or not self.condition.host_is_up(self.lab, host):
            return False
        for ep in self.vm_endpoints(vm, host):
            for vlan in sorted(ep.vlans):
                for m in self.attached(ep, vlan):
                    assert m.ref is not None
                    if self.bridge_distance(vlan, m.ref[0], bridge) is not None:
                        return True
        return False

    def reachable_any(self, a: str, b: str) -> bool:
        """Return whether hosts/VMs ``a`` and ``b`` reach each other in some VLAN they share."""
        a_node = self.node_for(a)
        b_node = self.node_for(b)
        if a_node == b_node:
            return True
        for vlan in sorted(self.vlans_of(a_node) & self.vlans_of(b_node)):
            if self.path(a, b, vlan) is not None:
                return True
        return False
