"""Simulate a year of random faults on a 64-node cluster with 4,000 VMs.

Target (issue 5): under 30 s wall time on a 2-core machine. Reports wall time,
kernel events per second and peak memory as JSON. ``--small`` for a quick run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _common import emit, peak_rss_mib

from hvlab.model.lab import Lab
from hvlab.sim.engine import simulate
from hvlab.sim.faults import random_faults


def build(nodes: int, vms: int) -> Lab:
    """Return a lab: two 10G switches (LAG between them), ``nodes`` hosts, one cluster."""
    ports = nodes + 8
    doc: dict[str, Any] = {
        "name": "bench-sim",
        "vlans": {10: "Management", 30: "CSV", 40: "LM", 100: "VM"},
        "defaults": {"os": "WindowsServer2016"},
        "switches": {
            f"sw{i}": {
                "mac": f"02:00:00:00:00:0{i}",
                "ports": {f"1-{ports}": "10G"},
                "lags": {"Po1": {"members": [ports - 1, ports]}},
            }
            for i in (1, 2)
        },
        "links": [[f"sw1:{ports - 1}", f"sw2:{ports - 1}"], [f"sw1:{ports}", f"sw2:{ports}"]],
        "hosts": {},
        "clusters": {},
        "vms": {},
    }
    for n in range(nodes):
        host = f"n{n:02d}"
        doc["hosts"][host] = {
            "memory": "1TiB",
            "nics": {"A": "10G", "B": "10G"},
            "teams": {"T": {"members": ["A", "B"], "algorithm": "Dynamic"}},
            "vswitches": {"VS": {"uplink": "T", "allow_management_os": True}},
            "vnics": {
                "Mgmt": {"switch": "VS", "vlan": 10},
                "CSV": {"switch": "VS", "vlan": 30},
                "LM": {"switch": "VS", "vlan": 40},
            },
        }
        doc["links"] += [[f"{host}:A", f"sw1:{n + 1}"], [f"{host}:B", f"sw2:{n + 1}"]]
    names = sorted(doc["hosts"])
    doc["clusters"]["big"] = {
        "nodes": names,
        "networks": {
            "Management": {"vlan": 10, "role": "ClusterAndClient"},
            "CSV": {"vlan": 30},
            "LM": {"vlan": 40},
        },
        "csvs": {f"V{i}": "64TiB" for i in range(8)},
    }
    for v in range(vms):
        doc["vms"][f"vm{v:04d}"] = {
            "cluster": "big",
            "host": names[v % nodes],
            "memory": "8GiB",
            "storage": f"V{v % 8}",
            "nics": [{"switch": "VS", "vlan": 100}],
        }
    return Lab.model_validate(doc)


def main() -> None:
    """Run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true")
    args = parser.parse_args()
    nodes, vms, faults = (8, 200, 50) if args.small else (64, 4000, 1000)
    lab = build(nodes, vms)
    year = 365 * 86_400_000
    scenario = random_faults(lab, faults, seed=1, duration_ms=year)
    # No tracemalloc: it slows this workload several-fold; peak RSS is the memory figure.
    start = time.perf_counter()
    cpu_start = time.process_time()
    result = simulate(lab, scenario, seed=1, until=year)
    seconds = time.perf_counter() - start
    # CPU time too: on a shared machine the wall time also counts other processes.
    cpu_seconds = time.process_time() - cpu_start
    emit(
        "sim",
        {
            "nodes": nodes,
            "vms": vms,
            "faults": faults,
            "steps": len(scenario.steps),
            "timeline_entries": len(result.timeline),
            "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu_seconds, 2),
            "steps_per_s": round(len(scenario.steps) / seconds, 1),
            "events": result.events,
            "events_per_s": round(result.events / seconds, 1),
            "peak_rss_mib": round(peak_rss_mib(), 1),
            "target_seconds": 30,
        },
    )


if __name__ == "__main__":
    main()
