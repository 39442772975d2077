"""Saved-state space on Cluster Shared Volumes, and CSV redirected access.

Saved state (events 3050/3320)
    A running VM reserves a memory contents file (``.bin``; ``.vmrs`` from Windows Server
    2016) as large as its memory, on the volume holding its configuration — its CSV, not
    its host. Windows Server 2008/2008 R2 always reserve it; 2012 and later only when
    ``AutomaticStopAction`` is ``Save`` (the default), see
    :func:`hvlab.defaults.saved_state_reservation`. When the file cannot be created the VM
    does not start, and the ``Microsoft-Windows-Hyper-V-Worker-Admin`` log records events
    3050 and 3320 (field notes: a 50 GB VM failed on a CSV with less free space, 40 GB
    started).
Redirected access
    A node that loses its path to a CSV's disk keeps using the volume through the
    coordinator node, over the network: ``BlockRedirected`` (reason ``NoDiskConnectivity``)
    from Windows Server 2012, "redirected access" on 2008 R2. Volumes with an incompatible
    file-system filter (the anti-virus case of the field notes) or a backup in progress
    are ``FileSystemRedirected`` on every node. Redirected I/O is limited by the CSV
    network, whose bandwidth the caller gives.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Final, Literal

from hvlab.cluster.membership import CLUSTER_ROLES, host_os, os_rank
from hvlab.cluster.placement import PRIORITY
from hvlab.defaults import DEFAULTS, saved_state_reservation
from hvlab.model.cluster import Cluster
from hvlab.model.lab import Lab
from hvlab.model.vm import VirtualMachine

__all__ = [
    "EVENT_3050",
    "EVENT_3320",
    "CsvAccess",
    "CsvFailover",
    "CsvUsage",
    "HyperVEvent",
    "NodeCsvAccess",
    "NodeFailureStorage",
    "StartCheck",
    "can_start",
    "csv_access",
    "csv_network",
    "csv_usage",
    "node_failure_storage",
    "reservation",
    "saved_state_path",
    "vm_id",
    "worst_node_failure",
]

EVENT_3050: Final = (
    "'{vm}' could not initialize memory: There is not enough space on the disk. "
    "(0x80070070). (Virtual machine ID {id})"
)
"""Event 3050 as recorded in the field notes (typographic quotes and ``×`` made ASCII)."""

EVENT_3320: Final = (
    "'{vm}' failed to create memory contents file '{path}' of size {mb} MB. "
    "(Virtual machine ID {id})"
)
"""Event 3320 as recorded in the field notes."""

_LOG: Final = "Microsoft-Windows-Hyper-V-Worker-Admin"
_SOURCE: Final = "Microsoft-Windows-Hyper-V-Worker"
_CONSUMES: Final = frozenset({"Running", "Paused"})

DynamicBasis = Literal["startup", "maximum"]


@dataclass(frozen=True, slots=True)
class HyperVEvent:
    """A Windows event as hvlab predicts it (log, source, id, level, message)."""

    log: str
    source: str
    event_id: int
    level: str
    message: str


def vm_id(lab: Lab, vm: VirtualMachine) -> str:
    """Return the VM's ID (``vm_id``), or a stable made-up one (uuid5 of lab and VM name)."""
    if vm.vm_id:
        return vm.vm_id.upper()
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"hvlab:{lab.name}:{vm.name}")).upper()


def saved_state_path(lab: Lab, vm: VirtualMachine, os: str) -> str:
    """Return where the memory contents file lives on the VM's CSV.

    ``C:\\ClusterStorage\\<csv>\\<vm>\\Virtual Machines\\<ID>\\<ID>.bin`` (2008–2012 R2, as in
    the field notes); ``...\\Virtual Machines\\<ID>.vmrs`` from 2016 (new file format).
    """
    ident = vm_id(lab, vm)
    root = f"C:\\ClusterStorage\\{vm.storage}\\{vm.name}\\Virtual Machines"
    if os_rank(os) >= os_rank("WindowsServer2016"):
        return f"{root}\\{ident}.vmrs"
    return f"{root}\\{ident}\\{ident}.bin"


