"""Hand-worked topologies: the expected roles are written out literally and worked by hand.

Costs are IEEE 802.1D-2004 long costs unless a test says otherwise:
1 Gb/s = 20,000; 2 × 1 Gb/s LAG = 10,000; 10 Gb/s = 2,000; 2 × 10 Gb/s LAG = 1,000.
"""

from __future__ import annotations

from hvlab.l2.stp import solve, solve_incremental
from hvlab.l2.topology import Bridge, Failures, Link, MstConfig, Port, Topology

G = 1_000_000_000


def roles(result: object, tree: int = 0) -> dict[str, str]:
    """``"bridge:port" → "role/state"`` of one tree."""
    from hvlab.l2.stp import SpanningTreeResult

    assert isinstance(result, SpanningTreeResult)
    return {f"{p.bridge}:{p.port}": f"{p.role}/{p.state}" for p in result.trees[tree].ports()}


def ring(n: int, protocol: str = "rstp", speed: int = G) -> Topology:
    """Bridges s1..sn in a ring; s1 has priority 4096; sK:p1 faces s(K-1), sK:p2 faces s(K+1)."""
    bridges = [
        Bridge(f"s{i}", i, protocol=protocol, priority=4096 if i == 1 else 32768)  # type: ignore[arg-type]
        for i in range(1, n + 1)
    ]
    ports = [Port(f"s{i}", f"p{k}", k, speed_bps=speed) for i in range(1, n + 1) for k in (1, 2)]
    links = [Link((f"s{i}", "p2"), (f"s{i % n + 1}", "p1")) for i in range(1, n + 1)]
    return Topology(tuple(bridges), tuple(ports), tuple(links))


def triangle() -> Topology:
    """s1 (root), s2, s3: s1:p1–s2:p1, s2:p2–s3:p2, s3:p1–s1:p2, all 1 Gb/s."""
    bridges = (
        Bridge("s1", "00:00:00:00:00:01", priority=4096),
        Bridge("s2", "00:00:00:00:00:02"),
        Bridge("s3", "00:00:00:00:00:03"),
    )
    ports = tuple(Port(b, f"p{i}", i, speed_bps=G) for b in ("s1", "s2", "s3") for i in (1, 2))
    links = (
        Link(("s1", "p1"), ("s2", "p1")),
        Link(("s2", "p2"), ("s3", "p2")),
        Link(("s3", "p1"), ("s1", "p2")),
    )
    return Topology(bridges, ports, links)


def test_triangle() -> None:
    # s2 and s3 reach s1 directly (20,000 each). On s2–s3 both offer 20,000:
    # designated bridge decides, s2 (…02) beats s3 (…03): s3:p2 is blocked.
    assert roles(solve(triangle())) == {
        "s1:p1": "designated/forwarding",
        "s1:p2": "designated/forwarding",
        "s2:p1": "root/forwarding",
        "s2:p2": "designated/forwarding",
        "s3:p1": "root/forwarding",
        "s3:p2": "alternate/discarding",
    }


def test_triangle_after_root_link_failure() -> None:
    after = solve(triangle(), Failures.of("link:s1:p1~s2:p1"))
    # s2 now reaches s1 through s3 (40,000): its p2 becomes root port.
    assert roles(after) == {
        "s1:p1": "disabled/disabled",
        "s1:p2": "designated/forwarding",
        "s2:p1": "disabled/disabled",
        "s2:p2": "root/forwarding",
        "s3:p1": "root/forwarding",
        "s3:p2": "designated/forwarding",
    }
    assert after.trees[0].bridge("s2").root_path_cost == 40_000


