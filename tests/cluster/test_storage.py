"""Saved-state reservations (events 3050/3320) and CSV redirected access."""

from __future__ import annotations

from hvlab.cluster.storage import (
    can_start,
    csv_access,
    csv_network,
    csv_usage,
    node_failure_storage,
    reservation,
    worst_node_failure,
)
from hvlab.model.cluster import Cluster
from hvlab.model.lab import Lab
from tests.cluster import GIB, MIB, build_lab

CSV = {"Volume1": {"size": "100GiB", "used": "55GiB"}}  # 45 GiB free


def _lab(memory: str | dict[str, object], *, os: str = "WindowsServer2008R2", **vm: object) -> Lab:
    return build_lab(
        ("hypervhost01", "hypervhost02"),
        os=os,
        memory="192GiB",
        cluster={"csvs": CSV},
        vms={"MYSERVER": {"host": "hypervhost01", "memory": memory, "storage": "Volume1", **vm}},
    )


def test_50_gb_vm_fails_to_start_on_a_csv_with_45_gb_free() -> None:
    # Field notes, "Assigning Large Memory To Virtual Machine Fails: Event ID 3320 & 3050".
    lab = _lab("50GiB", vm_id="DEDEFFD1-7A32-4654-835D-ACE32EEB60EE")
    check = can_start(lab, "MYSERVER")
    assert check.ok is False
    assert (check.needed, check.free) == (50 * GIB, 45 * GIB)
    assert [e.event_id for e in check.events] == [3050, 3320]
    assert {e.log for e in check.events} == {"Microsoft-Windows-Hyper-V-Worker-Admin"}
    assert {e.source for e in check.events} == {"Microsoft-Windows-Hyper-V-Worker"}
    assert check.events[0].message == (
        "'MYSERVER' could not initialize memory: There is not enough space on the disk. "
        "(0x80070070). (Virtual machine ID DEDEFFD1-7A32-4654-835D-ACE32EEB60EE)"
    )
    assert check.events[1].message == (
        "'MYSERVER' failed to create memory contents file "
        "'C:\\ClusterStorage\\Volume1\\MYSERVER\\Virtual Machines\\"
        "DEDEFFD1-7A32-4654-835D-ACE32EEB60EE\\DEDEFFD1-7A32-4654-835D-ACE32EEB60EE.bin' "
        "of size 51200 MB. (Virtual machine ID DEDEFFD1-7A32-4654-835D-ACE32EEB60EE)"
    )


def test_40_gb_vm_starts_on_the_same_csv() -> None:
    check = can_start(_lab("40GiB"), "MYSERVER")
    assert check.ok is True and check.events == ()


def test_event_3320_reproduces_the_field_note_exactly() -> None:
    # The field note's event shows 'of size 50003 MB' for that VM.
    lab = _lab("50003MiB", vm_id="DEDEFFD1-7A32-4654-835D-ACE32EEB60EE")
    field_note = (
        "'MYSERVER' failed to create memory contents file 'C:\\ClusterStorage\\Volume1\\"
        "MYSERVER\\Virtual Machines\\DEDEFFD1-7A32-4654-835D-ACE32EEB60EE\\"
        "DEDEFFD1-7A32-4654-835D-ACE32EEB60EE.bin' of size 50003 MB. "
        "(Virtual machine ID DEDEFFD1-7A32-4654-835D-ACE32EEB60EE)"
    )
    assert can_start(lab, "MYSERVER").events[1].message == field_note


def test_2008_r2_always_reserves_even_with_shutdown() -> None:
    # hyperv.saved_state.always_reserved (2008/2008 R2).
    lab = _lab("50GiB", automatic_stop_action="ShutDown")
    assert can_start(lab, "MYSERVER").ok is False


