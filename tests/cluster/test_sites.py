"""Sites: WAN routes, replication shares, IP mobility, witness reach, heartbeat kinds."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hvlab.cluster.membership import cluster_os, route_timeout_ms
from hvlab.cluster.replica import replication
from hvlab.cluster.sites import (
    WanRoute,
    cluster_sites,
    heartbeat_route_kind,
    mobility,
    replica_target_hosts,
    replica_target_site,
    replicating_vms,
    replication_demand_bps,
    replication_share_bps,
    replication_shares,
    routed_reachable,
    site_of,
    stretched,
    vm_reachable_after_move,
    wan_route,
    witness_reachable_by,
)
from hvlab.condition import Condition
from hvlab.model.lab import Lab
from hvlab.model.load import load_lab, load_lab_text

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "two-site-replica.yaml"
M = 1_000_000
MIB = 2**20


@pytest.fixture(scope="module")
def lab() -> Lab:
    return load_lab(EXAMPLE)


def down(lab: Lab, *names: str) -> Condition:
    return Condition.from_elements(lab, names)


def _wan_lab(links: str, sites: str = "{A: {}, B: {}, C: {}, D: {}}") -> Lab:
    """Return a lab of bare sites joined by ``links`` (a YAML mapping of wan_links)."""
    return load_lab_text(f"name: wan\nsites: {sites}\nwan_links: {links}\n", "wan.yaml")


# --- Where things are -------------------------------------------------------------------------
def test_site_of_hosts_and_switches(lab: Lab) -> None:
    assert site_of(lab, "hq-n1") == "HQ"
    assert site_of(lab, "dr-sw1") == "DR"
    assert site_of(lab, "nobody") is None
    bare = load_lab_text("name: x\nhosts: {h1: {}}\n")
    assert site_of(bare, "h1") is None


def test_cluster_sites_in_node_order(lab: Lab) -> None:
    assert cluster_sites(lab, "METRO") == ("HQ", "DR")
    assert cluster_sites(lab, "HQ-CLU") == ("HQ",)
    assert cluster_sites(lab, "nope") == ()


def test_replica_target_site_and_hosts(lab: Lab) -> None:
    # A cluster (the Replica Broker): its nodes' site and every node.
    assert replica_target_site(lab, "WEB1") == "DR"
    assert replica_target_hosts(lab, "WEB1") == ("dr-n1", "dr-n2")
    # No replica.
    assert replica_target_site(lab, "ERP1") is None
    assert replica_target_hosts(lab, "ERP1") == ()
    small = load_lab_text(
        """
name: t
sites: {HQ: {}, DR: {}}
hosts: {h1: {site: HQ}, d1: {site: DR}, d2: {site: DR}}
vms:
  to-host: {memory: 1GiB, host: h1, replica: {to: d1}}
  to-site: {memory: 1GiB, host: h1, replica: {to: DR}}
