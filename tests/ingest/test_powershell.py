"""ConvertTo-Json exports of the Hyper-V, LBFO and cluster cmdlets."""

from __future__ import annotations

import codecs
import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hvlab.ingest.powershell import (
    CMDLETS,
    ENUMS,
    cmdlet_from_filename,
    detect_cmdlet,
    parse_powershell_json,
    parse_ps_date,
    read_powershell_json,
)
from hvlab.ingest.records import (
    ClusterFaultDomainRecord,
    ClusterNetworkRecord,
    ClusterNodeRecord,
    ClusterRecord,
    ClusterSharedVolumeRecord,
    LbfoTeamMemberRecord,
    LbfoTeamNicRecord,
    LbfoTeamRecord,
    NetAdapterAdvancedPropertyRecord,
    NetAdapterRecord,
    PsClusterGroupRecord,
    VMHostRecord,
    VMNetworkAdapterFailoverRecord,
    VMNetworkAdapterRecord,
    VMRecord,
    VMReplicationRecord,
    VMSwitchRecord,
    decode_text,
)

SAMPLE = Path(__file__).parents[1] / "data" / "audit-sample"
GiB = 1024**3


def read(name: str) -> Any:
    result = read_powershell_json(SAMPLE / name)
    return result


def test_filename_convention() -> None:
    assert cmdlet_from_filename("HV01_Get-VM.json") == ("Get-VM", "HV01")
    assert cmdlet_from_filename("/x/y/Get-ClusterNode.json") == ("Get-ClusterNode", None)
    assert cmdlet_from_filename("hv-node_01_get-vmhost.json") == ("Get-VMHost", "hv-node_01")
    assert cmdlet_from_filename("notes.json") == (None, None)
    assert cmdlet_from_filename("HV01_Get-Service.json") == (None, "HV01")


def test_get_vm_utf16_numbers_version_object() -> None:
    result = read("HV01_Get-VM.json")
    assert (result.cmdlet, result.host, result.warnings) == ("Get-VM", "HV01", ())
    hopeless, sql01, file01 = result.records
    assert isinstance(hopeless, VMRecord)
    assert hopeless.name == "HopelessVM"
    assert hopeless.id == "3c1f0b5e-9b1d-4d55-a8f4-5d0b7a1c2e10"
    assert hopeless.host == "HV01"
    assert hopeless.state == "Running"
    assert hopeless.memory_startup == 50 * GiB
    assert hopeless.automatic_stop_action == "Save"
    assert hopeless.automatic_start_action == "StartIfRunning"
    assert hopeless.integration_services_version == "6.2.9200.16384"
    assert hopeless.path == "C:\\ClusterStorage\\Volume1\\HopelessVM"
    assert hopeless.is_clustered is True
    assert sql01.automatic_stop_action == "ShutDown"
    assert sql01.integration_services_version == "6.1.7601.17514"
    assert (file01.state, file01.automatic_stop_action) == ("Off", "TurnOff")
    assert (file01.dynamic_memory_enabled, file01.memory_minimum) == (True, GiB)


def test_get_vm_ps7_strings() -> None:
    result = read("HV02_Get-VM.json")
    names = [record.name for record in result.records]
    assert names == ["O'Brien's VM", "MYSERVER", "WEB01"]
    myserver = result.records[1]
    assert (myserver.state, myserver.automatic_stop_action) == ("Off", "Save")
    assert myserver.memory_startup == 50 * GiB
    assert myserver.integration_services_version == "6.2.9200.16384"
    assert result.warnings == ()


def test_single_object_team_with_numeric_enums() -> None:
    result = read("HV01_Get-NetLbfoTeam.json")
    (team,) = result.records
    assert isinstance(team, LbfoTeamRecord)
    assert (team.teaming_mode, team.load_balancing_algorithm, team.status) == (
        "SwitchIndependent",
        "HyperVPort",
        "Up",
    )
    assert team.members == ("NIC1", "NIC2")
    assert team.team_nics == ("VMTeam",)


def test_team_with_string_enums() -> None:
    (team,) = read("HV02_Get-NetLbfoTeam.json").records
    assert (team.teaming_mode, team.load_balancing_algorithm) == ("Lacp", "Dynamic")


