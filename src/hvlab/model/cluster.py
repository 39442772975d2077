"""Failover clusters: nodes, quorum, heartbeat settings, networks, CSVs, file-server roles.

Settings carry their ``Get-Cluster`` / ``Get-ClusterNetwork`` names
(``SameSubnetDelay``, ``SameSubnetThreshold``, ``Role``, ``Metric``, …) in
snake_case. A setting left unset takes the default of the nodes' Windows version,
see :mod:`hvlab.defaults`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from hvlab.model.base import Bytes, Duration, LabModel, VlanId, keyed

__all__ = [
    "Cluster",
    "ClusterNetwork",
    "Csv",
    "FileServer",
    "Heartbeat",
    "LiveMigration",
    "Quorum",
    "Share",
]

QuorumModel = Literal[
    "NodeMajority",
    "NodeAndDiskMajority",
    "NodeAndFileShareMajority",
    "NodeAndCloudWitness",
    "DiskOnly",
]


class Quorum(LabModel):
    """Cluster quorum configuration (``Get-ClusterQuorum``); dynamic quorum is on from 2012."""

    model: QuorumModel = "NodeMajority"
    witness: str | None = None
    witness_site: str | None = None
    dynamic: bool = True


class Heartbeat(LabModel):
    """Cluster heartbeat settings; unset means the Windows version's default.

    Delays are milliseconds between heartbeats, thresholds the number of missed
    heartbeats before a route is declared down (``Get-Cluster | fl *Subnet*``).
    """

    same_subnet_delay: Duration | None = None
    same_subnet_threshold: Annotated[int, Field(ge=1, le=120)] | None = None
    cross_subnet_delay: Duration | None = None
    cross_subnet_threshold: Annotated[int, Field(ge=1, le=120)] | None = None
    cross_site_delay: Duration | None = None
    cross_site_threshold: Annotated[int, Field(ge=1, le=120)] | None = None


def _role(value: object) -> object:
    # Failover Cluster Manager says "Cluster only"; PowerShell's Role enum says Cluster.
    aliases = {"clusteronly": "Cluster", "0": "None", "1": "Cluster", "3": "ClusterAndClient"}
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return aliases.get(str(value).replace(" ", "").lower(), value)
    return value


class ClusterNetwork(LabModel):
    """A cluster network (``Get-ClusterNetwork``): the subnet/VLAN, its Role and Metric.

    ``Role``: ``None`` (not used by the cluster), ``Cluster`` (cluster only,
    FCM's "ClusterOnly"), ``ClusterAndClient``. ``uses`` says what the design
    intends the network for (Heartbeat, CSV, LiveMigration, Management, VM, iSCSI,
    Replica); Windows itself picks CSV traffic by lowest metric and live migration
    by the migration network order.
    """

    name: str
    vlan: VlanId | None = None
    subnet: str | None = None
    # "ClusterOnly" is accepted (and listed for editors) but stored as "Cluster".
    role: Annotated[
        Literal["None", "Cluster", "ClusterOnly", "ClusterAndClient"], BeforeValidator(_role)
    ] = "Cluster"
    metric: Annotated[int, Field(ge=0)] | None = None
    uses: tuple[
        Literal["Heartbeat", "CSV", "LiveMigration", "Management", "VM", "iSCSI", "Replica"], ...
    ] = ()


class LiveMigration(LabModel):
    """Live-migration settings (``Set-VMHost`` / cluster migration network order)."""

    max_migrations: Annotated[int, Field(ge=1)] | None = None
    max_storage_migrations: Annotated[int, Field(ge=1)] | None = None
    performance_option: Literal["TCPIP", "Compression", "SMB"] | None = None
    networks: tuple[str, ...] = ()


def _csv_short(value: object) -> object:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return {"size": value}
    return value


class Csv(LabModel):
    """A Cluster Shared Volume (``C:\\ClusterStorage\\<name>``) with its size and used space.

    ``used`` is what the volume reports (``Get-ClusterSharedVolume``: size less
    ``FreeSpace``), so it includes the memory files (.BIN/.VMRS) of the VMs running
    when it was read — the lab's ``Running`` and ``Paused`` VMs stored there.
    """

    name: str
    size: Bytes
    used: Bytes = 0
    owner: str | None = None
    # Where its disks are (a stretched cluster's storage sits in one site), and the site
    # holding a synchronous Storage Replica copy that comes online if that site is lost.
    site: str | None = None
    replicated_to: str | None = None


class Share(LabModel):
    """An SMB share of a file-server role, on a CSV (scale-out) or a cluster disk."""

    name: str
    volume: str | None = None
    continuous_availability: bool = True


class FileServer(LabModel):
    """A clustered file-server role: ``ScaleOut`` (SOFS, active-active on CSVs) or ``General``.

    ``name`` is the role; clients reach it by ``client_access_point`` (the role name
    when unset); ``owner`` is the node owning a General role.
    """

    name: str
    client_access_point: str | None = None
    type: Literal["ScaleOut", "General"] = "ScaleOut"
    owner: str | None = None
    shares: Annotated[dict[str, Share], keyed()] = {}


class Cluster(LabModel):
    """A Windows failover cluster of Hyper-V hosts."""

    name: str
    nodes: tuple[str, ...]
    quorum: Quorum = Quorum()
    heartbeat: Heartbeat = Heartbeat()
    networks: Annotated[dict[str, ClusterNetwork], keyed()] = {}
    csvs: Annotated[dict[str, Csv], keyed(_csv_short)] = {}
    live_migration: LiveMigration = LiveMigration()
    file_servers: Annotated[dict[str, FileServer], keyed()] = {}
    enforced_anti_affinity: bool = False
    # (Get-Cluster).PreferredSite (2016+): with nodes in two sites, groups without a
    # preferred site of their own start and fail over there first.
    preferred_site: str | None = None
    resiliency_period: Duration | None = None
    quarantine_threshold: Annotated[int, Field(ge=0)] | None = None