def test_square_802_1d() -> None:
    # s1 root. s2 and s4: 4 (short cost of 1 Gb/s) straight to s1. s3: 8 through s2 or
    # through s4; equal cost, so the lower designated bridge (s2) wins: s3:p1 root,
    # s3:p2 (towards s4) blocks. 802.1D reports it alternate/blocking.
    result = solve(ring(4, protocol="stp"))
    assert roles(result) == {
        "s1:p1": "designated/forwarding",
        "s1:p2": "designated/forwarding",
        "s2:p1": "root/forwarding",
        "s2:p2": "designated/forwarding",
        "s3:p1": "root/forwarding",
        "s3:p2": "alternate/blocking",
        "s4:p1": "designated/forwarding",
        "s4:p2": "root/forwarding",
    }
    assert [b.root_path_cost for b in result.trees[0].bridges()] == [0, 4, 8, 4]
    assert result.protocol == "stp"


def test_square_rstp_long_costs() -> None:
    result = solve(ring(4))
    assert roles(result)["s3:p2"] == "alternate/discarding"
    assert [b.root_path_cost for b in result.trees[0].bridges()] == [0, 20_000, 40_000, 20_000]


# ---------------------------------------------------------------------------
# the field note: two 10 Gb/s ToR switches, a 2 × 10G LAG between them, LAG
# uplinks to two 1 Gb/s core switches

CLUSTER_VLANS = (20, 30, 40)  # heartbeat, CSV, live migration
VM_VLANS = (10, 100)  # management, VM production


def ten_gig(dual_homed: bool, protocol: str = "rstp", mst: MstConfig | None = None) -> Topology:
    """core1 (4096), core2 (8192), tor1, tor2 (32768).

    core1:Po1–core2:Po1   2 × 1G LAG  = 10,000
    tor1:Po1–tor2:Po1     2 × 10G LAG =  1,000 (the ISL)
    tor1:Po2–core1:Po2    2 × 1G LAG  = 10,000
    tor2:Po2–core2:Po2 (square) or tor2:Po2–core1:Po3 (dual-homed)
    dual-homed adds tor1:Po3–core2:Po3 and tor2:Po3–core2:Po4.
    """
    kw = {"protocol": protocol, "mst": mst}
    bridges = (
        Bridge("core1", "00:1b:00:00:00:01", priority=4096, **kw),  # type: ignore[arg-type]
        Bridge("core2", "00:1b:00:00:00:02", priority=8192, **kw),  # type: ignore[arg-type]
        Bridge(
            "tor1",
            "00:1b:00:00:01:01",
            msti_priority=((1, 4096),),
            **kw,  # type: ignore[arg-type]
        ),
        Bridge(
            "tor2",
            "00:1b:00:00:01:02",
            msti_priority=((1, 8192),),
            **kw,  # type: ignore[arg-type]
        ),
    )
    lag1, lag10 = 2 * G, 20 * G
    ports = [
        Port("core1", "Po1", 1, speed_bps=lag1),
        Port("core2", "Po1", 1, speed_bps=lag1),
        Port("tor1", "Po1", 1, speed_bps=lag10),
        Port("tor2", "Po1", 1, speed_bps=lag10),
        Port("tor1", "Po2", 2, speed_bps=lag1),
        Port("core1", "Po2", 2, speed_bps=lag1),
        Port("tor2", "Po2", 2, speed_bps=lag1),
    ]
    links = [
        Link(("core1", "Po1"), ("core2", "Po1")),
        Link(("tor1", "Po1"), ("tor2", "Po1")),
        Link(("tor1", "Po2"), ("core1", "Po2")),
    ]
    if dual_homed:
        ports += [
            Port("core1", "Po3", 3, speed_bps=lag1),
            Port("tor1", "Po3", 3, speed_bps=lag1),
            Port("core2", "Po3", 3, speed_bps=lag1),
            Port("tor2", "Po3", 3, speed_bps=lag1),
            Port("core2", "Po4", 4, speed_bps=lag1),
        ]
        links += [
            Link(("tor2", "Po2"), ("core1", "Po3")),
            Link(("tor1", "Po3"), ("core2", "Po3")),
            Link(("tor2", "Po3"), ("core2", "Po4")),
        ]
    else:
        ports.append(Port("core2", "Po2", 2, speed_bps=lag1))
        links.append(Link(("tor2", "Po2"), ("core2", "Po2")))
    return Topology(tuple(bridges), tuple(ports), tuple(links))


