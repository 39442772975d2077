"""``hvlab audit`` (check a real environment from its exports) and ``hvlab collect-script``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hvlab.commands.common import FindingsFormat, Level, out, user_errors
from hvlab.errors import UserError
from hvlab.ingest import collect_script as _collect_script
from hvlab.ingest.audit import run_audit
from hvlab.report.audit import audit_json, audit_sarif, render_audit
from hvlab.report.files import write_atomic
from hvlab.report.jsonout import to_json
from hvlab.rules import fails

__all__ = ["register"]


def audit(
    folder: Annotated[
        Path,
        typer.Argument(
            help="The export folder Collect-HvLab.ps1 wrote (see `hvlab collect-script`).",
            show_default=False,
        ),
    ],
    format: Annotated[
        FindingsFormat, typer.Option("--format", "-f", help="text, json or sarif.")
    ] = FindingsFormat.text,
    fail_on: Annotated[
        Level | None,
        typer.Option("--fail-on", help="Exit 1 when a finding is at least this severe."),
    ] = None,
    sql: Annotated[
        Path | None,
        typer.Option("--sql", help="Write the T-SQL fix of VMM error 12711 to this file."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the JSON or SARIF to this file.")
    ] = None,
) -> None:
    """Audit a real cluster from its exports: the same rules as `check`, plus events and VMM drift.

    Reads PowerShell JSON exports, event logs, the VMM table, the cluster
    registry and IIS configuration; prints what was read, the findings, the
    event summary, the 12711 drift with its T-SQL fix, the warnings, and what
    the exports do not say. Warnings never change the exit code.
    """
    result = run_audit(folder)
    if sql is not None:
        _write(sql, result.sql)
    if format is FindingsFormat.text and output is None:
        render_audit(out, result, str(sql) if sql is not None else None)
    else:
        if format is FindingsFormat.sarif:
            text = to_json(audit_sarif(result, base=Path.cwd()))
        else:
            text = to_json(audit_json(result))
        if output is None:
            typer.echo(text, nl=False)
        else:
            _write(output, text)
    if fails(result.check, fail_on.value if fail_on else None):
        raise typer.Exit(1)


def _write(path: Path, text: str) -> None:
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise UserError(f"{path}: cannot write the file ({exc.strerror or exc})") from None


def collect_script() -> None:
    """Print Collect-HvLab.ps1, the read-only collector to run on a cluster node."""
    typer.echo(_collect_script(), nl=False)


def register(app: typer.Typer) -> None:
    """Add ``audit`` and ``collect-script`` to the command line."""
    app.command()(user_errors(audit))
    app.command(name="collect-script")(user_errors(collect_script))
