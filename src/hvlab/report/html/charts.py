"""Small SVG charts of the report: the Gantt chart of a scenario.

Drawn in Python as plain SVG (no script), so a printed or saved page shows them too.
"""

from __future__ import annotations

from html import escape
from typing import Any

__all__ = ["gantt_svg", "nice_ticks"]

LABEL_W = 250
CHART_W = 700
ROW_H = 22
TOP = 30


def _a(value: object) -> str:
    return escape(str(value), quote=True)


def _n(v: float) -> str:
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


def nice_ticks(horizon_ms: int, count: int = 8) -> list[int]:
    """Return tick times (ms) from 0 to ``horizon_ms`` at a 1-2-5 step, about ``count`` of them."""
    if horizon_ms <= 0:
        return [0]
    raw = horizon_ms / count
    step = 1
    while step * 10 <= raw:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= raw:
            step *= factor
            break
    return list(range(0, horizon_ms + 1, step))


def _tick_label(ms: int) -> str:
    if ms % 60_000 == 0 and ms >= 120_000:
        return f"{ms // 60_000}m"
    if ms % 1000 == 0:
        return f"{ms // 1000}s"
    return f"{ms / 1000:g}s"


def gantt_svg(gantt: dict[str, Any], scenario: str) -> str:
    """Return the Gantt chart of one scenario as an ``<svg>`` element.

    Parameters
    ----------
    gantt
        The ``gantt`` entry of :func:`hvlab.report.html.sections.scenarios_section`:
        ``horizon_ms``, ``duration_ms`` and ``rows`` (object, events, bars, exact,
        targets).
    scenario
        Its name (for ids).
    """
    rows = gantt["rows"]
    horizon = max(1, int(gantt["horizon_ms"]))
    duration = int(gantt["duration_ms"])
    height = TOP + ROW_H * max(1, len(rows)) + 26
    width = LABEL_W + CHART_W + 70
    scale = CHART_W / horizon

    def x(t: float) -> float:
        return LABEL_W + min(t, horizon) * scale

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt" id="gantt-{_a(scenario)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{_a("Timeline of scenario " + scenario)}">'
    ]
    for t in nice_ticks(horizon):
        out.append(
            f'<line class="tick" x1="{_n(x(t))}" y1="{TOP - 6}" x2="{_n(x(t))}" '
            f'y2="{height - 22}"/><text class="tick-label" x="{_n(x(t))}" y="{TOP - 10}">'
            f"{_tick_label(t)}</text>"
        )
    if duration > horizon:
        out.append(
            f'<text class="tick-label end" x="{_n(LABEL_W + CHART_W + 36)}" y="{TOP - 10}">'
            f"… {_tick_label(duration)}</text>"
        )
    for k, row in enumerate(rows):
        y = TOP + k * ROW_H
        targets = " ".join(row["targets"])
        cls = "row-label goto" if targets else "row-label"
        out.append(
            f'<g class="gantt-row" data-object="{_a(row["object"])}">'
            f'<rect class="row-bg{" odd" if k % 2 else ""}" x="0" y="{y}" width="{width}" '
            f'height="{ROW_H}"/>'
            f'<text class="{cls}" data-targets="{_a(targets)}" x="6" y="{y + 15}">'
            f"{_a(row['object'][:38])}</text>"
        )
        for bar in row["bars"]:
            x0, x1 = x(bar["from"]), x(bar["to"])
            down = bar.get("kind", "down") == "down"
            total = row.get("downtime" if down else "degraded", "")
            title = (
                f"{row['object']} {'down' if down else 'degraded'} {bar['from'] / 1000:g}s → "
                f"{bar['to'] / 1000:g}s (total {total}"
                + ("" if row["exact"] else "; start inferred from the timeline")
                + ")"
            )
            cls = ("bar" if down else "bar degraded") + ("" if row["exact"] else " inferred")
            top, tall = (y + 4, ROW_H - 8) if down else (y + ROW_H - 7, 4)
            out.append(
                f'<rect class="{cls}" x="{_n(x0)}" y="{top}" width="{_n(max(2.0, x1 - x0))}" '
                f'height="{tall}"><title>{_a(title)}</title></rect>'
            )
            if bar["to"] > horizon:
                out.append(
                    f'<text class="more" x="{_n(LABEL_W + CHART_W + 4)}" y="{y + 15}">→</text>'
                )
        for ev in row["events"]:
            cx, cy = x(ev["t"]), y + ROW_H / 2
            title = f"{ev['t'] / 1000:.3f}s {ev['text']}" + (f" ({ev['why']})" if ev["why"] else "")
            out.append(
                f'<path class="event" d="M{_n(cx)} {_n(cy - 6)}l5 6-5 6-5-6z">'
                f"<title>{_a(title)}</title></path>"
            )
        out.append("</g>")
    if not rows:
        out.append(f'<text class="empty" x="{LABEL_W}" y="{TOP + 15}">nothing happened</text>')
    out.append(
        f'<text class="axis-note" x="{LABEL_W}" y="{height - 6}">time since the start of the '
        f"scenario; ◆ an event, ▬ down, ▁ degraded (hover for details)</text></svg>"
    )
    return "".join(out)
