"""The Python API under the command line: everything the CLI does, callable from a notebook.

>>> from hvlab import api
>>> lab = api.load("examples/ten-gig-cluster.yaml")  # doctest: +SKIP
>>> api.summary(lab)["counts"]["hosts"]  # doctest: +SKIP
4
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hvlab.model.lab import Lab
from hvlab.model.load import load_lab
from hvlab.model.schema import lab_schema
from hvlab.model.units import format_bytes, format_speed

__all__ = ["examples_dir", "load", "schema", "summary"]


def load(path: str | Path) -> Lab:
    """Return the lab in ``path``; raise :class:`hvlab.errors.LabError` on bad input."""
    return load_lab(path)


def schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of the lab file, for editors and CI."""
    return lab_schema()


def examples_dir() -> Path:
    """Return the folder of bundled example labs (in the source tree or the installed package)."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[2] / "examples", here.parent / "examples"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the bundled examples are not installed")


def summary(lab: Lab) -> dict[str, Any]:
    """Return a plain summary of ``lab``: counts and one row per site, WAN link, switch, host,
    team, cluster and VM."""
    teams = [
        {
            "host": host.name,
            "team": team.name,
            "mode": team.mode,
            "algorithm": team.algorithm or "(OS default)",
            "members": list(team.members),
            "standby": team.standby,
        }
        for host in lab.hosts.values()
        for team in host.teams.values()
    ]
    return {
        "name": lab.name,
        "description": lab.description,
        "counts": {
            "switches": len(lab.switches),
            "links": len(lab.links),
            "hosts": len(lab.hosts),
            "nics": sum(len(h.nics) for h in lab.hosts.values()),
            "teams": len(teams),
            "clusters": len(lab.clusters),
            "csvs": sum(len(c.csvs) for c in lab.clusters.values()),
            "vms": len(lab.vms),
            "load_balancers": len(lab.load_balancers),
            "web_sites": len(lab.web_sites),
            "scenarios": len(lab.scenarios),
        },
        "sites": [
            {
                "name": site.name,
                "kind": site.kind,
                "hosts": [h.name for h in lab.hosts.values() if h.site == site.name],
                "switches": [sw.name for sw in lab.switches.values() if sw.site == site.name],
                "subnets": {str(vlan): net for vlan, net in site.subnets.items()},
            }
            for site in lab.sites.values()
        ],
        "wan_links": [
            {
                "name": w.name,
                "sites": list(w.sites),
                "bandwidth": format_speed(w.bandwidth),
                "latency_ms": w.latency,
                "provider": w.provider,
                "vlans": list(w.vlans),
            }
            for w in lab.wan_links.values()
        ],
        "switches": [
            {
                "name": sw.name,
                "mac": sw.mac,
                "spanning_tree": sw.spanning_tree.protocol or lab.defaults.spanning_tree.protocol,
                "priority": sw.spanning_tree.priority,
                "ports": len(sw.ports),
                "lags": {lag.name: list(lag.members) for lag in sw.lags.values()},
                "stack": sw.stack,
            }
            for sw in lab.switches.values()
        ],
        "hosts": [
            {
                "name": h.name,
                "os": h.os,
                "cpus": h.cpus,
                "memory": format_bytes(h.memory),
                "nics": {n.name: format_speed(n.speed) for n in h.nics.values()},
                "teams": list(h.teams),
                "vswitches": list(h.vswitches),
            }
            for h in lab.hosts.values()
        ],
        "teams": teams,
        "clusters": [
            {
                "name": c.name,
                "nodes": list(c.nodes),
                "quorum": c.quorum.model,
                "networks": {
                    n.name: {"vlan": n.vlan, "role": n.role, "metric": n.metric}
                    for n in c.networks.values()
                },
                "csvs": {
                    v.name: {"size": format_bytes(v.size), "used": format_bytes(v.used)}
                    for v in c.csvs.values()
                },
            }
            for c in lab.clusters.values()
        ],
        "vms": [
            {
                "name": vm.name,
                "cluster": vm.cluster,
                "host": vm.host,
                "memory": format_bytes(vm.memory.startup),
                "dynamic_memory": vm.memory.dynamic,
                "storage": vm.storage,
                "priority": vm.priority,
                "automatic_stop_action": vm.automatic_stop_action,
            }
            for vm in lab.vms.values()
        ],
        "scenarios": {s.name: s.description for s in lab.scenarios.values()},
    }
