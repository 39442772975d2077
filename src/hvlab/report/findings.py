"""Findings of ``hvlab check`` as Rich text, JSON (the DESIGN contract) and SARIF 2.1.0.

SARIF follows OASIS "Static Analysis Results Interchange Format Version 2.1.0"
(errata 01): one run, the tool's rules with ``helpUri`` to each rule's page, and
one result per finding located on the lab file's line, so GitHub code scanning
and Azure DevOps show findings on the lab file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from hvlab import __version__
from hvlab.rules.base import Rule
from hvlab.rules.engine import CheckResult

__all__ = ["docs_url", "findings_json", "findings_sarif", "render_findings", "render_rules"]

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def docs_url(rule_id: str) -> str:
    """Return the address of a rule's documentation page (``HVLAB_DOCS_URL`` overrides the base)."""
    base = os.environ.get("HVLAB_DOCS_URL", "https://github.com/hvlab/hvlab/blob/main/docs/rules/")
    return f"{base.rstrip('/')}/{rule_id}.md"


def findings_json(result: CheckResult) -> dict[str, Any]:
    """Return the JSON document of ``hvlab check --format json``."""
    return {
        "findings": [f.as_dict() for f in result.findings],
        "skipped": [{"rule": r, "reason": why} for r, why in result.skipped],
        "summary": {
            "rules_run": result.rules_run,
            **{
                s: sum(1 for f in result.findings if f.severity == s)
                for s in ("error", "warning", "info")
            },
        },
    }


def _uri(file: str, base: Path | None) -> str:
    path = Path(file)
    if base is not None:
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def findings_sarif(
    result: CheckResult, rules: dict[str, Rule], base: Path | None = None
) -> dict[str, Any]:
    """Return a SARIF 2.1.0 log of ``result``; file URIs are relative to ``base`` when given."""
    used = sorted({f.rule for f in result.findings} | set(rules))

    def generic(text: str) -> str:
        # Rule metadata speaks of any object: show the template's fields as <field>.
        return re.sub(r"\{(\w+)\}", r"<\1>", text)

    index = {rule_id: i for i, rule_id in enumerate(used)}
    driver_rules = []
    for rule_id in used:
        rule = rules[rule_id]
        driver_rules.append(
            {
                "id": rule.id,
                "name": "".join(w.capitalize() for w in rule.title.split()[:8] if w.isalnum()),
                "shortDescription": {"text": rule.title},
                "fullDescription": {"text": rule.rationale},
                "help": {
                    "text": f"{rule.rationale}\n\nFix: {generic(rule.fix)}",
                    "markdown": f"{rule.rationale}\n\n**Fix:** {generic(rule.fix)}",
                },
                "helpUri": docs_url(rule.id),
                "defaultConfiguration": {"level": _LEVEL[rule.severity]},
                "properties": {"tags": [rule.topic, *rule.tags]},
            }
        )
    results = []
    for finding in result.findings:
        entry: dict[str, Any] = {
            "ruleId": finding.rule,
            "ruleIndex": index[finding.rule],
            "level": _LEVEL[finding.severity],
            "message": {"text": f"{finding.message}. Fix: {finding.fix}"},
            "locations": [
                {"logicalLocations": [{"fullyQualifiedName": finding.object, "kind": "object"}]}
            ],
        }
        if finding.file:
            region: dict[str, int] = {}
            if finding.line:
                region["startLine"] = finding.line
            if finding.col:
                region["startColumn"] = finding.col
            physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(finding.file, base)}}
            if region:
                physical["region"] = region
            entry["locations"][0]["physicalLocation"] = physical
        results.append(entry)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "hvlab",
                        "version": __version__,
                        "informationUri": docs_url("index").removesuffix("/index.md"),
                        "rules": driver_rules,
                    }
                },
                "results": results,
            }
        ],
    }


def render_findings(console: Console, result: CheckResult) -> None:
    """Print findings as a table: severity, rule, where, message and fix."""
    if not result.findings:
        console.print(f"[green]No findings[/] ({result.rules_run} rules run).")
    else:
        table = Table(show_lines=True, header_style="bold")
        for column in ("severity", "rule", "where", "finding"):
            table.add_column(column, overflow="fold")
        for f in result.findings:
            where = f"{f.file}:{f.line}" if f.file else ""
            table.add_row(
                f"[{_STYLE[f.severity]}]{f.severity}[/]",
                f.rule,
                f"{where}\n{f.object}" if where else f.object,
                f"{f.message}\n[dim]fix:[/] {f.fix}",
            )
        console.print(table)
        counts = {s: sum(1 for f in result.findings if f.severity == s) for s in _STYLE}
        console.print(
            ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items() if n)
            + f" ({result.rules_run} rules run)"
        )
    for rule_id, why in result.skipped:
        console.print(f"[dim]{rule_id} not checked: {why}[/]")


def render_rules(console: Console, rules: dict[str, Rule], detail: str | None = None) -> None:
    """Print the rule list, or one rule in full when ``detail`` names it."""
    if detail is not None:
        rule = rules[detail]
        console.print(
            f"[bold]{rule.id}[/] {rule.title} [{_STYLE[rule.severity]}]{rule.severity}[/]"
        )
        console.print(f"\n[bold]Why it matters[/]\n{rule.rationale}")
        console.print(f"\n[bold]Fix[/]\n{rule.fix}")
        if rule.references:
            console.print("\n[bold]References[/]")
            for ref in rule.references:
                console.print(f"- {ref}", markup=False)
        return
    table = Table(header_style="bold")
    for column in ("rule", "severity", "topic", "title"):
        table.add_column(column)
    for rule in rules.values():
        table.add_row(
            rule.id, f"[{_STYLE[rule.severity]}]{rule.severity}[/]", rule.topic, rule.title
        )
    console.print(table)
