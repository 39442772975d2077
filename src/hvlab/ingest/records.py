"""Plain, typed, frozen records produced by the importers, and the helpers they share.

Every importer in :mod:`hvlab.ingest` returns one *result* object per input file
(:class:`EventScan`, :class:`PsFile`, :class:`VmmExport`, :class:`RegistryExport`,
:class:`IisConfig`) holding the records it could read and the
:class:`IngestWarning` s for what it could not. Nothing here knows the lab model:
the records carry the Windows names and values as exported, and a value that is
absent from the export is ``None`` (never guessed).

Enumerations are stored by their PowerShell *name* (``"SwitchIndependent"``,
``"TurnOff"``); byte sizes are ``int`` bytes; times are timezone-aware UTC
``datetime`` objects; GUIDs are lower-case without braces.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "ClusterFaultDomainRecord",
    "ClusterGroupRecord",
    "ClusterNetworkRecord",
    "ClusterNodeRecord",
    "ClusterRecord",
    "ClusterSharedVolumeRecord",
    "DecodedText",
    "EventScan",
    "HyperVEvent",
    "IisBinding",
    "IisConfig",
    "IisRedirect",
    "IisSite",
    "IngestWarning",
    "LbfoTeamMemberRecord",
    "LbfoTeamNicRecord",
    "LbfoTeamRecord",
    "NetAdapterAdvancedPropertyRecord",
    "NetAdapterRecord",
    "PsClusterGroupRecord",
    "PsFile",
    "PsRecord",
    "RegistryExport",
    "ResourceGroupDrift",
    "VMHostRecord",
    "VMNetworkAdapterFailoverRecord",
    "VMNetworkAdapterRecord",
    "VMRecord",
    "VMReplicationRecord",
    "VMSwitchRecord",
    "VmmExport",
    "VmmVmRecord",
    "decode_text",
    "normalize_guid",
]


# --------------------------------------------------------------------------- common


@dataclass(frozen=True)
class IngestWarning:
    """Something in an input file that could not be read, or was read with doubt.

    ``file`` names the input; ``line`` is 1-based when known.
    """

    file: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class DecodedText:
    """Text decoded from bytes: the ``encoding`` used and any warnings about it."""

    text: str
    encoding: str
    warnings: tuple[IngestWarning, ...] = ()


_GUID_RE = re.compile(
    r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$"
)


def normalize_guid(value: object) -> str | None:
    """Return ``value`` as a lower-case GUID without braces, or ``None``.

    Parameters
    ----------
    value
        Anything; strings like ``"{0F8CABE4-F773-4AE4-B431-ADA5A3C9926C}"`` or
        ``"0f8cabe4-f773-4ae4-b431-ada5a3c9926c"`` are accepted.

    Returns
    -------
    str or None
        ``"0f8cabe4-f773-4ae4-b431-ada5a3c9926c"`` for a well-formed GUID in the
        registry format (8-4-4-4-12 hex digits, optionally in braces, as in
        the .NET ``Guid.ToString("B")``/``("D")`` formats); ``None`` otherwise.
    """
    if not isinstance(value, str):
        return None
    match = _GUID_RE.match(value.strip())
    return match.group(1).lower() if match else None


def decode_text(data: bytes, file: str, *, what: str = "file") -> DecodedText:
    """Decode an exported text file, honouring the byte-order mark.

    Parameters
    ----------
    data
        The raw bytes of the file.
    file
        Name used in warnings.
    what
        What the file is, for warning messages (``".reg export"``).

    Returns
    -------
    DecodedText
        The text without BOM. A BOM selects UTF-8, UTF-16 LE or UTF-16 BE (what
        PowerShell 5 ``Out-File``/``>`` and ``reg export`` write: UTF-16 LE with
        BOM; see *about_Character_Encoding* in the PowerShell documentation).
        Without a BOM: UTF-16 LE when every other byte of an ASCII-looking
        prefix is zero, else UTF-8; bytes that are not valid UTF-8 are decoded as
        Windows-1252 with a warning. Never raises.
    """
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data[3:], "utf-8", file, what)
    if data.startswith(codecs.BOM_UTF16_LE):
        return _decode(data[2:], "utf-16-le", file, what)
    if data.startswith(codecs.BOM_UTF16_BE):
        return _decode(data[2:], "utf-16-be", file, what)
    head = data[:64]
    if len(head) >= 4 and head[1::2].count(0) >= len(head) // 2 - 1 and head[0::2].count(0) == 0:
        decoded = _decode(data, "utf-16-le", file, what)
        note = IngestWarning(file, f"{what} is UTF-16 LE without a byte-order mark")
        return DecodedText(decoded.text, decoded.encoding, (note, *decoded.warnings))
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        note = IngestWarning(
            file,
            f"{what} is neither UTF-16 nor UTF-8 (invalid byte at offset {exc.start}); "
            "decoded as Windows-1252",
        )
        return DecodedText(data.decode("cp1252", errors="replace"), "cp1252", (note,))


def _decode(data: bytes, encoding: str, file: str, what: str) -> DecodedText:
    try:
        return DecodedText(data.decode(encoding), encoding)
    except UnicodeDecodeError as exc:
        note = IngestWarning(
            file,
            f"{what} has bytes that are not valid {encoding.upper()} at offset {exc.start}; "
            "they were replaced",
        )
        return DecodedText(data.decode(encoding, errors="replace"), encoding, (note,))


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class HyperVEvent:
    """One Hyper-V event from an .evtx log or an exported event XML stream.

    ``channel`` is the log (``Microsoft-Windows-Hyper-V-Worker-Admin``),
    ``provider`` the source (``Microsoft-Windows-Hyper-V-Worker``), ``level`` the
    numeric level (1 Critical, 2 Error, 3 Warning, 4 Information, 5 Verbose,
    0 LogAlways). ``vm_name``/``vm_id`` come from ``UserData/VmlEventLog/VmName``
    and ``VmId`` (or the equally named ``EventData`` items). ``data`` holds every
    other ``UserData``/``EventData`` item by name (``Parameter0``... or
    ``Data1``... when unnamed). ``kind`` is hvlab's name for the events it knows
    (see :data:`hvlab.ingest.evtx.KNOWN_EVENTS`), ``message`` the rendered text
    when the export carried one (``RenderingInfo``).
    """

    file: str
    channel: str | None
    provider: str | None
    event_id: int | None
    level: int | None
    time_created: datetime | None
    computer: str | None
    vm_name: str | None
    vm_id: str | None
    data: Mapping[str, str] = field(default_factory=dict, hash=False)
    record_id: int | None = None
    kind: str | None = None
    message: str | None = None

    @property
    def level_name(self) -> str | None:
        """The Event Viewer name of :attr:`level` (``"Error"``), or ``None``."""
        names = {
            0: "Information",
            1: "Critical",
            2: "Error",
            3: "Warning",
            4: "Information",
            5: "Verbose",
        }
        return None if self.level is None else names.get(self.level)


@dataclass(frozen=True)
class EventScan:
    """The result of reading one event log file.

    ``records_scanned`` counts every event record read (Hyper-V or not);
    ``events`` holds the Hyper-V ones. A file with no Hyper-V events has an
    empty ``events`` and says so in :attr:`summary`; that is not an error.
    """

    file: str
    events: tuple[HyperVEvent, ...]
    records_scanned: int
    warnings: tuple[IngestWarning, ...] = ()
    format: str = "evtx"

    @property
    def summary(self) -> str:
        """One line: records scanned, Hyper-V events found, warnings."""
        found = f"{len(self.events)} Hyper-V events" if self.events else "no Hyper-V events"
        text = f"{self.file}: {self.records_scanned} records scanned, {found}"
        if self.warnings:
            text += f", {len(self.warnings)} warnings"
        return text


# --------------------------------------------------------------------------- PowerShell


@dataclass(frozen=True)
class NetAdapterRecord:
    """``Get-NetAdapter``: a physical or virtual network adapter of a host."""

    file: str
    host: str | None
    name: str | None
    interface_description: str | None = None
    if_index: int | None = None
    status: str | None = None
    mac_address: str | None = None
    link_speed: str | None = None
    speed_bps: int | None = None
    mtu: int | None = None
    vlan_id: int | None = None
    virtual: bool | None = None
    driver_description: str | None = None


@dataclass(frozen=True)
class NetAdapterAdvancedPropertyRecord:
    """``Get-NetAdapterAdvancedProperty``: one advanced driver setting of an adapter."""

    file: str
    host: str | None
    adapter: str | None
    display_name: str | None = None
    display_value: str | None = None
    registry_keyword: str | None = None
    registry_value: tuple[str, ...] = ()


@dataclass(frozen=True)
class LbfoTeamRecord:
    """``Get-NetLbfoTeam``: a Windows Server NIC team (LBFO)."""

    file: str
    host: str | None
    name: str | None
    members: tuple[str, ...] = ()
    team_nics: tuple[str, ...] = ()
    teaming_mode: str | None = None
    load_balancing_algorithm: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class LbfoTeamMemberRecord:
    """``Get-NetLbfoTeamMember``: a member adapter of an LBFO team."""

    file: str
    host: str | None
    name: str | None
    team: str | None = None
    interface_description: str | None = None
    administrative_mode: str | None = None
    operational_status: str | None = None
    transmit_link_speed_bps: int | None = None
    receive_link_speed_bps: int | None = None
    failure_reason: str | None = None


@dataclass(frozen=True)
class LbfoTeamNicRecord:
    """``Get-NetLbfoTeamNic``: a team interface (tNIC), possibly on a VLAN."""

    file: str
    host: str | None
    name: str | None
    team: str | None = None
    vlan_id: int | None = None
    primary: bool | None = None
    default: bool | None = None


@dataclass(frozen=True)
class VMSwitchRecord:
    """``Get-VMSwitch``: a Hyper-V virtual switch."""

    file: str
    host: str | None
    name: str | None
    id: str | None = None
    switch_type: str | None = None
    net_adapter_interface_description: str | None = None
    allow_management_os: bool | None = None
    embedded_teaming_enabled: bool | None = None
    iov_enabled: bool | None = None
    bandwidth_reservation_mode: str | None = None


@dataclass(frozen=True)
class VMNetworkAdapterRecord:
    """``Get-VMNetworkAdapter``: a VM's (or the management OS's) virtual NIC."""

    file: str
    host: str | None
    name: str | None
    vm_name: str | None = None
    vm_id: str | None = None
    switch_name: str | None = None
    mac_address: str | None = None
    is_management_os: bool | None = None
    ip_addresses: tuple[str, ...] = ()
    vlan_mode: str | None = None
    access_vlan_id: int | None = None
    vmq_weight: int | None = None
    iov_weight: int | None = None
    allow_teaming: str | None = None


@dataclass(frozen=True)
class VMRecord:
    """``Get-VM``: a virtual machine as its host reports it.

    Memory sizes are bytes (``MemoryStartup`` etc.); ``dynamic_memory_enabled``
    is ``DynamicMemoryEnabled``; ``automatic_stop_action`` is ``TurnOff``,
    ``Save`` or ``ShutDown``; ``integration_services_version`` is a dotted
    version string (``"6.1.7601.17514"``); ``replication_mode`` is ``ReplicationMode``
    (``Replica`` for the copy Hyper-V Replica keeps on the replica server).
    """

    file: str
    host: str | None
    name: str | None
    id: str | None = None
    state: str | None = None
    memory_startup: int | None = None
    memory_minimum: int | None = None
    memory_maximum: int | None = None
    dynamic_memory_enabled: bool | None = None
    automatic_stop_action: str | None = None
    automatic_start_action: str | None = None
    integration_services_version: str | None = None
    path: str | None = None
    configuration_location: str | None = None
    processor_count: int | None = None
    generation: int | None = None
    version: str | None = None
    is_clustered: bool | None = None
    replication_mode: str | None = None


@dataclass(frozen=True)
class VMReplicationRecord:
    """``Get-VMReplication``: one replication relationship of a VM, seen from one host.

    ``mode`` is ``ReplicationMode`` (``Primary`` on the host running the VM,
    ``Replica``/``ExtendedReplica`` on a host holding a copy, ``TestReplica`` for a
    test-failover VM); ``replica_server`` is ``ReplicaServerName`` (the server or
    Replica Broker the primary sends to), ``current_replica_server`` the node that
    holds the copy now (``CurrentReplicaServerName``); ``frequency_sec`` is
    ``ReplicationFrequencySec`` (``FrequencySec``), ``recovery_history`` the
    number of additional recovery points kept (``RecoveryHistory``).
    """

    file: str
    host: str | None
    vm_name: str | None
    vm_id: str | None = None
    mode: str | None = None
    state: str | None = None
    health: str | None = None
    relationship_type: str | None = None
    frequency_sec: int | None = None
    recovery_history: int | None = None
    replica_server: str | None = None
    current_replica_server: str | None = None
    primary_server: str | None = None


@dataclass(frozen=True)
class VMNetworkAdapterFailoverRecord:
    """``Get-VMNetworkAdapterFailoverConfiguration``: the address Replica gives a VM NIC.

    The cmdlet's objects carry only the addresses; ``vm_name``, ``vm_id``,
    ``adapter`` and ``mac_address`` are the properties ``Collect-HvLab.ps1`` adds
    from the adapter it asked about. ``error`` is set when the collector could not
    read the adapter's configuration (the addresses are then unknown, not empty).
    """

    file: str
    host: str | None
    vm_name: str | None
    vm_id: str | None = None
    adapter: str | None = None
    mac_address: str | None = None
    ipv4_address: str | None = None
    ipv4_subnet_mask: str | None = None
    ipv4_default_gateway: str | None = None
    ipv6_address: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class VMHostRecord:
    """``Get-VMHost``: the Hyper-V settings of a host."""

    file: str
    host: str | None
    name: str | None
    logical_processor_count: int | None = None
    memory_capacity: int | None = None
    virtual_machine_path: str | None = None
    virtual_hard_disk_path: str | None = None
    virtual_machine_migration_enabled: bool | None = None
    maximum_virtual_machine_migrations: int | None = None
    maximum_storage_migrations: int | None = None
    fully_qualified_domain_name: str | None = None


@dataclass(frozen=True)
class ClusterNodeRecord:
    """``Get-ClusterNode``: a failover cluster node and its state."""

    file: str
    host: str | None
    name: str | None
    id: str | None = None
    state: str | None = None
    node_weight: int | None = None
    cluster: str | None = None


@dataclass(frozen=True)
class PsClusterGroupRecord:
    """``Get-ClusterGroup``: a cluster group (role) as PowerShell reports it.

    Not to be confused with :class:`ClusterGroupRecord`, the same group read from
    the cluster registry; ``id`` here equals ``group_id`` there.
    """

    file: str
    host: str | None
    name: str | None
    id: str | None = None
    owner_node: str | None = None
    state: str | None = None
    group_type: str | None = None
    priority: int | None = None
    cluster: str | None = None
    preferred_site: str | None = None


@dataclass(frozen=True)
class ClusterFaultDomainRecord:
    """``Get-ClusterFaultDomain`` (Windows Server 2016+): a site, rack, chassis or node.

    ``type`` is ``Site``, ``Rack``, ``Chassis``, ``Node``, ``StorageNode`` or
    ``Unknown``; ``parent`` is ``ParentName`` (the enclosing fault domain),
    ``children`` is ``ChildrenNames``. A ``Node`` fault domain is named after the
    cluster node.
    """

    file: str
    host: str | None
    name: str | None
    id: str | None = None
    type: str | None = None
    parent: str | None = None
    children: tuple[str, ...] = ()
    location: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class ClusterNetworkRecord:
    """``Get-ClusterNetwork``: a cluster network, its ``Role`` and ``Metric``."""

    file: str
    host: str | None
    name: str | None
    id: str | None = None
    role: str | None = None
    address: str | None = None
    address_mask: str | None = None
    metric: int | None = None
    auto_metric: bool | None = None
    state: str | None = None


@dataclass(frozen=True)
class ClusterSharedVolumeRecord:
    """``Get-ClusterSharedVolume``: a CSV, its owner and (when exported) its size."""

    file: str
    host: str | None
    name: str | None
    id: str | None = None
    state: str | None = None
    owner_node: str | None = None
    friendly_volume_name: str | None = None
    size_bytes: int | None = None
    free_bytes: int | None = None


@dataclass(frozen=True)
class ClusterRecord:
    """``Get-Cluster | Select-Object *``: cluster-wide settings.

    Heartbeat settings are kept as exported (``SameSubnetDelay`` in
    milliseconds, ``SameSubnetThreshold`` in heartbeats); ``properties`` holds
    every scalar property of the export by its PowerShell name.
    """

    file: str
    host: str | None
    name: str | None
    id: str | None = None
    domain: str | None = None
    same_subnet_delay_ms: int | None = None
    same_subnet_threshold: int | None = None
    cross_subnet_delay_ms: int | None = None
    cross_subnet_threshold: int | None = None
    properties: Mapping[str, str | int | float | bool | None] = field(
        default_factory=dict, hash=False
    )


PsRecord = (
    NetAdapterRecord
    | NetAdapterAdvancedPropertyRecord
    | LbfoTeamRecord
    | LbfoTeamMemberRecord
    | LbfoTeamNicRecord
    | VMSwitchRecord
    | VMNetworkAdapterRecord
    | VMRecord
    | VMReplicationRecord
    | VMNetworkAdapterFailoverRecord
    | VMHostRecord
    | ClusterNodeRecord
    | PsClusterGroupRecord
    | ClusterFaultDomainRecord
    | ClusterNetworkRecord
    | ClusterSharedVolumeRecord
    | ClusterRecord
)
"""Any record :mod:`hvlab.ingest.powershell` produces."""


@dataclass(frozen=True)
class PsFile:
    """The result of reading one ``ConvertTo-Json`` export.

    ``cmdlet`` is the cmdlet whose output the file holds (``"Get-VM"``) or
    ``None`` when it could not be told; ``host`` comes from the file name
    (``node1_Get-VM.json``) when present.
    """

    file: str
    cmdlet: str | None
    host: str | None
    records: tuple[PsRecord, ...]
    warnings: tuple[IngestWarning, ...] = ()


# --------------------------------------------------------------------------- VMM, registry


@dataclass(frozen=True)
class VmmVmRecord:
    """One row of a VMM database export of ``tbl_WLC_VMInstance``.

    ``vm_resource_group_id`` is what VMM believes the VM's failover-cluster group
    id is; it must equal the ``group_id`` of the VM's :class:`ClusterGroupRecord`
    or VMM fails with error 12711 (“The cluster group could not be found”).
    """

    file: str
    line: int
    name: str | None
    computer_name: str | None = None
    vm_instance_id: str | None = None
    vm_resource_group_id: str | None = None
    vm_resource_id: str | None = None
    host_name: str | None = None
    cluster_name: str | None = None


@dataclass(frozen=True)
class VmmExport:
    """The result of reading a ``tbl_WLC_VMInstance`` CSV export."""

    file: str
    vms: tuple[VmmVmRecord, ...]
    warnings: tuple[IngestWarning, ...] = ()


@dataclass(frozen=True)
class ClusterGroupRecord:
    """A key ``HKEY_LOCAL_MACHINE\\Cluster\\Groups\\{group_id}`` of the cluster registry.

    ``name`` is the ``Name`` value, ``type`` the ``GroupType`` DWORD by its
    ``CLUSGROUP_TYPE`` name (``"VirtualMachine"`` for 111) or the number as text
    when unknown, ``contains`` the ``Contains`` REG_MULTI_SZ (resource ids).
    """

    group_id: str
    name: str | None
    type: str | None = None
    contains: tuple[str, ...] = ()
    file: str = ""
    line: int | None = None


@dataclass(frozen=True)
class RegistryExport:
    """The result of reading a ``.reg`` export of ``HKLM\\Cluster\\Groups``."""

    file: str
    groups: tuple[ClusterGroupRecord, ...]
    warnings: tuple[IngestWarning, ...] = ()


@dataclass(frozen=True)
class ResourceGroupDrift:
    """A VM whose VMM ``VMResourceGroupID`` differs from its cluster group id (12711).

    ``vmm_group_id`` is the stale value in ``tbl_WLC_VMInstance``;
    ``cluster_group_id`` is the key name under ``HKLM\\Cluster\\Groups`` that the
    cluster really uses.
    """

    vm_name: str
    vmm_group_id: str
    cluster_group_id: str
    computer_name: str | None = None
    vm_instance_id: str | None = None


# --------------------------------------------------------------------------- IIS


@dataclass(frozen=True)
class IisBinding:
    """A site binding: ``protocol`` and ``bindingInformation`` (``"IP:port:hostname"``).

    ``ip``, ``port`` and ``host_header`` are split out for http/https bindings
    (``ip`` ``"*"`` means all unassigned addresses; ``host_header`` ``""`` means
    none); they are ``None`` for other protocols (``net.tcp`` uses ``"808:*"``).
    """

    protocol: str | None
    binding_information: str | None
    ip: str | None = None
    port: int | None = None
    host_header: str | None = None


@dataclass(frozen=True)
class IisRedirect:
    """An ``<httpRedirect>`` element.

    ``location`` is the ``<location path>`` it sits under (``""`` or ``None``
    for the server level), ``http_response_status`` is ``Found`` (302, the
    default), ``Permanent`` (301), ``Temporary`` (307) or ``PermRedirect`` (308).
    Attributes absent in the file are ``None`` (IIS then inherits them).
    """

    location: str | None
    enabled: bool | None
    destination: str | None = None
    exact_destination: bool | None = None
    child_only: bool | None = None
    http_response_status: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class IisSite:
    """A ``<site>``: its bindings, root physical path and the redirects that apply."""

    name: str | None
    id: int | None
    bindings: tuple[IisBinding, ...] = ()
    physical_path: str | None = None
    redirects: tuple[IisRedirect, ...] = ()


@dataclass(frozen=True)
class IisConfig:
    """The result of reading an IIS ``applicationHost.config``.

    ``redirects`` holds every ``<httpRedirect>`` of the file (server level and
    all locations); each site's ``redirects`` holds those of its own locations.
    """

    file: str
    sites: tuple[IisSite, ...]
    redirects: tuple[IisRedirect, ...] = ()
    warnings: tuple[IngestWarning, ...] = ()
