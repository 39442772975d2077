"""The rule model: a rule is a declared object; checking a lab yields findings.

A rule declares its id (``HV1xx`` teaming, ``HV2xx`` network, ``HV3xx`` storage,
``HV4xx`` compute/VMs, ``HV5xx`` services, ``HV6xx`` management/operations,
``HV7xx`` sites and disaster recovery), a
title, a severity, a message template, why it matters, how to fix it, and
references; its ``check`` looks at a :class:`Context` (the lab plus lazily
computed engine answers) and yields :class:`Hit` objects. The same declaration
generates ``docs/rules/HVxxx.md`` and the SARIF rule metadata.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from hvlab.model.lab import Lab
from hvlab.model.yamlsource import dotted

__all__ = ["SEVERITIES", "Context", "Finding", "Hit", "Rule", "Severity", "Skip"]

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
"""Severities from the most to the least serious."""

ObjectPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Hit:
    """One place where a rule fires: the object's path in the lab and values for the message."""

    path: ObjectPath
    values: dict[str, Any] = field(default_factory=dict)


class Skip(Exception):
    """Raised by a check that cannot decide because the lab does not say (an audit's unknowns)."""


@dataclass(frozen=True)
class Rule:
    """A declared rule. ``message`` and ``fix`` are ``str.format`` templates over a hit's values."""

    id: str
    title: str
    severity: Severity
    message: str
    rationale: str
    fix: str
    references: tuple[str, ...]
    check: Callable[[Context], Iterable[Hit]]
    example: str = ""
    tags: tuple[str, ...] = ()

    @property
    def topic(self) -> str:
        """Return the topic the id's hundreds digit stands for."""
        return {
            "1": "teaming",
            "2": "network",
            "3": "storage",
            "4": "compute",
            "5": "services",
            "6": "operations",
            "7": "sites",
        }[self.id[2]]


@dataclass(frozen=True)
class Finding:
    """A rule firing on one object of one lab, located in the lab file where possible."""

    rule: str
    severity: Severity
    object: str
    message: str
    fix: str
    file: str | None = None
    line: int | None = None
    col: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the finding as the JSON contract of ``hvlab check`` spells it."""
        out: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity,
            "object": self.object,
            "message": self.message,
            "fix": self.fix,
        }
        if self.file:
            out["location"] = {"file": self.file, "line": self.line, "col": self.col}
        return out


class Context:
    """What a check sees: the lab, plus engine answers computed once and shared by rules.

    ``unknown`` names the parts of the lab an audit could not read (``"switches"``,
    ``"antivirus"``, ...); a rule that needs one of them raises :class:`Skip`.
    """

    def __init__(self, lab: Lab, unknown: Iterable[str] = ()) -> None:
        self.lab = lab
        self.unknown = frozenset(unknown)
        self._cache: dict[str, Any] = {}

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """Return ``compute()`` once per context under ``key`` (engine answers are costly)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def require(self, *parts: str) -> None:
        """Raise :class:`Skip` when any of ``parts`` is unknown for this lab."""
        missing = sorted(set(parts) & self.unknown)
        if missing:
            raise Skip(f"the export does not say ({', '.join(missing)})")

    def finding(self, rule: Rule, hit: Hit) -> Finding:
        """Return the :class:`Finding` of ``rule`` at ``hit``, located in the lab file."""
        values = {"object": dotted(hit.path), **hit.values}
        where = self.lab.source.locate(hit.path)
        return Finding(
            rule=rule.id,
            severity=rule.severity,
            object=dotted(hit.path),
            message=rule.message.format_map(_Lenient(values)),
            fix=rule.fix.format_map(_Lenient(values)),
            file=where[0] if where else None,
            line=where[1] if where else None,
            col=where[2] if where else None,
        )


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def iter_paths(mapping: dict[str, Any], *prefix: str | int) -> Iterator[tuple[ObjectPath, Any]]:
    """Yield ``(path, value)`` for each entry of a named mapping under ``prefix``."""
    for name, value in mapping.items():
        yield (*prefix, name), value
