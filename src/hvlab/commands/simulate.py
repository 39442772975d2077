"""``hvlab simulate``: play a scenario (or random faults) against a lab."""

from __future__ import annotations

from typing import Annotated

import typer

from hvlab import api
from hvlab.commands.common import Format, FormatOption, LabArgument, out, user_errors
from hvlab.model.units import parse_duration
from hvlab.report.jsonout import to_json
from hvlab.report.sim import render_simulation
from hvlab.sim.engine import simulate as run_simulation
from hvlab.sim.faults import random_faults

__all__ = ["register"]


def simulate(
    lab: LabArgument,
    scenario: Annotated[
        str | None, typer.Option("--scenario", "-s", help="Scenario name (default: the first).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for every random choice.")] = 0,
    until: Annotated[
        str | None, typer.Option("--until", help="Stop at this time (e.g. 30m).")
    ] = None,
    random_fault_count: Annotated[
        int,
        typer.Option("--random-faults", help="Instead of a scenario: N faults from MTBF/MTTR."),
    ] = 0,
    explain: Annotated[
        str | None, typer.Option("--explain", help="Show only what concerns this object.")
    ] = None,
    format: FormatOption = Format.text,
) -> None:
    """Simulate a scenario with the real protocol timers: timeline and impact per VM/service."""
    model = api.load(lab)
    end = parse_duration(until) if until else None
    chosen = scenario
    if random_fault_count:
        horizon = end or 365 * 86_400_000
        result = run_simulation(
            model,
            random_faults(model, random_fault_count, seed=seed, duration_ms=horizon),
            seed=seed,
            until=horizon,
        )
    else:
        result = run_simulation(model, chosen, seed=seed, until=end)
    if format is Format.json:
        out.print(to_json(result.as_dict()), end="", markup=False, soft_wrap=True)
    else:
        render_simulation(out, result, explain)


def register(app: typer.Typer) -> None:
    """Add ``simulate`` to the command line."""
    app.command()(user_errors(simulate))
