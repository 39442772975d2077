"""Records from ``ConvertTo-Json`` exports of the Hyper-V, LBFO and cluster cmdlets.

A file holds the output of one cmdlet on one host, named
``<host>_<Cmdlet>.json`` (what ``Collect-HvLab.ps1`` writes) or ``<Cmdlet>.json``.
Which cmdlet a file holds is told twice, by its name and by its shape (the
properties its objects carry); when the two disagree the file is skipped with a
warning, never read as the wrong thing.

Real exports differ in shape and this module accepts all of them:

* one object (``{...}``) or an array (``[...]``), or PowerShell 5's
  ``{"value": [...], "Count": n}`` wrapper;
* enumerations as numbers (Windows PowerShell 5.1) or as names
  (``ConvertTo-Json -EnumsAsStrings``, PowerShell 7); numbers are translated with
  the documented tables in :data:`ENUMS` (each cites its source) and a number
  that is not in a table stays unknown (``None``) with a warning;
* ``/Date(1313569836000)/`` or ISO dates, ``System.Version`` as
  ``{"Major": 6, "Minor": 1, "Build": 7601, "Revision": 17514}`` or as a string,
  nested objects (``OwnerNode`` as a node object or as its name);
* UTF-8 with or without BOM and UTF-16 LE with BOM (what ``Out-File`` writes in
  Windows PowerShell 5.1).

A truncated array keeps the objects before the cut. Nothing is guessed: a
property absent from the export is ``None`` in the record.

Sites and disaster recovery come from three more cmdlets (Microsoft documentation):

* ``Get-VMReplication`` (https://learn.microsoft.com/en-us/powershell/module/hyper-v/
  get-vmreplication): ``VMName``, ``VMId``, ``ReplicationMode``,
  ``ReplicationState``, ``ReplicationHealth``, ``ReplicationRelationshipType``,
  ``ReplicaServerName``, ``CurrentReplicaServerName``, ``PrimaryServerName``,
  ``ReplicationFrequencySec``, ``RecoveryHistory`` - or their short aliases
  ``Mode``, ``State``, ``Health``, ``FrequencySec``, ``ReplicaServer``,
  ``PrimaryServer`` that the Hyper-V module's type data adds;
* ``Get-VMNetworkAdapterFailoverConfiguration`` (.../hyper-v/
  get-vmnetworkadapterfailoverconfiguration): ``IPv4Address``, ``IPv4SubnetMask``,
  ``IPv4DefaultGateway``, ``IPv6Address``. Its objects do not say which VM or
  adapter they belong to; ``Collect-HvLab.ps1`` adds ``VMName``, ``VMId``,
  ``VMNetworkAdapterName`` and ``MacAddress`` (and ``FailoverConfigurationError``
  when it could not read one adapter);
* ``Get-ClusterFaultDomain`` (https://learn.microsoft.com/en-us/powershell/module/
  failoverclusters/get-clusterfaultdomain, Windows Server 2016+): ``Name``,
  ``Id``, ``Type``, ``ParentName``, ``ChildrenNames``, ``Location``,
  ``Description``.

For ``Get-VMReplication`` and ``Get-VMNetworkAdapterFailoverConfiguration`` an
empty array is a complete answer (no VM of the host replicates), not a warning.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hvlab.ingest.records import (
    ClusterFaultDomainRecord,
    ClusterNetworkRecord,
    ClusterNodeRecord,
    ClusterRecord,
    ClusterSharedVolumeRecord,
    IngestWarning,
    LbfoTeamMemberRecord,
    LbfoTeamNicRecord,
    LbfoTeamRecord,
    NetAdapterAdvancedPropertyRecord,
    NetAdapterRecord,
    PsClusterGroupRecord,
    PsFile,
    PsRecord,
    VMHostRecord,
    VMNetworkAdapterFailoverRecord,
    VMNetworkAdapterRecord,
    VMRecord,
    VMReplicationRecord,
    VMSwitchRecord,
    decode_text,
    normalize_guid,
)
from hvlab.ingest.registry import CLUSGROUP_TYPES

__all__ = [
    "CMDLETS",
    "ENUMS",
    "EnumTable",
    "cmdlet_from_filename",
    "detect_cmdlet",
    "parse_powershell_json",
    "parse_ps_date",
    "read_powershell_json",
]


# --------------------------------------------------------------------------- enum tables


@dataclass(frozen=True)
class EnumTable:
    """Numbers of a Windows enumeration and the PowerShell names they stand for."""

    name: str
    values: Mapping[int, str]
    source: str


ENUMS: dict[str, EnumTable] = {
    "TeamingMode": EnumTable(
        "TeamingMode",
        {0: "Static", 1: "SwitchIndependent", 2: "Lacp"},
        "MSFT_NetLbfoTeam.TeamingMode, https://learn.microsoft.com/en-us/windows/win32/"
        "fwp/wmi/ndisimplatcimprov/msft-netlbfoteam",
    ),
    "LoadBalancingAlgorithm": EnumTable(
        "LoadBalancingAlgorithm",
        {0: "TransportPorts", 2: "IPAddresses", 3: "MacAddresses", 4: "HyperVPort", 5: "Dynamic"},
        "MSFT_NetLbfoTeam.LoadBalancingAlgorithm, https://learn.microsoft.com/en-us/windows/"
        "win32/fwp/wmi/ndisimplatcimprov/msft-netlbfoteam",
    ),
    "TeamStatus": EnumTable(
        "TeamStatus",
        {0: "Up", 1: "Down", 2: "Degraded"},
        "MSFT_NetLbfoTeam.Status, https://learn.microsoft.com/en-us/windows/win32/fwp/wmi/"
        "ndisimplatcimprov/msft-netlbfoteam",
    ),
    "VMState": EnumTable(
        "VMState",
        {
            1: "Other",
            2: "Running",
            3: "Off",
            4: "Stopping",
            6: "Saved",
            9: "Paused",
            10: "Starting",
            11: "Reset",
            32773: "Saving",
            32776: "Pausing",
            32777: "Resuming",
            32779: "FastSaved",
            32780: "FastSaving",
            32781: "ForceShutdown",
            32782: "ForceReboot",
        },
        "Microsoft.HyperV.PowerShell.VMState (values of Msvm_ComputerSystem.EnabledState); "
        "values above 32782 differ between Windows versions (RunningCritical is 32783 in "
        "older and 32785 in newer Hyper-V modules) and are left unknown",
    ),
    "StopAction": EnumTable(
        "StopAction",
        {2: "TurnOff", 3: "Save", 4: "ShutDown"},
        "CIM_VirtualSystemSettingData.AutomaticShutdownAction (Turn Off 2, Save State 3, "
        "Shutdown 4), https://learn.microsoft.com/en-us/windows/win32/hyperv_v2/"
        "cim-virtualsystemsettingdata",
    ),
    "StartAction": EnumTable(
        "StartAction",
        {2: "Nothing", 3: "StartIfRunning", 4: "Start"},
        "CIM_VirtualSystemSettingData.AutomaticStartupAction (None 2, Restart if "
        "previously active 3, Always startup 4)",
    ),
    "VMSwitchType": EnumTable(
        "VMSwitchType",
        {0: "Private", 1: "Internal", 2: "External"},
        "Microsoft.HyperV.PowerShell.VMSwitchType",
    ),
    "OnOffState": EnumTable(
        "OnOffState",
        {0: "On", 1: "Off"},
        "Microsoft.HyperV.PowerShell.OnOffState (as in the Hyper-V module's enum, reproduced "
        "in nforgeio/neonSDK Lib/Neon.HyperV/HyperVWmiDriver)",
    ),
    "VMSwitchBandwidthMode": EnumTable(
        "VMSwitchBandwidthMode",
        {0: "Default", 1: "Weight", 2: "Absolute", 3: "None"},
        "Microsoft.HyperV.PowerShell.VMSwitchBandwidthMode (same source as OnOffState)",
    ),
    "VMNetworkAdapterVlanMode": EnumTable(
        "VMNetworkAdapterVlanMode",
        {0: "Untagged", 1: "Access", 2: "Trunk", 3: "Private"},
        "Microsoft.HyperV.PowerShell.VMNetworkAdapterVlanMode (same source as OnOffState)",
    ),
    "ClusterResourceState": EnumTable(
        "ClusterResourceState",
        {
            -1: "Unknown",
            0: "Inherited",
            1: "Initializing",
            2: "Online",
            3: "Offline",
            4: "Failed",
            128: "Pending",
            129: "OnlinePending",
            130: "OfflinePending",
        },
        "ClusResource.State / CLUSTER_RESOURCE_STATE, https://learn.microsoft.com/en-us/"
        "previous-versions/windows/desktop/mscs/clusresource-state (a CSV is a resource)",
    ),
    "ClusterNetworkRole": EnumTable(
        "ClusterNetworkRole",
        {0: "None", 1: "Cluster", 2: "Client", 3: "ClusterAndClient"},
        "CLUSTER_NETWORK_ROLE, https://learn.microsoft.com/en-us/windows/win32/api/clusapi/"
        "ne-clusapi-cluster_network_role (PowerShell names None/Cluster/Client/"
        "ClusterAndClient)",
    ),
    "ClusterNodeState": EnumTable(
        "ClusterNodeState",
        {-1: "Unknown", 0: "Up", 1: "Down", 2: "Paused", 3: "Joining"},
        "CLUSTER_NODE_STATE, https://learn.microsoft.com/en-us/windows/win32/api/clusapi/"
        "ne-clusapi-cluster_node_state",
    ),
    "ClusterGroupState": EnumTable(
        "ClusterGroupState",
        {-1: "Unknown", 0: "Online", 1: "Offline", 2: "Failed", 3: "PartialOnline", 4: "Pending"},
        "ClusResGroup.State / CLUSTER_GROUP_STATE, https://learn.microsoft.com/en-us/"
        "previous-versions/windows/desktop/mscs/clusresgroup-state",
    ),
    "GroupType": EnumTable(
        "GroupType",
        CLUSGROUP_TYPES,
        "CLUSGROUP_TYPE, https://learn.microsoft.com/en-us/windows/win32/api/clusapi/"
        "ne-clusapi-clusgroup_type",
    ),
    "VMReplicationMode": EnumTable(
        "VMReplicationMode",
        {0: "None", 1: "Primary", 2: "Replica", 3: "TestReplica", 4: "ExtendedReplica"},
        "Microsoft.HyperV.PowerShell.VMReplicationMode; the same numbers as "
        "Msvm_ComputerSystem.ReplicationMode (not enabled 0, primary 1, recovery 2, test "
        "replica 3, extended replica 4), https://learn.microsoft.com/en-us/windows/win32/"
        "hyperv_v2/msvm-computersystem",
    ),
    "VMReplicationState": EnumTable(
        "VMReplicationState",
        {
            0: "Disabled",
            1: "ReadyForInitialReplication",
            2: "InitialReplicationInProgress",
            3: "WaitingForInitialReplication",
            4: "Replicating",
            5: "PreparedForFailover",
            6: "FailedOverWaitingCompletion",
            7: "FailedOver",
            8: "Suspended",
            9: "Error",
            10: "WaitingForStartResynchronize",
        },
        "Microsoft.HyperV.PowerShell.VMReplicationState; values above 10 differ between "
        "copies of the Hyper-V module (Resynchronizing is 11 in some and missing in "
        "others) and are left unknown",
    ),
    "VMReplicationHealthState": EnumTable(
        "VMReplicationHealthState",
        {0: "NotApplicable", 1: "Normal", 2: "Warning", 3: "Critical"},
        "Microsoft.HyperV.PowerShell.VMReplicationHealthState; the same numbers as "
        "Msvm_ComputerSystem.ReplicationHealth (not applicable 0, ok 1, warning 2, "
        "critical 3)",
    ),
    "VMReplicationRelationshipType": EnumTable(
        "VMReplicationRelationshipType",
        {0: "Simple", 1: "Extended"},
        "Microsoft.HyperV.PowerShell.VMReplicationRelationshipType (Get-VMReplication "
        "-ReplicationRelationshipType Simple|Extended)",
    ),
    "FaultDomainType": EnumTable(
        "FaultDomainType",
        {
            0: "Unknown",
            1000: "Site",
            2000: "Rack",
            3000: "Chassis",
            4000: "Node",
            5000: "StorageNode",
        },
        "Microsoft.PowerShell.Cmdletization.GeneratedTypes.MSCLUSTER.MSCluster_FaultDomain."
        "FaultDomainType of the FailoverClusters module (MSCluster_FaultDomain.Type, "
        "https://learn.microsoft.com/en-us/previous-versions/windows/desktop/cluswmiext/"
        "mscluster-faultdomain; Windows Admin Center's scripts test 1000 for a site)",
    ),
}
"""The enumerations whose numbers are translated, with the documentation they follow.

