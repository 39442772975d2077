"""Incremental recomputation after one more failure always equals solving from scratch."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hvlab.l2.stp import SpanningTreeResult, solve, solve_incremental
from hvlab.l2.topology import Failures, TopologyError

from .test_reference import random_failures, random_topology
from .test_topologies import triangle


def snapshot(result: SpanningTreeResult) -> dict[str, Any]:
    """Everything observable in a result, as plain data."""
    return {
        "trees": {
            t: (list(tr.ports()), list(tr.bridges()), tr.roots) for t, tr in result.trees.items()
        },
        "regions": result.regions,
        "loops": result.loops,
        "protocol": result.protocol,
        "failures": result.failures,
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
def test_incremental_equals_scratch(seed: int) -> None:
    rng = random.Random(seed)
    topo = random_topology(rng, n_max=8)
    result = solve(topo, Failures.of(*random_failures(rng, topo, k=rng.randint(0, 1))))
    for element in random_failures(rng, topo, k=3):
        result = solve_incremental(result, element)
        expected = solve(topo, result.failures)
        assert snapshot(result) == snapshot(expected), element


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
def test_incremental_equals_scratch_larger_rstp(seed: int) -> None:
    rng = random.Random(seed)
    topo = random_topology(rng, n_min=10, n_max=25, mode=rng.choice(["rstp", "mstp", "stp"]))
    result = solve(topo)
    for element in random_failures(rng, topo, k=4):
        result = solve_incremental(result, element)
        assert snapshot(result) == snapshot(solve(topo, result.failures)), element


def test_incremental_of_an_alternate_changes_only_that_link() -> None:
    topo = triangle()
    before = solve(topo)
    blocked = [p for p in before.tree().ports() if p.role == "alternate"]
    assert [(p.bridge, p.port) for p in blocked] == [("s3", "p2")]
    after = solve_incremental(before, "link:s2:p2~s3:p2")
    changed = {
        (p.bridge, p.port)
        for p, q in zip(before.tree().ports(), after.tree().ports(), strict=True)
        if (p.role, p.state) != (q.role, q.state)
    }
    assert changed == {("s2", "p2"), ("s3", "p2")}


def test_incremental_unknown_element() -> None:
    result = solve(triangle())
    with pytest.raises(TopologyError):
        solve_incremental(result, "link:s1:p9~s2:p9")
    with pytest.raises(TopologyError):
        solve_incremental(result, "switch:nope")
    with pytest.raises(TopologyError):
        solve_incremental(result, "cable:x")


def test_incremental_twice_same_element_is_idempotent() -> None:
    result = solve_incremental(solve(triangle()), "switch:s2")
    again = solve_incremental(result, "switch:s2")
    assert snapshot(again) == snapshot(result)
