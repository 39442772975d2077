"""A simulation for people: the timeline, the impact table, a text Gantt of downtime."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from hvlab.model.units import format_duration, format_speed
from hvlab.sim.result import SimResult, TimelineEntry

__all__ = ["gantt", "render_simulation"]


def _t(ms: int) -> str:
    return f"{ms / 1000:>9.3f}s"


def gantt(result: SimResult, width: int = 60) -> list[str]:
    """Return text Gantt lines: one row per object that had downtime, ``█`` where it was down.

    Each ``█`` is one ``width``-th of the run; a cell is filled when any outage of the
    object overlaps it (so a short outage still shows as one cell).
    """
    end = max(result.duration_ms, 1)
    rows = []
    for impact in result.impact:
        if impact.downtime_ms <= 0:
            continue
        cells = [" "] * width
        for start, stop in impact.intervals:
            first = min(width - 1, start * width // end)
            last = min(width - 1, max(first, (stop * width - 1) // end))
            for i in range(first, last + 1):
                cells[i] = "█"
        bar = "".join(cells)
        rows.append(f"{impact.object:<40.40} |{bar}| {format_duration(impact.downtime_ms)}")
    return rows


def render_simulation(console: Console, result: SimResult, explain: str | None = None) -> None:
    """Print the timeline (or the entries about ``explain``), the impact and the assumptions."""
    entries: list[TimelineEntry] = list(result.timeline)
    if explain is not None:
        entries = [e for e in entries if explain in e.object or explain in e.event]
    table = Table(
        title=f"{result.lab}: scenario {result.scenario} (seed {result.seed}, "
        f"{format_duration(result.duration_ms)})",
        title_justify="left",
        header_style="bold",
    )
    table.add_column("t", justify="right", no_wrap=True)
    table.add_column("object", overflow="fold")
    table.add_column("what happened", overflow="fold")
    for entry in entries:
        text = entry.event + (f" [dim]({entry.why})[/]" if entry.why else "")
        table.add_row(_t(entry.t_ms), entry.object, text)
    console.print(table)
    impact = Table(title="Impact", title_justify="left", header_style="bold")
    for column in ("object", "downtime", "degraded", "uplink lost", "data lost", "state", "where"):
        impact.add_column(column, overflow="fold")
    for row in sorted(result.impact, key=lambda i: (-i.downtime_ms, -i.degraded_ms, i.object)):
        if explain is not None and explain not in row.object:
            continue
        impact.add_row(
            row.object,
            format_duration(row.downtime_ms) if row.downtime_ms else "-",
            format_duration(row.degraded_ms) if row.degraded_ms else "-",
            format_speed(row.bandwidth_lost_bps) if row.bandwidth_lost_bps else "-",
            format_duration(row.data_loss_ms) if row.data_loss_ms else "-",
            row.state,
            row.where,
        )
    console.print(impact)
    if result.replication:
        rpo = Table(
            title="Hyper-V Replica: effective RPO over the run",
            title_justify="left",
            header_style="bold",
        )
        for column in ("VM", "frequency", "RPO at start", "worst RPO", "RPO at end", "failed over"):
            rpo.add_column(column, overflow="fold")
        for rep in result.replication:
            if explain is not None and explain not in rep.vm:
                continue
            rpo.add_row(
                rep.vm,
                format_duration(rep.frequency_ms),
                format_duration(rep.rpo[0][1]) if rep.rpo else "-",
                format_duration(rep.worst_rpo_ms),
                format_duration(rep.rpo[-1][1]) if rep.rpo else "-",
                "yes" if rep.failed_over else "no",
            )
        console.print(rpo)
    lines = gantt(result)
    if lines:
        console.print("[bold]Downtime[/] (0 → end of run)")
        for line in lines:
            console.print(line, markup=False, highlight=False)
    if result.assumptions:
        console.print("[bold]Assumptions used[/] (override under timers: in the lab file)")
        for item in result.assumptions:
            mark = " (overridden)" if item["overridden"] else ""
            console.print(
                f"- {item['key']} = {item['value']} {item['unit']}{mark}: {item['note']}",
                markup=False,
                highlight=False,
            )
