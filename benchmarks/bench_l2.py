"""Benchmark of the layer-2 facade (hvlab.l2.network): JSON on stdout.

A generated site of ``--hosts`` Hyper-V hosts (200) and ``--switches`` switches (20): two
core switches and top-of-rack pairs, each pair joined by a 2 × 10 G LAG and dual-homed to
both cores by 2 × 10 G LAGs (so RSTP has loops to break), every host with a jumbo-frame
CSV and a live-migration NIC (on alternating switches of its pair), a Switch Independent
management team with a member on each switch (Management and Heartbeat interfaces) and a
VM team under a Hyper-V switch with two VMs. Hosts form clusters of ``--cluster-size``
(50) nodes with four networks each.

Measures: load the lab (YAML text), build the spanning-tree topology, solve it, analyse
(topology + solve + endpoints), every cluster network's all-pairs paths, one failure (the
root bridge core1) analysed again with its transition, and the loops/mismatch search. Each
timing is the best of ``--repeat`` runs; ``peak_rss_mib`` is the process's peak resident set.

Usage: ``python benchmarks/bench_l2.py [--hosts 200] [--switches 20] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

from _common import emit, peak_rss_mib

from hvlab.condition import Condition
from hvlab.l2.fromlab import topology_from_lab
from hvlab.l2.loops import find_problems
from hvlab.l2.network import analyse, transition
from hvlab.l2.stp import solve
from hvlab.model.lab import Lab
from hvlab.model.load import load_lab_text

T = TypeVar("T")
NETWORKS = {"Management": 10, "Heartbeat": 20, "CSV": 30, "LiveMigration": 40}


def generate(hosts: int, switches: int, cluster_size: int) -> str:
    """Return the YAML (JSON) text of the generated lab."""
    pairs = max(1, (switches - 2) // 2)
    per_pair = -(-hosts // pairs)
    ports = 4 * per_pair + 8  # host ports of one ToR (at most 4 per host) plus uplinks
    lab: dict[str, Any] = {
        "name": f"bench-{hosts}-hosts",
        "defaults": {"spanning_tree": {"protocol": "rstp", "path_cost": "long"}},
        "vlans": {10: "Management", 20: "Heartbeat", 30: "CSV", 40: "LiveMigration", 100: "VM"},
        "switches": {},
        "links": [],
        "hosts": {},
        "clusters": {},
        "vms": {},
    }
    sw, links = lab["switches"], lab["links"]
    for c in (1, 2):
        sw[f"core{c}"] = {
            "mac": f"00:1b:00:00:00:{c:02x}",
            "spanning_tree": {"priority": 4096 * c},
            "ports": {f"1-{4 * pairs + 2}": {"speed": "10G", "mtu": 9216}},
            "lags": {"Po1": {"members": [4 * pairs + 1, 4 * pairs + 2]}},
        }
    links += [[f"core1:{4 * pairs + k}", f"core2:{4 * pairs + k}"] for k in (1, 2)]
    for p in range(pairs):
        for side in (1, 2):
            name = f"tor{p + 1}{'ab'[side - 1]}"
            up = ports - 7
            sw[name] = {
                "mac": f"00:1b:00:00:{p + 1:02x}:{side:02x}",
                "ports": {
                    f"1-{ports - 8}": {"speed": "10G", "edge": True, "mtu": 9216},
                    f"{up}-{ports}": {"speed": "10G", "mtu": 9216},
                },
                "lags": {
                    "Po1": {"members": [up, up + 1]},  # ISL
                    "Po2": {"members": [up + 2, up + 3]},  # to core1
                    "Po3": {"members": [up + 4, up + 5]},  # to core2
                },
            }
            for c in (1, 2):
                base = 4 * p + 2 * (side - 1)
                for k in (0, 1):
                    links.append([f"{name}:{up + 2 * c + k}", f"core{c}:{base + k + 1}"])
        a, b = f"tor{p + 1}a", f"tor{p + 1}b"
        up = ports - 7
        links += [[f"{a}:{up}", f"{b}:{up}"], [f"{a}:{up + 1}", f"{b}:{up + 1}"]]
    # core LAGs to the ToRs
    for c in (1, 2):
        for p in range(pairs):
            for side in (1, 2):
                base = 4 * p + 2 * (side - 1)
                sw[f"core{c}"]["lags"][f"Po{10 + 2 * p + side}"] = {"members": [base + 1, base + 2]}
    used: dict[str, int] = {}
    for h in range(hosts):
        p = h % pairs
        a, b = f"tor{p + 1}a", f"tor{p + 1}b"
        name = f"hv{h + 1:03d}"
        mine = a if h % 2 == 0 else b
        nics = {
            "CSV": {"speed": "10G", "mtu": 9000, "vlan": 30},
            "LM": {"speed": "10G", "mtu": 9000, "vlan": 40},
            "MGMT-A": "10G",
            "MGMT-B": "10G",
            "VM-A": "10G",
            "VM-B": "10G",
        }
        for nic, switch in (
            ("CSV", mine),
            ("LM", mine),
            ("MGMT-A", a),
            ("MGMT-B", b),
            ("VM-A", a),
            ("VM-B", b),
        ):
            used[switch] = used.get(switch, 0) + 1
            links.append([f"{name}:{nic}", f"{switch}:{used[switch]}"])
        lab["hosts"][name] = {
            "nics": nics,
            "teams": {
                "MgmtTeam": {
                    "members": ["MGMT-A", "MGMT-B"],
                    "interfaces": {"Management": {"vlan": 10}, "Heartbeat": {"vlan": 20}},
                },
                "VMTeam": {"members": ["VM-A", "VM-B"], "algorithm": "HyperVPort"},
            },
            "vswitches": {"VMSwitch": {"uplink": "VMTeam"}},
        }
        for v in (1, 2):
            lab["vms"][f"{name}-vm{v}"] = {
                "host": name,
                "memory": "4GiB",
                "nics": [{"switch": "VMSwitch", "vlan": 100}],
            }
    names = list(lab["hosts"])
    for i in range(0, hosts, cluster_size):
        nodes = names[i : i + cluster_size]
        if len(nodes) < 2:
            continue
        lab["clusters"][f"clu{i // cluster_size + 1}"] = {
            "nodes": nodes,
            "networks": {n: {"vlan": v} for n, v in NETWORKS.items()},
        }
    return json.dumps(lab)


def best(repeat: int, fn: Callable[[], T]) -> tuple[float, T]:
    """Return (best seconds, last result) of ``repeat`` runs of ``fn``."""
    out: T | None = None
    fastest = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        fastest = min(fastest, time.perf_counter() - t0)
    assert out is not None
    return fastest, out


def all_pairs(lab: Lab, condition: Condition | None = None) -> dict[str, Any]:
    """Analyse and compute every cluster network's all-pairs paths."""
    view = analyse(lab, condition)
    count = reachable = slow = 0
    for cluster in lab.clusters.values():
        for network in cluster.networks:
            nodes = cluster.nodes
            for i, a in enumerate(nodes):
                for b in nodes[i + 1 :]:
                    path = view.cluster_path(cluster.name, network, a, b)
                    count += 1
                    if path is not None:
                        reachable += 1
                        slow += path.bottleneck_bps < min(
                            path.hops[0].flow_bps, path.hops[-1].flow_bps
                        )
    return {"paths": count, "reachable": reachable, "slower_than_nics": slow}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--switches", type=int, default=20)
    parser.add_argument("--cluster-size", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    text = generate(args.hosts, args.switches, args.cluster_size)
    t_load, lab = best(args.repeat, lambda: load_lab_text(text, "bench.yaml"))
    t_topo, lt = best(args.repeat, lambda: topology_from_lab(lab))
    t_solve, result = best(args.repeat, lambda: solve(lt.topology))
    t_analyse, view = best(args.repeat, lambda: analyse(lab))
    t_endpoints, endpoints = best(args.repeat, lambda: analyse(lab).endpoints())
    t_pairs, pairs = best(args.repeat, lambda: all_pairs(lab))
    core1_down = Condition.from_elements(lab, ["switch:core1"])
    t_fail, after = best(args.repeat, lambda: analyse(lab, core1_down))
    t_trans, change = best(args.repeat, lambda: transition(lab, view, after))
    t_pairs_fail, pairs_fail = best(args.repeat, lambda: all_pairs(lab, core1_down))
    t_problems, problems = best(args.repeat, lambda: find_problems(analyse(lab)))
    blocked = sum(
        1 for p in result.trees[0].ports() if str(p.state) not in ("forwarding", "disabled")
    )
    emit(
        "l2",
        {
            "lab": {
                "hosts": len(lab.hosts),
                "switches": len(lab.switches),
                "cables": len(lab.links),
                "vms": len(lab.vms),
                "clusters": len(lab.clusters),
                "stp_ports": len(lt.topology.ports),
                "stp_links": len(lt.topology.links),
                "blocked_ports": blocked,
                "endpoints": len(endpoints),
            },
            "seconds": {
                "load": round(t_load, 4),
                "topology_from_lab": round(t_topo, 4),
                "solve": round(t_solve, 4),
                "analyse": round(t_analyse, 4),
                "analyse_plus_endpoints": round(t_endpoints, 4),
                "analyse_plus_all_pairs": round(t_pairs, 4),
                "analyse_core1_down": round(t_fail, 4),
                "transition": round(t_trans, 4),
                "analyse_plus_all_pairs_core1_down": round(t_pairs_fail, 4),
                "find_problems": round(t_problems, 4),
            },
            "all_pairs": pairs,
            "all_pairs_core1_down": pairs_fail,
            "per_path_us": round((t_pairs - t_endpoints) / max(1, pairs["paths"]) * 1e6, 1),
            "transition_ms": change.settle_ms,
            "problems": {
                "storms": len(problems.storms),
                "vlan_mismatches": len(problems.vlan_mismatches),
                "mtu_mismatches": len(problems.mtu_mismatches),
            },
            "repeat": args.repeat,
            "peak_rss_mib": round(peak_rss_mib(), 1),
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
