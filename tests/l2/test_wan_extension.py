"""WAN links that extend VLANs at layer 2 (dark fibre, VPLS, OTV) in the layer-2 engine.

A WAN link with ``vlans`` and ``switches`` is a point-to-point trunk between the two
switches carrying exactly those VLANs, at the WAN bandwidth; a WAN link without ``vlans``
is routed and no layer-2 link.

Path costs are the long costs of IEEE 802.1D-2004 §17.14, Table 17-3 (20 Tb/s ÷ speed):
200 Mb/s 100,000; 1 Gb/s 20,000; 10 Gb/s 2,000. Which port blocks follows the priority
vectors and port role assignment of §17.6-17.7: the bridge away from the root keeps
the root port with the lowest root path cost (then designated bridge, designated port
identifier) and the other port toward the root becomes an alternate port, discarding.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hvlab import api
from hvlab.condition import Condition
from hvlab.l2.fromlab import WAN_MTU, failures_from_condition, topology_from_lab
from hvlab.l2.loops import find_problems
from hvlab.l2.network import L2View, analyse
from hvlab.l2.stp import Role, State, solve, solve_incremental
from hvlab.model.lab import Lab
from hvlab.model.load import load_lab_text

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
M = 1_000_000
G = 1_000_000_000

HQ_WAN = ("hq-sw1", "hq-sw1:wan:HQ-DR")
DR_WAN = ("dr-sw1", "dr-sw1:wan:HQ-DR")


@pytest.fixture(scope="module")
def replica() -> Lab:
    return api.load(EXAMPLES / "two-site-replica.yaml")


@pytest.fixture(scope="module")
def replica_view(replica: Lab) -> L2View:
    return analyse(replica)


def down(lab: Lab, *elements: str) -> L2View:
    return analyse(lab, Condition.none().with_failed(lab, *elements))


# ---------------------------------------------------------------------------
# the topology of two-site-replica.yaml


def test_extended_wan_link_is_a_trunk_between_the_two_switches(replica: Lab) -> None:
    lt = topology_from_lab(replica)
    wan_links = [link for link in lt.topology.links if link.id.startswith("wan:")]
    assert [(link.id, link.a, link.b) for link in wan_links] == [("wan:HQ-DR", HQ_WAN, DR_WAN)]
    assert dict(lt.wan_links) == {"HQ-DR": "wan:HQ-DR"}
    assert lt.link_cables["wan:HQ-DR"] == ()
    assert lt.peer(HQ_WAN) == (DR_WAN, "wan:HQ-DR")
    for ref, switch in ((HQ_WAN, "hq-sw1"), (DR_WAN, "dr-sw1")):
        lp = lt.ports[ref]
        assert (lp.switch, lp.name, lp.kind) == (switch, "wan:HQ-DR", "wan")
        assert lp.label == f"{switch}:wan:HQ-DR"
        assert lp.element == "wan:HQ-DR"  # what `--down` and the sweep fail
        assert lp.speed_bps == lp.member_speeds[0] == 200 * M
        assert lp.mtu == WAN_MTU == 1500
        assert lp.vlans.allowed == frozenset({20, 200})
        assert lp.vlans.untagged_vlan() is None  # VLAN 1 is not extended
        assert [v for v in (1, 10, 20, 100, 200, 300) if lp.vlans.carries(v)] == [20, 200]
        assert lt.ref_of(switch, "wan:HQ-DR") == ref
        port = lt.topology.port_by_ref[ref]
        # lowest free number after the lab's ports 1-16; default priority and cost
        assert (port.number, port.cost, port.speed_bps) == (17, None, 200 * M)
    assert any(n.startswith("wan:HQ-DR: VLAN 20, 200 extended") for n in lt.notes)


def test_routed_wan_links_are_not_layer_2_links(replica: Lab) -> None:
    lt = topology_from_lab(replica)
    # HQ-Azure and DR-Azure have no vlans: routed, no port, no link
    assert not any("Azure" in ref[1] for ref in lt.ports)
    assert [link.id for link in lt.topology.links] == ["wan:HQ-DR"]


def test_wan_port_cost_follows_the_bandwidth(replica_view: L2View) -> None:
    # IEEE 802.1D-2004 §17.14, Table 17-3: 20,000,000,000,000 / 200,000,000 = 100,000
    stp = replica_view.stp
    assert stp.port(*HQ_WAN).cost == stp.port(*DR_WAN).cost == 100_000


def test_one_spanning_tree_domain_across_both_sites(replica: Lab, replica_view: L2View) -> None:
    # hq-sw1 (priority 4096) is the root of both sites; dr-sw1 reaches it over the WAN.
    tree = replica_view.stp.tree(0)
    assert tree.root == "hq-sw1"
    assert tree.bridge("dr-sw1").root_port == "dr-sw1:wan:HQ-DR"
    assert tree.bridge("dr-sw1").root_path_cost == 100_000
    hq, dr = replica_view.stp.port(*HQ_WAN), replica_view.stp.port(*DR_WAN)
    assert (hq.role, hq.state) == (Role.DESIGNATED, State.FORWARDING)
    assert (dr.role, dr.state) == (Role.ROOT, State.FORWARDING)
    # cut the WAN: two domains again, dr-sw1 (8192) is its own root
    cut = down(replica, "wan:HQ-DR").stp
    assert set(cut.tree(0).roots) == {"hq-sw1", "dr-sw1"}


# ---------------------------------------------------------------------------
# paths


def test_stretched_cluster_vlan_crosses_the_wan(replica_view: L2View) -> None:
    path = replica_view.host_vlan_path("m-hq1", "m-dr1", 20)
    assert path is not None
    assert path.bottleneck_bps == path.aggregate_bps == 200 * M
    assert [(h.node, h.port, h.next_node, h.next_port, h.kind) for h in path.hops][1] == (
        "hq-sw1",
        "hq-sw1:wan:HQ-DR",
        "dr-sw1",
        "dr-sw1:wan:HQ-DR",
        "link",
    )
    assert path.text() == (
        "m-hq1:A → hq-sw1:5 → hq-sw1:wan:HQ-DR → dr-sw1:wan:HQ-DR → dr-sw1:5 → m-dr1:A "
        "(bottleneck 200M)"
    )
    assert path.crosses == frozenset({"hq-sw1", "dr-sw1"})
    cluster = replica_view.cluster_path("METRO", "Cluster", "m-hq1", "m-dr1")
    assert cluster is not None and cluster.bottleneck_bps == 200 * M


def test_stretched_vm_vlan_crosses_the_wan(replica_view: L2View) -> None:
    # VLAN 200 has VMs only: ERP1 on m-hq1 (HQ), CRM1 on m-dr1 (DR)
    path = replica_view.host_vlan_path("ERP1", "CRM1", 200)
    assert path is not None
    assert path.bottleneck_bps == 200 * M
    assert any(h.port == "hq-sw1:wan:HQ-DR" for h in path.hops)
    assert replica_view.reachable("WEB1", "CRM1", 200)


def test_routed_vlans_do_not_cross(replica_view: L2View) -> None:
    assert replica_view.host_vlan_path("m-hq1", "m-dr1", 10) is None
    assert replica_view.cluster_path("METRO", "Management", "m-hq1", "m-dr1") is None
    assert replica_view.host_vlan_path("m-hq1", "m-hq2", 10) is not None  # inside HQ


@pytest.mark.parametrize("element", ["wan:HQ-DR", "switch:dr-sw1", "site:DR"])
def test_paths_are_gone_when_the_wan_or_its_far_end_is_down(replica: Lab, element: str) -> None:
    view = down(replica, element)
    assert view.host_vlan_path("m-hq1", "m-dr1", 20) is None
    assert view.cluster_path("METRO", "Cluster", "m-hq1", "m-hq2") is not None
    if element == "wan:HQ-DR":
        assert view.host_vlan_path("ERP1", "CRM1", 200) is None
        assert view.cluster_path("METRO", "Cluster", "m-dr1", "m-dr2") is not None
    hq = view.stp.port(*HQ_WAN)  # HQ stays up: its end of the WAN has lost link
    assert (hq.role, hq.state) == (Role.DISABLED, State.DISABLED)


def test_failures_from_condition(replica: Lab) -> None:
    lt = topology_from_lab(replica)
    cut = Condition.none().with_failed(replica, "wan:HQ-DR")
    assert failures_from_condition(lt, cut).elements() == ("link:wan:HQ-DR",)
    # the routed WAN links are no part of layer 2
    other = Condition.none().with_failed(replica, "wan:HQ-Azure")
    assert not failures_from_condition(lt, other)
    far = Condition.none().with_failed(replica, "switch:dr-sw1")
    assert failures_from_condition(lt, far).elements() == ("switch:dr-sw1",)
    assert topology_from_lab(replica, cut).ports[HQ_WAN].up_members == ()


def test_incremental_wan_cut_equals_a_full_solve(replica: Lab, replica_view: L2View) -> None:
    lt = replica_view.topology
    after = solve_incremental(replica_view.stp, "link:wan:HQ-DR")
    full = solve(lt.topology, failures_from_condition(lt, down(replica, "wan:HQ-DR").condition))
    assert after.to_dict() == full.to_dict()


def test_no_loop_or_mismatch_from_the_wan(replica_view: L2View) -> None:
    problems = find_problems(replica_view)
    assert not problems.storms and not problems.mac_flaps
    assert not any("wan" in m.where for m in problems.vlan_mismatches)


# ---------------------------------------------------------------------------
# redundant layer-2 paths between sites: spanning tree blocks one WAN port


def two_sites(wan_links: str, cables: str = "", switches: str = "") -> Lab:
    return load_lab_text(
        f"""
