"""The Lab: the root of the model, one site (or several) described by one lab file."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, PrivateAttr

from hvlab.model.base import Duration, LabModel, Speed, VlanId, keyed
from hvlab.model.cluster import Cluster
from hvlab.model.host import Host, OsVersion
from hvlab.model.network import Link, SpanningTree, Switch
from hvlab.model.scenario import Scenario, scenario_short
from hvlab.model.services import LoadBalancer, Management, WebSite
from hvlab.model.vm import VirtualMachine

__all__ = ["Defaults", "Lab", "Site", "SourceMap", "WanLink"]


class Defaults(LabModel):
    """Lab-wide defaults that objects inherit unless they set their own."""

    spanning_tree: SpanningTree = SpanningTree(protocol="rstp", path_cost="long")
    os: OsVersion | None = None
    mtu: Annotated[int, Field(ge=576, le=16384)] = 1500


class Site(LabModel):
    """A site (building, data centre or hosting provider).

    ``subnets`` maps a VLAN to the IPv4 subnet it carries at this site
    (``{20: 10.1.20.0/24}``); a VLAN with the same subnet at two sites is a stretched
    subnet, where a VM keeps its address after it moves. A ``hosting`` or ``cloud`` site
    has only the hosts the lab gives it (the capacity it rents).
    """

    name: str
    description: str = ""
    kind: Literal["datacenter", "hosting", "cloud"] = "datacenter"
    subnets: dict[VlanId, str] = {}


class WanLink(LabModel):
    """A WAN connection between two sites.

    ``vlans`` are extended over it at layer 2 (dark fibre, VPLS, OTV: a stretched VLAN);
    ``switches`` names the switch at each end that carries them, in the order of
    ``sites``. Without ``vlans`` the link is routed and carries only IP traffic between
    the sites' subnets (replication, cross-subnet heartbeats, migration).
    """

    name: str
    sites: tuple[str, str]
    bandwidth: Speed
    latency: Duration = 10
    provider: str = ""
    vlans: tuple[VlanId, ...] = ()
    switches: tuple[str, str] | None = None


def _vlan_names(value: object) -> object:
    # {10: Management} short form, or {10: {name: Management}}.
    if isinstance(value, dict):
        return {k: (v.get("name", "") if isinstance(v, dict) else v) for k, v in value.items()}
    if isinstance(value, list):
        return {v: "" for v in value}
    return value


class SourceMap:
    """Where each part of the lab came from: dotted path tuple → (file, line, column).

    Lines and columns are 1-based. :meth:`locate` falls back to the nearest enclosing
    object when a path has no entry of its own (a defaulted field).
    """

    def __init__(self, positions: dict[tuple[str | int, ...], tuple[str, int, int]]) -> None:
        self.positions = positions

    def locate(self, path: tuple[str | int, ...]) -> tuple[str, int, int] | None:
        """Return (file, line, column) of ``path`` or its nearest located ancestor."""
        for end in range(len(path), -1, -1):
            found = self.positions.get(tuple(path[:end]))
            if found is not None:
                return found
        return None


class Lab(LabModel):
    """A whole lab: network, hosts, clusters, VMs, services, scenarios.

    ``timers`` overrides any default of :mod:`hvlab.defaults` by its key
    (``timers: {lbfo.failover: 500ms}``).
    """

    name: str
    description: str = ""
    defaults: Defaults = Defaults()
    vlans: Annotated[dict[int, str], BeforeValidator(_vlan_names)] = {}
    sites: Annotated[dict[str, Site], keyed()] = {}
    wan_links: Annotated[dict[str, WanLink], keyed()] = {}
    switches: Annotated[dict[str, Switch], keyed()] = {}
    links: tuple[Link, ...] = ()
    hosts: Annotated[dict[str, Host], keyed()] = {}
    clusters: Annotated[dict[str, Cluster], keyed()] = {}
    vms: Annotated[dict[str, VirtualMachine], keyed()] = {}
    load_balancers: Annotated[dict[str, LoadBalancer], keyed()] = {}
    web_sites: Annotated[dict[str, WebSite], keyed()] = {}
    management: Management | None = None
    scenarios: Annotated[dict[str, Scenario], keyed(scenario_short)] = {}
    timers: dict[str, bool | int | float | str] = {}

    _source: SourceMap = PrivateAttr(default_factory=lambda: SourceMap({}))
    _cables: dict[str, Link] | None = PrivateAttr(default=None)

    @property
    def source(self) -> SourceMap:
        """Return where each object of this lab was written (empty for labs built in code)."""
        return self._source

    def cable_at(self, endpoint: str) -> Link | None:
        """Return the link cabled to ``node:port``, or None (an index built once per lab).

        Engines ask this for every NIC on every question; a scan of ``links`` each time
        was the largest cost of checking a 1,000-host lab.
        """
        if self._cables is None:
            index: dict[str, Link] = {}
            for link in self.links:
                for end in link.endpoints:
                    index.setdefault(end, link)
            self._cables = index
        return self._cables.get(endpoint)
