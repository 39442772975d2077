"""HV3xx — storage: saved-state (.bin/.vmrs) space on CSVs, file shares.

Saved state and ``used``
    A running VM keeps a memory contents file as large as its memory on its CSV (always on
    Windows Server 2008/2008 R2; from 2012 only with ``AutomaticStopAction`` Save).
    :mod:`hvlab.cluster.storage` answers the questions, and counts those files of the
    running VMs on top of a CSV's ``used``. The rules read ``used`` as Windows reports it
    (``Get-ClusterSharedVolume``: everything on the volume, the running VMs' files
    included, as the field notes' arithmetic and the large-memory example do) and hand the
    engine a copy of each cluster whose ``used`` has those files taken out, so the
    engine's free space equals ``size - used``.
"""

from __future__ import annotations

from collections.abc import Iterator

from hvlab.model.lab import Lab
from hvlab.model.units import format_bytes
from hvlab.rules.base import Context, Hit
from hvlab.rules.compute import cluster_labs
from hvlab.rules.registry import rule

_NOTE = "Field notes: 'Assigning Large Memory To Virtual Machine Fails: Event ID 3320 & 3050'"
_KB = (
    "KB 2504962, 'Dynamic Memory allocation in a Virtual Machine does not change although "
    "there is available memory on the host' (cited by the field notes)"
)
_BIN = "https://www.techthoughts.info/hyper-v-vm-bin-file-automaticstopaction/"
_BIN_2012 = (
    "https://thefullcircle.com/2019/04/10/hyper-v-bin-file-removal-and-reclaiming-storage-space/"
)
_RUNNING = ("Running", "Paused")


def _storage_labs(ctx: Context) -> dict[str, Lab]:
    """Return cluster → its lab with each CSV's ``used`` less its running VMs' files."""

    def compute() -> dict[str, Lab]:
        from hvlab.cluster.storage import csv_usage

        out: dict[str, Lab] = {}
        for name, sub in cluster_labs(ctx).items():
            cluster = sub.clusters[name]
            if not cluster.csvs:
                continue
            usage = {u.csv: u for u in csv_usage(sub, cluster)}
            csvs = {
                c.name: c.model_copy(update={"used": max(0, c.used - usage[c.name].reservations)})
                for c in cluster.csvs.values()
            }
            clusters = {**sub.clusters, name: cluster.model_copy(update={"csvs": csvs})}
            out[name] = sub.model_copy(update={"clusters": clusters})
        return out

    found: dict[str, Lab] = ctx.cached("storage.labs", compute)
    return found


# When the hosts' Windows version is unknown (an audit without Get-ComputerInfo), a VM's
# memory file is bounded: every version reserves for AutomaticStopAction Save, 2008/2008 R2
# for any action. A rule answers from the bounds when they agree and asks for host_os only
# when they do not.
_ALWAYS = "WindowsServer2008R2"
_SAVE_ONLY = "WindowsServer2012"


def _os_known(ctx: Context) -> bool:
    return "host_os" not in ctx.unknown


def _size(n: int) -> str:
    return format_bytes(n) if n >= 0 else "-" + format_bytes(-n)


@rule(
    "HV301",
    title="A CSV cannot hold the saved state of the VMs stored on it",
    severity="error",
    message=(
        "{cluster}/{csv}: {free} free, but its VMs need {need} more for memory files ({parts})"
    ),
    rationale=(
        "Every VM stored on a CSV needs a memory contents file (.bin, .vmrs from 2016) as "
        "large as its memory there when it runs: 'the BIN file actually requires the same "
        "disk space as the amount of physical memory assigned to a virtual machine' (field "
        "notes). The VMs that are off need theirs when they start, and Dynamic Memory VMs "
        "grow theirs up to their maximum (KB 2504962: memory stops growing when the file "
        "cannot). If the free space cannot hold all of them, some VM fails to start (events "
        "3050/3320) or stops getting memory."
    ),
    fix=(
        "Expand {csv} (the field notes: 'we still needed to expand the LUNS'), move VMs to "
        "another CSV, or (2012+) set AutomaticStopAction ShutDown on VMs that need no "
        "saved state."
    ),
    references=(_NOTE, _KB),
)
def csv_saved_state(ctx: Context) -> Iterator[Hit]:
    """Fire for each CSV whose free space is less than its VMs' missing saved-state files."""
    ctx.require("vm_settings")
    from hvlab.cluster.storage import csv_usage, reservation

    known = _os_known(ctx)
    for name, sub in _storage_labs(ctx).items():
        cluster = sub.clusters[name]
        free_of = {u.csv: u.free for u in csv_usage(sub, cluster)}
        # per CSV, per OS assumption (None: the hosts' own): [(what, VM, bytes)]
        needs: dict[str | None, dict[str, list[tuple[str, str, int]]]] = {}
        for os in (None,) if known else (_ALWAYS, _SAVE_ONLY):
            per = needs.setdefault(os, {})
            for vm in sub.vms.values():
                if vm.cluster != name or vm.storage not in cluster.csvs:
                    continue
                if vm.state == "Off":
                    need = reservation(sub, vm, os=os)
                    what = "off"
                elif vm.state in _RUNNING and vm.memory.dynamic:
                    need = reservation(sub, vm, os=os, dynamic="maximum") - reservation(
                        sub, vm, os=os
                    )
                    what = "growth"
                else:
                    continue
                if need:
                    per.setdefault(vm.storage, []).append((what, vm.name, need))
        for csv in cluster.csvs.values():
            free = free_of[csv.name]
            verdicts = {
                os: free < 0 or free < sum(b for _, _, b in per.get(csv.name, ()))
                for os, per in needs.items()
            }
            if not any(verdicts.values()):
                continue
            if not all(verdicts.values()):
                ctx.require("host_os")  # the answer depends on the hosts' version
            items = next(iter(needs.values())).get(csv.name, [])
            if not known:
                items = needs[_SAVE_ONLY].get(csv.name, [])
            starts = [(v, b) for w, v, b in items if w == "off"]
            growth = sum(b for w, _, b in items if w == "growth")
            parts = []
            if free < 0:
                parts.append(f"already over-committed by {_size(-free)}")
            if starts:
                names = ", ".join(f"{v} {format_bytes(b)}" for v, b in starts)
                parts.append(f"VMs that are off: {names}")
            if growth:
                parts.append(f"Dynamic Memory growth to maximum {format_bytes(growth)}")
            yield Hit(
                ("clusters", name, "csvs", csv.name),
                {
                    "cluster": name,
                    "csv": csv.name,
                    "free": _size(free),
                    "need": format_bytes(sum(b for _, b in starts) + growth),
                    "parts": "; ".join(parts),
                },
            )


