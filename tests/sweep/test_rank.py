"""The ranking of the ten-gig examples: the single points of failure the field notes imply.

"Introducing 10Gbps ... Part 4/4": with RSTP, losing (or blocking) the one LAG between
the two 10 G switches pushes heartbeat, CSV and live-migration traffic over the 1 G
core; the cluster NICs are not teamed, so a CSV or LM NIC (or its switch) cuts its node
off that network; in the star design each top-of-rack switch has one uplink LAG, and
there is no inter-switch link. Redundant parts (one cable of a LAG, one member of a
switch-independent team) must rank below all of those.
"""

from __future__ import annotations

from functools import cache

import pytest

from hvlab.report.jsonout import to_json
from hvlab.sweep import SweepResult, sweep
from hvlab.sweep.impact import Baseline, evaluate
from hvlab.sweep.rank import SCORE_FIELDS, category, score
from tests.sweep import example


@cache
def result(name: str) -> SweepResult:
    return sweep(example(name), workers=1)


def _rank_of(r: SweepResult, element: str) -> int:
    for entry in r.ranking:
        if any(element in covered for covered in entry.fault.covers):
            return entry.rank
    raise AssertionError(f"{element} not ranked")


def test_top_entries_of_the_rstp_design() -> None:
    r = result("ten-gig-cluster")
    top = [entry.fault.elements[0] for entry in r.ranking[:10]]
    # A CSV takes every VM stored on it down until it is back: nothing fails over.
    assert top[:2] == ["csv:clu1:Volume1", "csv:clu1:Volume2"]
    assert all(entry.category == "loss" for entry in r.ranking[:2])
    assert len(r.ranking[0].outcome.vms_lost) == 7
    # Racks (power feeds) and nodes: VMs restart elsewhere, the most VM downtime.
    assert set(top[2:8]) == {
        "rack:R1",
        "rack:R2",
        "node:node1",
        "node:node2",
        "node:node3",
        "node:node4",
    }
    assert top[2:4] == ["rack:R1", "rack:R2"]
    assert all(entry.category == "failover" for entry in r.ranking[2:8])
    # Then the switches every cluster NIC of two nodes hangs on.
    assert top[8:10] == ["switch:tor1", "switch:tor2"]
    rack = r.ranking[2].outcome
    assert rack.vm_downtime_ms == 490_000
    assert rack.nodes_removed == ("node1", "node2")
    assert not rack.vms_lost


def test_single_points_of_failure_of_the_rstp_design() -> None:
    r = result("ten-gig-cluster")
    spofs = [entry.fault.elements[0] for entry in r.single_points_of_failure]
    assert spofs == [
        "csv:clu1:Volume1",
        "csv:clu1:Volume2",
        "switch:tor1",
        "switch:tor2",
        "nic:node1:CSV",
        "nic:node1:LM",
        "nic:node2:CSV",
        "nic:node2:LM",
        "nic:node3:CSV",
        "nic:node3:LM",
        "nic:node4:CSV",
        "nic:node4:LM",
        "lag:tor1:Po1",
        "link:core1:1~tor1:45",
    ]
    isl = next(e for e in r.single_points_of_failure if e.fault.elements[0] == "lag:tor1:Po1")
    assert isl.fault.covers == (("lag:tor1:Po1",), ("lag:tor2:Po1",))
    assert isl.outcome.paths_slower == 8 and isl.outcome.paths_lost == 0
    chain = " → ".join(isl.outcome.chain)
    assert chain.startswith("LAG tor1:Po1 down (2 cables, 2 switch ports down) → RSTP reconverges")
    assert "LiveMigration node1↔node3" in chain
    assert "now via core1, core2 (1 Gbps, was 10 Gbps)" in chain
    # One cable of tor1's uplink LAG doubles the LAG's cost: RSTP then blocks the ISL
    # and the cluster VLANs cross the core (both cables of that LAG are one class).
    uplink = r.single_points_of_failure[-1]
    assert uplink.fault.covers == (("link:core1:1~tor1:45",), ("link:core1:2~tor1:46",))
    assert uplink.outcome.paths_slower == 8
    # The NIC and its cable are one class.
    csv = next(e for e in r.single_points_of_failure if e.fault.elements[0] == "nic:node1:CSV")
    assert csv.fault.covers == (("nic:node1:CSV",), ("link:node1:CSV~tor1:1",))
    assert csv.outcome.paths_lost == 3


def test_spofs_rank_above_redundant_parts() -> None:
    r = result("ten-gig-cluster")
    worst_redundant = min(
        entry.rank for entry in r.ranking if entry.category in ("degraded", "none")
    )
    assert max(entry.rank for entry in r.single_points_of_failure) < worst_redundant
    # The ISL LAG above one of its cables (redundant: the other carries on) and above
    # one member of a switch-independent VM team (only redundancy lost).
    assert _rank_of(r, "lag:tor1:Po1") < _rank_of(r, "link:tor1:47~tor2:47")
    assert _rank_of(r, "lag:tor1:Po1") < _rank_of(r, "nic:node1:VM-A")
    cable = next(e for e in r.ranking if e.fault.elements[0] == "link:tor1:47~tor2:47")
    assert cable.category == "none"
    team = next(e for e in r.ranking if e.fault.elements[0] == "nic:node1:VM-A")
    assert team.category == "degraded" and team.outcome.vms_degraded == 3