def _vm_os(lab: Lab, vm: VirtualMachine) -> str:
    return host_os(lab, vm.host) if vm.host else (lab.defaults.os or "WindowsServer2012R2")


def reservation(
    lab: Lab,
    vm: VirtualMachine,
    *,
    os: str | None = None,
    dynamic: DynamicBasis = "startup",
) -> int:
    """Return the bytes ``vm`` reserves on its storage while running.

    Parameters
    ----------
    os : str, optional
        Windows version of the host it runs on (default: its ``host``'s).
    dynamic : {'startup', 'maximum'}
        For Dynamic Memory VMs, the file follows the assigned memory: ``startup`` is what
        it needs to start, ``maximum`` the worst case once it has grown (KB 2504962: Dynamic
        Memory stops adding memory when the file cannot grow).

    Notes
    -----
    :func:`hvlab.defaults.saved_state_reservation`: memory on 2008/2008 R2; on 2012+
    memory when ``AutomaticStopAction`` is ``Save``, else 0.
    """
    memory = vm.memory.startup
    if dynamic == "maximum" and vm.memory.dynamic and vm.memory.maximum is not None:
        memory = vm.memory.maximum
    return saved_state_reservation(os or _vm_os(lab, vm), memory, vm.automatic_stop_action)


@dataclass(frozen=True, slots=True)
class CsvUsage:
    """Space on one CSV: written data plus the saved-state reservations of its running VMs.

    Attributes
    ----------
    csv : str
    size, used : int
        Bytes. ``used`` here is everything except the running VMs' reservations. A
        lab's ``used`` is what the volume reports, files included (``Csv``); callers
        holding a lab subtract :attr:`reservations` first (:mod:`hvlab.rules.storage`
        does), the simulator works from the volume's figure directly.
    reservations : int
        Sum of the running VMs' saved-state reservations on this CSV.
    free : int
        ``size - used - reservations`` (negative: over-committed).
    vms : tuple of (str, int)
        Each running VM stored here and its reservation.
    """

    csv: str
    size: int
    used: int
    reservations: int
    free: int
    vms: tuple[tuple[str, int], ...]


def csv_usage(
    lab: Lab,
    cluster: Cluster | str,
    *,
    dynamic: DynamicBasis = "startup",
    exclude: Collection[str] = (),
) -> tuple[CsvUsage, ...]:
    """Return the usage of every CSV of ``cluster`` (in lab order).

    ``exclude`` names VMs whose reservation is left out (the VM being checked).
    """
    clu = lab.clusters[cluster] if isinstance(cluster, str) else cluster
    skip = set(exclude)
    out: list[CsvUsage] = []
    for csv in clu.csvs.values():
        vms = tuple(
            (vm.name, reservation(lab, vm, dynamic=dynamic))
            for vm in lab.vms.values()
            if vm.cluster == clu.name
            and vm.storage == csv.name
            and vm.state in _CONSUMES
            and vm.name not in skip
        )
        reserved = sum(b for _, b in vms)
        out.append(
            CsvUsage(csv.name, csv.size, csv.used, reserved, csv.size - csv.used - reserved, vms)
        )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class StartCheck:
    """Whether a VM can create its memory contents file and start.

    Attributes
    ----------
    vm : str
    ok : bool or None
        ``None`` when hvlab cannot tell (storage not a CSV of the cluster).
    csv : str or None
    needed, free : int
        Bytes the file needs and bytes free on the CSV for it.
    events : tuple of HyperVEvent
        3050 and 3320 when it cannot start.
    reason : str
    """

    vm: str
    ok: bool | None
    csv: str | None
    needed: int
    free: int
    events: tuple[HyperVEvent, ...]
    reason: str


def _cluster_of(lab: Lab, vm: VirtualMachine) -> Cluster | None:
    return lab.clusters.get(vm.cluster) if vm.cluster else None