"""
    )
    assert replica_target_site(small, "to-host") == "DR"
    assert replica_target_hosts(small, "to-host") == ("d1",)
    assert replica_target_site(small, "to-site") == "DR"
    assert replica_target_hosts(small, "to-site") == ("d1", "d2")


# --- WAN routes ---------------------------------------------------------------------------------
def test_direct_route_and_local_route(lab: Lab) -> None:
    assert wan_route(lab, "HQ", "DR") == WanRoute(("HQ", "DR"), ("HQ-DR",), 200 * M, 5)
    assert wan_route(lab, "HQ", "HQ") == WanRoute(("HQ",), (), None, 0)


def test_a_cloud_site_is_no_transit(lab: Lab) -> None:
    # Without HQ-DR, HQ and DR both still reach Azure, but Azure does not route between them.
    assert wan_route(lab, "HQ", "DR", down(lab, "wan:HQ-DR")) is None


def test_transit_through_a_data_centre(lab: Lab) -> None:
    # HQ's own internet link is down: HQ reaches the cloud witness through DR.
    route = wan_route(lab, "HQ", "Azure", down(lab, "wan:HQ-Azure"))
    assert route == WanRoute(("HQ", "DR", "Azure"), ("HQ-DR", "DR-Azure"), 100 * M, 20)
    # ... but not when DR is down too.
    assert wan_route(lab, "HQ", "Azure", down(lab, "wan:HQ-Azure", "site:DR")) is None


def test_a_failed_site_takes_its_links_down(lab: Lab) -> None:
    assert wan_route(lab, "HQ", "DR", down(lab, "site:DR")) is None
    assert wan_route(lab, "DR", "Azure", down(lab, "site:HQ")) is not None


def test_widest_route_wins_over_fewer_hops() -> None:
    links = (
        "{AB: {sites: [A, B], bandwidth: 100M, latency: 1ms},"
        " AC: {sites: [A, C], bandwidth: 1G, latency: 10ms},"
        " CB: {sites: [C, B], bandwidth: 1G, latency: 10ms}}"
    )
    wan = _wan_lab(links)
    route = wan_route(wan, "A", "B")
    assert route is not None
    assert route.links == ("AC", "CB") and route.bandwidth_bps == 10**9
    assert route.latency_ms == 20 and route.sites == ("A", "C", "B")
    # The wide path through C is gone when C is down: the narrow direct link remains.
    narrow = wan_route(wan, "A", "B", Condition.from_elements(wan, ["site:C"]))
    assert narrow is not None and narrow.links == ("AB",)


def test_ties_by_hops_then_latency_then_names() -> None:
    # Two equally wide routes of one link: the lower latency wins.
    wan = _wan_lab(
        "{X1: {sites: [A, B], bandwidth: 1G, latency: 9ms},"
        " X2: {sites: [A, B], bandwidth: 1G, latency: 3ms},"
        " AC: {sites: [A, C], bandwidth: 1G, latency: 1ms},"
        " CB: {sites: [C, B], bandwidth: 1G, latency: 1ms}}"
    )
    route = wan_route(wan, "A", "B")
    assert route is not None and route.links == ("X2",)  # fewer hops beat lower latency
    same = _wan_lab(
        "{Zed: {sites: [A, B], bandwidth: 1G, latency: 3ms},"
        " Alpha: {sites: [A, B], bandwidth: 1G, latency: 3ms}}"
    )
    route = wan_route(same, "A", "B")
    assert route is not None and route.links == ("Alpha",)


def test_no_route_between_unjoined_sites() -> None:
    wan = _wan_lab("{AB: {sites: [A, B], bandwidth: 1G}}")
    assert wan_route(wan, "A", "D") is None
    assert wan_route(wan, "A", "B", Condition.from_elements(wan, ["wan:AB"])) is None


# --- Replication over the WAN --------------------------------------------------------------------
def test_replicating_vms_cross_the_link(lab: Lab) -> None:
    assert replicating_vms(lab, "HQ-DR") == ("WEB1", "APP1", "SQL1", "FS1", "LOG1")
    assert replicating_vms(lab, "HQ-Azure") == ()
    assert replicating_vms(lab, "HQ-DR", down(lab, "wan:HQ-DR")) == ()


def test_equal_share_of_the_link(lab: Lab) -> None:
    # Five VMs replicate over the 200 Mb/s link: 40 Mb/s each.
    assert replication_share_bps(lab, "LOG1") == 40 * M
    assert replication_shares(lab) == dict.fromkeys(("WEB1", "APP1", "SQL1", "FS1", "LOG1"), 40 * M)
    # LOG1: 12 MiB/s x 300 s / 2 (compression) = 1800 MiB → 377.5 s, more than its 300 s
    # interval: it falls behind (HV701).
    result = replication(lab, "LOG1", link_bps=40 * M)
    assert result.wire_bytes == 1800 * MIB and result.transfer_ms == 377_488
    assert not result.keeps_up


def test_no_route_no_share(lab: Lab) -> None:
    assert replication_share_bps(lab, "LOG1", down(lab, "wan:HQ-DR")) is None
    assert replication_share_bps(lab, "ERP1") is None  # no replica


def test_same_site_replication_runs_at_the_hosts_slowest_nic() -> None:
    local = load_lab_text(
        """