def test_field_note_square_rstp_blocks_an_uplink() -> None:
    # core2: 10,000 straight to core1 (via tor2 and tor1: 21,000).
    # tor1: 10,000 on Po2.  tor2: via the ISL 10,000 + 1,000 = 11,000, via core2
    # 10,000 + 10,000 = 20,000 → root port Po1 (the ISL).
    # tor2–core2: core2 offers 10,000, tor2 11,000 → core2:Po2 designated,
    # tor2:Po2 alternate. The ISL forwards; cluster traffic stays on 10 Gb/s.
    result = solve(ten_gig(dual_homed=False))
    assert roles(result) == {
        "core1:Po1": "designated/forwarding",
        "core2:Po1": "root/forwarding",
        "tor1:Po1": "designated/forwarding",
        "tor2:Po1": "root/forwarding",
        "tor1:Po2": "root/forwarding",
        "core1:Po2": "designated/forwarding",
        "tor2:Po2": "alternate/discarding",
        "core2:Po2": "designated/forwarding",
    }
    assert result.trees[0].bridge("tor2").root_path_cost == 11_000


def test_field_note_dual_homed_rstp_blocks_the_isl() -> None:
    # Both ToRs have a 10,000 uplink to core1 (the root). On the ISL both offer
    # 10,000; tor1 (…01:01) beats tor2 (…01:02): tor2:Po1 — the 2 × 10G ISL — is
    # an alternate port. Cluster traffic tor2 → tor1 crosses core1 at 2 Gb/s.
    # On the uplinks to core2 (8192) both ToRs lose to core2: Po3 alternate.
    result = solve(ten_gig(dual_homed=True))
    assert roles(result) == {
        "core1:Po1": "designated/forwarding",
        "core2:Po1": "root/forwarding",
        "tor1:Po1": "designated/forwarding",
        "tor2:Po1": "alternate/discarding",
        "tor1:Po2": "root/forwarding",
        "core1:Po2": "designated/forwarding",
        "tor2:Po2": "root/forwarding",
        "core1:Po3": "designated/forwarding",
        "tor1:Po3": "alternate/discarding",
        "core2:Po3": "designated/forwarding",
        "tor2:Po3": "alternate/discarding",
        "core2:Po4": "designated/forwarding",
    }


def test_field_note_dual_homed_mstp_keeps_cluster_vlans_on_the_isl() -> None:
    # One region "dc": cluster VLANs 20/30/40 on MSTI 1 (tor1 4096, tor2 8192),
    # management and VM VLANs on the CIST (core1 root).
    mst = MstConfig.from_instances("dc", 1, {1: CLUSTER_VLANS})
    result = solve(ten_gig(dual_homed=True, protocol="mstp", mst=mst))
    assert len(result.regions) == 1 and result.regions[0].regional_root == "core1"
    # CIST: as RSTP, the ISL blocks (internal costs instead of external ones).
    assert roles(result, 0)["tor2:Po1"] == "alternate/discarding"
    # MSTI 1, root tor1: tor2 via the ISL 1,000 (via core1: 20,000) → ISL root port.
    # core1 and core2 reach tor1 directly (10,000; via tor2 11,000). core1 (…01)
    # beats core2 (…02) on their LAG at equal cost and equal MSTI priority; tor2
    # (1,000) is designated towards both cores.
    assert roles(result, 1) == {
        "core1:Po1": "designated/forwarding",
        "core2:Po1": "alternate/discarding",
        "tor1:Po1": "designated/forwarding",
        "tor2:Po1": "root/forwarding",
        "tor1:Po2": "designated/forwarding",
        "core1:Po2": "root/forwarding",
        "tor2:Po2": "designated/forwarding",
        "core1:Po3": "alternate/discarding",
        "tor1:Po3": "designated/forwarding",
        "core2:Po3": "root/forwarding",
        "tor2:Po3": "designated/forwarding",
        "core2:Po4": "alternate/discarding",
    }
    assert result.trees[1].root == "tor1"
    for vlan in CLUSTER_VLANS:
        assert result.tree_for_vlan("tor2", vlan) == 1
        assert result.vlan_port("tor2", "Po1", vlan).state == "forwarding"
    for vlan in VM_VLANS:
        assert result.tree_for_vlan("tor2", vlan) == 0
        assert result.vlan_port("tor2", "Po1", vlan).state == "discarding"
        assert result.vlan_port("tor2", "Po2", vlan).state == "forwarding"  # via core1