def test_team_members_and_team_nic() -> None:
    members = read("HV01_Get-NetLbfoTeamMember.json").records
    assert all(isinstance(member, LbfoTeamMemberRecord) for member in members)
    assert [
        (m.name, m.team, m.administrative_mode, m.transmit_link_speed_bps) for m in members
    ] == [
        ("NIC1", "VMTeam", "Active", 10**10),
        ("NIC2", "VMTeam", "Active", 10**10),
    ]
    (nic,) = read("HV01_Get-NetLbfoTeamNic.json").records
    assert isinstance(nic, LbfoTeamNicRecord)
    assert (nic.team, nic.primary, nic.vlan_id) == ("VMTeam", True, None)


def test_net_adapters_and_advanced_properties() -> None:
    adapters = read("HV01_Get-NetAdapter.json").records
    assert all(isinstance(adapter, NetAdapterRecord) for adapter in adapters)
    nic1 = adapters[0]
    assert (nic1.name, nic1.speed_bps, nic1.link_speed, nic1.host) == (
        "NIC1",
        10**10,
        "10 Gbps",
        "HV01.test.lab",
    )
    assert adapters[3].virtual is True
    properties = read("HV01_Get-NetAdapterAdvancedProperty.json").records
    assert isinstance(properties[0], NetAdapterAdvancedPropertyRecord)
    assert (
        properties[1].adapter,
        properties[1].registry_keyword,
        properties[1].registry_value,
    ) == (
        "CSV",
        "*JumboPacket",
        ("9014",),
    )


def test_truncated_export_keeps_complete_objects() -> None:
    result = read("HV02_Get-NetAdapterAdvancedProperty.json")
    assert len(result.records) == 1
    (warning,) = result.warnings
    assert "not valid JSON" in warning.message and "kept the 1 complete" in warning.message
    assert warning.line is not None


def test_wrong_cmdlet_under_a_cmdlet_name_is_skipped() -> None:
    result = read("Get-VM.json")
    assert result.records == ()
    assert result.cmdlet == "Get-ClusterGroup"
    assert result.warnings[0].message == (
        "named as Get-VM but holds Get-ClusterGroup output; file skipped"
    )


def test_switches_and_vm_network_adapters() -> None:
    (switch,) = read("HV01_Get-VMSwitch.json").records
    assert isinstance(switch, VMSwitchRecord)
    assert (switch.switch_type, switch.allow_management_os, switch.bandwidth_reservation_mode) == (
        "External",
        False,
        "Absolute",
    )
    (switch2,) = read("HV02_Get-VMSwitch.json").records
    assert (switch2.switch_type, switch2.bandwidth_reservation_mode) == ("External", "Weight")
    adapters = read("HV01_Get-VMNetworkAdapter.json").records
    assert isinstance(adapters[0], VMNetworkAdapterRecord)
    assert (adapters[0].vm_name, adapters[0].vlan_mode, adapters[0].access_vlan_id) == (
        "HopelessVM",
        "Access",
        100,
    )
    assert adapters[0].allow_teaming == "Off"


def test_vm_host() -> None:
    (host,) = read("HV01_Get-VMHost.json").records
    assert isinstance(host, VMHostRecord)
    assert (host.name, host.memory_capacity, host.maximum_virtual_machine_migrations) == (
        "HV01",
        192 * GiB,
        2,
    )


def test_cluster_objects() -> None:
    nodes = read("CLU01_Get-ClusterNode.json").records
    assert all(isinstance(node, ClusterNodeRecord) for node in nodes)
    assert [(node.name, node.state) for node in nodes] == [("HV01", "Up"), ("HV02", "Up")]
    groups = read("CLU01_Get-ClusterGroup.json").records
    assert all(isinstance(group, PsClusterGroupRecord) for group in groups)
    hopeless = next(group for group in groups if group.name == "HopelessVM")
    assert (hopeless.id, hopeless.owner_node, hopeless.group_type, hopeless.state) == (
        "0f8cabe4-f773-4ae4-b431-ada5a3c9926c",
        "HV01",
        "VirtualMachine",
        "Online",
    )
    assert groups[0].group_type == "Cluster"
    networks = read("CLU01_Get-ClusterNetwork.json")
    assert all(isinstance(network, ClusterNetworkRecord) for network in networks.records)
    assert [(n.name, n.role, n.metric) for n in networks.records] == [
        ("Management", "ClusterAndClient", 10000),
        ("CSV", "Cluster", 900),
        ("iSCSI", "None", 30000),
    ]
    assert networks.records[0].state is None  # network State numbers are not verified
    assert "State is exported as a number" in networks.warnings[0].message
    (volume,) = read("CLU01_Get-ClusterSharedVolume.json").records
    assert isinstance(volume, ClusterSharedVolumeRecord)
    assert (volume.state, volume.owner_node, volume.size_bytes, volume.free_bytes) == (
        "Online",
        "HV01",
        2048 * GiB,
        45 * GiB,
    )
    assert volume.friendly_volume_name == "C:\\ClusterStorage\\Volume1"
    (cluster,) = read("CLU01_Get-Cluster.json").records
    assert isinstance(cluster, ClusterRecord)
    assert (cluster.same_subnet_delay_ms, cluster.same_subnet_threshold) == (1000, 5)
    assert cluster.properties["QuorumArbitrationTimeMax"] == 20