name: t
sites: {HQ: {}}
hosts:
  h1: {site: HQ, nics: {A: {speed: 10G}, B: {speed: 1G}}}
  h2: {site: HQ}
vms:
  v: {memory: 1GiB, host: h1, replica: {to: h2}}
  unplaced: {memory: 1GiB, replica: {to: h2}}
"""
    )
    assert replication_share_bps(local, "v") == 10**9
    assert replication_share_bps(local, "unplaced") == 10**9  # as the simulator: 1 Gb/s


SHARED = """
name: shares
sites: {A: {}, B: {}, C: {}}
wan_links:
  AB: {sites: [A, B], bandwidth: 100M}
  BC: {sites: [B, C], bandwidth: 300M}
hosts: {a1: {site: A}, b1: {site: B}, c1: {site: C}}
vms:
  far: {memory: 1GiB, host: a1, replica: {to: c1, change_rate: 1MiB}}
  near: {memory: 1GiB, host: a1, replica: {to: b1, change_rate: 3MiB}}
  other: {memory: 1GiB, host: b1, replica: {to: c1}}
timers: {replica.wan_share: %s}
"""


def test_the_smallest_share_along_the_route() -> None:
    shares = load_lab_text(SHARED % "equal")
    # far crosses AB (shared with near: 50M) and BC (shared with other: 150M).
    assert replicating_vms(shares, "AB") == ("far", "near")
    assert replicating_vms(shares, "BC") == ("far", "other")
    assert replication_share_bps(shares, "far") == 50 * M
    assert replication_share_bps(shares, "other") == 150 * M


def test_other_share_modes() -> None:
    text = SHARED
    alone = load_lab_text(text % "none")
    assert replication_share_bps(alone, "far") == 100 * M  # the whole route
    demand = load_lab_text(text % "demand")
    # On AB far needs 1 MiB/s and near 3 MiB/s: a quarter and three quarters of 100M.
    assert replication_demand_bps(demand, "near") == 3 * replication_demand_bps(demand, "far")
    assert replication_share_bps(demand, "far") == 25 * M
    assert replication_share_bps(demand, "near") == 75 * M
    # A condition override wins over the lab.
    equal = Condition().with_override("replica.wan_share", "equal")
    assert replication_share_bps(demand, "far", equal) == 50 * M
    with pytest.raises(ValueError, match="equal, demand, none"):
        replication_share_bps(load_lab_text(text % "fair"), "far")


@settings(max_examples=60, deadline=None)
@given(
    bandwidth=st.integers(1, 2000).map(lambda mbit: mbit * M),
    vms=st.lists(
        st.tuples(st.integers(0, 64 * MIB), st.sampled_from(["30s", "5m", "15m"])),
        min_size=1,
        max_size=6,
    ),
)
def test_share_derived_replication_keeps_up_iff_a_cycle_fits(
    bandwidth: int, vms: list[tuple[int, str]]
) -> None:
    machines = "".join(
        f"  v{i}: {{memory: 1GiB, host: h1,\n"
        f"        replica: {{to: d1, frequency: {f}, change_rate: {rate}}}}}\n"
        for i, (rate, f) in enumerate(vms)
    )
    wan = load_lab_text(
        "name: p\nsites: {HQ: {}, DR: {}}\n"
        f"wan_links: {{HQ-DR: {{sites: [HQ, DR], bandwidth: {bandwidth}}}}}\n"
        "hosts: {h1: {site: HQ, os: WindowsServer2016}, d1: {site: DR}}\n"
        f"vms:\n{machines}"
    )
    shares = [replication_share_bps(wan, f"v{i}") for i in range(len(vms))]
    assert all(s == bandwidth // len(vms) for s in shares)
    assert sum(s for s in shares if s is not None) <= bandwidth
    for i, share in enumerate(shares):
        assert share is not None
        result = replication(wan, f"v{i}", link_bps=share)
        fits = result.transfer_ms is not None and result.transfer_ms <= result.frequency_ms
        assert result.keeps_up == fits
        if share:
            assert result.transfer_ms == -(-result.wire_bytes * 8 * 1000 // share)


# --- Subnets and mobility ---------------------------------------------------------------------
def test_stretched_compares_networks(lab: Lab) -> None:
    assert stretched(lab, 200, "HQ", "DR")
    assert stretched(lab, 20, "HQ", "DR")
    assert not stretched(lab, 100, "HQ", "DR")
    assert not stretched(lab, 999, "HQ", "DR")  # declared nowhere
    assert not stretched(lab, 200, "HQ", "Azure")  # Azure declares no subnets
    loose = load_lab_text(
        "name: s\nsites: {A: {subnets: {5: 10.0.0.7/24}}, B: {subnets: {5: 10.0.0.0/24}}}\n"
    )
    assert stretched(loose, 5, "A", "B")


def test_each_mobility_method_on_the_example(lab: Lab) -> None:
    (web,) = mobility(lab, "WEB1", "dr-n1")
    assert (web.method, web.address, web.reachable, web.clients_after_ms) == (
        "stretched",
        "10.50.200.10",
        True,
        0,
    )
    assert "10.50.200.0/24" in web.reason
    (app,) = mobility(lab, "APP1", "dr-n1")
    assert (app.method, app.address, app.reachable) == ("failover-ip", "10.2.100.20", True)
    assert app.clients_after_ms == 300_000 and app.assumptions == ()  # its own 5-minute TTL
    (sql,) = mobility(lab, "SQL1", "dr-n2")
    assert (sql.method, sql.address, sql.reachable) == ("hnv", "192.168.1.10", True)
    (fs,) = mobility(lab, "FS1", "dr-n1")
    assert (fs.method, fs.address, fs.reachable) == ("none", "10.1.100.30", False)
    assert "10.1.100.30" in fs.reason and "10.2.100.0/24" in fs.reason
    (local,) = mobility(lab, "FS1", "hq-n1")
    assert (local.method, local.reachable) == ("same-site", True)


MOVES = """
name: moves
sites:
  HQ: {subnets: {100: 10.1.100.0/24, 300: 10.1.30.0/24}}
  DR: {subnets: {100: 10.2.100.0/24}}
  BARE: {}
