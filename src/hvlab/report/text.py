"""Rich renderings for people: tables and trees on the terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.tree import Tree

from hvlab.errors import Problem

__all__ = ["render_problems", "render_summary"]


def render_problems(console: Console, problems: list[Problem]) -> None:
    """Print user-input problems, one ``file:line:col: path: message`` line each."""
    for problem in problems:
        console.print(str(problem), markup=False, highlight=False, soft_wrap=True)


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False, header_style="bold")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*["" if cell is None else str(cell) for cell in row])
    return table


def render_summary(console: Console, summary: dict[str, Any]) -> None:
    """Print the summary of :func:`hvlab.api.summary` as a tree of counts and tables."""
    tree = Tree(f"[bold]{summary['name']}[/] {summary['description']}")
    counts = summary["counts"]
    tree.add(", ".join(f"{value} {key.replace('_', ' ')}" for key, value in counts.items()))
    parts: list[Any] = [tree]
    if summary.get("sites"):
        parts.append(
            _table(
                "Sites",
                ["site", "kind", "hosts", "switches", "subnets (VLAN: prefix)"],
                [
                    [
                        s["name"],
                        s["kind"],
                        ", ".join(s["hosts"]) or "-",
                        ", ".join(s["switches"]) or "-",
                        ", ".join(f"{v}: {n}" for v, n in s["subnets"].items()) or "-",
                    ]
                    for s in summary["sites"]
                ],
            )
        )
    if summary.get("wan_links"):
        parts.append(
            _table(
                "WAN links",
                ["link", "sites", "bandwidth", "latency", "provider", "extends VLANs"],
                [
                    [
                        w["name"],
                        " - ".join(w["sites"]),
                        w["bandwidth"],
                        f"{w['latency_ms']} ms",
                        w["provider"] or "-",
                        ", ".join(map(str, w["vlans"])) or "- (routed)",
                    ]
                    for w in summary["wan_links"]
                ],
            )
        )
    if summary["switches"]:
        parts.append(
            _table(
                "Switches",
                ["switch", "MAC", "STP", "priority", "ports", "LAGs", "stack"],
                [
                    [
                        s["name"],
                        s["mac"],
                        s["spanning_tree"],
                        s["priority"],
                        s["ports"],
                        "; ".join(f"{k}: {','.join(v)}" for k, v in s["lags"].items()),
                        s["stack"],
                    ]
                    for s in summary["switches"]
                ],
            )
        )
    if summary["hosts"]:
        parts.append(
            _table(
                "Hosts",
                ["host", "OS", "CPUs", "memory", "NICs", "teams", "virtual switches"],
                [
                    [
                        h["name"],
                        h["os"],
                        h["cpus"],
                        h["memory"],
                        ", ".join(f"{n} {s}" for n, s in h["nics"].items()),
                        ", ".join(h["teams"]),
                        ", ".join(h["vswitches"]),
                    ]
                    for h in summary["hosts"]
                ],
            )
        )
    if summary["teams"]:
        parts.append(
            _table(
                "NIC teams",
                ["host", "team", "TeamingMode", "LoadBalancingAlgorithm", "members", "standby"],
                [
                    [
                        t["host"],
                        t["team"],
                        t["mode"],
                        t["algorithm"],
                        ", ".join(t["members"]),
                        t["standby"] or "-",
                    ]
                    for t in summary["teams"]
                ],
            )
        )
    for cluster in summary["clusters"]:
        parts.append(
            _table(
                f"Cluster {cluster['name']} ({', '.join(cluster['nodes'])}; "
                f"quorum {cluster['quorum']})",
                ["network / CSV", "VLAN / size", "role / used", "metric"],
                [
                    [name, n["vlan"], n["role"], n["metric"]]
                    for name, n in cluster["networks"].items()
                ]
                + [[name, v["size"], v["used"], ""] for name, v in cluster["csvs"].items()],
            )
        )
    if summary["vms"]:
        parts.append(
            _table(
                "Virtual machines",
                ["VM", "cluster", "host", "memory", "storage", "priority", "stop action"],
                [
                    [
                        v["name"],
                        v["cluster"],
                        v["host"],
                        v["memory"] + (" (dynamic)" if v["dynamic_memory"] else ""),
                        v["storage"],
                        v["priority"],
                        v["automatic_stop_action"],
                    ]
                    for v in summary["vms"]
                ],
            )
        )
    if summary["scenarios"]:
        parts.append(
            _table("Scenarios", ["scenario", "description"], list(summary["scenarios"].items()))
        )
    console.print(Group(*parts))
