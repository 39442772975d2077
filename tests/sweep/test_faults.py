"""Enumeration, footprints and pruning: counts on a lab written here, soundness by simulation."""

from __future__ import annotations

import pytest

from hvlab.errors import UserError
from hvlab.sweep import sweep
from hvlab.sweep.faults import (
    DEFAULT_KINDS,
    Footprints,
    enumerate_elements,
    parse_kinds,
    plan_sweep,
)
from hvlab.sweep.rank import score
from tests.sweep import example, tiny


def test_enumeration_follows_the_kinds_in_order() -> None:
    lab = tiny()
    names = enumerate_elements(lab, DEFAULT_KINDS)
    assert names == (
        "link:sw1:7~sw2:7",
        "link:sw1:8~sw2:8",
        "link:sw1:6~sw2:6",
        "link:n1:A~sw1:1",
        "link:n1:B~sw2:1",
        "link:n2:A~sw1:2",
        "link:n2:B~sw2:2",
        "nic:n1:A",
        "nic:n1:B",
        "nic:n2:A",
        "nic:n2:B",
        "lag:sw1:Po1",
        "lag:sw2:Po1",
        "switch:sw1",
        "switch:sw2",
        "node:n1",
        "node:n2",
        "csv:clu:V1",
        "rack:R1",
        "rack:R2",
    )
    assert enumerate_elements(lab, ("switch", "vm")) == (
        "switch:sw1",
        "switch:sw2",
        "vm:vm1",
        "vm:vm2",
    )
    ports = enumerate_elements(lab, ("port",))
    assert "port:sw1:6" not in ports  # shutdown ports are not failed again
    assert len(ports) == 7 + 8


def test_parse_kinds() -> None:
    assert parse_kinds(None) == DEFAULT_KINDS
    assert parse_kinds("switch, lag,switch") == ("switch", "lag")
    assert parse_kinds(["host", "csv,rack"]) == ("node", "csv", "rack")
    assert parse_kinds("all")[:3] == ("link", "nic", "lag")
    with pytest.raises(
        UserError, match=r"unknown element kind 'swich' \(did you mean 'switch'\?\)"
    ):
        parse_kinds("link,swich")
    with pytest.raises(UserError, match="a sweep does not fail 'team'"):
        parse_kinds("team")


def test_footprints_follow_the_condition_rules() -> None:
    fp = Footprints(tiny())
    # A host NIC and its cable take down the same parts: the cable and the NIC.
    assert (
        fp.of("nic:n1:A")
        == fp.of("link:n1:A~sw1:1")
        == {
            "cable:link:n1:A~sw1:1",
            "nic:n1:A",
        }
    )
    # A switch: itself, its ports that were up, their cables, the host NICs on them.
    switch = fp.of("switch:sw1")
    assert {"switch:sw1", "port:sw1:1", "cable:link:sw1:7~sw2:7", "nic:n2:A"} <= switch
    assert "port:sw1:6" not in switch  # shutdown: down with nothing failed
    # A LAG end: its member ports and their cables.
    assert fp.of("lag:sw2:Po1") == {
        "port:sw2:7",
        "port:sw2:8",
        "cable:link:sw1:7~sw2:7",
        "cable:link:sw1:8~sw2:8",
    }
    # A rack takes its switch and host with everything on them.
    assert fp.of("switch:sw1") | fp.of("node:n1") == fp.of("rack:R1")
    # Already down with nothing failed: nothing to take down.
    assert fp.of("link:sw1:6~sw2:6") == frozenset()
    # Kinds Condition derives nothing from keep their own name.
    assert fp.of("csv:clu:V1") == {"csv:clu:V1"}
    with pytest.raises(UserError, match="no switch named 'sw9'"):
        fp.of("switch:sw9")