hosts:
  hq1: &h
    site: HQ
    nics: {A: {speed: 10G}}
    vswitches: {SET: {members: [A]}}
  dr1: {<<: *h, site: DR, hnv_policies: [6000]}
  bare1: {<<: *h, site: BARE}
vms:
  hnv: {memory: 1GiB, host: hq1,
        nics: [{switch: SET, vlan: 300, ip: 192.168.1.10, virtual_subnet_id: 5001}]}
  fip-default: {memory: 1GiB, host: hq1, nics: [{switch: SET, vlan: 100, ip: 10.1.100.5,
                failover_ip: 10.2.100.5}]}
  fip-wrong: {memory: 1GiB, host: hq1, nics: [{switch: SET, vlan: 100, ip: 10.1.100.6,
              failover_ip: 10.9.9.9}]}
  inside: {memory: 1GiB, host: hq1, nics: [{switch: SET, vlan: 100, ip: 10.2.100.7}]}
  two: {memory: 1GiB, host: hq1,
        nics: [{switch: SET, vlan: 100, ip: 10.1.100.8, failover_ip: 10.2.100.8, dns_ttl: 1m},
               {switch: SET, vlan: 100, ip: 10.1.100.9, failover_ip: 10.2.100.9}]}
  bare: {memory: 1GiB, host: hq1, nics: [{switch: SET, vlan: 100, ip: 10.1.100.10}]}
