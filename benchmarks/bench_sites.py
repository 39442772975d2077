"""Two sites: Replica shares, the HV7xx rules and a whole-site failover at scale.

Issue 9 names no size; hvlab's choice: HQ and DR clusters of 16 nodes each, 1,000 VMs
replicating from HQ to DR over one 1 Gb/s WAN link (a quarter on a stretched subnet, a
quarter with failover addresses, a quarter on HNV, a quarter with nothing), a stretched
cluster of 4 + 4 nodes beside them. Reports wall time of each part and peak memory as
JSON. ``--small`` for a quick run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _common import emit, peak_rss_mib

from hvlab.cluster.sites import replication_shares
from hvlab.model.lab import Lab
from hvlab.model.scenario import Scenario
from hvlab.rules import check_lab
from hvlab.sim.engine import simulate


def _host(site: str) -> dict[str, Any]:
    return {
        "site": site,
        "memory": "1TiB",
        "os": "WindowsServer2016",
        "hnv_policies": [5001],
        "nics": {"A": "10G", "B": "10G"},
        "vswitches": {"SET": {"members": ["A", "B"], "allow_management_os": True}},
        "vnics": {"Mgmt": {"switch": "SET", "vlan": 10}, "Cluster": {"switch": "SET", "vlan": 20}},
    }


def build(nodes: int, vms: int) -> Lab:
    """Return the two-site lab described in the module docstring."""
    ports = 2 * (nodes + 4) + 2
    doc: dict[str, Any] = {
        "name": "bench-sites",
        "vlans": {10: "Management", 20: "Cluster", 100: "Servers", 200: "Stretched"},
        "sites": {
            "HQ": {"subnets": {10: "10.1.10.0/24", 100: "10.1.0.0/16", 200: "10.50.0.0/16"}},
            "DR": {"subnets": {10: "10.2.10.0/24", 100: "10.2.0.0/16", 200: "10.50.0.0/16"}},
            "Azure": {"kind": "cloud"},
        },
        "wan_links": {
            "HQ-DR": {
                "sites": ["HQ", "DR"],
                "bandwidth": "1G",
                "vlans": [20, 200],
                "switches": ["hq-sw", "dr-sw"],
            },
            "HQ-Azure": {"sites": ["HQ", "Azure"], "bandwidth": "100M"},
            "DR-Azure": {"sites": ["DR", "Azure"], "bandwidth": "100M"},
        },
        "switches": {
            f"{s}-sw": {"site": s.upper(), "ports": {f"1-{ports}": "10G"}} for s in ("hq", "dr")
        },
        "links": [],
        "hosts": {},
        "clusters": {},
        "vms": {},
    }
    witness = {"model": "NodeAndCloudWitness", "witness": "cloud", "witness_site": "Azure"}
    networks = {"Management": {"vlan": 10, "role": "ClusterAndClient"}, "Cluster": {"vlan": 20}}
    for s, site in (("hq", "HQ"), ("dr", "DR")):
        port = 1
        members = []
        for n in range(nodes):
            host = f"{s}-n{n:02d}"
            doc["hosts"][host] = _host(site)
            members.append(host)
            for nic in ("A", "B"):
                doc["links"].append([f"{host}:{nic}", f"{s}-sw:{port}"])
                port += 1
        for n in range(4):
            host = f"m-{s}{n}"
            doc["hosts"][host] = _host(site)
            for nic in ("A", "B"):
                doc["links"].append([f"{host}:{nic}", f"{s}-sw:{port}"])
                port += 1
        doc["clusters"][f"{site}-CLU"] = {
            "nodes": members,
            "quorum": witness,
            "networks": networks,
            "csvs": {"V1": {"size": "256TiB", "site": site}},
        }
    doc["clusters"]["METRO"] = {
        "nodes": [f"m-{s}{n}" for s in ("hq", "dr") for n in range(4)],
        "quorum": witness,
        "networks": networks,
        "csvs": {"V1": {"size": "64TiB", "site": "HQ", "replicated_to": "DR"}},
    }
    for v in range(vms):
        kind = v % 4
        nic: dict[str, Any] = {"switch": "SET"}
        if kind == 0:
            nic |= {"vlan": 200, "ip": f"10.50.{v // 250}.{v % 250 + 1}"}
        elif kind == 1:
            ip = f"{v // 250}.{v % 250 + 1}"
            nic |= {"vlan": 100, "ip": f"10.1.{ip}", "failover_ip": f"10.2.{ip}", "dns_ttl": "5m"}
        elif kind == 2:
            nic |= {"vlan": 100, "ip": f"192.168.{v // 250}.{v % 250 + 1}"}
            nic["virtual_subnet_id"] = 5001
        else:
            nic |= {"vlan": 100, "ip": f"10.1.{100 + v // 250}.{v % 250 + 1}"}
        doc["vms"][f"vm{v:04d}"] = {
            "cluster": "HQ-CLU",
            "host": f"hq-n{v % nodes:02d}",
            "memory": "8GiB",
            "storage": "V1",
            "vhds": [{"size": "100GiB", "used": "20GiB"}],
            "nics": [nic],
            "priority": ("High", "Medium", "Low")[v % 3],
            "replica": {"to": "DR-CLU", "frequency": "5m", "change_rate": "64KiB"},
        }
    return Lab.model_validate(doc)


def main() -> None:
    """Run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true")
    args = parser.parse_args()
    nodes, vms = (4, 40) if args.small else (16, 1000)
    lab = build(nodes, vms)

    start = time.perf_counter()
    shares = replication_shares(lab)
    shares_s = time.perf_counter() - start

    start = time.perf_counter()
    findings = check_lab(lab, select=["HV7"])
    rules_s = time.perf_counter() - start

    scenario = Scenario.model_validate(
        {
            "name": "hq-lost",
            "duration": "2h",
            "steps": [
                {"at": "10s", "down": "site:HQ"},
                {"at": "5m", "failover": "site:HQ to DR"},
            ],
        }
    )
    start = time.perf_counter()
    result = simulate(lab, scenario)
    sim_s = time.perf_counter() - start
    unreachable = sum(1 for i in result.impact if i.state == "running, unreachable")
    emit(
        "sites",
        {
            "nodes_per_site": nodes,
            "replicated_vms": vms,
            "replication_shares_seconds": round(shares_s, 3),
            "share_bps": min(s for s in shares.values() if s),
            "hv7_rules_seconds": round(rules_s, 2),
            "hv7_findings": len(findings.findings),
            "site_failover_seconds": round(sim_s, 2),
            "events": result.events,
            "events_per_s": round(result.events / sim_s, 1),
            "timeline_entries": len(result.timeline),
            "unreachable_after_failover": unreachable,
            "peak_rss_mib": round(peak_rss_mib(), 1),
        },
    )


if __name__ == "__main__":
    main()
