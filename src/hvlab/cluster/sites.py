"""Sites and disaster recovery: WAN routes, replication bandwidth, IP mobility, witness reach.

Pure functions of ``(Lab, Condition)``: no time, no simulation. The simulator and the
HV7xx rules ask them where a VM's replica lives, which WAN links its replication crosses
and how much of them it gets, whether a VM that starts in another site can still be
reached, and which nodes of a stretched cluster still reach the witness.

WAN routes
    Sites are joined by ``wan_links``. A link is up when it is not failed (``wan:NAME``)
    and both its sites are up (``site:NAME``). A route may pass through a third site when
    that site is up and is a ``datacenter``: a ``cloud`` site (the storage account of a
    cloud witness, a region reached over the internet) or a ``hosting`` site (rented
    capacity) is an end point, not a router between the other sites. Of the routes the
    widest wins (the largest bottleneck bandwidth), then the fewest links, the lowest total
    latency, and the link names.

Replication bandwidth
    Hyper-V Replica has no bandwidth reservation of its own: the replication of every VM
    whose primary and replica sites differ crosses the WAN links of the route between the
    two sites, and the VMs crossing one link share it. How they share it is the
    ``replica.wan_share`` assumption (:mod:`hvlab.defaults`, overridable under ``timers:``
    or as a Condition override): ``equal`` (default) gives each of the ``n`` VMs on a link
    ``bandwidth // n``; ``demand`` divides the link in proportion to each VM's wire bytes
    per second; ``none`` gives each VM the whole route. A VM gets the smallest share along
    its route.

IP address mobility
    A VM that starts in another site keeps working for its clients in one of three ways
    (Microsoft: "Set-VMNetworkAdapterFailoverConfiguration",
    https://learn.microsoft.com/en-us/powershell/module/hyper-v/set-vmnetworkadapterfailoverconfiguration;
    "Hyper-V Network Virtualization overview",
    https://learn.microsoft.com/en-us/windows-server/networking/sdn/technologies/hyper-v-network-virtualization/hyperv-network-virtualization-overview-windows-server):
    a *stretched subnet* (the VLAN carries the same subnet in both sites, the address is
    kept), a *failover address* that Replica injects into the guest (clients find it once
    the old DNS record's TTL runs out: ``dns.registration_ttl``, 1200 s by default), or
    *HNV*, where the customer address is kept wherever a host holds the virtual subnet's
    policy. Without any of them the VM boots with an address its new site does not route.

Stretched clusters
    Windows Server 2016 site awareness (fault domains,
    https://learn.microsoft.com/en-us/windows-server/failover-clustering/fault-domains)
    uses the ``CrossSite`` heartbeat pair between nodes in different sites; a witness in a
    third site (a cloud witness,
    https://learn.microsoft.com/en-us/windows-server/failover-clustering/deploy-cloud-witness)
    is reached over each site's own WAN route.
"""

from __future__ import annotations

import heapq
import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, Literal

from hvlab.cluster.membership import RouteKind, lab_ms, lab_value
from hvlab.cluster.replica import replication
from hvlab.condition import Condition
from hvlab.defaults import get_default
from hvlab.model.elements import Element
from hvlab.model.lab import Lab, WanLink
from hvlab.model.units import format_duration
from hvlab.model.vm import VmNic

__all__ = [
    "Method",
    "Mobility",
    "WanRoute",
    "cluster_sites",
    "heartbeat_route_kind",
    "joined",
    "mobility",
    "replica_target_hosts",
    "replica_target_site",
    "replicating_vms",
    "replication_demand_bps",
    "replication_share_bps",
    "replication_shares",
    "routed_reachable",
    "site_of",
    "stretched",
    "vm_reachable_after_move",
    "wan_route",
    "witness_reachable_by",
]

WAN_SHARE: Final = get_default("replica.wan_share")
DNS_TTL: Final = get_default("dns.registration_ttl")
SHARE_MODES: Final = ("equal", "demand", "none")
"""The values ``replica.wan_share`` accepts."""

# A VM without a host replicates at 1 Gb/s: nothing says more (the rules and the simulator
# both read it from here).
_NO_HOST_BPS: Final = 10**9

