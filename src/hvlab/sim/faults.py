"""Random faults: a seeded scenario of failures and repairs drawn from MTBF and MTTR.

Which element fails is drawn in proportion to its failure rate (1/MTBF of its kind,
``sim.mtbf.*``); when, uniformly over the run; the repair comes after an exponentially
distributed time with mean MTTR (``sim.mttr.*``). All of them are assumptions with
defaults in :mod:`hvlab.defaults`, overridable under ``timers:``.
"""

from __future__ import annotations

import random

from hvlab.model.lab import Lab
from hvlab.model.scenario import Scenario, Step
from hvlab.settings import setting_ms

__all__ = ["candidate_elements", "random_faults"]

KINDS = ("link", "nic", "switch", "node", "csv")


def candidate_elements(lab: Lab) -> dict[str, list[str]]:
    """Return, per kind, the element names of ``lab`` a random fault can hit."""
    return {
        "link": [f"link:{a}~{b}" for a, b in (link.endpoints for link in lab.links)],
        "nic": [f"nic:{h.name}:{n}" for h in lab.hosts.values() for n in h.nics],
        "switch": [f"switch:{s}" for s in lab.switches],
        "node": [f"node:{n}" for c in lab.clusters.values() for n in c.nodes],
        "csv": [f"csv:{c.name}:{v}" for c in lab.clusters.values() for v in c.csvs],
    }


def random_faults(lab: Lab, count: int, *, seed: int, duration_ms: int) -> Scenario:
    """Return a scenario of ``count`` failures (each with its repair) over ``duration_ms``."""
    rng = random.Random(seed)
    pools = {k: v for k, v in candidate_elements(lab).items() if v}
    if not pools or count <= 0:
        return Scenario(name=f"random-{count}-seed-{seed}", duration=duration_ms)
    kinds = sorted(pools)
    weights = [len(pools[k]) / setting_ms(lab, f"sim.mtbf.{k}") for k in kinds]
    events: list[tuple[int, int, str, str]] = []
    for index in range(count):
        kind = rng.choices(kinds, weights)[0]
        element = rng.choice(pools[kind])
        at = rng.randrange(duration_ms)
        repair = round(rng.expovariate(1 / setting_ms(lab, f"sim.mttr.{kind}")))
        events.append((at, index, "down", element))
        if at + repair < duration_ms:
            events.append((at + repair, index, "up", element))
    events.sort()
    steps = tuple(
        Step.model_validate({"at": f"{at}ms", verb: element}) for at, _, verb, element in events
    )
    return Scenario(
        name=f"random-{count}-seed-{seed}",
        description=f"{count} random faults drawn from MTBF/MTTR (seed {seed})",
        duration=duration_ms,
        steps=steps,
    )