def test_field_note_mstp_region_of_tors_only() -> None:
    # Cores run RSTP; the ToRs are a region of their own. From outside the region is
    # one bridge: its regional root is tor1 (external cost 10,000, lower id than tor2),
    # and tor2 prefers the internal ISL (same external cost, better regional root)
    # over its own uplink, so the ISL forwards for every VLAN.
    mst = MstConfig.from_instances("tors", 1, {1: CLUSTER_VLANS})
    topo = ten_gig(dual_homed=True)
    bridges = tuple(
        Bridge(b.name, b.mac, protocol="mstp", mst=mst, msti_priority=b.msti_priority)
        if b.name.startswith("tor")
        else b
        for b in topo.bridges
    )
    result = solve(Topology(bridges, topo.ports, topo.links))
    assert [r.bridges for r in result.regions] == [("tor1", "tor2")]
    assert result.regions[0].regional_root == "tor1"
    cist = roles(result, 0)
    assert cist["tor2:Po1"] == "root/forwarding"
    assert cist["tor2:Po2"] == "alternate/discarding"
    tor2 = result.trees[0].bridge("tor2")
    assert (tor2.root, tor2.regional_root, tor2.root_path_cost) == ("core1", "tor1", 10_000)
    assert tor2.internal_root_path_cost == 1_000
    # boundary ports follow the CIST in MSTI 1: tor1:Po2 is the master port
    msti = roles(result, 1)
    assert msti["tor1:Po2"] == "master/forwarding"
    assert msti["tor2:Po2"] == "alternate/discarding"
    assert msti["tor2:Po1"] == "root/forwarding"
    assert result.port("tor1", "Po2", 1).boundary


def test_field_note_isl_failure_under_rstp() -> None:
    before = solve(ten_gig(dual_homed=False))
    after = solve_incremental(before, "lag:tor1:Po1")
    # without the ISL tor2 goes through core2 (20,000): its uplink forwards again
    assert roles(after)["tor2:Po2"] == "root/forwarding"
    assert after.trees[0].bridge("tor2").root_path_cost == 20_000


def test_star_into_a_stack_blocks_nothing() -> None:
    # A stack is one bridge; each ToR's LAG has members on both stack units, so it is
    # one logical port and one link: a star, nothing to block.
    bridges = (
        Bridge("core-stack", "00:1b:00:00:00:10", priority=4096),
        Bridge("tor1", "00:1b:00:00:01:01"),
        Bridge("tor2", "00:1b:00:00:01:02"),
    )
    ports = (
        Port("core-stack", "Po11", 11, speed_bps=20 * G),
        Port("core-stack", "Po12", 12, speed_bps=20 * G),
        Port("tor1", "Po2", 2, speed_bps=20 * G),
        Port("tor2", "Po2", 2, speed_bps=20 * G),
        Port("tor1", "Eth1/1", 3, speed_bps=10 * G, edge=True),  # a host
    )
    links = (
        Link(("tor1", "Po2"), ("core-stack", "Po11")),
        Link(("tor2", "Po2"), ("core-stack", "Po12")),
    )
    result = solve(Topology(bridges, ports, links))
    assert all(p.state == "forwarding" for p in result.trees[0].ports())
    assert roles(result) == {
        "core-stack:Po11": "designated/forwarding",
        "core-stack:Po12": "designated/forwarding",
        "tor1:Po2": "root/forwarding",
        "tor2:Po2": "root/forwarding",
        "tor1:Eth1/1": "designated/forwarding",
    }
    assert result.port("tor1", "Po2").cost == 1_000
    assert result.loops == ()


