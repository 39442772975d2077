"""The identifiers and the priority-vector comparison rules, pinned one by one."""

from __future__ import annotations

import pytest

from hvlab.l2.stp import solve
from hvlab.l2.topology import (
    Bridge,
    Failures,
    Link,
    Port,
    Topology,
    TopologyError,
    format_mac,
    parse_mac,
    port_identifier,
)

G = 1_000_000_000


def test_mac_parsing() -> None:
    for text in ("00:1b:00:00:01:02", "00-1B-00-00-01-02", "001b.0000.0102", "001b00000102"):
        assert parse_mac(text) == 0x001B00000102
    assert format_mac(0x001B00000102) == "00:1b:00:00:01:02"
    with pytest.raises(TopologyError):
        parse_mac("00:1b:00:00:01")
    with pytest.raises(TopologyError):
        parse_mac(1 << 48)


def test_bridge_identifier() -> None:
    # 802.1D-2004 §9.2.5: 4-bit priority + 12-bit system id extension (0 here) + MAC
    assert Bridge("s", "00:00:00:00:00:01", priority=32768).bridge_id() == 0x8000_000000000001
    # 802.1D-1998 / Linux: any 16-bit priority
    assert Bridge("s", 1, protocol="stp", priority=100).bridge_id() == (100 << 48) | 1
    with pytest.raises(TopologyError):
        Bridge("s", 1, protocol="rstp", priority=100)
    with pytest.raises(TopologyError):
        Bridge("s", 1, protocol="mstp", msti_priority=((1, 4097),))


@pytest.mark.parametrize(
    ("priority", "number", "fmt", "port_id"),
    [
        (128, 1, "802.1D-2004", 0x8001),
        (16, 4095, "802.1D-2004", 0x1FFF),
        (128, 1, "802.1D-1998", 0x8001),
        (255, 255, "802.1D-1998", 0xFFFF),
        (32, 1, "linux", 0x8001),  # the kernel's default: port_id 0x8001
        (33, 1, "linux", 0x8401),
        (63, 1023, "linux", 0xFFFF),
    ],
)
def test_port_identifier(priority: int, number: int, fmt: str, port_id: int) -> None:
    assert port_identifier(priority, number, fmt) == port_id  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("priority", "number", "fmt"),
    [(100, 1, "802.1D-2004"), (128, 4096, "802.1D-2004"), (64, 1, "linux"), (32, 1024, "linux"),
     (128, 256, "802.1D-1998"), (128, 0, "802.1D-2004")],
)  # fmt: skip
def test_port_identifier_ranges(priority: int, number: int, fmt: str) -> None:
    with pytest.raises(TopologyError):
        port_identifier(priority, number, fmt)  # type: ignore[arg-type]


def _line(prios: tuple[int, int], macs: tuple[int, int]) -> Topology:
    bridges = tuple(Bridge(f"s{i}", macs[i], priority=prios[i]) for i in range(2))
    ports = (Port("s0", "p1", 1, speed_bps=G), Port("s1", "p1", 1, speed_bps=G))
    return Topology(bridges, ports, (Link(("s0", "p1"), ("s1", "p1")),))


def test_lowest_bridge_id_is_root_priority_first_then_mac() -> None:
    assert solve(_line((4096, 32768), (9, 1))).trees[0].root == "s0"
    assert solve(_line((32768, 32768), (9, 1))).trees[0].root == "s1"


