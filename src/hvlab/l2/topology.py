"""The input of the spanning-tree engine: bridges, ports, links and what has failed.

These dataclasses are small, frozen and independent of the lab model; the caller
builds them from the lab (one :class:`Bridge` per switch or stack, one
:class:`Port` per physical port or LAG, one :class:`Link` per cable or per LAG)
and maps the results back through the names kept here (bridge and port names are
plain strings).

A LAG is *one* logical port to spanning tree (IEEE 802.1AX link aggregation):
give it the aggregate speed of its active members (``speed_bps``) and,
when the LAG's members end on the same two bridges, one :class:`Link` between
the two logical ports.

Identifiers follow IEEE 802.1D-2004 §9.2.5 and §9.2.7 and 802.1Q-2011 §13.23:

* bridge identifier = 16-bit priority field, then the 48-bit MAC. For RSTP and
  MSTP the priority field is a 4-bit priority (a multiple of 4096) plus a 12-bit
  *system ID extension*, which is 0 for the CIST and the MSTID for an MSTI.
  For ``stp`` (802.1D-1998 and the Linux kernel bridge) it is a plain 16-bit
  priority, 0–65535.
* port identifier = port priority and port number, in one of three formats
  (:data:`PortIdFormat`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from hvlab.errors import UserError

__all__ = [
    "DEFAULT_PORT_PRIORITY",
    "Bridge",
    "Failures",
    "Link",
    "MstConfig",
    "PathCostMethod",
    "Port",
    "PortIdFormat",
    "PortRef",
    "Protocol",
    "Timers",
    "Topology",
    "TopologyError",
    "format_mac",
    "parse_mac",
    "port_identifier",
]

Protocol = Literal["stp", "rstp", "mstp", "none"]
"""Spanning-tree protocol of a bridge: IEEE 802.1D-1998 STP, 802.1D-2004 RSTP,
802.1Q MSTP, or ``none`` (the bridge does not run spanning tree and forwards
BPDUs like any other multicast frame)."""

PortIdFormat = Literal["802.1D-2004", "802.1D-1998", "linux"]
"""How a port identifier is built from the port priority and number:

* ``802.1D-2004`` (802.1t): 4-bit priority (0–240 in steps of 16) in the top
  bits, 12-bit port number (1–4095): ``(priority & 0xF0) << 8 | number``.
* ``802.1D-1998``: 8-bit priority (0–255), 8-bit port number (1–255):
  ``priority << 8 | number``.
* ``linux``: the Linux kernel bridge, 6-bit priority (0–63) and 10-bit port
  number (1–1023): ``priority << 10 | number`` (``BR_PORT_BITS`` = 10 in
  net/bridge/br_private.h; ``port_id`` 0x8001 for priority 32, port 1).
"""

PathCostMethod = Literal["short", "long", "linux"]
"""Default path cost from speed: 802.1D-1998 16-bit values, 802.1t/802.1D-2004
32-bit values, or the Linux kernel bridge's ``port_cost()`` table; see
:mod:`hvlab.l2.pathcost`."""

PortRef = tuple[str, str]
"""A port named by ``(bridge name, port name)``."""

DEFAULT_PORT_PRIORITY: Mapping[str, int] = {"802.1D-2004": 128, "802.1D-1998": 128, "linux": 32}
"""Default port priority per port-id format (all give the same top bits, 0x80)."""

_MAC_RE = re.compile(r"^[0-9a-fA-F]{2}([:-]?)(?:[0-9a-fA-F]{2}\1){4}[0-9a-fA-F]{2}$")
_DOTTED_RE = re.compile(r"^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}$")


class TopologyError(UserError):
    """An inconsistent topology or an unknown element name (a user error, exit code 2)."""


def parse_mac(value: int | str) -> int:
    """Return a MAC address as a 48-bit integer.

    Parameters
    ----------
    value
        ``00:1b:00:00:00:01``, ``00-1B-00-00-00-01``, ``001b.0000.0001``,
        ``001b00000001`` or an integer 0 ≤ value < 2**48.

    Returns
    -------
    int
        The address, most significant byte first (so integer order is the
        order IEEE 802.1D uses when it compares bridge identifiers).

    Raises
    ------
    TopologyError
        When the text is not a MAC address.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value < 1 << 48:
            return value
        raise TopologyError(f"MAC address {value} is out of range")
    text = str(value).strip()
    if _MAC_RE.match(text) or _DOTTED_RE.match(text):
        return int(re.sub(r"[^0-9a-fA-F]", "", text), 16)
    raise TopologyError(f"{value!r} is not a MAC address")