def _events(lab: Lab, vm: VirtualMachine, os: str, needed: int) -> tuple[HyperVEvent, ...]:
    ident = vm_id(lab, vm)
    mb = math.ceil(needed / 2**20)
    return (
        HyperVEvent(_LOG, _SOURCE, 3050, "Error", EVENT_3050.format(vm=vm.name, id=ident)),
        HyperVEvent(
            _LOG,
            _SOURCE,
            3320,
            "Error",
            EVENT_3320.format(vm=vm.name, path=saved_state_path(lab, vm, os), mb=mb, id=ident),
        ),
    )


def can_start(
    lab: Lab,
    vm: VirtualMachine | str,
    *,
    os: str | None = None,
    free: int | None = None,
) -> StartCheck:
    """Return whether ``vm`` can start as far as its saved-state file is concerned.

    Parameters
    ----------
    vm : VirtualMachine or str
    os : str, optional
        Windows version of the host it starts on (default: its ``host``'s).
    free : int, optional
        Bytes free on its CSV for the file (default: size − used − reservations of the
        *other* running VMs stored there).

    Returns
    -------
    StartCheck
        Not ok, with events 3050 and 3320, when the file does not fit.

    Notes
    -----
    Field notes ("Assigning Large Memory To Virtual Machine Fails: Event ID 3320 & 3050"):
    the BIN file "requires the same disk space as the amount of physical memory assigned";
    a 50 GB VM failed with both events on a CSV without that much free space, 40 GB
    worked. The file size printed in 3320 is ``ceil(bytes / 2**20)`` MB (the field notes
    show 50003 MB for a VM sized "50 GB" in VMM; the few MB above an even 50 000 are not
    modelled).
    """
    machine = lab.vms[vm] if isinstance(vm, str) else vm
    version = os or _vm_os(lab, machine)
    needed = reservation(lab, machine, os=version)
    clu = _cluster_of(lab, machine)
    if needed == 0:
        return StartCheck(
            machine.name,
            True,
            machine.storage,
            0,
            free or 0,
            (),
            f"no saved-state reservation (AutomaticStopAction {machine.automatic_stop_action} "
            f"on {version})",
        )
    if clu is None or machine.storage not in clu.csvs:
        return StartCheck(
            machine.name,
            None,
            None,
            needed,
            free or 0,
            (),
            f"storage {machine.storage!r} is not a CSV of the VM's cluster: free space unknown",
        )
    if free is None:
        usage = {u.csv: u for u in csv_usage(lab, clu, exclude=(machine.name,))}
        free = usage[machine.storage].free
    if needed <= free:
        return StartCheck(
            machine.name,
            True,
            machine.storage,
            needed,
            free,
            (),
            f"memory contents file of {needed} bytes fits in {free} bytes free on "
            f"{machine.storage}",
        )
    return StartCheck(
        machine.name,
        False,
        machine.storage,
        needed,
        free,
        _events(lab, machine, version, needed),
        f"memory contents file of {needed} bytes does not fit in {free} bytes free on "
        f"{machine.storage}: the VM does not start (events 3050, 3320)",
    )


@dataclass(frozen=True, slots=True)
class CsvFailover:
    """One CSV when a node's VMs fail over.

    Attributes
    ----------
    csv : str
    free_before : int
        Free bytes with every VM running.
    released : int
        Reservations of the failed node's VMs stored here (freed when they stop).
    required : int
        Reservations they need again to restart (on their new hosts' Windows version).
    free_after : int
        ``free_before + released - required`` of the VMs that could restart.
    cannot_start : tuple of StartCheck
        VMs that do not fit any more, in restart order, with their events.
    """

    csv: str
    free_before: int
    released: int
    required: int
    free_after: int
    cannot_start: tuple[StartCheck, ...]


@dataclass(frozen=True, slots=True)
class NodeFailureStorage:
    """What a node failure does to CSV space, and why it is (almost) nothing."""

    node: str
    csvs: tuple[CsvFailover, ...]
    explanation: str