def test_every_fixture_cmdlet_is_detected_by_shape() -> None:
    seen = set()
    for path in sorted(SAMPLE.glob("*_Get-*.json")):
        named, _ = cmdlet_from_filename(path.name)
        if read_powershell_json(path).records == ():
            continue  # an empty answer ([]) has no shape to tell
        result = read_powershell_json(path, cmdlet=None, host=None)
        assert result.cmdlet == named, path.name
        seen.add(named)
    assert seen == set(CMDLETS)


def test_shape_alone_when_the_name_says_nothing(tmp_path: Path) -> None:
    path = tmp_path / "export1.json"
    path.write_text(json.dumps({"Name": "T", "TeamingMode": 2, "LoadBalancingAlgorithm": 0}))
    result = read_powershell_json(path)
    assert result.cmdlet == "Get-NetLbfoTeam"
    (team,) = result.records
    assert isinstance(team, LbfoTeamRecord)
    assert (team.teaming_mode, team.load_balancing_algorithm) == ("Lacp", "TransportPorts")


def test_unknown_shape_is_skipped() -> None:
    result = parse_powershell_json('[{"Name": "wuauserv", "Status": 4}]', "services.json")
    assert result.records == ()
    assert "cannot tell which cmdlet" in result.warnings[0].message
    named = parse_powershell_json('[{"Name": "x"}]', "Get-VM.json", cmdlet="Get-VM")
    assert named.records == ()
    assert "does not look like its output" in named.warnings[0].message


def test_unknown_enum_numbers_stay_unknown() -> None:
    text = json.dumps([{"Name": "A", "State": 32785, "MemoryStartup": 1, "AutomaticStopAction": 9}])
    result = parse_powershell_json(text, "HV_Get-VM.json", cmdlet="Get-VM")
    (vm,) = result.records
    assert isinstance(vm, VMRecord)
    assert (vm.state, vm.automatic_stop_action) == (None, None)
    messages = [warning.message for warning in result.warnings]
    assert "State value 32785 is not a known VMState; left unknown" in messages
    assert "AutomaticStopAction value 9 is not a known StopAction; left unknown" in messages


def test_value_count_wrapper_and_non_objects() -> None:
    text = json.dumps({"value": [{"Name": "A", "MemoryStartup": 5}, 3], "Count": 2})
    result = parse_powershell_json(text, "x.json", cmdlet="Get-VM")
    assert [record.name for record in result.records if isinstance(record, VMRecord)] == ["A"]
    assert len(result.records) == 1
    assert "not objects" in result.warnings[0].message


def test_empty_and_blank_files(tmp_path: Path) -> None:
    path = tmp_path / "HV01_Get-VM.json"
    path.write_bytes(codecs.BOM_UTF8)
    result = read_powershell_json(path)
    assert result.records == ()
    assert "empty file" in result.warnings[0].message
    assert parse_powershell_json("[]", "x").warnings[0].message == "the export holds no objects"


def test_missing_file(tmp_path: Path) -> None:
    result = read_powershell_json(tmp_path / "HV9_Get-VM.json")
    assert (result.cmdlet, result.host) == ("Get-VM", "HV9")
    assert "cannot read file" in result.warnings[0].message


