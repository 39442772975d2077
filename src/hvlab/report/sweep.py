"""A resilience sweep for people (Rich), for programs (JSON) and for data tools (Parquet).

* :func:`render_sweep` — what was simulated and pruned, the ranking worst first with
  each scenario's cause chain, the single points of failure, criticality per kind
  (per element in JSON) and, for N-2, the double failures that do more than either
  single one.
* :func:`sweep_json` — :meth:`hvlab.sweep.rank.SweepResult.as_dict` (deterministic).
* :func:`sweep_parquet` — one row per ranked scenario; needs ``pyarrow`` (a clear
  :class:`~hvlab.errors.UserError` without it).
"""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from rich.table import Table

from hvlab.errors import UserError
from hvlab.sweep.rank import SCORE_FIELDS, SCORE_TEXT, Ranked, SweepResult

__all__ = ["parquet_rows", "render_sweep", "sweep_json", "sweep_parquet"]

_STYLE = {"loss": "bold red", "failover": "yellow", "degraded": "cyan", "none": "dim"}


def _seconds(ms: int) -> str:
    if not ms:
        return "-"
    s = ms / 1000
    if s < 100:
        return f"{s:g} s"
    if s < 7200:
        return f"{s / 60:.1f} min"
    return f"{s / 3600:.1f} h"


def _failure(r: Ranked) -> str:
    text = " + ".join(r.fault.elements)
    more = len(r.fault.covers) - 1
    if more:
        text += f" (+{more} equivalent)"
    return text


def _label(r: Ranked) -> str:
    style = _STYLE.get(r.category, "")
    text = r.category
    if r.single_point_of_failure:
        text = "SPOF"
    elif r.beyond_singles:
        text = "loss (new)"
    return f"[{style}]{text}[/]" if style else text


def _ranking_table(title: str, rows: tuple[Ranked, ...]) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold", show_lines=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("failure", overflow="fold", min_width=18)
    table.add_column("class", no_wrap=True)
    table.add_column("VM downtime", justify="right", no_wrap=True)
    table.add_column("VMs", justify="right")
    table.add_column("paths lost/slower", justify="right")
    table.add_column("cause chain", overflow="fold", ratio=3)
    for r in rows:
        o = r.outcome
        vms = str(len(o.vms_down)) if o.vms_down else "-"
        if o.vms_lost:
            vms += f" ({len(o.vms_lost)} lost)"
        paths = f"{o.paths_lost}/{o.paths_slower}" if o.paths_lost or o.paths_slower else "-"
        table.add_row(
            str(r.rank),
            _failure(r),
            _label(r),
            _seconds(o.vm_downtime_ms),
            vms,
            paths,
            " → ".join(o.chain),
        )
    return table


def render_sweep(console: Console, result: SweepResult, top: int | None = 20) -> None:
    """Print a sweep: counts and pruning, the ranking (``top`` rows), SPOFs, criticality."""
    plan = result.plan
    counts = result.counts()["scenarios"]
    depth = "N-1" if plan.depth == 1 else "N-1 and N-2"
    console.print(
        f"[bold]{result.lab}[/]: {depth} sweep of {len(plan.elements)} elements "
        f"({', '.join(plan.kinds)}), seed {result.seed}"
    )
    for key, c in counts.items():
        console.print(
            f"  {key.upper()}: {c['candidates']} candidates, {c['simulated']} simulated, "
            f"{c['pruned']} pruned",
            highlight=False,
        )
    for p in plan.pruned:
        console.print(
            f"    N-{p.depth} pruned {p.count} ({p.reason}): {p.text}",
            markup=False,
            highlight=False,
        )
    console.print(f"[dim]Ranked {SCORE_TEXT}.[/]")
    shown = result.top(top)
    console.print(_ranking_table("Ranking (worst first)", shown))
    if len(shown) < len(result.ranking):
        console.print(
            f"[dim]… {len(result.ranking) - len(shown)} more scenarios (--top 0 shows all)[/]"
        )
    spofs = result.single_points_of_failure
    if spofs:
        console.print(f"[bold red]Single points of failure ({len(spofs)})[/]")
        for r in spofs:
            others = [c[0] for c in r.fault.covers[1:]]
            same = f" (same as {', '.join(others)})" if others else ""
            console.print(
                f"  #{r.rank} {r.fault.elements[0]}{same}: " + " → ".join(r.outcome.chain[1:]),
                markup=False,
                highlight=False,
            )
    else:
        console.print("[green]No single point of failure: every single failure is absorbed.[/]")
    beyond = [r for r in result.ranking if r.beyond_singles]
    if beyond:
        console.print(
            _ranking_table(
                f"Double failures that cause a loss neither causes alone ({len(beyond)})",
                tuple(beyond[: top if top else None]),
            )
        )
    console.print(_criticality_table(result))
    for note in result.notes:
        console.print(f"[dim]Note: {note}[/]", highlight=False)


def _criticality_table(result: SweepResult) -> Table:
    table = Table(
        title="Criticality per kind (per element: --format json, 'criticality')",
        title_justify="left",
        header_style="bold",
    )
    columns = ["kind", "elements", "SPOF", "failover", "degraded", "none"]
    if result.plan.depth > 1:
        columns.append("in a pair with loss")
    for c in columns:
        table.add_column(c, justify="right" if c != "kind" else "left")
    rows: dict[str, dict[str, int]] = {}
    for row in result.criticality():
        kind = row["element"].partition(":")[0]
        counts = rows.setdefault(kind, {c: 0 for c in columns[1:]})
        counts["elements"] += 1
        key = "SPOF" if row["single_point_of_failure"] else row["category"]
        if key in counts:
            counts[key] += 1
        if row.get("pairs_with_loss"):
            counts["in a pair with loss"] += 1
    for kind in sorted(rows):
        table.add_row(kind, *[str(rows[kind][c]) for c in columns[1:]])
    return table


def sweep_json(result: SweepResult, top: int | None = None) -> dict[str, Any]:
    """Return the JSON document of ``hvlab sweep --format json``."""
    return result.as_dict(top=top)


def parquet_rows(result: SweepResult, top: int | None = None) -> list[dict[str, Any]]:
    """Return one flat row per ranked scenario (the Parquet table's rows)."""
    rows = []
    for r in result.top(top):
        o = r.outcome
        row: dict[str, Any] = {
            "rank": r.rank,
            "depth": r.fault.depth,
            "elements": " + ".join(r.fault.elements),
            "equivalent": len(r.fault.covers) - 1,
            "equivalence": r.fault.reason,
            "category": r.category,
            "single_point_of_failure": r.single_point_of_failure,
            "beyond_singles": r.beyond_singles,
        }
        row.update(zip(SCORE_FIELDS, r.score, strict=True))
        row.update(
            {
                "vms_down": len(o.vms_down),
                "vms_still_down": len(o.vms_lost),
                "services_down": len(o.services_down),
                "nodes_removed": ", ".join(o.nodes_removed),
                "settle_s": o.settle_ms / 1000,
                "chain": " → ".join(o.chain),
            }
        )
        rows.append(row)
    return rows


def sweep_parquet(result: SweepResult, top: int | None = None) -> bytes:
    """Return the ranking as a Parquet file (bytes).

    Raises
    ------
    UserError
        When ``pyarrow`` is not installed.
    """
    try:
        import pyarrow as pa  # type: ignore[import-not-found, unused-ignore]
        import pyarrow.parquet as pq  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        raise UserError(
            "--format parquet needs pyarrow, which is not installed: pip install pyarrow "
            "(or use --format json)"
        ) from None
    table = pa.Table.from_pylist(parquet_rows(result, top))
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()
