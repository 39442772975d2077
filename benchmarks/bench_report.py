"""Benchmark of the HTML report (hvlab.report.html) on a generated 200-host site.

The site: two core switches, ten pairs of top-of-rack switches (each pair joined by a
2 x 40G LAG, each switch uplinked by a 2 x 40G LAG to one core, RSTP), 200 hosts with six
10G NICs each (CSV and live migration on the first switch of the pair, VM and
management teams over both), 25 clusters of 8 nodes with four networks, 400 VMs and one
scenario (a top-of-rack switch fails).

Measures: building and rendering the page in Python, its size, and -- when Chromium is
installed -- the time Chromium takes to load and paint it. Targets (issue 8): the page
renders in Chromium in under 3 s and weighs under 5 MB.

Usage: ``python benchmarks/bench_report.py [--hosts N] [--no-browser]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import emit, peak_rss_mib

PAIRS = 10
NODES_PER_CLUSTER = 8


def site_yaml(hosts: int = 200) -> str:
    """Return the lab file of the generated site (see the module docstring)."""
    pairs = max(1, min(PAIRS, hosts // 2 or 1))
    per_pair = -(-hosts // pairs)
    up = 3 * per_pair + 1  # first uplink port of a top-of-rack switch
    lines = [
        "name: bench-report",
        "description: generated 200-host site for the report benchmark",
        "defaults: {spanning_tree: {protocol: rstp}, os: WindowsServer2019}",
        "vlans: {10: Management, 20: Heartbeat, 30: CSV, 40: LiveMigration, 100: VM}",
        "switches:",
        "  core1: {mac: '02:00:00:00:00:01', spanning_tree: {priority: 4096},"
        f" ports: {{1-{4 * pairs + 2}: 40G}},"
        f" lags: {{Po100: {{members: [{4 * pairs + 1}, {4 * pairs + 2}]}}}}}}",
        "  core2: {mac: '02:00:00:00:00:02', spanning_tree: {priority: 8192},"
        f" ports: {{1-{4 * pairs + 2}: 40G}},"
        f" lags: {{Po100: {{members: [{4 * pairs + 1}, {4 * pairs + 2}]}}}}}}",
    ]
    core_lags: dict[str, list[str]] = {"core1": [], "core2": []}
    links = [
        f"  - ['core1:{4 * pairs + 1}', 'core2:{4 * pairs + 1}']",
        f"  - ['core1:{4 * pairs + 2}', 'core2:{4 * pairs + 2}']",
    ]
    for p in range(pairs):
        for side, core in (("a", "core1"), ("b", "core2")):
            name = f"tor{p + 1}{side}"
            mac = f"02:00:00:00:{p + 1:02x}:{1 if side == 'a' else 2:02x}"
            lines.append(
                f"  {name}: {{mac: '{mac}', rack: R{p + 1},"
                f" ports: {{1-{up - 1}: 10G, {up}-{up + 3}: 40G}},"
                f" lags: {{Po1: {{members: [{up}, {up + 1}]}},"
                f" Po2: {{members: [{up + 2}, {up + 3}]}}}}}}"
            )
            c1, c2 = 2 * p + 1, 2 * p + 2
            core_lags[core].append(f"Po{p + 1}: {{members: [{c1}, {c2}]}}")
            links.append(f"  - ['{core}:{c1}', '{name}:{up + 2}']")
            links.append(f"  - ['{core}:{c2}', '{name}:{up + 3}']")
        links.append(f"  - ['tor{p + 1}a:{up}', 'tor{p + 1}b:{up}']")
        links.append(f"  - ['tor{p + 1}a:{up + 1}', 'tor{p + 1}b:{up + 1}']")
    for core in ("core1", "core2"):
        idx = next(i for i, line in enumerate(lines) if line.startswith(f"  {core}:"))
        lines[idx] = lines[idx].replace(
            "lags: {Po100:", "lags: {" + ", ".join(core_lags[core]) + ", Po100:"
        )
    host_lines = ["hosts:"]
    used: dict[str, int] = {}

    def port(switch: str) -> int:
        used[switch] = used.get(switch, 0) + 1
        return used[switch]

    for h in range(hosts):
        p = h // per_pair
        a, b = f"tor{p + 1}a", f"tor{p + 1}b"
        host_lines.append(
            f"  node{h + 1}: {{rack: R{p + 1}, memory: 512GiB, cpus: 64, nics: {{CSV: 10G,"
            " LM: 10G, VM-A: 10G, VM-B: 10G, MGMT-A: 10G, MGMT-B: 10G},"
            " teams: {VMTeam: {members: [VM-A, VM-B], algorithm: Dynamic},"
            " MgmtTeam: {members: [MGMT-A, MGMT-B], interfaces: {Management: {vlan: 10},"
            " Heartbeat: {vlan: 20}}}}, vswitches: {VMSwitch: {uplink: VMTeam}}}"
        )
        for nic, switch in (
            ("CSV", a),
            ("LM", b),
            ("VM-A", a),
            ("VM-B", b),
            ("MGMT-A", a),
            ("MGMT-B", b),
        ):
            links.append(f"  - ['node{h + 1}:{nic}', '{switch}:{port(switch)}']")
    host_lines.append("clusters:")
    clusters = max(1, hosts // NODES_PER_CLUSTER)
    for c in range(clusters):
        nodes = [f"node{c * NODES_PER_CLUSTER + i + 1}" for i in range(NODES_PER_CLUSTER)]
        nodes = [n for n in nodes if int(n[4:]) <= hosts]
        host_lines.append(
            f"  clu{c + 1}: {{nodes: [{', '.join(nodes)}], csvs: {{V1: 20TiB}},"
            " networks: {Management: {vlan: 10, role: ClusterAndClient},"
            " Heartbeat: {vlan: 20}, CSV: {vlan: 30}, LiveMigration: {vlan: 40}}}"
        )
    host_lines.append("vms:")
    for v in range(2 * hosts):
        h = v % hosts
        c = min(h // NODES_PER_CLUSTER, clusters - 1)
        host_lines.append(
            f"  vm{v + 1}: {{cluster: clu{c + 1}, host: node{h + 1}, memory: 16GiB,"
            " storage: V1, nics: [{switch: VMSwitch, vlan: 100}]}"
        )
    host_lines.append("scenarios:")
    host_lines.append("  tor-fails: [{at: 10s, down: 'switch:tor1a'}]")
    return "\n".join([*lines, "links:", *links, *host_lines]) + "\n"


def main() -> None:
    """Run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()

    from hvlab.model.load import load_lab_text
    from hvlab.report.html import render_report
    from hvlab.report.html.browser import Browser, BrowserError, find_chromium

    lab = load_lab_text(site_yaml(args.hosts), "bench-report.yaml")
    start = time.perf_counter()
    html = render_report(lab)
    python_s = time.perf_counter() - start
    size = len(html.encode())
    results: dict[str, object] = {
        "hosts": len(lab.hosts),
        "switches": len(lab.switches),
        "cables": len(lab.links),
        "python_render_s": round(python_s, 3),
        "html_bytes": size,
        "html_mb": round(size / 1e6, 3),
        "size_ok": size < 5_000_000,
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }
    if not args.no_browser and find_chromium():
        with tempfile.TemporaryDirectory() as tmp:
            page_path = Path(tmp) / "report.html"
            page_path.write_text(html, encoding="utf-8")
            try:
                with Browser() as browser:
                    page = browser.open(page_path)
                    results["chromium_load_s"] = round(page.load_ms / 1000, 3)
                    results["chromium_errors"] = page.errors
                    t = time.perf_counter()
                    page.evaluate("window.hvlabReport.applyView('vlan:40')")
                    results["view_switch_ms"] = round((time.perf_counter() - t) * 1000, 1)
                    results["render_ok"] = page.load_ms < 3000 and not page.errors
            except BrowserError as exc:
                results["chromium"] = f"not available: {exc}"
    else:
        results["chromium"] = "skipped"
    emit("report", results)


if __name__ == "__main__":
    main()