Enumerations not listed (team member ``AdministrativeMode``/``OperationalStatus``/
``FailureReason``, cluster network ``State``) are read only when exported as names.
"""


# --------------------------------------------------------------------------- cmdlet shapes

_SIGNATURES: dict[str, frozenset[str]] = {
    "Get-NetAdapter": frozenset(
        {"MacAddress", "LinkSpeed", "ifIndex", "MediaConnectionState", "DriverDescription"}
    ),
    "Get-NetAdapterAdvancedProperty": frozenset(
        {"RegistryKeyword", "RegistryValue", "DisplayValue", "ValidDisplayValues"}
    ),
    "Get-NetLbfoTeam": frozenset({"TeamingMode", "LoadBalancingAlgorithm", "TeamNics"}),
    "Get-NetLbfoTeamMember": frozenset(
        {"AdministrativeMode", "OperationalStatus", "FailureReason", "TransmitLinkSpeed"}
    ),
    "Get-NetLbfoTeamNic": frozenset({"Primary", "Default", "VlanID"}),
    "Get-VMSwitch": frozenset(
        {
            "SwitchType",
            "NetAdapterInterfaceDescription",
            "AllowManagementOS",
            "BandwidthReservationMode",
            "EmbeddedTeamingEnabled",
        }
    ),
    "Get-VMNetworkAdapter": frozenset(
        {"SwitchName", "IsManagementOs", "DynamicMacAddressEnabled", "VlanSetting", "VMQWeight"}
    ),
    "Get-VM": frozenset(
        {
            "MemoryStartup",
            "IntegrationServicesVersion",
            "AutomaticStopAction",
            "DynamicMemoryEnabled",
            "ConfigurationLocation",
        }
    ),
    "Get-VMHost": frozenset(
        {
            "VirtualMachinePath",
            "VirtualHardDiskPath",
            "LogicalProcessorCount",
            "MemoryCapacity",
            "VirtualMachineMigrationEnabled",
        }
    ),
    "Get-ClusterNode": frozenset({"NodeWeight", "DrainStatus", "NodeHighestVersion", "NodeName"}),
    "Get-ClusterGroup": frozenset(
        {"GroupType", "FailoverThreshold", "AntiAffinityClassNames", "PersistentState"}
    ),
    "Get-ClusterNetwork": frozenset({"Role", "AddressMask", "AutoMetric", "Ipv4Addresses"}),
    "Get-ClusterSharedVolume": frozenset({"SharedVolumeInfo", "SharedVolumeId"}),
    "Get-Cluster": frozenset(
        {"SameSubnetDelay", "SameSubnetThreshold", "CrossSubnetDelay", "QuorumArbitrationTimeMax"}
    ),
    # Not ReplicationMode/State/Health: a raw Get-VM export carries those three too.
    "Get-VMReplication": frozenset(
        {
            "ReplicaServerName",
            "CurrentReplicaServerName",
            "PrimaryServerName",
            "ReplicationFrequencySec",
            "FrequencySec",
            "RecoveryHistory",
            "ReplicationRelationshipType",
            "ReplicaServerPort",
            "ReplicaServer",
            "PrimaryServer",
        }
    ),
    "Get-VMNetworkAdapterFailoverConfiguration": frozenset(
        {
            "IPv4Address",
            "IPv4SubnetMask",
            "IPv4DefaultGateway",
            "IPv4PreferredDNSServer",
            "IPv6Address",
            "IPv6SubnetPrefixLength",
            "IPv6DefaultGateway",
            "VMNetworkAdapterName",
        }
    ),
    "Get-ClusterFaultDomain": frozenset(
        {"ParentName", "ChildrenNames", "ParentId", "ChildrenIds", "FaultDomainType", "Location"}
    ),
}

_EMPTY_IS_AN_ANSWER = frozenset({"Get-VMReplication", "Get-VMNetworkAdapterFailoverConfiguration"})
"""Cmdlets whose empty output is a complete answer: no VM of the host replicates."""

CMDLETS: tuple[str, ...] = tuple(_SIGNATURES)
"""The cmdlets whose ``ConvertTo-Json`` output this module reads."""

_FILENAME_RE = re.compile(r"^(?:(?P<host>.+?)_)?(?P<cmdlet>Get-[A-Za-z]+)(?:\.[^.]*)?\.json$", re.I)


def cmdlet_from_filename(name: str) -> tuple[str | None, str | None]:
    """Tell the cmdlet and the host from a file name.

    Parameters
    ----------
    name
        A file name such as ``"node1_Get-VM.json"``, ``"Get-ClusterNode.json"``
        or a path ending in one.

    Returns
    -------
    tuple of (str or None, str or None)
        ``(cmdlet, host)``: the cmdlet in its canonical spelling when it is one
        of :data:`CMDLETS`, else ``None``; the host prefix, else ``None``.
    """
    match = _FILENAME_RE.match(Path(name).name)
    if not match:
        return None, None
    wanted = match.group("cmdlet").lower()
    cmdlet = next((known for known in CMDLETS if known.lower() == wanted), None)
    return cmdlet, match.group("host")


def detect_cmdlet(objects: Iterable[Mapping[str, Any]]) -> str | None:
    """Tell which cmdlet produced some objects from the properties they carry.

    Parameters
    ----------
    objects
        The exported objects (the first 20 are looked at).

    Returns
    -------
    str or None
        The cmdlet of :data:`CMDLETS` whose characteristic properties the
        objects carry most of, or ``None`` when none or two match equally.
    """
    scores = _scores(objects)
    if not scores:
        return None
    best = max(scores.values())
    winners = [cmdlet for cmdlet, score in scores.items() if score == best]
    return winners[0] if best > 0 and len(winners) == 1 else None


def _scores(objects: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    keys: set[str] = set()
    for index, obj in enumerate(objects):
        if index >= 20:
            break
        keys.update(obj)
    scores = {cmdlet: len(signature & keys) for cmdlet, signature in _SIGNATURES.items()}
    # A team member also has Team/InterfaceDescription; a team NIC also has VlanID.
    if "Team" not in keys:
        scores["Get-NetLbfoTeamNic"] = 0
    return scores


# --------------------------------------------------------------------------- reading


def read_powershell_json(
    path: str | Path, *, cmdlet: str | None = None, host: str | None = None
) -> PsFile:
    """Read one ``ConvertTo-Json`` export.

    Parameters
    ----------
    path
        The JSON file (UTF-8 or UTF-16, with or without BOM).
    cmdlet
        The cmdlet the file holds; by default told from the file name
        (``<host>_<Cmdlet>.json``) and checked against the file's shape.
    host
        The host the cmdlet ran on; by default the file name's prefix. A
        ``ComputerName``/``PSComputerName`` property of an object wins.

    Returns
    -------
    PsFile
        Typed records (:data:`~hvlab.ingest.records.PsRecord`) and warnings.
        Never raises on bad input. The module docstring lists the properties read
        and the Microsoft documentation of the sites and Replica cmdlets.
    """
    name = str(path)
    named_cmdlet, named_host = cmdlet_from_filename(name)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return PsFile(
            name,
            cmdlet or named_cmdlet,
            host or named_host,
            (),
            (IngestWarning(name, f"cannot read file: {exc}"),),
        )
    decoded = decode_text(raw, name, what="JSON export")
    result = parse_powershell_json(
        decoded.text, name, cmdlet=cmdlet or named_cmdlet, host=host or named_host
    )
    return PsFile(
        result.file, result.cmdlet, result.host, result.records, decoded.warnings + result.warnings
    )


def parse_powershell_json(
    text: str, file: str = "<json>", *, cmdlet: str | None = None, host: str | None = None
) -> PsFile:
    """Parse the text of a ``ConvertTo-Json`` export.

    Parameters
    ----------
    text
        The JSON text.
    file
        Name used in records and warnings.
    cmdlet
        The cmdlet the text is expected to hold (checked against its shape), or
        ``None`` to tell it from the shape alone.
    host
        Default host for the records.

    Returns
    -------
    PsFile
        The records; a shape that contradicts ``cmdlet`` or that matches no
        known cmdlet gives no records and a warning. Never raises.
    """
    warnings: list[IngestWarning] = []
    objects = _load_objects(text, file, warnings)
    if not objects:
        if not warnings and cmdlet in _EMPTY_IS_AN_ANSWER:
            return PsFile(file, cmdlet, host, (), ())
        if not warnings:
            warnings.append(IngestWarning(file, "the export holds no objects"))
        return PsFile(file, cmdlet, host, (), tuple(warnings))
    scores = _scores(objects)
    detected = detect_cmdlet(objects)
    if cmdlet is not None:
        if cmdlet not in _BUILDERS:
            warnings.append(IngestWarning(file, f"hvlab does not read {cmdlet} output; skipped"))
            return PsFile(file, cmdlet, host, (), tuple(warnings))
        best = max(scores.values())
        if scores[cmdlet] == 0 or scores[cmdlet] < best:
            shape = f"holds {detected} output" if detected else "does not look like its output"
            warnings.append(IngestWarning(file, f"named as {cmdlet} but {shape}; file skipped"))
            return PsFile(file, detected, host, (), tuple(warnings))
        chosen = cmdlet
    elif detected is None:
        warnings.append(
            IngestWarning(file, "cannot tell which cmdlet produced this JSON; file skipped")
        )
        return PsFile(file, None, host, (), tuple(warnings))
    else:
        chosen = detected
    context = _Context(file, host, warnings)
    builder = _BUILDERS[chosen]
    records: list[PsRecord] = []
    for obj in objects:
        try:
            records.append(builder(obj, context))
        except Exception as exc:  # a builder bug must not lose the whole file
            warnings.append(IngestWarning(file, f"object skipped: {type(exc).__name__}: {exc}"))
    return PsFile(file, chosen, host, tuple(records), tuple(warnings))


def _load_objects(text: str, file: str, warnings: list[IngestWarning]) -> list[dict[str, Any]]:
    stripped = text.strip().lstrip("\ufeff")
    if not stripped:
        warnings.append(IngestWarning(file, "empty file (the cmdlet returned nothing?)"))
        return []
    try:
        document: Any = json.loads(stripped)
    except (ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        salvaged = _salvage_array(stripped)
        message = f"not valid JSON ({_json_error(exc)})"
        if salvaged:
            message += f"; kept the {len(salvaged)} complete object(s) before the error"
        warnings.append(IngestWarning(file, message, line))
        document = salvaged
    if (
        isinstance(document, dict)
        and set(document) == {"value", "Count"}
        and isinstance(document["value"], list)
    ):
        document = document["value"]
    items = document if isinstance(document, list) else [document]
    objects: list[dict[str, Any]] = []
    skipped = 0
    for item in items:
        if isinstance(item, dict):
            objects.append(item)
        else:
            skipped += 1
    if skipped:
        warnings.append(IngestWarning(file, f"{skipped} array item(s) are not objects; skipped"))
    return objects


def _json_error(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return type(exc).__name__


def _salvage_array(text: str) -> list[Any]:
    """The complete elements of a JSON array cut short (a truncated export)."""
    if not text.startswith("["):
        return []
    decoder = json.JSONDecoder()
    items: list[Any] = []
    position = 1
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            return items
        try:
            item, position = decoder.raw_decode(text, position)
        except (ValueError, RecursionError):
            return items
        items.append(item)


# --------------------------------------------------------------------------- value helpers


@dataclass
class _Context:
    file: str
    host: str | None
    warnings: list[IngestWarning]
    reported: set[str] = field(default_factory=set)

    def warn_once(self, key: str, message: str) -> None:
        if key not in self.reported:
            self.reported.add(key)
            self.warnings.append(IngestWarning(self.file, message))

    def host_of(self, obj: Mapping[str, Any]) -> str | None:
        for key in ("ComputerName", "PSComputerName", "SystemName"):
            value = _str(obj.get(key))
            if value:
                return value
        return self.host

    def enum(self, obj: Mapping[str, Any], key: str, table: str | None) -> str | None:
        value = obj.get(key)
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, dict):
            value = value.get("Value", value.get("value"))
        number: int | None = None
        if isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str):
            text = value.strip()
            if re.fullmatch(r"-?\d+", text):
                number = int(text)
            else:
                if table is not None:
                    for name in ENUMS[table].values.values():
                        if name.lower() == text.lower():
                            return name
                return text or None
        if number is None:
            return None
        if table is not None and number in ENUMS[table].values:
            return ENUMS[table].values[number]
        if table is None:
            self.warn_once(
                key,
                f"{key} is exported as a number ({number}); hvlab has no verified table for "
                "it, so it stays unknown (export with ConvertTo-Json -EnumsAsStrings or "
                "PowerShell 7 to keep it)",
            )
        else:
            self.warn_once(
                f"{key}={number}", f"{key} value {number} is not a known {table}; left unknown"
            )
        return None


def _str(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    return None


def _name(value: object) -> str | None:
    """A name from a string or from a nested object with a ``Name`` property."""
    if isinstance(value, dict):
        return _str(value.get("Name"))
    return _str(value)


def _int(value: object) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def _bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _strings(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(text for text in (_name(item) for item in value) if text is not None)
    text = _name(value)
    return () if text is None else (text,)


_SPEED_RE = re.compile(r"^\s*([\d.]+)\s*([kKmMgGtT]?)(?:bps|b/s|bit/s)\s*$", re.I)
_SPEED_UNITS = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}


def _speed(value: object) -> int | None:
    """Bits per second from a number or a ``"10 Gbps"`` string."""
    number = _int(value)
    if number is not None:
        return number
    if isinstance(value, str):
        match = _SPEED_RE.match(value)
        if match:
            try:
                return int(float(match.group(1)) * _SPEED_UNITS[match.group(2).lower()])
            except ValueError:
                return None
    return None


def _version(value: object) -> str | None:
    """A dotted version from a ``System.Version`` object or a string."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        parts = [_int(value.get(key)) for key in ("Major", "Minor", "Build", "Revision")]
        if parts[0] is None or parts[1] is None:
            return None
        kept = [part for part in parts if part is not None and part >= 0]
        return ".".join(str(part) for part in kept)
    return None


