"""Exports → :class:`~hvlab.model.lab.Lab`: the lab that ``hvlab audit`` checks.

:func:`build_lab` maps the records of an :class:`~hvlab.ingest.AuditFolder` onto
the lab model, so that the same rules run on a real environment as on a lab file
(DESIGN.md, rule 5). What the exports do not say stays unknown: the model's
default is used where the model needs a value, and the builder says so twice —
as a part name in :attr:`BuiltLab.unknown` (rules calling
``ctx.require(part)`` are skipped) and as a :class:`Gap` naming the exact lab
value that is a stand-in. Nothing is guessed.

=====================================  =========================================================
lab                                    from
=====================================  =========================================================
``hosts.H`` cpus, memory               ``Get-VMHost`` ``LogicalProcessorCount``, ``MemoryCapacity``
``hosts.H.os``                         ``<H>_Get-ComputerInfo.json`` (``OsBuildNumber``/
                                       ``OsVersion``, ``OsProductType``); else unknown
``hosts.H.nics``                       ``Get-NetAdapter`` (physical adapters only), speed
                                       ``Speed``; MTU and features from
                                       ``Get-NetAdapterAdvancedProperty`` standardized keywords
``hosts.H.teams``                      ``Get-NetLbfoTeam`` (+ ``...TeamMember`` ``Standby``,
                                       ``...TeamNic`` VLAN interfaces)
``hosts.H.vswitches``                  ``Get-VMSwitch``; the uplink is the adapter whose
                                       ``InterfaceDescription`` the switch names
``hosts.H.vnics``                      ``Get-VMNetworkAdapter -All`` with ``IsManagementOs``
``clusters.C``                         ``Get-Cluster`` (heartbeat), ``Get-ClusterNode``,
                                       ``Get-ClusterNetwork``, ``Get-ClusterSharedVolume``
``vms.V``                              ``Get-VM``; NICs from ``Get-VMNetworkAdapter``; the
                                       cluster group id from ``HKLM\\Cluster\\Groups`` (.reg)
                                       or ``Get-ClusterGroup``, matched by VM name
``sites``, ``hosts.H.site``/``rack``   ``Get-ClusterFaultDomain`` (2016+): ``Site`` and
                                       ``Rack`` fault domains above each ``Node``
``clusters.C.preferred_site``,         ``Get-Cluster`` / ``Get-ClusterGroup``
``vms.V.preferred_site``               ``PreferredSite``
``vms.V.replica``                      ``Get-VMReplication`` ``Primary`` entries: ``to`` from
                                       ``ReplicaServerName`` (a host, a Replica Broker's
                                       cluster, or a host added for a server outside the
                                       export), ``ReplicationFrequencySec``, ``RecoveryHistory``
``vms.V.nics[i].failover_ip``,         ``Get-VMNetworkAdapterFailoverConfiguration`` of the
``failover_gateway``                   VM's replica copy (what Replica applies at failover)
``management``                         VMM ``tbl_WLC_VMInstance`` CSV
``web_sites``                          IIS ``<server>_applicationHost.config``, one site per
                                       site and server file
=====================================  =========================================================

Physical switches, links, load balancers and anti-virus are never in the
exports; they are always unknown. WAN links and the subnets each site carries are
never exported either: they are unknown once the exports place hosts in two sites
or more (with one site they do not matter). A VM's Hyper-V Replica copy on the
replica server (``Get-VMReplication`` mode ``Replica``) is not a VM of its own in
the lab: it is the ``replica`` of the primary VM. Names that Windows allows but the lab model
refuses (two VMs of the same name on different hosts, the same IIS site name on
two servers) are made unique as ``NAME (HOST)`` and the rename is noted.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from hvlab.ingest import AuditFolder
from hvlab.ingest.records import (
    ClusterFaultDomainRecord,
    ClusterGroupRecord,
    ClusterNetworkRecord,
    ClusterNodeRecord,
    ClusterRecord,
    ClusterSharedVolumeRecord,
    IisConfig,
    IisRedirect,
    IngestWarning,
    LbfoTeamMemberRecord,
    LbfoTeamNicRecord,
    LbfoTeamRecord,
    NetAdapterAdvancedPropertyRecord,
    NetAdapterRecord,
    PsClusterGroupRecord,
    PsFile,
    VMHostRecord,
    VmmVmRecord,
    VMNetworkAdapterFailoverRecord,
    VMNetworkAdapterRecord,
    VMRecord,
    VMReplicationRecord,
    VMSwitchRecord,
    decode_text,
    normalize_guid,
)
from hvlab.model.lab import Lab
from hvlab.model.references import check_references
from hvlab.model.yamlsource import dotted

__all__ = [
    "ALWAYS_UNKNOWN",
    "UNKNOWN_PARTS",
    "BuiltLab",
    "Gap",
    "build_lab",
    "cluster_groups",
    "os_from_build",
    "vmm_rows",
]

UNKNOWN_PARTS: dict[str, str] = {
    "switches": "physical switches, their ports, LAGs and spanning tree (no export covers them)",
    "links": "the cables between host NICs and switch ports (no export covers them)",
    "load_balancers": "hardware load balancers and their health checks (no export covers them)",
    "antivirus": "anti-virus products on the hosts and their exclusions (not collected)",
    "quorum": "the cluster quorum configuration (Get-ClusterQuorum is not collected)",
    "vhds": "virtual hard disks of the VMs (Get-VMHardDiskDrive is not collected)",
    "replica": "Hyper-V Replica settings: where a VM replicates and its failover address "
    "(no Get-VMReplication or Get-VMNetworkAdapterFailoverConfiguration export for a host)",
    "replica_traffic": "how much a replicating VM changes per interval and how its first copy "
    "travels (neither is in Get-VMReplication)",
    "sites": "the site of a host (no Get-ClusterFaultDomain export for its cluster: Windows "
    "Server 2016+, cluster nodes only)",
    "wan_links": "the WAN links between the sites, their bandwidth and the VLANs they extend "
    "(no export covers them)",
    "site_subnets": "the subnet each site carries on each VLAN (no export covers them)",
    "storage_replica": "which site holds a stretched cluster's CSV disks and their Storage "
    "Replica copy (Get-SRPartnership is not collected)",
    "guest_config": "what runs inside the guests: OS, guest NIC teams, guest iSCSI",
    "placement": "preferred/possible owners and anti-affinity of cluster groups",
    "live_migration_networks": "the cluster's live-migration network order",
    "file_servers": "clustered file-server roles and their shares",
    "host_os": "the Windows version of a host (no <host>_Get-ComputerInfo.json)",
    "host_resources": "CPUs and memory of a host (no Get-VMHost export for it)",
    "host_nics": "a host's network adapters (no complete Get-NetAdapter export for it)",
    "nic_features": "MTU and offloads of adapters (no complete advanced-property export)",
    "teaming": "a team setting that the export does not carry",
    "vswitches": "a virtual switch the export does not describe completely",
    "clusters": "a cluster (or part of one) that was not exported",
    "vms": "VMs that are known by name only (no Get-VM export describes them)",
    "vm_settings": "a VM setting that the export does not carry",
    "vm_nics": "VM network adapters (no Get-VMNetworkAdapter export for the VM's host)",
    "cluster_groups": "the cluster group ids of VMs (no Groups.reg and no Get-ClusterGroup)",
    "management": "the VMM inventory (no tbl_WLC_VMInstance export)",
    "web_sites": "IIS sites (no applicationHost.config export)",
}
"""Every part name :attr:`BuiltLab.unknown` may hold, with what it stands for.

Rules call ``ctx.require("<part>")`` with these names; keep them in step."""

ALWAYS_UNKNOWN = (
    "switches",
    "links",
    "load_balancers",
    "antivirus",
    "quorum",
    "vhds",
    "guest_config",
    "placement",
    "live_migration_networks",
    "file_servers",
)
"""Parts that no export collected by ``Collect-HvLab.ps1`` covers."""

_SERVER_BUILDS: dict[int, str] = {
    6001: "WindowsServer2008",
    6002: "WindowsServer2008",
    6003: "WindowsServer2008",
    7600: "WindowsServer2008R2",
    7601: "WindowsServer2008R2",
    9200: "WindowsServer2012",
    9600: "WindowsServer2012R2",
    14393: "WindowsServer2016",
    17763: "WindowsServer2019",
    20348: "WindowsServer2022",
    26100: "WindowsServer2025",
}
"""Windows Server build numbers (Microsoft, *Windows Server release information*)."""

_FEATURE_KEYWORDS: dict[str, str] = {
    "*vmq": "vmq",
    "*rss": "rss",
    "*sriov": "sriov",
    "*networkdirect": "rdma",
    "*qos": "dcb",
    "*tcpconnectionoffloadipv4": "tcp_chimney",
    "*tcpconnectionoffloadipv6": "tcp_chimney",
    "*ipsecoffloadv2": "ipsec_offload",
    "*rscipv4": "rsc",
    "*rscipv6": "rsc",
    "*lsov2ipv4": "lso",
    "*lsov2ipv6": "lso",
}
"""Standardized INF keywords (Microsoft, *Standardized INF Keywords for Network Devices*:
VMQ, RSS, SR-IOV, NDKPI ``*NetworkDirect``, NDIS QoS, TCP chimney, IPsec, RSC, LSO)
and the model's feature each one enables when its value is 1."""

_VENDORS = ("Intel", "Broadcom", "Mellanox", "QLogic", "Emulex", "Chelsio", "Realtek", "HP")
_MULTIPLEXOR = "microsoft network adapter multiplexor driver"
_HOST_CMDLETS = frozenset(
    {
        "Get-NetAdapter",
        "Get-NetAdapterAdvancedProperty",
        "Get-NetLbfoTeam",
        "Get-NetLbfoTeamMember",
        "Get-NetLbfoTeamNic",
        "Get-VMSwitch",
        "Get-VMNetworkAdapter",
        "Get-VM",
        "Get-VMHost",
        "Get-VMReplication",
        "Get-VMNetworkAdapterFailoverConfiguration",
    }
)
_COMPUTER_INFO = re.compile(r"^(?:(?P<host>.+?)_)?Get-ComputerInfo(?:\.[^.]*)?\.json$", re.I)
_PRIORITY = {3000: "High", 2000: "Medium", 1000: "Low", 0: "NoAutoStart"}
_STATES = {"Running": "Running", "Off": "Off", "Saved": "Saved", "Paused": "Paused"}
_STATES["FastSaved"] = "Saved"
_STOP_ACTIONS = ("Save", "ShutDown", "TurnOff")
_MODES = ("SwitchIndependent", "Static", "Lacp")
_ALGORITHMS = ("TransportPorts", "IPAddresses", "MacAddresses", "HyperVPort", "Dynamic")
_ROLES = {"None": "None", "Cluster": "Cluster", "ClusterAndClient": "ClusterAndClient"}
_BANDWIDTH = ("Default", "Weight", "Absolute", "None")
_COPY_MODES = ("Replica", "ExtendedReplica", "TestReplica")
"""``ReplicationMode`` of a VM that is a copy kept by Hyper-V Replica, not a workload."""