def test_2012_reserves_only_with_save() -> None:
    lab = _lab("50GiB", os="WindowsServer2012", automatic_stop_action="ShutDown")
    check = can_start(lab, "MYSERVER")
    assert check.ok is True and check.needed == 0
    assert can_start(_lab("50GiB", os="WindowsServer2012"), "MYSERVER").ok is False


def test_2016_uses_a_vmrs_file() -> None:
    lab = _lab("50GiB", os="WindowsServer2016", vm_id="ABC")
    assert can_start(lab, "MYSERVER").events[1].message.count("\\Virtual Machines\\ABC.vmrs'") == 1


def test_dynamic_memory_reservation_grows_to_maximum() -> None:
    # KB 2504962: Dynamic Memory does not grow when the saved-state file cannot.
    lab = _lab({"startup": "8GiB", "dynamic": True, "maximum": "48GiB"})
    vm = lab.vms["MYSERVER"]
    assert reservation(lab, vm) == 8 * GIB
    assert reservation(lab, vm, dynamic="maximum") == 48 * GIB


def test_csv_usage_counts_running_vms_stored_there() -> None:
    lab = build_lab(
        ("n1", "n2"),
        cluster={"csvs": {"V1": {"size": "1TiB", "used": "100GiB"}, "V2": "1TiB"}},
        vms={
            "a": {"host": "n1", "memory": "16GiB", "storage": "V1"},
            "b": {"host": "n2", "memory": "8GiB", "storage": "V1"},
            "c": {"host": "n2", "memory": "8GiB", "storage": "V1", "state": "Off"},
            "d": {"host": "n2", "memory": "4GiB", "storage": "V2"},
        },
    )
    v1, v2 = csv_usage(lab, "clu")
    assert v1.reservations == 24 * GIB and v1.vms == (("a", 16 * GIB), ("b", 8 * GIB))
    assert v1.free == 1024 * GIB - 100 * GIB - 24 * GIB
    assert v2.reservations == 4 * GIB


def test_node_failure_moves_no_reservation_between_csvs() -> None:
    lab = build_lab(
        ("n1", "n2"),
        cluster={"csvs": {"V1": {"size": "100GiB", "used": "50GiB"}}},
        vms={
            "a": {"host": "n1", "memory": "20GiB", "storage": "V1"},
            "b": {"host": "n2", "memory": "20GiB", "storage": "V1"},
        },
    )
    result = node_failure_storage(lab, "clu", "n1")
    (v1,) = result.csvs
    assert (v1.free_before, v1.released, v1.required, v1.free_after) == (
        10 * GIB,
        20 * GIB,
        20 * GIB,
        10 * GIB,
    )
    assert v1.cannot_start == ()
    assert "not on its host" in result.explanation


def test_over_committed_csv_stops_restarts() -> None:
    # Data written after the VMs started: the CSV has -5 GiB "free"; the failed VMs give back
    # 20 GiB, need 20 GiB again, and the lower-priority one no longer fits.
    lab = build_lab(
        ("n1", "n2"),
        cluster={"csvs": {"V1": {"size": "100GiB", "used": "85GiB"}}},
        vms={
            "hi": {"host": "n1", "memory": "10GiB", "storage": "V1", "priority": "High"},
            "lo": {"host": "n1", "memory": "10GiB", "storage": "V1", "priority": "Low"},
        },
    )
    (v1,) = node_failure_storage(lab, "clu", "n1").csvs
    assert [c.vm for c in v1.cannot_start] == ["lo"]
    assert worst_node_failure(lab, "clu")[0].node == "n1"


def test_restart_on_a_2008_r2_host_needs_space_a_2012_host_did_not() -> None:
    lab = build_lab(
        ("n1", "n2"),
        os="WindowsServer2012",
        host_os={"n2": "WindowsServer2008R2"},
        cluster={"csvs": {"V1": {"size": "100GiB", "used": "95GiB"}}},
        vms={
            "vm": {
                "host": "n1",
                "memory": "10GiB",
                "storage": "V1",
                "automatic_stop_action": "ShutDown",
            }
        },
    )
    (v1,) = node_failure_storage(lab, "clu", "n1", targets={"vm": "n2"}).csvs
    assert v1.released == 0 and [c.vm for c in v1.cannot_start] == ["vm"]