_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def parse_ps_date(value: object) -> datetime | None:
    """Parse a date as ``ConvertTo-Json`` writes it.

    Parameters
    ----------
    value
        ``"/Date(1313569836000)/"`` (Windows PowerShell 5.1: milliseconds since
        1970-01-01 UTC, an optional ``+hhmm`` suffix does not change the
        instant) or an ISO 8601 string (PowerShell 7).

    Returns
    -------
    datetime or None
        A timezone-aware UTC datetime, or ``None`` when not a date.
    """
    if not isinstance(value, str):
        return None
    match = _MS_DATE.match(value.strip())
    if match:
        try:
            return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(match.group(1)))
        except OverflowError:
            return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _guid(value: object) -> str | None:
    return normalize_guid(value)


# --------------------------------------------------------------------------- builders

_Builder = Callable[[Mapping[str, Any], _Context], PsRecord]


def _net_adapter(obj: Mapping[str, Any], ctx: _Context) -> PsRecord:
    return NetAdapterRecord(
        file=ctx.file,
        host=ctx.host_of(obj),
        name=_str(obj.get("Name")),
        interface_description=_str(obj.get("InterfaceDescription")),
        if_index=_int(obj.get("ifIndex", obj.get("InterfaceIndex"))),
        status=_str(obj.get("Status")),
        mac_address=_str(obj.get("MacAddress")),
        link_speed=_str(obj.get("LinkSpeed")),
        speed_bps=_speed(obj.get("Speed", obj.get("ReceiveLinkSpeed", obj.get("LinkSpeed")))),
        mtu=_int(obj.get("MtuSize", obj.get("ActiveMaximumTransmissionUnit"))),
        vlan_id=_int(obj.get("VlanID")),
        virtual=_bool(obj.get("Virtual")),
        driver_description=_str(obj.get("DriverDescription")),
    )