def format_mac(mac: int) -> str:
    """Return ``aa:bb:cc:dd:ee:ff`` for a 48-bit integer MAC address."""
    raw = f"{mac:012x}"
    return ":".join(raw[i : i + 2] for i in range(0, 12, 2))


def port_identifier(priority: int, number: int, fmt: PortIdFormat) -> int:
    """Return the 16-bit port identifier for a port priority and number.

    Parameters
    ----------
    priority
        Port priority in the range of the format (see :data:`PortIdFormat`).
    number
        Port number, from 1.
    fmt
        Port-identifier format.

    Returns
    -------
    int
        The port identifier compared by the priority-vector rules
        (IEEE 802.1D-2004 §9.2.7 and §17.6; 802.1D-1998; Linux
        ``br_make_port_id``).

    Raises
    ------
    TopologyError
        When priority or number is outside the format's range.
    """
    if fmt == "802.1D-2004":
        if not 0 <= priority <= 240 or priority % 16:
            raise TopologyError(
                f"port priority {priority} is not a multiple of 16 in 0–240 (802.1D-2004)"
            )
        if not 1 <= number <= 4095:
            raise TopologyError(f"port number {number} is not in 1–4095 (802.1D-2004)")
        return (priority << 8) | number
    if fmt == "802.1D-1998":
        if not 0 <= priority <= 255:
            raise TopologyError(f"port priority {priority} is not in 0–255 (802.1D-1998)")
        if not 1 <= number <= 255:
            raise TopologyError(f"port number {number} is not in 1–255 (802.1D-1998)")
        return (priority << 8) | number
    if fmt == "linux":
        if not 0 <= priority <= 63:
            raise TopologyError(f"port priority {priority} is not in 0–63 (Linux bridge)")
        if not 1 <= number <= 1023:
            raise TopologyError(f"port number {number} is not in 1–1023 (Linux bridge)")
        return (priority << 10) | number
    raise TopologyError(f"unknown port id format {fmt!r}")


@dataclass(frozen=True, slots=True)
class Timers:
    """Bridge timers in seconds (IEEE 802.1D-2004 §17.13, Table 17-1 defaults).

    Only the root bridge's values matter in 802.1D: every bridge uses the timers
    carried in the root's BPDUs.
    """

    hello: float = 2.0
    max_age: float = 20.0
    forward_delay: float = 15.0


@dataclass(frozen=True, slots=True)
class MstConfig:
    """An MST Configuration Identifier (IEEE 802.1Q-2005 §13.7).

    Attributes
    ----------
    name
        Configuration name (up to 32 characters).
    revision
        Revision level, 0–65535.
    vlan_map
        ``(vlan, msti)`` pairs; VLANs not listed belong to the CIST (MSTI 0).
        Bridges form one MST region only when name, revision and the digest of
        this table are all equal (and they are directly connected).
    """

    name: str = ""
    revision: int = 0
    vlan_map: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        if len(self.name.encode()) > 32:
            raise TopologyError(f"MST configuration name {self.name!r} is over 32 bytes")
        if not 0 <= self.revision <= 65535:
            raise TopologyError(f"MST revision {self.revision} is not in 0–65535")
        seen: set[int] = set()
        for vlan, msti in self.vlan_map:
            if not 1 <= vlan <= 4094:
                raise TopologyError(f"VLAN {vlan} in an MST map is not in 1–4094")
            if not 0 <= msti <= 4094:
                raise TopologyError(f"MSTI {msti} in an MST map is not in 0–4094")
            if vlan in seen:
                raise TopologyError(f"VLAN {vlan} is mapped twice in the MST map")
            seen.add(vlan)
        canonical = tuple(sorted((v, m) for v, m in self.vlan_map if m != 0))
        object.__setattr__(self, "vlan_map", canonical)

    @classmethod
    def from_instances(
        cls, name: str, revision: int, instances: Mapping[int, Iterable[int]]
    ) -> MstConfig:
        """Return a configuration from ``{msti: vlans}`` (the way switches are configured).

        Parameters
        ----------
        name, revision
            Configuration name and revision level.
        instances
            MSTI number → the VLANs it carries; unlisted VLANs stay on the CIST.

        Returns
        -------
        MstConfig
            The configuration with a canonical (sorted) VLAN map.
        """
        pairs = [(vlan, msti) for msti, vlans in instances.items() for vlan in vlans]
        return cls(name=name, revision=revision, vlan_map=tuple(pairs))

    def msti_of(self, vlan: int) -> int:
        """Return the MSTI that VLAN ``vlan`` is allocated to (0 = CIST).

        Notes
        -----
        O(log m) for m mapped VLANs (binary search in the sorted map).
        """
        i = bisect.bisect_left(self.vlan_map, (vlan, -1))
        if i < len(self.vlan_map) and self.vlan_map[i][0] == vlan:
            return self.vlan_map[i][1]
        return 0

    @property
    def instances(self) -> tuple[int, ...]:
        """Return the MSTIs (≥ 1) that carry at least one VLAN, ascending."""
        return tuple(sorted({m for _, m in self.vlan_map}))