name: wan-redundant
defaults: {{spanning_tree: {{protocol: rstp, path_cost: long}}}}
vlans: {{20: Stretched}}
sites: {{HQ: {{}}, DR: {{}}, C: {{}}}}
wan_links:
{wan_links}
switches:
  hq: {{mac: "00:1b:00:00:00:01", site: HQ, spanning_tree: {{priority: 4096}},
        ports: {{1-4: {{speed: 10G}}}}}}
  dr: {{mac: "00:1b:00:00:00:02", site: DR, ports: {{1-4: {{speed: 10G}}}}}}
  c: {{mac: "00:1b:00:00:00:03", site: C, ports: {{1-4: {{speed: 10G}}}}}}
{switches}
links:
  - ["h1:A", "hq:1"]
  - ["h2:A", "dr:1"]
{cables}
hosts:
  h1: {{site: HQ, nics: {{A: {{speed: 10G, vlan: 20}}}}}}
  h2: {{site: DR, nics: {{A: {{speed: 10G, vlan: 20}}}}}}
""",
        "wan-redundant.yaml",
    )


def test_the_slower_of_two_wan_links_is_blocked() -> None:
    lab = two_sites(
        "  W1: {sites: [HQ, DR], bandwidth: 1G, vlans: [20], switches: [hq, dr]}\n"
        "  W2: {sites: [HQ, DR], bandwidth: 200M, vlans: [20], switches: [hq, dr]}\n"
    )
    view = analyse(lab)
    stp = view.stp
    # dr's root path: 20,000 over W1 against 100,000 over W2 (802.1D-2004 Table 17-3)
    assert stp.port("dr", "dr:wan:W1").cost == 20_000
    assert stp.port("dr", "dr:wan:W2").cost == 100_000
    root = stp.port("dr", "dr:wan:W1")
    alt = stp.port("dr", "dr:wan:W2")
    assert (root.role, root.state) == (Role.ROOT, State.FORWARDING)
    assert (alt.role, alt.state) == (Role.ALTERNATE, State.DISCARDING)
    assert stp.port("hq", "hq:wan:W2").role == Role.DESIGNATED  # the root's ports designate
    path = view.host_vlan_path("h1", "h2", 20)
    assert path is not None and path.bottleneck_bps == 1 * G
    assert not find_problems(view).storms
    # W1 cut: W2 takes over at 200 Mb/s
    failover = down(lab, "wan:W1")
    assert failover.stp.port("dr", "dr:wan:W2").role == Role.ROOT
    path = failover.host_vlan_path("h1", "h2", 20)
    assert path is not None and path.bottleneck_bps == 200 * M


def test_equal_wan_links_tie_on_the_designated_port_id() -> None:
    # equal cost and designated bridge: the lower designated port identifier wins (§17.6);
    # W1's port is number 5 on hq (the lowest free after 1-4), W2's 6
    lab = two_sites(
        "  W1: {sites: [HQ, DR], bandwidth: 1G, vlans: [20], switches: [hq, dr]}\n"
        "  W2: {sites: [HQ, DR], bandwidth: 1G, vlans: [20], switches: [hq, dr]}\n"
    )
    lt = topology_from_lab(lab)
    assert lt.topology.port_by_ref[("hq", "hq:wan:W1")].number == 5
    assert lt.topology.port_by_ref[("hq", "hq:wan:W2")].number == 6
    stp = analyse(lab).stp
    assert stp.port("dr", "dr:wan:W1").role == Role.ROOT
    assert stp.port("dr", "dr:wan:W2").state == State.DISCARDING


def test_a_cable_beside_the_wan_link_blocks_the_wan() -> None:
    lab = two_sites(
        "  W1: {sites: [HQ, DR], bandwidth: 200M, vlans: [20], switches: [hq, dr]}\n",
        cables='  - ["hq:4", "dr:4"]\n',
    )
    stp = analyse(lab).stp
    assert stp.port("dr", "4").role == Role.ROOT  # 2,000 (10 Gb/s)
    blocked = stp.port("dr", "dr:wan:W1")
    assert (blocked.role, blocked.state, blocked.cost) == (
        Role.ALTERNATE,
        State.DISCARDING,
        100_000,
    )
    # the cable cut: the WAN carries the VLAN
    view = down(lab, "link:hq:4~dr:4")
    assert view.stp.port("dr", "dr:wan:W1").role == Role.ROOT
    path = view.host_vlan_path("h1", "h2", 20)
    assert path is not None and path.bottleneck_bps == 200 * M


def test_a_ring_of_three_sites_blocks_the_far_end_of_the_costly_side() -> None:
    # hq is the root. c's root path: 20,000 + 20,000 via dr against 100,000 direct,
    # so c's port on the 200 Mb/s HQ-C link is the alternate port.
    lab = two_sites(
        "  HQ-DR: {sites: [HQ, DR], bandwidth: 1G, vlans: [20], switches: [hq, dr]}\n"
        "  DR-C: {sites: [DR, C], bandwidth: 1G, vlans: [20], switches: [dr, c]}\n"
        "  HQ-C: {sites: [HQ, C], bandwidth: 200M, vlans: [20], switches: [hq, c]}\n"
    )
    stp = analyse(lab).stp
    assert stp.tree(0).root == "hq"
    assert stp.tree(0).bridge("c").root_port == "c:wan:DR-C"
    assert stp.tree(0).bridge("c").root_path_cost == 40_000
    alt = stp.port("c", "c:wan:HQ-C")
    assert (alt.role, alt.state) == (Role.ALTERNATE, State.DISCARDING)
    assert stp.port("hq", "hq:wan:HQ-C").role == Role.DESIGNATED


def test_wan_link_without_vlans_is_routed() -> None:
    lab = two_sites("  W1: {sites: [HQ, DR], bandwidth: 1G, switches: [hq, dr]}\n")
    view = analyse(lab)
    assert view.topology.topology.links == ()
    assert view.host_vlan_path("h1", "h2", 20) is None


def test_a_failed_stack_member_takes_its_wan_port_down() -> None:
    # the WAN lands on dr2, the second member of stack "drs"; dr2 fails, the stack lives
    lab = load_lab_text(
        """