def _advanced_property(obj: Mapping[str, Any], ctx: _Context) -> PsRecord:
    return NetAdapterAdvancedPropertyRecord(
        file=ctx.file,
        host=ctx.host_of(obj),
        adapter=_str(obj.get("Name", obj.get("InterfaceAlias"))),
        display_name=_str(obj.get("DisplayName")),
        display_value=_str(obj.get("DisplayValue")),
        registry_keyword=_str(obj.get("RegistryKeyword")),
        registry_value=_strings(obj.get("RegistryValue")),
    )


def _lbfo_team(obj: Mapping[str, Any], ctx: _Context) -> PsRecord:
    return LbfoTeamRecord(
        file=ctx.file,
        host=ctx.host_of(obj),
        name=_str(obj.get("Name")),
        members=_strings(obj.get("Members")),
        team_nics=_strings(obj.get("TeamNics")),
        teaming_mode=ctx.enum(obj, "TeamingMode", "TeamingMode"),
        load_balancing_algorithm=ctx.enum(obj, "LoadBalancingAlgorithm", "LoadBalancingAlgorithm"),
        status=ctx.enum(obj, "Status", "TeamStatus"),
    )


def _lbfo_member(obj: Mapping[str, Any], ctx: _Context) -> PsRecord:
    return LbfoTeamMemberRecord(
        file=ctx.file,
        host=ctx.host_of(obj),
        name=_str(obj.get("Name")),
        team=_name(obj.get("Team")),
        interface_description=_str(obj.get("InterfaceDescription")),
        administrative_mode=ctx.enum(obj, "AdministrativeMode", None),
        operational_status=ctx.enum(obj, "OperationalStatus", None),
        transmit_link_speed_bps=_speed(obj.get("TransmitLinkSpeed")),
        receive_link_speed_bps=_speed(obj.get("ReceiveLinkSpeed")),
        failure_reason=ctx.enum(obj, "FailureReason", None),
    )


