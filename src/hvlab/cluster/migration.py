"""How long live, storage and shared-nothing migrations take, and how long a drain takes.

Live migration (pre-copy)
    Pass 1 copies all of the VM's memory; each next pass copies the pages dirtied during
    the previous pass. Pre-copy stops when what remains can be sent within
    ``livemigration.precopy_stop`` (an assumption), or after the maximum number of passes
    (10 on 2008 R2/2012, 5 from 2012 R2: published). The VM is then paused, the remainder
    and the device state are sent and it resumes on the target: the blackout is
    ``livemigration.switchover`` plus the remainder at the migration rate.
Rate
    ``TCPIP``: the network's bandwidth (one TCP stream: one NIC or team member).
    ``Compression`` (default from 2012 R2): wire bandwidth x ``compression_ratio``, capped
    by what idle CPU compresses (``compression_throughput``). ``SMB``: SMB Multichannel
    over every RDMA NIC (the sum of their bandwidths), limited by the cluster's SMB
    bandwidth limit on clustered 2022 (2022-09 CU) and 2025. Concurrent migrations share
    the bandwidth equally.
Drain
    A node's VMs leave in priority order, ``MaximumVirtualMachineMigrations`` at a time
    (cluster-wide ``MaximumParallelMigrations`` = 1 on 2022 updated/2025); VMs whose
    priority is below the VM resource type's ``MoveTypeThreshold`` (2000: Low and
    NoAutoStart) are quick-migrated (saved, moved, restored) instead of live-migrated.

Every assumption has a key that ``lab.timers`` overrides; every result lists the keys of
the assumptions it used.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from hvlab.cluster.membership import host_os, lab_ms, lab_value, os_rank
from hvlab.cluster.placement import PRIORITY
from hvlab.defaults import DEFAULTS, get_default, live_migration_defaults
from hvlab.model.cluster import Cluster
from hvlab.model.lab import Lab
from hvlab.model.vm import VirtualMachine

__all__ = [
    "DrainItem",
    "DrainResult",
    "LiveMigrationResult",
    "MigrationRate",
    "Pass",
    "PreCopy",
    "SharedNothingResult",
    "StorageMigrationResult",
    "disk_bytes",
    "drain",
    "live_migration",
    "migration_rate",
    "precopy",
    "shared_nothing_migration",
    "storage_migration",
]

Option = Literal["TCPIP", "Compression", "SMB"]

PRECOPY_STOP: Final = get_default("livemigration.precopy_stop")
COMPRESSION_THROUGHPUT: Final = get_default("livemigration.compression_throughput")
SETUP: Final = get_default("livemigration.setup")
MOVE_TYPE_THRESHOLD: Final = get_default("cluster.MoveTypeThreshold")
SAVE_RESTORE_THROUGHPUT: Final = get_default("hyperv.save_restore_throughput")
"""Defaults this module needs that :mod:`hvlab.defaults` does not have yet."""

_MIB: Final = 2**20


def _ceil_ms(nbytes: int, rate: int) -> int:
    """Return the ms to move ``nbytes`` at ``rate`` bytes/s (rounded up)."""
    return -(-nbytes * 1000 // rate)


@dataclass(frozen=True, slots=True)
class Pass:
    """One memory copy pass: its number, the bytes it copied and how long it took."""

    number: int
    bytes: int
    duration_ms: int


@dataclass(frozen=True, slots=True)
class PreCopy:
    """The pre-copy passes and the blackout of one live migration."""

    passes: tuple[Pass, ...]
    converged: bool
    remaining: int
    blackout_ms: int
    total_ms: int


def precopy(
    memory: int,
    dirty_rate: int,
    rate: int,
    *,
    max_passes: int,
    stop_ms: int,
    switchover_ms: int,
    setup_ms: int = 0,
) -> PreCopy:
    """Return the pre-copy passes of a live migration (integer arithmetic, deterministic).

    Parameters
    ----------
    memory : int
        Bytes of guest memory.
    dirty_rate : int
        Bytes of memory the guest dirties per second.
    rate : int
        Bytes of guest memory moved per second (> 0).
    max_passes : int
        Memory copy passes before the VM is paused whatever remains.
    stop_ms : int
        Pre-copy ends once the remainder can be sent within this time.
    switchover_ms : int
        Fixed part of the blackout (pause, device state, resume, reverse ARP).
    setup_ms : int
        Time before the first pass.

    Returns
    -------
    PreCopy
        ``blackout_ms`` = switchover + remainder at ``rate``; ``total_ms`` = setup + passes
        + blackout. Pages dirtied during a pass are at most the memory size.
    """
    if rate <= 0:
        raise ValueError(f"rate must be positive, got {rate}")
    if memory < 0 or dirty_rate < 0:
        raise ValueError("memory and dirty_rate must not be negative")
    remaining = memory
    passes: list[Pass] = []
    converged = False
    for number in range(1, max(1, max_passes) + 1):
        duration = _ceil_ms(remaining, rate)
        passes.append(Pass(number, remaining, duration))
        remaining = min(memory, dirty_rate * duration // 1000)
        if _ceil_ms(remaining, rate) <= stop_ms:
            converged = True
            break
    blackout = switchover_ms + _ceil_ms(remaining, rate)
    total = setup_ms + sum(p.duration_ms for p in passes) + blackout
    return PreCopy(tuple(passes), converged, remaining, blackout, total)


@dataclass(frozen=True, slots=True)
class MigrationRate:
    """The memory bytes per second one migration moves, and how that was worked out."""

    option: Option
    rate: int
    explanation: str
    assumptions: tuple[str, ...]


def _option(os: str, wanted: str | None, notes: list[str]) -> Option:
    rank = os_rank(os)
    if wanted is None:
        default = live_migration_defaults(os).VirtualMachineMigrationPerformanceOption
        chosen = default or "TCPIP"
    else:
        chosen = wanted
    options: dict[str, Option] = {"TCPIP": "TCPIP", "Compression": "Compression", "SMB": "SMB"}
    if chosen not in options:
        raise ValueError(f"unknown performance option {chosen!r}; use TCPIP, Compression or SMB")
    if chosen != "TCPIP" and rank < os_rank("WindowsServer2012R2"):
        notes.append(f"{chosen} needs Windows Server 2012 R2; {os} uses TCPIP")
        return "TCPIP"
    return options[chosen]


def migration_rate(
    lab: Lab | None,
    *,
    bandwidth_bps: int,
    os: str,
    option: str | None = None,
    concurrent: int = 1,
    rdma_bps: Iterable[int] = (),
    clustered: bool = True,
) -> MigrationRate:
    """Return the guest-memory bytes per second one of ``concurrent`` migrations moves.

    Parameters
    ----------
    lab : Lab or None
        For overrides of the assumptions (``livemigration.compression_ratio``,
        ``livemigration.compression_throughput``, ``cluster.SMBBandwidthLimitFactor``).
    bandwidth_bps : int
        Bandwidth of the live-migration network (bit/s).
    os : str
    option : {'TCPIP', 'Compression', 'SMB'}, optional
        ``VirtualMachineMigrationPerformanceOption`` (default: the OS's).
    concurrent : int
        Migrations sharing the network and the compression CPU.
    rdma_bps : iterable of int
        Bandwidth of each RDMA NIC; with ``SMB`` their sum replaces ``bandwidth_bps``
        (SMB Multichannel + SMB Direct).
    clustered : bool
        Clustered 2022 (updated) and 2025 hosts apply the cluster's SMB bandwidth limit.

    Notes
    -----
    Sources: "Faster Live Migration with Compression in Windows Server 2012 R2" and "...with
    RDMA" (Virtual PC Guy); ITPro Today "When to use SMB Live Migration" (TCP/IP and
    Compression use one NIC per migration, SMB all of them); hciharrison "New Cluster
    Parameters for Live Migration" (SetSMBBandwidthLimit, SMBBandwidthLimitFactor 2500).
    """
    if concurrent < 1:
        raise ValueError(f"concurrent must be at least 1, got {concurrent}")
    notes: list[str] = []
    used: list[str] = []
    chosen = _option(os, option, notes)
    if chosen == "SMB":
        nics = list(rdma_bps)
        total = sum(nics) if nics else bandwidth_bps
        what = f"SMB over {len(nics)} RDMA NIC(s), {total} bit/s" if nics else f"SMB, {total} bit/s"
        rank = os_rank(os)
        if clustered and rank >= os_rank("WindowsServer2022"):
            factor = int(lab_value(lab, DEFAULTS["cluster.SMBBandwidthLimitFactor"]))
            total = total * (10_000 - factor) // 10_000
            what += f", less the cluster's SMBBandwidthLimitFactor {factor} (/10000)"
        rate = total // concurrent // 8
    elif chosen == "Compression":
        ratio = float(lab_value(lab, DEFAULTS["livemigration.compression_ratio"]))
        cpu = round(float(lab_value(lab, COMPRESSION_THROUGHPUT)) * _MIB)
        wire = bandwidth_bps // concurrent // 8
        rate = min(int(wire * ratio), cpu // concurrent)
        used += ["livemigration.compression_ratio", COMPRESSION_THROUGHPUT.key]
        what = (
            f"Compression: {wire} B/s on the wire x ratio {ratio:g}, capped at "
            f"{cpu // concurrent} B/s of CPU"
        )
    else:
        rate = bandwidth_bps // concurrent // 8
        what = f"TCPIP, {bandwidth_bps} bit/s"
    if concurrent > 1:
        what += f", shared by {concurrent} concurrent migrations"
    return MigrationRate(chosen, rate, "; ".join([what, *notes]), tuple(used))


@dataclass(frozen=True, slots=True)
class LiveMigrationResult:
    """One live migration.

    Attributes
    ----------
    vm : str
    ok : bool
        ``False`` when no network path exists or nothing can be sent.
    option : str
    rate : int
        Guest-memory bytes per second.
    memory, dirty_rate : int
        Bytes moved in pass 1; bytes dirtied per second.
    passes : tuple of Pass
    converged : bool
        Whether pre-copy got below ``livemigration.precopy_stop`` before the pass limit.
    blackout_ms, total_ms : int
        VM pause; setup to resume on the target.
    reason : str
    assumptions : tuple of str
        Keys of the assumptions used (override them under ``timers:``).
    """

    vm: str
    ok: bool
    option: str
    rate: int
    memory: int
    dirty_rate: int
    passes: tuple[Pass, ...]
    converged: bool
    blackout_ms: int
    total_ms: int
    reason: str
    assumptions: tuple[str, ...]


def _vm(lab: Lab, vm: VirtualMachine | str) -> VirtualMachine:
    return lab.vms[vm] if isinstance(vm, str) else vm


def _max_passes(lab: Lab, os: str) -> int:
    key = "livemigration.max_precopy_passes"
    if os_rank(os) >= os_rank("WindowsServer2012R2"):
        key += ".WindowsServer2012R2"
    timers = lab.timers
    if "livemigration.max_precopy_passes" in timers and key not in timers:
        return int(lab_value(lab, DEFAULTS["livemigration.max_precopy_passes"]))
    return int(lab_value(lab, DEFAULTS[key]))


def live_migration(
    lab: Lab,
    vm: VirtualMachine | str,
    *,
    bandwidth_bps: int,
    os: str | None = None,
    option: str | None = None,
    concurrent: int = 1,
    rdma_bps: Iterable[int] = (),
    path_up: bool = True,
    clustered: bool = True,
) -> LiveMigrationResult:
    """Return how long live-migrating ``vm`` takes and how long it is paused.

    Parameters
    ----------
    bandwidth_bps : int
        Bandwidth of the chosen live-migration network (bit/s).
    os : str, optional
        Windows version of the source host (default: the VM's host's).
    option, concurrent, rdma_bps, clustered
        See :func:`migration_rate`.
    path_up : bool
        Whether the live-migration network connects source and target; ``False`` makes the
        migration fail (the VM keeps running on the source).

    Notes
    -----
    Memory: the VM's startup memory (for Dynamic Memory the assigned memory is not in the
    model). Dirty rate: ``vm.dirty_rate`` or ``livemigration.dirty_rate`` (assumption).
    Sources: Directions on Microsoft "Live Migration Switch Over" (copy until done or 10
    passes, 2008 R2); Savill, "Mastering Windows Server 2016 Hyper-V", ch. 7 (five passes
    from 2012 R2; the final pause is milliseconds).
    """
    machine = _vm(lab, vm)
    version = os or (host_os(lab, machine.host) if machine.host else "WindowsServer2012R2")
    if os_rank(version) < os_rank("WindowsServer2008R2"):
        return LiveMigrationResult(
            machine.name, False, "none", 0, machine.memory.startup, 0, (), False, 0, 0,
            "Windows Server 2008 has Quick Migration only", (),
        )  # fmt: skip
    used = {PRECOPY_STOP.key, "livemigration.switchover", SETUP.key}
    if machine.dirty_rate is not None:
        dirty = machine.dirty_rate
    else:
        dirty = round(float(lab_value(lab, DEFAULTS["livemigration.dirty_rate"])) * _MIB)
        used.add("livemigration.dirty_rate")
    memory = machine.memory.startup
    rate = migration_rate(
        lab,
        bandwidth_bps=bandwidth_bps,
        os=version,
        option=option,
        concurrent=concurrent,
        rdma_bps=rdma_bps,
        clustered=clustered,
    )
    used.update(rate.assumptions)
    keys = tuple(sorted(k for k in used if _assumed(k)))
    if not path_up or rate.rate <= 0:
        why = (
            "no network path between source and target on the live-migration networks"
            if not path_up
            else "the live-migration network has no bandwidth"
        )
        return LiveMigrationResult(
            machine.name, False, rate.option, rate.rate, memory, dirty, (), False, 0, 0,
            f"live migration fails: {why}; the VM keeps running on the source", keys,
        )  # fmt: skip
    result = precopy(
        memory,
        dirty,
        rate.rate,
        max_passes=_max_passes(lab, version),
        stop_ms=lab_ms(lab, PRECOPY_STOP),
        switchover_ms=lab_ms(lab, DEFAULTS["livemigration.switchover"]),
        setup_ms=lab_ms(lab, SETUP),
    )
    ending = (
        "pre-copy converged"
        if result.converged
        else f"pass limit ({len(result.passes)}) reached with {result.remaining} bytes dirty"
    )
    return LiveMigrationResult(
        vm=machine.name,
        ok=True,
        option=rate.option,
        rate=rate.rate,
        memory=memory,
        dirty_rate=dirty,
        passes=result.passes,
        converged=result.converged,
        blackout_ms=result.blackout_ms,
        total_ms=result.total_ms,
        reason=f"{rate.explanation}; {len(result.passes)} pass(es), {ending}",
        assumptions=keys,
    )


def _assumed(key: str) -> bool:
    return DEFAULTS[key].assumption


@dataclass(frozen=True, slots=True)
class DrainItem:
    """One VM leaving a drained node: how, when (ms from the drain) and its downtime."""

    vm: str
    method: Literal["live", "quick", "none"]
    start_ms: int
    end_ms: int
    downtime_ms: int
    reason: str


@dataclass(frozen=True, slots=True)
class DrainResult:
    """Evacuating a node (``Suspend-ClusterNode -Drain``)."""

    node: str
    concurrency: int
    items: tuple[DrainItem, ...]
    total_ms: int
    assumptions: tuple[str, ...]


def _concurrency(lab: Lab, cluster: Cluster | None, os: str, clustered: bool) -> int:
    if cluster is not None and cluster.live_migration.max_migrations is not None:
        return cluster.live_migration.max_migrations
    settings = live_migration_defaults(os, clustered=clustered)
    return max(1, settings.effective_concurrency)


def drain(
    lab: Lab,
    node: str,
    *,
    bandwidth_bps: int,
    option: str | None = None,
    rdma_bps: Iterable[int] = (),
    path_up: bool = True,
    save_restore_bps: int | None = None,
) -> DrainResult:
    """Return how long evacuating every running VM of ``node`` takes.

    VMs leave in priority order (High first, then lab order), at most the node's
    concurrency limit at a time (the cluster's ``live_migration.max_migrations``, else
    :func:`hvlab.defaults.live_migration_defaults` ``effective_concurrency``). A slot
    takes the next VM as soon as it frees (list scheduling). Bandwidth is divided equally
    among the slots in use (``min(limit, VMs)``), a simplification of TCP sharing.
    VMs whose priority is below ``cluster.MoveTypeThreshold`` are quick-migrated: saved to
    their CSV, moved, restored — down for two passes over their memory at
    ``hyperv.save_restore_throughput`` (or ``save_restore_bps``). With no network path
    live migrations fail and those VMs stay (the drain does not complete).
    """
    version = host_os(lab, node)
    vms = [vm for vm in lab.vms.values() if vm.host == node and vm.state in ("Running", "Paused")]
    order = {n: i for i, n in enumerate(lab.vms)}
    vms.sort(key=lambda v: (-PRIORITY[v.priority], order[v.name]))
    cluster = next(
        (c for c in lab.clusters.values() if node in c.nodes),
        None,
    )
    clustered = cluster is not None
    limit = _concurrency(lab, cluster, version, clustered)
    threshold = int(lab_value(lab, MOVE_TYPE_THRESHOLD))
    modern = os_rank(version) >= os_rank("WindowsServer2012")
    used: set[str] = set()
    if save_restore_bps is None:
        save_rate = round(float(lab_value(lab, SAVE_RESTORE_THROUGHPUT)) * _MIB)
        quick_keys = {SAVE_RESTORE_THROUGHPUT.key}
    else:
        save_rate = save_restore_bps // 8
        quick_keys = set()

    def quick_migrates(vm: VirtualMachine) -> bool:
        if os_rank(version) < os_rank("WindowsServer2008R2"):
            return True
        return modern and PRIORITY[vm.priority] < threshold

    share = min(limit, sum(not quick_migrates(vm) for vm in vms)) or 1
    slots = [0] * limit
    items: list[DrainItem] = []
    for vm in vms:
        slot = min(range(limit), key=lambda i: (slots[i], i))
        start = slots[slot]
        if quick_migrates(vm):
            if save_rate <= 0:
                raise ValueError("save/restore throughput must be positive")
            used.update(quick_keys)
            down = 2 * _ceil_ms(vm.memory.startup, save_rate)
            items.append(
                DrainItem(
                    vm.name,
                    "quick",
                    start,
                    start + down,
                    down,
                    f"Priority {vm.priority} ({PRIORITY[vm.priority]}) below MoveTypeThreshold "
                    f"{threshold}: quick migration (save, move, restore)",
                )
            )
            slots[slot] = start + down
            continue
        result = live_migration(
            lab,
            vm,
            bandwidth_bps=bandwidth_bps,
            os=version,
            option=option,
            concurrent=share,
            rdma_bps=rdma_bps,
            path_up=path_up,
            clustered=clustered,
        )
        used.update(result.assumptions)
        if not result.ok:
            items.append(DrainItem(vm.name, "none", start, start, 0, result.reason))
            continue
        items.append(
            DrainItem(
                vm.name,
                "live",
                start,
                start + result.total_ms,
                result.blackout_ms,
                result.reason,
            )
        )
        slots[slot] = start + result.total_ms
    total = max((i.end_ms for i in items), default=0)
    return DrainResult(node, limit, tuple(items), total, tuple(sorted(used)))


@dataclass(frozen=True, slots=True)
class StorageMigrationResult:
    """Moving a running VM's files (``Move-VMStorage``): bytes copied and time taken."""

    vm: str
    bytes: int
    duration_ms: int
    reason: str


