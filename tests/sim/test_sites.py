"""Sites in the simulator: site failover with IP mobility, growing RPO, stretched clusters.

Outcomes follow from examples/two-site-replica.yaml and the documented timers:
CrossSiteDelay 1 s x CrossSiteThreshold 20 (Windows Server 2016 defaults), the VMs'
DNS TTL (APP1: 5 min) and Hyper-V Replica's cycle model (hvlab.cluster.replica).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hvlab.model.lab import Lab
from hvlab.model.load import load_lab
from hvlab.model.scenario import Scenario
from hvlab.settings import setting_ms
from hvlab.sim.engine import simulate
from hvlab.sim.replication import ReplicaClock

EXAMPLE = Path(__file__).parents[2] / "examples" / "two-site-replica.yaml"


@functools.cache
def _lab() -> Lab:
    return load_lab(EXAMPLE)


@pytest.fixture(scope="module")
def lab() -> Lab:
    return _lab()


def _events(result, obj: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.event for e in result.timeline if e.object == obj]


def test_site_failover_brings_each_vm_up_with_the_right_address_or_flags_it(lab) -> None:  # type: ignore[no-untyped-def]
    result = simulate(lab, "hq-lost")
    boot = setting_ms(lab, "hyperv.vm_boot")
    failover_at = 300_000
    for name in ("WEB1", "SQL1", "APP1", "FS1"):
        row = result.impact_of(f"vms.{name}")
        assert row.state == ("running, unreachable" if name == "FS1" else "running")
        assert row.where.startswith("dr-n")
    # Stretched subnet and HNV: reachable as soon as the replica answers.
    for name in ("WEB1", "SQL1"):
        row = result.impact_of(f"vms.{name}")
        assert row.downtime_ms <= failover_at + 3 * boot - 10_000
        assert any("keeps its addresses" in e for e in _events(result, f"vms.{name}"))
    # Failover address: clients wait for APP1's 5-minute DNS TTL after it answers.
    app1 = result.impact_of("vms.APP1")
    assert app1.downtime_ms >= failover_at - 10_000 + boot + 300_000
    assert any("DNS TTL expired" in e for e in _events(result, "vms.APP1"))
    # Nothing configured: FS1 runs at DR with its HQ address and is down to the end.
    fs1 = result.impact_of("vms.FS1")
    assert fs1.downtime_ms == result.duration_ms - 10_000
    assert any("unreachable" in e and "10.1.100.30" in e for e in _events(result, "vms.FS1"))
    # The High-priority wave (SQL1) answers before the Medium one starts.
    sql_up = next(
        e.t_ms for e in result.timeline if e.object == "vms.SQL1" and "running" in e.event
    )
    web_start = next(
        e.t_ms for e in result.timeline if e.object == "vms.WEB1" and "failover to" in e.event
    )
    assert web_start == failover_at and sql_up <= failover_at + boot + 1
    # An unplanned failover loses something, never more than the effective RPO.
    for rep in result.replication:
        row = result.impact_of(f"vms.{rep.vm}")
        assert 0 <= row.data_loss_ms <= rep.worst_rpo_ms


def test_planned_site_failover_loses_nothing(lab) -> None:  # type: ignore[no-untyped-def]
    result = simulate(lab, "planned-move")
    for name in ("WEB1", "APP1", "SQL1", "FS1", "LOG1"):
        row = result.impact_of(f"vms.{name}")
        assert row.data_loss_ms == 0
        assert any("planned failover" in e for e in _events(result, f"vms.{name}"))


def test_a_change_rate_above_the_wan_share_shows_a_growing_rpo(lab) -> None:  # type: ignore[no-untyped-def]
    result = simulate(lab, "replica-falls-behind")
    log1 = next(r for r in result.replication if r.vm == "LOG1")
    rpos = [r for _, r in log1.rpo]
    assert rpos[-1] > rpos[0] > 0
    assert log1.worst_rpo_ms > 30 * 60_000  # two hours behind by more than half an hour
    assert any("falls behind" in e for e in _events(result, "vms.LOG1"))
    loss = result.impact_of("vms.LOG1").data_loss_ms
    assert 5 * 60_000 < loss <= log1.worst_rpo_ms
    # WEB1 keeps up: until HQ fails its RPO stays one interval plus one transfer.
    web1 = next(r for r in result.replication if r.vm == "WEB1")
    assert max(r for t, r in web1.rpo if t < 7_200_000) < 2 * web1.frequency_ms


def test_wan_cut_in_the_stretched_cluster_leaves_the_side_with_the_witness(lab) -> None:  # type: ignore[no-untyped-def]
    result = simulate(lab, "metro-wan-cut")
    # Both halves reach the cloud witness; HQ (the cluster's first node) wins the race.
    for name in ("CRM1", "MAIL1"):
        row = result.impact_of(f"vms.{name}")
        assert row.state == "running" and row.where.startswith("m-hq"), row
    assert result.impact_of("vms.ERP1").downtime_ms == 0
    removed = [e for e in result.timeline if "removed from cluster membership" in e.event]
    assert removed and all(e.why == "CrossSiteDelay x CrossSiteThreshold" for e in removed)
    cross_site = 20 * 1000
    assert min(e.t_ms for e in removed) == 10_000 + cross_site


def test_witness_reachable_only_from_dr_keeps_dr(lab) -> None:  # type: ignore[no-untyped-def]
    result = simulate(lab, "metro-wan-cut-witness-at-dr")
    erp1 = result.impact_of("vms.ERP1")
    assert erp1.state == "running" and erp1.where.startswith("m-dr"), erp1
    for name in ("CRM1", "MAIL1"):
        assert result.impact_of(f"vms.{name}").downtime_ms == 0


def test_shared_nothing_migration_over_the_wan(lab) -> None:  # type: ignore[no-untyped-def]
    result = simulate(lab, "move-to-dr")
    web1 = result.impact_of("vms.WEB1")
    assert web1.where == "dr-n1" and web1.state == "running"
    started = next(e for e in _events(result, "vms.WEB1") if "shared-nothing" in e)
    assert "WAN HQ-DR" in started
    # 40 GiB of disk at 200 Mb/s is about 29 minutes before memory even starts.
    done = next(e.t_ms for e in result.timeline if e.object == "vms.WEB1" and "complete" in e.event)
    assert done - 10_000 >= 40 * 2**30 * 8 * 1000 // 200_000_000
    # Only the final blackout: the last dirty pages at 200 Mb/s (pre-copy), well under a minute.
    assert 0 < web1.downtime_ms < 60_000


def test_simulation_json_has_the_rpo_series_and_is_deterministic(lab) -> None:  # type: ignore[no-untyped-def]
    a = json.dumps(simulate(lab, "replica-falls-behind").as_dict())
    b = json.dumps(simulate(lab, "replica-falls-behind").as_dict())
    assert a == b
    assert '"replication"' in a and '"rpo_s"' in a


@settings(max_examples=200, deadline=None)
@given(
    frequency=st.sampled_from([30_000, 300_000, 900_000]),
    changes=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=7_200_000),
            st.one_of(st.none(), st.integers(min_value=1, max_value=3_600_000)),
        ),
        max_size=6,
    ),
    freeze=st.one_of(st.none(), st.integers(min_value=0, max_value=20_000_000)),
    failover=st.integers(min_value=0, max_value=30_000_000),
)
def test_property_data_loss_never_exceeds_the_effective_rpo(
    frequency: int,
    changes: list[tuple[int, int | None]],
    freeze: int | None,
    failover: int,
) -> None:
    """Issue 9: loss reported for an unplanned failover is within [0, effective RPO]."""
    clock = ReplicaClock("vm", frequency, transfer_ms=frequency // 2)
    t = 0
    events = sorted(changes, key=lambda c: c[0])
    for at, transfer in events:
        t = at
        if freeze is not None and freeze <= t:
            clock.freeze(freeze)
        clock.set_transfer(t, transfer)
    end = max(t, failover)
    if freeze is not None and freeze <= end:
        clock.freeze(min(freeze, end) if clock.frozen_at is None else clock.frozen_at)
    loss, rpo = clock.failure_loss(end)
    assert 0 <= loss <= rpo


@settings(max_examples=12, deadline=None)
@given(
    down_at=st.integers(min_value=1, max_value=7_200),
    wait=st.integers(min_value=0, max_value=1_800),
    change_mib=st.integers(min_value=1, max_value=16),
)
def test_property_simulated_unplanned_failover_within_rpo(
    down_at: int, wait: int, change_mib: int
) -> None:
    """The simulator's data loss for an unplanned failover is within [0, RPO at failure]."""
    doc = _lab()
    vms = dict(doc.vms)
    log1 = vms["LOG1"]
    assert log1.replica is not None
    vms["LOG1"] = log1.model_copy(
        update={"replica": log1.replica.model_copy(update={"change_rate": change_mib * 2**20})}
    )
    changed = doc.model_copy(update={"vms": vms})
    scenario = Scenario.model_validate(
        {
            "name": "prop",
            "duration": f"{down_at + wait + 600}s",
            "steps": [
                {"at": f"{down_at}s", "down": "site:HQ"},
                {"at": f"{down_at + wait}s", "failover": "vm:LOG1"},
            ],
        }
    )
    result = simulate(changed, scenario)
    row = result.impact_of("vms.LOG1")
    rep = next(r for r in result.replication if r.vm == "LOG1")
    at_failure = max(r for t, r in rep.rpo if t <= down_at * 1000)
    assert 0 <= row.data_loss_ms <= at_failure
    assert row.data_loss_ms <= down_at * 1000