def _lbfo_team_nic(obj: Mapping[str, Any], ctx: _Context) -> PsRecord:
    return LbfoTeamNicRecord(
        file=ctx.file,
        host=ctx.host_of(obj),
        name=_str(obj.get("Name")),
        team=_name(obj.get("Team")),
        vlan_id=_int(obj.get("VlanID")),
        primary=_bool(obj.get("Primary")),
        default=_bool(obj.get("Default")),
    )


def _vm_switch(obj: Mapping[str, Any], ctx: _Context) -> PsRecord:
    return VMSwitchRecord(
        file=ctx.file,
        host=ctx.host_of(obj),
        name=_str(obj.get("Name")),
        id=_guid(obj.get("Id")),
        switch_type=ctx.enum(obj, "SwitchType", "VMSwitchType"),
        net_adapter_interface_description=_str(obj.get("NetAdapterInterfaceDescription")),
        allow_management_os=_bool(obj.get("AllowManagementOS")),
        embedded_teaming_enabled=_bool(obj.get("EmbeddedTeamingEnabled")),
        iov_enabled=_bool(obj.get("IovEnabled")),
        bandwidth_reservation_mode=ctx.enum(
            obj, "BandwidthReservationMode", "VMSwitchBandwidthMode"
        ),
    )


def _vm_network_adapter(obj: Mapping[str, Any], ctx: _Context) -> PsRecord:
    vlan = obj.get("VlanSetting")
    vlan_mode = access_vlan = None
    if isinstance(vlan, dict):
        vlan_mode = ctx.enum(vlan, "OperationMode", "VMNetworkAdapterVlanMode")
        access_vlan = _int(vlan.get("AccessVlanId"))
    return VMNetworkAdapterRecord(
        file=ctx.file,
        host=ctx.host_of(obj),
        name=_str(obj.get("Name")),
        vm_name=_str(obj.get("VMName")),
        vm_id=_guid(obj.get("VMId")),
        switch_name=_str(obj.get("SwitchName")),
        mac_address=_str(obj.get("MacAddress")),
        is_management_os=_bool(obj.get("IsManagementOs")),
        ip_addresses=_strings(obj.get("IPAddresses")),
        vlan_mode=vlan_mode,
        access_vlan_id=access_vlan,
        vmq_weight=_int(obj.get("VmqWeight", obj.get("VMQWeight"))),
        iov_weight=_int(obj.get("IovWeight")),
        allow_teaming=ctx.enum(obj, "AllowTeaming", "OnOffState"),
    )