@dataclass(frozen=True, slots=True)
class Bridge:
    """A bridge (switch, or one logical switch for a stack).

    Attributes
    ----------
    name
        Unique name; results are keyed by it.
    mac
        Bridge MAC address (48-bit int or text); the low 48 bits of the bridge
        identifier.
    protocol
        ``stp`` | ``rstp`` | ``mstp`` | ``none``.
    priority
        Bridge priority of the CIST (or the single tree): a multiple of 4096 in
        0–61440 for ``rstp``/``mstp`` (802.1D-2004 §9.2.5), 0–65535 for ``stp``.
    msti_priority
        ``(msti, priority)`` pairs for MSTIs; unlisted MSTIs use 32768
        (802.1Q-2005 §13.23.2 default).
    timers
        Hello, max age and forward delay (seconds).
    mst
        MST configuration identifier; ``None`` gives a configuration unique to
        this bridge (name = its MAC), so it forms a region of its own.
    port_id_format
        How port identifiers are built (:data:`PortIdFormat`).
    path_cost_method
        How port costs are derived from speed when a port gives no ``cost``;
        ``None`` = ``long`` for ``rstp``/``mstp`` (802.1D-2004 §17.14) and
        ``short`` for ``stp``.
    """

    name: str
    mac: int | str
    protocol: Protocol = "rstp"
    priority: int = 32768
    msti_priority: tuple[tuple[int, int], ...] = ()
    timers: Timers = field(default_factory=Timers)
    mst: MstConfig | None = None
    port_id_format: PortIdFormat = "802.1D-2004"
    path_cost_method: PathCostMethod | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "mac", parse_mac(self.mac))
        if self.protocol not in ("stp", "rstp", "mstp", "none"):
            raise TopologyError(f"bridge {self.name}: unknown protocol {self.protocol!r}")
        if self.protocol == "stp" or self.protocol == "none":
            if not 0 <= self.priority <= 65535:
                raise TopologyError(f"bridge {self.name}: priority {self.priority} not in 0–65535")
        elif not 0 <= self.priority <= 61440 or self.priority % 4096:
            raise TopologyError(
                f"bridge {self.name}: priority {self.priority} is not a multiple of 4096 "
                "in 0–61440 (IEEE 802.1D-2004 §9.2.5)"
            )
        for msti, prio in self.msti_priority:
            if not 1 <= msti <= 4094:
                raise TopologyError(f"bridge {self.name}: MSTI {msti} is not in 1–4094")
            if not 0 <= prio <= 61440 or prio % 4096:
                raise TopologyError(
                    f"bridge {self.name}: MSTI {msti} priority {prio} is not a multiple of "
                    "4096 in 0–61440"
                )

    @property
    def mac_int(self) -> int:
        """Return the MAC address as an integer (``mac`` is normalised to one)."""
        return int(self.mac)

    @property
    def cost_method(self) -> PathCostMethod:
        """Return the effective path-cost method (see ``path_cost_method``)."""
        if self.path_cost_method is not None:
            return self.path_cost_method
        return "short" if self.protocol == "stp" else "long"

    def bridge_id(self, msti: int = 0) -> int:
        """Return the 64-bit bridge identifier of this bridge in tree ``msti``.

        Returns
        -------
        int
            ``priority field << 48 | MAC``. For ``rstp``/``mstp`` the priority
            field is the 4-bit priority plus the 12-bit system ID extension, which
            is the MSTID (802.1Q-2005 §13.23.2); for ``stp`` it is the 16-bit
            priority.
        """
        if msti == 0:
            return (self.priority << 48) | self.mac_int
        prio = dict(self.msti_priority).get(msti, 32768)
        return (((prio & 0xF000) | msti) << 48) | self.mac_int

    def mst_config(self) -> MstConfig:
        """Return the MST configuration identifier in force (a unique one when unset)."""
        if self.mst is not None:
            return self.mst
        return MstConfig(name=format_mac(self.mac_int))

    def tree_for_vlan(self, vlan: int) -> int:
        """Return the tree that governs VLAN ``vlan`` on this bridge (0 = CIST / the only tree).

        Returns
        -------
        int
            The MSTI of ``vlan`` in this bridge's MST configuration for ``mstp``
            bridges (802.1Q-2005 §8.9: the MST Configuration Table allocates
            every VID to the CIST or one MSTI); 0 for every other protocol.
        """
        if self.protocol != "mstp" or self.mst is None:
            return 0
        return self.mst.msti_of(vlan)


