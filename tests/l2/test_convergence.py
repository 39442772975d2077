"""Convergence times: 802.1D timers, RSTP handshakes, silent failures, LAG member loss."""

from __future__ import annotations

import dataclasses

import pytest

from hvlab.l2.convergence import (
    DEFAULT_HANDSHAKE_S,
    edge_port,
    lag_member_loss,
    port_changes,
    rstp_point_to_point,
    rstp_silent_failure_detection,
    settle_time,
    shared_link,
    stp_direct_failure,
    stp_indirect_failure,
)
from hvlab.l2.stp import solve, solve_incremental
from hvlab.l2.topology import Protocol, Timers, Topology

from .test_topologies import G, ten_gig, triangle


def test_timer_formulas() -> None:
    assert stp_direct_failure().seconds == 30.0
    assert stp_indirect_failure().seconds == 50.0
    assert rstp_silent_failure_detection().seconds == 6.0
    assert shared_link().seconds == 30.0
    assert edge_port().seconds == 0.0
    assert rstp_point_to_point(3).seconds == pytest.approx(3 * DEFAULT_HANDSHAKE_S)
    assert rstp_point_to_point(1).seconds < 1.0
    assert rstp_point_to_point(2, handshake_s=0.05).seconds == pytest.approx(0.1)
    fast = Timers(hello=1.0, max_age=6.0, forward_delay=4.0)
    assert stp_direct_failure(fast).seconds == 8.0
    assert stp_indirect_failure(fast).seconds == 14.0
    assert "forward delay" in stp_direct_failure().explanation


def _as(topo: Topology, protocol: Protocol, stp_bridges: tuple[str, ...] = ()) -> Topology:
    bridges = tuple(
        dataclasses.replace(
            b, protocol="stp" if b.name in stp_bridges or protocol == "stp" else protocol
        )
        for b in topo.bridges
    )
    return Topology(bridges, topo.ports, topo.links)


def _times(before: object, after: object) -> dict[str, float]:
    return {f"{c.bridge}:{c.port}": c.seconds for c in port_changes(before, after)}  # type: ignore[arg-type]


def test_802_1d_indirect_failure_takes_max_age_plus_two_forward_delays() -> None:
    # s2 loses its root port; s3:p2 keeps s2's stale information until it ages out
    before = solve(_as(triangle(), "stp"))
    after = solve_incremental(before, "link:s1:p1~s2:p1")
    assert _times(before, after) == {
        "s1:p1": 0.0,  # link down
        "s2:p1": 0.0,
        "s2:p2": 0.0,  # designated → root, keeps forwarding
        "s3:p2": 50.0,  # blocking → forwarding after max age + 2 × forward delay
    }
    assert settle_time(port_changes(before, after)).seconds == 50.0


def test_802_1d_direct_failure_takes_two_forward_delays() -> None:
    # s3 loses its own root port and has an alternate: listening + learning
    before = solve(_as(triangle(), "stp"))
    after = solve_incremental(before, "link:s3:p1~s1:p2")
    assert _times(before, after)["s3:p2"] == 30.0


def test_rstp_point_to_point_is_sub_second() -> None:
    before = solve(triangle())
    after = solve_incremental(before, "link:s1:p1~s2:p1")
    changes = port_changes(before, after)
    assert settle_time(changes).seconds < 1.0
    s3 = next(c for c in changes if (c.bridge, c.port) == ("s3", "p2"))
    assert (s3.role_before, s3.role_after) == ("alternate", "designated")
    assert s3.seconds == pytest.approx(DEFAULT_HANDSHAKE_S)
    direct = port_changes(before, solve_incremental(before, "link:s3:p1~s1:p2"))
    s3 = next(c for c in direct if (c.bridge, c.port) == ("s3", "p2"))
    assert s3.role_after == "root" and s3.seconds < 0.1
    assert "at once" in s3.explanation


def test_rstp_failure_without_link_loss_waits_three_hellos() -> None:
    before = solve(triangle())
    after = solve_incremental(before, "link:s1:p1~s2:p1")
    changes = port_changes(before, after, link_loss_detected=False)
    s3 = next(c for c in changes if (c.bridge, c.port) == ("s3", "p2"))
    assert s3.seconds == pytest.approx(6.0 + DEFAULT_HANDSHAKE_S)


def test_rstp_next_to_an_802_1d_bridge_is_no_faster_than_802_1d() -> None:
    before = solve(_as(triangle(), "rstp", stp_bridges=("s2",)))
    after = solve_incremental(before, "link:s1:p1~s2:p1")
    assert _times(before, after)["s3:p2"] == 30.0


def test_lag_member_loss() -> None:
    # ISL 2 × 10G → one member left (10G, cost 2,000): tor2 via the ISL is 12,000,
    # still better than 20,000 through core2 — no topology change, no STP time.
    before = solve(ten_gig(dual_homed=False))
    degraded = _with_speed(ten_gig(dual_homed=False), "Po1", 10 * G)
    assert lag_member_loss(before, solve(degraded)).seconds == 0.0
    # a 3 × 1G ISL (6,666) losing a member (2G, 10,000): tor2 via the ISL goes from
    # 16,666 to 20,000 and ties with the path through core2; core2 (8192) beats tor1
    # as designated bridge, so tor2 moves its root port to the uplink.
    slow_isl = _with_speed(ten_gig(dual_homed=False), "Po1", 3 * G)
    one_left = _with_speed(ten_gig(dual_homed=False), "Po1", 2 * G)
    assert solve(slow_isl).port("tor2", "Po1").role == "root"
    assert solve(one_left).port("tor2", "Po2").role == "root"
    tr = lag_member_loss(solve(slow_isl), solve(one_left))
    assert 0 < tr.seconds < 1.0
    assert "tor2" in tr.explanation


def _with_speed(topo: Topology, lag: str, speed: int) -> Topology:
    ports = tuple(
        dataclasses.replace(p, speed_bps=speed)
        if p.name == lag and p.bridge.startswith("tor")
        else p
        for p in topo.ports
    )
    return Topology(topo.bridges, ports, topo.links)