@rule(
    "HV302",
    title="A VM's saved-state file does not fit on its CSV (events 3050/3320)",
    severity="error",
    message="{vm} cannot start: its {size} memory file does not fit in the {free} free on {csv}",
    rationale=(
        "Starting the VM creates its memory contents file on its CSV; without the space "
        "Hyper-V logs 3050 ('could not initialize memory: There is not enough space on the "
        "disk') and 3320 ('failed to create memory contents file ... of size N MB') and "
        "the VM stays off — in the field notes a 50 GB VM failed where 40 GB started."
    ),
    fix="Free or add {missing} on {csv}, move {vm} to a CSV with room, or give it less memory.",
    references=(_NOTE, _BIN),
)
def vm_saved_state_fit(ctx: Context) -> Iterator[Hit]:
    """Fire for each VM that is off and whose memory file does not fit on its CSV now."""
    ctx.require("vm_settings")
    from hvlab.cluster.storage import can_start

    known = _os_known(ctx)
    for name, sub in _storage_labs(ctx).items():
        for vm in sub.vms.values():
            if vm.cluster != name or vm.state != "Off":
                continue
            check = can_start(sub, vm)
            if check.ok is None:
                continue
            if not known:
                if can_start(sub, vm, os=_ALWAYS).ok:
                    continue  # fits even where every action reserves
                check = can_start(sub, vm, os=_SAVE_ONLY)
                if check.ok:
                    ctx.require("host_os")  # fits only if its host reserves nothing
            if check.ok is False:
                yield Hit(
                    ("vms", vm.name, "memory"),
                    {
                        "vm": vm.name,
                        "size": format_bytes(check.needed),
                        "free": _size(check.free),
                        "csv": check.csv,
                        "missing": _size(check.needed - check.free),
                    },
                )


@rule(
    "HV303",
    title="A single node failure leaves VMs unable to restart for lack of CSV space",
    severity="error",
    message=(
        "{cluster}/{csv}: when {node} fails, there is no room to recreate the memory files "
        "of {vms} ({free} free after the restarts that fit)"
    ),
    rationale=(
        "A VM that fails over recreates its memory file on its CSV on the new node, and "
        "the space its stopped instance held is freed: a node failure moves no space "
        "between CSVs. Only when the node it restarts on reserves where its old node did "
        "not (Windows Server 2008 R2 always reserves, 2012 and later only for "
        "AutomaticStopAction Save: a cluster in the middle of an upgrade) does the restart "
        "need more, and fails with events 3050/3320 where the CSV has no room "
        "(hvlab.cluster.storage.node_failure_storage, with the placement's targets)."
    ),
    fix="Keep spare room on {csv} for the memory files of the VMs of any one node.",
    references=(_NOTE,),
)
def node_failure_saved_state(ctx: Context) -> Iterator[Hit]:
    """Fire for each CSV on which some single node failure leaves VMs unable to restart."""
    ctx.require("vm_settings", "host_os")
    from hvlab.cluster.storage import node_failure_storage, reservation
    from hvlab.rules.compute import placement

    for name, sub in _storage_labs(ctx).items():
        cluster = sub.clusters[name]
        # A VM that restarts on a node reserving as its old node did needs exactly the
        # space its stopped instance frees (hvlab.cluster.storage): only nodes whose
        # Windows versions reserve differently can change anything.
        versions = {sub.hosts[n].os for n in cluster.nodes if n in sub.hosts}
        if len(versions) < 2 or not any(
            len({reservation(sub, vm, os=v) for v in versions}) > 1
            for vm in sub.vms.values()
            if vm.cluster == name
        ):
            continue
        failures = []
        for node in cluster.nodes:
            if node not in sub.hosts:
                continue
            result = placement(ctx, name, node)
            targets = {p.vm: p.target for p in result.placements if p.target}
            failures.append(node_failure_storage(sub, cluster, node, targets=targets))
        reported: set[str] = set()
        for failure in failures:
            for csv in failure.csvs:
                if csv.csv in reported or not csv.cannot_start or csv.free_before < 0:
                    continue  # an already over-committed CSV is HV301's finding
                reported.add(csv.csv)
                yield Hit(
                    ("clusters", name, "csvs", csv.csv),
                    {
                        "cluster": name,
                        "csv": csv.csv,
                        "node": failure.node,
                        "vms": ", ".join(c.vm for c in csv.cannot_start),
                        "free": _size(csv.free_after),
                    },
                )


