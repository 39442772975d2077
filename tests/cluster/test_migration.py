"""Live, storage and shared-nothing migration times, and draining a node."""

from __future__ import annotations

import pytest

from hvlab.cluster.migration import (
    drain,
    live_migration,
    migration_rate,
    precopy,
    shared_nothing_migration,
    storage_migration,
)
from hvlab.model.lab import Lab
from tests.cluster import GIB, MIB, build_lab

G = 1_000_000_000


def test_precopy_hand_worked() -> None:
    # 8 GiB at 1 GiB/s: pass 1 takes 8000 ms and the guest dirties 32 MiB/s x 8 s = 256 MiB,
    # which takes 250 ms <= 300 ms: stop. Blackout 100 + 250; total 1000 + 8000 + 350.
    result = precopy(
        8 * GIB, 32 * MIB, GIB, max_passes=5, stop_ms=300, switchover_ms=100, setup_ms=1000
    )
    assert [(p.number, p.bytes, p.duration_ms) for p in result.passes] == [(1, 8 * GIB, 8000)]
    assert result.converged and result.remaining == 256 * MIB
    assert (result.blackout_ms, result.total_ms) == (350, 9350)


def test_precopy_each_pass_copies_what_the_previous_pass_dirtied() -> None:
    # 4 GiB at 256 MiB/s (16 s), 64 MiB/s dirty: 1 GiB (4 s), 256 MiB (1 s), 64 MiB (250 ms).
    result = precopy(4 * GIB, 64 * MIB, 256 * MIB, max_passes=10, stop_ms=300, switchover_ms=100)
    assert [p.bytes for p in result.passes] == [4 * GIB, GIB, 256 * MIB]
    assert [p.duration_ms for p in result.passes] == [16_000, 4_000, 1_000]
    assert result.remaining == 64 * MIB and result.blackout_ms == 100 + 250


def test_precopy_stops_at_the_pass_limit_when_it_cannot_converge() -> None:
    # Directions on Microsoft (10 passes, 2008 R2); Savill (5 passes from 2012 R2).
    result = precopy(4 * GIB, 512 * MIB, 256 * MIB, max_passes=5, stop_ms=300, switchover_ms=100)
    assert len(result.passes) == 5 and not result.converged
    assert result.remaining == 4 * GIB  # never more than the memory


def _lm_lab(os: str = "WindowsServer2012R2", **timers: object) -> Lab:
    return build_lab(
        ("n1", "n2"),
        os=os,
        vms={"vm": {"host": "n1", "memory": "8GiB"}},
        timers=timers,
    )


def test_max_passes_by_version() -> None:
    never = {"livemigration.dirty_rate": "10GiB/s"}
    assert len(live_migration(_lm_lab(**never), "vm", bandwidth_bps=G).passes) == 5
    lab2012 = _lm_lab("WindowsServer2012", **never)
    assert len(live_migration(lab2012, "vm", bandwidth_bps=G).passes) == 10


def test_compression_doubles_the_rate_on_a_1_gbps_network() -> None:
    tcp = migration_rate(None, bandwidth_bps=G, os="WindowsServer2012R2", option="TCPIP")
    comp = migration_rate(None, bandwidth_bps=G, os="WindowsServer2012R2", option="Compression")
    assert tcp.rate == 125_000_000 and comp.rate == 250_000_000
    assert "livemigration.compression_ratio" in comp.assumptions


def test_compression_is_capped_by_cpu_on_fast_networks() -> None:
    comp = migration_rate(None, bandwidth_bps=40 * G, os="WindowsServer2016", option="Compression")
    assert comp.rate == 1192 * MIB


def test_compression_is_the_2012_r2_default_and_needs_2012_r2() -> None:
    assert migration_rate(None, bandwidth_bps=G, os="WindowsServer2012R2").option == "Compression"
    old = migration_rate(None, bandwidth_bps=G, os="WindowsServer2012", option="Compression")
    assert old.option == "TCPIP" and "needs Windows Server 2012 R2" in old.explanation


def test_smb_uses_the_sum_of_the_rdma_nics() -> None:
    smb = migration_rate(
        None, bandwidth_bps=10 * G, os="WindowsServer2016", option="SMB", rdma_bps=(25 * G, 25 * G)
    )
    assert smb.rate == 50 * G // 8


def test_smb_on_a_2022_cluster_is_limited_by_the_bandwidth_limit_factor() -> None:
    # SetSMBBandwidthLimit 1, SMBBandwidthLimitFactor 2500 (2022-09 CU, 2025).
    smb = migration_rate(None, bandwidth_bps=10 * G, os="WindowsServer2022", option="SMB")
    assert smb.rate == 10 * G * 7500 // 10_000 // 8
    unclustered = migration_rate(
        None, bandwidth_bps=10 * G, os="WindowsServer2022", option="SMB", clustered=False
    )
    assert unclustered.rate == 10 * G // 8


def test_concurrent_migrations_share_the_network() -> None:
    one = migration_rate(None, bandwidth_bps=10 * G, os="WindowsServer2012", concurrent=1)
    two = migration_rate(None, bandwidth_bps=10 * G, os="WindowsServer2012", concurrent=2)
    assert two.rate * 2 == one.rate