def disk_bytes(vm: VirtualMachine) -> int:
    """Return the bytes of ``vm``'s virtual disks that a copy moves: a fixed VHD's size,
    a dynamic one's ``used`` (its size when unknown)."""
    total = 0
    for vhd in vm.vhds:
        if vhd.type == "Fixed" or vhd.used is None:
            total += vhd.size
        else:
            total += vhd.used
    return total


def storage_migration(
    lab: Lab,
    vm: VirtualMachine | str,
    *,
    storage_bps: int,
    extra_bytes: int = 0,
) -> StorageMigrationResult:
    """Return how long storage live migration of ``vm`` takes at ``storage_bps``.

    Bytes: each VHD's ``used`` (its ``size`` for fixed disks or when ``used`` is unknown)
    plus ``extra_bytes`` (configuration, snapshots). Writes made during the copy are
    mirrored to source and destination (Windows Server 2012 storage migration), so no
    second pass is needed; the switch to the new files is not modelled as downtime.
    """
    machine = _vm(lab, vm)
    if storage_bps <= 0:
        raise ValueError(f"storage_bps must be positive, got {storage_bps}")
    nbytes = disk_bytes(machine) + extra_bytes
    duration = _ceil_ms(nbytes, storage_bps // 8 or 1)
    return StorageMigrationResult(
        machine.name,
        nbytes,
        duration,
        f"{nbytes} bytes of virtual disks at {storage_bps} bit/s; writes mirrored during the copy",
    )


@dataclass(frozen=True, slots=True)
class SharedNothingResult:
    """Shared-nothing live migration: the disks over the network, then the memory."""

    vm: str
    ok: bool
    disk: StorageMigrationResult | None
    memory: LiveMigrationResult
    total_ms: int
    reason: str


def shared_nothing_migration(
    lab: Lab,
    vm: VirtualMachine | str,
    *,
    bandwidth_bps: int,
    os: str | None = None,
    option: str | None = None,
    rdma_bps: Iterable[int] = (),
    path_up: bool = True,
) -> SharedNothingResult:
    """Return a live migration without shared storage (Windows Server 2012+).

    The virtual disks cross the network first (storage migration with mirrored writes, at
    the network's bandwidth), then memory moves as in :func:`live_migration`. Both need a
    network path between the hosts.
    """
    machine = _vm(lab, vm)
    memory = live_migration(
        lab,
        machine,
        bandwidth_bps=bandwidth_bps,
        os=os,
        option=option,
        rdma_bps=rdma_bps,
        path_up=path_up,
        clustered=False,
    )
    version = os or (host_os(lab, machine.host) if machine.host else "WindowsServer2012R2")
    if os_rank(version) < os_rank("WindowsServer2012"):
        return SharedNothingResult(
            machine.name, False, None, memory, 0, "shared-nothing live migration needs 2012"
        )
    if not memory.ok or bandwidth_bps <= 0:
        return SharedNothingResult(machine.name, False, None, memory, 0, memory.reason)
    disk = storage_migration(lab, machine, storage_bps=bandwidth_bps)
    total = disk.duration_ms + memory.total_ms
    return SharedNothingResult(
        machine.name,
        True,
        disk,
        memory,
        total,
        f"disks {disk.duration_ms} ms, then memory {memory.total_ms} ms",
    )
