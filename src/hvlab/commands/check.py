"""``hvlab check`` (findings on a lab) and ``hvlab rules`` (the rule catalogue)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hvlab import api
from hvlab.commands.common import FindingsFormat, LabArgument, Level, out, user_errors
from hvlab.errors import UserError
from hvlab.report.files import write_atomic
from hvlab.report.findings import findings_json, findings_sarif, render_findings, render_rules
from hvlab.report.jsonout import to_json
from hvlab.rules import check_lab, fails, load_rules

__all__ = ["register"]


def check(
    lab: LabArgument,
    format: Annotated[
        FindingsFormat, typer.Option("--format", "-f", help="text, json or sarif.")
    ] = FindingsFormat.text,
    fail_on: Annotated[
        Level | None,
        typer.Option("--fail-on", help="Exit 1 when a finding is at least this severe."),
    ] = None,
    select: Annotated[
        list[str] | None,
        typer.Option("--select", help="Only these rules (ids or prefixes like HV1)."),
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option("--ignore", help="Skip these rules (ids or prefixes).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the result to this file.")
    ] = None,
) -> None:
    """Check a lab against the rules of the field; each finding says why and how to fix it."""
    model = api.load(lab)
    result = check_lab(model, select=select or (), ignore=ignore or ())
    if format is FindingsFormat.text and output is None:
        render_findings(out, result)
    else:
        if format is FindingsFormat.sarif:
            doc = findings_sarif(result, load_rules(), base=Path.cwd())
        else:
            doc = findings_json(result)
        text = to_json(doc)
        if output is None:
            out.print(text, end="", markup=False, soft_wrap=True)
        else:
            write_atomic(output, text)
    if fails(result, fail_on.value if fail_on else None):
        raise typer.Exit(1)


def rules(
    rule_id: Annotated[str | None, typer.Argument(help="Show this rule in full.")] = None,
    format: Annotated[
        FindingsFormat, typer.Option("--format", "-f", help="text or json.")
    ] = FindingsFormat.text,
) -> None:
    """List the rules, or show one with why it matters, how to fix it and references."""
    catalogue = load_rules()
    if rule_id is not None:
        rule_id = rule_id.upper()
        if rule_id not in catalogue:
            from hvlab.model.load import suggest

            raise UserError(f"no rule {rule_id!r}{suggest(rule_id, catalogue)}")
    if format is not FindingsFormat.text:
        chosen = [catalogue[rule_id]] if rule_id else list(catalogue.values())
        out.print(
            to_json(
                {
                    "rules": [
                        {
                            "id": r.id,
                            "title": r.title,
                            "severity": r.severity,
                            "topic": r.topic,
                            "rationale": r.rationale,
                            "fix": r.fix,
                            "references": list(r.references),
                        }
                        for r in chosen
                    ]
                }
            ),
            end="",
            markup=False,
            soft_wrap=True,
        )
        return
    render_rules(out, catalogue, rule_id)


def register(app: typer.Typer) -> None:
    """Add ``check`` and ``rules`` to the command line."""
    app.command()(user_errors(check))
    app.command()(user_errors(rules))