def test_live_migration_lists_the_assumptions_it_used() -> None:
    result = live_migration(_lm_lab(), "vm", bandwidth_bps=10 * G)
    assert result.ok and result.option == "Compression"
    assert set(result.assumptions) == {
        "livemigration.compression_ratio",
        "livemigration.compression_throughput",
        "livemigration.dirty_rate",
        "livemigration.precopy_stop",
        "livemigration.setup",
        "livemigration.switchover",
    }


def test_vm_dirty_rate_and_timers_override_the_assumptions() -> None:
    lab = build_lab(
        ("n1", "n2"),
        os="WindowsServer2012",
        vms={"vm": {"host": "n1", "memory": "8GiB", "dirty_rate": "0MiB"}},
        timers={"livemigration.setup": "0s", "livemigration.switchover": "50ms"},
    )
    result = live_migration(lab, "vm", bandwidth_bps=8 * GIB, option="TCPIP")
    # 8 GiB at 1 GiB/s, nothing dirtied: one pass of 8000 ms, blackout 50 ms.
    assert (len(result.passes), result.blackout_ms, result.total_ms) == (1, 50, 8050)
    assert "livemigration.dirty_rate" not in result.assumptions


def test_migration_fails_without_a_network_path() -> None:
    result = live_migration(_lm_lab(), "vm", bandwidth_bps=10 * G, path_up=False)
    assert not result.ok and "no network path" in result.reason


def test_2008_has_quick_migration_only() -> None:
    assert not live_migration(_lm_lab("WindowsServer2008"), "vm", bandwidth_bps=G).ok


def _drain_lab(os: str, count: int = 4, **cluster: object) -> Lab:
    vms = {f"vm{i}": {"host": "n1", "memory": "4GiB", "dirty_rate": "0MiB"} for i in range(count)}
    return build_lab(
        ("n1", "n2"),
        os=os,
        vms=vms,
        cluster=cluster,
        timers={"livemigration.setup": "0s", "livemigration.switchover": "0s"},
    )


def test_drain_queues_migrations_two_at_a_time() -> None:
    # 2012: MaximumVirtualMachineMigrations 2, TCPIP. Each VM: 4 GiB at 5 Gbit/s (half of
    # 10 Gbit/s) = 4 GiB / 625 MB/s = 6872 ms; two waves of two.
    result = drain(_drain_lab("WindowsServer2012"), "n1", bandwidth_bps=10 * G)
    assert result.concurrency == 2
    per_vm = -(-4 * GIB * 1000 // 625_000_000)
    assert [(i.start_ms, i.end_ms) for i in result.items] == [
        (0, per_vm),
        (0, per_vm),
        (per_vm, 2 * per_vm),
        (per_vm, 2 * per_vm),
    ]
    assert result.total_ms == 2 * per_vm


def test_drain_on_2022_runs_one_migration_at_a_time() -> None:
    # Cluster-wide MaximumParallelMigrations = 1 (2022-09 CU and 2025).
    result = drain(_drain_lab("WindowsServer2022", 2), "n1", bandwidth_bps=10 * G, option="TCPIP")
    assert result.concurrency == 1
    assert result.items[1].start_ms == result.items[0].end_ms


def test_cluster_setting_overrides_the_concurrency() -> None:
    lab = _drain_lab("WindowsServer2016", 4, live_migration={"max_migrations": 4})
    assert drain(lab, "n1", bandwidth_bps=10 * G).concurrency == 4


def test_low_priority_vms_are_quick_migrated_on_drain() -> None:
    # MoveTypeThreshold 2000: Low (1000) quick-migrates: save + restore at 500 MiB/s.
    lab = build_lab(
        ("n1", "n2"),
        os="WindowsServer2012R2",
        vms={"low": {"host": "n1", "memory": "4GiB", "priority": "Low"}},
    )
    result = drain(lab, "n1", bandwidth_bps=10 * G)
    (item,) = result.items
    assert item.method == "quick"
    assert item.downtime_ms == 2 * (4 * GIB * 1000 // (500 * MIB))
    assert "hyperv.save_restore_throughput" in result.assumptions


def test_drain_without_a_network_path_moves_nothing() -> None:
    result = drain(_drain_lab("WindowsServer2016", 2), "n1", bandwidth_bps=10 * G, path_up=False)
    assert {i.method for i in result.items} == {"none"}


def test_storage_migration_time() -> None:
    lab = build_lab(
        vms={"vm": {"host": "n1", "memory": "4GiB", "vhds": [{"size": "100GiB", "used": "40GiB"}]}}
    )
    result = storage_migration(lab, "vm", storage_bps=8 * GIB)
    assert (result.bytes, result.duration_ms) == (40 * GIB, 40_000)
    with pytest.raises(ValueError, match="storage_bps"):
        storage_migration(lab, "vm", storage_bps=0)


def test_shared_nothing_migration_is_disks_then_memory() -> None:
    lab = build_lab(
        os="WindowsServer2012R2",
        vms={
            "vm": {
                "host": "n1",
                "memory": "4GiB",
                "vhds": [{"size": "20GiB", "type": "Fixed"}],
                "dirty_rate": "0MiB",
            }
        },
    )
    result = shared_nothing_migration(lab, "vm", bandwidth_bps=8 * GIB, option="TCPIP")
    assert result.ok and result.disk is not None
    assert result.disk.duration_ms == 20_000
    assert result.total_ms == result.disk.duration_ms + result.memory.total_ms
    assert not shared_nothing_migration(lab, "vm", bandwidth_bps=8 * GIB, path_up=False).ok