_EXPLAIN: Final = (
    "The saved-state reservation lives on the VM's CSV, not on its host: a VM that fails "
    "over to another node needs the same file on the same CSV, and the space its stopped "
    "instance held is freed. So a node failure moves no reservation between CSVs. Restarts "
    "fail only where the CSV is already over-committed (data written after the VMs "
    "started), where a restarted Dynamic Memory VM's file is larger than the one it held, "
    "or where the new host's Windows version reserves when the old one did not "
    "(2008/2008 R2 always reserve; 2012+ only for AutomaticStopAction Save)."
)


def node_failure_storage(
    lab: Lab,
    cluster: Cluster | str,
    node: str,
    *,
    targets: Mapping[str, str] | None = None,
) -> NodeFailureStorage:
    """Return, per CSV, whether the VMs of ``node`` can recreate their files to restart.

    Parameters
    ----------
    node : str
        The failed node.
    targets : mapping of str to str, optional
        New host of each VM (from :func:`hvlab.cluster.placement.place`); its Windows
        version decides the reservation. Default: the same version as ``node``.

    Notes
    -----
    VMs restart in priority order (High first), then lab order; each needs its file on its
    CSV at that moment.
    """
    clu = lab.clusters[cluster] if isinstance(cluster, str) else cluster
    lab_order = {n: i for i, n in enumerate(lab.vms)}
    failing = sorted(
        (
            vm
            for vm in lab.vms.values()
            if vm.cluster == clu.name and vm.host == node and vm.state in _CONSUMES
        ),
        key=lambda v: (-PRIORITY[v.priority], lab_order[v.name]),
    )
    usage = {u.csv: u for u in csv_usage(lab, clu)}
    results: list[CsvFailover] = []
    for csv in clu.csvs.values():
        here = [vm for vm in failing if vm.storage == csv.name]
        if not here:
            continue
        before = usage[csv.name].free
        released = sum(reservation(lab, vm) for vm in here)
        room = before + released
        required = 0
        stuck: list[StartCheck] = []
        for vm in here:
            target = (targets or {}).get(vm.name)
            version = host_os(lab, target) if target else _vm_os(lab, vm)
            check = can_start(lab, vm, os=version, free=room)
            if check.ok:
                room -= check.needed
                required += check.needed
            else:
                stuck.append(check)
        results.append(CsvFailover(csv.name, before, released, required, room, tuple(stuck)))
    return NodeFailureStorage(node, tuple(results), _EXPLAIN)


def worst_node_failure(lab: Lab, cluster: Cluster | str) -> tuple[NodeFailureStorage, ...]:
    """Return :func:`node_failure_storage` for every node, worst first.

    Worst: most VMs that cannot restart, then least space left on any CSV, then node order.
    """
    clu = lab.clusters[cluster] if isinstance(cluster, str) else cluster
    rows = [node_failure_storage(lab, clu, n) for n in clu.nodes]
    order = {n: i for i, n in enumerate(clu.nodes)}

    def key(r: NodeFailureStorage) -> tuple[int, int, int]:
        stuck = sum(len(c.cannot_start) for c in r.csvs)
        least = min((c.free_after for c in r.csvs), default=2**63)
        return (-stuck, least, order[r.node])

    return tuple(sorted(rows, key=key))


# --- Redirected access ---------------------------------------------------------------
CsvState = Literal["Direct", "BlockRedirected", "FileSystemRedirected", "Unavailable"]


@dataclass(frozen=True, slots=True)
class NodeCsvAccess:
    """How one node reaches a CSV (``Get-ClusterSharedVolumeState`` ``StateInfo``).

    ``throughput_bps`` bounds redirected I/O (the node's share of the coordinator's CSV
    network); ``None`` for direct I/O (storage fabric, not modelled) and the coordinator.
    """

    node: str
    state: CsvState
    reason: str
    throughput_bps: int | None


@dataclass(frozen=True, slots=True)
class CsvAccess:
    """A CSV's coordinator and every running node's access to it."""

    csv: str
    online: bool
    coordinator: str | None
    nodes: tuple[NodeCsvAccess, ...]
    explanation: str