name: wan-stack
defaults: {spanning_tree: {protocol: rstp, path_cost: long}}
sites: {HQ: {}, DR: {}}
wan_links:
  W1: {sites: [HQ, DR], bandwidth: 1G, vlans: [20], switches: [hq, dr2]}
switches:
  hq: {mac: "00:1b:00:00:00:01", site: HQ, spanning_tree: {priority: 4096},
       ports: {1-4: {speed: 10G}}}
  dr1: {mac: "00:1b:00:00:00:02", site: DR, stack: drs, ports: {1-4: {speed: 10G}}}
  dr2: {mac: "00:1b:00:00:00:04", site: DR, stack: drs, ports: {1-4: {speed: 10G}}}
links:
  - ["h1:A", "hq:1"]
  - ["h2:A", "dr1:1"]
hosts:
  h1: {site: HQ, nics: {A: {speed: 10G, vlan: 20}}}
  h2: {site: DR, nics: {A: {speed: 10G, vlan: 20}}}
""",
        "wan-stack.yaml",
    )
    lt = topology_from_lab(lab)
    ref = ("drs", "dr2:wan:W1")
    assert lt.ports[ref].switch == "dr2"
    path = analyse(lab).host_vlan_path("h1", "h2", 20)
    assert path is not None
    assert "dr2" in path.crosses  # the stack member the WAN lands on
    cond = Condition.none().with_failed(lab, "switch:dr2")
    failures = failures_from_condition(lt, cond)
    assert not failures.bridges and ref in failures.ports  # dr1 keeps the bridge up
    assert analyse(lab, cond).host_vlan_path("h1", "h2", 20) is None


def test_jumbo_frames_across_a_stretched_vlan_meet_the_assumed_wan_mtu() -> None:
    # the lab gives no MTU for a WAN link: 1500 is assumed, so 9000-byte packets between
    # the sites are a path MTU mismatch at the WAN hop
    lab = load_lab_text(
        """
name: wan-jumbo
defaults: {spanning_tree: {protocol: rstp, path_cost: long}}
sites: {HQ: {}, DR: {}}
wan_links:
  W1: {sites: [HQ, DR], bandwidth: 1G, vlans: [20], switches: [hq, dr]}
switches:
  hq: {site: HQ, ports: {1-4: {speed: 10G, mtu: 9216}}}
  dr: {site: DR, ports: {1-4: {speed: 10G, mtu: 9216}}}
links:
  - ["h1:A", "hq:1"]
  - ["h2:A", "dr:1"]
hosts:
  h1: {site: HQ, nics: {A: {speed: 10G, vlan: 20, mtu: 9000}}}
  h2: {site: DR, nics: {A: {speed: 10G, vlan: 20, mtu: 9000}}}
""",
        "wan-jumbo.yaml",
    )
    found = find_problems(analyse(lab)).mtu_mismatches
    assert [(m.kind, m.vlan, m.where, m.mtu, m.needed) for m in found] == [
        ("path", 20, "hq:wan:W1 → dr:wan:W1", WAN_MTU, 9000)
    ]