@rule(
    "HV304",
    title="AutomaticStopAction Save on tight storage",
    severity="warning",
    message=(
        "{vm} keeps a {size} memory file on {csv} ({free} free of {total}) for "
        "AutomaticStopAction Save"
    ),
    rationale=(
        "From Windows Server 2012 only VMs whose AutomaticStopAction is Save reserve a "
        "memory file while they run; Save is the default. On a CSV with little room left "
        "(less than 10% of its size, or less than its largest VM's memory) those "
        "reservations decide whether the next VM can start or fail over (events 3050/3320). "
        "VMs that do not need to resume where they were when the host shuts down can "
        "release the space."
    ),
    fix=(
        "Set-VM {vm} -AutomaticStopAction ShutDown (the guest shuts down cleanly with the "
        "host), or expand {csv}."
    ),
    references=(_BIN, _BIN_2012, _NOTE),
)
def save_on_tight_storage(ctx: Context) -> Iterator[Hit]:
    """Fire for each running 2012+ VM with AutomaticStopAction Save on a CSV with little room."""
    ctx.require("vm_settings", "host_os")
    from hvlab.cluster.storage import csv_usage, reservation
    from hvlab.defaults import saved_state_reservation

    for name, sub in _storage_labs(ctx).items():
        cluster = sub.clusters[name]
        usage = {u.csv: u for u in csv_usage(sub, cluster)}
        largest: dict[str, int] = {}
        for vm in sub.vms.values():
            if vm.cluster == name and vm.storage in usage:
                largest[vm.storage] = max(largest.get(vm.storage, 0), vm.memory.startup)
        for vm in sub.vms.values():
            if vm.cluster != name or vm.state not in _RUNNING or vm.storage not in usage:
                continue
            if vm.automatic_stop_action != "Save":
                continue
            held = reservation(sub, vm)
            host = sub.hosts.get(vm.host) if vm.host else None
            os = host.os if host else (sub.defaults.os or "WindowsServer2012R2")
            if not held or saved_state_reservation(os, vm.memory.startup, "ShutDown"):
                continue  # 2008/2008 R2 reserve whatever the action: nothing to gain
            csv = cluster.csvs[vm.storage]
            free = usage[vm.storage].free
            if free < csv.size // 10 or free < largest[vm.storage]:
                yield Hit(
                    ("vms", vm.name, "automatic_stop_action"),
                    {
                        "vm": vm.name,
                        "size": format_bytes(held),
                        "csv": csv.name,
                        "free": _size(free),
                        "total": format_bytes(csv.size),
                    },
                )


@rule(
    "HV305",
    title="A clustered file share without continuous availability",
    severity="warning",
    message="{role}\\{share} on {cluster} is not continuously available",
    rationale=(
        "Only continuously available shares (SMB 3, 'SMB 2.2' in the field notes) keep a "
        "client's open handles through a node failure: transparent failover. On a classic "
        "share the handle dies with the owner node and the copy or application fails, "
        "while a continuously available one pauses for seconds and goes on (field notes: "
        "'the client did only notice as short delay (a couple of seconds max)')."
    ),
    fix=(
        "Set-SmbShare -Name {share} -ContinuouslyAvailable $true (Windows Server 2012+ "
        "clients and servers), or a Scale-Out File Server for application data."
    ),
    references=(
        "Field notes: 'Active-Active File sharing with SMB 2.2 Scale Out in Windows 8 Rocks'",
        "https://learn.microsoft.com/windows-server/storage/file-server/file-server-smb-overview",
    ),
)
def share_not_ca(ctx: Context) -> Iterator[Hit]:
    """Fire for each share of a clustered file server that is not continuously available."""
    ctx.require("file_servers")
    for cluster in ctx.lab.clusters.values():
        for fs in cluster.file_servers.values():
            for share in fs.shares.values():
                if not share.continuous_availability:
                    yield Hit(
                        (
                            "clusters",
                            cluster.name,
                            "file_servers",
                            fs.name,
                            "shares",
                            share.name,
                        ),
                        {
                            "role": fs.client_access_point or fs.name,
                            "share": share.name,
                            "cluster": cluster.name,
                        },
                    )
