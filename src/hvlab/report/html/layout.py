"""Where each switch, host and line of the topology picture goes: tiers, order, coordinates.

Deterministic: the same lab gives the same numbers (no randomness, ties broken by the
lab file's order).

Tiers (top to bottom)
    Switches with host cables are the **access** tier. Every other switch sits above
    them at its distance (in switch-to-switch cables) from the nearest access switch:
    the farthest tier is the **core**, tiers between are **distribution**. A switch not
    connected to any access switch joins the top tier. In a lab without host cables the
    tiers count down from the switches with the best (lowest) bridge priority. Hosts form
    the bottom tier, grouped by the set of access switches they are cabled to.
Order within a tier
    Barycentre ordering (Sugiyama et al. 1981): alternate downward and upward sweeps put
    each switch at the mean position of its neighbours in the tier above (below); the
    order with the fewest crossings wins. Members of a stack stay side by side.
Coordinates
    Bottom up: host groups are laid out left to right as small grids; an access switch
    goes above the mean of its hosts, an upper switch above the mean of its neighbours
    below, with a minimum gap, each tier shifted as a whole to sit as close as it can to
    where its switches want to be.

Notes
-----
O(S·L) per sweep for S switches and L switch-to-switch lines (crossings are counted on
groups of hosts, not on single host cables), so a 200-host lab lays out in milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from hvlab.model.lab import Lab
from hvlab.report.html.netview import DrawLine, host_id, switch_id

__all__ = ["Box", "Layout", "Wire", "layout"]

SWITCH_H = 44
HOST_H = 40
LEVEL_GAP = 130
HOST_GAP_Y = 150
HOST_ROW_PITCH = HOST_H + 30
HOST_COL_GAP = 14
GROUP_GAP = 56
SWITCH_GAP = 56
MARGIN = 36
LEFT_MARGIN = 110
SWEEPS = 8
END_MARK = 13  # distance of a blocked-port marker from the box


@dataclass(frozen=True)
class Box:
    """A drawn node: a switch or a host, its tier and its rectangle (x, y = top left)."""

    id: str
    name: str
    kind: str
    tier: int
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        """Return the centre's x."""
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        """Return the centre's y."""
        return self.y + self.h / 2


@dataclass(frozen=True)
class Wire:
    """The geometry of one line: SVG path data, label point, the two end-marker points."""

    d: str
    label: tuple[float, float]
    end_a: tuple[float, float]
    end_b: tuple[float, float]
    vertical: bool = False


@dataclass(frozen=True)
class Layout:
    """The picture's geometry.

    Attributes
    ----------
    width, height : float
        Canvas size.
    boxes : dict of str to Box
        Node name → its box (switches and hosts).
    wires : tuple of Wire
        One per line, in line order.
    tiers : tuple of (str, float)
        Tier name and the y of its centre line, top to bottom.
    stacks : tuple of (str, float, float, float, float)
        Stack name and its background rectangle (x, y, w, h).
    """

    width: float
    height: float
    boxes: dict[str, Box]
    wires: tuple[Wire, ...]
    tiers: tuple[tuple[str, float], ...]
    stacks: tuple[tuple[str, float, float, float, float], ...]


def _text_w(text: str, px: float = 7.2) -> float:
    return len(text) * px


def _priority(lab: Lab, name: str) -> int:
    st = lab.switches[name].spanning_tree
    if st.priority is not None:
        return st.priority
    return lab.defaults.spanning_tree.priority or 32768


def _levels(lab: Lab, lines: Sequence[DrawLine]) -> list[list[str]]:
    """Return the switch tiers, top first, each in lab order."""
    switches = list(lab.switches)
    adj: dict[str, set[str]] = {s: set() for s in switches}
    access: set[str] = set()
    for line in lines:
        a_sw, b_sw = line.a in lab.switches, line.b in lab.switches
        if a_sw and b_sw and line.a != line.b:
            adj[line.a].add(line.b)
            adj[line.b].add(line.a)
        elif a_sw != b_sw:
            access.add(line.a if a_sw else line.b)
    if not switches:
        return []
    dist: dict[str, int] = {}
    if access:
        frontier = [s for s in switches if s in access]
    else:
        best = min(_priority(lab, s) for s in switches)
        frontier = [s for s in switches if _priority(lab, s) == best]
    for s in frontier:
        dist[s] = 0
    while frontier:
        nxt: list[str] = []
        for s in frontier:
            for t in sorted(adj[s], key=switches.index):
                if t not in dist:
                    dist[t] = dist[s] + 1
                    nxt.append(t)
        frontier = nxt
    far = max(dist.values(), default=0)
    level: dict[str, float] = {}
    for s in switches:
        d = dist.get(s)
        if access:
            level[s] = 0 if d is None else far - d
        else:
            level[s] = far + 1 if d is None else d
    if access:
        for s in _hubs(lab, access, adj):
            level[s] = far - 0.5
    used = sorted(set(level.values()))
    return [[s for s in switches if level[s] == lv] for lv in used]


