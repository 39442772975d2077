"""The topology picture as SVG text: stable ids, state classes, a style sheet inside.

Element ids: ``sw-NAME`` (a switch), ``host-NAME`` (a host), ``link-A-PA-B-PB`` (a line,
see :mod:`hvlab.report.html.netview`). Each line is a ``<g class="link k-KIND s-S">`` with
``S`` its state letter in the shown view; the page's script changes ``s-S`` when another
VLAN or MST instance is chosen. A switch that is a root bridge in the shown view has the
class ``is-root``. The same text is the page's picture and ``hvlab draw``'s file, so the
style sheet is inside the ``<svg>`` and uses only what SVG renderers understand (class
and descendant selectors, presentation properties).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from hvlab.model.lab import Lab
from hvlab.model.units import format_bytes, format_speed
from hvlab.report.html.layout import Layout
from hvlab.report.html.netview import DrawLine, L2Picture, View

__all__ = ["STATE_TEXT", "STYLE", "render_svg"]

STATE_TEXT: Mapping[str, str] = {
    "F": "forwarding",
    "A": "blocked",
    "B": "blocked",
    "X": "blocked at both ends",
    "N": "not carrying this VLAN / not in this instance",
    "D": "down",
    "E": "not a spanning-tree link",
    "H": "host-to-host cable",
}
"""What each state letter means, for tooltips and the legend."""

STYLE = """
.topo{font-family:"DejaVu Sans","Liberation Sans",Arial,sans-serif;font-size:12px}
.topo .bg{fill:#ffffff}
.topo .title{font-size:15px;font-weight:bold;fill:#263238}
.topo .subtitle{font-size:12px;fill:#546e7a}
.topo .tier-label{font-size:11px;fill:#90a4ae;text-transform:uppercase;letter-spacing:1px}
.topo .tier-line{stroke:#eceff1;stroke-width:1}
.topo .stack rect{fill:#f3e5f5;stroke:#ce93d8;stroke-dasharray:4 3}
.topo .stack text{font-size:10px;fill:#8e24aa}
.topo .wire{fill:none;stroke:#78909c;stroke-width:2;stroke-linecap:round}
.topo .hit{fill:none;stroke:transparent;stroke-width:10}
.topo .w1 .wire{stroke-width:1.6}
.topo .w10 .wire{stroke-width:2.6}
.topo .w40 .wire{stroke-width:4}
.topo .w100 .wire{stroke-width:5.5}
.topo .s-F .wire{stroke:#2e7d32}
.topo .s-A .wire,.topo .s-B .wire,.topo .s-X .wire{stroke:#d32f2f;stroke-dasharray:8 5}
.topo .s-N .wire{stroke:#cfd8dc;stroke-dasharray:2 4}
.topo .s-D .wire{stroke:#212121;stroke-dasharray:1 5}
.topo .s-E .wire{stroke:#9e9e9e;stroke-dasharray:5 3}
.topo .s-H .wire{stroke:#8d6e63}
.topo .mark{display:none;fill:#d32f2f;stroke:#ffffff;stroke-width:1.5}
.topo .s-A .ma,.topo .s-B .mb,.topo .s-X .ma,.topo .s-X .mb{display:inline}
.topo .lbl{font-size:11px;fill:#37474f;paint-order:stroke;stroke:#ffffff;stroke-width:3px;
  text-anchor:middle}
.topo .lbl.side{text-anchor:start}
.topo .s-N .lbl{fill:#b0bec5}
.topo .on-path .wire{stroke:#1565c0;stroke-width:6;stroke-dasharray:none}
.topo .on-path .lbl{fill:#0d47a1;font-weight:bold}
.topo.path-mode .links .link{opacity:0.35}
.topo.path-mode .links .link.on-path,.topo.path-mode .links .s-A,
.topo.path-mode .links .s-B,.topo.path-mode .links .s-X{opacity:1}
.topo .node rect.box{stroke-width:1.5}
.topo .switch rect.box{fill:#e3f2fd;stroke:#1e88e5}
.topo .host rect.box{fill:#fff8e1;stroke:#f9a825}
.topo .node .name{font-weight:bold;fill:#263238;text-anchor:middle}
.topo .node .sub{font-size:10px;fill:#607d8b;text-anchor:middle}
.topo .node.down rect.box{fill:#eeeeee;stroke:#616161;stroke-dasharray:3 2}
.topo .node.down .name{fill:#757575;text-decoration:line-through}
.topo .node.on-path rect.box{stroke:#1565c0;stroke-width:3}
.topo .root-badge{display:none}
.topo .is-root .root-badge{display:inline}
.topo .root-badge rect{fill:#ffb300}
.topo .root-badge text{font-size:9px;font-weight:bold;fill:#3e2723;text-anchor:middle}
.topo .fbadge circle{stroke:#ffffff;stroke-width:1.5}
.topo .fbadge text{font-size:9px;font-weight:bold;fill:#ffffff;text-anchor:middle}
.topo .sev-error circle{fill:#c62828}
.topo .sev-warning circle{fill:#ef6c00}
.topo .sev-info circle{fill:#1565c0}
.topo .flash rect.box{stroke:#d500f9;stroke-width:4}
.topo .link.flash .wire{stroke:#d500f9;stroke-width:7}
.topo .legend text{font-size:11px;fill:#455a64}
"""


def _a(value: object) -> str:
    return escape(str(value), quote=True)


def _n(v: float) -> str:
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _width_class(line: DrawLine) -> str:
    top = max(line.speeds, default=0)
    total = line.speed_bps
    speed = max(top, total)
    if speed >= 100_000_000_000:
        return "w100"
    if speed >= 40_000_000_000:
        return "w40"
    if speed >= 10_000_000_000:
        return "w10"
    return "w1"


def _line_title(line: DrawLine, view: View, index: int) -> str:
    kind = {
        "isl": "LAG" if line.lag else "link",
        "host": "host cable",
        "excluded": "cable outside spanning tree",
        "direct": "host-to-host cable",
    }[line.kind]
    state = view.states[index]
    text = f"{line.a}:{line.pa} ↔ {line.b}:{line.pb} · {line.label} {kind} · {STATE_TEXT[state]}"
    if index in view.blocked:
        text += f" ({view.blocked[index]})"
    if line.why:
        text += f" · {line.why}"
    return text


def _switch_sub(lab: Lab, name: str) -> str:
    sw = lab.switches[name]
    proto = sw.spanning_tree.protocol or lab.defaults.spanning_tree.protocol or "rstp"
    prio = sw.spanning_tree.priority
    if prio is None:
        prio = lab.defaults.spanning_tree.priority or 32768
    return f"{proto.upper()} · prio {prio}"


def _switch_title(lab: Lab, name: str) -> str:
    sw = lab.switches[name]
    parts = [f"switch {name}"]
    if sw.model:
        parts.append(sw.model)
    if sw.stack:
        parts.append(f"{sw.stack_kind} {sw.stack}")
    if sw.rack:
        parts.append(f"rack {sw.rack}")
    parts.append(_switch_sub(lab, name))
    if sw.mac:
        parts.append(f"MAC {sw.mac}")
    return " · ".join(parts)


def _host_title(lab: Lab, name: str) -> str:
    host = lab.hosts[name]
    nics = ", ".join(f"{n.name} {format_speed(n.speed)}" for n in host.nics.values())
    teams = ", ".join(
        f"{t.name} ({t.mode}/{t.algorithm or 'default'})" for t in host.teams.values()
    )
    vms = [vm.name for vm in lab.vms.values() if vm.host == name]
    parts = [f"host {name}", host.os, f"{host.cpus} CPUs", format_bytes(host.memory)]
    if host.rack:
        parts.append(f"rack {host.rack}")
    if nics:
        parts.append(f"NICs: {nics}")
    if teams:
        parts.append(f"teams: {teams}")
    if vms:
        parts.append(f"VMs: {', '.join(vms)}")
    return " · ".join(parts)


def _host_sub(lab: Lab, name: str) -> str:
    speeds = [n.speed for n in lab.hosts[name].nics.values()]
    if not speeds:
        return "no NIC"
    if len(set(speeds)) == 1:
        return f"{len(speeds)}×{format_speed(speeds[0])}"
    return f"{len(speeds)} NICs"


def render_svg(
    lab: Lab,
    picture: L2Picture,
    geometry: Layout,
    view: View,
    *,
    down_nodes: Sequence[str] = (),
    path_lines: Sequence[int] = (),
    path_nodes: Sequence[str] = (),
    badges: Mapping[str, tuple[str, int]] | None = None,
    subtitle: str = "",
    labels_on_host_lines: bool | None = None,
) -> str:
    """Return the topology picture as an ``<svg>`` element (text).

    Parameters
    ----------
    lab, picture, geometry
        The lab, its lines and views, and their layout.
    view
        The view whose states and roots are drawn.
    down_nodes
        Switches and hosts drawn as down.
    path_lines, path_nodes
        Line indexes and node names of a path to highlight.
    badges
        Element id → (worst severity, number of findings) drawn as a badge on the node.
    subtitle
        A line under the title (condition, path).
    labels_on_host_lines
        Write the NIC and speed on host cables too (default: when there are at most 16).
    """
    badges = badges or {}
    lines = picture.lines
    host_lines = sum(1 for line in lines if line.kind == "host")
    if labels_on_host_lines is None:
        labels_on_host_lines = host_lines <= 16
    w = max(geometry.width, 720.0)
    legend, legend_h = _legend(geometry.height + 6, w - 32)
    h = geometry.height + legend_h
    path_set = set(path_lines)
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="topo-svg" class="topo'
        f'{" path-mode" if path_set else ""}" viewBox="0 0 {_n(w)} {_n(h)}" '
        f'width="{_n(w)}" height="{_n(h)}" data-view="{_a(view.key)}" role="img" '
        f'aria-label="{_a("Topology of " + lab.name)}">',
        f"<style>{STYLE}</style>",
        f'<rect class="bg" x="0" y="0" width="{_n(w)}" height="{_n(h)}"/>',
        f'<text class="title" x="16" y="22">{_a(lab.name)} — '
        f'<tspan id="view-label">{_a(view.label)}</tspan></text>',
        f'<text class="subtitle" id="subtitle" x="16" y="40">{_a(subtitle)}</text>',
        '<g class="tiers">',
    ]
    for name, y in geometry.tiers:
        out.append(
            f'<line class="tier-line" x1="8" y1="{_n(y)}" x2="{_n(w - 8)}" y2="{_n(y)}"/>'
            f'<text class="tier-label" x="14" y="{_n(y - 6)}">{_a(name)}</text>'
        )
    out.append("</g>")
    out.append('<g class="stacks">')
    for name, x, y, sw, sh in geometry.stacks:
        out.append(
            f'<g class="stack" id="stack-{_a(name)}"><rect x="{_n(x)}" y="{_n(y)}" '
            f'width="{_n(sw)}" height="{_n(sh)}" rx="8"/>'
            f'<text x="{_n(x + 6)}" y="{_n(y + 11)}">{_a(name)} (stack)</text></g>'
        )
    out.append("</g>")
    out.append('<g class="links">')
    for i, (line, wire) in enumerate(zip(lines, geometry.wires, strict=True)):
        if not wire.d:
            continue
        state = view.states[i]
        classes = f"link k-{line.kind} {_width_class(line)} s-{state}"
        if i in path_set:
            classes += " on-path"
        out.append(
            f'<g id="{_a(line.id)}" class="{classes}" data-i="{i}" data-a="{_a(line.a)}" '
            f'data-b="{_a(line.b)}" data-element="{_a(line.element)}" '
            f'data-speed="{line.speed_bps}">'
            f"<title>{_a(_line_title(line, view, i))}</title>"
            f'<path class="wire" d="{wire.d}"/><path class="hit" d="{wire.d}"/>'
        )
        if line.kind != "host" or labels_on_host_lines:
            text = line.label if line.kind != "host" else f"{line.pa}·{line.label}"
            if line.kind == "host" and line.a in lab.switches:
                text = f"{line.pb}·{line.label}"
            lx, ly = wire.label
            cls = "lbl side" if wire.vertical else "lbl"
            if line.kind == "host":  # near the host end, where the lines fan out
                hx, hy = wire.end_b if line.b in lab.hosts else wire.end_a
                lx, ly, cls = hx, hy + (-14 if hy > wire.label[1] else 14), "lbl"
            out.append(f'<text class="{cls}" x="{_n(lx)}" y="{_n(ly + 4)}">{_a(text)}</text>')
        out.append(
            f'<circle class="mark ma" cx="{_n(wire.end_a[0])}" cy="{_n(wire.end_a[1])}" r="5"/>'
            f'<circle class="mark mb" cx="{_n(wire.end_b[0])}" cy="{_n(wire.end_b[1])}" r="5"/>'
            "</g>"
        )
    out.append("</g>")
    out.append('<g class="nodes">')
    roots = set(view.roots)
    down = set(down_nodes)
    on_path = set(path_nodes)
    for name, box in geometry.boxes.items():
        classes = f"node {box.kind}"
        if name in roots:
            classes += " is-root"
        if name in down:
            classes += " down"
        if name in on_path:
            classes += " on-path"
        title = _switch_title(lab, name) if box.kind == "switch" else _host_title(lab, name)
        if name in down:
            title += " · DOWN"
        out.append(
            f'<g id="{_a(box.id)}" class="{classes}" data-name="{_a(name)}" '
            f'transform="translate({_n(box.x)},{_n(box.y)})">'
            f"<title>{_a(title)}</title>"
            f'<rect class="box" width="{_n(box.w)}" height="{_n(box.h)}" rx="6"/>'
        )
        if box.kind == "switch":
            out.append(
                f'<text class="name" x="{_n(box.w / 2)}" y="18">{_a(name)}</text>'
                f'<text class="sub" x="{_n(box.w / 2)}" y="34">{_a(_switch_sub(lab, name))}</text>'
                f'<g class="root-badge" transform="translate({_n(box.w - 16)},-8)">'
                '<rect x="-16" y="0" width="32" height="14" rx="7"/>'
                '<text x="0" y="10.5">root</text></g>'
            )
        else:
            out.append(
                f'<text class="name" x="{_n(box.w / 2)}" y="16">{_a(name)}</text>'
                f'<text class="sub" x="{_n(box.w / 2)}" y="30">{_a(_host_sub(lab, name))}</text>'
            )
        badge = badges.get(box.id)
        if badge is not None:
            severity, count = badge
            out.append(
                f'<g class="fbadge sev-{_a(severity)}" transform="translate(0,0)">'
                f'<circle cx="0" cy="0" r="8"/><text x="0" y="3.5">{count}</text></g>'
            )
        out.append("</g>")
    out.append("</g>")
    out.extend(legend)
    out.append("</svg>")
    return "".join(out)


LEGEND_ITEMS = (
    ("s-F w10", "forwarding"),
    ("s-A w10", "blocked port (●)"),
    ("s-N w10", "VLAN not carried"),
    ("s-D w10", "down"),
    ("s-E w10", "not in spanning tree"),
    ("s-F w1", "1G"),
    ("s-F w10", "10G"),
    ("s-F w40", "40G+"),
)


def _legend(y: float, width: float) -> tuple[list[str], float]:
    """Return the legend's elements, wrapped to ``width``, and the height it takes."""
    out = [f'<g class="legend" transform="translate(16,{_n(y)})">']
    x, row = 0.0, 0
    for classes, text in LEGEND_ITEMS:
        step = 58 + len(text) * 6.8
        if x > 0 and x + step > width:
            x, row = 0.0, row + 1
        out.append(
            f'<g class="link {classes}" transform="translate({_n(x)},{row * 22})">'
            '<path class="wire" d="M0 10L34 10"/>'
            '<circle class="mark ma" cx="6" cy="10" r="5"/>'
            f'<text x="40" y="14">{_a(text)}</text></g>'
        )
        x += step
    out.append("</g>")
    return out, 34.0 + row * 22