def _vm(obj: Mapping[str, Any], ctx: _Context) -> PsRecord:
    return VMRecord(
        file=ctx.file,
        host=ctx.host_of(obj),
        name=_str(obj.get("Name", obj.get("VMName"))),
        id=_guid(obj.get("Id", obj.get("VMId"))),
        state=ctx.enum(obj, "State", "VMState"),
        memory_startup=_int(obj.get("MemoryStartup")),
        memory_minimum=_int(obj.get("MemoryMinimum")),
        memory_maximum=_int(obj.get("MemoryMaximum")),
        dynamic_memory_enabled=_bool(obj.get("DynamicMemoryEnabled")),
        automatic_stop_action=ctx.enum(obj, "AutomaticStopAction", "StopAction"),
        automatic_start_action=ctx.enum(obj, "AutomaticStartAction", "StartAction"),
        integration_services_version=_version(obj.get("IntegrationServicesVersion")),
        path=_str(obj.get("Path")),
        configuration_location=_str(obj.get("ConfigurationLocation")),
        processor_count=_int(obj.get("ProcessorCount")),
        generation=_int(obj.get("Generation")),
        version=_version(obj.get("Version")),
        is_clustered=_bool(obj.get("IsClustered")),
        replication_mode=ctx.enum(obj, "ReplicationMode", "VMReplicationMode"),
    )