def _hubs(lab: Lab, access: set[str], adj: dict[str, set[str]]) -> set[str]:
    """Return access switches to draw one tier up: hubs of the access tier.

    A unit (a switch, or a stack) of the access tier that is cabled to two or more other
    access units, all with a worse (higher) bridge priority, is where they uplink: it is
    drawn above them (a collapsed core that also has hosts).
    """

    def unit(s: str) -> str:
        return lab.switches[s].stack or s

    members: dict[str, list[str]] = {}
    for s in lab.switches:
        if s in access:
            members.setdefault(unit(s), []).append(s)
    out: set[str] = set()
    for u, group in members.items():
        near = {unit(t) for s in group for t in adj[s] if t in access and unit(t) != u}
        if len(near) < 2:
            continue
        mine = min(_priority(lab, s) for s in group)
        if all(mine < min(_priority(lab, t) for t in members[n]) for n in near):
            out.update(group)
    return out


def _tier_names(n_levels: int, hosts: bool) -> list[str]:
    if n_levels == 0:
        return []
    if n_levels == 1:
        return ["access" if hosts else "switches"]
    if not hosts:
        return ["core"] + ["distribution"] * (n_levels - 2) + ["access"]
    return ["core"] + ["distribution"] * (n_levels - 2) + ["access"]


def _group_stacks(lab: Lab, order: list[str], key: dict[str, float]) -> list[str]:
    """Return ``order`` sorted by ``key`` with stack members kept together."""
    stack_key: dict[str, float] = {}
    for s in order:
        stack = lab.switches[s].stack if s in lab.switches else None
        if stack:
            members = [m for m in order if lab.switches[m].stack == stack]
            stack_key[s] = sum(key[m] for m in members) / len(members)
        else:
            stack_key[s] = key[s]
    position = {s: i for i, s in enumerate(order)}
    return sorted(order, key=lambda s: (stack_key[s], key[s], position[s]))


def _crossings(upper: list[str], lower: list[str], edges: dict[tuple[str, str], int]) -> int:
    pu = {s: i for i, s in enumerate(upper)}
    pl = {s: i for i, s in enumerate(lower)}
    pairs = [(pu[a], pl[b], w) for (a, b), w in edges.items() if a in pu and b in pl]
    total = 0
    for i in range(len(pairs)):
        a1, b1, w1 = pairs[i]
        for j in range(i + 1, len(pairs)):
            a2, b2, w2 = pairs[j]
            if (a1 - a2) * (b1 - b2) < 0:
                total += w1 * w2
    return total


def _order(lab: Lab, levels: list[list[str]], edges: dict[tuple[str, str], int]) -> list[list[str]]:
    """Barycentre sweeps over ``levels`` (the last one may be host groups); fewest crossings."""
    neighbours: dict[str, dict[str, int]] = {}
    for (a, b), w in edges.items():
        neighbours.setdefault(a, {})[b] = neighbours.setdefault(a, {}).get(b, 0) + w
        neighbours.setdefault(b, {})[a] = neighbours.setdefault(b, {}).get(a, 0) + w

    def count(order: list[list[str]]) -> int:
        return sum(_crossings(order[i], order[i + 1], edges) for i in range(len(order) - 1))

    def sweep(order: list[list[str]], i: int, ref: list[str]) -> list[str]:
        # positions as fractions of the tier's width, so tiers of any size compare
        pos = {s: (k + 0.5) / len(ref) for k, s in enumerate(ref)}
        key: dict[str, float] = {}
        n = len(order[i])
        for k, s in enumerate(order[i]):
            ws = [(pos[t], w) for t, w in neighbours.get(s, {}).items() if t in pos]
            total = sum(w for _, w in ws)
            key[s] = sum(p * w for p, w in ws) / total if total else (k + 0.5) / n
        return _group_stacks(lab, order[i], key)

    best = [list(level) for level in levels]
    best_count = count(best)
    current = [list(level) for level in levels]
    for n in range(SWEEPS):
        if n % 2 == 0:
            for i in range(1, len(current)):
                current[i] = sweep(current, i, current[i - 1])
        else:
            for i in range(len(current) - 2, -1, -1):
                current[i] = sweep(current, i, current[i + 1])
        c = count(current)
        if c < best_count:
            best, best_count = [list(level) for level in current], c
        if best_count == 0:
            break
    return best