def test_ps_dates() -> None:
    assert parse_ps_date("/Date(1313569836000)/") == datetime(2011, 8, 17, 8, 30, 36, tzinfo=UTC)
    assert parse_ps_date("/Date(1313569836000+0200)/") == datetime(
        2011, 8, 17, 8, 30, 36, tzinfo=UTC
    )
    assert parse_ps_date("2011-08-17T10:30:36.1234567+02:00") == datetime(
        2011, 8, 17, 8, 30, 36, 123456, tzinfo=UTC
    )
    assert parse_ps_date("soon") is None
    assert parse_ps_date(5) is None


def test_enum_tables_cite_their_source() -> None:
    assert ENUMS["TeamingMode"].values == {0: "Static", 1: "SwitchIndependent", 2: "Lacp"}
    assert ENUMS["LoadBalancingAlgorithm"].values == {
        0: "TransportPorts",
        2: "IPAddresses",
        3: "MacAddresses",
        4: "HyperVPort",
        5: "Dynamic",
    }
    assert ENUMS["StopAction"].values == {2: "TurnOff", 3: "Save", 4: "ShutDown"}
    assert ENUMS["ClusterNetworkRole"].values[3] == "ClusterAndClient"
    assert ENUMS["VMSwitchType"].values == {0: "Private", 1: "Internal", 2: "External"}
    assert all(table.source for table in ENUMS.values())


def test_detect_cmdlet_ties_are_unknown() -> None:
    assert detect_cmdlet([{"Name": "x"}]) is None
    assert detect_cmdlet([{"SharedVolumeInfo": []}]) == "Get-ClusterSharedVolume"


# --------------------------------------------------------------------------- sites, DR


def test_get_vmreplication_one_utf16_object_numbers_and_aliases() -> None:
    result = read("HV01_Get-VMReplication.json")
    assert (result.cmdlet, result.host, result.warnings) == ("Get-VMReplication", "HV01", ())
    (record,) = result.records
    assert isinstance(record, VMReplicationRecord)
    assert (record.vm_name, record.vm_id, record.host) == (
        "SQL01",
        "8a2b6c1d-44e3-4f6a-9b2c-1d3e5f708192",
        "HV01",
    )
    assert (record.mode, record.state, record.health, record.relationship_type) == (
        "Primary",
        "Replicating",
        "Normal",
        "Simple",
    )
    # No ReplicationFrequencySec in this export: the FrequencySec alias says 300.
    assert (record.frequency_sec, record.recovery_history) == (300, 4)
    assert record.replica_server == "HVR-BROKER.test.lab"
    assert record.current_replica_server == "HVDR01.test.lab"
    assert record.primary_server == "HV01.test.lab"


def test_get_vmreplication_replica_side_array() -> None:
    (record,) = read("HVDR01_Get-VMReplication.json").records
    assert isinstance(record, VMReplicationRecord)
    assert (record.mode, record.host, record.frequency_sec) == ("Replica", "HVDR01", 300)


def test_get_vmreplication_names_only_aliases_and_odd_values() -> None:
    text = json.dumps(
        [
            {
                "Name": "WEB1",
                "Mode": "Primary",
                "State": "Resynchronizing",
                "Health": "Critical",
                "FrequencySec": "30",
                "ReplicaServer": ["dr1.lab", "dr2.lab"],
                "PrimaryServer": {"Name": "hq1.lab"},
                "RecoveryHistory": None,
            },
            {"VMName": "APP1", "ReplicaServerName": "dr1.lab", "ReplicationState": 17},
        ]
    )
    result = parse_powershell_json(text, "H1_Get-VMReplication.json", cmdlet="Get-VMReplication")
    web, app = result.records
    assert isinstance(web, VMReplicationRecord) and isinstance(app, VMReplicationRecord)
    assert (web.vm_name, web.mode, web.state, web.health) == (
        "WEB1",
        "Primary",
        "Resynchronizing",
        "Critical",
    )
    assert (web.frequency_sec, web.replica_server, web.primary_server) == (30, "dr1.lab", "hq1.lab")
    assert web.recovery_history is None and app.mode is None
    assert app.state is None  # 17 differs between module versions: unknown, with a warning
    assert any("ReplicationState value 17" in w.message for w in result.warnings)