def _vm_host(obj: Mapping[str, Any], ctx: _Context) -> PsRecord:
    return VMHostRecord(
        file=ctx.file,
        host=ctx.host_of(obj),
        name=_str(obj.get("Name", obj.get("ComputerName"))),
        logical_processor_count=_int(obj.get("LogicalProcessorCount")),
        memory_capacity=_int(obj.get("MemoryCapacity")),
        virtual_machine_path=_str(obj.get("VirtualMachinePath")),
        virtual_hard_disk_path=_str(obj.get("VirtualHardDiskPath")),
        virtual_machine_migration_enabled=_bool(obj.get("VirtualMachineMigrationEnabled")),
        maximum_virtual_machine_migrations=_int(obj.get("MaximumVirtualMachineMigrations")),
        maximum_storage_migrations=_int(obj.get("MaximumStorageMigrations")),
        fully_qualified_domain_name=_str(obj.get("FullyQualifiedDomainName")),
    )


def _cluster_node(obj: Mapping[str, Any], ctx: _Context) -> PsRecord:
    return ClusterNodeRecord(
        file=ctx.file,
        host=ctx.host,
        name=_str(obj.get("Name", obj.get("NodeName"))),
        id=_str(obj.get("Id")),
        state=ctx.enum(obj, "State", "ClusterNodeState"),
        node_weight=_int(obj.get("NodeWeight")),
        cluster=_name(obj.get("Cluster")),
    )


def _cluster_group(obj: Mapping[str, Any], ctx: _Context) -> PsRecord:
    return PsClusterGroupRecord(
        file=ctx.file,
        host=ctx.host,
        name=_str(obj.get("Name")),
        id=_guid(obj.get("Id")),
        owner_node=_name(obj.get("OwnerNode")),
        state=ctx.enum(obj, "State", "ClusterGroupState"),
        group_type=ctx.enum(obj, "GroupType", "GroupType"),
        priority=_int(obj.get("Priority")),
        cluster=_name(obj.get("Cluster")),
        preferred_site=_name(obj.get("PreferredSite")) or None,
    )


def _cluster_network(obj: Mapping[str, Any], ctx: _Context) -> PsRecord:
    return ClusterNetworkRecord(
        file=ctx.file,
        host=ctx.host,
        name=_str(obj.get("Name")),
        id=_guid(obj.get("Id")),
        role=ctx.enum(obj, "Role", "ClusterNetworkRole"),
        address=_str(obj.get("Address")),
        address_mask=_str(obj.get("AddressMask")),
        metric=_int(obj.get("Metric")),
        auto_metric=_bool(obj.get("AutoMetric")),
        state=ctx.enum(obj, "State", None),
    )


def _cluster_shared_volume(obj: Mapping[str, Any], ctx: _Context) -> PsRecord:
    info = obj.get("SharedVolumeInfo")
    if isinstance(info, list):
        info = info[0] if info else None
    friendly = size = free = None
    if isinstance(info, dict):
        friendly = _str(info.get("FriendlyVolumeName"))
        partition = info.get("Partition")
        if isinstance(partition, dict):
            size = _int(partition.get("Size"))
            free = _int(partition.get("FreeSpace"))
    return ClusterSharedVolumeRecord(
        file=ctx.file,
        host=ctx.host,
        name=_str(obj.get("Name")),
        id=_guid(obj.get("Id")),
        state=ctx.enum(obj, "State", "ClusterResourceState"),
        owner_node=_name(obj.get("OwnerNode")),
        friendly_volume_name=friendly,
        size_bytes=size,
        free_bytes=free,
    )


