"""``hvlab team``: which team member carries which flow, in and out, and what a failure does.

``hvlab team LAB HOST/TEAM [--flows N] [--seed S] [--down MEMBER ...] [--algorithm X]
[--compare] [--format text|json]``. ``TEAM`` is an LBFO team or a SET switch of ``HOST``.
``--down`` takes member NIC names (``VM-A``) or element names (``switch:tor2``,
``link:node1:VM-A~tor1:11``).
"""

from __future__ import annotations

from typing import Annotated

import typer

from hvlab import api
from hvlab.commands.common import Format, FormatOption, LabArgument, out, user_errors
from hvlab.condition import Condition
from hvlab.errors import UserError
from hvlab.model.lab import Lab
from hvlab.model.load import suggest
from hvlab.report.jsonout import to_json
from hvlab.report.team import (
    comparison_dict,
    distribution_dict,
    render_comparison,
    render_distribution,
)
from hvlab.teaming.distribute import comparable_algorithms, distribute
from hvlab.teaming.flows import team_flows
from hvlab.teaming.modes import ALGORITHMS, resolve_team

__all__ = ["register", "team"]

MAX_FLOWS = 50_000_000


def _target(text: str) -> tuple[str, str]:
    host, sep, name = text.partition("/")
    if not sep or not host or not name:
        raise UserError(f"{text!r}: write the team as HOST/TEAM (e.g. node1/VMTeam)")
    return host, name


def _down(lab: Lab, host: str, members: tuple[str, ...], items: list[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if ":" in item:
            out.append(item)
        elif item in members or item in lab.hosts[host].nics:
            out.append(f"nic:{host}:{item}")
        else:
            raise UserError(
                f"--down {item}: not a member of the team{suggest(item, members)} (members: "
                f"{', '.join(members)}); name other elements as KIND:NAME (switch:tor2)"
            )
    return out


def team(
    lab: LabArgument,
    target: Annotated[str, typer.Argument(help="HOST/TEAM: an LBFO team or a SET switch.")],
    flows: Annotated[int, typer.Option("--flows", help="Number of flows to place.")] = 100_000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the flow generator.")] = 1,
    down: Annotated[
        list[str] | None,
        typer.Option("--down", help="A member NIC or element that is down (repeatable)."),
    ] = None,
    algorithm: Annotated[
        str | None,
        typer.Option("--algorithm", help=f"Use this algorithm ({', '.join(ALGORITHMS)})."),
    ] = None,
    compare: Annotated[
        bool, typer.Option("--compare", help="Every algorithm side by side, same flows.")
    ] = False,
    format: FormatOption = Format.text,
) -> None:
    """Show how a NIC team spreads flows over its members (outbound and inbound)."""
    if not 1 <= flows <= MAX_FLOWS:
        raise UserError(f"--flows must be between 1 and {MAX_FLOWS:,} (got {flows})")
    model = api.load(lab)
    host, name = _target(target)
    spec = resolve_team(model, host, name, algorithm=algorithm)
    elements = _down(model, host, spec.members, list(down or []))
    condition = Condition.from_elements(model, elements)
    batch = team_flows(model, spec, flows, seed)
    if compare:
        algorithms = (algorithm,) if algorithm else comparable_algorithms(spec)
        results = [distribute(model, host, name, batch, condition, a) for a in algorithms]
        if format is Format.json:
            out.print(
                to_json(comparison_dict(results, condition.names())),
                end="",
                markup=False,
                soft_wrap=True,
            )
        else:
            render_comparison(out, results)
        return
    result = distribute(model, host, name, batch, condition, algorithm)
    if format is Format.json:
        out.print(
            to_json(distribution_dict(result, condition.names())),
            end="",
            markup=False,
            soft_wrap=True,
        )
    else:
        render_distribution(out, result)


def register(app: typer.Typer) -> None:
    """Add ``hvlab team`` to ``app``."""
    app.command(name="team")(user_errors(team))
