"""Hyper-V Replica: frequencies, link capacity, effective RPO and the three failovers."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hvlab.cluster.replica import (
    data_loss_ms,
    effective_rpo_ms,
    planned_failover,
    replication,
    unplanned_failover,
)
from hvlab.cluster.replica import (
    test_failover as run_test_failover,
)
from hvlab.model.lab import Lab
from tests.cluster import MIB, build_lab

M = 1_000_000


def _lab(frequency: str = "5m", os: str = "WindowsServer2012R2", **replica: Any) -> Lab:
    return build_lab(
        ("n1", "n2"),
        os=os,
        vms={
            "sql": {
                "host": "n1",
                "memory": "8GiB",
                "boot_time": "45s",
                "replica": {"to": "dr-host", "frequency": frequency, **replica},
            }
        },
        timers={"replica.CompressionEnabled": False},
    )


def test_30_seconds_needs_2012_r2() -> None:
    # replica_frequencies(): 2012 fixed 5 min; 2012 R2+ 30 s, 5 min, 15 min.
    assert not replication(_lab("30s", "WindowsServer2012"), "sql", link_bps=100 * M).ok
    assert replication(_lab("30s", "WindowsServer2012R2"), "sql", link_bps=100 * M).ok
    assert replication(_lab("5m", "WindowsServer2012"), "sql", link_bps=100 * M).ok
    bad = replication(_lab("10m"), "sql", link_bps=100 * M)
    assert not bad.ok and "not accepted" in bad.reason


def test_link_that_keeps_up() -> None:
    # 1 MiB/s of changes, 5 min: 300 MiB per interval over 100 Mbit/s = 25.17 s < 300 s.
    result = replication(_lab(change_rate="1MiB"), "sql", link_bps=100 * M)
    assert result.changed_bytes == 300 * MIB
    assert result.transfer_ms == -(-300 * MIB * 8 * 1000 // (100 * M))
    assert result.keeps_up and result.lag_growth_ms_per_hour == 0
    assert result.rpo_ms == 300_000 + result.transfer_ms


def test_link_that_does_not_keep_up_lets_the_rpo_grow() -> None:
    # 10 MiB/s over 20 Mbit/s: each 30 s interval (300 MiB) needs 125.8 s.
    result = replication(_lab("30s", change_rate="10MiB"), "sql", link_bps=20 * M)
    assert result.transfer_ms is not None and result.transfer_ms > 30_000
    assert not result.keeps_up and result.lag_growth_ms_per_hour > 0
    assert result.rpo_after(3_600_000) > result.rpo_after(0)


def test_compression_halves_the_wire_bytes_by_assumption() -> None:
    lab = build_lab(
        ("n1",),
        vms={"v": {"host": "n1", "memory": "1GiB", "replica": {"to": "x", "change_rate": "1MiB"}}},
    )
    result = replication(lab, "v", link_bps=100 * M)
    assert result.wire_bytes == result.changed_bytes // 2
    assert result.assumptions == ("replica.compression_ratio",)


def test_missing_change_rate_is_an_assumption() -> None:
    assert "replica.change_rate" in replication(_lab(), "sql", link_bps=100 * M).assumptions


def test_planned_failover_loses_nothing_and_needs_the_primary() -> None:
    lab = _lab(change_rate="1MiB")
    result = replication(lab, "sql", link_bps=100 * M)
    planned = planned_failover(lab, result)
    assert result.transfer_ms is not None
    assert planned.ok and planned.data_loss_ms == 0
    assert planned.downtime_ms == result.transfer_ms + 45_000
    down = planned_failover(lab, result, primary_up=False)
    assert not down.ok and "unplanned" in down.reason


def test_unplanned_failover_loses_up_to_the_last_replicated_interval() -> None:
    lab = _lab(change_rate="1MiB")
    result = replication(lab, "sql", link_bps=100 * M)
    x = result.transfer_ms
    assert x is not None
    # Failure just before cycle 1's transfer completes: everything since sync is lost.
    assert (
        unplanned_failover(lab, result, failure_ms=300_000 + x - 1).data_loss_ms == 300_000 + x - 1
    )
    # Just after: only the time since the 5-minute mark.
    assert unplanned_failover(lab, result, failure_ms=300_000 + x).data_loss_ms == x


def test_test_failover_creates_a_test_vm() -> None:
    lab = _lab(change_rate="1MiB")
    failover = run_test_failover(lab, replication(lab, "sql", link_bps=100 * M))
    assert failover.ok and failover.data_loss_ms == 0 and failover.downtime_ms == 0
    assert "'sql - Test'" in failover.reason


def test_no_link_means_the_replica_falls_behind_an_hour_per_hour() -> None:
    result = replication(_lab(change_rate="1MiB"), "sql", link_bps=0)
    assert result.transfer_ms is None and result.lag_growth_ms_per_hour == 3_600_000
    assert data_loss_ms(300_000, None, 1_000_000) == 1_000_000


@settings(max_examples=500, deadline=None)
@given(
    frequency=st.sampled_from((30_000, 300_000, 900_000)),
    transfer=st.one_of(st.none(), st.integers(0, 3_000_000)),
    failure=st.integers(0, 48 * 3_600_000),
)
def test_unplanned_data_loss_is_never_negative_nor_above_the_effective_rpo(
    frequency: int, transfer: int | None, failure: int
) -> None:
    loss = data_loss_ms(frequency, transfer, failure)
    assert 0 <= loss <= effective_rpo_ms(frequency, transfer, failure)


@settings(max_examples=200, deadline=None)
@given(
    change_mib=st.integers(0, 64),
    link_mbit=st.integers(1, 10_000),
    frequency=st.sampled_from(("30s", "5m", "15m")),
    failure=st.integers(0, 24 * 3_600_000),
)
def test_unplanned_failover_result_respects_the_rpo(
    change_mib: int, link_mbit: int, frequency: str, failure: int
) -> None:
    lab = _lab(frequency, change_rate=f"{change_mib}MiB")
    result = replication(lab, "sql", link_bps=link_mbit * M)
    failover = unplanned_failover(lab, result, failure_ms=failure)
    assert 0 <= failover.data_loss_ms <= result.rpo_after(failure)