# ---------------------------------------------------------------------------
# tie-breaks, special ports, non-STP bridges


def _pair(
    extra_ports: tuple[Port, ...] = (), links: tuple[Link, ...] = (), **root_kw: object
) -> Topology:
    bridges = (Bridge("r", 1, priority=4096), Bridge("s", 2))
    return Topology(bridges, extra_ports, links)


def test_designated_port_id_breaks_a_cost_tie() -> None:
    # Two equal links r–s. r:p2 has priority 64 → port id 0x4002 < r:p1's 0x8001, so s
    # takes the link to r:p2 as root port whatever its own port numbers are.
    ports = (
        Port("r", "p1", 1, speed_bps=G),
        Port("r", "p2", 2, priority=64, speed_bps=G),
        Port("s", "p1", 1, speed_bps=G),
        Port("s", "p2", 2, speed_bps=G),
    )
    links = (Link(("r", "p1"), ("s", "p1")), Link(("r", "p2"), ("s", "p2")))
    assert roles(solve(_pair(ports, links))) == {
        "r:p1": "designated/forwarding",
        "r:p2": "designated/forwarding",
        "s:p1": "alternate/discarding",
        "s:p2": "root/forwarding",
    }


def test_receiving_port_id_breaks_the_last_tie_on_a_shared_lan() -> None:
    # r and s share one LAN through a hub that runs no spanning tree; s has two ports
    # on it. Both receive the same message from r:p1, so the lower receiving port id
    # (s:p1 priority 16 → 0x1001) is root port; s:p2 hears r, not itself: alternate.
    bridges = (Bridge("r", 1, priority=4096), Bridge("s", 2), Bridge("hub", 3, protocol="none"))
    ports = (
        Port("r", "p1", 1, speed_bps=G),
        Port("s", "p1", 1, priority=16, speed_bps=G),
        Port("s", "p2", 2, speed_bps=G),
        *(Port("hub", f"h{i}", i, speed_bps=G) for i in (1, 2, 3)),
    )
    links = (
        Link(("r", "p1"), ("hub", "h1")),
        Link(("s", "p1"), ("hub", "h2")),
        Link(("s", "p2"), ("hub", "h3")),
    )
    result = solve(Topology(bridges, ports, links))
    assert roles(result) == {
        "r:p1": "designated/forwarding",
        "s:p1": "root/forwarding",
        "s:p2": "alternate/discarding",
        "hub:h1": "designated/forwarding",
        "hub:h2": "designated/forwarding",
        "hub:h3": "designated/forwarding",
    }
    assert not result.port("s", "p1").point_to_point
    assert not result.port("hub", "h1").stp
    assert result.port("s", "p2").designated == ("r", "p1")
    assert result.loops == ()


def test_cable_between_two_ports_of_one_bridge_is_a_backup() -> None:
    # The "tidying up" story of the field note: both ends of a cable in one switch.
    bridges = (Bridge("s", 1),)
    ports = (Port("s", "p1", 1, speed_bps=G), Port("s", "p2", 2, speed_bps=G))
    result = solve(Topology(bridges, ports, (Link(("s", "p1"), ("s", "p2")),)))
    assert roles(result) == {"s:p1": "designated/forwarding", "s:p2": "backup/discarding"}