@dataclass(frozen=True, slots=True)
class Port:
    """A bridge port: a physical port or a LAG (one logical port).

    Attributes
    ----------
    bridge, name
        The bridge it belongs to and its name there (``Eth1/47``, ``Po1``).
    number
        Port number, part of the port identifier; unique on the bridge.
    priority
        Port priority; ``None`` = the default of the bridge's port-id format
        (128, or 32 for ``linux``).
    speed_bps
        Speed in bit/s (for a LAG, the sum of its *active* members' speeds).
        Used for the default cost; ``None`` = unknown (costed as 10 Mb/s, the
        Linux bridge's "assume old 10Mbps").
    cost
        Port path cost of the CIST / single tree (external and internal);
        ``None`` = derived from ``speed_bps``.
    msti_cost
        ``(msti, cost)`` pairs: internal port path cost per MSTI; unlisted MSTIs
        use the CIST cost.
    admin_up
        ``False`` = shut down (the link is down at both ends).
    edge
        Administratively an edge port (RSTP/MSTP ``adminEdge``, "portfast"):
        goes to forwarding at once; it still runs STP if BPDUs arrive.
    bpdu_filter
        Neither sends nor processes BPDUs: always designated forwarding, and a
        loop through it is not prevented (reported).
    bpdu_guard
        A BPDU arriving on the port err-disables it (state ``disabled``).
    point_to_point
        ``None`` = automatic (a link between exactly two bridge ports is
        point-to-point; a LAN shared through non-STP bridges is not).
    """

    bridge: str
    name: str
    number: int
    priority: int | None = None
    speed_bps: int | None = None
    cost: int | None = None
    msti_cost: tuple[tuple[int, int], ...] = ()
    admin_up: bool = True
    edge: bool = False
    bpdu_filter: bool = False
    bpdu_guard: bool = False
    point_to_point: bool | None = None

    def __post_init__(self) -> None:
        if self.cost is not None and not 1 <= self.cost <= 200_000_000:
            raise TopologyError(
                f"port {self.bridge}:{self.name}: cost {self.cost} not in 1–200000000"
            )
        for msti, cost in self.msti_cost:
            if not 1 <= cost <= 200_000_000:
                raise TopologyError(
                    f"port {self.bridge}:{self.name}: MSTI {msti} cost {cost} not in 1–200000000"
                )
        if self.speed_bps is not None and self.speed_bps < 0:
            raise TopologyError(f"port {self.bridge}:{self.name}: negative speed")

    @property
    def ref(self) -> PortRef:
        """Return ``(bridge, name)``."""
        return (self.bridge, self.name)


@dataclass(frozen=True, slots=True)
class Link:
    """A point-to-point connection between two ports (a cable, or a LAG's bundle).

    Attributes
    ----------
    a, b
        The two ends as ``(bridge, port)``.
    name
        Optional element name; the default is ``A:P~B:Q`` (see :attr:`id`).
    """

    a: PortRef
    b: PortRef
    name: str | None = None

    @property
    def id(self) -> str:
        """Return the link's element name: ``name`` or ``A:P~B:Q`` (as in ``link:A:P~B:Q``)."""
        if self.name:
            return self.name
        return f"{self.a[0]}:{self.a[1]}~{self.b[0]}:{self.b[1]}"


