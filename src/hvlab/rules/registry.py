"""The registry of rules: every topic module declares its rules with :func:`rule`.

``RULES`` maps id → :class:`~hvlab.rules.base.Rule`, in id order, once every
topic module is imported (``load_rules()``).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable

from hvlab.rules.base import Context, Hit, Rule, Severity

__all__ = ["RULES", "TOPICS", "load_rules", "rule"]

TOPICS = ("teaming", "network", "storage", "compute", "services", "operations", "sites")
"""The topic modules of :mod:`hvlab.rules`, one per hundreds digit of the ids."""

RULES: dict[str, Rule] = {}
_ID = re.compile(r"^HV[1-7]\d\d$")


def rule(
    id: str,
    *,
    title: str,
    severity: Severity,
    message: str,
    rationale: str,
    fix: str,
    references: tuple[str, ...] = (),
    example: str = "",
    tags: tuple[str, ...] = (),
) -> Callable[[Callable[[Context], Iterable[Hit]]], Callable[[Context], Iterable[Hit]]]:
    """Declare a rule whose check is the decorated function."""

    def register(check: Callable[[Context], Iterable[Hit]]) -> Callable[[Context], Iterable[Hit]]:
        if not _ID.match(id):
            raise ValueError(f"rule id {id!r} must look like HV101")
        if id in RULES:
            raise ValueError(f"rule {id} is declared twice")
        RULES[id] = Rule(
            id=id,
            title=title,
            severity=severity,
            message=message,
            rationale=rationale,
            fix=fix,
            references=references,
            check=check,
            example=example,
            tags=tags,
        )
        return check

    return register


def load_rules() -> dict[str, Rule]:
    """Import every topic module and return the registry sorted by id."""
    for topic in TOPICS:
        importlib.import_module(f"hvlab.rules.{topic}")
    ordered = dict(sorted(RULES.items()))
    RULES.clear()
    RULES.update(ordered)
    return RULES
