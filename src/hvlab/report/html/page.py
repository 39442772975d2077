"""The HTML report: one self-contained file (inline CSS, script, SVG and data).

:func:`build_report` computes everything the page shows as plain data;
:func:`render_report` fills the Jinja2 template with it; :func:`write_report` writes the
page atomically. :func:`render_drawing` is the single picture of ``hvlab draw`` and
:func:`svg_to_png` turns it into PNG with resvg (the ``resvg-py`` package).

Nothing in the page loads anything from the network: the style sheet and the script are
read from this package and inlined, the picture is SVG text, the data a JSON blob. The
same lab and options give the same bytes (no clock, no random ids).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from hvlab import __version__
from hvlab.condition import Condition
from hvlab.errors import UserError
from hvlab.model.lab import Lab
from hvlab.model.load import suggest
from hvlab.model.units import format_speed
from hvlab.report.files import write_atomic
from hvlab.report.html.charts import gantt_svg
from hvlab.report.html.layout import Layout, layout
from hvlab.report.html.netview import (
    L2Picture,
    View,
    analyse_picture,
    css_id,
    host_id,
    line_indexes,
    switch_id,
)
from hvlab.report.html.sections import (
    defaults_section,
    findings_section,
    scenarios_section,
    teams_section,
)
from hvlab.report.html.svg import STATE_TEXT, render_svg

__all__ = [
    "ReportOptions",
    "build_report",
    "cluster_paths",
    "render_drawing",
    "render_report",
    "svg_to_png",
    "write_report",
]

PNG_PACKAGE = "resvg-py"


@dataclass(frozen=True)
class ReportOptions:
    """What a report shows.

    Attributes
    ----------
    scenarios : tuple of str or None
        Scenarios to simulate; ``None`` = every scenario of the lab.
    down : tuple of str
        Elements down in the pictures and the team sections (``lag:tor1:Po1``).
    view : str or None
        The view shown first: ``vlan:N``, ``tree:N``; default the path's VLAN, else
        ``tree:0``.
    path : str or None
        A cluster path shown first: ``CLUSTER:NETWORK:A:B`` (or ``NETWORK:A:B`` in a lab
        with one cluster).
    flows, team_seed : int
        The flow batch placed on each team (the same for every algorithm).
    sim_seed : int
        Seed of the simulations.
    max_teams : int
        Teams drawn in detail; more are listed by name.
    max_paths : int
        Cluster paths precomputed for the path picker.
    """

    scenarios: tuple[str, ...] | None = None
    down: tuple[str, ...] = ()
    view: str | None = None
    path: str | None = None
    flows: int = 4000
    team_seed: int = 1
    sim_seed: int = 0
    max_teams: int = 48
    max_paths: int = 5000
    title: str = field(default="")


def _condition(lab: Lab, down: Sequence[str]) -> Condition:
    return Condition.from_elements(lab, list(down)) if down else Condition.none()


def _parse_path(lab: Lab, text: str) -> tuple[str, str, str, str]:
    parts = text.split(":")
    if len(parts) == 3 and len(lab.clusters) == 1:
        parts = [next(iter(lab.clusters)), *parts]
    if len(parts) != 4:
        raise UserError(f"--path {text!r}: write it as CLUSTER:NETWORK:NODE_A:NODE_B")
    cluster, network, a, b = parts
    if cluster not in lab.clusters:
        raise UserError(
            f"--path: no cluster {cluster!r}{suggest(cluster, lab.clusters)} "
            f"(clusters: {', '.join(lab.clusters) or 'none'})"
        )
    c = lab.clusters[cluster]
    if network not in c.networks:
        raise UserError(
            f"--path: no network {network!r} in {cluster}{suggest(network, c.networks)} "
            f"(networks: {', '.join(c.networks)})"
        )
    for node in (a, b):
        if node not in c.nodes:
            raise UserError(
                f"--path: {node!r} is not a node of {cluster}{suggest(node, c.nodes)} "
                f"(nodes: {', '.join(c.nodes)})"
            )
    return cluster, network, a, b


def _path_entry(
    lab: Lab, picture: L2Picture, cluster: str, network: str, a: str, b: str
) -> dict[str, Any]:
    try:
        path = picture.l2.cluster_path(cluster, network, a, b)
    except Exception as exc:
        return {"none": True, "text": f"path not available: {exc}"}
    if path is None:
        return {
            "none": True,
            "text": f"no path between {a} and {b} on {cluster}/{network} "
            "(no forwarding layer-2 path in its VLAN)",
        }
    lines = line_indexes(picture, path.hops)
    names: list[str] = []
    for name in (a, *sorted(path.crosses), b):
        if (name in lab.hosts or name in lab.switches) and name not in names:
            names.append(name)
    return {
        "vlan": path.vlan,
        "lines": lines,
        "nodes": [host_id(n) if n in lab.hosts else switch_id(n) for n in names],
        "names": names,
        "text": path.text(),
        "bottleneck": format_speed(path.bottleneck_bps) if path.bottleneck_bps else "?",
        "switches": sorted(s for s in path.crosses if s in lab.switches),
    }


def _caption(key: Sequence[str], entry: dict[str, Any]) -> str:
    cluster, network, a, b = key
    if entry.get("none"):
        return f"{cluster}/{network}: no path {a} → {b}"
    over = ", ".join(entry.get("switches", []))
    return (
        f"{cluster}/{network} path {a} → {b}"
        + (f" over {over}" if over else "")
        + f" (bottleneck {entry['bottleneck']})"
    )


def cluster_paths(lab: Lab, picture: L2Picture, limit: int = 5000) -> dict[str, dict[str, Any]]:
    """Return ``"CLUSTER|NETWORK|A|B"`` → the path's lines, nodes and text, for every pair.

    Pairs are unordered (A before B in the cluster's node order); at most ``limit`` of
    them, in cluster, network and node order.
    """
    out: dict[str, dict[str, Any]] = {}
    for cluster in lab.clusters.values():
        nodes = [n for n in cluster.nodes if n in lab.hosts]
        for network in cluster.networks.values():
            for i, a in enumerate(nodes):
                for b in nodes[i + 1 :]:
                    if len(out) >= limit:
                        return out
                    key = f"{cluster.name}|{network.name}|{a}|{b}"
                    out[key] = _path_entry(lab, picture, cluster.name, network.name, a, b)
    return out


def _initial_view(picture: L2Picture, wanted: str | None) -> View:
    keys = [v.key for v in picture.views]
    if wanted is not None:
        if wanted not in keys:
            raise UserError(f"no view {wanted!r}{suggest(wanted, keys)} (views: {', '.join(keys)})")
        return picture.view(wanted)
    return picture.views[0]


def _down_nodes(lab: Lab, condition: Condition) -> list[str]:
    out = [s for s in lab.switches if not condition.switch_is_up(lab, s)]
    out += [h for h in lab.hosts if not condition.host_is_up(lab, h)]
    return out


def _picture(lab: Lab, condition: Condition) -> tuple[L2Picture, Layout]:
    picture = analyse_picture(lab, condition)
    return picture, layout(lab, picture.lines)


def _json_for_script(data: Any) -> Markup:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # Nothing in the blob may end the <script> element or open a comment.
    text = text.replace("</", "<\\/").replace("<!--", "<\\!--")
    return Markup(text)


def _asset(name: str) -> str:
    return resources.files("hvlab.report.html").joinpath(name).read_text(encoding="utf-8")


def build_report(lab: Lab, options: ReportOptions | None = None) -> dict[str, Any]:
    """Return everything the report page shows, as plain data (the template's context).

    Raises
    ------
    UserError
        An unknown element in ``down``, an unknown scenario, view or path.
    """
    options = options or ReportOptions()
    condition = _condition(lab, options.down)
    if options.scenarios is not None:
        for name in options.scenarios:
            if name not in lab.scenarios:
                raise UserError(
                    f"no scenario {name!r}{suggest(name, lab.scenarios)} "
                    f"(scenarios: {', '.join(lab.scenarios) or 'none'})"
                )
    picture, geometry = _picture(lab, condition)
    paths = cluster_paths(lab, picture, options.max_paths)
    initial_path: dict[str, Any] | None = None
    path_key = ""
    if options.path:
        cluster, network, a, b = _parse_path(lab, options.path)
        path_key = f"{cluster}|{network}|{a}|{b}"
        reverse = f"{cluster}|{network}|{b}|{a}"
        if path_key not in paths and reverse in paths:
            path_key = reverse
        if path_key not in paths:
            paths[path_key] = _path_entry(lab, picture, cluster, network, a, b)
        initial_path = paths[path_key]
    wanted = options.view
    if wanted is None and initial_path is not None and not initial_path.get("none"):
        candidate = f"vlan:{initial_path['vlan']}"
        if any(v.key == candidate for v in picture.views):
            wanted = candidate
    view = _initial_view(picture, wanted)
    findings = findings_section(lab, picture)
    badges = {k: (str(v[0]), int(v[1])) for k, v in (findings.get("badges") or {}).items()}
    path_lines: list[int] = []
    path_nodes: list[str] = []
    if initial_path is not None and not initial_path.get("none"):
        path_lines = list(initial_path["lines"])
        path_nodes = list(initial_path["names"])
    down_nodes = _down_nodes(lab, condition)
    subtitle_parts = []
    if condition:
        subtitle_parts.append("down: " + ", ".join(options.down))
    if initial_path is not None:
        subtitle_parts.append(_caption(path_key.split("|"), initial_path))
    svg = render_svg(
        lab,
        picture,
        geometry,
        view,
        down_nodes=down_nodes,
        path_lines=path_lines,
        path_nodes=path_nodes,
        badges=badges,
        subtitle=" · ".join(subtitle_parts),
    )
    teams = teams_section(
        lab, condition, flows=options.flows, seed=options.team_seed, max_teams=options.max_teams
    )
    scenarios = scenarios_section(lab, picture, options.scenarios, seed=options.sim_seed)
    for entry in scenarios["scenarios"]:
        if entry.get("available"):
            entry["gantt_svg"] = Markup(gantt_svg(entry["gantt"], entry["name"]))
    used: dict[str, list[str]] = {}
    for entry in scenarios["scenarios"]:
        for a in entry.get("assumptions", []):
            used.setdefault(str(a.get("key")), []).append(f"scenario {entry['name']}")
    for team in teams["teams"]:
        for key in team.get("assumptions", []):
            used.setdefault(key, []).append(f"team {team['host']}/{team['team']}")
    notes = [
        *picture.notes,
        f"Team loads: {options.flows} flows per team drawn with seed {options.team_seed} "
        "(the same flows for every algorithm of a team).",
        f"Simulations: seed {options.sim_seed}.",
        "Spanning tree: converged (steady-state) roles and states after the listed failures.",
    ]
    defaults = defaults_section(lab, used, notes)
    networks: list[dict[str, Any]] = []
    default_network: int | None = None
    for c in lab.clusters.values():
        for n in c.networks.values():
            if "LiveMigration" in (n.name, *n.uses) and default_network is None:
                default_network = len(networks)
            networks.append(
                {
                    "cluster": c.name,
                    "network": n.name,
                    "vlan": n.vlan,
                    "label": f"{c.name} / {n.name}" + (f" (VLAN {n.vlan})" if n.vlan else ""),
                    "nodes": [x for x in c.nodes if x in lab.hosts],
                }
            )
    default_network = default_network or 0
    if initial_path is not None:
        p_cluster, p_network, _, _ = path_key.split("|")
        default_network = next(
            (
                i
                for i, x in enumerate(networks)
                if x["cluster"] == p_cluster and x["network"] == p_network
            ),
            default_network,
        )
    data = {
        "lab": lab.name,
        "lines": [line.id for line in picture.lines],
        "views": [
            {
                "key": v.key,
                "label": v.label,
                "s": v.states,
                "roots": [switch_id(r) for r in v.roots],
                "blocked": {str(i): text for i, text in sorted(v.blocked.items())},
            }
            for v in picture.views
        ],
        "stateText": dict(STATE_TEXT),
        "initialView": view.key,
        "networks": networks,
        "defaultNetwork": default_network,
        "paths": paths,
        "initialPath": path_key,
    }
    counts = {
        "switches": len(lab.switches),
        "hosts": len(lab.hosts),
        "links": len(lab.links),
        "vms": len(lab.vms),
        "clusters": len(lab.clusters),
    }
    blocked_now = [
        {
            "line": picture.lines[i].id,
            "text": text,
            "label": f"{picture.lines[i].a}:{picture.lines[i].pa} ↔ "
            f"{picture.lines[i].b}:{picture.lines[i].pb} ({picture.lines[i].label})",
        }
        for i, text in sorted(view.blocked.items())
    ]
    return {
        "title": options.title or f"hvlab report — {lab.name}",
        "lab": lab,
        "version": __version__,
        "counts": counts,
        "down": list(options.down),
        "protocol": picture.protocol,
        "views": picture.views,
        "view": view,
        "blocked_now": blocked_now,
        "svg": Markup(svg),
        "networks": networks,
        "default_network": default_network,
        "initial_path": initial_path,
        "findings": findings,
        "teams": teams,
        "scenarios": scenarios,
        "defaults": defaults,
        "excluded": [
            {"line": line.id, "why": line.why} for line in picture.lines if line.kind == "excluded"
        ],
        "data": _json_for_script(data),
    }


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda x: f"{float(x) * 100:.1f}"
    env.filters["cssid"] = css_id
    return env


def render_report(lab: Lab, options: ReportOptions | None = None) -> str:
    """Return the report page of ``lab`` as HTML text (see :func:`build_report`)."""
    context = build_report(lab, options)
    env = _environment()
    template = env.from_string(_asset("template.html.j2"))
    return template.render(
        **context,
        css=Markup(_asset("report.css")),
        script=Markup(_asset("report.js")),
    )


def write_report(lab: Lab, path: str | Path, options: ReportOptions | None = None) -> Path:
    """Render the report and write it to ``path`` atomically; return the path.

    The page is rendered completely in memory first, so an error while rendering leaves
    no file (and an existing one untouched).
    """
    return write_atomic(path, render_report(lab, options))


def render_drawing(
    lab: Lab,
    *,
    down: Sequence[str] = (),
    view: str | None = None,
    path: str | None = None,
) -> str:
    """Return the topology picture alone as a standalone SVG document.

    Parameters
    ----------
    lab
        The lab.
    down
        Elements down.
    view
        ``vlan:N`` or ``tree:N`` (default ``tree:0``, or the path's VLAN).
    path
        ``CLUSTER:NETWORK:A:B`` to highlight.
    """
    condition = _condition(lab, down)
    picture, geometry = _picture(lab, condition)
    entry: dict[str, Any] | None = None
    if path:
        cluster, network, a, b = _parse_path(lab, path)
        entry = _path_entry(lab, picture, cluster, network, a, b)
    wanted = view
    if wanted is None and entry is not None and not entry.get("none"):
        candidate = f"vlan:{entry['vlan']}"
        if any(v.key == candidate for v in picture.views):
            wanted = candidate
    shown = _initial_view(picture, wanted)
    sub = []
    if down:
        sub.append("down: " + ", ".join(down))
    if entry is not None and path is not None:
        sub.append(_caption(list(_parse_path(lab, path)), entry))
    ok = entry is not None and not entry.get("none")
    svg = render_svg(
        lab,
        picture,
        geometry,
        shown,
        down_nodes=_down_nodes(lab, condition),
        path_lines=list(entry["lines"]) if ok and entry is not None else [],
        path_nodes=list(entry["names"]) if ok and entry is not None else [],
        subtitle=" · ".join(sub),
    )
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n"


def svg_to_png(svg: str, *, zoom: float = 1.5) -> bytes:
    """Return ``svg`` rendered as PNG by resvg (the ``resvg-py`` package).

    Raises
    ------
    UserError
        When ``resvg-py`` is not installed (PNG output is optional; SVG needs nothing).
    """
    try:
        import resvg_py  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        raise UserError(
            f"PNG output needs the {PNG_PACKAGE} package (pip install '{PNG_PACKAGE}>=0.5'); "
            "write .svg instead"
        ) from None
    data = resvg_py.svg_to_bytes(svg_string=svg, zoom=zoom, background="#ffffff")
    return bytes(data)
