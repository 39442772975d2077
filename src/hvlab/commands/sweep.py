"""``hvlab sweep``: every single (and double) failure of a lab, simulated and ranked.

``hvlab sweep LAB [--depth 1|2] [--kinds link,switch,node,...] [--top N] [--workers N]
[--scheduler ADDRESS] [--format text|json|parquet] [--output FILE]``
"""

from __future__ import annotations

import io
from contextlib import AbstractContextManager, nullcontext
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from hvlab import api
from hvlab.commands.common import LabArgument, err, out, user_errors
from hvlab.errors import UserError
from hvlab.report.files import write_atomic
from hvlab.report.jsonout import to_json
from hvlab.report.sweep import render_sweep, sweep_json, sweep_parquet
from hvlab.sweep import SWEEP_KINDS
from hvlab.sweep import sweep as run_sweep

__all__ = ["register", "sweep"]


class SweepFormat(StrEnum):
    """Output formats of ``hvlab sweep``."""

    text = "text"
    json = "json"
    parquet = "parquet"


class _Bar:
    """A Rich progress bar with ETA on stderr (only when stderr is a terminal)."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("[bold]sweep[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("scenarios"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=err,
            transient=True,
            auto_refresh=False,  # no refresh thread: the worker pool can then fork safely
        )
        self.task: TaskID | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.task is None:
            self.task = self.progress.add_task("sweep", total=total)
        self.progress.update(self.task, completed=done, total=total, refresh=True)


def sweep(
    lab: LabArgument,
    depth: Annotated[
        int, typer.Option("--depth", "-d", help="1: every single failure; 2: also every pair.")
    ] = 1,
    kinds: Annotated[
        list[str] | None,
        typer.Option(
            "--kinds",
            "-k",
            metavar="KINDS",
            help=f"Element kinds to fail, comma-separated ({', '.join(SWEEP_KINDS)}, all); "
            "default link,nic,lag,switch,node,csv,rack, and wan,site in a lab with WAN links.",
        ),
    ] = None,
    top: Annotated[
        int | None,
        typer.Option("--top", "-n", help="Show the N worst (text default 20; 0 = all)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-w", help="Local processes (default: one per core)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="Run on this Dask cluster (tcp://host:8786); needs the 'dask' extra.",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for every random choice.")] = 0,
    window: Annotated[
        str, typer.Option("--window", help="How long each scenario runs (fault at 10 s).")
    ] = "10m",
    prune: Annotated[
        bool,
        typer.Option("--prune/--no-prune", help="Simulate equivalent failures once (default)."),
    ] = True,
    incremental: Annotated[
        bool,
        typer.Option(
            "--incremental/--from-scratch",
            help="Reuse the baseline between scenarios (default) or start each from scratch.",
        ),
    ] = True,
    format: Annotated[
        SweepFormat, typer.Option("--format", "-f", help="text, json or parquet.")
    ] = SweepFormat.text,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the result to this file (parquet needs it)."),
    ] = None,
    fail_on_spof: Annotated[
        bool,
        typer.Option("--fail-on-spof", help="Exit 1 when there is a single point of failure."),
    ] = False,
) -> None:
    """Simulate every single (N-1) or double (N-2) failure and rank them, worst first."""
    if top is not None and top < 0:
        raise UserError(f"--top must be 0 (all) or more (got {top})")
    if format is SweepFormat.parquet and output is None:
        raise UserError("--format parquet writes a binary file: give --output FILE.parquet")
    if format is SweepFormat.parquet:
        # Fail before a long sweep, not after it.
        try:
            import pyarrow  # type: ignore[import-not-found, unused-ignore]  # noqa: F401
        except ImportError:
            raise UserError(
                "--format parquet needs pyarrow, which is not installed: pip install pyarrow "
                "(or use --format json)"
            ) from None
    model = api.load(lab)
    bar = _Bar() if err.is_terminal else None
    context: AbstractContextManager[object] = bar.progress if bar is not None else nullcontext()
    with context:
        result = run_sweep(
            model,
            depth=depth,
            kinds=kinds,
            seed=seed,
            workers=workers,
            scheduler=scheduler,
            prune=prune,
            incremental=incremental,
            window=window,
            progress=bar,
        )
    limit = None if top == 0 else top
    if format is SweepFormat.text:
        if output is None:
            render_sweep(out, result, top=20 if top is None else limit)
        else:
            buffer = io.StringIO()
            render_sweep(
                Console(file=buffer, width=160, color_system=None),
                result,
                top=20 if top is None else limit,
            )
            write_atomic(output, buffer.getvalue())
    elif format is SweepFormat.parquet:
        assert output is not None
        write_atomic(output, sweep_parquet(result, limit))
        err.print(f"wrote {output} ({len(result.top(limit))} rows)")
    else:
        text = to_json(sweep_json(result, limit))
        if output is None:
            out.print(text, end="", markup=False, soft_wrap=True)
        else:
            write_atomic(output, text)
    if fail_on_spof and result.single_points_of_failure:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``sweep`` to the command line."""
    app.command()(user_errors(sweep))
