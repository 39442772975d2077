"""Benchmark of the spanning-tree engine (hvlab.l2.stp): JSON on stdout.

Networks
--------
random
    10,000 switches and 30,000 links: a random recursive tree (each switch
    cabled to an earlier one) plus 20,001 random extra links, 1/10/20/40 Gb/s,
    a few low-priority "core" switches.
fat-tree
    A k = 40 fat-tree (400 core, 800 aggregation, 800 edge switches, 32,000
    links), the comparable-size data-centre shape.

Measures, per network: compile + RSTP solve, MSTP with 16 instances (one region),
and single-link failures recomputed incrementally vs from scratch (median over
sampled links). Peak memory is the tracemalloc peak of a second, traced run.
Targets: RSTP < 2 s, MSTP-16 < 20 s, incremental >= 10x faster than scratch.

Usage: ``python benchmarks/bench_stp.py [--small] [--seed N]``.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from hvlab.l2.stp import solve, solve_incremental
from hvlab.l2.topology import Bridge, Failures, Link, MstConfig, Port, Topology

G = 1_000_000_000
SPEEDS = (1 * G, 10 * G, 10 * G, 20 * G, 40 * G)


def random_network(
    n: int, m: int, seed: int, protocol: str = "rstp", mst: MstConfig | None = None
) -> Topology:
    """Return a connected random network of ``n`` switches and ``m`` links."""
    rng = random.Random(seed)
    edges = [(i, rng.randrange(i)) for i in range(1, n)]
    while len(edges) < m:
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b:
            edges.append((a, b))
    return _build(n, edges, rng, protocol, mst, core=set(rng.sample(range(n), 4)))


def fat_tree(k: int, seed: int, protocol: str = "rstp", mst: MstConfig | None = None) -> Topology:
    """Return a k-ary fat-tree: (k/2)^2 core, k^2/2 aggregation and k^2/2 edge switches."""
    rng = random.Random(seed)
    half = k // 2
    n_core = half * half
    core = list(range(n_core))
    agg = [n_core + pod * half + i for pod in range(k) for i in range(half)]
    edge = [n_core + k * half + pod * half + i for pod in range(k) for i in range(half)]
    edges: list[tuple[int, int]] = []
    for pod in range(k):
        for i in range(half):
            a = agg[pod * half + i]
            for j in range(half):
                edges.append((edge[pod * half + j], a))
                edges.append((a, core[i * half + j]))
    return _build(n_core + k * k, edges, rng, protocol, mst, core=set(core[:2]))


def _build(
    n: int,
    edges: list[tuple[int, int]],
    rng: random.Random,
    protocol: str,
    mst: MstConfig | None,
    core: set[int],
) -> Topology:
    msti = tuple((t, rng.choice((4096, 8192, 32768, 61440))) for t in range(1, 17))
    bridges = [
        Bridge(
            f"sw{i}",
            0x020000000000 + i,
            protocol=protocol,  # type: ignore[arg-type]
            priority=4096 if i in core else 32768,
            mst=mst,
            msti_priority=msti if rng.random() < 0.01 else (),
        )
        for i in range(n)
    ]
    counts = [0] * n
    ports: list[Port] = []
    links: list[Link] = []
    for a, b in edges:
        speed = rng.choice(SPEEDS)
        ends = []
        for x in (a, b):
            counts[x] += 1
            ports.append(Port(f"sw{x}", f"p{counts[x]}", counts[x], speed_bps=speed))
            ends.append((f"sw{x}", f"p{counts[x]}"))
        links.append(Link(ends[0], ends[1]))
    return Topology(tuple(bridges), tuple(ports), tuple(links))


def _timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    best = float("inf")
    out: Any = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _peak_mib(fn: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return round(peak / 2**20, 1)


def bench_network(
    name: str, make: Callable[..., Topology], samples: int, seed: int
) -> dict[str, Any]:
    """Run every measurement on one network shape."""
    topo = make("rstp", None)
    out: dict[str, Any] = {
        "network": name,
        "switches": len(topo.bridges),
        "links": len(topo.links),
        "ports": len(topo.ports),
    }
    # cold: a fresh Topology object, so the engine compiles it (input validation excluded)
    fresh = [Topology(topo.bridges, topo.ports, topo.links) for _ in range(2)]
    t_rstp = min(_timed(functools.partial(solve, f))[0] for f in fresh)
    t_warm, base = _timed(lambda: solve(topo), repeat=2)  # compiled topology reused
    out["rstp_s"] = round(t_rstp, 3)
    out["rstp_precompiled_s"] = round(t_warm, 3)
    out["rstp_peak_mib"] = _peak_mib(lambda: solve(Topology(topo.bridges, topo.ports, topo.links)))
    out["rstp_blocked_ports"] = sum(1 for p in base.trees[0].ports() if p.state != "forwarding")

    rng = random.Random(seed)
    sample = rng.sample(topo.links, min(samples, len(topo.links)))
    inc_times = []
    on_tree = 0
    for link in sample:
        t, _ = _timed(functools.partial(solve_incremental, base, f"link:{link.id}"))
        inc_times.append(t)
        a = base.trees[0].port(*link.a)
        b = base.trees[0].port(*link.b)
        on_tree += "root" in (a.role, b.role)
    scratch_times = []
    for link in sample[: max(3, samples // 10)]:
        t, _ = _timed(functools.partial(solve, topo, Failures.of(f"link:{link.id}")))
        scratch_times.append(t)
    inc_med = statistics.median(inc_times)
    scratch_med = statistics.median(scratch_times)
    out["incremental"] = {
        "sampled_links": len(sample),
        "on_tree_links": on_tree,
        "median_s": round(inc_med, 5),
        "p90_s": round(sorted(inc_times)[int(0.9 * (len(inc_times) - 1))], 5),
        "max_s": round(max(inc_times), 5),
        "scratch_median_s": round(scratch_med, 3),
        "speedup_median": round(scratch_med / inc_med, 1),
    }

    vlans = {t: [v for v in range(1, 4095) if v % 16 == t - 1] for t in range(1, 17)}
    mst = MstConfig.from_instances("bench", 1, vlans)
    mtopo = make("mstp", mst)
    fresh_m = Topology(mtopo.bridges, mtopo.ports, mtopo.links)
    t_mstp, mres = _timed(functools.partial(solve, fresh_m))
    out["mstp16_s"] = round(t_mstp, 3)
    out["mstp16_trees"] = len(mres.trees)
    out["mstp16_peak_mib"] = _peak_mib(
        lambda: solve(Topology(mtopo.bridges, mtopo.ports, mtopo.links))
    )
    mlink = sample[0]
    mres = solve(mtopo)
    t_minc, _ = _timed(lambda: solve_incremental(mres, f"link:{mlink.id}"))
    out["mstp16_incremental_one_link_s"] = round(t_minc, 4)
    out["targets_met"] = {
        "rstp_under_2s": t_rstp < 2.0,
        "mstp16_under_20s": t_mstp < 20.0,
        "incremental_10x": scratch_med / inc_med >= 10,
    }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a quick run on ~1/10 the size")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    n, m, k, samples = (1_000, 3_000, 12, 20) if args.small else (10_000, 30_000, 40, 60)
    seed = args.seed
    results = [
        bench_network(
            "random", lambda proto, mst: random_network(n, m, seed, proto, mst), samples, seed
        ),
        bench_network("fat-tree", lambda proto, mst: fat_tree(k, seed, proto, mst), samples, seed),
    ]
    json.dump(
        {
            "benchmark": "stp",
            "python": sys.version.split()[0],
            "small": args.small,
            "results": results,
        },
        sys.stdout,
        indent=2,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