def csv_network(cluster: Cluster) -> str | None:
    """Return the cluster network CSV traffic prefers: the lowest ``Metric`` with a cluster role.

    Networks without a metric count as the automatic 1000 (no default gateway); ties go
    to the first in the lab. Source: "Designating a Preferred Network for Cluster Shared
    Volumes Communication" (lowest metric carries CSV traffic).
    """
    auto = DEFAULTS["cluster.network.AutoMetric.private"].value
    assert isinstance(auto, int)
    best: tuple[int, int, str] | None = None
    for i, net in enumerate(cluster.networks.values()):
        if net.role not in CLUSTER_ROLES:
            continue
        key = (net.metric if net.metric is not None else auto, i, net.name)
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


StorageUp = Callable[[str, str], bool] | Mapping[str, bool]


def csv_access(
    cluster: Cluster,
    csv: str,
    *,
    storage_up: StorageUp,
    csv_network_bps: int,
    os: str,
    down_nodes: Collection[str] = (),
    file_system_redirected: Collection[str] = (),
    reason_fs: str = "IncompatibleFileSystemFilter",
) -> CsvAccess:
    """Return each running node's access to CSV ``csv``.

    Parameters
    ----------
    storage_up : callable (node, csv) -> bool, or mapping node -> bool
        Whether the node still has a path to the CSV's disk.
    csv_network_bps : int
        Bandwidth of the CSV network (see :func:`csv_network`) at the coordinator.
    os : str
        2012+ redirects a node without a disk path at block level (``BlockRedirected``);
        2008 R2 redirects through the file system.
    file_system_redirected : collection of str
        Nodes whose I/O to this volume is redirected through the file system for another
        reason (``reason_fs``: an incompatible filter driver, a backup, ``FileSystemReFs``).

    Returns
    -------
    CsvAccess
        The coordinator is the CSV's ``owner`` if it is up with a disk path, else the first
        such node in the cluster's order (ownership moves to a node that can see the disk);
        without one the CSV is unavailable. Redirected nodes send their I/O to the
        coordinator over the CSV network and share its bandwidth equally (hvlab's model).
    """
    volume = cluster.csvs[csv]
    down = set(down_nodes)
    up = [n for n in cluster.nodes if n not in down]

    def path(node: str) -> bool:
        if callable(storage_up):
            return storage_up(node, csv)
        return storage_up.get(node, True)

    seeing = [n for n in up if path(n)]
    coordinator = volume.owner if volume.owner in seeing else (seeing[0] if seeing else None)
    if coordinator is None:
        return CsvAccess(
            csv,
            False,
            None,
            tuple(
                NodeCsvAccess(n, "Unavailable", "no node has a path to the disk", None) for n in up
            ),
            "no running node can see the disk: the CSV is offline",
        )
    fs = set(file_system_redirected)
    modern = os_rank(os) >= os_rank("WindowsServer2012")
    states: list[tuple[str, CsvState, str]] = []
    for n in up:
        if not path(n):
            if modern:
                states.append((n, "BlockRedirected", "NoDiskConnectivity"))
            else:
                states.append((n, "FileSystemRedirected", "no disk path (redirected access)"))
        elif n in fs:
            states.append((n, "FileSystemRedirected", reason_fs))
        else:
            states.append((n, "Direct", "disk path up"))
    remote = [n for n, s, _ in states if s != "Direct" and n != coordinator]
    share = csv_network_bps // len(remote) if remote else None
    nodes = tuple(
        NodeCsvAccess(
            n,
            s,
            r,
            share if n in remote else None,
        )
        for n, s, r in states
    )
    moved = "" if coordinator == volume.owner else f" (ownership moved from {volume.owner})"
    explanation = f"coordinator {coordinator}{moved}"
    if remote:
        explanation += (
            f"; {len(remote)} node(s) send I/O to it over the CSV network, "
            f"{share} bit/s each at most"
        )
    return CsvAccess(csv, True, coordinator, nodes, explanation)