def _place_row(
    names: list[str], widths: dict[str, float], want: dict[str, float]
) -> dict[str, float]:
    """Return centre x for ``names`` in order: near ``want``, at least SWITCH_GAP apart."""
    xs: dict[str, float] = {}
    prev: str | None = None
    for s in names:
        x = want[s]
        if prev is not None:
            x = max(x, xs[prev] + widths[prev] / 2 + SWITCH_GAP + widths[s] / 2)
        xs[s] = x
        prev = s
    if names:
        shift = sum(want[s] - xs[s] for s in names) / len(names)
        for s in names:
            xs[s] += shift
    return xs


def _f(v: float) -> str:
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


def layout(lab: Lab, lines: Sequence[DrawLine]) -> Layout:
    """Return the geometry of the topology picture of ``lab`` drawn with ``lines``.

    Parameters
    ----------
    lab : Lab
        The lab (switches, hosts, stacks, priorities).
    lines : sequence of DrawLine
        From :func:`hvlab.report.html.netview.analyse_picture`.

    Returns
    -------
    Layout
        Boxes, one wire per line (same order), tier names and stack backgrounds.
    """
    levels = _levels(lab, lines)
    host_links: dict[str, dict[str, int]] = {h: {} for h in lab.hosts}
    sw_edges: dict[tuple[str, str], int] = {}
    for line in lines:
        a_sw, b_sw = line.a in lab.switches, line.b in lab.switches
        if a_sw and b_sw:
            if line.a != line.b:
                sw_edges[(line.a, line.b)] = sw_edges.get((line.a, line.b), 0) + 1
        elif a_sw and line.b in host_links:
            host_links[line.b][line.a] = host_links[line.b].get(line.a, 0) + 1
        elif b_sw and line.a in host_links:
            host_links[line.a][line.b] = host_links[line.a].get(line.b, 0) + 1
    # host groups: by the set of switches a host is cabled to
    group_of: dict[str, str] = {}
    groups: dict[str, list[str]] = {}
    for h in lab.hosts:
        key = "|".join(sorted(host_links[h])) or "~"
        group_of[h] = key
        groups.setdefault(key, []).append(h)
    edges: dict[tuple[str, str], int] = dict(sw_edges)
    for h, links in host_links.items():
        for s, w in links.items():
            edge = (s, "grp:" + group_of[h])
            edges[edge] = edges.get(edge, 0) + w
    group_names = ["grp:" + g for g in groups]
    all_levels = [list(level) for level in levels]
    if group_names:
        all_levels.append(group_names)
    ordered = _order(lab, all_levels, edges) if all_levels else []
    switch_levels = ordered[: len(levels)]
    group_order = [g.removeprefix("grp:") for g in ordered[len(levels) :][0]] if group_names else []

    sw_w = {s: max(110.0, _text_w(s, 8.0) + 34) for level in switch_levels for s in level}
    host_w = max([96.0] + [min(170.0, _text_w(h) + 24) for h in lab.hosts])
    host_tier_y = MARGIN + 24 + len(switch_levels) * LEVEL_GAP - LEVEL_GAP + SWITCH_H + HOST_GAP_Y
    if not switch_levels:
        host_tier_y = MARGIN + 24
    boxes: dict[str, Box] = {}
    # hosts, bottom up
    x = 0.0
    centres: dict[str, float] = {}
    for g in group_order:
        members = groups[g]
        n = len(members)
        cols = n if n <= 8 else math.ceil(math.sqrt(n * 1.6))
        for k, h in enumerate(members):
            col, row = k % cols, k // cols
            bx = x + col * (host_w + HOST_COL_GAP)
            by = host_tier_y + row * HOST_ROW_PITCH
            boxes[h] = Box(host_id(h), h, "host", len(switch_levels), bx, by, host_w, HOST_H)
            centres[h] = bx + host_w / 2
        x += cols * (host_w + HOST_COL_GAP) - HOST_COL_GAP + GROUP_GAP
    # switches, bottom up
    placed: dict[str, float] = {}
    below: dict[str, dict[str, int]] = {}
    for h, links in host_links.items():
        for s, w in links.items():
            below.setdefault(s, {})[h] = w
    level_of = {s: i for i, level in enumerate(switch_levels) for s in level}
    for (a, b), w in sw_edges.items():
        la, lb = level_of.get(a), level_of.get(b)
        if la is None or lb is None or la == lb:
            continue
        upper, lower = (a, b) if la < lb else (b, a)
        below.setdefault(upper, {})[lower] = below.setdefault(upper, {}).get(lower, 0) + w
    for i in range(len(switch_levels) - 1, -1, -1):
        tier = switch_levels[i]
        want: dict[str, float] = {}
        for k, s in enumerate(tier):
            known = {**placed, **centres}
            ws = [(known[t], w) for t, w in below.get(s, {}).items() if t in known]
            total = sum(w for _, w in ws)
            if total:
                want[s] = sum(c * w for c, w in ws) / total
            else:
                want[s] = k * (130.0 + SWITCH_GAP)
        xs = _place_row(tier, sw_w, want)
        placed.update(xs)
        y = MARGIN + 24 + i * LEVEL_GAP
        for s in tier:
            boxes[s] = Box(switch_id(s), s, "switch", i, xs[s] - sw_w[s] / 2, y, sw_w[s], SWITCH_H)
    # normalise
    min_x = min((b.x for b in boxes.values()), default=0.0)
    dx = LEFT_MARGIN - min_x
    boxes = {
        n: Box(b.id, b.name, b.kind, b.tier, round(b.x + dx, 1), round(b.y, 1), b.w, b.h)
        for n, b in boxes.items()
    }
    width = max((b.x + b.w for b in boxes.values()), default=LEFT_MARGIN + 200) + MARGIN
    height = max((b.y + b.h for b in boxes.values()), default=MARGIN + 100) + MARGIN + 20
    names = _tier_names(len(switch_levels), bool(lab.hosts))
    tiers = [(names[i], MARGIN + 24 + i * LEVEL_GAP + SWITCH_H / 2) for i in range(len(names))]
    if lab.hosts:
        tiers.append(("hosts", host_tier_y + HOST_H / 2))
    stacks: list[tuple[str, float, float, float, float]] = []
    seen: set[str] = set()
    for sw in lab.switches.values():
        if sw.stack and sw.stack not in seen and sw.name in boxes:
            seen.add(sw.stack)
            in_stack = [boxes[m] for m in lab.switches if lab.switches[m].stack == sw.stack]
            x0 = min(b.x for b in in_stack) - 10
            y0 = min(b.y for b in in_stack) - 18
            x1 = max(b.x + b.w for b in in_stack) + 10
            y1 = max(b.y + b.h for b in in_stack) + 10
            stacks.append((sw.stack, x0, y0, x1 - x0, y1 - y0))
    wires, top = _wires(lines, boxes, switch_levels)
    room = MARGIN + 30 - top  # arcs over the top tier must stay under the title
    if room > 0:
        boxes = {
            n: Box(b.id, b.name, b.kind, b.tier, b.x, round(b.y + room, 1), b.w, b.h)
            for n, b in boxes.items()
        }
        tiers = [(name, y + room) for name, y in tiers]
        stacks = [(name, x, y + room, w, h) for name, x, y, w, h in stacks]
        height += room
        wires, _ = _wires(lines, boxes, switch_levels)
    return Layout(
        round(width, 1), round(height, 1), boxes, tuple(wires), tuple(tiers), tuple(stacks)
    )


