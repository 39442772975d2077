"""``hvlab stp`` (spanning tree per tree or per VLAN) and ``hvlab path`` (hop-by-hop paths).

``hvlab stp LAB [--vlan N | --instance N] [--down ELEMENT ...] [--diff] [--format text|json]``
``hvlab path LAB [FROM TO] [--vlan N | --network NAME] [--cluster NAME] [--down ELEMENT ...]
[--all-pairs] [--format text|json]``
"""

from __future__ import annotations

from typing import Annotated

import typer

from hvlab import api
from hvlab.commands.common import Format, FormatOption, LabArgument, out, user_errors
from hvlab.condition import Condition
from hvlab.errors import UserError
from hvlab.l2.forwarding import Path
from hvlab.l2.loops import lab_vlans
from hvlab.l2.network import L2View, analyse, transition
from hvlab.model.lab import Lab
from hvlab.model.load import suggest
from hvlab.report.jsonout import to_json
from hvlab.report.l2 import (
    all_pairs_dict,
    diff_dict,
    path_dict,
    path_entry,
    render_all_pairs,
    render_diff,
    render_paths,
    render_stp,
    stp_dict,
)

__all__ = ["path", "register", "stp"]

DownOption = Annotated[
    list[str] | None,
    typer.Option(
        "--down",
        help="An element that is down: switch:NAME, lag:SW:NAME, link:A:P~B:Q, port:SW:P, "
        "nic:HOST:NIC, node:HOST, rack:NAME, site:NAME, wan:NAME (repeatable).",
    ),
]


def _print_json(doc: object) -> None:
    out.print(to_json(doc), end="", markup=False, soft_wrap=True)


def _check_vlan(view: L2View, vlan: int) -> None:
    if not 1 <= vlan <= 4094:
        raise UserError(f"--vlan {vlan}: a VLAN id is 1-4094")
    used = set(lab_vlans(view))
    used.update(u for lp in view.topology.ports.values() if (u := lp.vlans.untagged_vlan()))
    if vlan in used:
        return
    known = [str(v) for v in sorted(used)]
    raise UserError(
        f"--vlan {vlan}: the lab does not use VLAN {vlan}{suggest(str(vlan), known)} "
        f"(VLANs in the lab: {', '.join(known) or 'none'})"
    )


def stp(
    lab: LabArgument,
    vlan: Annotated[
        int | None, typer.Option("--vlan", help="The tree of this VLAN (every port carrying it).")
    ] = None,
    instance: Annotated[
        int | None, typer.Option("--instance", help="Only this tree (0 = CIST, n = MSTI n).")
    ] = None,
    down: DownOption = None,
    diff: Annotated[
        bool,
        typer.Option("--diff", help="What changes when the --down elements fail, and how fast."),
    ] = False,
    all_ports: Annotated[
        bool, typer.Option("--all-ports", help="Text: list forwarding host-facing ports too.")
    ] = False,
    format: FormatOption = Format.text,
) -> None:
    """Show which switch ports spanning tree blocks, per tree or per VLAN."""
    if vlan is not None and instance is not None:
        raise UserError("give --vlan or --instance, not both")
    model = api.load(lab)
    condition = Condition.from_elements(model, list(down or []))
    if diff and not condition:
        raise UserError("--diff shows what changes when elements fail: add --down ELEMENT")
    view = analyse(model, condition)
    if vlan is not None:
        _check_vlan(view, vlan)
    if instance is not None and instance not in view.stp.trees:
        running = ", ".join(str(t) for t in view.stp.trees)
        raise UserError(f"--instance {instance}: no such tree runs (trees: {running})")
    if diff:
        before = analyse(model)
        change = transition(model, before, view)
        doc = diff_dict(before, view, change, vlan=vlan, instance=instance)
        if format is Format.json:
            _print_json(doc)
        else:
            render_diff(out, doc)
        return
    doc = stp_dict(view, vlan=vlan, instance=instance)
    if format is Format.json:
        _print_json(doc)
    else:
        render_stp(out, doc, all_ports=all_ports)


def _clusters_with(model: Lab, network: str, nodes: list[str]) -> list[str]:
    return [
        c.name
        for c in model.clusters.values()
        if network in c.networks and all(n in c.nodes for n in nodes)
    ]


def _pick_cluster(model: Lab, network: str, nodes: list[str], cluster: str | None) -> str:
    if cluster is not None:
        if cluster not in model.clusters:
            raise UserError(
                f"--cluster {cluster}: no such cluster{suggest(cluster, model.clusters)} "
                f"(clusters: {', '.join(model.clusters) or 'none'})"
            )
        return cluster
    found = _clusters_with(model, network, nodes)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise UserError(
            f"--network {network}: several clusters have it ({', '.join(found)}); add --cluster"
        )
    networks = sorted({n for c in model.clusters.values() for n in c.networks})
    where = f" with nodes {' and '.join(nodes)}" if nodes else ""
    raise UserError(
        f"--network {network}: no cluster{where} has a network of that name"
        f"{suggest(network, networks)} (networks: {', '.join(networks) or 'none'})"
    )