Method = Literal["same-site", "stretched", "failover-ip", "hnv", "none"]
"""How a VM NIC stays reachable after a move (see :class:`Mobility`)."""

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


# --- Where things are -------------------------------------------------------------------
def site_of(lab: Lab, name: str) -> str | None:
    """Return the site of host or switch ``name``; None when unknown or not placed."""
    host = lab.hosts.get(name)
    if host is not None:
        return host.site
    switch = lab.switches.get(name)
    if switch is not None:
        return switch.site
    return None


def cluster_sites(lab: Lab, cluster: str) -> tuple[str, ...]:
    """Return the distinct sites of ``cluster``'s nodes in node order.

    Nodes the lab places in no site add nothing; an unknown cluster has no sites. Two or
    more sites make a stretched (multi-site) cluster, Windows Server 2016's site-aware
    cluster when the sites are fault domains (``New-ClusterFaultDomain -Type Site``).
    """
    found = lab.clusters.get(cluster)
    if found is None:
        return ()
    out: list[str] = []
    for node in found.nodes:
        site = site_of(lab, node)
        if site is not None and site not in out:
            out.append(site)
    return tuple(out)


def replica_target_site(lab: Lab, vm: str) -> str | None:
    """Return the site of ``vm``'s replica: its replica host's, cluster's, or the site named.

    ``replica.to`` names a host (``Enable-VMReplication -ReplicaServerName``), a cluster
    (its Hyper-V Replica Broker; the site of its first node placed in one) or a site. None
    when the VM has no replica or the target has no known site.
    """
    machine = lab.vms.get(vm)
    if machine is None or machine.replica is None:
        return None
    to = machine.replica.to
    if to in lab.hosts:
        return lab.hosts[to].site
    if to in lab.clusters:
        sites = cluster_sites(lab, to)
        return sites[0] if sites else None
    if to in lab.sites:
        return to
    return None


def replica_target_hosts(lab: Lab, vm: str) -> tuple[str, ...]:
    """Return the hosts ``vm``'s replica VM can run on.

    The replica host itself; every node of a replica cluster (the Replica Broker places
    the replica VM on any node); every host of a replica site. Empty when the VM has no
    replica or the target is unknown.
    """
    machine = lab.vms.get(vm)
    if machine is None or machine.replica is None:
        return ()
    to = machine.replica.to
    if to in lab.hosts:
        return (to,)
    if to in lab.clusters:
        return tuple(n for n in lab.clusters[to].nodes if n in lab.hosts)
    if to in lab.sites:
        return tuple(h.name for h in lab.hosts.values() if h.site == to)
    return ()


# --- WAN routes -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class WanRoute:
    """The route between two sites over WAN links.

    Attributes
    ----------
    sites : tuple of str
        The sites from ``a`` to ``b`` (``(a,)`` when ``a == b``).
    links : tuple of str
        The WAN links crossed, in order (empty when ``a == b``).
    bandwidth_bps : int or None
        The bottleneck: the slowest link's bandwidth (None when ``a == b``: local).
    latency_ms : int
        The sum of the links' latencies.
    """

    sites: tuple[str, ...]
    links: tuple[str, ...]
    bandwidth_bps: int | None
    latency_ms: int


def _cond(condition: Condition | None) -> Condition:
    return condition if condition is not None else Condition.none()


def _site_up(condition: Condition, site: str) -> bool:
    return Element("site", (site,)) not in condition.failed


def _link_up(condition: Condition, wan: WanLink) -> bool:
    return Element("wan", (wan.name,)) not in condition.failed and all(
        _site_up(condition, s) for s in wan.sites
    )


def _transit(lab: Lab, condition: Condition, site: str) -> bool:
    # Only a data centre of one's own routes between other sites; an undeclared site is
    # taken as one (the reference check reports it anyway).
    declared = lab.sites.get(site)
    kind = declared.kind if declared is not None else "datacenter"
    return kind == "datacenter" and _site_up(condition, site)