R = TypeVar("R")


@dataclass(frozen=True)
class Gap:
    """A value of the built lab that is the model's default, not the export's.

    ``path`` is the dotted lab path (``hosts.HV01.os``), ``part`` its name in
    :data:`UNKNOWN_PARTS`, ``reason`` what was missing.
    """

    part: str
    path: str
    reason: str


@dataclass(frozen=True)
class BuiltLab:
    """The lab built from an export folder, and what it could not know.

    ``lab`` validates with the model; ``unknown`` holds the part names of
    :data:`UNKNOWN_PARTS` that are unknown anywhere in it; ``notes`` say what
    the builder decided (renames, dropped objects, stand-in defaults);
    ``gaps`` locate each stand-in; ``warnings`` are inconsistencies of the
    exports (a reference the model refuses, two sources that disagree);
    ``sources`` maps a lab object (``vms.SQL01``) to the files it came from;
    ``consumed`` lists files read here that the readers do not read
    (``Get-ComputerInfo``).
    """

    lab: Lab
    unknown: frozenset[str]
    notes: list[str]
    gaps: tuple[Gap, ...] = ()
    warnings: tuple[IngestWarning, ...] = ()
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    consumed: frozenset[str] = frozenset()


# --------------------------------------------------------------------------- helpers


def os_from_build(build: int | None) -> str | None:
    """Return the model's ``OsVersion`` of a Windows Server build number, or ``None``.

    Parameters
    ----------
    build
        ``OsBuildNumber`` (9200, 9600, 14393, ...).

    Returns
    -------
    str or None
        ``"WindowsServer2012"`` for 9200 and so on, after Microsoft's *Windows
        Server release information*; ``None`` for a build hvlab does not know.
    """
    return None if build is None else _SERVER_BUILDS.get(build)


def _short(name: str | None) -> str | None:
    """A computer name without its DNS domain (``HV01.test.lab`` → ``HV01``)."""
    if name is None:
        return None
    text = name.strip().strip("\\").strip()
    if not text:
        return None
    try:
        ipaddress.ip_address(text)
        return text
    except ValueError:
        pass
    return text.split(".", 1)[0] or None


class _Names:
    """Canonical spellings of names Windows compares case-insensitively."""

    def __init__(self) -> None:
        self._best: dict[str, tuple[int, str]] = {}

    def offer(self, name: str | None, rank: int) -> None:
        short = _short(name)
        if short is None:
            return
        key = short.casefold()
        current = self._best.get(key)
        if current is None or (rank, short) < current:
            self._best[key] = (rank, short)

    def get(self, name: str | None) -> str | None:
        short = _short(name)
        if short is None:
            return None
        found = self._best.get(short.casefold())
        return found[1] if found else None

    def all(self) -> list[str]:
        return sorted(spelling for _, spelling in self._best.values())


def _unique(name: str, taken: set[str], *hints: str, plain: bool = True) -> str:
    """The first of ``name``, ``name (h1)``, ``name (h1, h2)``, ..., ``name (n)`` not taken.

    ``taken`` holds case-folded names; ``plain=False`` skips the bare name (every
    holder of a name Windows allows twice gets a suffix).
    """
    kept = [hint for hint in hints if hint]
    candidates = [name] if plain else []
    candidates += [f"{name} ({', '.join(kept[: i + 1])})" for i in range(len(kept))]
    for candidate in candidates:
        if candidate.casefold() not in taken:
            return candidate
    number = 2
    while f"{name} ({number})".casefold() in taken:
        number += 1
    return f"{name} ({number})"


def _mac(value: str | None) -> str | None:
    if value is None:
        return None
    digits = re.sub(r"[-:.\s]", "", value)
    if not re.fullmatch(r"[0-9A-Fa-f]{12}", digits):
        return None
    digits = digits.lower()
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def _vlan(value: int | None) -> int | None:
    return value if value is not None and 1 <= value <= 4094 else None


def _percent(value: int | None) -> int | None:
    return value if value is not None and 0 <= value <= 100 else None


def _first_int(values: Iterable[str]) -> int | None:
    for value in values:
        text = value.strip()
        if re.fullmatch(r"-?\d+", text):
            return int(text)
    return None


def _records(folder: AuditFolder, kind: type[R]) -> list[tuple[PsFile, R]]:
    return [
        (ps, record)
        for ps in folder.powershell
        for record in ps.records
        if isinstance(record, kind)
    ]


def _rel(folder: AuditFolder, file: str) -> str:
    try:
        return Path(file).relative_to(folder.path).as_posix()
    except ValueError:
        return Path(file).as_posix()


# --------------------------------------------------------------------------- Get-ComputerInfo


@dataclass(frozen=True)
class _OsInfo:
    host: str | None
    os: str | None
    build: int | None
    caption: str | None
    server: bool | None


