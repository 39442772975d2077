"""Scenarios: named, timed lists of faults and actions for the simulator.

A step is ``at`` a time plus exactly one verb::

    - {at: 10s, down: "lag:tor1:Po1"}
    - {at: 2m, up: "lag:tor1:Po1"}
    - {at: 5m, migrate: "vm:SQL1 to node3"}

Elements are named ``kind:name`` (``link:A:P~B:Q``, ``nic:HOST:NIC``,
``switch:NAME``, ``node:NAME``, ``csv:CLUSTER:NAME``, ``lag:SWITCH:NAME``,
``vm:NAME``, ``rack:NAME``, ``site:NAME``, ``wan:A-B``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from hvlab.model.base import Bytes, Duration, LabModel

__all__ = ["VERBS", "Scenario", "Step", "Traffic", "scenario_short"]

VERBS = (
    "down",
    "up",
    "start",
    "stop",
    "save",
    "migrate",
    "storage_migrate",
    "drain",
    "resume",
    "failover",
    "fill",
    "power_off",
    "cut",
    "copy",
)
"""The verbs a scenario step may use; each takes one element (or ``X to Y``)."""


class Step(LabModel):
    """One timed fault or action. Exactly one verb field is set."""

    at: Duration
    down: str | None = None
    up: str | None = None
    start: str | None = None
    stop: str | None = None
    save: str | None = None
    migrate: str | None = None
    storage_migrate: str | None = None
    drain: str | None = None
    resume: str | None = None
    failover: str | None = None
    fill: str | None = None
    power_off: str | None = None
    cut: str | None = None
    copy_: Annotated[str | None, Field(alias="copy")] = None
    amount: Bytes | None = None
    note: str = ""

    @model_validator(mode="after")
    def _one_verb(self) -> Step:
        used = [v for v in VERBS if getattr(self, "copy_" if v == "copy" else v) is not None]
        if len(used) != 1:
            raise ValueError(
                f"a step needs exactly one of {', '.join(VERBS)} (this one has "
                f"{', '.join(used) if used else 'none'})"
            )
        return self

    @property
    def verb(self) -> str:
        """Return the verb of this step (``down``, ``migrate``, …)."""
        return next(v for v in VERBS if getattr(self, "copy_" if v == "copy" else v) is not None)

    @property
    def target(self) -> str:
        """Return the element or argument the verb applies to."""
        value = getattr(self, "copy_" if self.verb == "copy" else self.verb)
        assert isinstance(value, str)
        return value


class Traffic(LabModel):
    """Background traffic during a scenario, for the teaming and bandwidth models."""

    flows: Annotated[int, Field(ge=0)] = 0
    seed: int = 0


def scenario_short(value: object) -> object:
    """Expand a bare list of steps into ``{steps: [...]}``."""
    if isinstance(value, list):
        return {"steps": value}
    return value


class Scenario(LabModel):
    """A named scenario: its steps, how long to run, and background traffic."""

    name: str
    description: str = ""
    duration: Duration | None = None
    steps: tuple[Step, ...] = ()
    traffic: Traffic = Traffic()
    kind: Literal["faults", "actions", "mixed"] = "mixed"
