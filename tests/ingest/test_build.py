"""Exports → Lab: what the builder maps, what it leaves unknown, and that it never raises."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hvlab.ingest import read_folder
from hvlab.ingest.build import ALWAYS_UNKNOWN, UNKNOWN_PARTS, BuiltLab, build_lab, os_from_build
from hvlab.model.lab import Lab
from hvlab.model.references import check_references

SAMPLE = Path(__file__).parents[1] / "data" / "audit-sample"
EXAMPLES = Path(__file__).parents[2] / "examples"
GIB = 2**30


def build(path: Path) -> BuiltLab:
    return build_lab(read_folder(path))


def write_json(path: Path, objects: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(objects, indent=2), encoding="utf-8")


def computer_info(host: str, build_number: int = 9200, product: object = 3) -> dict[str, Any]:
    """A ``Get-ComputerInfo | ConvertTo-Json`` object (the properties hvlab reads)."""
    names = {9200: "2012", 9600: "2012 R2", 14393: "2016"}
    return {
        "CsName": host,
        "OsName": f"Microsoft Windows Server {names.get(build_number, '')} Datacenter",
        "OsVersion": f"6.2.{build_number}",
        "OsBuildNumber": str(build_number),
        "OsProductType": product,
    }


def vm(name: str, vm_id: str, host: str, **extra: object) -> dict[str, object]:
    """A ``Get-VM`` object as Collect-HvLab.ps1 selects it (PowerShell 7 shape)."""
    return {
        "Name": name,
        "Id": vm_id,
        "VMId": vm_id,
        "State": "Running",
        "ComputerName": host,
        "MemoryStartup": 4 * GIB,
        "MemoryMinimum": 512 * 2**20,
        "MemoryMaximum": 1024 * GIB,
        "DynamicMemoryEnabled": False,
        "AutomaticStopAction": "Save",
        "AutomaticStartAction": "StartIfRunning",
        "IntegrationServicesVersion": "6.2.9200.16384",
        "Path": f"D:\\VMs\\{name}",
        "ConfigurationLocation": f"D:\\VMs\\{name}",
        "ProcessorCount": 2,
        "Generation": 2,
        "IsClustered": False,
        **extra,
    }


# --------------------------------------------------------------------------- the sample


def test_hosts_nics_teams_and_switches_of_the_sample() -> None:
    lab = build(SAMPLE).lab
    assert sorted(lab.hosts) == ["HV01", "HV02", "HVDR01", "HVDR02"]
    hv01 = lab.hosts["HV01"]
    assert (hv01.cpus, hv01.memory) == (32, 192 * GIB)
    # The team interface VMTeam (Multiplexor driver) is not a physical NIC.
    assert sorted(hv01.nics) == ["CSV", "NIC1", "NIC2"]
    assert hv01.nics["NIC1"].speed == 10**10 and hv01.nics["CSV"].speed == 10**9
    assert hv01.nics["NIC1"].features == ("vmq",)
    assert hv01.nics["CSV"].mtu == 9000  # *JumboPacket 9014 = 9000 + the 14-byte header
    assert hv01.nics["NIC1"].mac == "00:1b:21:a1:00:01"
    assert hv01.nics["NIC1"].vendor == "Intel"
    team = hv01.teams["VMTeam"]
    assert (team.members, team.mode, team.algorithm) == (
        ("NIC1", "NIC2"),
        "SwitchIndependent",
        "HyperVPort",
    )
    assert list(team.interfaces) == ["VMTeam"] and team.interfaces["VMTeam"].vlan is None
    hv02_team = lab.hosts["HV02"].teams["VMTeam"]
    assert (hv02_team.mode, hv02_team.algorithm) == ("Lacp", "Dynamic")
    for host in (lab.hosts["HV01"], lab.hosts["HV02"]):
        switch = host.vswitches["VMSwitch"]
        assert (switch.type, switch.uplink, switch.allow_management_os) == (
            "External",
            "VMTeam",
            False,
        )
    assert lab.hosts["HV01"].vswitches["VMSwitch"].bandwidth_mode == "Absolute"


def test_cluster_of_the_sample() -> None:
    lab = build(SAMPLE).lab
    assert list(lab.clusters) == ["CLU01", "CLU02"]  # CLU02: the replica cluster in site DR
    cluster = lab.clusters["CLU01"]
    assert cluster.nodes == ("HV01", "HV02")
    assert cluster.heartbeat.same_subnet_delay == 1000  # milliseconds, as Get-Cluster says
    assert cluster.heartbeat.same_subnet_threshold == 5
    assert cluster.heartbeat.cross_subnet_delay == 1000
    networks = cluster.networks
    assert (networks["Management"].role, networks["Management"].metric) == (
        "ClusterAndClient",
        10000,
    )
    assert (networks["CSV"].role, networks["CSV"].metric) == ("Cluster", 900)
    assert networks["iSCSI"].role == "None"
    assert networks["CSV"].subnet == "10.0.30.0/24"
    csv = cluster.csvs["Volume1"]
    assert (csv.size, csv.used, csv.owner) == (2 * 2**40, 2150704873472, "HV01")
    assert cluster.live_migration.max_migrations == 2


def test_vms_of_the_sample() -> None:
    lab = build(SAMPLE).lab
    assert sorted(lab.vms) == sorted(
        ["HopelessVM", "SQL01", "FILE01", "O'Brien's VM", "MYSERVER", "WEB01"]
    )
    hopeless = lab.vms["HopelessVM"]
    assert (hopeless.cluster, hopeless.host, hopeless.storage) == ("CLU01", "HV01", "Volume1")
    assert hopeless.memory.startup == 50 * GIB and not hopeless.memory.dynamic
    assert hopeless.automatic_stop_action == "Save"
    assert hopeless.cluster_group_id == "0f8cabe4-f773-4ae4-b431-ada5a3c9926c"
    assert hopeless.vm_id == "3c1f0b5e-9b1d-4d55-a8f4-5d0b7a1c2e10"
    assert hopeless.integration_services == "6.2.9200.16384"
    assert hopeless.nics[0].switch == "VMSwitch" and hopeless.nics[0].vlan == 100
    assert hopeless.nics[0].allow_teaming is False
    file01 = lab.vms["FILE01"]
    assert file01.memory.dynamic and (file01.memory.minimum, file01.memory.maximum) == (
        1 * GIB,
        8 * GIB,
    )
    assert (file01.state, file01.automatic_stop_action) == ("Off", "TurnOff")
    assert lab.vms["SQL01"].integration_services == "6.1.7601.17514"
    assert lab.vms["O'Brien's VM"].host == "HV02"
    assert lab.vms["O'Brien's VM"].automatic_stop_action == "ShutDown"


def test_management_and_web_sites_of_the_sample() -> None:
    lab = build(SAMPLE).lab
    assert lab.management is not None
    managed = lab.management.vms
    assert sorted(managed) == sorted(lab.vms)
    assert managed["HopelessVM"].resource_group_id == "df43bf60-7216-47ed-9560-7561d24c7dc8"
    assert (managed["HopelessVM"].host, managed["HopelessVM"].cluster) == ("HV01", "CLU01")
    assert managed["O'Brien's VM"].computer_name == "obrien.test.lab"
    # The site whose redirect has no http:// (it loops: the field notes' KEMP + IIS story).
    site = lab.web_sites["www-redirect"]
    assert site.servers == ("WEB01",)
    assert site.bindings[0].host == "www.surveyor.lab" and site.bindings[0].port == 80
    assert site.redirect is not None and site.redirect.enabled
    assert site.redirect.destination == "www.bussines.lab/surveyors/services"
    assert site.redirect.status == "Found"
    ntrip = lab.web_sites["ntrip"]
    assert [b.host for b in ntrip.bindings] == ["ntrip.surveyor.lab"] * 2
    assert ntrip.redirect is None  # server level: enabled="false" and no destination
    assert ntrip.physical_path == "D:\\inetpub\\ntrip"


def test_the_sample_validates_and_is_consistent() -> None:
    built = build(SAMPLE)
    assert check_references(built.lab) == []
    assert built.warnings == ()
    assert Lab.model_validate(built.lab.model_dump(exclude_defaults=True)).vms == built.lab.vms
    assert set(ALWAYS_UNKNOWN) <= built.unknown <= set(UNKNOWN_PARTS)
    assert {"switches", "links", "load_balancers", "antivirus", "host_os"} <= built.unknown
    assert "vms.HopelessVM" in built.sources
    assert "HV01_Get-VM.json" in built.sources["vms.HopelessVM"]
    assert "cluster/Groups.reg" in built.sources["vms.HopelessVM"]


def test_what_the_sample_does_not_say_is_located() -> None:
    gaps = {(gap.part, gap.path) for gap in build(SAMPLE).gaps}
    assert ("host_os", "hosts.HV01.os") in gaps and ("host_os", "hosts.HV02.os") in gaps
    # HV02's advanced properties are truncated: its CSV MTU is unknown, HV01's is not.
    assert ("nic_features", "hosts.HV02.nics.CSV.mtu") in gaps
    assert not any(path.startswith("hosts.HV01.nics") for _, path in gaps)
    # No Get-VMNetworkAdapter for HV02: its VMs' adapters are unknown, not absent.
    assert ("vm_nics", "vms.WEB01.nics") in gaps
    assert ("vm_nics", "vms.SQL01.nics") not in gaps
    assert ("teaming", "hosts.HV02.teams.VMTeam.standby") in gaps


def test_building_is_deterministic() -> None:
    first, second = build(SAMPLE), build(SAMPLE)
    assert first.lab.model_dump() == second.lab.model_dump()
    assert (first.notes, first.gaps, first.unknown) == (second.notes, second.gaps, second.unknown)


# --------------------------------------------------------------------------- host OS


def test_get_computer_info_gives_the_host_os(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(SAMPLE, folder)
    write_json(folder / "HV01_Get-ComputerInfo.json", computer_info("HV01", 9200))
    write_json(folder / "HV02_Get-ComputerInfo.json", [computer_info("HV02", 9600, "Server")])
    for host in ("HVDR01", "HVDR02"):  # the replica cluster's nodes
        write_json(folder / f"{host}_Get-ComputerInfo.json", computer_info(host, 14393))
    built = build(folder)
    assert built.lab.hosts["HV01"].os == "WindowsServer2012"
    assert built.lab.hosts["HV02"].os == "WindowsServer2012R2"
    assert "host_os" not in built.unknown
    assert str(folder / "HV01_Get-ComputerInfo.json") in built.consumed


def test_a_client_or_unknown_build_leaves_the_os_unknown(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(SAMPLE, folder)
    write_json(folder / "HV01_Get-ComputerInfo.json", computer_info("HV01", 9200, 1))
    write_json(folder / "HV02_Get-ComputerInfo.json", computer_info("HV02", 12345))
    reasons = {gap.path: gap.reason for gap in build(folder).gaps if gap.part == "host_os"}
    assert "not Windows Server" in reasons["hosts.HV01.os"]
    assert "12345" in reasons["hosts.HV02.os"]


def test_os_from_build_follows_the_release_table() -> None:
    assert os_from_build(7601) == "WindowsServer2008R2"
    assert os_from_build(14393) == "WindowsServer2016"
    assert os_from_build(None) is None and os_from_build(1) is None


# --------------------------------------------------------------------------- names


def test_duplicate_vm_names_across_hosts_are_made_unique(tmp_path: Path) -> None:
    write_json(tmp_path / "A_Get-VM.json", [vm("WEB", "11111111-1111-4111-8111-111111111111", "A")])
    write_json(
        tmp_path / "B_Get-VM.json",
        [
            vm("WEB", "22222222-2222-4222-8222-222222222222", "B"),
            vm("web", "33333333-3333-4333-8333-333333333333", "B"),
            vm("DB", "44444444-4444-4444-8444-444444444444", "B"),
        ],
    )
    (tmp_path / "vmm").mkdir()
    (tmp_path / "vmm" / "tbl_WLC_VMInstance.csv").write_text(
        '"Name","ComputerName","VMResourceGroupID","HostName"\n'
        '"WEB","web-a.lab","55555555-5555-4555-8555-555555555555","A.lab"\n'
        '"WEB","web-b.lab","66666666-6666-4666-8666-666666666666","B.lab"\n'
        '"DB","db.lab","77777777-7777-4777-8777-777777777777","B.lab"\n',
        encoding="utf-8",
    )
    built = build(tmp_path)
    lab = built.lab
    assert sorted(lab.vms) == ["DB", "WEB (A)", "WEB (B)", "web (B, 33333333)"]
    assert lab.vms["WEB (A)"].host == "A" and lab.vms["WEB (B)"].host == "B"
    assert lab.management is not None
    assert sorted(lab.management.vms) == ["DB", "WEB (A)", "WEB (B)"]
    assert lab.management.vms["WEB (B)"].computer_name == "web-b.lab"
    assert any("'WEB'" in note and "WEB (A)" in note for note in built.notes)
    assert check_references(lab) == []


def test_a_vm_exported_twice_is_one_vm(tmp_path: Path) -> None:
    same = vm("SQL", "11111111-1111-4111-8111-111111111111", "A")
    write_json(tmp_path / "A_Get-VM.json", [same])
    write_json(tmp_path / "again" / "A_Get-VM.json", [same])
    built = build(tmp_path)
    assert list(built.lab.vms) == ["SQL"]
    assert any("exported twice" in note for note in built.notes)


def test_the_same_site_on_two_servers(tmp_path: Path) -> None:
    config = (SAMPLE / "iis" / "WEB01_applicationHost.config").read_bytes()
    write_json(
        tmp_path / "HV01_Get-VM.json",
        [
            vm("WEB01", "11111111-1111-4111-8111-111111111111", "HV01"),
            vm("WEB02", "22222222-2222-4222-8222-222222222222", "HV01"),
        ],
    )
    (tmp_path / "iis").mkdir()
    (tmp_path / "iis" / "WEB01_applicationHost.config").write_bytes(config)
    (tmp_path / "iis" / "WEB02_applicationHost.config").write_bytes(config)
    lab = build(tmp_path).lab
    assert sorted(lab.web_sites) == [
        "ntrip (WEB01)",
        "ntrip (WEB02)",
        "www-redirect (WEB01)",
        "www-redirect (WEB02)",
    ]
    assert lab.web_sites["www-redirect (WEB02)"].servers == ("WEB02",)
    assert check_references(lab) == []


# --------------------------------------------------------------------------- odd exports


def test_a_switch_whose_adapter_is_not_exported_is_left_out(tmp_path: Path) -> None:
    write_json(
        tmp_path / "H1_Get-VMSwitch.json",
        [
            {
                "Name": "Ext",
                "SwitchType": "External",
                "NetAdapterInterfaceDescription": "Some Vendor 10G #9",
                "AllowManagementOS": True,
                "ComputerName": "H1",
            },
            {
                "Name": "Lab",
                "SwitchType": "Private",
                "ComputerName": "H1",
                "AllowManagementOS": False,
            },
        ],
    )
    write_json(
        tmp_path / "H1_Get-VMNetworkAdapter.json",
        [
            {
                "Name": "nic",
                "VMName": "A",
                "VMId": "11111111-1111-4111-8111-111111111111",
                "SwitchName": "Ext",
                "IsManagementOs": False,
                "ComputerName": "H1",
                "VlanSetting": {"OperationMode": "Untagged", "AccessVlanId": 0},
            },
            {
                "Name": "nic2",
                "VMName": "A",
                "VMId": "11111111-1111-4111-8111-111111111111",
                "SwitchName": "Lab",
                "IsManagementOs": False,
                "ComputerName": "H1",
                "VlanSetting": {"OperationMode": "Access", "AccessVlanId": 42},
            },
        ],
    )
    write_json(tmp_path / "H1_Get-VM.json", [vm("A", "11111111-1111-4111-8111-111111111111", "H1")])
    built = build(tmp_path)
    host = built.lab.hosts["H1"]
    assert list(host.vswitches) == ["Lab"]
    assert [(n.switch, n.vlan) for n in built.lab.vms["A"].nics] == [("Lab", 42)]
    assert any("switch Ext" in note for note in built.notes)
    assert "vswitches" in built.unknown
    assert check_references(built.lab) == []


def test_a_value_the_model_refuses_drops_that_object_only(tmp_path: Path) -> None:
    write_json(
        tmp_path / "H1_Get-NetAdapter.json",
        [
            {"Name": "BAD", "Speed": -5, "MacAddress": "x", "ifIndex": 1, "LinkSpeed": "?"},
            {"Name": "GOOD", "Speed": 10**9, "MacAddress": "00-11-22-33-44-55", "ifIndex": 2},
        ],
    )
    built = build(tmp_path)
    assert list(built.lab.hosts["H1"].nics) == ["GOOD"]
    assert any("hosts.H1.nics.BAD" in w.message for w in built.warnings)


def test_vmm_rows_of_vms_without_get_vm_are_unknown_not_missing() -> None:
    built = build(EXAMPLES / "vmm-drift")
    assert built.lab.management is not None and len(built.lab.management.vms) == 8
    assert not built.lab.vms
    paths = {gap.path for gap in built.gaps if gap.part == "vms"}
    assert "management.vms.HopelessVM" in paths
    assert check_references(built.lab) == []


def test_the_integration_services_example_exports() -> None:
    built = build(EXAMPLES / "integration-services" / "exports")
    lab = built.lab
    assert sorted(lab.hosts) == ["node1", "node2", "node3"]
    assert len(lab.vms) == 15
    assert lab.vms["APP-IMP1"].integration_services == "6.1.7601.17514"
    assert lab.vms["APP-IMP1"].host == "node1"
    # IsClustered, but no cluster export: the cluster stays unknown, not invented.
    assert lab.vms["APP-IMP1"].cluster is None and "clusters" in built.unknown


# --------------------------------------------------------------------------- sites and Replica

APP = "11111111-1111-4111-8111-111111111111"


def replication(name: str, vm_id: str, host: str, **extra: object) -> dict[str, object]:
    """A ``Get-VMReplication`` object as Collect-HvLab.ps1 selects it (PowerShell 7 shape)."""
    return {
        "VMName": name,
        "VMId": vm_id,
        "ComputerName": host,
        "ReplicationMode": "Primary",
        "ReplicationState": "Replicating",
        "ReplicationHealth": "Normal",
        "ReplicationRelationshipType": "Simple",
        "PrimaryServerName": f"{host}.lab",
        "ReplicationFrequencySec": 30,
        "RecoveryHistory": 0,
        **extra,
    }


def failover(name: str, vm_id: str | None, host: str, **extra: object) -> dict[str, object]:
    """A row of the collector's ``Get-VMNetworkAdapterFailoverConfiguration`` export."""
    return {
        "VMName": name,
        "VMId": vm_id,
        "VMNetworkAdapterName": "Network Adapter",
        "MacAddress": None,
        "ComputerName": host,
        "IPv4Address": None,
        "IPv4SubnetMask": None,
        "IPv4DefaultGateway": None,
        "FailoverConfigurationError": None,
        **extra,
    }