def _wires(
    lines: Sequence[DrawLine], boxes: dict[str, Box], levels: list[list[str]]
) -> tuple[list[Wire], float]:
    """Return the geometry of each line (spreading lines that share a box side), and the
    smallest y any of them reaches."""
    position = {s: (i, k) for i, level in enumerate(levels) for k, s in enumerate(level)}
    # which side of each box every line leaves from, and the far end's x for sorting
    sides: dict[tuple[str, str], list[tuple[float, int]]] = {}
    plan: list[tuple[str, str, str, str]] = []  # (node a, side a, node b, side b)
    for i, line in enumerate(lines):
        a, b = boxes.get(line.a), boxes.get(line.b)
        if a is None or b is None:
            plan.append(("", "", "", ""))
            continue
        if a.name == b.name or (a.kind == "host" and b.kind == "host"):
            sa = sb = "bottom"
        elif a.cy < b.cy - 1:
            sa, sb = "bottom", "top"
        elif b.cy < a.cy - 1:
            sa, sb = "top", "bottom"
        else:
            pa, pb = position.get(a.name), position.get(b.name)
            adjacent = pa is not None and pb is not None and abs(pa[1] - pb[1]) == 1
            if adjacent:
                sa, sb = ("right", "left") if a.cx < b.cx else ("left", "right")
            else:
                sa = sb = "top"
        plan.append((a.name, sa, b.name, sb))
        sides.setdefault((a.name, sa), []).append((b.cx if sa in ("top", "bottom") else b.cy, i))
        sides.setdefault((b.name, sb), []).append((a.cx if sb in ("top", "bottom") else a.cy, i))
    slot: dict[tuple[str, str, int], tuple[float, float]] = {}
    for (name, side), items in sides.items():
        box = boxes[name]
        items.sort()
        n = len(items)
        for k, (_, i) in enumerate(items):
            frac = (k + 1) / (n + 1)
            if side == "top":
                pt = (box.x + 6 + (box.w - 12) * frac, box.y)
            elif side == "bottom":
                pt = (box.x + 6 + (box.w - 12) * frac, box.y + box.h)
            elif side == "left":
                pt = (box.x, box.y + 8 + (box.h - 16) * frac)
            else:
                pt = (box.x + box.w, box.y + 8 + (box.h - 16) * frac)
            slot[(name, side, i)] = pt
    wires: list[Wire] = []
    top = min((b.y for b in boxes.values()), default=0.0)
    for i, (na, sa, nb, sb) in enumerate(plan):
        if not na:
            wires.append(Wire("", (0.0, 0.0), (0.0, 0.0), (0.0, 0.0)))
            continue
        (x1, y1), (x2, y2) = slot[(na, sa, i)], slot[(nb, sb, i)]
        if (sa, sb) in (("bottom", "top"), ("top", "bottom")):
            dy = (y2 - y1) / 2
            d = (
                f"M{_f(x1)} {_f(y1)}C{_f(x1)} {_f(y1 + dy)} {_f(x2)} {_f(y2 - dy)} "
                f"{_f(x2)} {_f(y2)}"
            )
            s = 1 if y2 > y1 else -1
            label = ((x1 + x2) / 2 + 7, (y1 + y2) / 2)
            end_a = (x1, y1 + s * END_MARK)
            end_b = (x2, y2 - s * END_MARK)
        elif sa in ("left", "right"):
            d = f"M{_f(x1)} {_f(y1)}L{_f(x2)} {_f(y2)}"
            s = 1 if x2 > x1 else -1
            label = ((x1 + x2) / 2, (y1 + y2) / 2 - 11)
            end_a = (x1 + s * END_MARK, y1)
            end_b = (x2 - s * END_MARK, y2)
        else:  # an arc above (top) or below (bottom) the tier
            up = -1 if sa == "top" else 1
            rise = 46 + min(120.0, abs(x2 - x1) * 0.12)
            cy = max(y1, y2) + up * rise if up > 0 else min(y1, y2) + up * rise
            top = min(top, (min(y1, y2) + 3 * cy) / 4)  # the curve's highest point
            d = f"M{_f(x1)} {_f(y1)}C{_f(x1)} {_f(cy)} {_f(x2)} {_f(cy)} {_f(x2)} {_f(y2)}"
            label = ((x1 + x2) / 2, (y1 + y2) / 2 + up * rise * 0.75)
            end_a = (x1, y1 + up * END_MARK)
            end_b = (x2, y2 + up * END_MARK)
        wires.append(
            Wire(
                d,
                (round(label[0], 1), round(label[1], 1)),
                (round(end_a[0], 1), round(end_a[1], 1)),
                (round(end_b[0], 1), round(end_b[1], 1)),
                vertical=sa in ("top", "bottom") and sa != sb,
            )
        )
    return wires, top