"""


def test_hnv_needs_the_policy_on_the_target() -> None:
    moves = load_lab_text(MOVES)
    (found,) = mobility(moves, "hnv", "dr1")
    assert found.method == "hnv" and not found.reachable
    assert "no HNV policy for VSID 5001 on dr1" in found.reason


def test_failover_address_uses_the_default_dns_ttl() -> None:
    moves = load_lab_text(MOVES)
    (found,) = mobility(moves, "fip-default", "dr1")
    assert found.method == "failover-ip" and found.reachable
    assert found.clients_after_ms == 1_200_000  # 20 minutes, DNS_RegistrationTtl
    assert found.assumptions == ("dns.registration_ttl",)
    shorter = load_lab_text(MOVES + "timers: {dns.registration_ttl: 60s}\n")
    assert mobility(shorter, "fip-default", "dr1")[0].clients_after_ms == 60_000


def test_failover_address_outside_the_target_subnet() -> None:
    moves = load_lab_text(MOVES)
    (found,) = mobility(moves, "fip-wrong", "dr1")
    assert found.method == "failover-ip" and not found.reachable
    assert "10.9.9.9" in found.reason and "10.2.100.0/24" in found.reason
    # A site that declares no subnet for the VLAN: assumed reachable, and said so.
    (assumed,) = mobility(moves, "fip-wrong", "bare1")
    assert assumed.reachable and "assumed reachable" in assumed.reason


def test_an_address_already_in_the_target_subnet_is_kept() -> None:
    (found,) = mobility(load_lab_text(MOVES), "inside", "dr1")
    assert (found.method, found.reachable, found.address) == ("stretched", True, "10.2.100.7")


def test_no_method_at_a_site_without_the_subnet() -> None:
    (found,) = mobility(load_lab_text(MOVES), "bare", "bare1")
    assert found.method == "none" and not found.reachable
    assert "declares no subnet for VLAN 100" in found.reason


def test_vm_reachable_after_move_joins_the_nics(lab: Lab) -> None:
    moves = load_lab_text(MOVES)
    ok, after, reason = vm_reachable_after_move(moves, "two", "dr1")
    assert ok and after == 1_200_000  # the slower of 1 minute and the 20-minute default
    assert reason.startswith("NIC 0:") and "NIC 1:" in reason
    assert vm_reachable_after_move(lab, "FS1", "dr-n1")[0] is False
    assert vm_reachable_after_move(lab, "WEB1", "dr-n1") == (
        True,
        0,
        "NIC 0: " + mobility(lab, "WEB1", "dr-n1")[0].reason,
    )


# --- Stretched clusters -----------------------------------------------------------------------
def test_witness_reach(lab: Lab) -> None:
    every = frozenset({"m-hq1", "m-hq2", "m-dr1", "m-dr2"})
    assert witness_reachable_by(lab, "METRO") == every
    # HQ's internet link fails: HQ reaches Azure through DR.
    assert witness_reachable_by(lab, "METRO", down(lab, "wan:HQ-Azure")) == every
    # ... until the metro link fails too.
    cut = down(lab, "wan:HQ-Azure", "wan:HQ-DR")
    assert witness_reachable_by(lab, "METRO", cut) == frozenset({"m-dr1", "m-dr2"})
    assert witness_reachable_by(lab, "METRO", down(lab, "site:Azure")) == frozenset()
    assert witness_reachable_by(lab, "METRO", down(lab, "node:m-hq1")) == every - {"m-hq1"}


def test_no_witness_site_means_everyone() -> None:
    plain = load_lab_text("name: p\nhosts: {a: {}, b: {}}\nclusters: {c: {nodes: [a, b]}}\n")
    assert witness_reachable_by(plain, "c") is None


def test_heartbeat_kind_feeds_route_timeout(lab: Lab) -> None:
    assert heartbeat_route_kind(lab, "m-hq1", "m-dr1") == "cross_site"
    assert heartbeat_route_kind(lab, "m-hq1", "m-hq2") == "same_subnet"
    metro = lab.clusters["METRO"]
    os = cluster_os(lab, metro)
    # Windows Server 2016: CrossSiteDelay 1000 ms x CrossSiteThreshold 20.
    assert route_timeout_ms(metro, os, heartbeat_route_kind(lab, "m-hq1", "m-dr1"), lab) == 20_000
    assert route_timeout_ms(metro, os, heartbeat_route_kind(lab, "m-hq1", "m-hq2"), lab) == 10_000


def test_routed_reachable(lab: Lab) -> None:
    # Management: 10.1.10.0/24 in HQ, 10.2.10.0/24 in DR → routed over HQ-DR.
    assert routed_reachable(lab, "METRO", "Management", "m-hq1", "m-dr1")
    # Cluster is stretched (the layer-2 engine's business), and a pair in one site is too.
    assert not routed_reachable(lab, "METRO", "Cluster", "m-hq1", "m-dr1")
    assert not routed_reachable(lab, "METRO", "Management", "m-hq1", "m-hq2")
    # The WAN route or a node gone.
    assert not routed_reachable(
        lab, "METRO", "Management", "m-hq1", "m-dr1", down(lab, "wan:HQ-DR")
    )
    assert not routed_reachable(
        lab, "METRO", "Management", "m-hq1", "m-dr1", down(lab, "node:m-dr1")
    )
    assert not routed_reachable(lab, "METRO", "Nope", "m-hq1", "m-dr1")


# --- HV201 asks routed_reachable ------------------------------------------------------------------
ROUTED = """
name: routed
sites:
  HQ: {subnets: {10: 10.1.10.0/24}}
  DR: {subnets: {10: 10.2.10.0/24}}
