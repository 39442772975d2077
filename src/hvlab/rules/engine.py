"""Run the rules over a lab: select, check, collect findings and skips."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from hvlab.errors import UserError
from hvlab.model.lab import Lab
from hvlab.rules.base import SEVERITIES, Context, Finding, Severity, Skip
from hvlab.rules.registry import load_rules

__all__ = ["CheckResult", "check_lab", "fails"]


@dataclass(frozen=True)
class CheckResult:
    """Findings (most severe first, then by rule and object) and the rules that could not run."""

    findings: tuple[Finding, ...]
    skipped: tuple[tuple[str, str], ...] = field(default=())
    rules_run: int = 0


def _expand(ids: Iterable[str], known: Iterable[str]) -> set[str]:
    """Return the rule ids that ``ids`` names; a prefix like ``HV1`` selects a topic."""
    known = list(known)
    out: set[str] = set()
    for raw in ids:
        for item in raw.split(","):
            item = item.strip().upper()
            if not item:
                continue
            matched = [k for k in known if k.startswith(item)]
            if not matched:
                from hvlab.model.load import suggest

                raise UserError(f"no rule {item!r}{suggest(item, known)} (see `hvlab rules`)")
            out.update(matched)
    return out


def check_lab(
    lab: Lab,
    *,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    unknown: Iterable[str] = (),
) -> CheckResult:
    """Return the findings of the selected rules on ``lab``.

    ``select``/``ignore`` take ids or prefixes (``HV1`` = every teaming rule).
    ``unknown`` names parts an audit could not read; rules needing them are skipped
    and listed, never guessed.
    """
    rules = load_rules()
    chosen = _expand(select, rules) if list(select) else set(rules)
    chosen -= _expand(ignore, rules)
    context = Context(lab, unknown)
    findings: list[Finding] = []
    skipped: list[tuple[str, str]] = []
    for rule_id in sorted(chosen):
        rule = rules[rule_id]
        try:
            hits = list(rule.check(context))
        except Skip as why:
            skipped.append((rule_id, str(why)))
            continue
        findings.extend(context.finding(rule, hit) for hit in hits)
    order = {s: i for i, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: (order[f.severity], f.rule, f.object))
    return CheckResult(tuple(findings), tuple(skipped), len(chosen))


def fails(result: CheckResult, fail_on: Severity | None) -> bool:
    """Return True when a finding is at least as severe as ``fail_on``."""
    if fail_on is None:
        return False
    limit = SEVERITIES.index(fail_on)
    return any(SEVERITIES.index(f.severity) <= limit for f in result.findings)