@dataclass(frozen=True, eq=False)
class Topology:
    """A bridged network: bridges, their ports, and links between ports.

    A port that is in no link is attached to end stations only (hosts): it is
    up when administratively up, and no BPDU ever arrives on it.

    Raises
    ------
    TopologyError
        On duplicate names or port numbers, a port or link naming an unknown
        bridge or port, or a port in two links.
    """

    bridges: tuple[Bridge, ...]
    ports: tuple[Port, ...]
    links: tuple[Link, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "bridges", tuple(self.bridges))
        object.__setattr__(self, "ports", tuple(self.ports))
        object.__setattr__(self, "links", tuple(self.links))
        problems: list[str] = []
        names: dict[str, Bridge] = {}
        for br in self.bridges:
            if br.name in names:
                problems.append(f"two bridges named {br.name!r}")
            names[br.name] = br
        refs: set[PortRef] = set()
        numbers: set[tuple[str, int]] = set()
        for p in self.ports:
            owner = names.get(p.bridge)
            if owner is None:
                problems.append(f"port {p.name!r} is on unknown bridge {p.bridge!r}")
                continue
            if p.ref in refs:
                problems.append(f"two ports named {p.name!r} on bridge {p.bridge!r}")
            refs.add(p.ref)
            if (p.bridge, p.number) in numbers:
                problems.append(f"two ports numbered {p.number} on bridge {p.bridge!r}")
            numbers.add((p.bridge, p.number))
            prio = (
                p.priority
                if p.priority is not None
                else DEFAULT_PORT_PRIORITY[owner.port_id_format]
            )
            try:
                port_identifier(prio, p.number, owner.port_id_format)
            except TopologyError as exc:
                problems.append(f"port {p.bridge}:{p.name}: {exc}")
        used: set[PortRef] = set()
        ids: set[str] = set()
        for link in self.links:
            for end in (link.a, link.b):
                if end not in refs:
                    problems.append(f"link {link.id}: no port {end[1]!r} on bridge {end[0]!r}")
                elif end in used:
                    problems.append(f"port {end[0]}:{end[1]} is in two links")
                used.add(end)
            if link.a == link.b:
                problems.append(f"link {link.id} joins a port to itself")
            if link.id in ids:
                problems.append(f"two links named {link.id!r}")
            ids.add(link.id)
        if problems:
            raise TopologyError("; ".join(problems))

    @cached_property
    def bridge_by_name(self) -> dict[str, Bridge]:
        """Return bridge name → :class:`Bridge`."""
        return {b.name: b for b in self.bridges}

    @cached_property
    def port_by_ref(self) -> dict[PortRef, Port]:
        """Return ``(bridge, port)`` → :class:`Port`."""
        return {p.ref: p for p in self.ports}

    @cached_property
    def link_by_id(self) -> dict[str, Link]:
        """Return link id → :class:`Link` (both ``A:P~B:Q`` and ``B:Q~A:P`` are keys)."""
        out: dict[str, Link] = {}
        for link in self.links:
            out[link.id] = link
            out[f"{link.a[0]}:{link.a[1]}~{link.b[0]}:{link.b[1]}"] = link
            out[f"{link.b[0]}:{link.b[1]}~{link.a[0]}:{link.a[1]}"] = link
        return out


_KINDS = ("switch", "bridge", "link", "port", "lag")


@dataclass(frozen=True)
class Failures:
    """What is down: whole bridges, single ports (or LAGs), and links.

    A failed port or link takes the link down at both ends (the far end loses
    carrier). A failed bridge takes down every link to it.

    Element names (as in ``hvlab --down``): ``switch:NAME`` (or ``bridge:``),
    ``link:A:P~B:Q`` (either order, or the link's name), ``port:SW:PORT`` and
    ``lag:SW:NAME`` (a LAG is a port here).
    """

    bridges: frozenset[str] = frozenset()
    ports: frozenset[PortRef] = frozenset()
    links: frozenset[str] = frozenset()

    @classmethod
    def of(cls, *elements: str) -> Failures:
        """Return the failures named by ``elements`` (see the class docstring)."""
        out = cls()
        for element in elements:
            out = out.add(element)
        return out

    def add(self, element: str) -> Failures:
        """Return these failures plus ``element``.

        Raises
        ------
        TopologyError
            When ``element`` is not of a known kind.
        """
        kind, sep, rest = element.partition(":")
        if not sep or kind not in _KINDS or not rest:
            raise TopologyError(
                f"{element!r} is not an element name (switch:NAME, link:A:P~B:Q, "
                "port:SW:PORT, lag:SW:NAME)"
            )
        if kind in ("switch", "bridge"):
            return Failures(self.bridges | {rest}, self.ports, self.links)
        if kind in ("port", "lag"):
            bridge, sep2, port = rest.partition(":")
            if not sep2:
                raise TopologyError(f"{element!r}: expected {kind}:SWITCH:NAME")
            return Failures(self.bridges, self.ports | {(bridge, port)}, self.links)
        return Failures(self.bridges, self.ports, self.links | {rest})

    def elements(self) -> tuple[str, ...]:
        """Return the element names, sorted (``switch:``, ``port:``, ``link:``)."""
        out = [f"switch:{b}" for b in self.bridges]
        out += [f"port:{b}:{p}" for b, p in self.ports]
        out += [f"link:{x}" for x in self.links]
        return tuple(sorted(out))

    def __bool__(self) -> bool:
        return bool(self.bridges or self.ports or self.links)
