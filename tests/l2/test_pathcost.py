"""Path-cost tables: IEEE 802.1D-1998 (short), 802.1t/802.1D-2004 (long), Linux bridge."""

from __future__ import annotations

import pytest

from hvlab.l2.pathcost import (
    lag_speed,
    linux_path_cost,
    long_path_cost,
    path_cost,
    short_path_cost,
)
from hvlab.l2.stp import solve
from hvlab.l2.topology import Bridge, Link, Port, Topology

K, M, G, T = 1_000, 1_000_000, 1_000_000_000, 1_000_000_000_000


@pytest.mark.parametrize(
    ("speed", "cost"),
    # IEEE 802.1D-1998 Table 8-5
    [
        *[(4 * M, 250), (10 * M, 100), (16 * M, 62), (100 * M, 19), (1 * G, 4), (10 * G, 2)],
        # vendor short-mode extension rows
        *[(45 * M, 39), (155 * M, 14), (200 * M, 12), (622 * M, 6), (2 * G, 3), (20 * G, 1)],
        # between rows: the fastest listed speed not above
        *[(int(2.5 * G), 3), (25 * G, 1), (100 * G, 1), (1 * M, 250), (None, 100), (0, 100)],
    ],
)
def test_short_costs(speed: int | None, cost: int) -> None:
    assert short_path_cost(speed) == cost


@pytest.mark.parametrize(
    ("speed", "cost"),
    # IEEE 802.1D-2004 Table 17-3, then the formula between rows and its clamps
    [
        (100 * K, 200_000_000),
        (1 * M, 20_000_000),
        (10 * M, 2_000_000),
        (100 * M, 200_000),
        (1 * G, 20_000),
        (10 * G, 2_000),
        (100 * G, 200),
        (1 * T, 20),
        (10 * T, 2),
        (2 * G, 10_000),
        (20 * G, 1_000),
        (40 * G, 500),
        (3 * G, 6_666),
        (100 * T, 1),
        (50, 200_000_000),
        (None, 2_000_000),
    ],
)
def test_long_costs(speed: int | None, cost: int) -> None:
    assert long_path_cost(speed) == cost


@pytest.mark.parametrize(
    ("speed", "cost", "legacy"),
    # measured on Linux 6.18: tap devices of set speeds enslaved to a bridge
    [
        (10 * M, 100, 100),
        (100 * M, 19, 19),
        (1 * G, 5, 4),
        (int(2.5 * G), 4, 100),
        (5 * G, 3, 100),
        (10 * G, 2, 2),
        (20 * G, 1, 100),
        (25 * G, 1, 100),
        (100 * G, 1, 100),
        (45 * M, 100, 100),
        (622 * M, 100, 100),
        (None, 100, 100),
    ],
)
def test_linux_costs(speed: int | None, cost: int, legacy: int) -> None:
    assert linux_path_cost(speed) == cost
    assert linux_path_cost(speed, legacy=True) == legacy


def test_lag_cost_is_the_cost_of_the_aggregate_speed() -> None:
    assert lag_speed([10 * G, 10 * G]) == 20 * G
    assert lag_speed([G, G, None]) == 2 * G
    assert path_cost(lag_speed([10 * G, 10 * G]), "long") == 1_000
    assert path_cost(lag_speed([G, G]), "long") == 10_000
    assert path_cost(lag_speed([G, G, G]), "long") == 6_666
    assert path_cost(lag_speed([10 * G, 10 * G]), "short") == 1
    assert path_cost(lag_speed([G, G]), "short") == 3
    assert path_cost(lag_speed([10 * G, 10 * G]), "linux") == 1


def test_engine_uses_the_bridge_method_and_overrides() -> None:
    bridges = (
        Bridge("a", 1, protocol="stp"),  # short by default
        Bridge("b", 2),  # rstp: long by default
        Bridge("c", 3, protocol="stp", path_cost_method="linux"),
    )
    ports = (
        Port("a", "p1", 1, speed_bps=G),
        Port("b", "p1", 1, speed_bps=G),
        Port("b", "p2", 2, speed_bps=G, cost=7, msti_cost=((1, 9),)),
        Port("c", "p1", 1, speed_bps=G),
    )
    links = (Link(("a", "p1"), ("b", "p1")), Link(("b", "p2"), ("c", "p1")))
    result = solve(Topology(bridges, ports, links))
    assert [p.cost for p in result.trees[0].ports()] == [4, 20_000, 7, 5]
