"""HV4xx — compute and VMs: integration services, memory, placement."""

from __future__ import annotations

import re
from collections.abc import Iterator

from hvlab.rules.base import Context, Hit
from hvlab.rules.registry import rule

# The integration services version each Windows Server release ships (its vmguest.iso);
# a host that says nothing offers its release's version.
OFFERED_BY_OS = {
    "WindowsServer2008": "6.0.6001.18016",
    "WindowsServer2008R2": "6.1.7601.17514",
    "WindowsServer2012": "6.2.9200.16384",
    "WindowsServer2012R2": "6.3.9600.16384",
}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:4])


@rule(
    "HV401",
    title="A guest runs integration services older than its cluster offers",
    severity="warning",
    message="{vm} runs integration services {guest}; {cluster} offers {offered} (on {host})",
    rationale=(
        "Integration services (heartbeat, time sync, shutdown, KVP, VSS, synthetic drivers) "
        "must match the host. Older ones miss fixes and features, and Hyper-V logs event "
        "4010 in the Integration-Admin log for every such guest on every start. A VM can "
        "move to any node, so it must match the newest version in its cluster."
    ),
    fix=(
        "Upgrade integration services in {vm} (Action > Insert Integration Services Setup "
        "Disk, or Windows Update for guests that get them from it) to {offered}."
    ),
    references=(
        "Field notes: 'Integration Services Version Check Via Hyper-V Integration/Admin Event Log'",
        "https://learn.microsoft.com/windows-server/virtualization/hyper-v/manage/manage-hyper-v-integration-services",
    ),
)
def integration_services_older(ctx: Context) -> Iterator[Hit]:
    """Fire for every VM whose integration services are older than the newest its cluster offers."""
    lab = ctx.lab
    for vm in lab.vms.values():
        if not vm.integration_services:
            continue
        nodes = lab.clusters[vm.cluster].nodes if vm.cluster in lab.clusters else ()
        if not nodes and vm.host:
            nodes = (vm.host,)
        offers = []
        for node in nodes:
            host = lab.hosts.get(node)
            if host is None:
                continue
            offered = host.integration_services or OFFERED_BY_OS.get(host.os)
            if offered:
                offers.append((_version(offered), offered, node))
        if not offers:
            continue
        best = max(offers)
        if _version(vm.integration_services) < best[0]:
            yield Hit(
                ("vms", vm.name, "integration_services"),
                {
                    "vm": vm.name,
                    "guest": vm.integration_services,
                    "offered": best[1],
                    "host": best[2],
                    "cluster": vm.cluster or best[2],
                },
            )
