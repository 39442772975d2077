"""Benchmark the team/bond hash engines and ``teaming.distribute()``.

Part 1 (``results``): hashes ``--flows`` synthetic flows (10 million by default) onto a
4-member team with every algorithm, times the vectorised engine (best of ``--repeat``
runs), measures the peak memory each run allocates (``tracemalloc``, which sees NumPy's
buffers), times a straightforward pure-Python per-flow loop of the same algorithm on a
``--python-sample`` of the flows.

Part 2 (``distribute``): draws ``--distribute-flows`` flows (10 million by default) with
``teaming.generate_flows`` (heavy-tailed, timed, 16 VMs) and times the whole
``teaming.distribute()`` -- member states, outbound placement, Dynamic/OVS rebalancing over
the window, inbound placement, per-VM bandwidth -- on a 4-member LBFO team for every
algorithm (best of ``--repeat``). Target: at least 5 M flows/s for TransportPorts.

Prints one JSON document on stdout.

Usage::

    python benchmarks/bench_teaming.py              # 10 M flows
    python benchmarks/bench_teaming.py --flows 200000 --distribute-flows 200000
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hvlab.model.lab import Lab
from hvlab.teaming import distribute, generate_flows, ovs
from hvlab.teaming.hashing import (
    DEFAULT_RSS_KEY,
    FlowArrays,
    lbfo_member,
    linux_bond_member,
    synthetic_flows,
)

MEMBERS = 4
#: Targets from the brief: one core, TransportPorts and layer3+4.
TARGET_FLOWS_PER_S = 5_000_000
TARGET_SPEEDUP = 20.0
TARGETED = ("linux layer3+4", "lbfo TransportPorts")
#: Target of distribute(): flows per second for TransportPorts on a 4-member team.
TARGET_DISTRIBUTE_FLOWS_PER_S = 5_000_000
DISTRIBUTE_ALGORITHMS = (
    "TransportPorts",
    "IPAddresses",
    "MacAddresses",
    "HyperVPort",
    "Dynamic",
    "ovs:balance-tcp",
    "ovs:balance-slb",
)

Engine = Callable[[FlowArrays], NDArray[Any]]
PyLoop = Callable[[dict[str, list[int]]], list[int]]


def _ovs_tcp_members(flows: FlowArrays) -> NDArray[Any]:
    buckets = ovs.balance_tcp_buckets(flows)
    assignment: NDArray[Any] = ovs.assign_buckets_first_use(buckets, [True] * MEMBERS)
    members: NDArray[Any] = assignment[buckets]
    return members


ENGINES: dict[str, Engine] = {
    "linux layer2": lambda f: linux_bond_member(f, "layer2", MEMBERS),
    "linux layer2+3": lambda f: linux_bond_member(f, "layer2+3", MEMBERS),
    "linux layer3+4": lambda f: linux_bond_member(f, "layer3+4", MEMBERS),
    "lbfo TransportPorts": lambda f: lbfo_member(f, "TransportPorts", MEMBERS),
    "lbfo IPAddresses": lambda f: lbfo_member(f, "IPAddresses", MEMBERS),
    "lbfo MacAddresses": lambda f: lbfo_member(f, "MacAddresses", MEMBERS),
    "lbfo HyperVPort": lambda f: lbfo_member(f, "HyperVPort", MEMBERS),
    "ovs balance-tcp": _ovs_tcp_members,
}


# --------------------------------------------------------------------------------------
# The straightforward pure-Python loops the vectorised engines are compared with
# (IPv4 only, as the synthetic flows are).
# --------------------------------------------------------------------------------------


def _bswap32(x: int) -> int:
    return int.from_bytes(x.to_bytes(4, "big"), "little")


def _py_layer2(c: dict[str, list[int]]) -> list[int]:
    return [
        ((s ^ d) & 0xFF ^ et) % MEMBERS
        for s, d, et in zip(c["src_mac"], c["dst_mac"], c["ethertype"], strict=True)
    ]


def _py_layer23(c: dict[str, list[int]]) -> list[int]:
    out = []
    for s, d, et, si, di in zip(
        c["src_mac"], c["dst_mac"], c["ethertype"], c["src_ip"], c["dst_ip"], strict=True
    ):
        h = (s ^ d) & 0xFF ^ et
        if et == 0x0800:
            h ^= _bswap32(si ^ di)
            h ^= h >> 16
            h ^= h >> 8
        out.append(h % MEMBERS)
    return out


def _py_layer34(c: dict[str, list[int]]) -> list[int]:
    out = []
    for s, d, et, si, di, sp, dp, pr, fr in zip(
        c["src_mac"],
        c["dst_mac"],
        c["ethertype"],
        c["src_ip"],
        c["dst_ip"],
        c["src_port"],
        c["dst_port"],
        c["ip_proto"],
        c["is_fragment"],
        strict=True,
    ):
        if et != 0x0800:
            out.append(((s ^ d) & 0xFF ^ et) % MEMBERS)
            continue
        h = _bswap32((sp << 16) | dp) if pr in (6, 17) and not fr else 0
        h ^= _bswap32(si ^ di)
        h ^= h >> 16
        h ^= h >> 8
        out.append((h >> 1) % MEMBERS)
    return out


def _py_byte_tables(key: bytes, n_bytes: int) -> list[list[int]]:
    """Per input position, the Toeplitz contribution of each byte value (plain Python)."""
    k = int.from_bytes(key, "big") << 32
    k_bits = 8 * len(key)
    tables = []
    for i in range(n_bytes):
        windows = [(k >> (k_bits - (8 * i + j))) & 0xFFFFFFFF for j in range(8)]
        row = []
        for value in range(256):
            h = 0
            for j in range(8):
                if value & (0x80 >> j):
                    h ^= windows[j]
            row.append(h)
        tables.append(row)
    return tables


_T8 = _py_byte_tables(DEFAULT_RSS_KEY, 12)


def _py_toeplitz(data: bytes) -> int:
    h = 0
    for i, byte in enumerate(data):
        h ^= _T8[i][byte]
    return h


def _py_transport_ports(c: dict[str, list[int]]) -> list[int]:
    out = []
    for si, di, sp, dp, pr, fr in zip(
        c["src_ip"],
        c["dst_ip"],
        c["src_port"],
        c["dst_port"],
        c["ip_proto"],
        c["is_fragment"],
        strict=True,
    ):
        data = si.to_bytes(4, "big") + di.to_bytes(4, "big")
        if pr in (6, 17) and not fr:
            data += sp.to_bytes(2, "big") + dp.to_bytes(2, "big")
        out.append(_py_toeplitz(data) % MEMBERS)
    return out


def _py_ip_addresses(c: dict[str, list[int]]) -> list[int]:
    return [
        _py_toeplitz(si.to_bytes(4, "big") + di.to_bytes(4, "big")) % MEMBERS
        for si, di in zip(c["src_ip"], c["dst_ip"], strict=True)
    ]


def _py_mac_addresses(c: dict[str, list[int]]) -> list[int]:
    return [
        _py_toeplitz(s.to_bytes(6, "big") + d.to_bytes(6, "big")) % MEMBERS
        for s, d in zip(c["src_mac"], c["dst_mac"], strict=True)
    ]


def _py_hyperv_port(c: dict[str, list[int]]) -> list[int]:
    return [p % MEMBERS for p in c["vswitch_port"]]


def _py_mhash_add(h: int, data: int) -> int:
    data = (data * 0xCC9E2D51) & 0xFFFFFFFF
    data = ((data << 15) | (data >> 17)) & 0xFFFFFFFF
    h ^= (data * 0x1B873593) & 0xFFFFFFFF
    h = ((h << 13) | (h >> 19)) & 0xFFFFFFFF
    return (h * 5 + 0xE6546B64) & 0xFFFFFFFF


def _py_ovs_tcp(c: dict[str, list[int]]) -> list[int]:
    assignment: dict[int, int] = {}
    out = []
    for si, di, sp, dp, pr in zip(
        c["src_ip"], c["dst_ip"], c["src_port"], c["dst_port"], c["ip_proto"], strict=True
    ):
        h = _py_mhash_add(_py_mhash_add(0, _bswap32(si)), _bswap32(di))
        h = _py_mhash_add(h, pr)
        if pr in (6, 17, 132, 1, 58):
            h = _py_mhash_add(h, _bswap32((sp << 16) | dp))
        h ^= 42
        h ^= h >> 16
        h = (h * 0x85EBCA6B) & 0xFFFFFFFF
        h ^= h >> 13
        h = (h * 0xC2B2AE35) & 0xFFFFFFFF
        h ^= h >> 16
        bucket = h & 0xFF
        if bucket not in assignment:
            assignment[bucket] = len(assignment) % MEMBERS
        out.append(assignment[bucket])
    return out


PY_LOOPS: dict[str, PyLoop] = {
    "linux layer2": _py_layer2,
    "linux layer2+3": _py_layer23,
    "linux layer3+4": _py_layer34,
    "lbfo TransportPorts": _py_transport_ports,
    "lbfo IPAddresses": _py_ip_addresses,
    "lbfo MacAddresses": _py_mac_addresses,
    "lbfo HyperVPort": _py_hyperv_port,
    "ovs balance-tcp": _py_ovs_tcp,
}


def _columns(flows: FlowArrays) -> dict[str, list[int]]:
    names = (
        "src_mac",
        "dst_mac",
        "ethertype",
        "src_ip",
        "dst_ip",
        "src_port",
        "dst_port",
        "ip_proto",
        "is_fragment",
        "vswitch_port",
    )
    return {name: [int(x) for x in getattr(flows, name).tolist()] for name in names}


def _best_time(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _peak_bytes(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def run(n_flows: int, sample: int, repeat: int, seed: int) -> dict[str, Any]:
    """Run every engine and return the report (see the module docstring)."""
    start = time.perf_counter()
    flows = synthetic_flows(n_flows, seed=seed)
    generate_s = time.perf_counter() - start
    sample = min(sample, n_flows)
    small = flows.take(np.arange(sample))
    columns = _columns(small)

    results: list[dict[str, Any]] = []
    for name, engine in ENGINES.items():
        vec_small = engine(small)
        py_small = PY_LOOPS[name](columns)
        if vec_small.tolist() != py_small:
            raise AssertionError(f"{name}: vectorised and pure-Python results differ")
        on_all = functools.partial(engine, flows)
        seconds = _best_time(on_all, repeat)
        peak = _peak_bytes(on_all)
        py_seconds = _best_time(functools.partial(PY_LOOPS[name], columns), 1)
        rate = n_flows / seconds
        py_rate = sample / py_seconds
        results.append(
            {
                "algorithm": name,
                "seconds": round(seconds, 4),
                "flows_per_s": round(rate),
                "peak_mib": round(peak / 2**20, 1),
                "peak_bytes_per_flow": round(peak / n_flows, 1),
                "python_flows_per_s": round(py_rate),
                "speedup": round(rate / py_rate, 1),
            }
        )
    targeted = [r for r in results if r["algorithm"] in TARGETED]
    return {
        "benchmark": "teaming",
        "flows": n_flows,
        "members": MEMBERS,
        "python_sample": sample,
        "repeat": repeat,
        "seed": seed,
        "generate_seconds": round(generate_s, 3),
        "input_mib": round(sum(a.nbytes for a in _arrays(flows)) / 2**20, 1),
        "results": results,
        "targets": {
            "algorithms": list(TARGETED),
            "flows_per_s": TARGET_FLOWS_PER_S,
            "speedup": TARGET_SPEEDUP,
            "met": all(
                r["flows_per_s"] >= TARGET_FLOWS_PER_S and r["speedup"] >= TARGET_SPEEDUP
                for r in targeted
            ),
        },
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
    }


def _team_lab() -> Lab:
    """A Windows Server 2016 host with one 4 x 10 G switch-independent LBFO team."""
    nics = {f"NIC{i + 1}": "10G" for i in range(MEMBERS)}
    return Lab.model_validate(
        {
            "name": "bench-teaming",
            "hosts": {
                "h1": {
                    "os": "WindowsServer2016",
                    "nics": nics,
                    "teams": {"T": {"members": list(nics), "algorithm": "TransportPorts"}},
                }
            },
        }
    )


def run_distribute(n_flows: int, repeat: int, seed: int) -> dict[str, Any]:
    """Time ``distribute()`` on ``n_flows`` generated flows for every algorithm."""
    lab = _team_lab()
    start = time.perf_counter()
    batch = generate_flows(n_flows, seed)
    generate_s = time.perf_counter() - start
    rows: list[dict[str, Any]] = []
    for algorithm in DISTRIBUTE_ALGORITHMS:
        holder: dict[str, Any] = {}

        def once(algorithm: str = algorithm, holder: dict[str, Any] = holder) -> None:
            holder["d"] = distribute(lab, "h1", "T", batch, algorithm=algorithm)

        seconds = _best_time(once, repeat)
        d = holder["d"]
        rows.append(
            {
                "algorithm": algorithm,
                "seconds": round(seconds, 4),
                "flows_per_s": round(n_flows / seconds),
                "imbalance": round(d.imbalance, 4),
                "interval_imbalance": round(d.interval_imbalance, 4),
                "jain": round(d.jain, 5),
                "rebalancing_steps": len(d.rebalancing),
                "moved_flows": int(d.moved.sum()),
            }
        )
    tp = next(r for r in rows if r["algorithm"] == "TransportPorts")
    return {
        "flows": n_flows,
        "members": MEMBERS,
        "generate_seconds": round(generate_s, 3),
        "window_s": batch.window_s,
        "results": rows,
        "target": {
            "algorithm": "TransportPorts",
            "flows_per_s": TARGET_DISTRIBUTE_FLOWS_PER_S,
            "met": tp["flows_per_s"] >= TARGET_DISTRIBUTE_FLOWS_PER_S,
        },
    }


def _arrays(flows: FlowArrays) -> list[NDArray[Any]]:
    return [a for a in (getattr(flows, f.name) for f in fields(flows)) if a is not None]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--flows", type=int, default=10_000_000, help="flows to hash")
    parser.add_argument("--python-sample", type=int, default=200_000, help="flows for the loop")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per engine (best)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic flows")
    parser.add_argument(
        "--distribute-flows", type=int, default=10_000_000, help="flows for distribute()"
    )
    args = parser.parse_args(argv)
    if args.flows < 1 or args.python_sample < 1 or args.repeat < 1 or args.distribute_flows < 1:
        parser.error("--flows, --distribute-flows, --python-sample and --repeat must be positive")
    report = run(args.flows, args.python_sample, args.repeat, args.seed)
    report["distribute"] = run_distribute(args.distribute_flows, args.repeat, args.seed)
    report["max_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
