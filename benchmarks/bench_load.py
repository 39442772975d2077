"""Load and validate a generated site of 1,000 hosts, 100 switches and 20,000 VMs.

Target (issue 2): under 5 s and under 1 GiB on a 2-core machine. The load runs
in a fresh process so its peak memory is its own. ``--scale 0.1`` for a quick run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import emit, peak_rss_mib


def generate(folder: Path, hosts: int, switches: int, vms: int) -> Path:
    """Write a site as a lab file plus included files and return the main file."""
    nodes_per_cluster = 16
    per_switch = max(1, -(-hosts * 2 // switches))
    lines = ["name: bench-site", "vlans: {10: Management, 20: Heartbeat, 30: CSV, 100: VM}"]
    lines.append("include: [hosts.yaml, vms.yaml]")
    lines.append("switches:")
    for s in range(switches):
        lines.append(
            f"  sw{s}: {{mac: '02:00:00:00:{s // 256:02x}:{s % 256:02x}', "
            f"ports: {{1-{per_switch}: 10G, {per_switch + 1}-{per_switch + 4}: 40G}}}}"
        )
    lines.append("links:")
    for s in range(switches):
        for k in range(2):
            t = (s + k + 1) % switches
            lines.append(f"  - ['sw{s}:{per_switch + 1 + k}', 'sw{t}:{per_switch + 3 + k}']")
    used = [0] * switches
    host_lines = ["hosts:"]
    for h in range(hosts):
        host_lines.append(
            f"  h{h}: {{memory: 512GiB, cpus: 64, nics: {{A: 10G, B: 10G}}, "
            "teams: {T: {members: [A, B], algorithm: Dynamic}}, "
            "vswitches: {VMSwitch: {uplink: T}}}"
        )
        for nic in ("A", "B"):
            s = (2 * h + (nic == "B")) % switches
            used[s] += 1
            lines.append(f"  - ['h{h}:{nic}', 'sw{s}:{used[s]}']")
    host_lines.append("clusters:")
    for c in range(hosts // nodes_per_cluster):
        nodes = ", ".join(f"h{c * nodes_per_cluster + i}" for i in range(nodes_per_cluster))
        host_lines.append(
            f"  c{c}: {{nodes: [{nodes}], csvs: {{V1: 20TiB, V2: 20TiB}}, "
            "networks: {CSV: {vlan: 30}, Management: {vlan: 10, role: ClusterAndClient}}}"
        )
    vm_lines = ["vms:"]
    clusters = hosts // nodes_per_cluster
    for v in range(vms):
        c = v % clusters
        h = c * nodes_per_cluster + (v // clusters) % nodes_per_cluster
        vm_lines.append(
            f"  vm{v}: {{cluster: c{c}, host: h{h}, memory: 8GiB, storage: V{v % 2 + 1}, "
            "nics: [{switch: VMSwitch, vlan: 100}]}"
        )
    (folder / "hosts.yaml").write_text("\n".join(host_lines) + "\n")
    (folder / "vms.yaml").write_text("\n".join(vm_lines) + "\n")
    main = folder / "site.yaml"
    main.write_text("\n".join(lines) + "\n")
    return main


def _load(path: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from hvlab.model.load import load_lab

    start = time.perf_counter()
    lab = load_lab(path)
    seconds = time.perf_counter() - start
    queue.put(
        {
            "seconds": round(seconds, 3),
            "peak_rss_mib": round(peak_rss_mib(), 1),
            "hosts": len(lab.hosts),
            "switches": len(lab.switches),
            "vms": len(lab.vms),
            "links": len(lab.links),
        }
    )


def main() -> None:
    """Generate the site, load it in a fresh process, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    hosts, switches, vms = (int(n * args.scale) for n in (1000, 100, 20000))
    with tempfile.TemporaryDirectory() as tmp:
        main_file = generate(Path(tmp), max(hosts, 16), max(switches, 2), max(vms, 1))
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        proc = ctx.Process(target=_load, args=(str(main_file), queue))
        proc.start()
        result = queue.get()
        proc.join()
    emit(
        "load",
        {
            "input_bytes": size,
            **result,
            "target": {"seconds": 5.0, "peak_rss_mib": 1024},
        },
    )


if __name__ == "__main__":
    main()
