"""Switches, their ports, LAGs, stacks, spanning tree, and the links between endpoints.

Names: a switch port is named as the switch names it (``Eth1/47``, ``47``,
``Te1/0/1``); a port range key such as ``1-44`` or ``Eth1/1-48`` stands for every
port in it. A link endpoint is ``node:port`` where node is a switch or a host and
port a switch port or a host NIC. Spanning-tree words are IEEE 802.1D/802.1Q ones.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from hvlab.model.base import (
    Duration,
    LabModel,
    MacAddress,
    Speed,
    VlanId,
    VlanList,
    keyed,
    name_keys,
)

__all__ = [
    "Lag",
    "Link",
    "MstRegion",
    "Port",
    "SpanningTree",
    "StpTimers",
    "Switch",
    "expand_port_range",
    "port_number",
]

SpanningTreeProtocol = Literal["stp", "rstp", "mstp", "none"]
PathCostMethod = Literal["short", "long"]
LacpMode = Literal["active", "passive", "on"]
PortMode = Literal["access", "trunk"]

_RANGE_RE = re.compile(r"^(?P<prefix>.*?)(?P<lo>\d+)-(?P<hi>\d+)$")


def expand_port_range(key: str) -> list[str]:
    """Return the port names a range key stands for: ``Eth1/1-3`` → Eth1/1, Eth1/2, Eth1/3.

    A key that is not a range is returned alone.
    """
    match = _RANGE_RE.match(key)
    if not match:
        return [key]
    lo, hi = int(match["lo"]), int(match["hi"])
    if hi < lo or hi - lo > 4095:
        raise ValueError(f"port range {key!r} is empty or too large")
    return [f"{match['prefix']}{n}" for n in range(lo, hi + 1)]


def port_number(name: str) -> int | None:
    """Return the number a port name ends with (``Eth1/47`` → 47), used as its STP port number."""
    match = re.search(r"(\d+)$", name)
    return int(match.group(1)) if match else None


class StpTimers(LabModel):
    """Bridge timers of IEEE 802.1D-2004 §17.13.

    Defaults: hello 2 s, max age 20 s, forward delay 15 s (Table 17-1).
    """

    hello_time: Duration = 2000
    max_age: Duration = 20000
    forward_delay: Duration = 15000


class MstRegion(LabModel):
    """An MST configuration identifier (IEEE 802.1Q §13.7): name, revision, VLAN→MSTI map.

    ``instances`` maps an MSTI number (1–4094) to its VLANs; VLANs not listed belong
    to the CIST (instance 0).
    """

    name: str = ""
    revision: Annotated[int, Field(ge=0, le=65535)] = 0
    instances: dict[Annotated[int, Field(ge=1, le=4094)], VlanList] = {}


class SpanningTree(LabModel):
    """Spanning-tree settings of a switch; unset fields inherit the lab's ``defaults``."""

    protocol: SpanningTreeProtocol | None = None
    priority: Annotated[int, Field(ge=0, le=65535)] | None = None
    instance_priorities: dict[int, Annotated[int, Field(ge=0, le=61440)]] = {}
    path_cost: PathCostMethod | None = None
    timers: StpTimers | None = None
    region: MstRegion | None = None
    port_id_format: Literal["802.1D-2004", "linux"] = "802.1D-2004"


def _port_short(value: object) -> object:
    # "10G" is the common case: a port with only a speed.
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return {"speed": value}
    return value


class Port(LabModel):
    """A physical switch port.

    Unset ``mode``/``vlans`` make a trunk carrying every VLAN of the lab (hvlab's
    default, chosen so short labs work; real switches default to access VLAN 1).
    """

    name: str
    speed: Speed | None = None
    number: Annotated[int, Field(ge=1, le=4095)] | None = None
    mode: PortMode | None = None
    vlan: VlanId | None = None
    vlans: VlanList | None = None
    native_vlan: VlanId = 1
    mtu: Annotated[int, Field(ge=576, le=16384)] = 1500
    priority: Annotated[int, Field(ge=0, le=255)] | None = None
    cost: Annotated[int, Field(ge=1, le=200_000_000)] | None = None
    instance_costs: dict[int, Annotated[int, Field(ge=1, le=200_000_000)]] = {}
    edge: bool = False
    bpdu_guard: bool = False
    bpdu_filter: bool = False
    point_to_point: bool = True
    shutdown: bool = False
    description: str = ""


class Lag(LabModel):
    """A link aggregation group (port-channel) of IEEE 802.1AX; one logical port to STP.

    ``lacp``: ``active``/``passive`` run LACP; ``on`` is a static bundle.
    VLAN, MTU and STP settings of the LAG apply to it as one logical port.
    """

    name: str
    members: Annotated[
        tuple[str, ...],
        WithJsonSchema({"type": "array", "items": {"type": ["string", "integer"]}, "minItems": 1}),
    ]
    lacp: LacpMode = "active"
    lacp_rate: Literal["fast", "slow"] = "slow"
    mode: PortMode | None = None
    vlan: VlanId | None = None
    vlans: VlanList | None = None
    native_vlan: VlanId = 1
    mtu: Annotated[int, Field(ge=576, le=16384)] | None = None
    priority: Annotated[int, Field(ge=0, le=255)] | None = None
    cost: Annotated[int, Field(ge=1, le=200_000_000)] | None = None
    instance_costs: dict[int, Annotated[int, Field(ge=1, le=200_000_000)]] = {}
    number: Annotated[int, Field(ge=1, le=4095)] | None = None
    min_links: Annotated[int, Field(ge=1)] = 1
    edge: bool = False

    @model_validator(mode="before")
    @classmethod
    def _members_as_names(cls, data: object) -> object:
        if isinstance(data, dict) and "members" in data:
            members = data["members"]
            if isinstance(members, (list, tuple)):
                data = {**data, "members": [str(m) for m in members]}
        return data


def _expand_ports(value: object) -> object:
    if not isinstance(value, dict):
        return value
    out: dict[object, object] = {}
    for key, item in value.items():
        try:
            names = expand_port_range(str(key))
        except ValueError:
            names = [str(key)]
        for name in names:
            out[name] = item
    return out


def _ports_validator(value: object) -> object:
    return name_keys(_expand_ports(value), _port_short)


class Switch(LabModel):
    """A physical switch (bridge).

    ``mac`` is the bridge MAC of its bridge identifier; ``stack`` names a stack or
    multi-chassis (MLAG/vPC) domain: switches in one stack are one logical switch to
    LACP and, for a stack, one bridge to spanning tree.
    """

    name: str
    mac: MacAddress | None = None
    model: str = ""
    stack: str | None = None
    stack_kind: Literal["stack", "mlag"] = "stack"
    rack: str | None = None
    site: str | None = None
    spanning_tree: SpanningTree = SpanningTree()
    ports: Annotated[dict[str, Port], BeforeValidator(_ports_validator)] = {}
    lags: Annotated[dict[str, Lag], keyed()] = {}


def _link_short(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return {"endpoints": list(value)}
    return value


class Link(LabModel):
    """A cable between two endpoints ``node:port`` (switch port or host NIC).

    ``speed`` defaults to the slower of the two ends; ``mtu`` is informational for
    a cable and checked against both ends.
    """

    endpoints: tuple[str, str]
    speed: Speed | None = None
    mtu: int | None = None
    name: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _short(cls, data: object) -> object:
        return _link_short(data)

    @property
    def element(self) -> str:
        """Return the element name of this link as used in ``--down`` (``link:a:p~b:q``)."""
        return f"link:{self.endpoints[0]}~{self.endpoints[1]}"