def test_root_port_order_cost_then_designated_bridge_then_port_then_receiving_port() -> None:
    # x reaches root r through a (cost 20,000 + 20,000) or through b (same); a < b,
    # so x's port towards a is root port although x:p2 (towards b) has the lower
    # receiving port id.
    bridges = (
        Bridge("r", 1, priority=0),
        Bridge("a", 2),
        Bridge("b", 3),
        Bridge("x", 4),
    )
    ports = (
        Port("r", "p1", 1, speed_bps=G),
        Port("r", "p2", 2, speed_bps=G),
        Port("a", "p1", 1, speed_bps=G),
        Port("a", "p2", 2, speed_bps=G),
        Port("b", "p1", 1, speed_bps=G),
        Port("b", "p2", 2, speed_bps=G),
        Port("x", "p1", 1, priority=240, speed_bps=G),
        Port("x", "p2", 2, priority=0, speed_bps=G),
    )
    links = (
        Link(("r", "p1"), ("a", "p1")),
        Link(("r", "p2"), ("b", "p1")),
        Link(("a", "p2"), ("x", "p1")),
        Link(("b", "p2"), ("x", "p2")),
    )
    topo = Topology(bridges, ports, links)
    result = solve(topo)
    assert result.port("x", "p1").role == "root"
    assert result.port("x", "p2").role == "alternate"
    # a lower cost wins over everything: make the path through b cheaper
    cheaper = Topology(
        bridges,
        (
            *(
                Port("b", "p2", 2, speed_bps=10 * G) if p.ref == ("b", "p2") else p
                for p in ports[:7]
            ),
            Port("x", "p2", 2, priority=0, speed_bps=10 * G),
        ),
        links,
    )
    assert solve(cheaper).port("x", "p2").role == "root"


def test_designated_port_is_lower_root_path_cost_then_bridge_id() -> None:
    # on a–b both are one hop from r: a (lower id) is designated on the a–b link
    bridges = (Bridge("r", 1, priority=0), Bridge("a", 2), Bridge("b", 3))
    ports = tuple(Port(b, f"p{i}", i, speed_bps=G) for b in ("r", "a", "b") for i in (1, 2))
    links = (
        Link(("r", "p1"), ("a", "p1")),
        Link(("r", "p2"), ("b", "p1")),
        Link(("a", "p2"), ("b", "p2")),
    )
    result = solve(Topology(bridges, ports, links))
    assert (result.port("a", "p2").role, result.port("b", "p2").role) == ("designated", "alternate")
    # a:p1 at 100 Mb/s costs 200,000: a now reaches r through b (20,000 + 20,000),
    # so b (root path cost 20,000 < 40,000) is designated on a–b and a:p1 is alternate
    slow = Topology(
        bridges,
        tuple(Port("a", "p1", 1, speed_bps=G // 10) if p.ref == ("a", "p1") else p for p in ports),
        links,
    )
    result = solve(slow)
    assert result.port("a", "p2").role == "root"
    assert result.port("b", "p2").role == "designated"
    assert result.port("a", "p1").role == "alternate"
    assert result.trees[0].bridge("a").root_path_cost == 40_000


def test_admin_down_and_failed_ports() -> None:
    bridges = (Bridge("r", 1, priority=0), Bridge("a", 2))
    ports = (
        Port("r", "p1", 1, speed_bps=G, admin_up=False),
        Port("a", "p1", 1, speed_bps=G),
        Port("r", "p2", 2, speed_bps=G),
        Port("a", "p2", 2, speed_bps=G),
    )
    links = (Link(("r", "p1"), ("a", "p1")), Link(("r", "p2"), ("a", "p2")))
    topo = Topology(bridges, ports, links)
    result = solve(topo)
    assert [str(p.state) for p in result.trees[0].ports()] == [
        "disabled", "disabled", "forwarding", "forwarding",
    ]  # fmt: skip
    result = solve(topo, Failures.of("port:a:p2"))
    assert result.trees[0].roots == ("r", "a")
    with pytest.raises(TopologyError):
        solve(topo, Failures.of("port:a:p9"))


def test_topology_validation() -> None:
    b = (Bridge("s", 1),)
    with pytest.raises(TopologyError):
        Topology(b, (Port("s", "p1", 1), Port("s", "p2", 1)))
    with pytest.raises(TopologyError):
        Topology(b, (Port("t", "p1", 1),))
    with pytest.raises(TopologyError):
        Topology(b, (Port("s", "p1", 1),), (Link(("s", "p1"), ("s", "p9")),))
    with pytest.raises(TopologyError):
        Topology((*b, Bridge("s", 2)), ())
    with pytest.raises(TopologyError):
        Topology((Bridge("s", 1, port_id_format="linux"),), (Port("s", "p1", 1, priority=128),))
    with pytest.raises(TopologyError):
        Failures.of("nic:h1:NIC1")