def test_an_empty_replication_export_is_an_answer(tmp_path: Path) -> None:
    result = read("HV02_Get-VMReplication.json")
    assert (result.cmdlet, result.records, result.warnings) == ("Get-VMReplication", (), ())
    path = tmp_path / "H1_Get-VMNetworkAdapterFailoverConfiguration.json"
    path.write_text("\ufeff[]", encoding="utf-8")
    assert read_powershell_json(path).warnings == ()
    blank = tmp_path / "H1_Get-VMReplication.json"
    blank.write_bytes(b"")
    assert "empty file" in read_powershell_json(blank).warnings[0].message


def test_failover_configuration_of_a_replica_copy() -> None:
    result = read("HVDR01_Get-VMNetworkAdapterFailoverConfiguration.json")
    assert result.warnings == ()
    (record,) = result.records
    assert isinstance(record, VMNetworkAdapterFailoverRecord)
    assert (record.vm_name, record.adapter, record.mac_address, record.host) == (
        "SQL01",
        "Network Adapter",
        "00155D640A02",
        "HVDR01",
    )
    assert (record.ipv4_address, record.ipv4_subnet_mask, record.ipv4_default_gateway) == (
        "10.2.100.191",
        "255.255.255.0",
        "10.2.100.1",
    )
    assert record.ipv6_address is None and record.error is None


def test_failover_configuration_odd_shapes(tmp_path: Path) -> None:
    # The cmdlet's own object, as ConvertTo-Json writes it without the collector: no VM or
    # adapter name, and the arrays of Msvm_FailoverNetworkAdapterSettingData.
    raw = {"IPv4Address": ["10.2.0.5", "10.2.0.6"], "IPv4SubnetMask": "255.255.0.0"}
    objects = [
        {**raw, "ProtocolIFType": 4096},
        {"VMName": "A", "VMNetworkAdapterName": "nic", "IPv4Address": ""},
        {"VMName": "B", "VMNetworkAdapterName": "nic", "FailoverConfigurationError": "legacy"},
    ]
    path = tmp_path / "H1_Get-VMNetworkAdapterFailoverConfiguration.json"
    path.write_bytes(codecs.BOM_UTF16_LE + json.dumps(objects).encode("utf-16-le"))
    result = read_powershell_json(path)
    first, second, third = result.records
    assert isinstance(first, VMNetworkAdapterFailoverRecord)
    assert (first.vm_name, first.ipv4_address, first.ipv4_subnet_mask) == (
        None,
        "10.2.0.5",
        "255.255.0.0",
    )
    assert isinstance(second, VMNetworkAdapterFailoverRecord) and second.ipv4_address is None
    assert isinstance(third, VMNetworkAdapterFailoverRecord) and third.error == "legacy"


def test_cluster_fault_domains_numeric_types() -> None:
    result = read("CLU02_Get-ClusterFaultDomain.json")
    assert (result.cmdlet, result.host, result.warnings) == ("Get-ClusterFaultDomain", "CLU02", ())
    records = result.records
    assert all(isinstance(r, ClusterFaultDomainRecord) for r in records)
    assert [
        (r.name, r.type, r.parent) for r in records if isinstance(r, ClusterFaultDomainRecord)
    ] == [
        ("DR", "Site", None),
        ("DR-R1", "Rack", "DR"),
        ("HVDR01", "Node", "DR-R1"),
        ("HVDR02", "Node", "DR-R1"),
    ]
    site = records[0]
    assert isinstance(site, ClusterFaultDomainRecord)
    assert site.children == ("DR-R1",) and site.location == "Disaster-recovery site, 2 Example Road"


def test_cluster_fault_domain_one_object_string_type_and_odd_fields() -> None:
    one = parse_powershell_json(
        json.dumps({"Name": "SEA", "Type": "Site", "ChildrenNames": "Rack A", "Location": None}),
        "C1_Get-ClusterFaultDomain.json",
        cmdlet="Get-ClusterFaultDomain",
    )
    (site,) = one.records
    assert isinstance(site, ClusterFaultDomainRecord)
    assert (site.type, site.children, site.location, site.parent) == (
        "Site",
        ("Rack A",),
        None,
        None,
    )
    odd = parse_powershell_json(
        json.dumps([{"Name": "n1", "Type": 7, "Parent": {"Name": "Rack A"}, "ParentName": None}]),
        "C1_Get-ClusterFaultDomain.json",
        cmdlet="Get-ClusterFaultDomain",
    )
    (node,) = odd.records
    assert isinstance(node, ClusterFaultDomainRecord)
    assert (node.type, node.parent) == (None, "Rack A")
    assert "Type value 7 is not a known FaultDomainType; left unknown" in [
        w.message for w in odd.warnings
    ]


