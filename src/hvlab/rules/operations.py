"""HV6xx — management and operations: anti-virus on hosts, the VMM inventory vs the cluster."""

from __future__ import annotations

from collections.abc import Iterator

from hvlab.rules.base import Context, Hit
from hvlab.rules.registry import rule

_KB = "https://learn.microsoft.com/troubleshoot/windows-server/virtualization/antivirus-exclusions-for-hyper-v-hosts"

# Microsoft's recommended exclusions for Hyper-V hosts (the page above): folders,
# processes (vmsp.exe from 2016, vmcompute.exe from 2019) and file name extensions.
_FOLDERS = (
    "C:\\ProgramData\\Microsoft\\Windows\\Hyper-V",
    "C:\\Users\\Public\\Documents\\Hyper-V\\Virtual Hard Disks",
    "C:\\ClusterStorage",
)
_PROCESSES = {
    "vmms.exe": "WindowsServer2008",
    "vmwp.exe": "WindowsServer2008",
    "vmsp.exe": "WindowsServer2016",
    "vmcompute.exe": "WindowsServer2019",
}
_EXTENSIONS = {
    ".vhd": "WindowsServer2008",
    ".vhdx": "WindowsServer2012",
    ".avhd": "WindowsServer2008",
    ".avhdx": "WindowsServer2012",
    ".vsv": "WindowsServer2008",
    ".bin": "WindowsServer2008",
    ".xml": "WindowsServer2008",
    ".iso": "WindowsServer2008",
    ".vhds": "WindowsServer2016",
    ".vmcx": "WindowsServer2016",
    ".vmrs": "WindowsServer2016",
    ".vmgs": "WindowsServer2016",
    ".rct": "WindowsServer2016",
    ".mrt": "WindowsServer2016",
}
_ORDER = (
    "WindowsServer2008",
    "WindowsServer2008R2",
    "WindowsServer2012",
    "WindowsServer2012R2",
    "WindowsServer2016",
    "WindowsServer2019",
    "WindowsServer2022",
    "WindowsServer2025",
)


def _covered(folder: str, exclusions: tuple[str, ...]) -> bool:
    want = folder.rstrip("\\").lower()
    return any(
        want == e.rstrip("\\").lower() or want.startswith(e.rstrip("\\").lower() + "\\")
        for e in exclusions
    )


@rule(
    "HV601",
    title="Anti-virus on a Hyper-V host without the Hyper-V exclusions",
    severity="error",
    message="{product} on {host} does not exclude: {missing}",
    rationale=(
        "Real-time scanning of VM configuration, virtual disk and saved-state files and "
        "of the worker processes locks files Hyper-V needs: VMs fail to start or vanish "
        "from Hyper-V Manager, and scanning C:\\ClusterStorage can push CSVs into "
        "redirected mode (the field notes' McAfee 8.8 Patch 1 incident)."
    ),
    fix=(
        "Add the exclusions Microsoft recommends for Hyper-V hosts to the anti-virus "
        "policy of {host}: {missing}"
    ),
    references=(_KB,),
    example="hosts: {node1: {antivirus: {product: McAfee VirusScan 8.8}}}",
)
def antivirus_exclusions(ctx: Context) -> Iterator[Hit]:
    """Fire for each host whose anti-virus misses a recommended Hyper-V exclusion."""
    ctx.require("antivirus")
    for host in ctx.lab.hosts.values():
        av = host.antivirus
        if av is None:
            continue
        rank = _ORDER.index(host.os)
        missing = [f for f in _FOLDERS if not _covered(f, av.path_exclusions)]
        processes = {p.lower() for p in av.process_exclusions}
        missing += [
            p
            for p, since in _PROCESSES.items()
            if _ORDER.index(since) <= rank and p not in processes
        ]
        extensions = {
            e.lower() if e.startswith(".") else "." + e.lower() for e in av.extension_exclusions
        }
        missing += [
            e
            for e, since in _EXTENSIONS.items()
            if _ORDER.index(since) <= rank and e not in extensions
        ]
        if missing:
            yield Hit(
                ("hosts", host.name, "antivirus"),
                {"product": av.product, "host": host.name, "missing": ", ".join(missing)},
            )


