"""Resilience sweep: all N-1 faults of a 200-host lab on 1 and 2 workers; N-2 of a 16-host lab.

Target (issue 7): the N-1 sweep of a generated 200-host, 20-switch, 4,000-VM lab in
under 60 s with 2 workers, with a near-linear speed-up over 1 worker. Also measured:
a depth-2 sweep of a 16-host lab, and what the incremental engines save (a sample of
the N-1 scenarios run from scratch and incrementally, one process).

Prints JSON. ``--small`` for a quick run (40 hosts, 800 VMs; 8-host N-2).
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
from hvlab.sweep import plan_sweep, sweep
from hvlab.sweep.impact import Baseline, evaluate
from hvlab.sweep.local import default_workers


def build(hosts: int, switches: int, vms: int, cluster_size: int = 20) -> Lab:
    """Return a generated lab: a core pair, ToR pairs with ISL and uplink LAGs, teamed hosts.

    ``switches - 2`` top-of-rack switches in pairs (a 2-link LAG between the two, a 2-link
    LAG from each up to one core switch); two core switches joined by a LAG; RSTP with
    long path costs. Each host has two 10 G NICs in a switch-independent team, one to
    each switch of its pair, and management, heartbeat, CSV and live-migration host vNICs
    on the team's virtual switch. Hosts form clusters of ``cluster_size`` nodes with two
    CSVs each; VMs are spread round-robin over the hosts.
    """
    pairs = max(1, (switches - 2) // 2)
    per_pair = -(-hosts // pairs)
    ports = per_pair + 8
    up = pairs * 2 + 4
    doc: dict[str, Any] = {
        "name": f"bench-sweep-{hosts}h",
        "vlans": {10: "Management", 20: "Heartbeat", 30: "CSV", 40: "LiveMigration", 100: "VM"},
        "defaults": {
            "os": "WindowsServer2016",
            "spanning_tree": {"protocol": "rstp", "path_cost": "long"},
        },
        "switches": {},
        "links": [],
        "hosts": {},
        "clusters": {},
        "vms": {},
    }
    for c in (1, 2):
        doc["switches"][f"core{c}"] = {
            "mac": f"02:00:00:00:00:{c:02x}",
            "spanning_tree": {"priority": 4096 * c},
            "ports": {f"1-{up}": "10G"},
            "lags": {"Po1": {"members": [up - 1, up]}},
        }
    doc["links"] += [[f"core1:{up - 1}", f"core2:{up - 1}"], [f"core1:{up}", f"core2:{up}"]]
    for p in range(pairs):
        for side, core in ((0, "core1"), (1, "core2")):
            name = f"tor{p:02d}{'ab'[side]}"
            doc["switches"][name] = {
                "mac": f"02:00:00:00:{p + 1:02x}:{side:02x}",
                "ports": {f"1-{ports}": "10G"},
                "lags": {
                    "Po1": {"members": [ports - 1, ports]},
                    "Po2": {"members": [ports - 3, ports - 2]},
                },
            }
            doc["switches"][core]["lags"][f"Po{10 + p}"] = {"members": [2 * p + 1, 2 * p + 2]}
            doc["links"] += [
                [f"{name}:{ports - 3}", f"{core}:{2 * p + 1}"],
                [f"{name}:{ports - 2}", f"{core}:{2 * p + 2}"],
            ]
        a, b = f"tor{p:02d}a", f"tor{p:02d}b"
        doc["links"] += [[f"{a}:{ports - 1}", f"{b}:{ports - 1}"], [f"{a}:{ports}", f"{b}:{ports}"]]
    names = []
    for h in range(hosts):
        p, i = divmod(h, per_pair)
        host = f"h{h:03d}"
        names.append(host)
        doc["hosts"][host] = {
            "memory": "1TiB",
            "nics": {"A": "10G", "B": "10G"},
            "teams": {"T": {"members": ["A", "B"], "algorithm": "Dynamic"}},
            "vswitches": {"VS": {"uplink": "T", "allow_management_os": True}},
            "vnics": {
                "Mgmt": {"switch": "VS", "vlan": 10},
                "HB": {"switch": "VS", "vlan": 20},
                "CSV": {"switch": "VS", "vlan": 30},
                "LM": {"switch": "VS", "vlan": 40},
            },
        }
        doc["links"] += [
            [f"{host}:A", f"tor{p:02d}a:{i + 1}"],
            [f"{host}:B", f"tor{p:02d}b:{i + 1}"],
        ]
    for c in range(0, hosts, cluster_size):
        doc["clusters"][f"c{c // cluster_size:02d}"] = {
            "nodes": names[c : c + cluster_size],
            "networks": {
                "Management": {"vlan": 10, "role": "ClusterAndClient"},
                "Heartbeat": {"vlan": 20},
                "CSV": {"vlan": 30},
                "LiveMigration": {"vlan": 40},
            },
            "csvs": {f"V{i}": "64TiB" for i in range(2)},
        }
    for v in range(vms):
        h = v % hosts
        doc["vms"][f"vm{v:04d}"] = {
            "cluster": f"c{h // cluster_size:02d}",
            "host": names[h],
            "memory": "8GiB",
            "storage": f"V{v % 2}",
            "nics": [{"switch": "VS", "vlan": 100}],
        }
    return Lab.model_validate(doc)


def timed_sweep(lab: Lab, *, depth: int, workers: int) -> tuple[float, int, str]:
    """Return (seconds, scenarios simulated, JSON digest) of one sweep."""
    import hashlib

    from hvlab.report.jsonout import to_json

    start = time.perf_counter()
    result = sweep(lab, depth=depth, workers=workers)
    seconds = time.perf_counter() - start
    digest = hashlib.sha256(to_json(result.as_dict()).encode()).hexdigest()[:16]
    return seconds, len(result.ranking), digest


def incremental_sample(lab: Lab, every: int) -> dict[str, Any]:
    """Time every ``every``-th N-1 scenario from scratch and incrementally (one process)."""
    faults = plan_sweep(lab, depth=1).faults[::every]
    out: dict[str, Any] = {"scenarios": len(faults)}
    for mode, incremental in (("from_scratch", False), ("incremental", True)):
        start = time.perf_counter()
        baseline = Baseline(lab, incremental=incremental)
        setup = time.perf_counter() - start
        start = time.perf_counter()
        outcomes = [evaluate(baseline, f.elements) for f in faults]
        seconds = time.perf_counter() - start
        out[mode] = {
            "baseline_s": round(setup, 2),
            "seconds": round(seconds, 2),
            "ms_per_scenario": round(1000 * seconds / len(faults), 1),
        }
        if baseline.cache is not None:
            out[mode]["view_cache"] = baseline.cache.stats.as_dict()
        out.setdefault("outcomes", []).append(outcomes)
    same = out.pop("outcomes")
    out["same_results"] = same[0] == same[1]
    out["speed_up"] = round(
        out["from_scratch"]["ms_per_scenario"] / out["incremental"]["ms_per_scenario"], 2
    )
    return out


def main() -> None:
    """Run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="a quick run on smaller labs")
    parser.add_argument("--skip-n1", action="store_true", help="skip the 1- and 2-worker N-1")
    parser.add_argument("--skip-n2", action="store_true", help="skip the 16-host N-2 sweep")
    parser.add_argument("--skip-incremental", action="store_true", help="skip the sample")
    args = parser.parse_args()
    hosts, switches, vms, small_hosts = (40, 6, 800, 8) if args.small else (200, 20, 4000, 16)
    lab = build(hosts, switches, vms)
    plan = plan_sweep(lab, depth=1)
    results: dict[str, Any] = {
        "cores": default_workers(),
        "lab": {
            "hosts": hosts,
            "switches": len(lab.switches),
            "vms": len(lab.vms),
            "links": len(lab.links),
        },
        "n1": {
            "elements": len(plan.elements),
            "simulated": plan.simulated(1),
            "pruned": {p.reason: p.count for p in plan.pruned},
        },
        "target_seconds_2_workers": 60,
    }
    if not args.skip_n1:
        runs = {}
        for workers in (1, 2):
            seconds, scenarios, digest = timed_sweep(lab, depth=1, workers=workers)
            runs[workers] = {
                "seconds": round(seconds, 1),
                "scenarios_per_s": round(scenarios / seconds, 2),
                "json_sha256": digest,
            }
        results["n1"]["workers"] = runs
        results["n1"]["speed_up_2_vs_1"] = round(runs[1]["seconds"] / runs[2]["seconds"], 2)
        results["n1"]["identical_json"] = runs[1]["json_sha256"] == runs[2]["json_sha256"]
    if not args.skip_n2:
        small = build(small_hosts, 4, small_hosts * 20, cluster_size=small_hosts)
        small_plan = plan_sweep(small, depth=2)
        seconds, scenarios, _ = timed_sweep(small, depth=2, workers=2)
        results["n2"] = {
            "hosts": small_hosts,
            "vms": len(small.vms),
            "elements": len(small_plan.elements),
            "pairs": small_plan.candidates[2],
            "simulated": {"n-1": small_plan.simulated(1), "n-2": small_plan.simulated(2)},
            "pruned": {f"n-{p.depth} {p.reason}": p.count for p in small_plan.pruned},
            "workers": 2,
            "seconds": round(seconds, 1),
            "scenarios_per_s": round(scenarios / seconds, 1),
        }
    if not args.skip_incremental:
        results["incremental"] = incremental_sample(lab, every=10 if not args.small else 3)
    results["peak_rss_mib_parent"] = round(peak_rss_mib(), 1)
    emit("sweep", results)


if __name__ == "__main__":
    main()