def _cluster(obj: Mapping[str, Any], ctx: _Context) -> PsRecord:
    properties: dict[str, str | int | float | bool | None] = {}
    for key, value in obj.items():
        if value is None or isinstance(value, (str, int, float, bool)):
            properties[key] = value
    return ClusterRecord(
        file=ctx.file,
        host=ctx.host,
        name=_str(obj.get("Name")),
        id=_guid(obj.get("Id")),
        domain=_str(obj.get("Domain")),
        same_subnet_delay_ms=_int(obj.get("SameSubnetDelay")),
        same_subnet_threshold=_int(obj.get("SameSubnetThreshold")),
        cross_subnet_delay_ms=_int(obj.get("CrossSubnetDelay")),
        cross_subnet_threshold=_int(obj.get("CrossSubnetThreshold")),
        properties=properties,
    )


def _key(obj: Mapping[str, Any], *keys: str) -> str:
    """The first of ``keys`` the object carries (a property or its alias), else the first."""
    return next((key for key in keys if obj.get(key) is not None), keys[0])


def _first(value: object) -> str | None:
    """A string, or the first non-empty string of an array (WMI exports use arrays)."""
    found = next((text.strip() for text in _strings(value) if text.strip()), None)
    return found or None


def _vm_replication(obj: Mapping[str, Any], ctx: _Context) -> PsRecord:
    return VMReplicationRecord(
        file=ctx.file,
        host=ctx.host_of(obj),
        vm_name=_str(obj.get(_key(obj, "VMName", "Name"))),
        vm_id=_guid(obj.get("VMId")),
        mode=ctx.enum(obj, _key(obj, "ReplicationMode", "Mode"), "VMReplicationMode"),
        state=ctx.enum(obj, _key(obj, "ReplicationState", "State"), "VMReplicationState"),
        health=ctx.enum(obj, _key(obj, "ReplicationHealth", "Health"), "VMReplicationHealthState"),
        relationship_type=ctx.enum(
            obj,
            _key(obj, "ReplicationRelationshipType", "RelationshipType"),
            "VMReplicationRelationshipType",
        ),
        frequency_sec=_int(obj.get(_key(obj, "ReplicationFrequencySec", "FrequencySec"))),
        recovery_history=_int(obj.get("RecoveryHistory")),
        replica_server=_first(obj.get(_key(obj, "ReplicaServerName", "ReplicaServer"))),
        current_replica_server=_first(obj.get("CurrentReplicaServerName")),
        primary_server=_first(obj.get(_key(obj, "PrimaryServerName", "PrimaryServer"))),
    )


def _failover_configuration(obj: Mapping[str, Any], ctx: _Context) -> PsRecord:
    return VMNetworkAdapterFailoverRecord(
        file=ctx.file,
        host=ctx.host_of(obj),
        vm_name=_str(obj.get("VMName")),
        vm_id=_guid(obj.get("VMId")),
        adapter=_str(obj.get(_key(obj, "VMNetworkAdapterName", "Name"))),
        mac_address=_str(obj.get("MacAddress")),
        ipv4_address=_first(obj.get("IPv4Address")),
        ipv4_subnet_mask=_first(obj.get("IPv4SubnetMask")),
        ipv4_default_gateway=_first(obj.get("IPv4DefaultGateway")),
        ipv6_address=_first(obj.get("IPv6Address")),
        error=_str(obj.get("FailoverConfigurationError")) or None,
    )


def _cluster_fault_domain(obj: Mapping[str, Any], ctx: _Context) -> PsRecord:
    parent = obj.get(_key(obj, "ParentName", "Parent"))
    return ClusterFaultDomainRecord(
        file=ctx.file,
        host=ctx.host,
        name=_str(obj.get("Name")),
        id=_str(obj.get("Id")),
        type=ctx.enum(obj, _key(obj, "Type", "FaultDomainType"), "FaultDomainType"),
        parent=_name(parent) or None,
        children=tuple(
            text for text in _strings(obj.get(_key(obj, "ChildrenNames", "Children"))) if text
        ),
        location=_str(obj.get("Location")) or None,
        description=_str(obj.get("Description")) or None,
    )


_BUILDERS: dict[str, _Builder] = {
    "Get-NetAdapter": _net_adapter,
    "Get-NetAdapterAdvancedProperty": _advanced_property,
    "Get-NetLbfoTeam": _lbfo_team,
    "Get-NetLbfoTeamMember": _lbfo_member,
    "Get-NetLbfoTeamNic": _lbfo_team_nic,
    "Get-VMSwitch": _vm_switch,
    "Get-VMNetworkAdapter": _vm_network_adapter,
    "Get-VM": _vm,
    "Get-VMHost": _vm_host,
    "Get-ClusterNode": _cluster_node,
    "Get-ClusterGroup": _cluster_group,
    "Get-ClusterNetwork": _cluster_network,
    "Get-ClusterSharedVolume": _cluster_shared_volume,
    "Get-Cluster": _cluster,
    "Get-VMReplication": _vm_replication,
    "Get-VMNetworkAdapterFailoverConfiguration": _failover_configuration,
    "Get-ClusterFaultDomain": _cluster_fault_domain,
}
