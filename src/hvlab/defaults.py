"""Every timer and default that hvlab models, with its source, as data.

Each entry of :data:`DEFAULTS` is a :class:`Default`: a dotted ``key``, the ``value`` in
the vocabulary and unit of the product that owns it (PowerShell property names and values
for Windows, IEEE names for bridges and link aggregation), what it ``applies_to``, the
``source`` it was checked against, a ``note``, and ``assumption=True`` where nobody
publishes the number and hvlab had to choose one -- the note then says why the chosen
value is reasonable. The simulator, the rules and the reports read these values; a lab
file can override any of them.

Naming scheme
-------------
``<area>.<PowerShellName or IEEE name>[.<variant>]``. Areas: ``cluster`` (failover
cluster common and group properties), ``hyperv`` (host and VM settings), ``livemigration``,
``replica`` (Hyper-V Replica), ``dns`` (the DNS client in a guest), ``csv``, ``smb``,
``lbfo`` (Windows NIC Teaming), ``lacp`` (IEEE 802.1AX), ``stp`` (IEEE
802.1D/802.1w/802.1Q), ``nic`` (NDIS keywords), ``healthcheck.kemp`` and
``healthcheck.haproxy``. A ``.WindowsServer2016``-style variant
names the first version a value applies to; ``applies_to`` spells out the range.

Units
-----
Values keep the unit of their source (``SameSubnetDelay`` is milliseconds,
``QuarantineDuration`` seconds, ``FailoverPeriod`` hours); :func:`duration_ms` converts
any time default to the integer milliseconds that :mod:`hvlab.sim` runs on.

``docs/defaults.md`` is generated from this table by :func:`render_markdown` (run
``python -m hvlab.defaults > docs/defaults.md``); a test keeps the two identical.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

__all__ = [
    "DEFAULTS",
    "WINDOWS_SERVER_VERSIONS",
    "Default",
    "HealthCheckSettings",
    "HeartbeatSettings",
    "LiveMigrationSettings",
    "ResiliencySettings",
    "cluster_heartbeat",
    "duration_ms",
    "failover_threshold",
    "get_default",
    "health_check_defaults",
    "lacp_timeout_ms",
    "live_migration_defaults",
    "render_markdown",
    "replica_frequencies",
    "resiliency_defaults",
    "saved_state_reservation",
]

Value = int | float | str | bool | tuple[int, ...]
"""What a default's value can be."""

WINDOWS_SERVER_VERSIONS: Final[tuple[str, ...]] = (
    "WindowsServer2008",
    "WindowsServer2008R2",
    "WindowsServer2012",
    "WindowsServer2012R2",
    "WindowsServer2016",
    "WindowsServer2019",
    "WindowsServer2022",
    "WindowsServer2025",
)
"""The Windows Server versions hvlab knows, oldest first, spelled as in a lab file."""