def nic(vm_name: str, vm_id: str, host: str, mac: str, ip: str) -> dict[str, object]:
    return {
        "Name": "Network Adapter",
        "VMName": vm_name,
        "VMId": vm_id,
        "SwitchName": "Lab",
        "MacAddress": mac,
        "IPAddresses": [ip],
        "IsManagementOs": False,
        "ComputerName": host,
        "VlanSetting": {"OperationMode": "Untagged", "AccessVlanId": 0},
    }


def primary_folder(folder: Path, **record: object) -> Path:
    """Host H1 runs VM APP on private switch Lab and replicates it as ``record`` says."""
    write_json(folder / "H1_Get-VM.json", [vm("APP", APP, "H1")])
    write_json(
        folder / "H1_Get-VMSwitch.json",
        [
            {
                "Name": "Lab",
                "SwitchType": "Private",
                "ComputerName": "H1",
                "AllowManagementOS": False,
            }
        ],
    )
    write_json(
        folder / "H1_Get-VMNetworkAdapter.json",
        [nic("APP", APP, "H1", "00155D000001", "10.1.0.10")],
    )
    write_json(folder / "H1_Get-VMReplication.json", [replication("APP", APP, "H1", **record)])
    return folder


def node_list(cluster: str, *names: str) -> list[dict[str, object]]:
    return [{"Name": n, "State": "Up", "NodeWeight": 1, "Cluster": cluster} for n in names]