def test_n1_pruning_counts_and_classes() -> None:
    plan = plan_sweep(tiny(), depth=1)
    assert plan.candidates == {1: 20}
    assert plan.simulated(1) == 13
    assert {p.reason: p.count for p in plan.pruned} == {
        "already-down": 1,
        "lag-ends": 1,
        "lag-members": 1,
        "same-parts": 4,
    }
    classes = {c.members: c.reason for c in plan.classes if len(c.members) > 1}
    assert classes == {
        ("link:sw1:7~sw2:7", "link:sw1:8~sw2:8"): "lag-members",
        ("nic:n1:A", "link:n1:A~sw1:1"): "same-parts",
        ("nic:n1:B", "link:n1:B~sw2:1"): "same-parts",
        ("nic:n2:A", "link:n2:A~sw1:2"): "same-parts",
        ("nic:n2:B", "link:n2:B~sw2:2"): "same-parts",
        ("lag:sw1:Po1", "lag:sw2:Po1"): "lag-ends",
    }
    assert all(f.elements[0] != "link:sw1:6~sw2:6" for f in plan.faults)


def test_n2_pruning_counts() -> None:
    plan = plan_sweep(tiny(), depth=2)
    assert plan.candidates == {1: 20, 2: 190}
    assert plan.simulated(2) == 57
    assert {(p.depth, p.reason): p.count for p in plan.pruned if p.depth == 2} == {
        (2, "already-down"): 19,
        (2, "covered"): 52,
        (2, "equivalent-pairs"): 62,
    }
    assert plan.simulated(2) + plan.pruned_count(2) == 190
    pairs = {frozenset(c) for f in plan.faults if f.depth == 2 for c in f.covers}
    # A rack already takes its switch down: the pair is the rack alone.
    assert frozenset({"switch:sw1", "rack:R1"}) not in pairs
    # The two team members of one node: one pair stands for NIC/cable x NIC/cable.
    both = next(f for f in plan.faults if f.elements == ("nic:n1:A", "nic:n1:B"))
    assert len(both.covers) == 4
    assert ("link:n1:A~sw1:1", "link:n1:B~sw2:1") in both.covers
    # Both cables of the LAG fail together: simulated.
    assert any(f.elements == ("link:sw1:7~sw2:7", "link:sw1:8~sw2:8") for f in plan.faults)


def test_no_prune_simulates_everything() -> None:
    plan = plan_sweep(tiny(), depth=2, prune=False)
    assert plan.simulated(1) == 20
    assert plan.simulated(2) == 190
    assert plan.pruned == ()


def test_depth_must_be_1_or_2() -> None:
    with pytest.raises(UserError, match="--depth must be 1 or 2"):
        plan_sweep(tiny(), depth=3)


def _check_pruning(lab_name: str, depth: int) -> None:
    lab = tiny() if lab_name == "tiny" else example(lab_name)
    workers = 2 if depth == 2 else 1
    full = sweep(lab, depth=depth, workers=workers, prune=False)
    pruned = sweep(lab, depth=depth, workers=workers)
    by_set = {frozenset(r.fault.elements): r for r in full.ranking}
    for r in pruned.ranking:
        for covered in r.fault.covers:
            twin = by_set[frozenset(covered)]
            assert score(twin.outcome) == score(r.outcome), (r.fault.elements, covered)
            assert twin.category == r.category
    if depth == 2:
        fp = Footprints(lab)
        simulated = {frozenset(c) for r in pruned.ranking for c in r.fault.covers}
        single = {r.fault.elements[0]: r for r in full.ranking if r.fault.depth == 1}
        for r in full.ranking:
            if r.fault.depth != 2 or frozenset(r.fault.elements) in simulated:
                continue
            a, b = r.fault.elements
            if not fp.of(a) or not fp.of(b):
                continue  # an element already down: the pair is the other one
            larger = b if fp.of(a) <= fp.of(b) else a
            assert score(single[larger].outcome) == score(r.outcome), (a, b)


def test_pruning_is_sound_on_the_tiny_lab_at_depth_2() -> None:
    """Every pruned single and pair gives the same score as what stands for it."""
    _check_pruning("tiny", 2)


@pytest.mark.parametrize(
    "name", ["ten-gig-cluster", "ten-gig-cluster-mstp", "ten-gig-cluster-star"]
)
def test_pruning_is_sound_on_the_ten_gig_examples_at_depth_1(name: str) -> None:
    _check_pruning(name, 1)


@pytest.mark.slow
def test_pruning_is_sound_on_the_ten_gig_example_at_depth_2() -> None:
    _check_pruning("ten-gig-cluster", 2)