_MS_PER_UNIT: Final[Mapping[str, int]] = MappingProxyType(
    {"ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000}
)
_UNITS: Final = frozenset(
    {"ms", "s", "min", "h", "us", "count", "bytes", "MiB", "MiB/s", "ratio", "enum", "bool"}
)


@dataclass(frozen=True, slots=True)
class Default:
    """One modelled default and where it comes from.

    Attributes
    ----------
    key : str
        Dotted name, ``<area>.<Name>[.<variant>]`` (see the module docstring).
    value : int, float, str, bool or tuple of int
        The default, in ``unit``.
    unit : str
        ``ms``, ``s``, ``min``, ``h``, ``us``, ``count``, ``bytes``, ``MiB``, ``MiB/s``,
        ``ratio``, ``enum`` or ``bool``.
    applies_to : str
        Products or versions the value holds for.
    source : str
        Title and address of the page (or the standard and clause) the value was checked
        against; for an assumption, the material the choice leans on.
    note : str
        What the value means in hvlab; for an assumption, why it is reasonable.
    assumption : bool
        ``True`` when no vendor or standard publishes the number and hvlab chose it.
    """

    key: str
    value: Value
    unit: str
    applies_to: str
    source: str
    note: str
    assumption: bool = False


# --- Sources ---
_MSCS = "https://learn.microsoft.com/en-us/previous-versions/windows/desktop/mscs/"
_SRC_SAME_DELAY = (
    f"Microsoft Learn, cluster common property 'SameSubnetDelay', {_MSCS}clusters-samesubnetdelay"
)
_SRC_SAME_THRESHOLD = (
    f"Microsoft Learn, cluster common property 'SameSubnetThreshold', "
    f"{_MSCS}clusters-samesubnetthreshold"
)
_SRC_CROSS_DELAY = (
    f"Microsoft Learn, cluster common property 'CrossSubnetDelay', {_MSCS}clusters-crosssubnetdelay"
)
_SRC_CROSS_THRESHOLD = (
    f"Microsoft Learn, cluster common property 'CrossSubnetThreshold', "
    f"{_MSCS}clusters-crosssubnetthreshold"
)
_SRC_TUNING = (
    "Microsoft Failover Clustering blog, 'Tuning Failover Cluster Network Thresholds' "
    "(E. Christensen, 2012, republished 2019), https://techcommunity.microsoft.com/t5/"
    "failover-clustering/tuning-failover-cluster-network-thresholds/ba-p/371834"
)
_SRC_ITPRO_2016 = (
    "ITPro Today, 'What are the defaults for Windows Server 2016 Failover Clusters related "
    "to latency?' (2017), http://windowsitpro.com/windows-server-2016/"
    "what-are-defaults-2016-latency-settings"
)
_SRC_RESILIENCY = (
    "Microsoft Failover Clustering blog, 'Virtual Machine Compute Resiliency in Windows "
    "Server 2016' (2015), https://blogs.msdn.microsoft.com/clustering/2015/06/03/"
    "virtual-machine-compute-resiliency-in-windows-server-2016/"
)
_SRC_PETRI_RESILIENCY = (
    "Petri, 'Configuring Windows Server 2016 Hyper-V Compute Resiliency' (A. Finn, 2017), "
    "https://petri.com/configuring-windows-server-2016-hyper-v-compute-resiliency"
)
_SRC_LM_CLUSTER = (
    "Microsoft Failover Clustering blog, 'New Cluster-Wide Control For Virtual Machine Live "
    "Migrations In Windows Server and Azure Stack HCI' (2023-01-05), "
    "https://techcommunity.microsoft.com/t5/failover-clustering/"
    "new-cluster-wide-control-for-virtual-machine-live-migrations-in/ba-p/3709680"
)
_SRC_LM_FORUM = (
    "Microsoft Tech Community discussion, 'Windows Server / Azure Local keeps setting Live "
    "Migration to 1 - here is why' (2023), https://techcommunity.microsoft.com/discussions/"
    "windowsserver/blog-windows-server--azure-local-keeps-setting-live-migration-to-1---"
    "here-is-why/3850949"
)
_SRC_HCIHARRISON = "hciharrison.com, 'New Cluster Parameters for Live Migration' (2022), https://hciharrison.com/?p=510"
_SRC_LM_COMPRESSION = (
    "Virtual PC Guy blog (B. Armstrong, Microsoft), 'Faster Live Migration with Compression "
    "in Windows Server 2012 R2' (2013), https://blogs.msdn.microsoft.com/virtual_pc_guy/"
    "2013/10/29/faster-live-migration-with-compression-in-windows-server-2012-r2/"
)
_SRC_AIDAN_LM = (
    "A. Finn, 'Windows Server 2012 R2 Hyper-V - Live Migration Improvements (Compression and "
    "SMB 3.0)', https://aidanfinn.com/?p=14907"
)
_SRC_WMI_MIGRATION = (
    "Microsoft Learn, 'Msvm_VirtualSystemMigrationServiceSettingData class' (EnableCompression "
    "= True, EnableSmbTransport = False), https://learn.microsoft.com/en-us/windows/win32/"
    "hyperv_v2/msvm-virtualsystemmigrationservicesettingdata"
)
_SRC_ITPRO_LM_PAIR = (
    "ITPro Today, 'Q: How many concurrent live migrations does each pair of Hyper-V nodes in a "
    "cluster support?', http://windowsitpro.com/virtualization/"
    "q-how-many-concurrent-live-migrations-does-each-pair-hyper-v-nodes-cluster-support"
)
_SRC_LM_10_PASSES = (
    "Directions on Microsoft, 'Live Migration Switch Over' (2009), "
    "https://www.directionsonmicrosoft.com/charts-illustrations/live-migration-switch-over"
)
_SRC_SAVILL = "J. Savill, 'Mastering Windows Server 2016 Hyper-V' (Sybex, 2016)"
_SRC_BIN = (
    "TechThoughts, 'Hyper-V VM BIN file and AutomaticStopAction', "
    "https://www.techthoughts.info/hyper-v-vm-bin-file-automaticstopaction/; The Full Circle, "
    "'Hyper-V BIN file removal and reclaiming storage space' (2019), https://thefullcircle.com/"
    "2019/04/10/hyper-v-bin-file-removal-and-reclaiming-storage-space/"
)
_SRC_TAYLORB = (
    "T. Brown (Microsoft), 'Hyper-V WMI - Configuring Automatic Startup/Shutdown/Recovery "
    "Actions For Virtual Machines' (2008), https://learn.microsoft.com/en-us/archive/blogs/"
    "taylorb/hyper-v-wmi-configuring-automatic-startupshutdownrecovery-actions-for-virtual-machines"
)
_SRC_REPLICA_CMDLET = (
    "Microsoft, Enable-VMReplication reference (Windows Server 2012 R2), -RecoveryHistory, "
    "https://learn.microsoft.com/en-us/powershell/module/hyper-v/enable-vmreplication"
    "?view=windowsserver2012r2-ps"
)
_SRC_REPLICA_PETRI = (
    "Petri, 'Strategies to Minimize Data Loss with Hyper-V Replica', "
    "https://petri.com/strategies-to-minimize-data-loss-with-hyper-v-replica/"
)
_SRC_REPLICA_2012 = (
    "BizTech, 'Introducing Hyper-V Replica in Windows Server 2012' (2012), "
    "https://biztechmagazine.com/article/2012/12/introducing-hyper-v-replica-windows-server-2012"
)
_SRC_CSV_METRIC = (
    "Microsoft TechNet, 'Designating a Preferred Network for Cluster Shared Volumes "
    "Communication' (Windows Server 2008 R2), "
    "http://technet.microsoft.com/en-us/library/ff182335(WS.10).aspx"
)
_SRC_CSV_3MIN = (
    "Microsoft, 'The network interface priority in a Cluster Shared Volume does not "
    "immediately change after an interface with higher priority is available', "
    "https://docs.microsoft.com/en-us/previous-versions/windows/it-pro/"
    "windows-server-2008-R2-and-2008/ee706988(v=ws.10)"
)
_SRC_SMB_TIMEOUTS = (
    "Microsoft Open Specifications blog, 'SMB 2.x and SMB 3.0 Timeouts in Windows' (2013), "
    "https://learn.microsoft.com/en-us/archive/blogs/openspecification/"
    "smb-2-x-and-smb-3-0-timeouts-in-windows"
)
_SRC_SMB_CONFIG = (
    "Microsoft, Get-SmbServerConfiguration reference, Example 1 output, "
    "https://learn.microsoft.com/en-us/powershell/module/smbshare/get-smbserverconfiguration; "
    "SMB BPA rule 'DurableHandleV2TimeoutInSeconds should have the recommended value', "
    "http://go.microsoft.com/fwlink/?LinkId=246908"
)
_SRC_ONTAP_CA = (
    "NetApp ONTAP documentation, 'How SMB 3.0 functionality supports nondisruptive "
    "operations', https://docs.netapp.com/us-en/ontap/smb-hyper-v-sql/"
    "smb-30-supports-nondisruptive-operations-concept.html"
)
_SRC_NETLBFO = (
    "Microsoft, New-NetLbfoTeam reference (-LacpTimer, accepted values Slow, Fast; 'Default "
    "value: None'), https://learn.microsoft.com/en-us/powershell/module/netlbfo/new-netlbfoteam"
)
_SRC_LACP = (
    "IEEE 802.3ad-2000 clause 43.4.4 'Constants' (carried into IEEE 802.1AX-2008 as clause "
    "5.4.4); as implemented in Linux drivers/net/bonding/bond_3ad.c ('Timer definitions "
    "(43.4.4 in the 802.3ad standard)')"
)
_SRC_STP_TABLE = (
    "IEEE 802.1D-2004 Table 17-1 (and Table 7-5 for ageing); as implemented in Open vSwitch "
    "lib/rstp.h ('Performance parameters defaults. [Table 7-5] and [Table 17-1]')"
)
_SRC_CISCO_STP = (
    "Cisco, 'Understand and Tune Spanning Tree Protocol Timers' (document 19120-122), "
    "https://www.cisco.com/c/en/us/support/docs/lan-switching/spanning-tree-protocol/"
    "19120-122.html"
)
_SRC_KEMP = (
    "Progress Kemp LoadMaster, 'Service (Health) Check Parameters', "
    "https://docs.progress.com/bundle/loadmaster-configuration-guide-web-user-interface-wui-"
    "ltsf/page/Service-Health-Check-Parameters.html; RESTful API guide, 'Set Retry Interval' "
    "(response shows Timeout 4, RetryCount 2), https://docs.progress.com/bundle/"
    "loadmaster-technical-note-restful-api-programmer-guide-ga/page/Set-Retry-Interval.html"
)
_SRC_HAPROXY = (
    "HAProxy Configuration Manual, section 5.2 'Server and default-server options' "
    "(inter, fall, rise), https://docs.haproxy.org/2.8/configuration.html#5.2"
)
_SRC_NDIS_EDIT = (
    "Microsoft Learn, 'Keywords That Can Be Edited' (NDIS standardized keywords), "
    "https://learn.microsoft.com/en-us/windows-hardware/drivers/network/"
    "keywords-that-can-be-edited"
)
_SRC_NDIS_VMQ = (
    "Microsoft Learn, 'Standardized INF Keywords for VMQ', https://learn.microsoft.com/en-us/"
    "windows-hardware/drivers/network/standardized-inf-keywords-for-vmq"
)
_SRC_SEED = "hvlab field notes, shared/seed/000_729fe63a61848f19.txt"

_ALL = "WindowsServer2008 to WindowsServer2025"
_2012_ON = "WindowsServer2012 to WindowsServer2025"
_2012R2_ON = "WindowsServer2012R2 to WindowsServer2025"
_2016_ON = "WindowsServer2016 to WindowsServer2025"


def _d(
    key: str,
    value: Value,
    unit: str,
    applies_to: str,
    source: str,
    note: str,
    *,
    assumption: bool = False,
) -> Default:
    return Default(key, value, unit, applies_to, source, note, assumption)


_SRC_QEMU = (
    "No Hyper-V figure published (Microsoft: the final pause is 'milliseconds', below the TCP "
    "time-out). Comparable published default: QEMU migration/options.c "
    "DEFAULT_MIGRATE_SET_DOWNTIME = 300 ms"
)


_TABLE: Final[tuple[Default, ...]] = (
    # --- Failover cluster: heartbeats ---
    _d(
        "cluster.SameSubnetDelay",
        1000,
        "ms",
        _ALL,
        _SRC_SAME_DELAY,
        "Interval between heartbeats to nodes on the same subnet (range 250-2000).",
    ),
    _d(
        "cluster.CrossSubnetDelay",
        1000,
        "ms",
        _ALL,
        _SRC_CROSS_DELAY,
        "Interval between heartbeats to nodes on other subnets (range 250-4000).",
    ),
    _d(
        "cluster.CrossSiteDelay",
        1000,
        "ms",
        _2016_ON,
        _SRC_ITPRO_2016,
        "Interval between heartbeats to nodes in other sites; the property exists from "
        "Windows Server 2016 (site awareness).",
    ),
    _d(
        "cluster.SameSubnetThreshold",
        5,
        "count",
        "WindowsServer2008 to WindowsServer2012R2 (2012 R2 without the Hyper-V role)",
        _SRC_SAME_THRESHOLD,
        "Missed heartbeats before a same-subnet route is declared down: 5 x 1 s = 5 s. "
        "Range 3-120.",
    ),
    _d(
        "cluster.SameSubnetThreshold.WindowsServer2012R2.HyperV",
        10,
        "count",
        "WindowsServer2012R2 with the Hyper-V role installed",
        f"{_SRC_TUNING}; {_SRC_ITPRO_2016}",
        "Windows Server 2012 R2 raises the threshold once Hyper-V VMs are present; 10 s to "
        "declare a node down.",
    ),
    _d(
        "cluster.SameSubnetThreshold.WindowsServer2016",
        10,
        "count",
        _2016_ON,
        f"{_SRC_ITPRO_2016}; {_SRC_TUNING}",
        "Windows Server 2016 made the former Hyper-V values the default. No later version is "
        "documented to change them, so 2019, 2022 and 2025 carry the 2016 values.",
    ),
    _d(
        "cluster.CrossSubnetThreshold",
        5,
        "count",
        "WindowsServer2008 to WindowsServer2012R2 (2012 R2 without the Hyper-V role)",
        _SRC_CROSS_THRESHOLD,
        "Missed heartbeats before a cross-subnet route is declared down. Range 3-120.",
    ),
    _d(
        "cluster.CrossSubnetThreshold.WindowsServer2012R2.HyperV",
        20,
        "count",
        "WindowsServer2012R2 with the Hyper-V role installed",
        f"{_SRC_TUNING}; {_SRC_ITPRO_2016}",
        "20 s across subnets once Hyper-V VMs are present.",
    ),
    _d(
        "cluster.CrossSubnetThreshold.WindowsServer2016",
        20,
        "count",
        _2016_ON,
        f"{_SRC_ITPRO_2016}; {_SRC_TUNING}",
        "20 s across subnets; carried to 2019, 2022 and 2025 as for SameSubnetThreshold.",
    ),
    _d(
        "cluster.CrossSiteThreshold",
        20,
        "count",
        _2016_ON,
        _SRC_ITPRO_2016,
        "Missed heartbeats before a cross-site route is declared down.",
    ),
    # --- Failover cluster: resiliency, quarantine, quorum, failover policy ---
    _d(
        "cluster.ResiliencyLevel",
        "AlwaysIsolate",
        "enum",
        _2016_ON,
        f"{_SRC_RESILIENCY}; {_SRC_PETRI_RESILIENCY}",
        "Value 2. A node that loses cluster communication goes Isolated and keeps running "
        "its VMs (Unmonitored) instead of having them failed over at once.",
    ),
    _d(
        "cluster.ResiliencyDefaultPeriod",
        240,
        "s",
        _2016_ON,
        f"Microsoft Learn, cluster common property 'ResiliencyDefaultPeriod', "
        f"{_MSCS}resiliencydefaultperiod; {_SRC_RESILIENCY}",
        "How long VMs on an Isolated node are left running before the cluster fails them over.",
    ),
    _d(
        "cluster.QuarantineThreshold",
        3,
        "count",
        _2016_ON,
        f"Microsoft Learn, cluster common property 'QuarantineThreshold', "
        f"{_MSCS}quarantinethreshold; {_SRC_PETRI_RESILIENCY}",
        "Unclean departures of a node within an hour before it is quarantined.",
    ),
    _d(
        "cluster.QuarantineDuration",
        7200,
        "s",
        _2016_ON,
        f"{_SRC_RESILIENCY}; {_SRC_PETRI_RESILIENCY}",
        "A quarantined node may not rejoin for 2 hours and its VMs are live-migrated away. "
        "The API reference page lists 'Default 0' for this property; the product-group "
        "blog and shipping behaviour are 2 hours, which hvlab follows.",
    ),
    _d(
        "cluster.DynamicQuorum",
        1,
        "bool",
        _2012_ON,
        f"Microsoft Learn, cluster common property 'DynamicQuorum', {_MSCS}clusters-dynamicquorum",
        "Enabled: the cluster adjusts node votes as nodes leave, so it can survive down to "
        "one node if nodes fail one at a time.",
    ),
    _d(
        "cluster.FailoverThreshold",
        4294967295,
        "count",
        _ALL,
        f"Microsoft Learn, group common property 'FailoverThreshold', "
        f"{_MSCS}groups-failoverthreshold",
        "0xFFFFFFFF means 'number of nodes in the cluster minus 1' failovers per "
        "FailoverPeriod; see failover_threshold().",
    ),
    _d(
        "cluster.FailoverPeriod",
        6,
        "h",
        _ALL,
        f"Microsoft Learn, group common property 'FailoverPeriod', {_MSCS}groups-failoverperiod",
        "Window in which FailoverThreshold failovers are allowed before the group is left "
        "failed (max 1193 h).",
    ),
    _d(
        "cluster.MaximumParallelMigrations",
        1,
        "count",
        "WindowsServer2022 with the 2022-09 cumulative update (KB5017381) or later; "
        "WindowsServer2025",
        f"{_SRC_LM_CLUSTER}; {_SRC_LM_FORUM}",
        "Cluster-wide live-migration concurrency; every node's "
        "MaximumVirtualMachineMigrations is set to it (so 1, not the host default 2).",
    ),
    _d(
        "cluster.SetSMBBandwidthLimit",
        1,
        "bool",
        "WindowsServer2022 (2022-09 CU or later), WindowsServer2025",
        _SRC_HCIHARRISON,
        "Live migration over SMB is bandwidth-limited by default from the same update.",
    ),
    _d(
        "cluster.SMBBandwidthLimitFactor",
        2500,
        "count",
        "WindowsServer2022 (2022-09 CU or later), WindowsServer2025",
        _SRC_HCIHARRISON,
        "Hundredths of a percent: 2500 reserves 25 % of SMB bandwidth between nodes for the "
        "cluster, so live migration gets at most 75 %.",
    ),
    _d(
        "cluster.group_online",
        5000,
        "ms",
        _ALL,
        _SRC_SEED,
        "Time for a clustered role (IP address, network name, disk, file share or VM "
        "configuration) to come online on its new owner once failover starts. Microsoft "
        "publishes no figure; field notes describe clustered file server failover 'within "
        "seconds'. 5 s sits in the single-digit seconds everyone observes.",
        assumption=True,
    ),
    # --- Cluster networks and CSV ---
    _d(
        "cluster.network.AutoMetric.private",
        1000,
        "count",
        _ALL,
        _SRC_CSV_METRIC,
        "Automatic Metric of a cluster network without a default gateway starts at 1000 "
        "(steps of 100); with a gateway at 10000. Lowest Metric carries CSV and internal "
        "cluster traffic; second lowest live migration (2008 R2 guidance).",
    ),
    _d(
        "cluster.network.AutoMetric.gateway",
        10000,
        "count",
        _ALL,
        _SRC_CSV_METRIC,
        "Automatic Metric of a cluster network that has a default gateway.",
    ),
    _d(
        "csv.network_reevaluation",
        180,
        "s",
        "WindowsServer2008R2",
        _SRC_CSV_3MIN,
        "CSV re-evaluates the best network every 3 minutes: after the preferred network "
        "recovers, redirected/metadata traffic may stay on the other network that long.",
    ),
    # --- Hyper-V host and VMs ---
    _d(
        "hyperv.AutomaticStopAction",
        "Save",
        "enum",
        _ALL,
        _SRC_TAYLORB,
        "Running VMs are saved when the host shuts down.",
    ),
    _d(
        "hyperv.AutomaticStartAction",
        "StartIfRunning",
        "enum",
        _ALL,
        _SRC_TAYLORB,
        "VMs that were running when the host stopped are started again.",
    ),
    _d(
        "hyperv.AutomaticStartDelay",
        0,
        "s",
        _ALL,
        _SRC_TAYLORB,
        "No delay before the automatic start action.",
    ),
    _d(
        "hyperv.saved_state.always_reserved",
        True,
        "bool",
        "WindowsServer2008, WindowsServer2008R2",
        f"{_SRC_BIN}; {_SRC_SEED}",
        "A running VM always reserves a .bin file as large as its assigned memory on the "
        "volume holding its configuration (events 3050/3320 when it does not fit).",
    ),
    _d(
        "hyperv.saved_state.always_reserved.WindowsServer2012",
        False,
        "bool",
        _2012_ON,
        _SRC_BIN,
        "From Windows Server 2012 the .bin (2016+: .vmrs) space equal to assigned memory is "
        "reserved only when AutomaticStopAction is Save -- which is the default.",
    ),
    _d(
        "hyperv.host_reserve",
        2048,
        "MiB",
        _ALL,
        "None published: Microsoft documents no root-partition reserve formula for Windows "
        "Server 2012 and later",
        "Memory kept for the management OS when placing VMs. Microsoft publishes no formula "
        "for Windows Server 2012 and later (the root reserve is computed by Hyper-V); 2 GiB "
        "is the usual planning figure for a Server Core or GUI parent partition without "
        "other roles. Override per host for large hosts.",
        assumption=True,
    ),
    _d(
        "hyperv.vm_boot",
        60_000,
        "ms",
        _ALL,
        _SRC_SEED,
        "Time from a VM's start on a new node to its services answering. Depends entirely "
        "on the guest; 60 s is typical of a Windows Server guest with a few services and is "
        "set per VM in the lab file when known.",
        assumption=True,
    ),
    # --- Live migration ---
    _d(
        "livemigration.MaximumVirtualMachineMigrations",
        2,
        "count",
        _2012_ON,
        f"{_SRC_LM_CLUSTER}; {_SRC_LM_FORUM}",
        "Per-host simultaneous live migrations (Hyper-V Settings, 'Simultaneous live "
        "migrations'). The Set-VMHost reference states no default; the UI default is 2 and "
        "the Microsoft posts above contrast it with the cluster-wide 1 of 2022.",
    ),
    _d(
        "livemigration.MaximumVirtualMachineMigrations.WindowsServer2008R2",
        1,
        "count",
        "WindowsServer2008R2",
        _SRC_ITPRO_LM_PAIR,
        "One live migration at a time per pair of nodes (not configurable); Windows Server "
        "2008 has Quick Migration only.",
    ),
    _d(
        "livemigration.MaximumStorageMigrations",
        2,
        "count",
        _2012_ON,
        _SRC_LM_FORUM,
        "Per-host simultaneous storage migrations (Hyper-V Settings, 'Simultaneous storage "
        "migrations'); storage live migration exists from Windows Server 2012.",
    ),
    _d(
        "livemigration.VirtualMachineMigrationPerformanceOption",
        "TCPIP",
        "enum",
        "WindowsServer2012",
        _SRC_AIDAN_LM,
        "Windows Server 2012 copies memory over plain TCP/IP (compression and SMB arrived in "
        "2012 R2).",
    ),
    _d(
        "livemigration.VirtualMachineMigrationPerformanceOption.WindowsServer2012R2",
        "Compression",
        "enum",
        _2012R2_ON,
        f"{_SRC_LM_COMPRESSION}; {_SRC_WMI_MIGRATION}",
        "Compression is the default from 2012 R2 (EnableCompression = True, "
        "EnableSmbTransport = False).",
    ),
    _d(
        "livemigration.max_precopy_passes",
        10,
        "count",
        "WindowsServer2008R2, WindowsServer2012",
        _SRC_LM_10_PASSES,
        "Memory copy passes before the VM is paused for the final copy whatever remains "
        "dirty. Published for 2008 R2; Windows Server 2012 is assumed unchanged.",
    ),
    _d(
        "livemigration.max_precopy_passes.WindowsServer2012R2",
        5,
        "count",
        _2012R2_ON,
        f"{_SRC_SAVILL}, chapter 7 ('five with Windows Server 2012 R2 and above')",
        "Maximum memory copy passes from Windows Server 2012 R2.",
    ),
    _d(
        "livemigration.compression_ratio",
        2.0,
        "ratio",
        _2012R2_ON,
        f"{_SRC_LM_COMPRESSION}; {_SRC_AIDAN_LM}",
        "Bytes of guest memory per byte on the wire with Compression. Microsoft states only "
        "that compression is 'expected to halve' migration time when the network is the "
        "bottleneck; 2:1 reproduces that. Real ratios depend on memory contents (zero pages "
        "compress far better) and on idle CPU, which compression throttles to.",
        assumption=True,
    ),
    _d(
        "livemigration.dirty_rate",
        32,
        "MiB/s",
        _ALL,
        _SRC_ITPRO_LM_PAIR,
        "Guest memory dirtied per second during pre-copy, used when a VM states none. Purely "
        "workload-dependent and unpublished; 32 MiB/s models a moderately busy server and "
        "lets a 10 Gbps migration converge in a couple of passes. Set per VM when known.",
        assumption=True,
    ),
    _d(
        "livemigration.switchover",
        100,
        "ms",
        _ALL,
        _SRC_SAVILL,
        "Pause while the last dirty pages and processor/device state move and the VM "
        "resumes on the target (sources say 'milliseconds', well under the TCP timeout). "
        "100 ms plus the time to send the remaining dirty pages at link speed.",
        assumption=True,
    ),
    # --- Hyper-V Replica ---
    _d(
        "replica.ReplicationFrequencySec",
        300,
        "s",
        _2012_ON,
        f"{_SRC_REPLICA_PETRI}; {_SRC_REPLICA_2012}; {_SRC_SAVILL}",
        "Windows Server 2012 replicates every 5 minutes (fixed); 2012 R2 and later offer "
        "30 s, 5 min or 15 min with 5 min preselected.",
    ),
    _d(
        "replica.ReplicationFrequencySec.allowed",
        (30, 300, 900),
        "s",
        _2012R2_ON,
        f"{_SRC_REPLICA_PETRI}; {_SRC_SAVILL}",
        "The only accepted values; 30 s is not available on Windows Server 2012.",
    ),
    _d(
        "replica.RecoveryHistory",
        0,
        "count",
        _2012_ON,
        _SRC_REPLICA_PETRI,
        "Only the latest recovery point is kept unless additional recovery points are configured.",
    ),
    _d(
        "replica.RecoveryHistory.max",
        24,
        "count",
        _2012R2_ON,
        _SRC_REPLICA_CMDLET,
        "At most 24 additional (hourly) recovery points from Windows Server 2012 R2.",
    ),
    _d(
        "replica.CompressionEnabled",
        True,
        "bool",
        _2012_ON,
        _SRC_SAVILL,
        "Replication traffic is compressed by default.",
    ),
    # --- SMB transparent failover ---
    _d(
        "smb.SessTimeout",
        60,
        "s",
        _ALL,
        _SRC_SMB_TIMEOUTS,
        "Client request expiration timer (LanmanWorkstation SessTimeout) before it resets "
        "the connection.",
    ),
    _d(
        "smb.negotiate_timeout.continuous_availability",
        20,
        "s",
        _2012_ON,
        _SRC_SMB_TIMEOUTS,
        "Windows 8 / Server 2012 clients use a shorter SMB2 NEGOTIATE timeout ('typically "
        "under 20 seconds') so a dead node of a continuously available cluster is abandoned "
        "quickly. hvlab uses 20 s as the upper bound.",
    ),
    _d(
        "smb.DurableHandleV2TimeoutInSeconds",
        30,
        "s",
        "WindowsServer2012, WindowsServer2012R2",
        _SRC_SMB_CONFIG,
        "How long the server keeps a durable v2 handle for a disconnected client. Newer "
        "builds have been observed reporting 180; hvlab keeps the documented 30.",
    ),
    _d(
        "smb.persistent_handle_timeout",
        60,
        "s",
        _2012_ON,
        f"{_SRC_ONTAP_CA}; {_SRC_SMB_TIMEOUTS}",
        "Reconnect window a continuously available share gives a client holding persistent "
        "handles. NetApp documents 60 s for its SMB 3 CA implementation; Microsoft's stored "
        "material names the timeout without a figure we could read, so 60 s is assumed for "
        "Windows too.",
        assumption=True,
    ),
    _d(
        "smb.scaleout_client_pause",
        2000,
        "ms",
        _2012_ON,
        _SRC_SEED,
        "I/O pause a client sees when a Scale-Out File Server node dies during a copy: the "
        "field notes measured 'a couple of seconds max'. Active-passive file servers add "
        "failure detection and cluster.group_online on top.",
        assumption=True,
    ),
    # --- Windows NIC Teaming (LBFO) ---
    _d(
        "lbfo.failover",
        500,
        "ms",
        _2012_ON,
        "None published by Microsoft (NIC Teaming documentation gives no failover time)",
        "Time from a team member losing link to its flows running on the other members. "
        "Microsoft publishes no figure. In every mode LBFO reacts to the NIC's media-"
        "disconnect indication, not to a protocol timer: PHY link-loss detection (tens to a "
        "few hundred ms, longest on 1000BASE-T copper), the NDIS status indication and the "
        "rehash of flows. 500 ms covers that chain. Failures that keep link up are not "
        "detected this way (LACP notices them after lacp.short_timeout or "
        "lacp.long_timeout; static and switch-independent teams never do).",
        assumption=True,
    ),
    _d(
        "lbfo.dynamic.flowlet_gap",
        500,
        "us",
        _2012R2_ON,
        "None published by Microsoft; flowlet literature: Alizadeh et al., 'CONGA' (SIGCOMM "
        "2014), Vanini et al., 'Let It Flow' (NSDI 2017)",
        "Idle gap that ends a flowlet so Dynamic mode may move a flow to another member. "
        "Unpublished. Flowlet switching in the literature (CONGA, LetFlow) uses gaps of "
        "100-500 us, the order of a data-centre round-trip time; 500 us is the conservative "
        "end, so fewer moves are predicted than may happen.",
        assumption=True,
    ),
    _d(
        "lbfo.max_team_members",
        32,
        "count",
        _2012_ON,
        _SRC_SEED,
        "Up to 32 NICs in one team (quoted from Microsoft's NIC Teaming whitepaper in the "
        "field notes).",
    ),
    # --- LACP (IEEE 802.1AX) ---
    _d(
        "lacp.fast_periodic",
        1000,
        "ms",
        "IEEE 802.3ad / 802.1AX",
        _SRC_LACP,
        "Fast_Periodic_Time: LACPDU interval when the partner asks for short timeout.",
    ),
    _d(
        "lacp.slow_periodic",
        30_000,
        "ms",
        "IEEE 802.3ad / 802.1AX",
        _SRC_LACP,
        "Slow_Periodic_Time: LACPDU interval with long timeout.",
    ),
    _d(
        "lacp.short_timeout",
        3000,
        "ms",
        "IEEE 802.3ad / 802.1AX",
        _SRC_LACP,
        "Short_Timeout_Time = 3 x Fast_Periodic_Time: partner declared gone (LacpTimer Fast, "
        "'lacp rate fast').",
    ),
    _d(
        "lacp.long_timeout",
        90_000,
        "ms",
        "IEEE 802.3ad / 802.1AX",
        _SRC_LACP,
        "Long_Timeout_Time = 3 x Slow_Periodic_Time (LacpTimer Slow, 'lacp rate slow').",
    ),
    _d(
        "lacp.churn_detection",
        60_000,
        "ms",
        "IEEE 802.3ad / 802.1AX",
        _SRC_LACP,
        "Churn_Detection_Time: a port that cannot reach synchronization within it is "
        "flagged as churning.",
    ),
    _d(
        "lacp.aggregate_wait",
        2000,
        "ms",
        "IEEE 802.3ad / 802.1AX",
        _SRC_LACP,
        "Aggregate_Wait_Time: delay before a newly selected port joins an aggregator.",
    ),
    # --- Spanning tree ---
    _d(
        "stp.HelloTime",
        2000,
        "ms",
        "IEEE 802.1D, 802.1w, 802.1Q (MSTP)",
        f"{_SRC_STP_TABLE}; {_SRC_CISCO_STP}",
        "BPDU interval (fixed at 2 s in RSTP, 1-10 s configurable in 802.1D-1998).",
    ),
    _d(
        "stp.MaxAge",
        20_000,
        "ms",
        "IEEE 802.1D, 802.1w, 802.1Q (MSTP)",
        f"{_SRC_STP_TABLE}; {_SRC_CISCO_STP}",
        "Lifetime of received BPDU information (range 6-40 s). 802.1D reconvergence after "
        "an indirect failure: MaxAge + 2 x ForwardDelay = 50 s; after a direct one 30 s.",
    ),
    _d(
        "stp.ForwardDelay",
        15_000,
        "ms",
        "IEEE 802.1D, 802.1w, 802.1Q (MSTP)",
        f"{_SRC_STP_TABLE}; {_SRC_CISCO_STP}",
        "Time in each of listening and learning (802.1D), so 30 s from blocking to "
        "forwarding; in RSTP only on non-point-to-point or non-agreeing ports (range 4-30).",
    ),
    _d(
        "stp.TransmitHoldCount",
        6,
        "count",
        "IEEE 802.1D-2004 (RSTP), 802.1Q (MSTP)",
        _SRC_STP_TABLE,
        "BPDUs a port may send per HelloTime (802.1w-2001 used 3; 802.1D-2004 Table 17-1 "
        "made it 6, range 1-10).",
    ),
    _d(
        "stp.MigrateTime",
        3000,
        "ms",
        "IEEE 802.1D-2004 (RSTP), 802.1Q (MSTP)",
        _SRC_STP_TABLE,
        "Fixed: how long a port waits before changing between STP and RSTP BPDU formats.",
    ),
    _d(
        "stp.AgeingTime",
        300_000,
        "ms",
        "IEEE 802.1D (filtering database)",
        _SRC_STP_TABLE,
        "MAC address table ageing (Table 7-5); RSTP flushes learned entries on topology "
        "change instead of waiting for it.",
    ),
    _d(
        "stp.rstp.info_lifetime",
        6000,
        "ms",
        "IEEE 802.1D-2004 (RSTP), 802.1Q (MSTP)",
        "IEEE 802.1D-2004 17.21.23 updtRcvdInfoWhile (rcvdInfoWhile = 3 x HelloTime); "
        "Open vSwitch lib/rstp-state-machines.c, updt_rcvd_info_while()",
        "An RSTP port that stops receiving BPDUs without losing link ages the information "
        "out after three hellos (6 s) instead of MaxAge.",
    ),
    _d(
        "stp.rstp.handshake_per_hop",
        50,
        "ms",
        "IEEE 802.1D-2004 (RSTP), 802.1Q (MSTP)",
        _SRC_STP_TABLE,
        "Time for one proposal/agreement exchange (sync) on a point-to-point link. The "
        "standard has no timer for it -- it is as fast as BPDUs are sent, processed and "
        "answered, bounded by TransmitHoldCount. Switch CPUs do this in milliseconds to tens "
        "of milliseconds; 50 ms per hop keeps hvlab's RSTP reconvergence sub-second on "
        "typical diameters, as vendors report, without claiming more precision than exists.",
        assumption=True,
    ),
    _d(
        "stp.mstp.MaxHops",
        20,
        "count",
        "IEEE 802.1Q (MSTP)",
        "HPE Comware 'stp max-hops' and Aruba 'spanning-tree max-hops' references (default 20), "
        "https://support.hpe.com/techhub/eginfolib/networking/docs/switches/7500/5200-1937a_l2-"
        "lan_cr/content/495504067.htm",
        "Hop count an MSTI BPDU may travel inside a region; replaces MaxAge inside regions.",
    ),
    # --- NIC advanced properties ---
    _d(
        "nic.JumboPacket",
        1514,
        "bytes",
        "NDIS 6.0 and later (all Windows Server versions)",
        _SRC_NDIS_EDIT,
        "Default *JumboPacket: a standard 1514-byte frame (1500-byte IP MTU + 14-byte "
        "Ethernet header, FCS not counted).",
    ),
    _d(
        "nic.JumboPacket.jumbo",
        9014,
        "bytes",
        "NDIS 6.0 and later",
        _SRC_NDIS_EDIT,
        "The value hvlab uses for 'jumbo frames on'. *JumboPacket's range is IHV-defined; "
        "9014 (9000-byte IP MTU + 14-byte header) is the value Intel and Microsoft examples "
        "use. Switches must allow at least this plus any VLAN tag and FCS.",
        assumption=True,
    ),
    _d(
        "nic.VMQ",
        1,
        "bool",
        "NDIS 6.20 and later (Windows Server 2008 R2 and later)",
        _SRC_NDIS_VMQ,
        "*VMQ standardized keyword: Enabled by default on adapters that support it.",
    ),
    # --- Load balancer health checks ---
    _d(
        "healthcheck.kemp.CheckInterval",
        9,
        "s",
        "KEMP / Progress LoadMaster",
        _SRC_KEMP,
        "Seconds between health checks; recommended and default 9 (minimum is Retry Count "
        "x Connect Timeout + 1).",
    ),
    _d(
        "healthcheck.kemp.ConnectTimeout",
        4,
        "s",
        "KEMP / Progress LoadMaster",
        _SRC_KEMP,
        "Wait for a connection and a reply before the check is retried.",
    ),
    _d(
        "healthcheck.kemp.RetryCount",
        2,
        "count",
        "KEMP / Progress LoadMaster",
        _SRC_KEMP,
        "Failed attempts before the real server is marked down (down after Timeout x Retry "
        "seconds without an answer).",
    ),
    _d(
        "healthcheck.kemp.http_version",
        "HTTP/1.0",
        "enum",
        "KEMP LoadMaster (5.1 firmware)",
        f"KEMP LoadMaster manual, HTTP health check, as quoted in {_SRC_SEED}",
        "The default HTTP check is an HTTP/1.0 HEAD of '/' to the real server's IP address, "
        "with no Host header: IIS sites bound to host headers fail it. HTTP/1.1 with a Host "
        "name fixes that.",
    ),
    _d(
        "healthcheck.kemp.rise",
        1,
        "count",
        "KEMP / Progress LoadMaster",
        _SRC_KEMP,
        "Successful checks before a down real server is used again. The LoadMaster pages "
        "describe only the failure side; hvlab assumes the first successful check brings "
        "the server back, the behaviour of a check with no rise counter.",
        assumption=True,
    ),
    _d(
        "healthcheck.haproxy.inter",
        2000,
        "ms",
        "HAProxy",
        _SRC_HAPROXY,
        "Interval between two consecutive health checks. Without 'timeout check', HAProxy "
        "uses 'inter' as the whole check's timeout (section 4.2, 'timeout check').",
    ),
    _d(
        "healthcheck.haproxy.fall",
        3,
        "count",
        "HAProxy",
        _SRC_HAPROXY,
        "Consecutive failed checks before a server is considered dead.",
    ),
    _d(
        "healthcheck.haproxy.rise",
        2,
        "count",
        "HAProxy",
        _SRC_HAPROXY,
        "Consecutive successful checks before a server is considered operational.",
    ),
    # --- Cluster placement, live migration and replica (added with hvlab.cluster) ---
    _d(
        "cluster.MinimumPreemptorPriority",
        1,
        "count",
        "WindowsServer2012 to WindowsServer2025",
        f"Microsoft Learn, cluster common property 'MinimumPreemptorPriority', "
        f"{_MSCS}clusters-minimumpreemptorpriority",
        "Lowest group priority that can preempt other groups (default 1: Low, Medium and High "
        "can; NoAutoStart cannot).",
    ),
    _d(
        "cluster.MinimumNeverPreemptPriority",
        3000,
        "count",
        "WindowsServer2012 to WindowsServer2025",
        f"Microsoft Learn, cluster common property 'MinimumNeverPreemptPriority', "
        f"{_MSCS}clusters-minimumneverpreemptpriority",
        "Lowest group priority that cannot be preempted "
        "(default 3000: High VMs are never preempted).",
    ),
    _d(
        "cluster.vm_start_throttle",
        32,
        "count",
        "WindowsServer2008R2 to WindowsServer2025",
        "Microsoft Failover Clustering blog, 'Understanding Hyper-V Virtual Machine (VM) Failover "
        "Policies' (E. Christensen, 2010, republished 2019), https://techcommunity.microsoft.com/"
        "t5/failover-clustering/understanding-hyper-v-virtual-machine-vm-failover-policies/"
        "ba-p/371664",
        "VMs a node starts at once during failover ('boot storm' throttle); the rest queue.",
    ),
    _d(
        "livemigration.precopy_stop",
        300,
        "ms",
        "WindowsServer2008R2 to WindowsServer2025",
        _SRC_QEMU,
        "Pre-copy ends when the pages still dirty can be sent within this time; the VM is then "
        "paused for the final copy. Hyper-V's threshold is unpublished; 300 ms is QEMU's "
        "default tolerated downtime.",
        assumption=True,
    ),
    _d(
        "livemigration.compression_throughput",
        1192,
        "MiB/s",
        "WindowsServer2012R2 to WindowsServer2025",
        "ITPro Today, 'When to use SMB Live Migration' (2015); Virtual PC Guy, 'Faster Live "
        "Migration with RDMA in Windows Server 2012 R2' (2013)",
        "Guest memory per second a host's idle CPU compresses for live migration (shared by "
        "concurrent migrations). Unpublished; about 10 Gbit/s (1192 MiB/s), reflecting "
        "Microsoft's guidance that Compression suits networks up to about 10 Gbps and SMB "
        "Direct beats it above.",
        assumption=True,
    ),
    _d(
        "livemigration.setup",
        1000,
        "ms",
        "WindowsServer2008R2 to WindowsServer2025",
        "Directions on Microsoft, 'Live Migration Switch Over' (the 'Migration Setup' step)",
        "Migration setup: the source connects to the target, which creates the VM's container "
        "and reserves its memory, before the first memory pass. Unpublished; 1 s.",
        assumption=True,
    ),
    _d(
        "cluster.MoveTypeThreshold",
        2000,
        "count",
        "WindowsServer2012 to WindowsServer2025",
        "A. Finn, 'You Pause A Clustered Hyper-V Host And Low Priority VMs are QUICK MIGRATED!' "
        "(https://aidanfinn.com/); "
        "workinghardinit, 'Understanding Virtual Machine Priority and Preemption Behavior' "
        "(2013): Get-ClusterResourceType 'Virtual Machine' | Get-ClusterParameter "
        "MoveTypeThreshold",
        "Private property of the 'Virtual Machine' resource type: on drain, VMs with Priority "
        "≥ this are live-migrated, lower ones quick-migrated (Low 1000 and NoAutoStart 0).",
    ),
    _d(
        "hyperv.save_restore_throughput",
        500,
        "MiB/s",
        "WindowsServer2008 to WindowsServer2025",
        "None published (depends on the CSV's storage)",
        "Rate at which a VM's memory is written to its saved-state file and read back during a "
        "quick migration. Unpublished and storage-dependent; 500 MiB/s is a mid-range SAN LUN.",
        assumption=True,
    ),
    _d(
        "replica.change_rate",
        1,
        "MiB/s",
        "WindowsServer2012 to WindowsServer2025",
        "None published (workload-dependent)",
        "Disk writes per second Replica must ship for a VM that states no replica.change_rate. "
        "Unpublished; 1 MiB/s (about 3.5 GB/hour) is a moderately busy server.",
        assumption=True,
    ),
    _d(
        "replica.compression_ratio",
        2.0,
        "ratio",
        "WindowsServer2012 to WindowsServer2025",
        "None published; Replica compresses by default (replica.CompressionEnabled)",
        "Bytes of changed data per byte on the wire when replica.CompressionEnabled is true. "
        "Unpublished and data-dependent; 2:1 as for live migration.",
        assumption=True,
    ),
    _d(
        "replica.initial_window",
        24,
        "h",
        "WindowsServer2012 to WindowsServer2025",
        "None published; a planning threshold (Replica's own choice is the administrator's: "
        "Enable-VMReplication -InitialReplicationMethod Network, OnlineMedia or Shipping)",
        "How long an initial replication over the WAN may take before HV705 suggests "
        "shipping the first copy (Start-VMInitialReplication -DestinationPath to external "
        "media, then Import-VMInitialReplication at the replica). Until it completes the "
        "VM has no recovery point at all.",
        assumption=True,
    ),
    _d(
        "replica.wan_share",
        "equal",
        "enum",
        _2012_ON,
        "None published: Replica has no per-VM bandwidth reservation (bandwidth is limited "
        "only by QoS policies the administrator adds); TCP flows sharing a bottleneck tend to "
        "equal shares",
        "How a WAN link's bandwidth is divided among the VMs whose replication crosses it "
        "(hvlab.cluster.sites.replication_share_bps). 'equal': each VM gets bandwidth / n, "
        "the worst case for a VM whose cycle overlaps everyone else's; 'demand': in "
        "proportion to each VM's wire bytes per second (all keep up exactly when the link's "
        "total fits); 'none': each VM gets the whole route, as if it replicated alone.",
        assumption=True,
    ),
    # --- DNS client in the guest ---
    _d(
        "dns.registration_ttl",
        1200,
        "s",
        _ALL,
        "Microsoft Learn, 'Policy CSP - ADMX_DnsClient', DNS_RegistrationTtl ('TTL value for "
        "A and PTR records': 'By default, the TTL is 1200 seconds (20 minutes)'), "
        "https://learn.microsoft.com/en-us/windows/client-management/mdm/"
        "policy-csp-admx-dnsclient#dns_registrationttl; the same 1200 s is the default "
        "HostRecordTTL of a cluster network name, https://learn.microsoft.com/en-us/"
        "previous-versions/windows/desktop/mscs/hostrecordttl",
        "TTL of the A record a Windows guest registers dynamically (DnsCache "
        "DefaultRegistrationTTL). After a VM comes up with a new address (a Replica "
        "failover address), clients and DNS servers keep the old one cached this long.",
    ),
    # --- Random faults for `hvlab simulate --random-faults` (assumptions) ---
    _d(
        "sim.mtbf.link",
        1000000,
        "h",
        "hvlab simulator",
        "None published for a generic site; order of magnitude of vendor MTBF sheets",
        "Mean time between failures of a cable or optic, used to weight which element a random "
        "fault hits. Real values depend on the hardware; set your own under timers:.",
        assumption=True,
    ),
    _d(
        "sim.mttr.link",
        4,
        "h",
        "hvlab simulator",
        "None published: depends on spares and support contracts",
        "Mean time to repair a cable or optic: a random fault is repaired after an exponentially "
        "distributed time with this mean. Set your own under timers: to match your "
        "support contract.",
        assumption=True,
    ),
    _d(
        "sim.mtbf.nic",
        500000,
        "h",
        "hvlab simulator",
        "None published for a generic site; order of magnitude of vendor MTBF sheets",
        "Mean time between failures of a host network adapter, used to weight which element a "
        "random "
        "fault hits. Real values depend on the hardware; set your own under timers:.",
        assumption=True,
    ),
    _d(
        "sim.mttr.nic",
        8,
        "h",
        "hvlab simulator",
        "None published: depends on spares and support contracts",
        "Mean time to repair a host network adapter: a random fault is repaired after an "
        "exponentially "
        "distributed time with this mean. Set your own under timers: to match your "
        "support contract.",
        assumption=True,
    ),
    _d(
        "sim.mtbf.switch",
        200000,
        "h",
        "hvlab simulator",
        "None published for a generic site; order of magnitude of vendor MTBF sheets",
        "Mean time between failures of a switch, used to weight which element a random "
        "fault hits. Real values depend on the hardware; set your own under timers:.",
        assumption=True,
    ),
    _d(
        "sim.mttr.switch",
        4,
        "h",
        "hvlab simulator",
        "None published: depends on spares and support contracts",
        "Mean time to repair a switch: a random fault is repaired after an exponentially "
        "distributed time with this mean. Set your own under timers: to match your "
        "support contract.",
        assumption=True,
    ),
    _d(
        "sim.mtbf.node",
        100000,
        "h",
        "hvlab simulator",
        "None published for a generic site; order of magnitude of vendor MTBF sheets",
        "Mean time between failures of a Hyper-V host (hardware or OS), used to weight which "
        "element a random "
        "fault hits. Real values depend on the hardware; set your own under timers:.",
        assumption=True,
    ),
    _d(
        "sim.mttr.node",
        8,
        "h",
        "hvlab simulator",
        "None published: depends on spares and support contracts",
        "Mean time to repair a Hyper-V host (hardware or OS): a random fault is repaired after "
        "an exponentially "
        "distributed time with this mean. Set your own under timers: to match your "
        "support contract.",
        assumption=True,
    ),
    _d(
        "sim.mtbf.csv",
        500000,
        "h",
        "hvlab simulator",
        "None published for a generic site; order of magnitude of vendor MTBF sheets",
        "Mean time between failures of a Cluster Shared Volume (its LUN or path), used to "
        "weight which element a random "
        "fault hits. Real values depend on the hardware; set your own under timers:.",
        assumption=True,
    ),
    _d(
        "sim.mttr.csv",
        2,
        "h",
        "hvlab simulator",
        "None published: depends on spares and support contracts",
        "Mean time to repair a Cluster Shared Volume (its LUN or path): a random fault is "
        "repaired after an exponentially "
        "distributed time with this mean. Set your own under timers: to match your "
        "support contract.",
        assumption=True,
    ),
    # --- NIC teaming engine settings (hvlab.teaming) ---
    _d(
        "lbfo.dynamic.rebalance_interval",
        1000,
        "ms",
        "WindowsServer2012 to WindowsServer2025",
        "None published by Microsoft; Microsoft Learn, 'NIC Teaming settings' (Dynamic: "
        "flowlets; 'might also periodically rebalance flows'), "
        "https://learn.microsoft.com/windows-server/networking/technologies/nic-teaming/nic-teaming-settings",
        "How often the Dynamic algorithm re-examines member loads and moves flows that reached "
        "a flowlet boundary (idle gap >= lbfo.dynamic.flowlet_gap) from the most to the least "
        "loaded members. Microsoft says only that Dynamic rebalances 'in real time'; 1 s is the "
        "sampling period of Windows' own per-NIC counters, short enough to show rebalancing and "
        "long enough to make a flowlet boundary within one period likely for all but line-rate "
        "flows.",
        assumption=True,
    ),
    _d(
        "lbfo.dynamic.idle_gap",
        100,
        "us",
        "WindowsServer2012 to WindowsServer2025",
        "None published; order of a data-centre round-trip time (Alizadeh et al., 'CONGA', "
        "SIGCOMM 2014)",
        "Median mean idle gap between a flow's bursts used when a flow batch carries no "
        "per-flow gap (flows.py draws each flow's own). A flow has a flowlet boundary in an "
        "interval with probability 1 - exp(-interval * exp(-flowlet_gap/gap) / gap).",
        assumption=True,
    ),
    _d(
        "teaming.switch_hash",
        "layer2+3",
        "enum",
        "switch side of Static and Lacp teams",
        "Linux drivers/net/bonding/bond_main.c bond_xmit_hash() as a stand-in for the switch's "
        "port-channel hash; Microsoft: 'the switch ... has complete independence to determine "
        "how it does so' (NIC Teaming settings)",
        "Hash the switch uses to spread inbound (switch-to-host) traffic over the members of a "
        "Static or LACP team. Switch vendors use their own hashes; hvlab models the Linux "
        "xmit_hash_policy of the same name, bit-exact, as the stated stand-in.",
        assumption=True,
    ),
    _d(
        "lacp.no_partner",
        "suspend",
        "enum",
        "switch side of Lacp teams",
        "IEEE 802.1AX-2014 6.4 (a port with no partner PDUs is Defaulted and cannot aggregate); "
        "vendor 'lacp suspend-individual' (Cisco NX-OS default) vs 'individual'/'fallback' "
        "behaviour",
        "What a switch LACP port-channel does with a member port that receives no LACPDUs (host "
        "in SwitchIndependent or Static mode): 'suspend' stops forwarding on it (the host sees "
        "link up, traffic is lost); 'individual' forwards on it as a stand-alone port.",
        assumption=True,
    ),
    _d(
        "ovs.rebalance_interval",
        10000,
        "ms",
        "Open vSwitch",
        "Open vSwitch ovs-vswitchd.conf.db(5) "
        "(https://www.openvswitch.org/support/dist-docs/), Port table, "
        "other_config:bond-rebalance-interval "
        "(default 10000 ms); ofproto/bond.c bond_rebalance()",
        "Interval of Open vSwitch's bond_rebalance() for the OVS comparison modes "
        "(ovs:balance-tcp, ovs:balance-slb).",
        assumption=False,
    ),
    _d(
        "set.default_algorithm",
        "Dynamic",
        "enum",
        "WindowsServer2016 to WindowsServer2025",
        "Microsoft Learn, Msvm_VirtualEthernetSwitchNicTeamingSettingData "
        "(LoadBalancingAlgorithm = 5 in the MOF; 5 is Dynamic in MSFT_NetLbfoTeam's enumeration)",
        "Load-balancing algorithm of a SET switch whose lab entry leaves 'algorithm' unset. The "
        "WMI class default is 5; reading it with LBFO's enumeration (5 = Dynamic) is hvlab's "
        "assumption. Check Get-VMSwitchTeam on the real host.",
        assumption=True,
    ),
    _d(
        "lbfo.LacpTimer",
        "Fast",
        "enum",
        "WindowsServer2012 to WindowsServer2025",
        "Microsoft Learn, 'NIC Teaming settings' ('When you configure a Teaming mode of LACP, "
        "NIC Teaming always operates in LACP's Active mode with a short timer'), "
        "https://learn.microsoft.com/windows-server/networking/technologies/nic-teaming/"
        "nic-teaming-settings; "
        "New-NetLbfoTeam -LacpTimer (Slow, Fast; Windows Server 2016 and later)",
        "LACP timer of a Lacp team that does not set one: Fast, the short timeout (3 s).",
        assumption=False,
    ),
)


def _build(table: tuple[Default, ...]) -> Mapping[str, Default]:
    out: dict[str, Default] = {}
    for d in table:
        if d.key in out:
            raise ValueError(f"duplicate default key {d.key!r}")
        if d.unit not in _UNITS:
            raise ValueError(f"{d.key}: unknown unit {d.unit!r}; units are {sorted(_UNITS)}")
        out[d.key] = d
    return MappingProxyType(out)


DEFAULTS: Final[Mapping[str, Default]] = _build(_TABLE)
"""Every modelled default, keyed by its dotted name (read-only)."""


# --- Look-ups ---
def get_default(key: str) -> Default:
    """Return the default named ``key``.

    Returns
    -------
    Default
        The entry of :data:`DEFAULTS`.

    Raises
    ------
    KeyError
        If there is no such key; the message suggests the closest keys.
    """
    try:
        return DEFAULTS[key]
    except KeyError:
        close = difflib.get_close_matches(key, DEFAULTS, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"no default named {key!r}{hint}") from None


def duration_ms(key: str) -> int:
    """Return a time default in integer milliseconds, the unit of :mod:`hvlab.sim`.

    Returns
    -------
    int
        ``value`` converted from its unit (``ms``, ``s``, ``min``, ``h``, or ``us`` when it
        is a whole number of milliseconds).

    Raises
    ------
    KeyError
        If there is no such key.
    ValueError
        If the default is not a duration, or is in microseconds and not a whole number of
        milliseconds.
    """
    d = get_default(key)
    if not isinstance(d.value, int) or isinstance(d.value, bool):
        raise ValueError(f"{key} is not a duration: {d.value!r} {d.unit}")
    if d.unit == "us":
        if d.value % 1000:
            raise ValueError(
                f"{key} is {d.value} us, not a whole number of milliseconds; "
                "hvlab's clock counts milliseconds"
            )
        return d.value // 1000
    if d.unit not in _MS_PER_UNIT:
        raise ValueError(f"{key} is not a duration: {d.value!r} {d.unit}")
    return d.value * _MS_PER_UNIT[d.unit]


def _int(key: str) -> int:
    value = DEFAULTS[key].value
    if not isinstance(value, int):  # pragma: no cover - guarded by tests of the table
        raise TypeError(f"{key} is not an int: {value!r}")
    return int(value)


def _str(key: str) -> str:
    return str(DEFAULTS[key].value)


def _rank(os: str) -> int:
    """Return the position of ``os`` in :data:`WINDOWS_SERVER_VERSIONS`.

    Raises
    ------
    ValueError
        If ``os`` is not a known version; the message lists the valid spellings.
    """
    try:
        return WINDOWS_SERVER_VERSIONS.index(os)
    except ValueError:
        raise ValueError(
            f"unknown Windows Server version {os!r}; valid versions are "
            f"{', '.join(WINDOWS_SERVER_VERSIONS)}"
        ) from None


_R2008R2: Final = 1
_R2012: Final = 2
_R2012R2: Final = 3
_R2016: Final = 4
_R2022: Final = 6


# --- Failover cluster ---
@dataclass(frozen=True, slots=True)
class HeartbeatSettings:
    """Cluster heartbeat properties, named as ``Get-Cluster`` shows them.

    Delays are in milliseconds, thresholds in missed heartbeats. ``CrossSiteDelay`` and
    ``CrossSiteThreshold`` are ``None`` before Windows Server 2016 (no site awareness).
    """

    SameSubnetDelay: int
    SameSubnetThreshold: int
    CrossSubnetDelay: int
    CrossSubnetThreshold: int
    CrossSiteDelay: int | None
    CrossSiteThreshold: int | None

    @property
    def same_subnet_timeout_ms(self) -> int:
        """Return the time to declare a same-subnet route down: Delay x Threshold (ms)."""
        return self.SameSubnetDelay * self.SameSubnetThreshold

    @property
    def cross_subnet_timeout_ms(self) -> int:
        """Return the time to declare a cross-subnet route down: Delay x Threshold (ms)."""
        return self.CrossSubnetDelay * self.CrossSubnetThreshold

    @property
    def cross_site_timeout_ms(self) -> int | None:
        """Return the cross-site Delay x Threshold in ms, or ``None`` before 2016."""
        if self.CrossSiteDelay is None or self.CrossSiteThreshold is None:
            return None
        return self.CrossSiteDelay * self.CrossSiteThreshold


def cluster_heartbeat(os: str, *, hyper_v: bool = True) -> HeartbeatSettings:
    """Return the default heartbeat settings of a failover cluster on ``os``.

    Parameters
    ----------
    os : str
        A Windows Server version from :data:`WINDOWS_SERVER_VERSIONS`.
    hyper_v : bool, optional
        Whether the Hyper-V role is installed (default ``True``, hvlab's usual case). Only
        Windows Server 2012 R2 depends on it.

    Returns
    -------
    HeartbeatSettings
        SameSubnetDelay/Threshold, CrossSubnetDelay/Threshold and, from 2016,
        CrossSiteDelay/Threshold.

    Raises
    ------
    ValueError
        If ``os`` is unknown.

    Notes
    -----
    Sources: the cluster common property pages (``SameSubnetDelay`` 1000 ms,
    ``SameSubnetThreshold`` 5, ``CrossSubnetDelay`` 1000 ms, ``CrossSubnetThreshold`` 5),
    "Tuning Failover Cluster Network Thresholds" (2012 R2 with Hyper-V: 10 and 20) and
    ITPro Today's table of Windows Server 2016 defaults (10, 20, CrossSite 1000 ms / 20).

    Examples
    --------
    >>> cluster_heartbeat("WindowsServer2012").same_subnet_timeout_ms
    5000
    >>> cluster_heartbeat("WindowsServer2022").CrossSubnetThreshold
    20
    """
    rank = _rank(os)
    if rank >= _R2016:
        variant = ".WindowsServer2016"
    elif rank == _R2012R2 and hyper_v:
        variant = ".WindowsServer2012R2.HyperV"
    else:
        variant = ""
    site = rank >= _R2016
    return HeartbeatSettings(
        SameSubnetDelay=_int("cluster.SameSubnetDelay"),
        SameSubnetThreshold=_int("cluster.SameSubnetThreshold" + variant),
        CrossSubnetDelay=_int("cluster.CrossSubnetDelay"),
        CrossSubnetThreshold=_int("cluster.CrossSubnetThreshold" + variant),
        CrossSiteDelay=_int("cluster.CrossSiteDelay") if site else None,
        CrossSiteThreshold=_int("cluster.CrossSiteThreshold") if site else None,
    )


@dataclass(frozen=True, slots=True)
class ResiliencySettings:
    """VM compute resiliency and node quarantine properties (Windows Server 2016+)."""

    ResiliencyLevel: str
    ResiliencyDefaultPeriod: int
    QuarantineThreshold: int
    QuarantineDuration: int
    """Seconds, as ``Get-Cluster`` shows them (ResiliencyDefaultPeriod too)."""


def resiliency_defaults(os: str) -> ResiliencySettings | None:
    """Return the compute-resiliency defaults of a cluster on ``os``.

    Returns
    -------
    ResiliencySettings or None
        ``None`` before Windows Server 2016, which has no compute resiliency: a node that
        loses the cluster has its roles failed over at once.

    Raises
    ------
    ValueError
        If ``os`` is unknown.

    Notes
    -----
    Sources: 'Virtual Machine Compute Resiliency in Windows Server 2016' (Microsoft
    Failover Clustering blog) and the ``ResiliencyDefaultPeriod`` (240 s) and
    ``QuarantineThreshold`` (3) property pages.
    """
    if _rank(os) < _R2016:
        return None
    return ResiliencySettings(
        ResiliencyLevel=_str("cluster.ResiliencyLevel"),
        ResiliencyDefaultPeriod=_int("cluster.ResiliencyDefaultPeriod"),
        QuarantineThreshold=_int("cluster.QuarantineThreshold"),
        QuarantineDuration=_int("cluster.QuarantineDuration"),
    )


def failover_threshold(nodes: int, FailoverThreshold: int = 0xFFFFFFFF) -> int:
    """Return how many failovers a group may make per ``FailoverPeriod`` (6 h by default).

    Parameters
    ----------
    nodes : int
        Number of nodes in the cluster (at least 1).
    FailoverThreshold : int, optional
        The group's property; the default ``0xFFFFFFFF`` means "nodes minus 1".

    Returns
    -------
    int
        The effective threshold.

    Raises
    ------
    ValueError
        If ``nodes`` is less than 1.

    Notes
    -----
    Source: group common property 'FailoverThreshold' ("If a value for FailoverThreshold is
    not specified, the default value is the number of nodes in the cluster minus 1. This is
    represented as 0xFFFFFFFF.").

    Examples
    --------
    >>> failover_threshold(4)
    3
    >>> failover_threshold(4, 10)
    10
    """
    if nodes < 1:
        raise ValueError(f"a cluster has at least 1 node, got nodes={nodes}")
    if FailoverThreshold == 0xFFFFFFFF:
        return nodes - 1
    return FailoverThreshold


# --- Hyper-V ---
@dataclass(frozen=True, slots=True)
class LiveMigrationSettings:
    """Live-migration defaults of a Hyper-V host, named as ``Get-VMHost`` shows them.

    ``MaximumParallelMigrations`` is the cluster-wide property (``None`` where it does not
    exist or the host is not clustered); ``max_precopy_passes`` is the memory-copy pass
    limit before the final pause.
    """

    MaximumVirtualMachineMigrations: int
    MaximumStorageMigrations: int
    VirtualMachineMigrationPerformanceOption: str | None
    MaximumParallelMigrations: int | None
    max_precopy_passes: int

    @property
    def effective_concurrency(self) -> int:
        """Return how many live migrations a node runs at once (cluster value wins)."""
        if self.MaximumParallelMigrations is not None:
            return self.MaximumParallelMigrations
        return self.MaximumVirtualMachineMigrations


def live_migration_defaults(
    os: str, *, clustered: bool = True, updated: bool = True
) -> LiveMigrationSettings:
    """Return the live-migration defaults of a Hyper-V host on ``os``.

    Parameters
    ----------
    os : str
        A Windows Server version from :data:`WINDOWS_SERVER_VERSIONS`.
    clustered : bool, optional
        Whether the host is a failover cluster node (default ``True``).
    updated : bool, optional
        For Windows Server 2022: whether the 2022-09 cumulative update (KB5017381) or later
        is installed, which adds ``MaximumParallelMigrations = 1`` to clusters. Default
        ``True``.

    Returns
    -------
    LiveMigrationSettings
        Windows Server 2008: no live migration (0, Quick Migration only); 2008 R2: 1 at a
        time, no storage migration, no performance option; 2012: 2, 2, ``TCPIP``;
        2012 R2 and later: 2, 2, ``Compression``; clustered 2022 (updated) and 2025: the
        cluster-wide ``MaximumParallelMigrations`` of 1.

    Raises
    ------
    ValueError
        If ``os`` is unknown.

    Notes
    -----
    Sources: 'New Cluster-Wide Control For Virtual Machine Live Migrations In Windows
    Server and Azure Stack HCI' (MaximumParallelMigrations=1), 'Faster Live Migration with
    Compression in Windows Server 2012 R2' (Compression is the default), Directions on
    Microsoft 'Live Migration Switch Over' (10 passes, 2008 R2) and Savill, 'Mastering
    Windows Server 2016 Hyper-V' (5 passes, 2012 R2+).

    Examples
    --------
    >>> live_migration_defaults("WindowsServer2012R2").VirtualMachineMigrationPerformanceOption
    'Compression'
    >>> live_migration_defaults("WindowsServer2022").effective_concurrency
    1
    """
    rank = _rank(os)
    if rank < _R2008R2:
        return LiveMigrationSettings(0, 0, None, None, 0)
    if rank == _R2008R2:
        return LiveMigrationSettings(
            _int("livemigration.MaximumVirtualMachineMigrations.WindowsServer2008R2"),
            0,
            None,
            None,
            _int("livemigration.max_precopy_passes"),
        )
    option_key = "livemigration.VirtualMachineMigrationPerformanceOption"
    passes_key = "livemigration.max_precopy_passes"
    if rank >= _R2012R2:
        option_key += ".WindowsServer2012R2"
        passes_key += ".WindowsServer2012R2"
    parallel: int | None = None
    if clustered and (rank > _R2022 or (rank == _R2022 and updated)):
        parallel = _int("cluster.MaximumParallelMigrations")
    return LiveMigrationSettings(
        MaximumVirtualMachineMigrations=_int("livemigration.MaximumVirtualMachineMigrations"),
        MaximumStorageMigrations=_int("livemigration.MaximumStorageMigrations"),
        VirtualMachineMigrationPerformanceOption=_str(option_key),
        MaximumParallelMigrations=parallel,
        max_precopy_passes=_int(passes_key),
    )


_STOP_ACTIONS: Final = ("Save", "ShutDown", "TurnOff")


def saved_state_reservation(os: str, memory_bytes: int, AutomaticStopAction: str = "Save") -> int:
    """Return the bytes a running VM reserves for its saved-state (.bin/.vmrs) file.

    Parameters
    ----------
    os : str
        Windows Server version of the host.
    memory_bytes : int
        Memory assigned to the VM (for Dynamic Memory, the current assignment).
    AutomaticStopAction : {'Save', 'ShutDown', 'TurnOff'}, optional
        The VM's property; ``Save`` is Hyper-V's default.

    Returns
    -------
    int
        ``memory_bytes`` on Windows Server 2008/2008 R2 (always reserved) and on 2012 and
        later when ``AutomaticStopAction`` is ``Save``; ``0`` otherwise.

    Raises
    ------
    ValueError
        If ``os`` or ``AutomaticStopAction`` is unknown, or ``memory_bytes`` is negative.

    Notes
    -----
    Sources: TechThoughts 'Hyper-V VM BIN file and AutomaticStopAction'; The Full Circle
    'Hyper-V BIN file removal and reclaiming storage space'; events 3050/3320 in the field
    notes (a 50 GB VM whose 50003 MB memory file did not fit on the CSV).

    Examples
    --------
    >>> saved_state_reservation("WindowsServer2012R2", 8 * 2**30, "ShutDown")
    0
    """
    if AutomaticStopAction not in _STOP_ACTIONS:
        raise ValueError(
            f"unknown AutomaticStopAction {AutomaticStopAction!r}; valid values are "
            f"{', '.join(_STOP_ACTIONS)}"
        )
    if memory_bytes < 0:
        raise ValueError(f"memory_bytes must not be negative, got {memory_bytes}")
    if _rank(os) < _R2012:
        return memory_bytes
    return memory_bytes if AutomaticStopAction == "Save" else 0


def replica_frequencies(os: str) -> tuple[int, ...]:
    """Return the replication frequencies (seconds) Hyper-V Replica accepts on ``os``.

    Returns
    -------
    tuple of int
        ``()`` before Windows Server 2012 (no Replica), ``(300,)`` on 2012 (fixed 5 min),
        ``(30, 300, 900)`` from 2012 R2.

    Raises
    ------
    ValueError
        If ``os`` is unknown.
    """
    rank = _rank(os)
    if rank < _R2012:
        return ()
    if rank == _R2012:
        return (_int("replica.ReplicationFrequencySec"),)
    allowed = DEFAULTS["replica.ReplicationFrequencySec.allowed"].value
    assert isinstance(allowed, tuple)
    return allowed


# --- Networks and services ---
def lacp_timeout_ms(LacpTimer: str) -> int:
    """Return the time without LACPDUs after which a partner is declared gone.

    Parameters
    ----------
    LacpTimer : {'Fast', 'Slow'}
        As in ``New-NetLbfoTeam -LacpTimer`` (switches say ``lacp rate fast|slow``).

    Returns
    -------
    int
        3000 ms for ``Fast`` (3 x 1 s), 90000 ms for ``Slow`` (3 x 30 s).

    Raises
    ------
    ValueError
        For any other value.

    Notes
    -----
    Source: IEEE 802.3ad-2000 43.4.4 / 802.1AX-2008 5.4.4 Short_ and Long_Timeout_Time.
    """
    if LacpTimer == "Fast":
        return duration_ms("lacp.short_timeout")
    if LacpTimer == "Slow":
        return duration_ms("lacp.long_timeout")
    raise ValueError(f"unknown LacpTimer {LacpTimer!r}; valid values are Fast, Slow")


@dataclass(frozen=True, slots=True)
class HealthCheckSettings:
    """A load balancer's real-server health check, in milliseconds and counts.

    ``interval_ms`` between checks; each check waits ``timeout_ms``; ``fall`` consecutive
    failures mark a server down and ``rise`` successes mark it up again.
    """

    interval_ms: int
    timeout_ms: int
    fall: int
    rise: int

    @property
    def worst_detection_ms(self) -> int:
        """Return the longest time from a server dying to it being marked down.

        The failure may start just after a successful check, so ``fall`` whole intervals
        pass before the last failing check starts, plus that check's timeout.
        """
        return self.fall * self.interval_ms + self.timeout_ms


def health_check_defaults(product: str) -> HealthCheckSettings:
    """Return the default health check of a load balancer.

    Parameters
    ----------
    product : {'KEMP', 'HAProxy'}
        KEMP/Progress LoadMaster or HAProxy.

    Returns
    -------
    HealthCheckSettings
        KEMP: 9 s interval, 4 s connect timeout, 2 retries, 1 success to come back
        (assumed);
        HAProxy: ``inter`` 2000 ms, ``fall`` 3, ``rise`` 2, the check timeout being
        ``inter`` when ``timeout check`` is not set.

    Raises
    ------
    ValueError
        For any other product.

    Notes
    -----
    Sources: Progress Kemp 'Service (Health) Check Parameters'; HAProxy Configuration
    Manual section 5.2.
    """
    if product == "KEMP":
        return HealthCheckSettings(
            interval_ms=duration_ms("healthcheck.kemp.CheckInterval"),
            timeout_ms=duration_ms("healthcheck.kemp.ConnectTimeout"),
            fall=_int("healthcheck.kemp.RetryCount"),
            rise=_int("healthcheck.kemp.rise"),
        )
    if product == "HAProxy":
        inter = duration_ms("healthcheck.haproxy.inter")
        return HealthCheckSettings(
            interval_ms=inter,
            timeout_ms=inter,
            fall=_int("healthcheck.haproxy.fall"),
            rise=_int("healthcheck.haproxy.rise"),
        )
    raise ValueError(f"unknown load balancer {product!r}; valid products are KEMP, HAProxy")


# --- The generated table ---
_SECTIONS: Final[tuple[tuple[str, str], ...]] = (
    ("cluster", "Failover cluster"),
    ("csv", "Cluster Shared Volumes"),
    ("hyperv", "Hyper-V host and virtual machines"),
    ("livemigration", "Live migration"),
    ("replica", "Hyper-V Replica"),
    ("dns", "DNS client in the guest"),
    ("smb", "SMB 3 transparent failover"),
    ("lbfo", "Windows NIC Teaming (LBFO)"),
    ("lacp", "Link aggregation (IEEE 802.1AX LACP)"),
    ("stp", "Spanning tree (IEEE 802.1D / 802.1w / 802.1Q)"),
    ("nic", "NIC advanced properties (NDIS keywords)"),
    ("healthcheck", "Load balancer health checks"),
    ("teaming", "Switch side of switch-dependent teams"),
    ("set", "Switch Embedded Teaming (SET)"),
    ("ovs", "Open vSwitch bonds (reference)"),
    ("sim", "Simulator: random faults"),
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _value(d: Default) -> str:
    v = d.value
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, tuple):
        return ", ".join(str(x) for x in v)
    return str(v)


def render_markdown() -> str:
    """Return ``docs/defaults.md``: every default, its value, source and status.

    Returns
    -------
    str
        Markdown with one table per area (in :data:`DEFAULTS` order) and a list of the
        assumptions with their reasons. Deterministic: the same table gives the same text.
    """
    published = sum(1 for d in DEFAULTS.values() if not d.assumption)
    assumed = len(DEFAULTS) - published
    lines = [
        "# Modelled defaults and their sources",
        "",
        "<!-- Generated by hvlab.defaults.render_markdown(); do not edit by hand. -->",
        "<!-- Regenerate with: python -m hvlab.defaults > docs/defaults.md -->",
        "",
        "Every timer and default hvlab models, the value it uses, what the value applies to,",
        "and the page or standard it was checked against. Values are in the unit of their",
        "source; the simulator converts durations to integer milliseconds. Entries marked",
        "**assumption** have no published value: hvlab chose one, says why, and shows the",
        "assumption in its output. Any of them can be overridden in the lab file.",
        "",
        f"{len(DEFAULTS)} defaults: {published} published, {assumed} assumptions.",
    ]
    for area, title in _SECTIONS:
        rows = [d for d in DEFAULTS.values() if d.key.split(".", 1)[0] == area]
        if not rows:
            continue
        lines += [
            "",
            f"## {title}",
            "",
            "| Key | Value | Unit | Applies to | Status | Note | Source |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for d in rows:
            status = "**assumption**" if d.assumption else "published"
            lines.append(
                f"| `{d.key}` | {_cell(_value(d))} | {d.unit} | {_cell(d.applies_to)} | "
                f"{status} | {_cell(d.note)} | {_cell(d.source)} |"
            )
    lines += ["", "## Assumptions", ""]
    for d in DEFAULTS.values():
        if d.assumption:
            lines.append(f"- `{d.key}` = {_value(d)} {d.unit}: {d.note}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(render_markdown())