def domain(
    name: str, kind: object, parent: str | None = None, **extra: object
) -> dict[str, object]:
    return {"Name": name, "Type": kind, "ParentName": parent, "ChildrenNames": [], **extra}


def test_sites_racks_and_replica_of_the_sample() -> None:
    built = build(SAMPLE)
    lab = built.lab
    assert list(lab.sites) == ["DR"]
    assert lab.sites["DR"].description == "Disaster-recovery site, 2 Example Road"
    assert (lab.hosts["HVDR01"].site, lab.hosts["HVDR01"].rack) == ("DR", "DR-R1")
    assert lab.clusters["CLU02"].preferred_site == "DR"
    # CLU01 is a 2012 cluster: no fault domains, so where HV01 and HV02 stand is unknown.
    assert lab.hosts["HV01"].site is None
    gaps = {(gap.part, gap.path) for gap in built.gaps}
    assert ("sites", "hosts.HV01.site") in gaps and ("sites", "hosts.HVDR01.site") not in gaps
    sql = lab.vms["SQL01"]
    assert sql.replica is not None
    assert (sql.replica.to, sql.replica.frequency, sql.replica.recovery_points) == (
        "CLU02",  # HVR-BROKER.test.lab is CLU02's Replica Broker
        300_000,
        4,
    )
    (adapter,) = sql.nics
    assert (adapter.ip, adapter.failover_ip, adapter.failover_gateway) == (
        "10.0.100.191",
        "10.2.100.191",  # the replica copy's setting on HVDR01, not the primary's own
        "10.2.100.1",
    )
    # The copy on HVDR01 is SQL01's replica, not a seventh VM.
    assert len(lab.vms) == 6 and sql.host == "HV01"
    assert lab.vms["HopelessVM"].replica is None
    assert "replica" not in built.unknown
    assert {"replica_traffic", "sites"} <= built.unknown
    assert not {"wan_links", "site_subnets", "storage_replica"} & built.unknown  # one site
    assert ("replica_traffic", "vms.SQL01.replica.change_rate") in gaps
    assert any("copy (Replica)" in note and "HVDR01" in note for note in built.notes)
    assert any("fails back" in note for note in built.notes)
    assert "HVDR01_Get-VMNetworkAdapterFailoverConfiguration.json" in built.sources["vms.SQL01"]


