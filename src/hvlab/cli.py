"""The ``hvlab`` command line: parse arguments, call :mod:`hvlab.api`, render the answer.

Rendering lives in :mod:`hvlab.report`; this module stays thin.

Exit codes: 0 success; 1 findings at or above ``--fail-on``; 2 bad input (the
message says file:line:col, the field and the fix); 3 an internal error (a bug
in hvlab: please report it with the lab file).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Annotated

import typer

from hvlab import __version__, api
from hvlab.commands import audit, check, l2, report, simulate, sweep, team
from hvlab.commands.common import Format, FormatOption, LabArgument, err, out, user_errors
from hvlab.errors import UserError
from hvlab.report.jsonout import to_json
from hvlab.report.text import render_summary

__all__ = ["app", "main"]

app = typer.Typer(
    name="hvlab",
    help="A virtual lab for Hyper-V failover clusters and the networks under them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        out.print(f"hvlab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """A virtual lab for Hyper-V failover clusters and the networks under them."""


@app.command()
@user_errors
def validate(lab: LabArgument, format: FormatOption = Format.text) -> None:
    """Check that a lab file loads and is consistent (exit 0), or list every problem (exit 2)."""
    try:
        model = api.load(lab)
    except UserError as exc:
        if format is Format.json:
            out.print(
                to_json(
                    {
                        "valid": False,
                        "problems": [
                            {
                                "file": p.file,
                                "line": p.line,
                                "col": p.col,
                                "path": p.path,
                                "message": p.message,
                            }
                            for p in exc.problems
                        ],
                    }
                ),
                end="",
                markup=False,
            )
            raise typer.Exit(2) from None
        raise
    if format is Format.json:
        out.print(to_json({"valid": True, "lab": model.name, "problems": []}), end="", markup=False)
    else:
        counts = api.summary(model)["counts"]
        out.print(
            f"{lab}: valid ({counts['switches']} switches, {counts['hosts']} hosts, "
            f"{counts['vms']} VMs)",
            markup=False,
        )


@app.command()
@user_errors
def show(lab: LabArgument, format: FormatOption = Format.text) -> None:
    """Summarise a lab: counts, switches, hosts, teams, clusters, VMs, scenarios."""
    summary = api.summary(api.load(lab))
    if format is Format.json:
        out.print(to_json(summary), end="", markup=False)
    else:
        render_summary(out, summary)


@app.command()
@user_errors
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the schema to this file.")
    ] = None,
) -> None:
    """Print the JSON Schema of the lab file (for VS Code's YAML extension and CI)."""
    from hvlab.report.files import write_atomic

    text = to_json(api.schema())
    if output is None:
        out.print(text, end="", markup=False, soft_wrap=True)
    else:
        write_atomic(output, text)
        err.print(f"wrote {output}")


@app.command()
@user_errors
def demo(format: FormatOption = Format.text) -> None:
    """Run hvlab's main job on the bundled 10 Gbps cluster: summary, then a simulation."""
    from hvlab.report.sim import render_simulation
    from hvlab.sim.engine import simulate

    path = api.examples_dir() / "ten-gig-cluster.yaml"
    lab = api.load(path)
    result = simulate(lab, "isl-fails")
    if format is Format.json:
        out.print(
            to_json({"lab": api.summary(lab), "simulation": result.as_dict()}),
            end="",
            markup=False,
            soft_wrap=True,
        )
        return
    out.print(f"[bold]hvlab demo[/]: {path}")
    render_summary(out, api.summary(lab))
    out.print(
        "\n[bold]Simulation[/]: the inter-switch LAG fails, then SQL1 is live-migrated "
        "(hvlab simulate examples/ten-gig-cluster.yaml --scenario isl-fails)"
    )
    render_simulation(out, result)


_COMMANDS: tuple[ModuleType, ...] = (check, team, audit, l2, simulate, sweep, report)
for _module in _COMMANDS:
    _module.register(app)


def main() -> None:
    """Run the hvlab command line (the ``hvlab`` console script)."""
    app(prog_name="hvlab")


if __name__ == "__main__":  # pragma: no cover
    main()