@rule(
    "HV602",
    title="VMM's resource group id of a VM differs from the cluster's (error 12711)",
    severity="error",
    message=(
        "VMM records group {vmm_id} for VM {vm} but the cluster group is {cluster_id}: "
        "VMM actions on it fail with error 12711 (0x139F)"
    ),
    rationale=(
        "VMM addresses a clustered VM through the cluster group id it stored in "
        "tbl_WLC_VMInstance.VMResourceGroupID. When the VM was re-created or re-clustered "
        "outside VMM the ids drift apart and every VMM job on the VM fails with 'The group "
        "or resource is not in the correct state to perform the requested operation'; a "
        "refresh does not repair it."
    ),
    fix=(
        "Set VMResourceGroupID of {vm} to {cluster_id} in the VMM database (`hvlab audit` "
        "writes the reviewed T-SQL), after a database backup, or remove and re-add the VM."
    ),
    references=(
        "Field notes: 'Error (12711) ... The No Down Time Fix'",
        "https://learn.microsoft.com/system-center/vmm/",
    ),
)
def vmm_group_drift(ctx: Context) -> Iterator[Hit]:
    """Fire for each VM whose VMM resource group id differs from its cluster group id."""
    mgmt = ctx.lab.management
    if mgmt is None:
        return
    for managed in mgmt.vms.values():
        vm = ctx.lab.vms.get(managed.name)
        if vm is None or not vm.cluster_group_id or not managed.resource_group_id:
            continue
        if vm.cluster_group_id.strip("{}").lower() != managed.resource_group_id.strip("{}").lower():
            yield Hit(
                ("management", "vms", managed.name, "resource_group_id"),
                {
                    "vm": managed.name,
                    "vmm_id": managed.resource_group_id,
                    "cluster_id": vm.cluster_group_id,
                },
            )


@rule(
    "HV603",
    title="A VM known to only one of VMM and the cluster",
    severity="warning",
    message="VM {vm} is {where}",
    rationale=(
        "VMM and the cluster disagree about which VMs exist: VMM shows a VM it cannot "
        "manage, or a clustered VM is invisible to VMM (no backups, no placement, no "
        "servicing)."
    ),
    fix="Refresh the host cluster in VMM; remove the stale record or add the VM to VMM.",
    references=("Field notes: 'Error (12711)'",),
)
def vmm_missing(ctx: Context) -> Iterator[Hit]:
    """Fire for VMs present in the management inventory or the clusters but not both."""
    mgmt = ctx.lab.management
    if mgmt is None or not mgmt.vms:
        return
    clustered = {name for name, vm in ctx.lab.vms.items() if vm.cluster}
    for name in sorted(set(mgmt.vms) - set(ctx.lab.vms)):
        yield Hit(("management", "vms", name), {"vm": name, "where": "in VMM but in no cluster"})
    for name in sorted(clustered - set(mgmt.vms)):
        yield Hit(("vms", name), {"vm": name, "where": "clustered but unknown to VMM"})


@rule(
    "HV604",
    title="A VM on a cluster node that is not clustered",
    severity="warning",
    message="VM {vm} runs on {host}, a node of cluster {cluster}, but is not clustered",
    rationale=(
        "A VM created or imported on a node in Hyper-V Manager is not highly available "
        "until it is added to the cluster: when the node fails it simply stays down, and "
        "VMM and the cluster disagree about it. The field notes' 12711 drift began with "
        "VMs exported and imported on a node ('It was then added back to the failover "
        "cluster again to make them high available')."
    ),
    fix=(
        "Make {vm} highly available (Add-ClusterVirtualMachineRole -VMName {vm} -Cluster "
        "{cluster}) after moving its files to a CSV, or move it off the cluster node."
    ),
    references=(
        "Field notes: 'System Center Virtual Machine Manager 2008 R2 Error 12711'",
        "https://learn.microsoft.com/powershell/module/failoverclusters/add-clustervirtualmachinerole",
    ),
)
def vm_not_clustered(ctx: Context) -> Iterator[Hit]:
    """Fire for each VM whose host is a cluster node and that names no cluster."""
    ctx.require("clusters")
    node_cluster = {n: c.name for c in ctx.lab.clusters.values() for n in c.nodes}
    for vm in ctx.lab.vms.values():
        if vm.cluster or not vm.host or vm.host not in node_cluster:
            continue
        yield Hit(
            ("vms", vm.name, "host"),
            {"vm": vm.name, "host": vm.host, "cluster": node_cluster[vm.host]},
        )