def joined(a: str, b: str, links: Iterable[WanLink]) -> bool:
    """Return whether ``links`` (WAN links, taken as up) join sites ``a`` and ``b``."""
    links = tuple(links)
    seen = {a}
    stack = [a]
    while stack:
        here = stack.pop()
        for wan in links:
            if here in wan.sites:
                there = wan.sites[1] if wan.sites[0] == here else wan.sites[0]
                if there not in seen:
                    seen.add(there)
                    stack.append(there)
    return b in seen


def wan_route(lab: Lab, a: str, b: str, condition: Condition | None = None) -> WanRoute | None:
    """Return the best route from site ``a`` to site ``b`` over the WAN links that are up.

    A link is up when it is not failed and both its sites are up; a third site can carry
    transit traffic when it is up and a ``datacenter`` (module docstring). The widest route
    wins (the largest bottleneck), then the fewest links, the lowest latency, the link
    names. ``a == b`` is the local route (no links, no bottleneck). None when ``a`` or
    ``b`` is down or nothing joins them.

    The widest route is found exactly: the largest bandwidth ``B`` for which the links of
    at least ``B`` still join ``a`` and ``b``, then a shortest path over those links by
    (links, latency, names).
    """
    cond = _cond(condition)
    if a == b:
        return WanRoute((a,), (), None, 0)
    if not (_site_up(cond, a) and _site_up(cond, b)):
        return None
    usable = [
        wan
        for wan in lab.wan_links.values()
        if _link_up(cond, wan) and all(s in (a, b) or _transit(lab, cond, s) for s in wan.sites)
    ]
    widest: int | None = None
    for bandwidth in sorted({w.bandwidth for w in usable}, reverse=True):
        if joined(a, b, (w for w in usable if w.bandwidth >= bandwidth)):
            widest = bandwidth
            break
    if widest is None:
        return None
    links = [w for w in usable if w.bandwidth >= widest]
    # Dijkstra on (hops, latency, link names): extending two equal-length paths by the same
    # link keeps their order, so the first path to reach b is the best one.
    heap: list[tuple[int, int, tuple[str, ...], str, tuple[str, ...]]] = [(0, 0, (), a, (a,))]
    done: set[str] = set()
    while heap:
        hops, latency, names, here, path = heapq.heappop(heap)
        if here in done:
            continue
        done.add(here)
        if here == b:
            bottleneck = min(lab.wan_links[n].bandwidth for n in names)
            return WanRoute(path, names, bottleneck, latency)
        for wan in links:
            if here not in wan.sites:
                continue
            there = wan.sites[1] if wan.sites[0] == here else wan.sites[0]
            if there not in done:
                heapq.heappush(
                    heap,
                    (hops + 1, latency + wan.latency, (*names, wan.name), there, (*path, there)),
                )
    return None  # pragma: no cover - joined() said b is reachable


# --- Replication over the WAN ------------------------------------------------------------
def _replication_sites(lab: Lab, vm: str) -> tuple[str | None, str | None]:
    machine = lab.vms[vm]
    src = site_of(lab, machine.host) if machine.host else None
    return src, replica_target_site(lab, vm)


def _flows(lab: Lab, condition: Condition) -> dict[str, WanRoute | None]:
    """Return VM → its replication's WAN route, for every VM replicating to another site."""
    routes: dict[tuple[str, str], WanRoute | None] = {}
    out: dict[str, WanRoute | None] = {}
    for machine in lab.vms.values():
        if machine.replica is None:
            continue
        src, dst = _replication_sites(lab, machine.name)
        if src is None or dst is None or src == dst:
            continue
        if (src, dst) not in routes:
            routes[(src, dst)] = wan_route(lab, src, dst, condition)
        out[machine.name] = routes[(src, dst)]
    return out


def replicating_vms(lab: Lab, link: str, condition: Condition | None = None) -> tuple[str, ...]:
    """Return the VMs whose replication crosses WAN link ``link``, in lab order.

    A VM replicates from its host's site to :func:`replica_target_site` along
    :func:`wan_route`; a VM counts whether or not it is running (the share is what each
    configured replication can count on).
    """
    return tuple(
        vm
        for vm, route in _flows(lab, _cond(condition)).items()
        if route is not None and link in route.links
    )


