"""Rendering of layer-2 answers: ``hvlab stp`` and ``hvlab path`` as JSON documents and Rich text.

JSON of ``hvlab stp`` (DESIGN.md contract, extended): ``{"protocol": "stp|rstp|mstp",
"trees": [{"instance" or "vlan": n, "root": "SWITCH", "ports": [{"switch", "port",
"role", "state", "cost", ...}]}], ...}``. ``switch`` and ``port`` are the lab's names (a
LAG by its name, on the switch that declares it); ``bridge`` is the spanning-tree bridge
(a stack's name for its members' ports). 802.1D ports that do not forward report role
``alternate`` and state ``blocking``.

Every builder returns plain data in a fixed key order, so the same lab and Condition give
the same bytes; renderers print those documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from hvlab.l2.forwarding import Path
from hvlab.l2.fromlab import LabPort
from hvlab.l2.network import L2Transition, L2View
from hvlab.l2.stp import PortResult
from hvlab.model.units import format_speed

__all__ = [
    "all_pairs_dict",
    "diff_dict",
    "path_dict",
    "path_entry",
    "render_all_pairs",
    "render_diff",
    "render_paths",
    "render_stp",
    "stp_dict",
]

_BLOCKED_ROLES = ("alternate", "backup")
_BLOCKED_STATES = ("discarding", "blocking", "listening", "learning")


def _tree_label(tree: int) -> str:
    return "CIST" if tree == 0 else f"MSTI {tree}"


def _port_row(view: L2View, lp: LabPort, pr: PortResult, tree: int | None) -> dict[str, Any]:
    lt = view.topology
    designated = None
    if pr.designated is not None:
        d = lt.ports.get(pr.designated)
        designated = d.label if d is not None else f"{pr.designated[0]}:{pr.designated[1]}"
    row: dict[str, Any] = {
        "switch": lp.switch,
        "port": lp.name,
        "role": str(pr.role),
        "state": str(pr.state),
        "cost": pr.cost,
    }
    if tree is not None:
        row["instance"] = tree
    row.update(
        {
            "bridge": lp.ref[0],
            "kind": lp.kind,
            "linked": view.topology.peer(lp.ref) is not None,
            "speed_bps": lp.speed_bps,
            "designated": designated,
            "edge": pr.edge,
            "boundary": pr.boundary,
            "err_disabled": pr.err_disabled,
            "bpdu_filtered": pr.bpdu_filtered,
            "stp": pr.stp,
        }
    )
    return row


def _loops(view: L2View) -> list[dict[str, Any]]:
    lt = view.topology
    out = []
    for lp in view.stp.loops:
        links = []
        for link_id in lp.links:
            cables = lt.link_cables.get(link_id, ())
            links.append(cables[0].element if len(cables) == 1 else link_id)
        out.append(
            {
                "instance": lp.tree,
                "switches": list(lp.bridges),
                "links": links,
                "causes": list(lp.causes),
            }
        )
    return out


def stp_dict(
    view: L2View,
    *,
    vlan: int | None = None,
    instance: int | None = None,
) -> dict[str, Any]:
    """Return the ``hvlab stp --format json`` document of ``view``.

    Parameters
    ----------
    view : L2View
        The analysed lab.
    vlan : int, optional
        One tree for this VLAN: every port carrying it, each with its role in the tree
        governing the VLAN on its bridge (``instance`` per port).
    instance : int, optional
        Only this tree (0 = CIST).
    """
    trees: list[dict[str, Any]] = []
    if vlan is not None:
        trees.append(
            {
                "vlan": vlan,
                "root": view.vlan_root(vlan),
                "instances": {b: t for b, t in sorted(view.vlan_trees(vlan).items())},
                "ports": [_port_row(view, lp, pr, pr.tree) for lp, pr in view.vlan_ports(vlan)],
            }
        )
    else:
        for n, tr in view.stp.trees.items():
            if instance is not None and n != instance:
                continue
            trees.append(
                {
                    "instance": n,
                    "root": tr.root,
                    "roots": list(tr.roots),
                    "ports": [_port_row(view, lp, pr, None) for lp, pr in view.tree_ports(n)],
                }
            )
    return {
        "protocol": view.stp.protocol,
        "lab": view.lab.name,
        "down": list(view.condition.names()),
        "trees": trees,
        "regions": [
            {
                "name": r.config.name,
                "revision": r.config.revision,
                "digest": r.config.digest,
                "bridges": list(r.bridges),
                "instances": list(r.instances),
                "regional_root": r.regional_root,
            }
            for r in view.stp.regions
        ],
        "loops": _loops(view),
        "notes": list(view.topology.notes),
    }


def _blocked(row: dict[str, Any]) -> bool:
    return row["role"] in _BLOCKED_ROLES or row["state"] in _BLOCKED_STATES


def render_stp(console: Console, doc: dict[str, Any], *, all_ports: bool = False) -> None:
    """Print an ``hvlab stp`` document: one table per tree, blocked ports highlighted.

    Disabled ports are counted, not listed; unless ``all_ports``, so are forwarding
    host-facing ports (ports with no link to another switch).
    """
    parts: list[Any] = []
    down = doc["down"]
    head = Text(f"{doc['lab']}: {doc['protocol'].upper()}", style="bold")
    if down:
        head.append(f"  (down: {', '.join(down)})", style="yellow")
    parts.append(head)
    for tree in doc["trees"]:
        if "vlan" in tree:
            used = sorted(set(tree["instances"].values()))
            title = f"VLAN {tree['vlan']} — root {tree['root']}"
            if used != [0]:
                title += " (" + ", ".join(_tree_label(t) for t in used) + ")"
        else:
            title = f"Instance {tree['instance']} ({_tree_label(tree['instance'])}) — root "
            title += str(tree["root"])
            if len(tree.get("roots", [])) > 1:
                title += f" (separate parts: {', '.join(tree['roots'])})"
        vlan_view = "vlan" in tree
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
        for col in ("switch", "port", "role", "state", "cost"):
            table.add_column(col, justify="right" if col == "cost" else "left")
        if vlan_view:
            table.add_column("tree")
        hidden = edges = 0
        blocked: list[str] = []
        for row in tree["ports"]:
            if row["state"] == "disabled":
                hidden += 1
                continue
            if not all_ports and not row["linked"] and not _blocked(row):
                edges += 1
                continue
            style = ""
            if _blocked(row):
                style = "bold red"
                blocked.append(f"{row['switch']}:{row['port']} ({row['role']}/{row['state']})")
            elif row["role"] in ("root", "master"):
                style = "cyan"
            cells = [row["switch"], row["port"], row["role"], row["state"], f"{row['cost']:,}"]
            if vlan_view:
                cells.append(_tree_label(row["instance"]))
            table.add_row(*cells, style=style)
        notes = []
        if edges:
            notes.append(f"{edges} forwarding host-facing port(s) not shown (--all-ports)")
        if hidden:
            notes.append(f"{hidden} disabled port(s) (shut down or link down) not shown")
        notes.append("blocked: " + ("; ".join(blocked) if blocked else "none"))
        table.caption = " · ".join(notes)
        table.caption_justify = "left"
        parts.append(table)
    for loop in doc["loops"]:
        parts.append(
            Text(
                f"LOOP in {_tree_label(loop['instance'])}: {', '.join(loop['switches'])} via "
                f"{', '.join(loop['links'])} — {'; '.join(loop['causes'])}",
                style="bold red",
            )
        )
    for note in doc["notes"]:
        parts.append(Text(f"note: {note}", style="dim"))
    console.print(Group(*parts))


# ---------------------------------------------------------------------------
# --diff


def diff_dict(
    before: L2View,
    after: L2View,
    change: L2Transition,
    *,
    vlan: int | None = None,
    instance: int | None = None,
) -> dict[str, Any]:
    """Return what changes from ``before`` to ``after`` (``hvlab stp --diff``)."""
    lt = after.topology
    rows = []
    for c in change.changes:
        lp = lt.ports.get((c.bridge, c.port))
        if lp is None:
            continue
        if instance is not None and c.tree != instance:
            continue
        if vlan is not None and (
            not lp.vlans.carries(vlan) or after.forwarding.tree_for(c.bridge, vlan) != c.tree
        ):
            continue
        rows.append(
            {
                "switch": lp.switch,
                "port": lp.name,
                "instance": c.tree,
                "role_before": str(c.role_before),
                "state_before": str(c.state_before),
                "role_after": str(c.role_after),
                "state_after": str(c.state_after),
                "ms": round(c.seconds * 1000),
                "explanation": c.explanation,
                "bridge": c.bridge,
            }
        )
    return {
        "protocol": after.stp.protocol,
        "lab": after.lab.name,
        "down": list(after.condition.names()),
        "settle_ms": change.settle_ms,
        "explanation": change.explanation,
        "settings": list(change.settings),
        "changes": rows,
        "summary": list(change.summary),
    }


def render_diff(console: Console, doc: dict[str, Any]) -> None:
    """Print an ``hvlab stp --diff`` document."""
    parts: list[Any] = [
        Text(
            f"{doc['lab']}: {doc['protocol'].upper()} when {', '.join(doc['down'])} fails",
            style="bold",
        )
    ]
    table = Table(box=box.SIMPLE_HEAD, title="ports that change", title_justify="left")
    for col in ("switch", "port", "tree", "before", "after", "after ms"):
        table.add_column(col, justify="right" if col == "after ms" else "left", no_wrap=True)
    lost = [r for r in doc["changes"] if r["state_after"] == "disabled" and r["ms"] == 0]
    for r in doc["changes"]:
        if r in lost and len(lost) > 4:
            continue
        starts = r["state_after"] == "forwarding"
        style = "green" if starts else ("dim" if r["state_after"] == "disabled" else "red")
        table.add_row(
            r["switch"],
            r["port"],
            _tree_label(r["instance"]),
            f"{r['role_before']}/{r['state_before']}",
            f"{r['role_after']}/{r['state_after']}",
            f"{r['ms']:,}",
            style=style,
        )
    if len(lost) > 4:
        names = sorted({f"{r['switch']}:{r['port']}" for r in lost})
        shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        parts.append(Text(f"{len(names)} port(s) lose their link: {shown}", style="dim"))
    if doc["changes"]:
        if table.row_count:
            parts.append(table)
        parts.append(Text(f"settles in {doc['settle_ms']:,} ms: {doc['explanation']}"))
    else:
        parts.append(Text("no port changes role or state"))
    console.print(Group(*parts))


# ---------------------------------------------------------------------------
# paths


def path_entry(path: Path | None, vlan: int, network: str | None = None) -> dict[str, Any]:
    """Return one path as JSON (``reachable`` false and no hops when there is none)."""
    if path is None:
        return {"vlan": vlan, "network": network, "reachable": False, "hops": []}
    return {
        "vlan": vlan,
        "network": network,
        "reachable": True,
        "text": path.text(),
        "bottleneck_bps": path.bottleneck_bps,
        "aggregate_bps": path.aggregate_bps,
        "mtu": path.mtu,
        "source_mtu": path.source_mtu,
        "target_mtu": path.target_mtu,
        "crosses": sorted(path.crosses),
        "hops": [
            {
                "node": h.node,
                "port": h.port,
                "next_node": h.next_node,
                "next_port": h.next_port,
                "kind": h.kind,
                "speed_bps": h.speed_bps,
                "flow_bps": h.flow_bps,
                "mtu": h.mtu,
            }
            for h in path.hops
        ],
    }


def path_dict(
    source: str, target: str, entries: Sequence[dict[str, Any]], down: Sequence[str]
) -> dict[str, Any]:
    """Return the ``hvlab path`` document."""
    return {"from": source, "to": target, "down": list(down), "paths": list(entries)}


def render_paths(console: Console, doc: dict[str, Any]) -> None:
    """Print an ``hvlab path`` document: hop by hop with speeds and the bottleneck."""
    parts: list[Any] = []
    head = Text(f"{doc['from']} → {doc['to']}", style="bold")
    if doc["down"]:
        head.append(f"  (down: {', '.join(doc['down'])})", style="yellow")
    parts.append(head)
    if not doc["paths"]:
        parts.append(Text("no VLAN in common", style="red"))
    for entry in doc["paths"]:
        label = f"VLAN {entry['vlan']}" + (f" ({entry['network']})" if entry["network"] else "")
        if not entry["reachable"]:
            parts.append(Text(f"{label}: no path", style="bold red"))
            if entry.get("note"):
                parts.append(Text(f"  {entry['note']}", style="yellow"))
            continue
        table = Table(title=label, title_justify="left", box=box.SIMPLE_HEAD)
        for col in ("from", "to", "kind", "speed", "per flow", "MTU"):
            table.add_column(
                col, justify="right" if col in ("speed", "per flow", "MTU") else "left"
            )
        for h in entry["hops"]:
            slow = h["flow_bps"] == entry["bottleneck_bps"]
            table.add_row(
                h["port"] if ":" in h["port"] else f"{h['node']}:{h['port']}",
                h["next_port"] if ":" in h["next_port"] else f"{h['next_node']}:{h['next_port']}",
                h["kind"],
                format_speed(h["speed_bps"]),
                format_speed(h["flow_bps"]),
                str(h["mtu"]),
                style="bold yellow" if slow else "",
            )
        need = min(entry["source_mtu"], entry["target_mtu"])
        table.caption = (
            f"bottleneck {format_speed(entry['bottleneck_bps'])} per flow, "
            f"{format_speed(entry['aggregate_bps'])} aggregate; crosses "
            f"{', '.join(entry['crosses']) or 'no switch'}"
        )
        table.caption_justify = "left"
        parts.append(table)
        if entry["mtu"] < need:
            parts.append(
                Text(
                    f"MTU: the endpoints use {need} but a hop passes only {entry['mtu']}: "
                    "large frames are dropped",
                    style="bold red",
                )
            )
    console.print(Group(*parts))


def all_pairs_dict(
    cluster: str,
    network: str,
    pairs: Sequence[tuple[str, str, Path | None, int | None]],
    down: Sequence[str],
) -> dict[str, Any]:
    """Return the ``hvlab path --all-pairs`` document.

    ``pairs`` holds ``(node_a, node_b, path, vlan)``. A pair is flagged
    ``slower_than_nics`` when its bottleneck is below the slower of its two NIC hops.
    """
    rows: list[dict[str, Any]] = []
    for a, b, path, vlan in pairs:
        if path is None or not path.hops:
            rows.append(
                {"from": a, "to": b, "vlan": vlan, "reachable": path is not None, "hops": 0}
            )
            continue
        nic = min(path.hops[0].flow_bps, path.hops[-1].flow_bps)
        rows.append(
            {
                "from": a,
                "to": b,
                "vlan": path.vlan,
                "reachable": True,
                "bottleneck_bps": path.bottleneck_bps,
                "nic_bps": nic,
                "slower_than_nics": path.bottleneck_bps < nic,
                "mtu": path.mtu,
                "crosses": sorted(path.crosses),
                "hops": len(path.hops),
                "text": path.text(),
            }
        )
    return {
        "cluster": cluster,
        "network": network,
        "down": list(down),
        "pairs": rows,
        "unreachable": sum(1 for r in rows if not r["reachable"]),
        "slower_than_nics": sum(1 for r in rows if r.get("slower_than_nics")),
    }


def render_all_pairs(console: Console, doc: dict[str, Any]) -> None:
    """Print an ``hvlab path --all-pairs`` document."""
    title = f"{doc['cluster']} / {doc['network']}: every pair of nodes"
    if doc["down"]:
        title += f" (down: {', '.join(doc['down'])})"
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("from", "to", "VLAN", "bottleneck", "NICs", "path"):
        table.add_column(col, justify="right" if col in ("bottleneck", "NICs") else "left")
    for r in doc["pairs"]:
        if not r["reachable"]:
            table.add_row(
                r["from"], r["to"], str(r["vlan"] or "-"), "-", "-", "no path", style="bold red"
            )
            continue
        if r["hops"] == 0:
            continue
        style = "bold yellow" if r["slower_than_nics"] else ""
        table.add_row(
            r["from"],
            r["to"],
            str(r["vlan"]),
            format_speed(r["bottleneck_bps"]),
            format_speed(r["nic_bps"]),
            r["text"],
            style=style,
        )
    table.caption = (
        f"{doc['slower_than_nics']} pair(s) cross a link slower than their NICs; "
        f"{doc['unreachable']} pair(s) without a path"
    )
    table.caption_justify = "left"
    console.print(table)