def path(
    lab: LabArgument,
    source: Annotated[
        str | None, typer.Argument(help="A host or VM (the start).", show_default=False)
    ] = None,
    target: Annotated[
        str | None, typer.Argument(help="A host or VM (the end).", show_default=False)
    ] = None,
    vlan: Annotated[int | None, typer.Option("--vlan", help="The VLAN to follow.")] = None,
    network: Annotated[
        str | None,
        typer.Option("--network", help="A cluster network (LiveMigration, CSV, ...)."),
    ] = None,
    cluster: Annotated[
        str | None, typer.Option("--cluster", help="The cluster of --network.")
    ] = None,
    down: DownOption = None,
    all_pairs: Annotated[
        bool,
        typer.Option("--all-pairs", help="Every pair of nodes of the cluster (with --network)."),
    ] = False,
    format: FormatOption = Format.text,
) -> None:
    """Show the path between two hosts or VMs hop by hop, with speeds and the bottleneck."""
    if vlan is not None and network is not None:
        raise UserError("give --vlan or --network, not both")
    model = api.load(lab)
    condition = Condition.from_elements(model, list(down or []))
    view = analyse(model, condition)
    names = condition.names()
    if all_pairs:
        if network is None:
            raise UserError("--all-pairs needs --network NAME (a cluster network)")
        nodes = [n for n in (source, target) if n is not None]
        chosen = _pick_cluster(model, network, nodes, cluster)
        c = model.clusters[chosen]
        if network not in c.networks:
            raise UserError(
                f"--network {network}: cluster {chosen} has no such network"
                f"{suggest(network, c.networks)} (networks: {', '.join(c.networks)})"
            )
        pairs: list[tuple[str, str, Path | None, int | None]] = []
        for i, a in enumerate(c.nodes):
            for b in c.nodes[i + 1 :]:
                p = view.cluster_path(chosen, network, a, b)
                pairs.append((a, b, p, p.vlan if p is not None else c.networks[network].vlan))
        doc = all_pairs_dict(chosen, network, pairs, names)
        if format is Format.json:
            _print_json(doc)
        else:
            render_all_pairs(out, doc)
        return
    if source is None or target is None:
        raise UserError("give FROM and TO (hosts or VMs), or --all-pairs with --network")
    fwd = view.forwarding
    a_node, b_node = fwd.node_for(source), fwd.node_for(target)
    entries = []
    if network is not None:
        chosen = _pick_cluster(model, network, [source, target], cluster)
        p = view.cluster_path(chosen, network, source, target)
        net_vlan = model.clusters[chosen].networks[network].vlan
        entries.append(path_entry(p, p.vlan if p is not None else (net_vlan or 0), network))
    elif vlan is not None:
        _check_vlan(view, vlan)
        entries.append(path_entry(view.host_vlan_path(source, target, vlan), vlan))
    else:
        for v in sorted(fwd.vlans_of(a_node) & fwd.vlans_of(b_node)):
            entries.append(path_entry(view.host_vlan_path(source, target, v), v))
    for entry in entries:
        if not entry["reachable"] and (note := _routed_note(model, condition, source, target)):
            entry["note"] = note
    doc = path_dict(source, target, entries, names)
    if format is Format.json:
        _print_json(doc)
    else:
        render_paths(out, doc)


def _routed_note(model: Lab, condition: Condition, a: str, b: str) -> str | None:
    """Say why two endpoints in different sites have no layer-2 path in a VLAN: it is
    routed between the sites (over which WAN route), or no WAN route is up."""
    from hvlab.cluster.sites import site_of, wan_route
    from hvlab.model.units import format_speed

    def site(name: str) -> str | None:
        host = model.vms[name].host if name in model.vms else name
        return site_of(model, host) if host is not None else None

    here, there = site(a), site(b)
    if here is None or there is None or here == there:
        return None
    route = wan_route(model, here, there, condition)
    if route is None:
        return f"{here} and {there}: no WAN route is up between the sites"
    speed = format_speed(route.bandwidth_bps) if route.bandwidth_bps else "?"
    return (
        f"not extended at layer 2 between {here} and {there}: routed over "
        f"{' + '.join(route.links)} ({speed}, {route.latency_ms} ms)"
    )


def register(app: typer.Typer) -> None:
    """Add ``hvlab stp`` and ``hvlab path`` to ``app``."""
    app.command(name="stp")(user_errors(stp))
    app.command(name="path")(user_errors(path))