def test_bpdu_filter_lets_a_loop_form() -> None:
    ports = (
        Port("r", "p1", 1, speed_bps=G),
        Port("r", "p2", 2, speed_bps=G, bpdu_filter=True),
        Port("s", "p1", 1, speed_bps=G),
        Port("s", "p2", 2, speed_bps=G),
    )
    links = (Link(("r", "p1"), ("s", "p1")), Link(("r", "p2"), ("s", "p2")))
    result = solve(_pair(ports, links))
    # r:p2 sends nothing and drops what s:p2 sends: s:p2 hears no one, so designated.
    assert roles(result) == {
        "r:p1": "designated/forwarding",
        "r:p2": "designated/forwarding",
        "s:p1": "root/forwarding",
        "s:p2": "designated/forwarding",
    }
    assert result.port("r", "p2").bpdu_filtered
    assert len(result.loops) == 1
    loop = result.loops[0]
    assert loop.bridges == ("r", "s")
    assert loop.causes == ("bpdu_filter on r:p2",)
    assert set(loop.links) == {"r:p1~s:p1", "r:p2~s:p2"}


def test_bpdu_guard_err_disables_an_edge_port_that_hears_a_bridge() -> None:
    ports = (
        Port("r", "p1", 1, speed_bps=G, edge=True, bpdu_guard=True),
        Port("s", "p1", 1, speed_bps=G),
        Port("r", "p2", 2, speed_bps=G, edge=True, bpdu_guard=True),  # a host: stays up
    )
    result = solve(_pair(ports, (Link(("r", "p1"), ("s", "p1")),)))
    assert roles(result) == {
        "r:p1": "disabled/disabled",
        "s:p1": "disabled/disabled",
        "r:p2": "designated/forwarding",
    }
    assert result.port("r", "p1").err_disabled
    assert not result.port("s", "p1").err_disabled
    # with bpdu_filter too, the filter wins: nothing arrives, nothing trips
    ports2 = (
        Port("r", "p1", 1, speed_bps=G, edge=True, bpdu_guard=True, bpdu_filter=True),
        Port("s", "p1", 1, speed_bps=G),
    )
    result2 = solve(_pair(ports2, (Link(("r", "p1"), ("s", "p1")),)))
    assert not result2.port("r", "p1").err_disabled


def test_loop_of_bridges_without_spanning_tree() -> None:
    bridges = (Bridge("h1", 1, protocol="none"), Bridge("h2", 2, protocol="none"))
    ports = tuple(Port(b, f"p{i}", i) for b in ("h1", "h2") for i in (1, 2))
    links = (Link(("h1", "p1"), ("h2", "p1")), Link(("h1", "p2"), ("h2", "p2")))
    result = solve(Topology(bridges, ports, links))
    assert [lp.causes for lp in result.loops] == [
        ("no spanning tree on h1", "no spanning tree on h2")
    ]


def test_stp_bridge_reports_backup_as_alternate() -> None:
    bridges = (Bridge("s", 1, protocol="stp"),)
    ports = (Port("s", "p1", 1, speed_bps=G), Port("s", "p2", 2, speed_bps=G))
    result = solve(Topology(bridges, ports, (Link(("s", "p1"), ("s", "p2")),)))
    assert roles(result) == {"s:p1": "designated/forwarding", "s:p2": "alternate/blocking"}


def test_failed_bridge_and_partition() -> None:
    # s2 down in a 4-ring: the rest stays one tree rooted at s1 (s3 via s4).
    result = solve(ring(4), Failures.of("switch:s2"))
    assert result.trees[0].roots == ("s1",)
    assert result.port("s3", "p2").role == "root"
    assert result.port("s2", "p1").state == "disabled"
    # s1 and s3 down: s2 and s4 are each alone, each its own root
    split = solve(ring(4), Failures.of("switch:s1", "switch:s3"))
    assert split.trees[0].roots == ("s2", "s4")


def test_json_shape() -> None:
    data = solve(triangle()).to_dict()
    assert data["protocol"] == "rstp"
    tree = data["trees"][0]
    assert tree["instance"] == 0 and tree["root"] == "s1"
    assert tree["ports"][5] | {} == {
        "switch": "s3",
        "port": "p2",
        "role": "alternate",
        "state": "discarding",
        "cost": 20_000,
        "designated": "s2:p2",
        "boundary": False,
        "edge": False,
        "err_disabled": False,
        "bpdu_filtered": False,
        "stp": True,
    }
