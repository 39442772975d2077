"""HV7xx — sites and disaster recovery: replication over the WAN, IP mobility, witness, WAN paths.

Each rule requires the parts of the lab it reads (``ctx.require``): an audit, whose
exports carry no WAN links, site subnets or Storage Replica, lists it as not checked
instead of taking the silence of an empty ``wan_links`` for a verdict.

The rules ask :mod:`hvlab.cluster.sites` (WAN routes, replication shares, mobility) and
:mod:`hvlab.cluster.replica` (whether a link keeps up). A lab without ``sites`` or
``wan_links`` describes one site: these rules have nothing to say about it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from hvlab.cluster.migration import disk_bytes
from hvlab.cluster.replica import replication
from hvlab.cluster.sites import (
    Mobility,
    cluster_sites,
    joined,
    mobility,
    replica_target_hosts,
    replica_target_site,
    replicating_vms,
    replication_demand_bps,
    replication_shares,
    site_of,
    stretched,
    wan_route,
)
from hvlab.condition import Condition
from hvlab.model.elements import Element
from hvlab.model.lab import Lab
from hvlab.model.units import format_bytes, format_duration, format_speed
from hvlab.rules.base import Context, Hit
from hvlab.rules.registry import rule

_REPLICA = (
    "https://learn.microsoft.com/en-us/windows-server/virtualization/hyper-v/manage/"
    "set-up-hyper-v-replica"
)
_SET_REPLICATION = "https://learn.microsoft.com/en-us/powershell/module/hyper-v/set-vmreplication"
_FAILOVER_IP = (
    "https://learn.microsoft.com/en-us/powershell/module/hyper-v/"
    "set-vmnetworkadapterfailoverconfiguration"
)
_HNV = (
    "https://learn.microsoft.com/en-us/windows-server/networking/sdn/technologies/"
    "hyper-v-network-virtualization/hyperv-network-virtualization-overview-windows-server"
)
_DNS_TTL = (
    "https://learn.microsoft.com/en-us/windows/client-management/mdm/"
    "policy-csp-admx-dnsclient#dns_registrationttl"
)
_QUORUM = (
    "https://learn.microsoft.com/en-us/windows-server/failover-clustering/manage-cluster-quorum"
)
_CLOUD_WITNESS = (
    "https://learn.microsoft.com/en-us/windows-server/failover-clustering/deploy-cloud-witness"
)
_SET_QUORUM = (
    "https://learn.microsoft.com/en-us/powershell/module/failoverclusters/set-clusterquorum"
)
_FAULT_DOMAINS = (
    "https://learn.microsoft.com/en-us/windows-server/failover-clustering/fault-domains"
)
_NOTE = "Field notes: data protection, 'Hyper-V Replica to a second site or to a hosting provider'"


def _shares(ctx: Context) -> dict[str, int | None]:
    found: dict[str, int | None] = ctx.cached(
        "sites.replication_shares", lambda: replication_shares(ctx.lab)
    )
    return found


def _on_link(ctx: Context, link: str) -> tuple[str, ...]:
    found: tuple[str, ...] = ctx.cached(
        f"sites.replicating.{link}", lambda: replicating_vms(ctx.lab, link)
    )
    return found


def _cross_site(lab: Lab, vm: str) -> tuple[str, str] | None:
    """Return (primary site, replica site) of a VM whose replica is in another site."""
    machine = lab.vms[vm]
    if machine.replica is None or not machine.host:
        return None
    src, dst = site_of(lab, machine.host), replica_target_site(lab, vm)
    if src is None or dst is None or src == dst:
        return None
    return src, dst


# --- HV701 ---------------------------------------------------------------------------------
@rule(
    "HV701",
    title="Replication to another site cannot keep up with the VM's changes",
    severity="error",
    message="{vm} replicates from {src} to {dst} and falls behind: {detail}",
    rationale=(
        "Hyper-V Replica sends each interval's changes (30 s, 5 min or 15 min) to the replica "
        "site; a cycle becomes a recovery point when its transfer completes. When one "
        "cycle's changes take longer to cross the WAN than the interval, cycles queue, the "
        "replica falls further behind every interval and the data an unplanned failover "
        "loses grows for as long as that lasts — the RPO on paper is not the RPO in force. "
        "Every VM replicating over a WAN link shares it (hvlab assumes equal shares: "
        "replica.wan_share), so a busy VM can fall behind on a link whose total would do."
    ),
    fix=(
        "Lower {vm}'s change rate (keep page files, temp and scratch data on a disk excluded "
        "from replication: Set-VMReplication -ExcludedVhdPath), give replication more "
        "bandwidth ({wan}), stagger or move other VMs off that link, or replicate less often "
        "(a 15-minute frequency helps only where the VM rewrites the same blocks: each "
        "changed block is sent once per interval)."
    ),
    references=(_NOTE, _REPLICA, _SET_REPLICATION),
    example=(
        "vms: {LOG1: {host: hq-n1, replica: {to: DR-CLU, frequency: 5m, change_rate: 12MiB}}}\n"
        "wan_links: {HQ-DR: {sites: [HQ, DR], bandwidth: 200M}}"
    ),
    tags=("replica", "wan"),
)
def replica_falls_behind(ctx: Context) -> Iterator[Hit]:
    """Fire for each VM whose replication to another site does not keep up on its WAN share."""
    ctx.require("replica", "replica_traffic", "sites", "wan_links")
    # The share is replication_share_bps (each link of the route divided among the VMs
    # replicating across it); replication() says whether one interval's compressed changes
    # cross within the interval. A lab without WAN links says nothing about the WAN.
    lab = ctx.lab
    if not lab.wan_links:
        return
    shares = _shares(ctx)
    for machine in lab.vms.values():
        ends = _cross_site(lab, machine.name)
        if ends is None:
            continue
        src, dst = ends
        path = ("vms", machine.name, "replica")
        values = {"vm": machine.name, "src": src, "dst": dst}
        route = wan_route(lab, src, dst)
        share = shares.get(machine.name)
        if route is None or share is None:
            detail = f"no WAN link joins {src} and {dst}, so nothing reaches the replica"
            wan = f"no WAN link between {src} and {dst} is up"
            yield Hit(path, {**values, "detail": detail, "wan": wan})
            continue
        result = replication(lab, machine.name, link_bps=share)
        if not result.ok or result.keeps_up:
            continue
        link = min(
            route.links,
            key=lambda n: (lab.wan_links[n].bandwidth // max(1, len(_on_link(ctx, n))), n),
        )
        sharing = _on_link(ctx, link)
        bandwidth = lab.wan_links[link].bandwidth
        total = sum(replication_demand_bps(lab, v) for v in sharing)
        transfer = "forever" if result.transfer_ms is None else format_duration(result.transfer_ms)
        detail = (
            f"each {format_duration(result.frequency_ms)} cycle puts "
            f"{format_bytes(result.wire_bytes)} on the wire, which takes {transfer} at its "
            f"{format_speed(share)} share of {link} ({len(sharing)} VMs replicate over its "
            f"{format_speed(bandwidth)}, needing {format_speed(total)} together) - longer than "
            f"the {format_duration(result.frequency_ms)} interval, so its RPO grows by "
            f"{format_duration(result.lag_growth_ms_per_hour)} every hour"
        )
        yield Hit(
            path,
            {
                **values,
                "detail": detail,
                "wan": (
                    f"{link}: {format_speed(bandwidth)} shared by {len(sharing)} replicating VMs"
                ),
            },
        )


# --- HV702 ---------------------------------------------------------------------------------
def _moves(lab: Lab, vm: str) -> Iterator[tuple[str, str, str]]:
    """Yield (target host, its site, how the VM gets there) for each move to another site."""
    machine = lab.vms[vm]
    here = site_of(lab, machine.host) if machine.host else None
    ends = _cross_site(lab, vm)
    if ends is not None and machine.replica is not None:
        for host in replica_target_hosts(lab, vm):
            there = site_of(lab, host)
            if there == ends[1]:
                yield host, there, f"Replica failover to {machine.replica.to}"
    cluster = lab.clusters.get(machine.cluster or "")
    if here is not None and cluster is not None and len(cluster_sites(lab, cluster.name)) > 1:
        for node in cluster.nodes:
            there = site_of(lab, node)
            if there is not None and there != here:
                yield node, there, f"failover in stretched cluster {cluster.name}"


def _decidable(lab: Lab, found: Mobility, site: str) -> bool:
    """Return whether hvlab can tell: the NIC has an address and the site says its subnets."""
    if found.method != "none":
        return True
    declared = lab.sites.get(site)
    return found.address is not None and declared is not None and bool(declared.subnets)


@rule(
    "HV702",
    title="A VM that fails over to another site comes up unreachable",
    severity="error",
    message="{vm} NIC {nic} is unreachable after {how} (on {target} in {site}): {reason}",
    rationale=(
        "A VM that starts in another site keeps the address it had unless something changes "
        "it. If the new site does not carry that subnet, the VM boots, its services start, "
        "and nobody reaches it: the failover 'worked' and the service is still down. "
        "Three designs keep it reachable: a stretched subnet (the VLAN and its subnet "
        "extended to both sites), a failover address that Replica injects into the guest "
        "(clients follow it when their cached DNS record expires, 20 minutes by default), "
        "or Hyper-V Network Virtualization, which keeps the customer address on any host "
        "that holds the virtual subnet's policy."
    ),
    fix=(
        "Keep {vm} reachable in {site}: stretch its VLAN and subnet to {site}; or give it a "
        "failover address in {site}'s subnet (Set-VMNetworkAdapterFailoverConfiguration "
        "-VMName {vm} -IPv4Address ... -IPv4SubnetMask ... -IPv4DefaultGateway ..., "
        "failover_ip/failover_gateway in the lab) and a short DNS TTL; or put it on an HNV "
        "virtual subnet whose policy the {site} hosts hold (hnv_policies)."
    ),
    references=(_NOTE, _FAILOVER_IP, _HNV, _DNS_TTL),
    example=(
        "sites: {HQ: {subnets: {100: 10.1.100.0/24}}, DR: {subnets: {100: 10.2.100.0/24}}}\n"
        "vms: {FS1: {host: hq-n1, replica: {to: dr-n1},\n"
        "       nics: [{switch: SET, vlan: 100, ip: 10.1.100.30}]}}"
    ),
    tags=("replica", "mobility"),
)
def unreachable_after_site_failover(ctx: Context) -> Iterator[Hit]:
    """Fire for each VM NIC left unreachable by a failover to another site (Replica, cluster)."""
    ctx.require("replica", "sites", "site_subnets")
    # Every host the replica can run on, every node of the other site of a stretched
    # cluster; mobility() decides each NIC. A NIC without an address, or a site that
    # declares no subnets, cannot be decided and is left alone.
    lab = ctx.lab
    if not lab.sites:
        return
    for machine in lab.vms.values():
        reported: set[int] = set()
        for target, site, how in _moves(lab, machine.name):
            for found in mobility(lab, machine.name, target):
                if found.nic in reported or found.reachable or not _decidable(lab, found, site):
                    continue
                reported.add(found.nic)
                yield Hit(
                    ("vms", machine.name, "nics", found.nic),
                    {
                        "vm": machine.name,
                        "nic": found.nic,
                        "how": how,
                        "target": target,
                        "site": site,
                        "reason": found.reason,
                    },
                )


# --- HV703 ---------------------------------------------------------------------------------
@rule(
    "HV703",
    title="A multi-site cluster's witness is in one of its sites, or it has none",
    severity="error",
    message="{cluster} spans {sites}: {problem}",
    rationale=(
        "In a cluster stretched over two sites each site holds part of the votes. A witness "
        "in one of those sites dies with it: losing that site loses its nodes and the "
        "witness, at least half of the votes, and the surviving site stops its cluster "
        "service although it is healthy. With the nodes split evenly and no witness, a cut "
        "between the sites leaves two halves of which at most one may continue (dynamic "
        "quorum's tie-breaker decides, not you). A witness in a third site, reached from each "
        "site over its own path, breaks the tie and survives the loss of either site."
    ),
    fix=(
        "Put {cluster}'s witness in a third site: a cloud witness (Set-ClusterQuorum "
        "-CloudWitness -AccountName ... -AccessKey ...) or a file share witness in another "
        "data centre reached from each site without crossing the other."
    ),
    references=(_QUORUM, _CLOUD_WITNESS, _SET_QUORUM, _FAULT_DOMAINS),
    example=(
        "clusters: {METRO: {nodes: [hq1, hq2, dr1, dr2],\n"
        "  quorum: {model: NodeAndFileShareMajority, witness: '\\\\hq-fs\\w', witness_site: HQ}}}"
    ),
    tags=("quorum", "stretched-cluster"),
)
def multi_site_witness(ctx: Context) -> Iterator[Hit]:
    """Fire for each multi-site cluster with its witness in one of its sites, or none at 50/50."""
    ctx.require("sites", "quorum")
    lab = ctx.lab
    for cluster in lab.clusters.values():
        sites = cluster_sites(lab, cluster.name)
        if len(sites) < 2:
            continue
        count = {s: sum(1 for n in cluster.nodes if site_of(lab, n) == s) for s in sites}
        spans = ", ".join(f"{s} ({count[s]} nodes)" for s in sites)
        values = {"cluster": cluster.name, "sites": spans}
        witness = cluster.quorum.witness_site
        if cluster.quorum.model != "NodeMajority":
            if witness in count:
                problem = (
                    f"its witness is in {witness}: losing {witness} loses {count[witness]} of "
                    f"{len(cluster.nodes)} node votes and the witness"
                )
                path = ("clusters", cluster.name, "quorum", "witness_site")
                yield Hit(path, {**values, "problem": problem})
            continue
        half = [s for s in sites if count[s] * 2 == len(cluster.nodes)]
        if half:
            problem = (
                f"no witness, and {half[0]} holds half of the {len(cluster.nodes)} votes: a "
                "cut between the sites or the loss of either site leaves no majority"
            )
            yield Hit(("clusters", cluster.name, "quorum"), {**values, "problem": problem})


# --- HV704 ---------------------------------------------------------------------------------
def _site_pairs(lab: Lab) -> dict[tuple[str, str], list[str]]:
    """Return each pair of sites that must reach each other → what needs it.

    Pairs are keyed as first met (a replication's primary site first), one key per pair.
    """
    why: dict[tuple[str, str], list[str]] = {}
    key: dict[frozenset[str], tuple[str, str]] = {}

    def add(a: str, b: str, reason: str) -> None:
        pair = key.setdefault(frozenset((a, b)), (a, b))
        why.setdefault(pair, []).append(reason)

    replicas: dict[tuple[str, str], list[str]] = {}
    for machine in lab.vms.values():
        ends = _cross_site(lab, machine.name)
        if ends is not None:
            replicas.setdefault(ends, []).append(machine.name)
    for (src, dst), vms in replicas.items():
        shown = ", ".join(vms[:4]) + (f" and {len(vms) - 4} more" if len(vms) > 4 else "")
        add(src, dst, f"replication from {src} to {dst} ({shown})")
    for cluster in lab.clusters.values():
        for a, b in itertools.combinations(cluster_sites(lab, cluster.name), 2):
            add(a, b, f"the heartbeats, CSV and live migration of stretched cluster {cluster.name}")
    return why


@rule(
    "HV704",
    title="Two sites that depend on each other are joined by a single WAN path",
    severity="warning",
    message="{link} is the only WAN path between {pairs}; losing it stops {why}",
    rationale=(
        "Replication to the other site and a cluster stretched over two sites both need the "
        "WAN. When every route between the sites crosses one link, one fibre cut or one "
        "provider's outage stops replication (the replicas fall behind until it is back) "
        "and splits a stretched cluster into two halves that race for the witness. A "
        "second path from another provider, or through another of your own data centres, "
        "keeps the sites together."
    ),
    fix=(
        "Add a second WAN link between {pairs} from a provider other than {provider}, or a "
        "route through another data centre, so that losing {link} leaves a path."
    ),
    references=(_NOTE, _FAULT_DOMAINS, _REPLICA),
    example=(
        "wan_links: {HQ-DR: {sites: [HQ, DR], bandwidth: 200M, provider: Metro Fibre}}\n"
        "vms: {WEB1: {host: hq-n1, replica: {to: DR-CLU}}}"
    ),
    tags=("wan", "resilience"),
)
def single_wan_path(ctx: Context) -> Iterator[Hit]:
    """Fire for each WAN link whose loss cuts two sites that replicate or share a cluster."""
    ctx.require("replica", "sites", "wan_links")
    lab = ctx.lab
    if not lab.wan_links:
        return
    critical: dict[str, list[tuple[tuple[str, str], list[str]]]] = {}
    for pair, why in _site_pairs(lab).items():
        route = wan_route(lab, *pair)
        if route is None:
            continue  # no path at all: HV701 says so for replication
        for link in route.links:
            without = Condition(frozenset({Element("wan", (link,))}))
            if wan_route(lab, *pair, without) is None:
                critical.setdefault(link, []).append((pair, why))
    for link, found in sorted(critical.items()):
        pairs = "; ".join(f"{a} and {b}" for (a, b), _ in found)
        stops = " and ".join(w for _, reasons in found for w in reasons)
        yield Hit(
            ("wan_links", link),
            {
                "link": link,
                "pairs": pairs,
                "why": stops,
                "provider": lab.wan_links[link].provider or "its provider",
            },
        )


# --- HV705 ---------------------------------------------------------------------------------
_INITIAL = "https://learn.microsoft.com/en-us/powershell/module/hyper-v/start-vminitialreplication"


@rule(
    "HV705",
    title="The initial replication over the WAN takes longer than the planning window",
    severity="warning",
    message=(
        "{vm}: the initial replication of {data} to {dst} over the network takes {time} at "
        "its {share} share of the WAN (window: {window})"
    ),
    rationale=(
        "Before its first recovery point exists a replica is worth nothing: the whole "
        "virtual disk crosses the WAN once (compressed), sharing the link with every other "
        "VM replicating over it, and the link is busy for the duration. A large VM can take "
        "days that way. Replica can instead write the first copy to external media that is "
        "shipped to the replica site and imported there, after which only the changes "
        "since cross the WAN."
    ),
    fix=(
        "Ship the first copy: Enable-VMReplication {vm} ... -InitialReplicationMethod "
        "Shipping (or Start-VMInitialReplication {vm} -DestinationPath E:\\Ship), carry the "
        "media to {dst} and Import-VMInitialReplication there (replica.initial: Shipping in "
        "the lab); or schedule it for a quiet weekend with -InitialReplicationStartTime."
    ),
    references=(_NOTE, _INITIAL, _SET_REPLICATION),
    example=(
        "vms: {FS1: {host: hq-n1, vhds: [{size: 2TiB, used: 900GiB}],\n"
        "            replica: {to: DR-CLU, initial: Network}}}"
    ),
    tags=("replica", "wan"),
)
def initial_replication_too_slow(ctx: Context) -> Iterator[Hit]:
    """Fire for each VM whose first copy would take longer over the WAN than the window."""
    ctx.require("replica", "replica_traffic", "sites", "wan_links", "vhds")
    from hvlab.settings import setting_ms

    lab = ctx.lab
    if not lab.wan_links:
        return
    window = setting_ms(lab, "replica.initial_window")
    shares = _shares(ctx)
    for machine in lab.vms.values():
        ends = _cross_site(lab, machine.name)
        spec = machine.replica
        share = shares.get(machine.name)
        if ends is None or spec is None or spec.initial != "Network" or not share:
            continue
        result = replication(lab, machine.name, link_bps=share)
        ratio = result.changed_bytes / result.wire_bytes if result.wire_bytes else 1.0
        data = disk_bytes(machine)  # what an initial replication copies
        ms = -(-round(data / ratio) * 8 * 1000 // share)
        if ms <= window:
            continue
        yield Hit(
            ("vms", machine.name, "replica", "initial"),
            {
                "vm": machine.name,
                "data": format_bytes(data),
                "dst": ends[1],
                "time": format_duration(ms),
                "share": format_speed(share),
                "window": format_duration(window),
            },
        )


# --- HV706 ---------------------------------------------------------------------------------
_STRETCH = (
    "https://learn.microsoft.com/en-us/windows-server/failover-clustering/"
    "failover-cluster-stretch-clusters"
)


@rule(
    "HV706",
    title="One subnet in two sites that no layer-2 link joins",
    severity="warning",
    message=(
        "VLAN {vlan} has {subnet} in both {a} and {b}, but no WAN link extends VLAN {vlan} "
        "between them"
    ),
    rationale=(
        "A subnet 'stretched' across sites only works when its VLAN is one layer-2 domain: "
        "extended over the WAN (dark fibre, VPLS, OTV) or routed per host. Declared at two "
        "sites without that, the same prefix is two networks: a host in {a} cannot reach "
        "one in {b} at the same subnet (it ARPs locally), both sites' routers announce the "
        "prefix, and return traffic lands in whichever site the routing prefers. A VM that "
        "fails over keeps its address but is reachable only if routing follows it."
    ),
    fix=(
        "Extend VLAN {vlan} between {a} and {b} (wan_links: vlans: [{vlan}], with the switch "
        "at each end), or give {b} its own subnet for VLAN {vlan} and keep VMs reachable "
        "with Replica failover addresses (Set-VMNetworkAdapterFailoverConfiguration) or HNV."
    ),
    references=(_NOTE, _STRETCH, _FAILOVER_IP),
    example=(
        "sites: {HQ: {subnets: {200: 10.50.200.0/24}}, DR: {subnets: {200: 10.50.200.0/24}}}\n"
        "wan_links: {HQ-DR: {sites: [HQ, DR], bandwidth: 1G}}   # routed: VLAN 200 not extended"
    ),
    tags=("wan", "ip-mobility"),
)
def split_subnet(ctx: Context) -> Iterator[Hit]:
    """Fire for each VLAN whose subnet two sites declare without a layer-2 link between them."""
    ctx.require("site_subnets", "wan_links")
    lab = ctx.lab
    for a, b in itertools.combinations(lab.sites, 2):
        for vlan, text in lab.sites[a].subnets.items():
            extending = (w for w in lab.wan_links.values() if vlan in w.vlans)
            if stretched(lab, vlan, a, b) and not joined(a, b, extending):
                yield Hit(
                    ("sites", b, "subnets", vlan),
                    {"vlan": vlan, "subnet": text, "a": a, "b": b},
                )


# --- HV707 ---------------------------------------------------------------------------------
_STORAGE_REPLICA = (
    "https://learn.microsoft.com/en-us/windows-server/storage/storage-replica/"
    "stretch-cluster-replication-using-shared-storage"
)


@rule(
    "HV707",
    title="A stretched cluster's CSV lives in one site with no copy in the other",
    severity="error",
    message=(
        "{cluster}/{csv} is in {site} only: losing {site} stops {vms} in every site of the cluster"
    ),
    rationale=(
        "A cluster stretched over two sites survives the loss of one only if its storage "
        "does too. A CSV whose disks sit in one site goes offline with that site; the "
        "nodes in the other site keep quorum and try to restart the VMs, which cannot "
        "start without their virtual disks. Storage Replica (synchronous within a metro "
        "distance) keeps a copy in the second site that comes online when the first is lost."
    ),
    fix=(
        "Replicate {csv} to the other site with Storage Replica (New-SRPartnership in a "
        "stretch cluster; replicated_to: in the lab) or keep the VMs that must survive the "
        "loss of {site} on storage in another site."
    ),
    references=(_NOTE, _STORAGE_REPLICA, _STRETCH),
    example=(
        "clusters: {METRO: {nodes: [m-hq1, m-dr1],\n"
        "                   csvs: {Volume1: {size: 4TiB, site: HQ}}}}   # no replicated_to"
    ),
    tags=("storage", "stretched-cluster"),
)
def stretched_csv_in_one_site(ctx: Context) -> Iterator[Hit]:
    """Fire for each CSV of a multi-site cluster that sits in one site with no replica."""
    ctx.require("sites", "storage_replica")
    lab = ctx.lab
    for cluster in lab.clusters.values():
        spans = cluster_sites(lab, cluster.name)
        if len(spans) < 2:
            continue
        for csv in cluster.csvs.values():
            copy = csv.replicated_to
            if csv.site is None or (copy is not None and copy != csv.site):
                continue
            vms = sorted(
                vm.name
                for vm in lab.vms.values()
                if vm.cluster == cluster.name
                and csv.name in {vm.storage, *(d.storage for d in vm.vhds)}
            )
            shown = ", ".join(vms[:5]) + (f" and {len(vms) - 5} more" if len(vms) > 5 else "")
            yield Hit(
                ("clusters", cluster.name, "csvs", csv.name),
                {
                    "cluster": cluster.name,
                    "csv": csv.name,
                    "site": csv.site,
                    "vms": f"its VMs ({shown})" if vms else "whatever is stored on it",
                },
            )