def test_the_star_design_has_one_uplink_lag_per_rack() -> None:
    r = result("ten-gig-cluster-star")
    spofs = {e.fault.elements[0]: e for e in r.single_points_of_failure}
    uplink = spofs["lag:core1:Po11"]
    assert ("lag:tor1:Po2",) in uplink.fault.covers
    assert uplink.outcome.paths_lost == 8
    assert "rack:R0" in spofs  # the stack in one rack
    # Each cable of that LAG is redundant (the other stack member carries on).
    assert _rank_of(r, "lag:tor1:Po2") < _rank_of(r, "link:tor1:45~core1:23")
    cable = next(e for e in r.ranking if e.fault.elements[0] == "link:tor1:45~core1:23")
    assert cable.category == "none"


def test_mstp_keeps_the_cluster_vlans_off_the_core() -> None:
    r = result("ten-gig-cluster-mstp")
    isl = next(e for e in r.single_points_of_failure if e.fault.elements[0] == "lag:tor1:Po1")
    # The cluster VLANs are not on the uplinks: no slower path, no path at all.
    assert isl.outcome.paths_lost == 8 and isl.outcome.paths_slower == 0
    assert not any(
        e.fault.elements[0].startswith("link:core1:1") for e in r.single_points_of_failure
    )


def test_csv_failure_takes_the_vms_stored_on_it_down() -> None:
    r = result("ten-gig-cluster")
    volume1 = next(e for e in r.ranking if e.fault.elements[0] == "csv:clu1:Volume1")
    # SQL1, EXCH1, DC1, WEB1, WEB2, APP1, TEST1: storage: Volume1 in the lab.
    assert volume1.outcome.vms_lost == ("APP1", "DC1", "EXCH1", "SQL1", "TEST1", "WEB1", "WEB2")
    assert not any("csv: failures had any effect" in note for note in r.notes)


def test_score_is_lexicographic_and_categories() -> None:
    r = result("ten-gig-cluster")
    scores = [score(e.outcome) for e in r.ranking]
    assert scores == sorted(scores, reverse=True)
    assert SCORE_FIELDS[0] == "quorum_lost"
    for e in r.ranking:
        assert e.category == category(e.outcome)


def test_criticality_has_every_element() -> None:
    r = result("ten-gig-cluster")
    rows = r.criticality()
    assert len(rows) == len(r.plan.elements)
    by = {row["element"]: row for row in rows}
    assert by["link:node1:CSV~tor1:1"]["single_point_of_failure"] is True
    assert by["link:node1:CSV~tor1:1"]["class"] == "nic:node1:CSV"
    assert by["lag:tor2:Po1"]["rank"] == _rank_of(r, "lag:tor1:Po1")
    assert by["link:tor1:48~tor2:48"]["category"] == "none"


def test_depth_2_finds_double_failures_beyond_single_ones() -> None:
    r = sweep(example("ten-gig-cluster"), depth=2, workers=1, kinds="nic,switch")
    both_switches = r.ranking[0]
    assert set(both_switches.fault.elements) == {"switch:tor1", "switch:tor2"}
    assert both_switches.outcome.quorum_lost == ("clu1",)
    team = next(e for e in r.ranking if e.fault.elements == ("nic:node1:VM-A", "nic:node1:VM-B"))
    assert team.beyond_singles and team.category == "loss"
    assert team.outcome.vms_lost == ("APP1", "SQL1", "WEB1")
    counts = r.counts()["scenarios"]
    assert counts["n-2"]["simulated"] + counts["n-2"]["pruned"] == counts["n-2"]["candidates"]


def test_incremental_and_from_scratch_give_the_same_bytes() -> None:
    lab = example("ten-gig-cluster")
    a = to_json(sweep(lab, workers=1).as_dict())
    b = to_json(sweep(lab, workers=1, incremental=False).as_dict())
    assert a == b


def test_the_view_cache_is_used_and_the_simulator_restored() -> None:
    import hvlab.sim.engine as engine
    from hvlab.l2 import network

    lab = example("ten-gig-cluster")
    baseline = Baseline(lab)
    outcome = evaluate(baseline, ["lag:tor1:Po1"])
    assert outcome.paths_slower == 8
    assert baseline.cache is not None
    stats = baseline.cache.stats
    assert stats.built == 1 and stats.hits >= 1 and stats.stp_incremental == 1
    assert engine.analyse is network.analyse
    assert engine.transition is network.transition


@pytest.mark.parametrize("window", ["1s", "0s", "soon"])
def test_bad_window(window: str) -> None:
    from hvlab.errors import UserError

    with pytest.raises(UserError, match="--window"):
        sweep(example("ten-gig-cluster"), window=window, workers=1)