def _read_computer_info(path: str) -> tuple[list[_OsInfo], list[str]]:
    """Read ``Get-ComputerInfo | ConvertTo-Json`` (or ``Win32_OperatingSystem``) output.

    Follows the properties of ``Microsoft.PowerShell.Commands.ComputerInfo``
    (``CsName``, ``OsName``, ``OsVersion``, ``OsBuildNumber``, ``OsProductType``:
    WorkStation 1, DomainController 2, Server 3) and of the CIM class
    ``Win32_OperatingSystem`` (``CSName``, ``Caption``, ``Version``,
    ``BuildNumber``, ``ProductType``). Returns the hosts' OS facts and problems.
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return [], [f"cannot read file: {exc}"]
    text = decode_text(raw, path, what="Get-ComputerInfo export").text.strip().lstrip("\ufeff")
    try:
        document: Any = json.loads(text)
    except (ValueError, RecursionError):
        return [], ["not valid JSON; the host OS stays unknown"]
    if isinstance(document, dict) and isinstance(document.get("value"), list):
        document = document["value"]
    items = document if isinstance(document, list) else [document]
    found: list[_OsInfo] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        host = _text(item, "CsName", "CSName", "CsDNSHostName", "PSComputerName")
        caption = _text(item, "OsName", "WindowsProductName", "Caption")
        build = _build_number(item)
        product = item.get("OsProductType", item.get("ProductType"))
        server: bool | None = None
        if product in (2, 3, "2", "3", "Server", "DomainController"):
            server = True
        elif product in (1, "1", "WorkStation", "Workstation"):
            server = False
        elif caption:
            server = "server" in caption.casefold()
        found.append(
            _OsInfo(host, os_from_build(build) if server else None, build, caption, server)
        )
    if not found:
        return [], ["holds no object; the host OS stays unknown"]
    return found, []


def _text(item: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = item.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _build_number(item: Mapping[str, Any]) -> int | None:
    for key in ("OsBuildNumber", "BuildNumber"):
        value = item.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
    for key in ("OsVersion", "Version", "WindowsBuildLabEx"):
        value = item.get(key)
        if isinstance(value, str):
            parts = re.findall(r"\d+", value)
            if key == "WindowsBuildLabEx" and parts:
                return int(parts[0])
            if len(parts) >= 3:
                return int(parts[2])
    return None


# --------------------------------------------------------------------------- the builder


class _Builder:
    """One build: reads the folder's records once and fills plain lab data."""

    def __init__(self, folder: AuditFolder) -> None:
        self.folder = folder
        self.notes: list[str] = []
        self.gaps: list[Gap] = []
        self.warnings: list[IngestWarning] = []
        self.unknown: set[str] = set(ALWAYS_UNKNOWN)
        self.sources: dict[str, list[str]] = {}
        self.consumed: set[str] = set()
        self.hosts = _Names()
        self.clusters = _Names()
        self.node_cluster: dict[str, str] = {}
        self.data: dict[str, Any] = {}
        self.csv_paths: dict[str, tuple[str, str]] = {}
        self.vm_keys: dict[tuple[str, str], str] = {}
        self.vm_by_id: dict[str, str] = {}
        self.vm_by_name: dict[str, list[str]] = {}
        self.originals: dict[str, str] = {}
        # Hyper-V Replica copies: "id:<guid>" or "name:<name>" -> host (casefolded) -> mode.
        self.copies: dict[str, dict[str, str]] = {}
        self.broker_names: dict[str, str] | None = None
        self.failover_index: dict[str, list[tuple[PsFile, VMNetworkAdapterFailoverRecord]]] = {}

    # -- bookkeeping ------------------------------------------------------------------------
    def gap(self, part: str, path: tuple[str | int, ...], reason: str) -> None:
        self.unknown.add(part)
        self.gaps.append(Gap(part, dotted(path), reason))

    def source(self, path: tuple[str | int, ...], file: str) -> None:
        files = self.sources.setdefault(dotted(path), [])
        rel = _rel(self.folder, file)
        if rel not in files:
            files.append(rel)

    def warn(self, file: str, message: str) -> None:
        self.warnings.append(IngestWarning(file, message))

    def host_of(self, ps: PsFile, record_host: str | None) -> str | None:
        return self.hosts.get(record_host) or self.hosts.get(ps.host)

    # -- names ------------------------------------------------------------------------------
    def collect_names(self) -> None:
        """Canonical host and cluster names, and which cluster each node belongs to."""
        folder = self.folder
        for _, settings in _records(folder, ClusterRecord):
            self.clusters.offer(settings.name, 0)
        for ps in folder.powershell:
            if ps.cmdlet == "Get-VMHost":
                for record in ps.records:
                    if isinstance(record, VMHostRecord):
                        self.hosts.offer(record.name or record.host, 1)
            if ps.cmdlet in _HOST_CMDLETS:
                self.hosts.offer(ps.host, 2)
                for record in ps.records:
                    self.hosts.offer(getattr(record, "host", None), 3)
        for _, node in _records(folder, ClusterNodeRecord):
            self.hosts.offer(node.name, 0)
            self.clusters.offer(node.cluster, 1)
        for _, group in _records(folder, PsClusterGroupRecord):
            self.clusters.offer(group.cluster, 1)
        for ps in folder.powershell:
            cluster_file = bool(ps.cmdlet and ps.cmdlet.startswith("Get-Cluster"))
            if cluster_file and ps.records and ps.host and self.hosts.get(ps.host) is None:
                self.clusters.offer(ps.host, 2)
        for ps, node in _records(folder, ClusterNodeRecord):
            name = self.hosts.get(node.name)
            cluster = self.clusters.get(node.cluster) or self.file_cluster(ps)
            if name is None:
                continue
            if cluster is None:
                cluster = "Cluster"
                self.clusters.offer(cluster, 9)
                self.notes.append(
                    f"{_rel(folder, ps.file)}: the cluster's name is not in the export; "
                    "it is called 'Cluster' here"
                )
            previous = self.node_cluster.get(name)
            if previous is not None and previous != cluster:
                self.warn(
                    ps.file,
                    f"node {name} is listed in clusters {previous} and {cluster}; "
                    f"kept in {previous}",
                )
                continue
            self.node_cluster[name] = cluster

    def file_cluster(self, ps: PsFile) -> str | None:
        """The cluster a cluster-cmdlet file is about (its name prefix, or the only one)."""
        named = self.clusters.get(ps.host)
        if named is not None:
            return named
        host = self.hosts.get(ps.host)
        if host is not None and host in self.node_cluster:
            return self.node_cluster[host]
        every = self.clusters.all()
        return every[0] if len(every) == 1 else None

    # -- hosts ------------------------------------------------------------------------------
    def computer_info(self) -> dict[str, _OsInfo]:
        found: dict[str, _OsInfo] = {}
        for ps in self.folder.powershell:
            match = _COMPUTER_INFO.match(Path(ps.file).name)
            if not match or ps.records:
                continue
            self.consumed.add(ps.file)
            infos, problems = _read_computer_info(ps.file)
            for problem in problems:
                self.warn(ps.file, problem)
            for info in infos:
                host = self.hosts.get(info.host) or self.hosts.get(match.group("host"))
                if host is None:
                    name = info.host or match.group("host")
                    self.notes.append(
                        f"{_rel(self.folder, ps.file)}: {name} is not a host of this export; "
                        "ignored"
                    )
                    continue
                found.setdefault(host, info)
                self.source(("hosts", host), ps.file)
        return found

    def build_hosts(self) -> None:
        folder = self.folder
        os_info = self.computer_info()
        names = set(self.hosts.all())
        vmhosts: dict[str, tuple[PsFile, VMHostRecord]] = {}
        for ps, vmhost in _records(folder, VMHostRecord):
            host = self.host_of(ps, vmhost.name or vmhost.host)
            if host is not None:
                vmhosts.setdefault(host, (ps, vmhost))
        hosts: dict[str, Any] = {}
        for host in sorted(names):
            data: dict[str, Any] = {}
            path: tuple[str | int, ...] = ("hosts", host)
            info = os_info.get(host)
            if info is not None and info.os is not None:
                data["os"] = info.os
            else:
                if info is None:
                    why = f"no {host}_Get-ComputerInfo.json in the export"
                elif info.server is False:
                    why = f"{host} runs {info.caption or 'a client Windows'}, not Windows Server"
                else:
                    why = (
                        f"build {info.build} of {info.caption or 'Windows'} is not one hvlab knows"
                    )
                self.gap("host_os", (*path, "os"), why)
            if host in vmhosts:
                ps, vmhost = vmhosts[host]
                self.source(path, ps.file)
                if vmhost.logical_processor_count and vmhost.logical_processor_count >= 1:
                    data["cpus"] = vmhost.logical_processor_count
                else:
                    self.gap("host_resources", (*path, "cpus"), "LogicalProcessorCount missing")
                if vmhost.memory_capacity and vmhost.memory_capacity > 0:
                    data["memory"] = vmhost.memory_capacity
                else:
                    self.gap("host_resources", (*path, "memory"), "MemoryCapacity missing")
            else:
                self.gap("host_resources", (*path, "cpus"), f"no Get-VMHost export for {host}")
                self.gap("host_resources", (*path, "memory"), f"no Get-VMHost export for {host}")
            self.network(host, data)
            hosts[host] = data
        self.data["hosts"] = hosts

    def network(self, host: str, data: dict[str, Any]) -> None:
        """NICs, LBFO teams, virtual switches and host vNICs of one host."""
        folder = self.folder
        path: tuple[str | int, ...] = ("hosts", host)

        def mine(kind: type[R]) -> list[tuple[PsFile, R]]:
            return [
                (ps, r)
                for ps, r in _records(folder, kind)
                if self.host_of(ps, getattr(r, "host", None)) == host
            ]

        adapters = mine(NetAdapterRecord)
        properties = mine(NetAdapterAdvancedPropertyRecord)
        teams = mine(LbfoTeamRecord)
        members = mine(LbfoTeamMemberRecord)
        team_nics = mine(LbfoTeamNicRecord)
        switches = mine(VMSwitchRecord)
        vm_adapters = mine(VMNetworkAdapterRecord)
        vnics = [(ps, r) for ps, r in vm_adapters if r.is_management_os]
        for group in (adapters, properties, teams, members, team_nics, switches, vnics):
            for ps, _ in group:
                self.source(path, ps.file)
        if not any(
            ps.cmdlet == "Get-VMNetworkAdapter"
            and self.hosts.get(ps.host) == host
            and not ps.warnings
            for ps in folder.powershell
        ):
            self.gap("host_nics", (*path, "vnics"), f"no Get-VMNetworkAdapter export for {host}")

        def complete(kind: str) -> bool:
            files = [
                ps
                for ps in folder.powershell
                if ps.cmdlet == kind and self.hosts.get(ps.host) == host and ps.records
            ]
            return bool(files) and not any(ps.warnings for ps in files)

        adapters_complete = complete("Get-NetAdapter")
        properties_complete = complete("Get-NetAdapterAdvancedProperty")
        tnic_names = {name.casefold() for _, team in teams for name in team.team_nics}
        tnic_names |= {tn.name.casefold() for _, tn in team_nics if tn.name}
        nics: dict[str, Any] = {}
        by_description: dict[str, str] = {}
        for ps, adapter in adapters:
            if adapter.name is None:
                continue
            description = (adapter.interface_description or "").strip()
            if description:
                by_description.setdefault(description.casefold(), adapter.name)
            if (
                adapter.virtual
                or adapter.name.casefold() in tnic_names
                or description.casefold().startswith(_MULTIPLEXOR)
                or "hyper-v virtual ethernet" in description.casefold()
            ):
                continue
            self.source(path, ps.file)
            nic: dict[str, Any] = {"speed": adapter.speed_bps or 0}
            if adapter.speed_bps is None:
                self.gap("host_nics", (*path, "nics", adapter.name, "speed"), "speed not exported")
            if description:
                nic["model"] = re.sub(r"\s+#\d+$", "", description)
                vendor = next(
                    (v for v in _VENDORS if description.casefold().startswith(v.casefold())), ""
                )
                if vendor:
                    nic["vendor"] = vendor
            mac = _mac(adapter.mac_address)
            if mac:
                nic["mac"] = mac
            if _vlan(adapter.vlan_id):
                nic["vlan"] = adapter.vlan_id
            nics[adapter.name] = nic
        if not adapters_complete:
            self.gap(
                "host_nics",
                (*path, "nics"),
                "Get-NetAdapter export missing or incomplete"
                if adapters
                else f"no Get-NetAdapter export for {host}",
            )
        self.nic_features(host, nics, properties, properties_complete)
        # Team members the adapter export does not list still exist.
        for _, member in members:
            if member.name and member.name not in nics and member.name.casefold() not in tnic_names:
                speed = member.transmit_link_speed_bps or member.receive_link_speed_bps
                nics[member.name] = {"speed": speed or 0}
                self.gap("nic_features", (*path, "nics", member.name), "only a team member record")
        data["nics"] = nics
        data["teams"] = self.teams(host, teams, members, team_nics, nics)
        data["vswitches"] = self.vswitches(host, switches, by_description, data["teams"], nics)
        data["vnics"] = self.host_vnics(host, vnics, data["vswitches"])

    def nic_features(
        self,
        host: str,
        nics: dict[str, Any],
        properties: list[tuple[PsFile, NetAdapterAdvancedPropertyRecord]],
        complete: bool,
    ) -> None:
        path: tuple[str | int, ...] = ("hosts", host, "nics")
        seen_mtu: set[str] = set()
        for ps, prop in properties:
            nic = nics.get(prop.adapter or "")
            if nic is None:
                continue
            keyword = (prop.registry_keyword or "").casefold()
            value = _first_int(prop.registry_value)
            if keyword == "*jumbopacket" and value is not None:
                mtu = value - 14  # *JumboPacket is the Ethernet frame size, header included
                if 576 <= mtu <= 16384:
                    nic["mtu"] = mtu
                    seen_mtu.add(str(prop.adapter))
                else:
                    self.notes.append(f"{host}/{prop.adapter}: *JumboPacket {value} ignored")
            elif keyword == "vlanid" and _vlan(value) and "vlan" not in nic:
                nic["vlan"] = value
            elif keyword in _FEATURE_KEYWORDS and value == 1:
                feature = _FEATURE_KEYWORDS[keyword]
                features = nic.setdefault("features", [])
                if feature not in features:
                    features.append(feature)
            self.source(("hosts", host), ps.file)
        for name, nic in nics.items():
            if "features" in nic:
                nic["features"] = sorted(nic["features"])
            if complete:
                continue
            why = "no complete Get-NetAdapterAdvancedProperty export"
            if name not in seen_mtu:
                self.gap("nic_features", (*path, name, "mtu"), why)
            self.gap("nic_features", (*path, name, "features"), why)

    def teams(
        self,
        host: str,
        teams: list[tuple[PsFile, LbfoTeamRecord]],
        members: list[tuple[PsFile, LbfoTeamMemberRecord]],
        team_nics: list[tuple[PsFile, LbfoTeamNicRecord]],
        nics: dict[str, Any],
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        used: dict[str, str] = {}
        for ps, team in teams:
            if not team.name or team.name in out:
                continue
            path: tuple[str | int, ...] = ("hosts", host, "teams", team.name)
            self.source(("hosts", host), ps.file)
            names = list(team.members) or [
                m.name for _, m in members if m.team == team.name and m.name
            ]
            kept: list[str] = []
            for member in names:
                if member not in nics:
                    self.warn(ps.file, f"team {team.name} on {host}: member {member} is not a NIC")
                elif member in used:
                    self.warn(
                        ps.file, f"{host}: {member} is a member of {used[member]} and {team.name}"
                    )
                else:
                    kept.append(member)
                    used[member] = team.name
            entry: dict[str, Any] = {"members": kept}
            if team.teaming_mode in _MODES:
                entry["mode"] = team.teaming_mode
            else:
                self.gap("teaming", (*path, "mode"), "TeamingMode not exported")
            if team.load_balancing_algorithm in _ALGORITHMS:
                entry["algorithm"] = team.load_balancing_algorithm
            else:
                self.gap("teaming", (*path, "algorithm"), "LoadBalancingAlgorithm not exported")
            standby = [
                m.name
                for _, m in members
                if m.team == team.name and m.administrative_mode == "Standby" and m.name in kept
            ]
            if standby:
                entry["standby"] = standby[0]
            if not any(m.team == team.name for _, m in members):
                self.gap("teaming", (*path, "standby"), "no Get-NetLbfoTeamMember export")
            interfaces: dict[str, Any] = {}
            for _, tnic in team_nics:
                if tnic.team == team.name and tnic.name:
                    interfaces[tnic.name] = (
                        {"vlan": tnic.vlan_id} if _vlan(tnic.vlan_id) is not None else {}
                    )
            if not interfaces and team.team_nics:
                interfaces = {name: {} for name in team.team_nics}
                self.gap("teaming", (*path, "interfaces"), "no Get-NetLbfoTeamNic export")
            if interfaces:
                entry["interfaces"] = interfaces
            out[team.name] = entry
        return out

    def vswitches(
        self,
        host: str,
        switches: list[tuple[PsFile, VMSwitchRecord]],
        by_description: dict[str, str],
        teams: dict[str, Any],
        nics: dict[str, Any],
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        owner_team = {
            tnic.casefold(): team
            for team, entry in teams.items()
            for tnic in entry.get("interfaces", {})
        }
        owner_team.update({team.casefold(): team for team in teams})
        used: set[str] = set()
        for ps, switch in switches:
            if not switch.name:
                continue
            name = switch.name
            if name in out:
                name = _unique(
                    name, {n.casefold() for n in out}, switch.id[:8] if switch.id else ""
                )
                self.notes.append(
                    f"{host}: two virtual switches named {switch.name}; one is {name}"
                )
            path: tuple[str | int, ...] = ("hosts", host, "vswitches", name)
            self.source(("hosts", host), ps.file)
            kind = switch.switch_type
            description = (switch.net_adapter_interface_description or "").strip()
            if kind is None and description:
                kind = "External"  # only an External switch is bound to an adapter
            entry: dict[str, Any] = {}
            if kind not in ("External", "Internal", "Private"):
                self.gap("vswitches", (*path, "type"), "SwitchType not exported")
                kind = "Internal" if not description else "External"
                entry["type"] = kind
            else:
                entry["type"] = kind
            if kind == "External":
                uplink = self.uplink(description, by_description, owner_team, nics, teams)
                if switch.embedded_teaming_enabled:
                    self.notes.append(
                        f"{host}: switch {switch.name} uses Switch Embedded Teaming; its "
                        "members are not in the export (NetAdapterInterfaceDescriptions); "
                        "the switch is left out"
                    )
                    self.gap("vswitches", path, "SET members not exported")
                    continue
                if uplink is None or uplink in used:
                    self.notes.append(
                        f"{host}: the adapter of switch {switch.name} "
                        f"({description or 'not exported'}) is not an adapter of the export; "
                        "the switch is left out"
                    )
                    self.gap("vswitches", path, "uplink not found in Get-NetAdapter")
                    continue
                used.add(uplink)
                entry["uplink"] = uplink
            if switch.allow_management_os is not None:
                entry["allow_management_os"] = switch.allow_management_os
            if switch.iov_enabled is not None:
                entry["sriov"] = switch.iov_enabled
            if switch.bandwidth_reservation_mode in _BANDWIDTH:
                entry["bandwidth_mode"] = switch.bandwidth_reservation_mode
            out[name] = entry
        return out

    def uplink(
        self,
        description: str,
        by_description: dict[str, str],
        owner_team: dict[str, str],
        nics: dict[str, Any],
        teams: dict[str, Any],
    ) -> str | None:
        """The NIC or team a switch's ``NetAdapterInterfaceDescription`` names."""
        if not description:
            return None
        adapter = by_description.get(description.casefold())
        if adapter is not None:
            if adapter.casefold() in owner_team:
                return owner_team[adapter.casefold()]
            if adapter in nics:
                return adapter
        if description.casefold().startswith(_MULTIPLEXOR) and len(teams) == 1:
            # Only team interfaces carry the Multiplexor driver; with one team it is that one.
            return next(iter(teams))
        return None

    def host_vnics(
        self,
        host: str,
        vnics: list[tuple[PsFile, VMNetworkAdapterRecord]],
        switches: dict[str, Any],
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for ps, vnic in vnics:
            if not vnic.name:
                continue
            if vnic.switch_name not in switches:
                self.notes.append(
                    f"{host}: host vNIC {vnic.name} is on switch {vnic.switch_name!r}, "
                    "which is not in the lab; left out"
                )
                continue
            name = _unique(vnic.name, {n.casefold() for n in out})
            entry: dict[str, Any] = {"switch": vnic.switch_name}
            if vnic.vlan_mode == "Access" and _vlan(vnic.access_vlan_id):
                entry["vlan"] = vnic.access_vlan_id
            if vnic.ip_addresses:
                entry["ip"] = vnic.ip_addresses[0]
            out[name] = entry
            self.source(("hosts", host), ps.file)
        return out

    # -- clusters ---------------------------------------------------------------------------
    def build_clusters(self) -> None:
        folder = self.folder
        clusters: dict[str, Any] = {}
        for known in self.clusters.all():
            nodes = sorted(h for h, c in self.node_cluster.items() if c == known)
            clusters[known] = {"nodes": nodes, "networks": {}, "csvs": {}}
            if not nodes:
                self.gap("clusters", ("clusters", known, "nodes"), "no Get-ClusterNode export")
        for ps, record in _records(folder, ClusterRecord):
            name = self.clusters.get(record.name) or self.file_cluster(ps)
            if name is None or name not in clusters:
                continue
            self.source(("clusters", name), ps.file)
            clusters[name]["heartbeat"] = self.heartbeat(record, name)
            props = record.properties
            quarantine = props.get("QuarantineThreshold")
            if isinstance(quarantine, int) and not isinstance(quarantine, bool) and quarantine >= 0:
                clusters[name]["quarantine_threshold"] = quarantine
            period = props.get("ResiliencyDefaultPeriod")
            if isinstance(period, int) and not isinstance(period, bool) and period >= 0:
                clusters[name]["resiliency_period"] = f"{period}s"
        for ps, net in _records(folder, ClusterNetworkRecord):
            name = self.file_cluster(ps)
            if name is None or not net.name:
                self.notes.append(
                    f"{_rel(folder, ps.file)}: cluster of {net.name} unknown; skipped"
                )
                continue
            self.source(("clusters", name), ps.file)
            entry: dict[str, Any] = {}
            path = ("clusters", name, "networks", net.name)
            if net.role in _ROLES:
                entry["role"] = _ROLES[net.role]
            else:
                reason = (
                    "Role Client (2) has no name in the lab model"
                    if net.role == "Client"
                    else "Role not exported"
                )
                self.gap("clusters", (*path, "role"), reason)
            if net.metric is not None and net.metric >= 0:
                entry["metric"] = net.metric
            subnet = _subnet(net.address, net.address_mask)
            if subnet:
                entry["subnet"] = subnet
            clusters[name]["networks"][net.name] = entry
        for ps, csv in _records(folder, ClusterSharedVolumeRecord):
            name = self.file_cluster(ps)
            if name is None:
                continue
            volume = _volume_name(csv.friendly_volume_name) or csv.name
            if not volume:
                continue
            if csv.size_bytes is None:
                self.notes.append(
                    f"{_rel(folder, ps.file)}: CSV {volume} has no size in the export; left out"
                )
                self.gap("clusters", ("clusters", name, "csvs", volume), "CSV size not exported")
                continue
            volume = _unique(volume, {v.casefold() for v in clusters[name]["csvs"]})
            entry = {"size": csv.size_bytes}
            if csv.free_bytes is not None and 0 <= csv.free_bytes <= csv.size_bytes:
                entry["used"] = csv.size_bytes - csv.free_bytes
            else:
                self.gap("clusters", ("clusters", name, "csvs", volume, "used"), "no free space")
            owner = self.hosts.get(csv.owner_node)
            if owner in clusters[name]["nodes"]:
                entry["owner"] = owner
            clusters[name]["csvs"][volume] = entry
            self.csv_paths[csv.friendly_volume_name or ""] = (name, volume)
            self.source(("clusters", name), ps.file)
        for known, cluster in clusters.items():
            self.live_migration(known, cluster)
        self.data["clusters"] = clusters

    def heartbeat(self, record: ClusterRecord, cluster: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        props = record.properties
        pairs = {
            "same_subnet_delay": record.same_subnet_delay_ms,
            "cross_subnet_delay": record.cross_subnet_delay_ms,
            "cross_site_delay": _int(props.get("CrossSiteDelay")),
        }
        for key, value in pairs.items():
            if value is not None and value >= 0:
                out[key] = f"{value}ms"  # Get-Cluster gives milliseconds
        thresholds = {
            "same_subnet_threshold": record.same_subnet_threshold,
            "cross_subnet_threshold": record.cross_subnet_threshold,
            "cross_site_threshold": _int(props.get("CrossSiteThreshold")),
        }
        for key, value in thresholds.items():
            if value is not None and 1 <= value <= 120:
                out[key] = value
            elif value is not None:
                self.notes.append(f"cluster {cluster}: {key} {value} is out of range; ignored")
        return out

    def live_migration(self, name: str, cluster: dict[str, Any]) -> None:
        values: set[int] = set()
        storage: set[int] = set()
        for ps, vmhost in _records(self.folder, VMHostRecord):
            if self.host_of(ps, vmhost.name or vmhost.host) in cluster["nodes"]:
                if vmhost.maximum_virtual_machine_migrations:
                    values.add(vmhost.maximum_virtual_machine_migrations)
                if vmhost.maximum_storage_migrations:
                    storage.add(vmhost.maximum_storage_migrations)
        settings: dict[str, Any] = {}
        if len(values) == 1:
            settings["max_migrations"] = values.pop()
        elif values:
            self.notes.append(f"cluster {name}: nodes differ in MaximumVirtualMachineMigrations")
        if len(storage) == 1:
            settings["max_storage_migrations"] = storage.pop()
        if settings:
            cluster["live_migration"] = settings

    # -- sites ------------------------------------------------------------------------------
    def build_sites(self) -> None:
        """Sites and racks from ``Get-ClusterFaultDomain``; the clusters' ``PreferredSite``.

        A node's site is the nearest ``Site`` above it, its rack the nearest ``Rack``
        (``ParentName``, or a parent's ``ChildrenNames``). The nodes of a cluster whose
        fault domains were exported and name no site are in no site (known); those of a
        cluster without the export, and hosts in no exported cluster, are unknown.
        """
        folder = self.folder
        hosts: dict[str, Any] = self.data.get("hosts", {})
        clusters: dict[str, Any] = self.data.get("clusters", {})
        domains: dict[str, tuple[PsFile, ClusterFaultDomainRecord]] = {}
        covered: dict[str, set[str]] = {}  # cluster -> node names its complete export lists
        for ps in folder.powershell:
            if ps.cmdlet != "Get-ClusterFaultDomain" or not ps.records:
                continue
            cluster = self.file_cluster(ps)
            listed: set[str] = set()
            for record in ps.records:
                if not isinstance(record, ClusterFaultDomainRecord) or not record.name:
                    continue
                key = record.name.casefold()
                if record.type == "Node":
                    host = self.hosts.get(record.name)
                    listed.add(host or record.name)
                    key = f"node:{(host or record.name).casefold()}"
                if key in domains and domains[key][1].type != record.type:
                    self.warn(
                        ps.file,
                        f"fault domain {record.name} is both a {domains[key][1].type} and a "
                        f"{record.type}; the first is kept",
                    )
                    continue
                domains.setdefault(key, (ps, record))
            if cluster is not None and not ps.warnings:
                covered.setdefault(cluster, set()).update(listed)
            elif cluster is None:
                self.notes.append(
                    f"{_rel(folder, ps.file)}: the cluster of these fault domains is unknown; "
                    "its nodes' sites are read, but a node it does not list is not known to "
                    "be in no site"
                )
        parents: dict[str, str] = {}
        for key, (_, record) in domains.items():
            if record.parent:
                parents[key] = record.parent.casefold()
        for key, (_, record) in domains.items():
            for child in record.children:
                for child_key in (
                    child.casefold(),
                    f"node:{(self.hosts.get(child) or child).casefold()}",
                ):
                    if child_key in domains:
                        parents.setdefault(child_key, key)
        sites: dict[str, Any] = {}
        for _, (ps, record) in sorted(domains.items()):
            if record.type == "Site" and record.name:
                entry: dict[str, Any] = {}
                text = _describe(record.description, record.location)
                if text:
                    entry["description"] = text
                sites[record.name] = entry
                self.source(("sites", record.name), ps.file)
            elif record.type == "Chassis":
                self.notes.append(
                    f"fault domain {record.name} is a chassis; the lab models racks and sites only"
                )
        for key, (ps, record) in sorted(domains.items()):
            if record.type != "Node" or not record.name:
                continue
            host = self.hosts.get(record.name)
            if host is None or host not in hosts:
                self.notes.append(
                    f"{_rel(folder, ps.file)}: fault domain node {record.name} is not a host of "
                    "the export (a node that left the cluster?); ignored"
                )
                continue
            site, rack = self.ancestors(key, domains, parents)
            if site is not None:
                hosts[host]["site"] = site
            if rack is not None:
                hosts[host]["rack"] = rack
            self.source(("hosts", host), ps.file)
        for host in sorted(hosts):
            if "site" in hosts[host]:
                continue
            cluster = self.node_cluster.get(host)
            if cluster is not None and cluster in covered:
                if host not in covered[cluster]:
                    self.gap(
                        "sites",
                        ("hosts", host, "site"),
                        f"{cluster}'s Get-ClusterFaultDomain export does not list {host}",
                    )
                elif sites:
                    # Windows places it in no site; the lab cannot tell where it stands
                    # next to the hosts that are in one.
                    self.gap("sites", ("hosts", host, "site"), f"{cluster} puts {host} in no site")
                continue
            if cluster is not None:
                why = f"no Get-ClusterFaultDomain export for {cluster} (Windows Server 2016+)"
            else:
                why = f"{host} is in no exported cluster; only cluster fault domains name sites"
            self.gap("sites", ("hosts", host, "site"), why)
        if sites:
            self.data["sites"] = sites
        for ps, record in _records(folder, ClusterRecord):
            name = self.clusters.get(record.name) or self.file_cluster(ps)
            if name is None or name not in clusters:
                continue
            value = record.properties.get("PreferredSite")
            self.preferred_site(
                clusters[name], ("clusters", name), value if isinstance(value, str) else None
            )

    def ancestors(
        self,
        key: str,
        domains: Mapping[str, tuple[PsFile, ClusterFaultDomainRecord]],
        parents: Mapping[str, str],
    ) -> tuple[str | None, str | None]:
        """(site, rack) above the fault domain ``key``: the nearest of each type."""
        site = rack = None
        seen = {key}
        below = domains[key][1]
        current = parents.get(key)
        while current is not None and current not in seen:
            seen.add(current)
            found = domains.get(current)
            if found is None:
                self.notes.append(
                    f"fault domain {domains[key][1].name}: {below.parent or current}, above "
                    f"{below.name}, is not in the export; the site above it is unknown"
                )
                break
            record = found[1]
            below = record
            if record.type == "Site" and site is None:
                site = record.name
            elif record.type == "Rack" and rack is None:
                rack = record.name
            current = parents.get(current)
        return site, rack

    def preferred_site(
        self, entry: dict[str, Any], path: tuple[str | int, ...], value: str | None
    ) -> None:
        """Set ``preferred_site`` when ``PreferredSite`` names a site of the fault domains."""
        if not value or not value.strip():
            return
        sites = self.data.get("sites", {})
        name = next((s for s in sites if s.casefold() == value.strip().casefold()), None)
        if name is None:
            self.notes.append(
                f"{dotted(path)}: PreferredSite {value!r} is not a site of the exported fault "
                "domains; left unset"
            )
            self.gap("sites", (*path, "preferred_site"), f"site {value} not exported")
            return
        entry["preferred_site"] = name

    # -- VMs --------------------------------------------------------------------------------
    def build_vms(self) -> None:
        folder = self.folder
        entries: list[tuple[PsFile, VMRecord, str | None]] = []
        by_id: dict[str, tuple[PsFile, VMRecord, str | None]] = {}
        for ps, vm, host in self.workloads():
            if vm.id is not None and vm.id in by_id:
                first = by_id[vm.id]
                self.notes.append(
                    f"VM {vm.name} ({vm.id}) is exported twice "
                    f"({_rel(folder, first[0].file)}, {_rel(folder, ps.file)}); the first is used"
                )
                continue
            entry = (ps, vm, host)
            if vm.id is not None:
                by_id[vm.id] = entry
            entries.append(entry)
        counts: dict[str, int] = {}
        for _, vm, _ in entries:
            key = str(vm.name).casefold()
            counts[key] = counts.get(key, 0) + 1
        taken: set[str] = set()
        vms: dict[str, Any] = {}
        for ps, vm, host in entries:
            original = str(vm.name)
            if counts[original.casefold()] > 1:
                name = _unique(original, taken, host or "", (vm.id or "")[:8], plain=False)
                self.notes.append(
                    f"VM name {original!r} is used by {counts[original.casefold()]} VMs; "
                    f"the one on {host or 'an unknown host'} is called {name!r} here"
                )
            else:
                name = _unique(original, taken)
            taken.add(name.casefold())
            self.vm_keys.setdefault((original, (host or "").casefold()), name)
            self.vm_keys.setdefault((original.casefold(), (host or "").casefold()), name)
            self.vm_by_name.setdefault(original.casefold(), []).append(name)
            if vm.id is not None:
                self.vm_by_id[vm.id] = name
            self.originals[name] = original
            vms[name] = self.vm(name, original, ps, vm, host)
        self.vm_nics(vms)
        self.replication(vms)
        nic_hosts = {
            self.hosts.get(ps.host)
            for ps in folder.powershell
            if ps.cmdlet == "Get-VMNetworkAdapter" and not ps.warnings
        }
        for name, entry in vms.items():
            if entry.get("host") not in nic_hosts:
                self.gap(
                    "vm_nics",
                    ("vms", name, "nics"),
                    "no complete Get-VMNetworkAdapter export for "
                    + str(entry.get("host") or "its host"),
                )
        self.data["vms"] = vms

    def vm(
        self, name: str, original: str, ps: PsFile, vm: VMRecord, host: str | None
    ) -> dict[str, Any]:
        path: tuple[str | int, ...] = ("vms", name)
        self.source(path, ps.file)
        entry: dict[str, Any] = {}
        if host is not None:
            entry["host"] = host
        memory = self.memory(vm, path)
        entry["memory"] = memory
        if vm.state in _STATES:
            entry["state"] = _STATES[vm.state]
        else:
            self.gap("vm_settings", (*path, "state"), f"State {vm.state or 'not exported'}")
        if vm.automatic_stop_action in _STOP_ACTIONS:
            entry["automatic_stop_action"] = vm.automatic_stop_action
        else:
            self.gap("vm_settings", (*path, "automatic_stop_action"), "not exported")
        if vm.generation in (1, 2):
            entry["generation"] = vm.generation
        else:
            self.gap("vm_settings", (*path, "generation"), "Generation not exported")
        if vm.processor_count is not None and 1 <= vm.processor_count <= 240:
            entry["cpus"] = vm.processor_count
        else:
            self.gap("vm_settings", (*path, "cpus"), "ProcessorCount not exported")
        if vm.integration_services_version:
            entry["integration_services"] = vm.integration_services_version
        if vm.id:
            entry["vm_id"] = vm.id
        cluster = self.node_cluster.get(host) if host else None
        group = self.cluster_group(original, host, cluster)
        clustered = vm.is_clustered if vm.is_clustered is not None else group is not None
        if clustered and cluster is not None:
            entry["cluster"] = cluster
            storage = self.storage(vm, cluster)
            if storage:
                entry["storage"] = storage
            if group is None:
                self.gap("cluster_groups", (*path, "cluster_group_id"), "no cluster group named so")
            else:
                entry["cluster_group_id"] = group[0]
                if group[1] is not None:
                    entry["priority"] = group[1]
                for file in group[2]:
                    self.source(path, file)
                self.preferred_site(entry, path, group[3])
        elif clustered:
            self.gap(
                "clusters", (*path, "cluster"), f"{host or 'its host'} is in no exported cluster"
            )
        else:
            storage = self.storage(vm, None)
            if storage:
                entry["storage"] = storage
        return entry

    def memory(self, vm: VMRecord, path: tuple[str | int, ...]) -> dict[str, Any]:
        if vm.memory_startup is None or vm.memory_startup < 0:
            self.gap("vm_settings", (*path, "memory"), "MemoryStartup not exported")
            return {"startup": 0}
        memory: dict[str, Any] = {"startup": vm.memory_startup}
        if vm.dynamic_memory_enabled:
            memory["dynamic"] = True
            low, high = vm.memory_minimum, vm.memory_maximum
            if low is not None and 0 <= low <= vm.memory_startup:
                memory["minimum"] = low
            if high is not None and high >= vm.memory_startup:
                memory["maximum"] = high
            if "minimum" not in memory or "maximum" not in memory:
                self.gap("vm_settings", (*path, "memory"), "dynamic memory bounds not usable")
        elif vm.dynamic_memory_enabled is None:
            self.gap("vm_settings", (*path, "memory", "dynamic"), "not exported")
        return memory

    def storage(self, vm: VMRecord, cluster: str | None) -> str | None:
        """The CSV (or ``\\\\server\\share``) holding the VM's configuration and saved state."""
        location = vm.configuration_location or vm.path
        if not location:
            return None
        text = location.strip()
        if text.startswith("\\\\"):
            parts = [p for p in text[2:].split("\\") if p]
            return "\\\\" + "\\".join(parts[:2]) if len(parts) >= 2 else None
        for prefix, (owner, volume) in self.csv_paths.items():
            if owner != cluster or not prefix:
                continue
            head = prefix.rstrip("\\").casefold()
            if text.casefold() == head or text.casefold().startswith(head + "\\"):
                return volume
        return None

    def cluster_group(
        self, vm: str, host: str | None, cluster: str | None
    ) -> tuple[str, str | None, list[str], str | None] | None:
        """(group id, priority, files, PreferredSite) of the VM's cluster group, by name."""
        wanted = {vm.casefold(), f"scvmm {vm} resources".casefold()}
        ps_matches = [
            (ps, g)
            for ps, g in _records(self.folder, PsClusterGroupRecord)
            if g.name
            and g.name.casefold() in wanted
            and g.group_type in (None, "VirtualMachine")
            and g.id
            and (cluster is None or self.clusters.get(g.cluster) in (None, cluster))
        ]
        if len(ps_matches) > 1 and host:
            ps_matches = [(ps, g) for ps, g in ps_matches if self.hosts.get(g.owner_node) == host]
        reg_matches = [
            g
            for export in self.folder.registry
            for g in export.groups
            if g.name and g.name.casefold() in wanted and g.type in (None, "VirtualMachine")
        ]
        group_id: str | None = None
        priority: str | None = None
        preferred: str | None = None
        files: list[str] = []
        if len(ps_matches) == 1:
            ps, group = ps_matches[0]
            group_id = group.id
            priority = _PRIORITY.get(group.priority) if group.priority is not None else None
            preferred = group.preferred_site
            files.append(ps.file)
        if len(reg_matches) == 1:
            reg = reg_matches[0]
            if group_id is not None and group_id != reg.group_id:
                self.warn(
                    reg.file,
                    f"VM {vm}: cluster group id {reg.group_id} in the registry but {group_id} "
                    "in Get-ClusterGroup; the registry's is used",
                )
            group_id = reg.group_id
            files.append(reg.file)
        if group_id is None:
            return None
        return group_id, priority, files, preferred

    def vm_nics(self, vms: dict[str, Any]) -> None:
        hosts = self.data.get("hosts", {})
        for ps, nic in _records(self.folder, VMNetworkAdapterRecord):
            if nic.is_management_os:
                continue
            host = self.host_of(ps, nic.host)
            where = (host or "").casefold()
            name = (
                self.vm_by_id.get(nic.vm_id or "")
                or self.vm_keys.get((nic.vm_name or "", where))
                or self.vm_keys.get(((nic.vm_name or "").casefold(), where))
            )
            if name is None:
                continue
            vm = vms[name]
            path: tuple[str | int, ...] = ("vms", name, "nics")
            if not nic.switch_name:
                self.notes.append(f"VM {name}: adapter {nic.name} is not connected; left out")
                continue
            vm_host = vm.get("host")
            if vm_host is not None and nic.switch_name not in hosts.get(vm_host, {}).get(
                "vswitches", {}
            ):
                self.notes.append(
                    f"VM {name}: adapter {nic.name} is on switch {nic.switch_name!r}, which is "
                    f"not a switch of {vm_host} in the lab; left out"
                )
                self.gap("vswitches", path, f"switch {nic.switch_name} not in the lab")
                continue
            entry: dict[str, Any] = {"switch": nic.switch_name}
            if nic.name:
                entry["name"] = nic.name
            if nic.vlan_mode == "Access" and _vlan(nic.access_vlan_id):
                entry["vlan"] = nic.access_vlan_id
            elif nic.vlan_mode in ("Trunk", "Private"):
                self.notes.append(
                    f"VM {name}: adapter {nic.name} is in VLAN mode {nic.vlan_mode}, "
                    "which the lab model cannot express; VLAN left unset"
                )
            if nic.allow_teaming in ("On", "Off"):
                entry["allow_teaming"] = nic.allow_teaming == "On"
            if _percent(nic.iov_weight) is not None:
                entry["iov_weight"] = nic.iov_weight
            if _percent(nic.vmq_weight) is not None:
                entry["vmq_weight"] = nic.vmq_weight
            mac = _mac(nic.mac_address)
            if mac:
                entry["mac"] = mac
            if nic.ip_addresses:
                entry["ip"] = nic.ip_addresses[0]
            vm.setdefault("nics", []).append(entry)
            self.source(("vms", name), ps.file)

    # -- Hyper-V Replica --------------------------------------------------------------------
    def workloads(self) -> list[tuple[PsFile, VMRecord, str | None]]:
        """The ``Get-VM`` records that are VMs of their own: not Hyper-V Replica copies.

        A copy (``ReplicationMode`` ``Replica``/``ExtendedReplica`` in ``Get-VM`` or
        ``Get-VMReplication`` on its host) of a VM the export also holds is that VM's
        ``replica``, not a second VM; a copy whose primary is not in the export stays a
        VM (it is what that host holds). Test-failover VMs are left out.
        """
        folder = self.folder
        self.copies = self.replica_copies()
        found: list[tuple[PsFile, VMRecord, str | None, str | None]] = []
        for ps, vm in _records(folder, VMRecord):
            if not vm.name:
                self.notes.append(f"{_rel(folder, ps.file)}: a VM without a name; skipped")
                continue
            host = self.host_of(ps, vm.host)
            found.append((ps, vm, host, self.copy_mode(vm.id, vm.name, host, vm.replication_mode)))
        ids = {vm.id for _, vm, _, mode in found if mode is None and vm.id}
        names = {str(vm.name).casefold() for _, vm, _, mode in found if mode is None}
        out: list[tuple[PsFile, VMRecord, str | None]] = []
        for ps, vm, host, mode in found:
            where = host or "an unknown host"
            if mode is None:
                out.append((ps, vm, host))
            elif mode == "TestReplica":
                self.notes.append(
                    f"VM {vm.name} on {where} is a Hyper-V Replica test-failover VM; left out"
                )
            elif (vm.id in ids) if vm.id else (str(vm.name).casefold() in names):
                self.notes.append(
                    f"VM {vm.name} on {where} is the Hyper-V Replica copy ({mode}) of a VM of "
                    f"the export; the lab describes it as that VM's replica"
                )
            else:
                self.notes.append(
                    f"VM {vm.name} on {where} is a Hyper-V Replica copy ({mode}) whose primary "
                    "is not in the export; it is kept as a VM of that host"
                )
                out.append((ps, vm, host))
        return out

    def replica_copies(self) -> dict[str, dict[str, str]]:
        """Where each VM has a Replica copy: ``id:``/``name:`` key -> host -> mode."""
        copies: dict[str, dict[str, str]] = {}

        def add(vm_id: str | None, name: str | None, host: str | None, mode: str) -> None:
            # By id when the export has it: two VMs may share a name, never an id.
            key = f"id:{vm_id}" if vm_id else f"name:{name.casefold()}" if name else ""
            if key:
                copies.setdefault(key, {}).setdefault((host or "").casefold(), mode)

        for ps, record in _records(self.folder, VMReplicationRecord):
            if record.mode in _COPY_MODES:
                add(record.vm_id, record.vm_name, self.host_of(ps, record.host), record.mode)
        for ps, vm in _records(self.folder, VMRecord):
            if vm.replication_mode in _COPY_MODES:
                add(vm.id, vm.name, self.host_of(ps, vm.host), vm.replication_mode)
        return copies

    def copy_mode(
        self, vm_id: str | None, name: str | None, host: str | None, own: str | None = None
    ) -> str | None:
        """The Replica copy mode of VM ``vm_id``/``name`` on ``host``, or None (not a copy).

        ``own`` is the ``ReplicationMode`` ``Get-VM`` gives the VM itself, which wins.
        """
        if own is not None:
            return own if own in _COPY_MODES else None
        where = (host or "").casefold()
        if vm_id and f"id:{vm_id}" in self.copies:
            return self.copies[f"id:{vm_id}"].get(where)
        if name:
            return self.copies.get(f"name:{name.casefold()}", {}).get(where)
        return None

    def replication(self, vms: dict[str, Any]) -> None:
        """``vms.V.replica`` from ``Get-VMReplication``; failover addresses of the NICs."""
        folder = self.folder
        complete = {
            self.hosts.get(ps.host)
            for ps in folder.powershell
            if ps.cmdlet == "Get-VMReplication" and not ps.warnings
        } - {None}
        # Failover settings by VM id and by VM name, read once for every replicating VM.
        self.failover_index = {}
        for ps, fo in _records(folder, VMNetworkAdapterFailoverRecord):
            named = (fo.vm_name or "").casefold()
            keys = [f"id:{fo.vm_id}", f"any:{named}"] if fo.vm_id else [f"name:{named}"]
            for key in keys:
                self.failover_index.setdefault(key, []).append((ps, fo))
        primaries: dict[str, tuple[PsFile, VMReplicationRecord]] = {}
        for ps, record in _records(folder, VMReplicationRecord):
            host = self.host_of(ps, record.host)
            if record.mode != "Primary":
                continue
            name = self.lab_vm(record.vm_id, record.vm_name, host)
            if name is None:
                self.notes.append(
                    f"{_rel(folder, ps.file)}: {record.vm_name or record.vm_id} replicates but "
                    "is not a VM of the export (no Get-VM record); ignored"
                )
                continue
            if record.relationship_type == "Extended":
                self.notes.append(
                    f"VM {name}: the extended replication to {record.replica_server} is not "
                    "modelled (the lab has one replica per VM)"
                )
                continue
            if name in primaries:
                self.notes.append(
                    f"VM {name}: replication is exported twice; the first "
                    f"({_rel(folder, primaries[name][0].file)}) is used"
                )
                continue
            primaries[name] = (ps, record)
        for name, entry in vms.items():
            path: tuple[str | int, ...] = ("vms", name)
            if name in primaries:
                ps, record = primaries[name]
                self.source(path, ps.file)
                replica = self.replica_entry(name, record, ps)
                if replica is not None:
                    entry["replica"] = replica
                    self.failover_addresses(name, entry, record)
            elif entry.get("host") not in complete:
                self.gap(
                    "replica",
                    (*path, "replica"),
                    f"no complete Get-VMReplication export for {entry.get('host') or 'its host'}",
                )

    def lab_vm(self, vm_id: str | None, name: str | None, host: str | None) -> str | None:
        """The lab VM a record names: by VM id, else by name on that host, else a unique name."""
        if vm_id and vm_id in self.vm_by_id:
            return self.vm_by_id[vm_id]
        if not name:
            return None
        where = (host or "").casefold()
        found = self.vm_keys.get((name, where)) or self.vm_keys.get((name.casefold(), where))
        if found is not None:
            return found
        named = self.vm_by_name.get(name.casefold(), [])
        return named[0] if len(named) == 1 and not vm_id else None

    def replica_entry(
        self, name: str, record: VMReplicationRecord, ps: PsFile
    ) -> dict[str, Any] | None:
        """The ``replica`` of VM ``name`` from its ``Primary`` record, or None (gap noted)."""
        path: tuple[str | int, ...] = ("vms", name, "replica")
        target = self.replica_target(name, record, ps)
        if target is None:
            self.gap("replica", path, "ReplicaServerName not exported")
            return None
        replica: dict[str, Any] = {"to": target}
        seconds = record.frequency_sec
        if seconds is not None and seconds > 0:
            replica["frequency"] = f"{seconds}s"
        else:
            self.gap("replica", (*path, "frequency"), "ReplicationFrequencySec not exported")
        points = record.recovery_history
        if points is not None and 0 <= points <= 24:
            replica["recovery_points"] = points
        else:
            reason = (
                "RecoveryHistory not exported" if points is None else f"RecoveryHistory {points}"
            )
            self.gap("replica", (*path, "recovery_points"), reason)
        # Get-VMReplication says neither how much the VM writes per interval nor how its
        # first copy travelled: the model's assumptions stand in, and the rules that use
        # them are not checked.
        self.gap("replica_traffic", (*path, "change_rate"), "not in Get-VMReplication")
        self.gap("replica_traffic", (*path, "initial"), "not in Get-VMReplication")
        unwell = [
            text
            for text in (
                record.state if record.state not in (None, "Replicating") else None,
                f"health {record.health}" if record.health in ("Warning", "Critical") else None,
            )
            if text
        ]
        if unwell:
            self.notes.append(f"VM {name}: replication to {target} is {', '.join(unwell)}")
        return replica

    def replica_target(self, name: str, record: VMReplicationRecord, ps: PsFile) -> str | None:
        """The host or cluster ``ReplicaServerName`` stands for, adding a host if need be.

        In order: a host of the export; a cluster of the export; the client access point
        of a cluster's Replica Broker (a ``VMReplicaBroker`` cluster group of that name);
        the cluster (or host) of ``CurrentReplicaServerName`` when that is a host of the
        export, since a broker places replicas only on its own cluster's nodes. A server
        none of these names is added as a host outside the export (what it is and where
        it stands are unknown, and said so).
        """
        hosts: dict[str, Any] = self.data.get("hosts", {})
        server = record.replica_server or record.current_replica_server
        short = _short(server)
        if short is None:
            return None
        host = self.hosts.get(short)
        if host is not None and host in hosts:
            return host
        cluster = self.clusters.get(short)
        if cluster is not None and cluster in self.data.get("clusters", {}):
            return cluster
        if self.broker_names is None:
            self.broker_names = self.brokers()
        broker = self.broker_names.get(short.casefold())
        if broker is not None:
            self.notes.append(
                f"VM {name}: {server} is the Replica Broker of cluster {broker}; "
                f"replica.to is {broker}"
            )
            return broker
        current = self.hosts.get(record.current_replica_server)
        if current is not None and current in hosts:
            owner = self.node_cluster.get(current)
            if owner is not None:
                self.notes.append(
                    f"VM {name}: {server} is not in the export, but the replica is on "
                    f"{current}, a node of {owner}: {server} is taken as {owner}'s Replica Broker"
                )
                return owner
            self.notes.append(
                f"VM {name}: {server} is not in the export; the replica is on {current}"
            )
            return current
        return self.outside_host(short, name, server or short, ps)

    def brokers(self) -> dict[str, str]:
        """Client access point (casefolded) -> cluster, of every Replica Broker group."""
        found: dict[str, str] = {}
        for ps, group in _records(self.folder, PsClusterGroupRecord):
            if group.group_type == "VMReplicaBroker" and group.name:
                cluster = self.clusters.get(group.cluster) or self.file_cluster(ps)
                if cluster is not None:
                    found.setdefault(group.name.casefold(), cluster)
        every = self.clusters.all()
        for export in self.folder.registry:
            for reg in export.groups:
                # Groups.reg does not name its cluster: usable only with one cluster.
                if reg.type == "VMReplicaBroker" and reg.name and len(every) == 1:
                    found.setdefault(reg.name.casefold(), every[0])
        return found

    def outside_host(self, short: str, vm: str, server: str, ps: PsFile) -> str:
        """Add ``short`` as a host the export does not describe (a replica server elsewhere)."""
        hosts: dict[str, Any] = self.data.setdefault("hosts", {})
        taken = {h.casefold() for h in hosts} | {
            c.casefold() for c in self.data.get("clusters", {})
        }
        name = short
        if name.casefold() in taken and name not in hosts:
            name = _unique(short, taken, "replica server")
        if name not in hosts:
            hosts[name] = {}
            self.hosts.offer(name, 9)
            path: tuple[str | int, ...] = ("hosts", name)
            why = f"replica server {server} is outside the export"
            self.gap("host_resources", (*path, "cpus"), why)
            self.gap("host_resources", (*path, "memory"), why)
            self.gap("host_os", (*path, "os"), why)
            self.gap("host_nics", (*path, "nics"), why)
            self.gap("sites", (*path, "site"), why)
            self.notes.append(
                f"VM {vm} replicates to {server}, which is not a host, cluster or Replica "
                f"Broker of the export; it is host {name} here, whose resources, OS, network "
                "and site are unknown"
            )
        self.source(("hosts", name), ps.file)
        return name

    def failover_addresses(
        self, name: str, entry: dict[str, Any], record: VMReplicationRecord
    ) -> None:
        """``failover_ip``/``failover_gateway`` of the NICs, from the replica copy's settings.

        Replica applies the failover TCP/IP settings of the *replica* VM when it starts
        at the replica site; the primary VM's own settings are applied when it fails
        back. So only a copy's configuration (a host holding the VM in ``Replica`` mode,
        or a node of the replica cluster) sets the lab's failover address.
        """
        path: tuple[str | int, ...] = ("vms", name, "nics")
        original = self.originals.get(name, name)
        vm_id = entry.get("vm_id")
        host = entry.get("host")
        targets = self.replica_hosts(entry["replica"]["to"], record)
        candidates: list[tuple[PsFile, VMNetworkAdapterFailoverRecord]] = []
        # A row with the VM's id is its own; a row without an id is matched by name (and
        # so is every row when the VM's own id is not exported).
        named = original.casefold()
        rows = self.failover_index.get(f"id:{vm_id}" if vm_id else f"any:{named}", [])
        rows = rows + self.failover_index.get(f"name:{named}", [])
        for ps, fo in rows:
            where = self.host_of(ps, fo.host)
            if where == host and where is not None:
                if fo.ipv4_address:
                    self.notes.append(
                        f"VM {name}: its own failover address {fo.ipv4_address} applies when "
                        "it fails back from its replica; not modelled"
                    )
                continue
            mode = self.copy_mode(fo.vm_id or vm_id, original, where)
            if mode == "Replica" or (mode is None and where in targets):
                candidates.append((ps, fo))
            elif mode is not None:
                self.notes.append(
                    f"VM {name}: the failover address on {where} belongs to its {mode} copy; "
                    "not modelled"
                )
        nics: list[dict[str, Any]] = entry.get("nics", [])
        if not candidates:
            if nics:
                self.gap(
                    "replica",
                    path,
                    "the failover TCP/IP of its replica copy (set on the replica VM) is not "
                    "in the export",
                )
            return
        if not nics:
            self.notes.append(
                f"VM {name}: failover addresses are exported but its network adapters are not "
                "known; not used"
            )
            return
        matched: set[int] = set()
        for ps, fo in candidates:
            index = _match_nic(nics, fo, len(candidates))
            if index is None or index in matched:
                self.notes.append(
                    f"VM {name}: the failover address of adapter {fo.adapter or '(unnamed)'} "
                    "matches none of its adapters by MAC address or name; not used"
                )
                continue
            matched.add(index)
            self.source(("vms", name), ps.file)
            if fo.error:
                self.gap("replica", (*path, index), f"failover settings unreadable: {fo.error}")
                continue
            address = _ipv4(fo.ipv4_address)
            if fo.ipv4_address and address is None:
                self.notes.append(
                    f"VM {name}: failover address {fo.ipv4_address!r} is not an IPv4 address; "
                    "ignored"
                )
            if address is not None:
                nics[index]["failover_ip"] = address
                gateway = _ipv4(fo.ipv4_default_gateway)
                if gateway is not None:
                    nics[index]["failover_gateway"] = gateway
        for index in range(len(nics)):
            if index not in matched:
                self.gap("replica", (*path, index), "no failover settings of its replica copy")

    def replica_hosts(self, to: str, record: VMReplicationRecord) -> set[str | None]:
        """The hosts a VM's replica copy can be on: the host, the cluster's nodes, the current."""
        found: set[str | None] = {self.hosts.get(record.current_replica_server)}
        if to in self.data.get("hosts", {}):
            found.add(to)
        found.update(h for h, c in self.node_cluster.items() if c == to)
        found.discard(None)
        return found

    # -- VMM, IIS ---------------------------------------------------------------------------
    def build_management(self) -> None:
        rows = [row for export in self.folder.vmm for row in export.vms]
        if not self.folder.vmm:
            self.unknown.add("management")
            return
        vms: dict[str, Any] = {}
        taken: set[str] = set()
        lab_vms: dict[str, Any] = self.data.get("vms", {})
        getvm_hosts = {
            self.hosts.get(ps.host)
            for ps in self.folder.powershell
            if ps.cmdlet == "Get-VM" and not ps.warnings
        }
        group_names = {
            g.name.casefold()
            for _, g in _records(self.folder, PsClusterGroupRecord)
            if g.name and g.group_type in (None, "VirtualMachine")
        } | {
            g.name.casefold()
            for export in self.folder.registry
            for g in export.groups
            if g.name and g.type in (None, "VirtualMachine")
        }
        for row in rows:
            original = row.name or _short(row.computer_name)
            if not original:
                continue
            host = self.hosts.get(row.host_name) or _short(row.host_name)
            name = self.managed_name(original, host, taken)
            taken.add(name.casefold())
            entry: dict[str, Any] = {}
            for key, value in (
                ("computer_name", row.computer_name),
                ("host", host),
                ("cluster", self.clusters.get(row.cluster_name) or _short(row.cluster_name)),
                ("resource_group_id", row.vm_resource_group_id),
            ):
                if value:
                    entry[key] = value
            vms[name] = entry
            self.source(("management", "vms", name), row.file)
            if name not in lab_vms and (
                original.casefold() in group_names or host not in getvm_hosts
            ):
                self.gap(
                    "vms",
                    ("management", "vms", name),
                    f"{original} is in VMM but no Get-VM export describes it"
                    + (" (it is a cluster group)" if original.casefold() in group_names else ""),
                )
        self.data["management"] = {"vms": vms}

    def managed_name(self, original: str, host: str | None, taken: set[str]) -> str:
        """The lab's name of a VMM row: the same as the VM's when they match."""
        key = original.casefold()
        where = (host or "").casefold()
        for exact in (self.vm_keys.get((original, where)), self.vm_keys.get((key, where))):
            if exact is not None and exact.casefold() not in taken:
                return exact
        names = self.vm_by_name.get(key, [])
        if len(names) == 1 and names[0].casefold() not in taken:
            return names[0]
        return _unique(original, taken, host or "")

    def build_web_sites(self) -> None:
        if not self.folder.iis:
            self.unknown.add("web_sites")
            return
        sites: list[tuple[str, str | None, IisConfig, int]] = []
        for config in self.folder.iis:
            stem = Path(config.file).name
            named = stem[: -len("applicationhost.config")].rstrip("_-. ")
            for index, site in enumerate(config.sites):
                if site.name:
                    sites.append((site.name, named or None, config, index))
        counts: dict[str, int] = {}
        for site_name, _, _, _ in sites:
            counts[site_name.casefold()] = counts.get(site_name.casefold(), 0) + 1
        out: dict[str, Any] = {}
        taken: set[str] = set()
        for name, prefix, config, index in sites:
            site = config.sites[index]
            server = self.server(prefix)
            twice = counts[name.casefold()] > 1
            key = _unique(name, taken, server or prefix or "", plain=not twice)
            taken.add(key.casefold())
            if key != name:
                self.notes.append(f"IIS site {name!r} of {prefix or config.file} is {key!r} here")
            entry: dict[str, Any] = {"servers": [server] if server else []}
            if server is None:
                self.notes.append(
                    f"{_rel(self.folder, config.file)}: server {prefix or '(no name prefix)'} is "
                    "not a VM or host of the export; the site has no server"
                )
            bindings = []
            for binding in site.bindings:
                protocol = (binding.protocol or "").lower()
                if protocol in ("http", "https") and binding.port is not None and binding.ip:
                    bindings.append(
                        {
                            "protocol": protocol,
                            "ip": binding.ip,
                            "port": binding.port,
                            "host": binding.host_header or "",
                        }
                    )
            entry["bindings"] = bindings
            if site.physical_path:
                entry["physical_path"] = site.physical_path
            redirect = _site_redirect(name, site.redirects, config.redirects)
            if redirect is not None:
                entry["redirect"] = redirect
            deeper = [
                r
                for r in site.redirects
                if (r.location or "").strip("/").casefold() != name.casefold()
            ]
            for item in deeper:
                self.notes.append(
                    f"IIS site {key}: the redirect under {item.location} is not modelled "
                    "(the lab model has one redirect per site)"
                )
            out[key] = entry
            self.source(("web_sites", key), config.file)
        self.data["web_sites"] = out

    def server(self, prefix: str | None) -> str | None:
        if not prefix:
            return None
        for name in self.data.get("vms", {}):
            if name.casefold() == prefix.casefold():
                return str(name)
        host = self.hosts.get(prefix)
        if host is not None and host in self.data.get("hosts", {}):
            return host
        for name, entry in self.data.get("management", {}).get("vms", {}).items():
            computer = _short(entry.get("computer_name"))
            if (
                computer
                and computer.casefold() == prefix.casefold()
                and name in self.data.get("vms", {})
            ):
                return str(name)
        return None

    # -- finish -----------------------------------------------------------------------------
    def finish(self) -> BuiltLab:
        folder = self.folder
        self.data = {
            "name": Path(folder.path).name or "audit",
            "description": f"Built by hvlab audit from the exports in {folder.path}",
            **self.data,
        }
        lab = self.validate()
        # No export describes the WAN or the subnets of a site; they matter once there
        # are two sites, and a stretched cluster's storage once a cluster spans two.
        if len(lab.sites) >= 2:
            self.unknown.update(("wan_links", "site_subnets"))
        for cluster in lab.clusters.values():
            spans = {lab.hosts[n].site for n in cluster.nodes if n in lab.hosts}
            if len(spans - {None}) >= 2:
                self.unknown.add("storage_replica")
        for problem in check_references(lab):
            self.warnings.append(IngestWarning(folder.path, f"inconsistent export: {problem}"))
        if not folder.registry and not _records(folder, PsClusterGroupRecord):
            self.unknown.add("cluster_groups")
        if not self.data.get("vms") and not any(ps.cmdlet == "Get-VM" for ps in folder.powershell):
            self.unknown.add("vms")
        return BuiltLab(
            lab=lab,
            unknown=frozenset(self.unknown),
            notes=self.notes,
            gaps=tuple(self.gaps),
            warnings=tuple(self.warnings),
            sources={key: tuple(files) for key, files in sorted(self.sources.items())},
            consumed=frozenset(self.consumed),
        )

    def validate(self) -> Lab:
        """The Lab; an object the model refuses is dropped with a warning, never raised."""
        for _ in range(200):
            try:
                return Lab.model_validate(self.data)
            except ValidationError as exc:
                error = exc.errors()[0]
                loc = tuple(error["loc"])
                dropped = _drop(self.data, loc)
                where = dotted(dropped) if dropped else dotted(loc)
                self.warn(
                    self.folder.path,
                    f"{where} left out: {error['msg']} (the export holds a value the lab "
                    "model refuses)",
                )
                if not dropped:
                    break
        self.warn(self.folder.path, "the exports could not be turned into a lab")
        return Lab(name=str(self.data.get("name", "audit")))


def _drop(data: dict[str, Any], loc: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """Remove the named object holding ``loc`` (``vms.X`` or ``hosts.H.nics.N``)."""
    depth = 2
    if (
        len(loc) >= 4
        and loc[0] in ("hosts", "clusters")
        and loc[2]
        in (
            "nics",
            "teams",
            "vswitches",
            "vnics",
            "networks",
            "csvs",
        )
    ):
        depth = 4
    elif len(loc) >= 3 and loc[0] == "management" and loc[1] == "vms":
        depth = 3
    if len(loc) < depth:
        depth = len(loc)
    if depth == 0:
        return None
    parent: Any = data
    for key in loc[: depth - 1]:
        if not isinstance(parent, dict) or key not in parent:
            return None
        parent = parent[key]
    last = loc[depth - 1]
    if isinstance(parent, dict) and last in parent:
        del parent[last]
        return loc[:depth]
    if isinstance(parent, list) and isinstance(last, int) and 0 <= last < len(parent):
        del parent[last]
        return loc[:depth]
    return None


def _describe(description: str | None, location: str | None) -> str:
    """A site's description from a fault domain's ``Description`` and ``Location``."""
    parts = [text.strip() for text in (description, location) if text and text.strip()]
    if len(parts) == 2 and parts[0].casefold() != parts[1].casefold():
        return f"{parts[0]} ({parts[1]})"
    return parts[0] if parts else ""


def _ipv4(text: str | None) -> str | None:
    """``text`` as an IPv4 address (``10.2.100.20``), or None."""
    if not text:
        return None
    try:
        return str(ipaddress.IPv4Address(text.strip()))
    except ValueError:
        return None


def _match_nic(
    nics: list[dict[str, Any]], record: VMNetworkAdapterFailoverRecord, records: int
) -> int | None:
    """The index of the VM NIC a failover setting belongs to: by MAC, name, or the only one.

    A replica copy's dynamic MAC address differs from the primary's, so the adapter
    name decides when the MAC does not; a name several adapters share decides nothing.
    """
    mac = _mac(record.mac_address)
    if mac is not None:
        by_mac = [i for i, nic in enumerate(nics) if nic.get("mac") == mac]
        if len(by_mac) == 1:
            return by_mac[0]
    if record.adapter:
        named = [
            i
            for i, nic in enumerate(nics)
            if str(nic.get("name", "")).casefold() == record.adapter.casefold()
        ]
        if len(named) == 1:
            return named[0]
    if len(nics) == 1 and records == 1:
        return 0
    return None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _subnet(address: str | None, mask: str | None) -> str | None:
    if not address or not mask:
        return None
    try:
        return str(ipaddress.ip_network(f"{address}/{mask}", strict=False))
    except ValueError:
        return None


def _volume_name(friendly: str | None) -> str | None:
    """``C:\\ClusterStorage\\Volume1`` → ``Volume1``."""
    if not friendly:
        return None
    parts = [p for p in friendly.replace("/", "\\").split("\\") if p]
    return parts[-1] if parts else None


def _site_redirect(
    site: str, own: Iterable[IisRedirect], every: Iterable[IisRedirect]
) -> dict[str, Any] | None:
    """The site's effective ``httpRedirect``: its own attributes over the server level's.

    IIS inherits each attribute from the parent level when the site does not set
    it (*HTTP Redirects <httpRedirect>*, IIS configuration reference); ``enabled``
    defaults to false.
    """
    server = [r for r in every if r.location in (None, "")]
    mine = [r for r in own if (r.location or "").strip("/").casefold() == site.casefold()]
    layers = server[-1:] + mine[-1:]
    if not layers:
        return None
    merged: dict[str, Any] = {}
    for layer in layers:
        for key, value in (
            ("enabled", layer.enabled),
            ("destination", layer.destination),
            ("exact_destination", layer.exact_destination),
            ("child_only", layer.child_only),
            ("status", layer.http_response_status),
        ):
            if value is not None:
                merged[key] = value
    if not merged.get("destination"):
        return None
    merged.setdefault("enabled", False)
    if merged.get("status") not in ("Permanent", "Found", "Temporary", "PermRedirect"):
        merged.pop("status", None)
    return merged


def build_lab(folder: AuditFolder) -> BuiltLab:
    """Build the lab an export folder describes.

    Parameters
    ----------
    folder
        What :func:`hvlab.ingest.read_folder` read.

    Returns
    -------
    BuiltLab
        A :class:`~hvlab.model.lab.Lab` that validates with the model, the parts
        of it the exports did not cover (:data:`UNKNOWN_PARTS`), what the builder
        decided, and the exports' inconsistencies (also those
        :func:`hvlab.model.references.check_references` finds) as warnings.
        Deterministic (same folder, same result) and never raises on bad input.
    """
    builder = _Builder(folder)
    builder.collect_names()
    builder.build_hosts()
    builder.build_clusters()
    builder.build_sites()
    builder.build_vms()
    builder.build_management()
    builder.build_web_sites()
    return builder.finish()


def cluster_groups(folder: AuditFolder) -> list[ClusterGroupRecord]:
    """Every VM cluster group of the folder: the registry's, then Get-ClusterGroup's others.

    Returns
    -------
    list of ClusterGroupRecord
        Groups of ``HKLM\\Cluster\\Groups`` exports, plus ``Get-ClusterGroup``
        groups whose id the registry does not hold (as registry-shaped records),
        for :func:`hvlab.ingest.vmm.find_drifts`.
    """
    groups = [g for export in folder.registry for g in export.groups]
    known = {g.group_id for g in groups}
    for ps, group in _records(folder, PsClusterGroupRecord):
        guid = normalize_guid(group.id)
        if guid is None or guid in known:
            continue
        known.add(guid)
        groups.append(ClusterGroupRecord(guid, group.name, group.group_type, (), ps.file, None))
    return groups


def vmm_rows(folder: AuditFolder) -> list[VmmVmRecord]:
    """Every row of every VMM export of the folder, in reading order."""
    return [row for export in folder.vmm for row in export.vms]
