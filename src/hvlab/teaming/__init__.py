"""NIC teams and bonds: which member carries which flow, what fails over, what aggregates.

Layers, lowest first:

* :mod:`~hvlab.teaming.hashing` -- the flow batch layout
  (:class:`~hvlab.teaming.hashing.FlowArrays`) and the bit-exact, vectorised transmit
  hashes of Linux bonding and of Windows LBFO (RSS Toeplitz);
  :mod:`~hvlab.teaming.ovs` -- Open vSwitch's bond hashes and its bucket rebalancing.
* :mod:`~hvlab.teaming.assumptions` -- every setting the engine reads, its default, source
  and override key; :mod:`~hvlab.teaming.modes` -- teaming modes and algorithms resolved
  from the lab and Microsoft's rules for each; :mod:`~hvlab.teaming.compat` -- the feature
  compatibility table (LBFO vs SET); :mod:`~hvlab.teaming.limits` -- the documented limits
  and constraints of teams, SET switches and guest teams.
* :mod:`~hvlab.teaming.lacp` -- link aggregation between members and switch ports;
  :mod:`~hvlab.teaming.failover` -- member states, team status, failover timing.
* :mod:`~hvlab.teaming.flows` -- flow batches and a seeded generator;
  :mod:`~hvlab.teaming.distribute` -- :func:`distribute`, the engine's main question.

Every function is pure: (Lab, Condition, flows) in, plain result objects out.
"""

from __future__ import annotations

from hvlab.teaming.assumptions import SETTINGS, Assumption, Setting, resolve
from hvlab.teaming.compat import (
    COMPATIBILITY,
    VMQ_QUEUE_MODE,
    CompatEntry,
    compatibility,
)
from hvlab.teaming.distribute import (
    Distribution,
    MemberLoad,
    RebalanceMove,
    RebalanceStep,
    VmBandwidth,
    comparable_algorithms,
    distribute,
    imbalance,
    jain_fairness,
)
from hvlab.teaming.failover import (
    FAILURE_REASONS,
    FailoverResult,
    MemberChange,
    MemberState,
    TeamState,
    failover,
    team_state,
    transition,
)
from hvlab.teaming.flows import (
    Endpoint,
    FlowBatch,
    generate_flows,
    lab_endpoints,
    synthetic_endpoints,
    team_flows,
)
from hvlab.teaming.lacp import (
    LACP_SILENT_KEY,
    LacpState,
    MemberLacp,
    PairOutcome,
    TeamLacp,
    pair,
    team_lacp,
)
from hvlab.teaming.limits import (
    Violation,
    check_guest_team,
    check_set,
    check_team,
)
from hvlab.teaming.modes import (
    ALGORITHMS,
    OVS_MODES,
    TeamSpec,
    default_lbfo_algorithm,
    inbound_policy,
    resolve_team,
    vmq_mode,
)

__all__ = [
    "ALGORITHMS",
    "COMPATIBILITY",
    "FAILURE_REASONS",
    "LACP_SILENT_KEY",
    "OVS_MODES",
    "SETTINGS",
    "VMQ_QUEUE_MODE",
    "Assumption",
    "CompatEntry",
    "Distribution",
    "Endpoint",
    "FailoverResult",
    "FlowBatch",
    "LacpState",
    "MemberChange",
    "MemberLacp",
    "MemberLoad",
    "MemberState",
    "PairOutcome",
    "RebalanceMove",
    "RebalanceStep",
    "Setting",
    "TeamLacp",
    "TeamSpec",
    "TeamState",
    "Violation",
    "VmBandwidth",
    "check_guest_team",
    "check_set",
    "check_team",
    "comparable_algorithms",
    "compatibility",
    "default_lbfo_algorithm",
    "distribute",
    "failover",
    "generate_flows",
    "imbalance",
    "inbound_policy",
    "jain_fairness",
    "lab_endpoints",
    "pair",
    "resolve",
    "resolve_team",
    "synthetic_endpoints",
    "team_flows",
    "team_lacp",
    "team_state",
    "transition",
    "vmq_mode",
]