def test_get_vm_replication_mode_and_group_preferred_site() -> None:
    (copy,) = read("HVDR01_Get-VM.json").records
    assert isinstance(copy, VMRecord) and copy.replication_mode == "Replica"
    groups = read("CLU02_Get-ClusterGroup.json").records
    broker = next(
        g for g in groups if isinstance(g, PsClusterGroupRecord) and g.name == "HVR-BROKER"
    )
    assert isinstance(broker, PsClusterGroupRecord)
    assert (broker.group_type, broker.preferred_site) == ("VMReplicaBroker", None)
    text = json.dumps({"Name": "VM1", "GroupType": "VirtualMachine", "PreferredSite": "HQ",
                       "FailoverThreshold": 1, "PersistentState": 1})  # fmt: skip
    (group,) = parse_powershell_json(text, "x.json", cmdlet="Get-ClusterGroup").records
    assert isinstance(group, PsClusterGroupRecord) and group.preferred_site == "HQ"


def test_the_new_enum_tables() -> None:
    assert ENUMS["VMReplicationMode"].values[4] == "ExtendedReplica"
    assert ENUMS["FaultDomainType"].values == {
        0: "Unknown",
        1000: "Site",
        2000: "Rack",
        3000: "Chassis",
        4000: "Node",
        5000: "StorageNode",
    }
    assert max(ENUMS["VMReplicationState"].values) == 10


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
KEYS = sorted({key for cmdlet in CMDLETS for key in ("Name", "State", "Team", "Id")})


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([*CMDLETS, None]),
    st.lists(
        st.dictionaries(
            st.sampled_from(
                [
                    *KEYS,
                    "MemoryStartup",
                    "IntegrationServicesVersion",
                    "TeamingMode",
                    "SharedVolumeInfo",
                    "OwnerNode",
                    "VlanSetting",
                    "SwitchType",
                    "Role",
                    "Members",
                    "SameSubnetDelay",
                    "TransmitLinkSpeed",
                    "Speed",
                    "ReplicationMode",
                    "Mode",
                    "ReplicaServerName",
                    "CurrentReplicaServerName",
                    "FrequencySec",
                    "RecoveryHistory",
                    "IPv4Address",
                    "IPv4SubnetMask",
                    "VMNetworkAdapterName",
                    "FailoverConfigurationError",
                    "Type",
                    "ParentName",
                    "ChildrenNames",
                    "PreferredSite",
                ]
            ),
            JSON_VALUES,
            max_size=8,
        ),
        max_size=4,
    ),
)
def test_random_objects_never_raise(cmdlet: str | None, objects: list[dict[str, Any]]) -> None:
    result = parse_powershell_json(json.dumps(objects), "fuzz.json", cmdlet=cmdlet)
    assert len(result.records) <= max(len(objects), 1)


@pytest.mark.parametrize(
    "name",
    [
        "HV01_Get-VM.json",
        "CLU01_Get-ClusterGroup.json",
        "HV01_Get-VMReplication.json",
        "HVDR01_Get-VMNetworkAdapterFailoverConfiguration.json",
        "CLU02_Get-ClusterFaultDomain.json",
    ],
)
@settings(max_examples=60, deadline=None)
@given(rng=st.randoms(use_true_random=False), edits=st.integers(1, 20))
def test_mutated_fixture_json_never_raises(name: str, rng: random.Random, edits: int) -> None:
    text = decode_text((SAMPLE / name).read_bytes(), name).text
    chars = list(text)
    for _ in range(edits):
        position = rng.randrange(len(chars))
        if rng.random() < 0.5:
            del chars[position]
        else:
            chars.insert(position, rng.choice('{}[],:"0-9eE\\ntrue'))
    cmdlet, host = cmdlet_from_filename(name)
    result = parse_powershell_json("".join(chars), name, cmdlet=cmdlet, host=host)
    assert result.file == name


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data: bytes) -> None:
    text = decode_text(data, "fuzz.json").text
    assert parse_powershell_json(text, "fuzz.json").file == "fuzz.json"
