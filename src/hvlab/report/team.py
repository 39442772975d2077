"""Rendering of teaming answers: the JSON document of ``hvlab team`` and its Rich view.

JSON (DESIGN.md contract, extended): ``{"team", "mode", "algorithm", "members": [{"name",
"state", "flows", "bytes", "share", ...}], "imbalance", ...}``. Keys keep a fixed order and
floats are rounded to 6 decimals, so the same lab and seed give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from hvlab.model.units import format_bytes, format_speed
from hvlab.teaming.distribute import Distribution

__all__ = [
    "comparison_dict",
    "distribution_dict",
    "render_comparison",
    "render_distribution",
]

_BAR = 12


def _r(x: float) -> float:
    return round(float(x), 6)


def distribution_dict(d: Distribution, condition: Sequence[str] = ()) -> dict[str, Any]:
    """Return the JSON document of one :class:`Distribution`.

    Parameters
    ----------
    d : Distribution
        The answer.
    condition : sequence of str
        Element names that were failed (echoed as ``down``).
    """
    spec = d.spec
    return {
        "team": spec.name,
        "host": spec.host,
        "kind": spec.kind,
        "mode": spec.mode,
        "algorithm": spec.algorithm,
        "algorithm_origin": spec.algorithm_origin,
        "status": d.status,
        "primary": d.state.primary,
        "primary_temporary": d.state.primary_temporary,
        "members": [
            {
                "name": m.name,
                "state": m.state,
                "flows": m.flows,
                "bytes": m.bytes,
                "share": _r(m.share),
                "failure_reason": m.failure_reason,
                "primary": m.primary,
                "carries": m.carries,
                "speed_bps": m.speed_bps,
                "utilisation": _r(m.utilisation),
                "lost_bytes": m.lost_bytes,
                "inbound_flows": m.inbound_flows,
                "inbound_bytes": m.inbound_bytes,
                "inbound_share": _r(m.inbound_share),
                "inbound_utilisation": _r(m.inbound_utilisation),
                "inbound_lost_bytes": m.inbound_lost_bytes,
            }
            for m in d.members
        ],
        "imbalance": _r(d.imbalance),
        "jain": _r(d.jain),
        "interval_imbalance": _r(d.interval_imbalance),
        "inbound": {
            "policy": d.inbound_policy,
            "imbalance": _r(d.inbound_imbalance),
            "jain": _r(d.inbound_jain),
            "bytes": d.inbound_bytes,
            "lost_bytes": d.inbound_lost_bytes,
        },
        "flows": d.flows,
        "bytes": d.bytes,
        "lost_bytes": d.lost_bytes,
        "window_s": _r(d.window_s),
        "seed": d.seed,
        "down": list(condition),
        "vmq_mode": d.vmq_mode,
        "mac": {
            "team_mac_member": d.state.team_mac_member,
            "team_mac": d.state.team_mac,
            "sent_by": d.state.primary,
            "arp_nd": (
                d.state.primary
                if d.inbound_policy == "primary"
                else "the member each vSwitch port is affinitised to"
                if d.inbound_policy == "affinity"
                else "any member (switch dependent)"
            ),
            "rules": list(d.mac_rules),
        },
        "vms": [
            {
                "name": v.name,
                "vm": v.vm,
                "vswitch_port": v.vswitch_port,
                "flows": v.flows,
                "bytes": v.bytes,
                "inbound_bytes": v.inbound_bytes,
                "members": list(v.members),
                "inbound_members": list(v.inbound_members),
                "outbound_bps": v.outbound_bps,
                "inbound_bps": v.inbound_bps,
                "single_flow_bps": v.single_flow_bps,
            }
            for v in d.vms
        ],
        "rebalancing": [
            {
                "t_s": _r(step.t_s),
                "loads": dict(zip(spec.members, step.loads, strict=True)),
                "moves": [
                    {
                        "from": mv.source,
                        "to": mv.target,
                        "flows": mv.flows,
                        "bytes": mv.bytes,
                        "buckets": mv.buckets,
                    }
                    for mv in step.moves
                ],
            }
            for step in d.rebalancing
        ],
        "lacp": d.lacp.as_dict() if d.lacp is not None else None,
        "assumptions": [a.as_dict() for a in d.assumptions],
    }


def comparison_dict(ds: Sequence[Distribution], condition: Sequence[str] = ()) -> dict[str, Any]:
    """Return the JSON document of ``--compare``: the team and one entry per algorithm."""
    first = ds[0]
    return {
        "team": first.spec.name,
        "host": first.spec.host,
        "kind": first.spec.kind,
        "mode": first.spec.mode,
        "algorithm": first.spec.algorithm if len(ds) == 1 else None,
        "flows": first.flows,
        "seed": first.seed,
        "down": list(condition),
        "compare": [distribution_dict(d, condition) for d in ds],
    }


def _bar(share: float, style: str) -> Text:
    filled = round(max(0.0, min(1.0, share)) * _BAR)
    return Text("█" * filled + "·" * (_BAR - filled), style=style)


_STATE_STYLE = {"active": "green", "standby": "yellow", "failed": "red"}


def render_distribution(console: Console, d: Distribution) -> None:
    """Print one distribution: members with load bars, VMs, rebalancing, LACP, assumptions."""
    spec = d.spec
    kind = "SET switch" if spec.kind == "set" else "LBFO team"
    status_style = {"Up": "green", "Degraded": "yellow", "Down": "red"}[d.status]
    head = Text.assemble(
        (f"{spec.host}/{spec.name}", "bold"),
        f"  {kind}, {spec.mode} / {spec.algorithm} ({spec.algorithm_origin}), ",
        ("Status ", ""),
        (d.status, f"bold {status_style}"),
        f", primary {d.state.primary or '-'}"
        + (" (temporary)" if d.state.primary_temporary else ""),
    )
    table = Table(
        title="Members (outbound / inbound; * primary)",
        title_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
    )
    for col, just in (
        ("member", "left"),
        ("state", "left"),
        ("speed", "right"),
        ("flows", "right"),
        ("out", "right"),
        ("", "left"),
        ("in", "right"),
        ("", "left"),
    ):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for m in d.members:
        name = m.name + (" *" if m.primary else "")
        label = (
            m.state
            if m.failure_reason in ("NoFailure", "AdministrativeDecision")
            else (f"{m.state}: {m.failure_reason}")
        )
        state = Text(label, style=_STATE_STYLE.get(m.state, ""))
        if m.state == "active" and not m.carries:
            state = Text("active, dropped by switch", style="red")
        table.add_row(
            name,
            state,
            format_speed(m.speed_bps) if m.speed_bps else "-",
            f"{m.flows:,}",
            f"{m.share:.1%}",
            _bar(m.share, "cyan"),
            f"{m.inbound_share:.1%}",
            _bar(m.inbound_share, "magenta"),
        )
    summary = Text(
        f"imbalance {d.imbalance:.3f} (max/mean; per interval {d.interval_imbalance:.3f}), "
        f"Jain {d.jain:.4f}; inbound "
        f"({d.inbound_policy}) imbalance {d.inbound_imbalance:.3f}, Jain {d.inbound_jain:.4f}; "
        f"{d.flows:,} flows, {format_bytes(d.bytes)} out, {format_bytes(d.inbound_bytes)} in "
        f"over {d.window_s:g} s; VMQ {d.vmq_mode}"
    )
    parts: list[Any] = [head, table, summary]
    if d.lost_bytes or d.inbound_lost_bytes:
        parts.append(
            Text(
                f"lost: {format_bytes(d.lost_bytes)} out, {format_bytes(d.inbound_lost_bytes)} "
                "in (sent to members whose traffic is dropped)",
                style="bold red",
            )
        )
    if d.vms:
        vms = Table(
            title="Per VM / endpoint",
            title_justify="left",
            header_style="bold",
            box=box.SIMPLE_HEAD,
        )
        for col in ("endpoint", "port", "flows", "out via", "in via", "out bw", "in bw", "1 flow"):
            vms.add_column(col)
        for v in d.vms:
            vms.add_row(
                v.name,
                str(v.vswitch_port),
                f"{v.flows:,}",
                ", ".join(v.members) or "-",
                ", ".join(v.inbound_members) or "-",
                format_speed(v.outbound_bps),
                format_speed(v.inbound_bps),
                format_speed(v.single_flow_bps),
            )
        parts.append(vms)
    moving = [s for s in d.rebalancing if s.moves]
    if d.rebalancing:
        flows_moved = sum(mv.flows for s in d.rebalancing for mv in s.moves)
        parts.append(
            Text(
                f"rebalancing: {len(d.rebalancing)} ticks, {len(moving)} with moves, "
                f"{flows_moved:,} flow moves"
            )
        )
        if moving:
            reb = Table(header_style="bold", box=box.SIMPLE_HEAD)
            for col in ("t (s)", "from", "to", "flows", "bytes"):
                reb.add_column(col)
            for s in moving[:10]:
                for mv in s.moves:
                    reb.add_row(
                        f"{s.t_s:g}", mv.source, mv.target, f"{mv.flows:,}", format_bytes(mv.bytes)
                    )
            parts.append(reb)
    if d.lacp is not None and (spec.mode != "SwitchIndependent" or d.lacp.notes):
        lt = Table(
            title=f"Link aggregation (LacpTimer {d.lacp.host_timer})",
            title_justify="left",
            header_style="bold",
            box=box.SIMPLE_HEAD,
        )
        for col in ("member", "far end", "LAG", "switch mode", "outcome", "note"):
            lt.add_column(col)
        for row in d.lacp.members:
            far = f"{row.switch}:{row.port}" if row.switch else "-"
            lt.add_row(row.name, far, row.lag or "-", row.switch_mode or "-", row.outcome, row.note)
        parts.append(lt)
        for note in d.lacp.notes:
            parts.append(Text(f"! {note}", style="yellow"))
    parts.append(Text("assumptions:", style="bold"))
    for a in d.assumptions:
        value = str(a.value).split(". ")[0] + " ..." if a.unit == "text" else f"{a.value} {a.unit}"
        mark = "" if a.published else " [assumption]"
        parts.append(Text(f"  {a.key} = {value} ({a.origin}){mark}"))
    console.print(Group(*parts))


def render_comparison(console: Console, ds: Sequence[Distribution]) -> None:
    """Print every algorithm side by side on the same flows."""
    first = ds[0]
    spec = first.spec
    table = Table(
        title=f"{spec.host}/{spec.name} ({spec.mode}): {first.flows:,} flows, seed {first.seed}",
        title_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("algorithm")
    for name in spec.members:
        table.add_column(name, justify="right")
    for col in ("max/mean", "per s", "Jain", "inbound", "in max/mean", "moves"):
        table.add_column(col, justify="right")
    for d in ds:
        moves = sum(mv.flows for s in d.rebalancing for mv in s.moves)
        table.add_row(
            d.spec.algorithm,
            *[f"{m.share:.1%}" for m in d.members],
            f"{d.imbalance:.3f}",
            f"{d.interval_imbalance:.3f}",
            f"{d.jain:.4f}",
            d.inbound_policy,
            f"{d.inbound_imbalance:.3f}",
            f"{moves:,}" if d.rebalancing else "-",
        )
    console.print(table)
    for d in ds:
        console.print(
            Text.assemble((f"{d.spec.algorithm:<16}", "bold"), " "),
            *[_bar(m.share, "cyan") for m in d.members[:4]],
        )
