"""Benchmark failover placement: 4,000 VMs on 64 nodes, every node lost in turn.

Builds a 64-node cluster (Windows Server 2016, 768 GiB hosts) with 4,000 VMs spread round
robin (1-16 GiB, all four priorities, a third with preferred owners, a tenth with possible
owners, a fifth in anti-affinity classes), then runs :func:`hvlab.cluster.placement.place`
once per node with that node failed — with roomy hosts, and again with tight ones (544 GiB)
where failover must preempt and leave VMs failed. Prints one JSON document: per scenario
the total time, placement decisions per second, the slowest single node loss and the peak
memory of the placement runs (``tracemalloc``); and the process's peak memory.

Usage::

    python benchmarks/bench_cluster.py
    python benchmarks/bench_cluster.py --nodes 16 --vms 1000 --repeat 1
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from typing import Any

from _common import emit, peak_rss_mib

from hvlab.cluster.placement import place
from hvlab.model.lab import Lab

PRIORITIES = ("High", "Medium", "Medium", "Low", "NoAutoStart")


def build(nodes: int, vms: int, host_memory: str = "768GiB") -> Lab:
    """Return the benchmark lab (deterministic: no randomness)."""
    names = [f"node{i:02}" for i in range(1, nodes + 1)]
    machines: dict[str, Any] = {}
    for i in range(vms):
        host = names[i % nodes]
        vm: dict[str, Any] = {
            "cluster": "clu",
            "host": host,
            "memory": (1 + (i * 7 + (i // nodes) * 3) % 16) * 2**30,
            "priority": PRIORITIES[i % len(PRIORITIES)],
        }
        if i % 3 == 0:
            vm["preferred_owners"] = [names[(i + k) % nodes] for k in range(4)]
        if i % 10 == 0:
            vm["possible_owners"] = [names[(i + k) % nodes] for k in range(nodes // 2)]
        if i % 5 == 0:
            vm["anti_affinity"] = [f"class{i % 40}"]
        machines[f"vm{i:04}"] = vm
    return Lab.model_validate(
        {
            "name": "bench",
            "hosts": {
                n: {"os": "WindowsServer2016", "memory": host_memory, "host_reserve": "8GiB"}
                for n in names
            },
            "clusters": {"clu": {"nodes": names}},
            "vms": machines,
        }
    )


def sweep(lab: Lab, repeat: int) -> dict[str, Any]:
    """Place after the loss of each node in turn (best of ``repeat`` sweeps)."""
    cluster = lab.clusters["clu"]
    best = float("inf")
    slowest = 0.0
    counts: dict[str, int] = {}
    for _ in range(repeat):
        counts = {"decisions": 0, "started": 0, "failed": 0, "preempted": 0}
        sweep_start = time.perf_counter()
        for node in cluster.nodes:
            one = time.perf_counter()
            result = place(lab, cluster, {node})
            slowest = max(slowest, time.perf_counter() - one)
            counts["decisions"] += len(result.placements)
            counts["started"] += sum(p.status == "started" for p in result.placements)
            counts["failed"] += sum(p.status == "failed" for p in result.placements)
            counts["preempted"] += len(result.preempted)
        best = min(best, time.perf_counter() - sweep_start)
    tracemalloc.start()
    for node in cluster.nodes[:8]:
        place(lab, cluster, {node})
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "node_losses": len(cluster.nodes),
        "sweep_s": round(best, 4),
        "per_node_loss_ms_mean": round(best / len(cluster.nodes) * 1000, 3),
        "per_node_loss_ms_max": round(slowest * 1000, 3),
        "placement_decisions": counts["decisions"],
        "placements_per_s": round(counts["decisions"] / best),
        "started": counts["started"],
        "failed": counts["failed"],
        "preempted": counts["preempted"],
        "placement_peak_traced_mib": round(traced_peak / 2**20, 2),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=64)
    parser.add_argument("--vms", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N full sweeps")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    roomy = build(args.nodes, args.vms, "768GiB")
    build_s = time.perf_counter() - t0
    # Tight: hosts barely hold their own VMs, so failover exercises preemption and failures.
    tight = build(args.nodes, args.vms, "544GiB")
    emit(
        "cluster.placement",
        {
            "nodes": args.nodes,
            "vms": args.vms,
            "lab_build_s": round(build_s, 4),
            "roomy_768GiB_hosts": sweep(roomy, args.repeat),
            "tight_544GiB_hosts": sweep(tight, args.repeat),
            "process_peak_rss_mib": round(peak_rss_mib(), 1),
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