def test_storage_that_is_not_a_csv_is_unknown() -> None:
    lab = build_lab(vms={"vm": {"host": "n1", "memory": "4GiB", "storage": "\\\\sofs\\vms"}})
    assert can_start(lab, "vm").ok is None


# --- Redirected access (Get-ClusterSharedVolumeState StateInfo / BlockRedirectedIOReason).
def _csv_cluster() -> Cluster:
    return Cluster.model_validate(
        {
            "name": "c",
            "nodes": ["n1", "n2", "n3", "n4"],
            "csvs": {"V1": {"size": "1TiB", "owner": "n1"}},
            "networks": {
                "Mgmt": {"role": "ClusterAndClient"},
                "CSV": {"role": "Cluster", "metric": 900},
                "LM": {"role": "Cluster", "metric": 1000},
                "iSCSI": {"role": "None", "metric": 100},
            },
        }
    )


def test_node_without_a_disk_path_goes_block_redirected() -> None:
    result = csv_access(
        _csv_cluster(),
        "V1",
        storage_up={"n2": False, "n3": False},
        csv_network_bps=10_000_000_000,
        os="WindowsServer2012R2",
    )
    states = {n.node: (n.state, n.reason, n.throughput_bps) for n in result.nodes}
    assert states["n1"] == ("Direct", "disk path up", None)
    assert states["n2"] == ("BlockRedirected", "NoDiskConnectivity", 5_000_000_000)
    assert states["n3"][2] == 5_000_000_000
    assert result.coordinator == "n1"


def test_2008_r2_redirects_through_the_file_system() -> None:
    result = csv_access(
        _csv_cluster(),
        "V1",
        storage_up={"n2": False},
        csv_network_bps=1_000_000_000,
        os="WindowsServer2008R2",
    )
    assert result.nodes[1].state == "FileSystemRedirected"
    assert result.nodes[1].throughput_bps == 1_000_000_000


def test_coordinator_moves_to_a_node_that_sees_the_disk() -> None:
    result = csv_access(
        _csv_cluster(),
        "V1",
        storage_up={"n1": False},
        csv_network_bps=10_000_000_000,
        os="WindowsServer2016",
    )
    assert result.coordinator == "n2"
    assert "ownership moved from n1" in result.explanation


def test_incompatible_filter_redirects_the_file_system() -> None:
    # Field notes: an anti-virus update put CSVs into redirected mode.
    result = csv_access(
        _csv_cluster(),
        "V1",
        storage_up=lambda node, csv: True,
        csv_network_bps=10_000_000_000,
        os="WindowsServer2012",
        file_system_redirected={"n1", "n2", "n3", "n4"},
    )
    assert {n.state for n in result.nodes} == {"FileSystemRedirected"}
    assert result.nodes[0].throughput_bps is None  # the coordinator's own I/O stays local
    assert result.nodes[1].throughput_bps == 10_000_000_000 // 3


def test_no_node_sees_the_disk() -> None:
    result = csv_access(
        _csv_cluster(),
        "V1",
        storage_up=lambda node, csv: False,
        csv_network_bps=10_000_000_000,
        os="WindowsServer2016",
    )
    assert not result.online and {n.state for n in result.nodes} == {"Unavailable"}


def test_csv_traffic_prefers_the_lowest_metric_cluster_network() -> None:
    assert csv_network(_csv_cluster()) == "CSV"


def test_mib_sizes_round_up_in_event_3320() -> None:
    lab = _lab(f"{50 * 1024 * MIB + 1}", vm_id="X")
    assert "of size 51201 MB" in can_start(lab, "MYSERVER").events[1].message