def test_two_sites_make_the_wan_and_the_subnets_unknown(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(SAMPLE, folder)
    # PowerShell 7 shape: Type by name; the nodes are found through ChildrenNames only.
    write_json(
        folder / "CLU01_Get-ClusterFaultDomain.json",
        [
            {"Name": "HQ", "Type": "Site", "ChildrenNames": ["HV01.test.lab", "HV02"]},
            {"Name": "HV01.test.lab", "Type": "Node"},
            {"Name": "HV02", "Type": "Node", "ParentName": ""},
        ],
    )  # fmt: skip
    built = build(folder)
    lab = built.lab
    assert sorted(lab.sites) == ["DR", "HQ"]
    assert (lab.hosts["HV01"].site, lab.hosts["HV02"].site) == ("HQ", "HQ")
    assert "sites" not in built.unknown
    assert {"wan_links", "site_subnets"} <= built.unknown
    assert "storage_replica" not in built.unknown
    assert check_references(lab) == []


def test_a_stretched_cluster_leaves_its_storage_unknown(tmp_path: Path) -> None:
    write_json(tmp_path / "C1_Get-ClusterNode.json", node_list("C1", "A1", "B1"))
    write_json(
        tmp_path / "C1_Get-ClusterFaultDomain.json",
        [
            domain("SiteA", 1000),
            domain("SiteB", 1000),
            domain("A1", 4000, "SiteA"),
            domain("B1", 4000, "SiteB"),
        ],
    )
    built = build(tmp_path)
    assert {h: built.lab.hosts[h].site for h in ("A1", "B1")} == {"A1": "SiteA", "B1": "SiteB"}
    assert {"storage_replica", "wan_links", "site_subnets"} <= built.unknown
    assert "sites" not in built.unknown


def test_replica_to_a_host_of_the_export(tmp_path: Path) -> None:
    primary_folder(tmp_path, ReplicaServerName="r1.lab", CurrentReplicaServerName="r1.lab")
    write_json(tmp_path / "R1_Get-VMHost.json", {"Name": "R1", "LogicalProcessorCount": 8})
    built = build(tmp_path)
    replica = built.lab.vms["APP"].replica
    assert replica is not None
    assert (replica.to, replica.frequency, replica.recovery_points) == ("R1", 30_000, 0)


def test_a_broker_without_the_cluster_groups_follows_the_current_node(tmp_path: Path) -> None:
    primary_folder(tmp_path, ReplicaServerName="hvr.lab", CurrentReplicaServerName="R2.lab")
    write_json(tmp_path / "C2_Get-ClusterNode.json", node_list("C2", "R1", "R2"))
    built = build(tmp_path)
    replica = built.lab.vms["APP"].replica
    assert replica is not None and replica.to == "C2"
    assert any("taken as C2's Replica Broker" in note for note in built.notes)


def test_a_broker_of_the_cluster_registry(tmp_path: Path) -> None:
    primary_folder(tmp_path, ReplicaServerName="hvr.lab")
    write_json(tmp_path / "C2_Get-ClusterNode.json", node_list("C2", "R1", "R2"))
    (tmp_path / "cluster").mkdir()
    (tmp_path / "cluster" / "Groups.reg").write_text(
        "Windows Registry Editor Version 5.00\n\n"
        "[HKEY_LOCAL_MACHINE\\Cluster\\Groups\\7e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b]\n"
        '"Name"="HVR"\n"GroupType"=dword:00000073\n',
        encoding="utf-8",
    )
    replica = build(tmp_path).lab.vms["APP"].replica
    assert replica is not None and replica.to == "C2"


def test_a_replica_server_outside_the_export_is_a_host_of_unknowns(tmp_path: Path) -> None:
    primary_folder(
        tmp_path,
        ReplicaServerName="hvr01.hoster.example",
        CurrentReplicaServerName="hvr01.hoster.example",
        ReplicationState="Suspended",
        ReplicationHealth="Critical",
    )
    built = build(tmp_path)
    lab = built.lab
    replica = lab.vms["APP"].replica
    assert replica is not None and replica.to == "hvr01" and "hvr01" in lab.hosts
    gaps = {(gap.part, gap.path) for gap in built.gaps}
    for part, path in (
        ("host_resources", "hosts.hvr01.cpus"),
        ("host_os", "hosts.hvr01.os"),
        ("sites", "hosts.hvr01.site"),
    ):
        assert (part, path) in gaps
    assert any("hvr01.hoster.example" in note and "not a host" in note for note in built.notes)
    assert any("Suspended, health Critical" in note for note in built.notes)
    # Its copy's failover address cannot be in the export: the NIC's is unknown.
    assert ("replica", "vms.APP.nics") in gaps
    assert check_references(lab) == []


def test_without_a_replication_export_the_replica_is_unknown(tmp_path: Path) -> None:
    write_json(tmp_path / "H1_Get-VM.json", [vm("APP", APP, "H1")])
    built = build(tmp_path)
    assert built.lab.vms["APP"].replica is None
    assert ("replica", "vms.APP.replica") in {(g.part, g.path) for g in built.gaps}
    (tmp_path / "H1_Get-VMReplication.json").write_text("[]", encoding="utf-8")
    again = build(tmp_path)
    assert "replica" not in again.unknown and again.lab.vms["APP"].replica is None


def test_the_primarys_own_failover_settings_are_not_the_failover_address(tmp_path: Path) -> None:
    primary_folder(tmp_path, ReplicaServerName="r1.lab")
    write_json(tmp_path / "R1_Get-VMHost.json", {"Name": "R1", "LogicalProcessorCount": 8})
    write_json(
        tmp_path / "H1_Get-VMNetworkAdapterFailoverConfiguration.json",
        [failover("APP", APP, "H1", IPv4Address="10.1.0.10", IPv4DefaultGateway="10.1.0.1")],
    )
    built = build(tmp_path)
    assert built.lab.vms["APP"].nics[0].failover_ip is None
    assert ("replica", "vms.APP.nics") in {(g.part, g.path) for g in built.gaps}
    # The replica host's export holds the copy's setting: that one is the failover address
    # (this row has no VMId: it is matched by the VM's name).
    write_json(
        tmp_path / "R1_Get-VMNetworkAdapterFailoverConfiguration.json",
        [failover("APP", None, "R1", IPv4Address="10.2.0.10", IPv4DefaultGateway="bad")],
    )
    nic_entry = build(tmp_path).lab.vms["APP"].nics[0]
    assert (nic_entry.failover_ip, nic_entry.failover_gateway) == ("10.2.0.10", None)


def test_failover_settings_that_cannot_be_placed(tmp_path: Path) -> None:
    primary_folder(tmp_path, ReplicaServerName="r1.lab")
    write_json(tmp_path / "R1_Get-VMHost.json", {"Name": "R1", "LogicalProcessorCount": 8})
    write_json(
        tmp_path / "R1_Get-VMNetworkAdapterFailoverConfiguration.json",
        [
            failover("APP", APP, "R1", VMNetworkAdapterName="Other", IPv4Address="10.2.0.10"),
            failover("APP", APP, "R1", VMNetworkAdapterName="Network Adapter",
                     FailoverConfigurationError="legacy network adapter"),
        ],
    )  # fmt: skip
    built = build(tmp_path)
    assert built.lab.vms["APP"].nics[0].failover_ip is None
    reasons = {g.path: g.reason for g in built.gaps if g.part == "replica"}
    assert "legacy network adapter" in reasons["vms.APP.nics[0]"]
    assert any("matches none of its adapters" in note for note in built.notes)


def test_replica_copies_extended_replication_and_test_failover(tmp_path: Path) -> None:
    primary_folder(tmp_path, ReplicaServerName="r1.lab", ReplicationRelationshipType=1)
    test_vm = "22222222-2222-4222-8222-222222222222"
    orphan = "33333333-3333-4333-8333-333333333333"
    write_json(
        tmp_path / "R1_Get-VM.json",
        [
            vm("APP", APP, "R1", ReplicationMode=2, State="Off"),
            vm("APP - Test", test_vm, "R1", ReplicationMode="TestReplica"),
            vm("OLD", orphan, "R1", ReplicationMode="Replica", State="Off"),
        ],
    )
    built = build(tmp_path)
    lab = built.lab
    assert sorted(lab.vms) == ["APP", "OLD"]  # the copy is APP's, the test VM is left out
    assert lab.vms["APP"].host == "H1" and lab.vms["OLD"].host == "R1"
    assert lab.vms["APP"].replica is None  # extended replication only: not modelled
    notes = " | ".join(built.notes)
    assert "extended replication" in notes and "test-failover VM" in notes
    assert "whose primary is not in the export" in notes


def test_fault_domain_oddities(tmp_path: Path) -> None:
    write_json(tmp_path / "C1_Get-ClusterNode.json", node_list("C1", "N1", "N2", "N3"))
    write_json(
        tmp_path / "C1_Get-ClusterFaultDomain.json",
        [
            domain("Main", "Site", Location="Building 1", Description="Head office"),
            domain("R1", "Rack", "Main"),
            domain("Ch1", "Chassis", "R1"),
            domain("n1.lab", "Node", "Ch1"),
            domain("N2", "Node", "Nowhere"),  # a parent that is not exported
            domain("LoopA", "Rack", "LoopB"),
            domain("LoopB", "Rack", "LoopA"),
            domain("N3", "Node", "LoopA"),
            domain("OldNode", "Node", "R1"),  # evicted: still a fault domain
        ],
    )
    write_json(tmp_path / "C2_Get-ClusterNode.json", node_list("C2", "M1"))
    built = build(tmp_path)
    lab = built.lab
    assert lab.sites["Main"].description == "Head office (Building 1)"
    assert (lab.hosts["N1"].site, lab.hosts["N1"].rack) == ("Main", "R1")
    assert (lab.hosts["N2"].site, lab.hosts["N3"].site, lab.hosts["N3"].rack) == (
        None,
        None,
        "LoopA",
    )
    assert "OldNode" not in lab.hosts
    notes = " | ".join(built.notes)
    assert "chassis" in notes and "Nowhere, above N2, is not in the export" in notes
    assert "OldNode is not a host" in notes
    reasons = {g.path: g.reason for g in built.gaps if g.part == "sites"}
    assert "C1 puts N2 in no site" in reasons["hosts.N2.site"]
    assert "no Get-ClusterFaultDomain export for C2" in reasons["hosts.M1.site"]
    assert check_references(lab) == []


def test_a_site_less_cluster_of_a_site_less_export_is_one_site(tmp_path: Path) -> None:
    write_json(tmp_path / "C1_Get-ClusterNode.json", node_list("C1", "N1", "N2"))
    write_json(
        tmp_path / "C1_Get-ClusterFaultDomain.json",
        [domain("N1", "Node"), domain("N2", "Node")],
    )
    built = build(tmp_path)
    assert not built.lab.sites and "sites" not in built.unknown


def test_preferred_sites(tmp_path: Path) -> None:
    write_json(tmp_path / "C1_Get-ClusterNode.json", node_list("C1", "N1", "N2"))
    write_json(
        tmp_path / "C1_Get-ClusterFaultDomain.json",
        [domain("HQ", "Site"), domain("DR", "Site"), domain("N1", "Node", "HQ"),
         domain("N2", "Node", "DR")],
    )  # fmt: skip
    write_json(tmp_path / "C1_Get-Cluster.json", {"Name": "C1", "SameSubnetDelay": 1000,
                                                  "PreferredSite": "hq"})  # fmt: skip
    groups = [
        {"Name": "A", "GroupType": "VirtualMachine", "Id": APP, "PreferredSite": "DR",
         "FailoverThreshold": 1, "Cluster": "C1"},
        {"Name": "B", "GroupType": "VirtualMachine", "Id": "22222222-2222-4222-8222-222222222222",
         "PreferredSite": "Mars", "FailoverThreshold": 1, "Cluster": "C1"},
    ]  # fmt: skip
    write_json(tmp_path / "C1_Get-ClusterGroup.json", groups)
    write_json(
        tmp_path / "N1_Get-VM.json",
        [
            vm("A", "44444444-4444-4444-8444-444444444444", "N1", IsClustered=True),
            vm("B", "55555555-5555-4555-8555-555555555555", "N1", IsClustered=True),
        ],
    )
    built = build(tmp_path)
    lab = built.lab
    assert lab.clusters["C1"].preferred_site == "HQ"
    assert (lab.vms["A"].preferred_site, lab.vms["B"].preferred_site) == ("DR", None)
    assert ("sites", "vms.B.preferred_site") in {(g.part, g.path) for g in built.gaps}
    assert check_references(lab) == []


# --------------------------------------------------------------------------- fuzz

_SHAPES = {
    "Get-VM": ["Name", "Id", "ComputerName", "MemoryStartup", "MemoryMinimum", "MemoryMaximum",
               "DynamicMemoryEnabled", "AutomaticStopAction", "IntegrationServicesVersion",
               "ConfigurationLocation", "ProcessorCount", "Generation", "IsClustered", "State",
               "ReplicationMode"],
    "Get-NetAdapter": ["Name", "MacAddress", "LinkSpeed", "ifIndex", "MediaConnectionState",
                       "DriverDescription", "InterfaceDescription", "Speed", "Virtual", "VlanID"],
    "Get-NetLbfoTeam": ["Name", "TeamingMode", "LoadBalancingAlgorithm", "TeamNics", "Members"],
    "Get-VMSwitch": ["Name", "SwitchType", "NetAdapterInterfaceDescription", "AllowManagementOS",
                     "BandwidthReservationMode", "EmbeddedTeamingEnabled", "IovEnabled"],
    "Get-VMNetworkAdapter": ["Name", "VMName", "VMId", "SwitchName", "IsManagementOs",
                             "DynamicMacAddressEnabled", "VlanSetting", "VMQWeight",
                             "AllowTeaming"],
    "Get-ClusterNode": ["Name", "NodeWeight", "DrainStatus", "NodeHighestVersion", "Cluster"],
    "Get-ClusterSharedVolume": ["Name", "SharedVolumeInfo", "SharedVolumeId", "OwnerNode"],
    "Get-ClusterNetwork": ["Name", "Role", "AddressMask", "AutoMetric", "Ipv4Addresses", "Metric",
                           "Address"],
    "Get-ClusterGroup": ["Name", "Id", "GroupType", "FailoverThreshold", "AntiAffinityClassNames",
                         "PersistentState", "OwnerNode", "Priority", "PreferredSite"],
    "Get-Cluster": ["Name", "SameSubnetDelay", "SameSubnetThreshold", "CrossSubnetDelay",
                    "QuorumArbitrationTimeMax", "CrossSubnetThreshold", "PreferredSite"],
    "Get-VMReplication": ["VMName", "VMId", "ComputerName", "ReplicationMode", "Mode",
                          "ReplicationState", "ReplicaServerName", "CurrentReplicaServerName",
                          "ReplicationFrequencySec", "FrequencySec", "RecoveryHistory",
                          "ReplicationRelationshipType"],
    "Get-VMNetworkAdapterFailoverConfiguration": ["VMName", "VMId", "VMNetworkAdapterName",
                                                  "MacAddress", "IPv4Address", "IPv4SubnetMask",
                                                  "IPv4DefaultGateway",
                                                  "FailoverConfigurationError"],
    "Get-ClusterFaultDomain": ["Name", "Type", "ParentName", "ChildrenNames", "Location",
                               "Description"],
}  # fmt: skip

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**45),
    st.sampled_from(["", "H1", "h1.lab", "VMTeam", "NIC1", "External", "Lacp", "6.2.9200.16384"]),
    # Sites and Replica: names and ids that make records of different files meet.
    st.sampled_from(
        [
            "Primary",
            "Replica",
            2,
            "Site",
            "Rack",
            "Node",
            1000,
            4000,
            "C1",
            "H2.lab",
            "10.2.0.5",
            "11111111-1111-4111-8111-111111111111",
            ["H1", "H2"],
        ]
    ),
    st.text(max_size=12),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["Name", "Size"]), inner)
    ),
    max_leaves=6,
)


@st.composite
def exports(draw: st.DrawFn) -> dict[str, list[dict[str, object]]]:
    files: dict[str, list[dict[str, object]]] = {}
    for cmdlet in draw(st.lists(st.sampled_from(sorted(_SHAPES)), min_size=1, max_size=5)):
        host = draw(st.sampled_from(["H1", "H2", "C1"]))  # C1 is also a node name below
        keys = _SHAPES[cmdlet]
        objects = draw(
            st.lists(st.fixed_dictionaries({key: _VALUES for key in keys}), min_size=1, max_size=3)
        )
        files[f"{host}_{cmdlet}.json"] = objects
    return files


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exports())
def test_random_well_formed_exports_always_build_a_valid_lab(
    files: dict[str, list[dict[str, object]]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, objects in files.items():
            write_json(Path(tmp) / name, objects)
        built = build(Path(tmp))
    assert isinstance(built.lab, Lab)
    Lab.model_validate(built.lab.model_dump())
    assert built.unknown <= set(UNKNOWN_PARTS)