wan_links: {HQ-DR: {sites: [HQ, DR], bandwidth: 1G}}
switches:
  sw-hq: {site: HQ, ports: {1-2: {speed: 10G, edge: true}}}
  sw-dr: {site: DR, ports: {1-2: {speed: 10G, edge: true}}}
links: [["n1:A", "sw-hq:1"], ["n2:A", "sw-dr:1"]]
hosts:
  n1: &h
    site: HQ
    os: WindowsServer2016
    nics: {A: {speed: 10G}}
    vswitches: {SET: {members: [A], allow_management_os: true}}
    vnics: {Management: {switch: SET, vlan: 10}}
  n2: {<<: *h, site: DR}
clusters:
  c: {nodes: [n1, n2], networks: {Management: {vlan: 10, role: ClusterAndClient}}}
"""


def test_hv201_accepts_a_network_routed_between_sites() -> None:
    from hvlab.rules import check_lab

    routed = load_lab_text(ROUTED)
    assert routed_reachable(routed, "c", "Management", "n1", "n2")
    assert not check_lab(routed, select=["HV201"]).findings
    # Without the WAN link nothing joins the sites: no layer-2 path and no route.
    cut = load_lab_text(ROUTED.replace("wan_links: {HQ-DR: {sites: [HQ, DR], bandwidth: 1G}}", ""))
    assert [f.rule for f in check_lab(cut, select=["HV201"]).findings] == ["HV201"]


STRETCHED = """
name: stretched
sites:
  HQ: {subnets: {100: 10.1.100.0/24}}
  DR: {subnets: {100: 10.2.100.0/24}}
hosts:
  hq1: &h
    site: HQ
    os: WindowsServer2016
    nics: {A: {speed: 10G}}
    vswitches: {SET: {members: [A]}}
  dr1: {<<: *h, site: DR}
clusters:
  METRO: {nodes: [hq1, dr1]}
vms:
  APP: {cluster: METRO, host: hq1, memory: 4GiB,
        nics: [{switch: SET, vlan: 100, ip: 10.1.100.5}]}
"""


def test_rules_on_a_stretched_cluster_without_witness_or_wan() -> None:
    from hvlab.rules import check_lab

    found = {(f.rule, f.object) for f in check_lab(load_lab_text(STRETCHED)).findings}
    # 1 + 1 nodes and no witness; APP has no address in DR's subnet.
    assert ("HV703", "clusters.METRO.quorum") in found
    assert ("HV702", "vms.APP.nics[0]") in found
    # No WAN links: HV701 and HV704 have nothing to say.
    assert not {r for r, _ in found} & {"HV701", "HV704"}


def test_hv701_reports_replication_without_any_route() -> None:
    from hvlab.rules import check_lab

    lab = load_lab_text(
        """
name: r
sites: {HQ: {}, DR: {}, X: {}}
wan_links: {HQ-X: {sites: [HQ, X], bandwidth: 1G}}
hosts: {h1: {site: HQ}, d1: {site: DR}}
vms: {V: {host: h1, memory: 1GiB, replica: {to: d1}}}
"""
    )
    (finding,) = check_lab(lab, select=["HV701"]).findings
    assert "no WAN link joins HQ and DR" in finding.message
    assert "{" not in finding.fix
