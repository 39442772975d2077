"""``hvlab report`` (the HTML report) and ``hvlab draw`` (the topology picture alone).

``hvlab report LAB [--scenario NAME ...] [--down ELEMENT ...] [--vlan N | --instance N]
[--path CLUSTER:NETWORK:A:B] -o report.html`` writes one self-contained HTML page.
``hvlab draw LAB [--vlan N | --instance N] [--down ELEMENT ...] [--path ...] -o topo.svg``
writes the picture as SVG, or as PNG when the name ends in ``.png`` (rendered by resvg,
the ``resvg-py`` package). Both write atomically: the file appears complete or not at all.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hvlab import api
from hvlab.commands.common import LabArgument, err, user_errors
from hvlab.errors import UserError
from hvlab.report.files import write_atomic

__all__ = ["draw", "register", "report"]

DownOption = Annotated[
    list[str] | None,
    typer.Option(
        "--down",
        "-d",
        help="An element that is down (switch:tor2, lag:tor1:Po1, link:A:P~B:Q, ...); repeatable.",
    ),
]
VlanOption = Annotated[
    int | None, typer.Option("--vlan", help="Show spanning tree as VLAN N sees it.")
]
InstanceOption = Annotated[
    int | None,
    typer.Option("--instance", help="Show MST instance N (0 = the CIST / the single tree)."),
]
PathOption = Annotated[
    str | None,
    typer.Option(
        "--path",
        help="Draw a cluster network's path: CLUSTER:NETWORK:NODE_A:NODE_B "
        "(or NETWORK:A:B with one cluster).",
    ),
]


def _view(vlan: int | None, instance: int | None) -> str | None:
    if vlan is not None and instance is not None:
        raise UserError("give --vlan or --instance, not both")
    if vlan is not None:
        return f"vlan:{vlan}"
    if instance is not None:
        return f"tree:{instance}"
    return None


def report(
    lab: LabArgument,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The HTML file to write.", dir_okay=False)
    ],
    scenario: Annotated[
        list[str] | None,
        typer.Option("--scenario", "-s", help="Simulate only this scenario (repeatable)."),
    ] = None,
    down: DownOption = None,
    vlan: VlanOption = None,
    instance: InstanceOption = None,
    path: PathOption = None,
    flows: Annotated[
        int, typer.Option("--flows", help="Flows placed on each team for the load bars.")
    ] = 4000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulations.")] = 0,
) -> None:
    """Write one self-contained HTML report: topology, teams, scenarios, findings, defaults."""
    from hvlab.report.html import ReportOptions, write_report

    if not 1 <= flows <= 1_000_000:
        raise UserError(f"--flows must be between 1 and 1,000,000 (got {flows})")
    model = api.load(lab)
    options = ReportOptions(
        scenarios=tuple(scenario) if scenario else None,
        down=tuple(down or ()),
        view=_view(vlan, instance),
        path=path,
        flows=flows,
        sim_seed=seed,
    )
    written = write_report(model, output, options)
    err.print(f"wrote {written}", markup=False)


def draw(
    lab: LabArgument,
    output: Annotated[
        str,
        typer.Option("--output", "-o", help="topo.svg or topo.png ('-' writes SVG to stdout)."),
    ],
    vlan: VlanOption = None,
    instance: InstanceOption = None,
    down: DownOption = None,
    path: PathOption = None,
) -> None:
    """Draw the topology (switches, hosts, LAGs, blocked ports) as SVG or PNG."""
    from hvlab.report.html import render_drawing, svg_to_png

    suffix = Path(output).suffix.lower()
    if output != "-" and suffix not in (".svg", ".png"):
        raise UserError(f"-o {output}: the file name must end in .svg or .png")
    model = api.load(lab)
    svg = render_drawing(model, down=tuple(down or ()), view=_view(vlan, instance), path=path)
    if output == "-":
        sys.stdout.write(svg)
        return
    data: str | bytes = svg_to_png(svg) if suffix == ".png" else svg
    written = write_atomic(output, data)
    err.print(f"wrote {written}", markup=False)


def register(app: typer.Typer) -> None:
    """Add ``hvlab report`` and ``hvlab draw`` to ``app``."""
    app.command(name="report")(user_errors(report))
    app.command(name="draw")(user_errors(draw))