def _share_mode(lab: Lab, condition: Condition) -> str:
    raw = condition.override(WAN_SHARE.key)
    mode = str(raw) if raw is not None else str(lab_value(lab, WAN_SHARE))
    if mode not in SHARE_MODES:
        raise ValueError(f"{WAN_SHARE.key} is one of {', '.join(SHARE_MODES)}, not {mode!r}")
    return mode


def replication_demand_bps(lab: Lab, vm: str) -> int:
    """Return the bit/s ``vm``'s replication needs on average (wire bits per interval).

    0 for a VM without a replica. The ``demand`` share divides a link by it; a link keeps
    every VM up in the long run only when the demands of the VMs crossing it fit.
    """
    result = replication(lab, vm, link_bps=1)
    if result.frequency_ms <= 0:
        return 0
    return -(-result.wire_bytes * 8 * 1000 // result.frequency_ms)


def _lan_bps(lab: Lab, host: str) -> int:
    found = lab.hosts.get(host)
    if found is None:
        return _NO_HOST_BPS
    return min((n.speed for n in found.nics.values()), default=_NO_HOST_BPS)


def _shares(lab: Lab, condition: Condition, wanted: tuple[str, ...]) -> dict[str, int | None]:
    mode = _share_mode(lab, condition)
    flows = _flows(lab, condition)
    on_link: dict[str, list[str]] = {}
    for vm, route in flows.items():
        for link in route.links if route is not None else ():
            on_link.setdefault(link, []).append(vm)
    demand: dict[str, int] = {}
    if mode == "demand":
        demand = {vm: replication_demand_bps(lab, vm) for vm in flows}
    out: dict[str, int | None] = {}
    for vm in wanted:
        machine = lab.vms[vm]
        if machine.replica is None:
            out[vm] = None
            continue
        if machine.host is None:
            out[vm] = _NO_HOST_BPS
            continue
        if vm not in flows:  # same site, or a site the lab does not say: the LAN
            out[vm] = _lan_bps(lab, machine.host)
            continue
        route = flows[vm]
        if route is None:
            out[vm] = None
            continue
        if mode == "none" or route.bandwidth_bps is None:
            out[vm] = route.bandwidth_bps
            continue
        best: int | None = None
        for link in route.links:
            bandwidth = lab.wan_links[link].bandwidth
            sharing = on_link[link]
            total = sum(demand.get(v, 0) for v in sharing)
            if mode == "demand" and total > 0 and demand[vm] > 0:
                share = bandwidth * demand[vm] // total
            else:
                share = bandwidth // len(sharing)
            best = share if best is None else min(best, share)
        out[vm] = best
    return out


def replication_share_bps(lab: Lab, vm: str, condition: Condition | None = None) -> int | None:
    """Return the bit/s ``vm``'s replication gets, to pass to :func:`replication`.

    Across sites: for each WAN link of the route, the link's bandwidth divided among the
    VMs replicating across it (:func:`replicating_vms`) as ``replica.wan_share`` says
    (``equal`` by default: ``bandwidth // n``); the smallest share along the route. None
    when no route joins the sites (or the VM has no replica).

    Within one site (or when the lab places the host or the target in no site):
    replication stays on the LAN, and the VM gets the slowest NIC of its primary host, as
    the simulator does (1 Gb/s for a VM with no host or a host with no NICs).

    Notes
    -----
    Hyper-V Replica has no bandwidth reservation of its own; equal shares are an
    assumption (``replica.wan_share``), not a published behaviour (Microsoft: "Set up
    Hyper-V Replica", https://learn.microsoft.com/en-us/windows-server/virtualization/
    hyper-v/manage/set-up-hyper-v-replica).
    """
    return _shares(lab, _cond(condition), (vm,))[vm]


def replication_shares(lab: Lab, condition: Condition | None = None) -> dict[str, int | None]:
    """Return :func:`replication_share_bps` of every VM with a replica, in lab order.

    One pass over the lab: the rules and the simulator ask for every VM at once.
    """
    wanted = tuple(v.name for v in lab.vms.values() if v.replica is not None)
    return _shares(lab, _cond(condition), wanted)


# --- Addresses and subnets ----------------------------------------------------------------
def _subnet(lab: Lab, site: str | None, vlan: int | None) -> Network | None:
    found = lab.sites.get(site) if site is not None else None
    if found is None or vlan is None or vlan not in found.subnets:
        return None
    try:
        return ipaddress.ip_network(found.subnets[vlan], strict=False)
    except ValueError:
        return None


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not text:
        return None
    try:
        return ipaddress.ip_interface(text.strip()).ip
    except ValueError:
        return None


def _inside(text: str | None, net: Network | None) -> bool:
    address = _address(text)
    return address is not None and net is not None and address in net


def stretched(lab: Lab, vlan: int, a: str, b: str) -> bool:
    """Return whether sites ``a`` and ``b`` both carry the same subnet on ``vlan``.

    The subnets are compared as networks (``10.50.200.0/24`` equals ``10.50.200.5/24``);
    a site that declares no subnet for the VLAN stretches nothing.
    """
    left, right = _subnet(lab, a, vlan), _subnet(lab, b, vlan)
    return left is not None and right is not None and left == right


# --- IP mobility -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Mobility:
    """Whether one NIC of a VM can be reached after the VM moves to another host.

    Attributes
    ----------
    vm : str
    nic : int
        Index in ``vm.nics``.
    method : {'same-site', 'stretched', 'failover-ip', 'hnv', 'none'}
        What keeps (or fails to keep) the NIC reachable.
    address : str or None
        The address the VM answers on after the move.
    reachable : bool
    clients_after_ms : int
        How long after the VM runs until its clients reach it: the DNS TTL of the old
        record for a failover address, else 0 (and 0 when unreachable).
    reason : str
        One sentence naming the subnets, VSIDs and sites.
    assumptions : tuple of str
        :mod:`hvlab.defaults` keys used (``dns.registration_ttl``).
    """

    vm: str
    nic: int
    method: Method
    address: str | None
    reachable: bool
    clients_after_ms: int
    reason: str
    assumptions: tuple[str, ...]


def _where(site: str | None) -> str:
    return site if site is not None else "(no site)"


def mobility(
    lab: Lab, vm: str, target_host: str, condition: Condition | None = None
) -> tuple[Mobility, ...]:
    """Return, for each NIC of ``vm``, whether it is reachable once ``vm`` runs on ``target_host``.

    Checks in order: the target is in the VM's current site (``same-site``); the NIC is on
    an HNV virtual subnet (``hnv``: reachable iff the target holds the VSID's policy, the
    customer address is kept); the NIC's VLAN carries the same subnet in both sites, or the
    NIC's address is inside the target site's subnet (``stretched``); the NIC has a Replica
    failover address (``failover-ip``: reachable iff it is inside the target site's subnet
    for the VLAN, assumed when the site declares none; clients wait out ``dns_ttl`` or the
    ``dns.registration_ttl`` default); otherwise ``none``: the old address in a subnet the
    new site does not carry.

    ``condition`` is accepted for symmetry with the other engines: reachability here is a
    matter of addressing, not of which links are up.

    Raises
    ------
    KeyError
        If ``vm`` is not in the lab.

    Notes
    -----
    Microsoft: Set-VMNetworkAdapterFailoverConfiguration (the address Replica injects at
    failover); "Hyper-V Network Virtualization overview" (customer addresses kept across
    hosts that hold the lookup records); Policy CSP ADMX_DnsClient DNS_RegistrationTtl
    (1200 s). See the module docstring for the addresses.
    """
    del condition  # addressing does not depend on failures (docstring)
    machine = lab.vms[vm]
    move = _Move(
        lab,
        vm,
        machine.host,
        site_of(lab, machine.host) if machine.host else None,
        target_host,
        site_of(lab, target_host),
    )
    return tuple(move.nic(index, nic) for index, nic in enumerate(machine.nics))


@dataclass(frozen=True, slots=True)
class _Move:
    """One VM moving from ``host`` in ``src`` to ``target`` in ``dst``."""

    lab: Lab
    vm: str
    host: str | None
    src: str | None
    target: str
    dst: str | None

    def nic(self, index: int, nic: VmNic) -> Mobility:
        """Return the :class:`Mobility` of one NIC (the checks of :func:`mobility`, in order)."""
        lab, src, dst, target = self.lab, self.src, self.dst, self.target
        ip, vlan = nic.ip, nic.vlan
        where = f"VLAN {vlan}" if vlan is not None else "the untagged network"
        here = _subnet(lab, dst, vlan)

        def found(
            method: Method,
            address: str | None,
            reachable: bool,
            reason: str,
            after: int = 0,
            used: tuple[str, ...] = (),
        ) -> Mobility:
            return Mobility(self.vm, index, method, address, reachable, after, reason, used)

        if src == dst:
            if src is None:
                why = f"the lab places neither {self.host} nor {target} in a site"
            else:
                why = f"{target} is in {src} like {self.host}"
            return found("same-site", ip, True, f"{why}: the VM keeps {ip or 'its address'}")
        if nic.virtual_subnet_id is not None:
            vsid = nic.virtual_subnet_id
            host = lab.hosts.get(target)
            if host is not None and vsid in host.hnv_policies:
                why = (
                    f"HNV virtual subnet {vsid}: {target} in {_where(dst)} holds its policy, "
                    f"so the customer address {ip or '(unknown)'} is kept"
                )
                return found("hnv", ip, True, why)
            why = (
                f"no HNV policy for VSID {vsid} on {target}: the customer address "
                f"{ip or '(unknown)'} has no lookup records in {_where(dst)}"
            )
            return found("hnv", ip, False, why)
        if here is not None and here == _subnet(lab, src, vlan):  # stretched(lab, vlan, src, dst)
            why = f"{where} is stretched: {src} and {dst} both carry {here}, so {ip} is kept"
            return found("stretched", ip, True, why)
        if _inside(ip, here):
            why = f"{ip} is inside {dst}'s subnet {here} on {where}: the address is kept"
            return found("stretched", ip, True, why)
        if nic.failover_ip:
            return self._failover(nic, nic.failover_ip, where, here, found)
        shown = ip or "(no address given)"
        if here is None:
            why = (
                f"{_where(dst)} declares no subnet for {where}: the {_where(src)} address "
                f"{shown} has nothing to route it, and no stretched subnet, failover address "
                "or HNV is configured"
            )
        else:
            why = (
                f"the {_where(src)} address {shown} is not in {dst}'s subnet {here} for "
                f"{where}, and no stretched subnet, failover address or HNV is configured"
            )
        return found("none", ip, False, why)

    def _failover(
        self,
        nic: VmNic,
        fip: str,
        where: str,
        here: Network | None,
        found: Callable[..., Mobility],
    ) -> Mobility:
        used: tuple[str, ...] = ()
        if nic.dns_ttl is not None:
            ttl = nic.dns_ttl
        else:
            # Windows registers the guest's A record with a 20-minute TTL unless told.
            ttl = lab_ms(self.lab, DNS_TTL)
            used = (DNS_TTL.key,)
        wait = f"clients reach it once the old A record's TTL of {format_duration(ttl)} runs out"
        dst = _where(self.dst)
        if here is None:
            why = (
                f"Replica sets the failover address {fip}; {dst} declares no subnet for "
                f"{where}, so it is assumed reachable; {wait}"
            )
            return found("failover-ip", fip, True, why, ttl, used)
        if _inside(fip, here):
            why = f"Replica sets the failover address {fip} inside {dst}'s {here}; {wait}"
            return found("failover-ip", fip, True, why, ttl, used)
        why = (
            f"the failover address {fip} is not in {dst}'s subnet {here} for {where}: the VM "
            "comes up unreachable"
        )
        return found("failover-ip", fip, False, why, 0, used)


def vm_reachable_after_move(
    lab: Lab, vm: str, target_host: str, condition: Condition | None = None
) -> tuple[bool, int, str]:
    """Return (every NIC reachable?, the longest ``clients_after_ms``, the NICs' reasons joined).

    A VM without network adapters is trivially reachable (nothing to reach). See
    :func:`mobility`.
    """
    found = mobility(lab, vm, target_host, condition)
    if not found:
        return True, 0, f"{vm} has no network adapters"
    reachable = all(m.reachable for m in found)
    after = max(m.clients_after_ms for m in found)
    return reachable, after, "; ".join(f"NIC {m.nic}: {m.reason}" for m in found)


# --- Stretched clusters -------------------------------------------------------------------
def witness_reachable_by(
    lab: Lab, cluster: str, condition: Condition | None = None
) -> frozenset[str] | None:
    """Return the nodes of ``cluster`` that reach its witness.

    None when the cluster's quorum names no ``witness_site`` (every node reaches the
    witness, as hvlab assumed before sites). Otherwise the nodes that are up and whose
    site is the witness site or has a :func:`wan_route` to it; a node placed in no site has
    nothing known against it and counts. Empty when the witness site is down.

    Notes
    -----
    A cloud witness is a blob in an Azure storage account, reached over HTTPS from every
    node ("Deploy a Cloud Witness for a Failover Cluster",
    https://learn.microsoft.com/en-us/windows-server/failover-clustering/deploy-cloud-witness).
    """
    cond = _cond(condition)
    found = lab.clusters[cluster]
    witness = found.quorum.witness_site
    if witness is None:
        return None
    if not _site_up(cond, witness):
        return frozenset()
    out: set[str] = set()
    for node in found.nodes:
        if not cond.host_is_up(lab, node):
            continue
        site = site_of(lab, node)
        if site is None or wan_route(lab, site, witness, cond) is not None:
            out.add(node)
    return frozenset(out)


def heartbeat_route_kind(lab: Lab, a: str, b: str) -> RouteKind:
    """Return the heartbeat pair between hosts ``a`` and ``b``: ``cross_site`` or ``same_subnet``.

    ``cross_site`` when both are placed and in different sites (Windows Server 2016 site
    awareness: ``CrossSiteDelay``/``CrossSiteThreshold``), else ``same_subnet``. Pass it to
    :func:`hvlab.cluster.membership.route_timeout`, which falls back to the cross-subnet
    pair before Windows Server 2016 ("Tuning Failover Cluster Network Thresholds",
    https://techcommunity.microsoft.com/t5/failover-clustering/tuning-failover-cluster-network-thresholds/ba-p/371834).
    """
    left, right = site_of(lab, a), site_of(lab, b)
    if left is not None and right is not None and left != right:
        return "cross_site"
    return "same_subnet"


def routed_reachable(
    lab: Lab,
    cluster: str,
    network: str,
    a: str,
    b: str,
    condition: Condition | None = None,
) -> bool:
    """Return whether nodes ``a`` and ``b`` reach each other on a network routed between sites.

    True only when the two nodes are in different sites, the network's VLAN carries a
    different subnet in each site (routed between them, not stretched at layer 2), both
    nodes are up and a :func:`wan_route` joins the sites. False in every other case: the
    nodes share a site or a stretched subnet (the layer-2 engine decides), or the route
    is gone. The local half of the path (node to its site's router) is the layer-2
    engine's business.

    Notes
    -----
    A multi-subnet cluster network is routed by design: failover clustering sends
    heartbeats between subnets with the ``CrossSubnet`` (or ``CrossSite``) thresholds
    ("Tuning Failover Cluster Network Thresholds", see :func:`heartbeat_route_kind`).
    """
    cond = _cond(condition)
    found = lab.clusters.get(cluster)
    net = found.networks.get(network) if found is not None else None
    if net is None or net.vlan is None:
        return False
    left, right = site_of(lab, a), site_of(lab, b)
    if left is None or right is None or left == right:
        return False
    here, there = _subnet(lab, left, net.vlan), _subnet(lab, right, net.vlan)
    if here is None or there is None or here == there:
        return False
    if not (cond.host_is_up(lab, a) and cond.host_is_up(lab, b)):
        return False
    return wan_route(lab, left, right, cond) is not None