def test_test_failover_leaves_the_primary_alone(lab: Lab) -> None:
    scenario = Scenario.model_validate(
        {
            "name": "drill",
            "duration": "30m",
            "steps": [{"at": "10m", "failover": "vm:SQL1 to test"}],
        }
    )
    result = simulate(lab, scenario)
    row = result.impact_of("vms.SQL1")
    assert row.downtime_ms == 0 and row.data_loss_ms == 0 and row.where == "hq-n1"
    events = _events(result, "vms.SQL1")
    assert any(e.startswith("test failover: 'SQL1 - Test' starts") for e in events)
    assert any("'SQL1 - Test' answers" in e for e in events)
    sql1 = next(r for r in result.replication if r.vm == "SQL1")
    assert not sql1.failed_over


def test_stretched_vms_restart_across_sites_only_with_a_storage_replica(lab: Lab) -> None:
    """ERP1 (METRO, disks in HQ) restarts in DR after HQ is lost: Storage Replica's copy
    comes online there. Without the copy the same failover leaves it without storage."""
    replicated = simulate(lab, "hq-lost").impact_of("vms.ERP1")
    assert replicated.state == "running" and replicated.where.startswith("m-dr")
    metro = lab.clusters["METRO"]
    volume = metro.csvs["Volume1"].model_copy(update={"replicated_to": None})
    alone = metro.model_copy(update={"csvs": {"Volume1": volume}})
    single = lab.model_copy(update={"clusters": {**lab.clusters, "METRO": alone}})
    row = simulate(single, "hq-lost").impact_of("vms.ERP1")
    assert row.state == "running, storage down (Volume1: site HQ lost)"
    assert row.downtime_ms == 1_800_000 - 10_000


def test_the_preferred_site_wins_the_witness_race(lab: Lab) -> None:
    """Both halves reach the cloud witness: the partition in METRO's PreferredSite takes it
    (2016 site awareness). With DR preferred, HQ's half stops and ERP1 moves to DR."""
    metro = lab.clusters["METRO"].model_copy(update={"preferred_site": "DR"})
    dr_first = lab.model_copy(update={"clusters": {**lab.clusters, "METRO": metro}})
    result = simulate(dr_first, "metro-wan-cut")
    erp1 = result.impact_of("vms.ERP1")
    assert erp1.state == "running" and erp1.where.startswith("m-dr"), erp1
    for name in ("CRM1", "MAIL1"):
        assert result.impact_of(f"vms.{name}").downtime_ms == 0
