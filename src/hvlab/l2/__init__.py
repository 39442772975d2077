"""Layer 2 engines: spanning tree (IEEE 802.1D, RSTP, MSTP), forwarding, paths and loops.

The spanning-tree engine works on a small, immutable description of a bridged
network (:mod:`hvlab.l2.topology`): bridges, ports (a LAG is one logical port)
and the links between ports. :mod:`hvlab.l2.fromlab` translates a lab into it;
:mod:`hvlab.l2.network` is the facade the simulator, the rules and the commands
call (:func:`analyse` → :class:`L2View`, :func:`transition`, :func:`during`).

Modules
-------
topology
    Input dataclasses: :class:`~hvlab.l2.topology.Bridge`,
    :class:`~hvlab.l2.topology.Port`, :class:`~hvlab.l2.topology.Link`,
    :class:`~hvlab.l2.topology.Topology` and :class:`~hvlab.l2.topology.Failures`.
pathcost
    Port path costs: IEEE 802.1D-1998 (short), 802.1t / 802.1D-2004 (long) and
    the Linux kernel bridge's own table.
stp
    Steady-state roles and states of every port in every tree
    (:func:`~hvlab.l2.stp.solve`) and the incremental recomputation after one more
    failure (:func:`~hvlab.l2.stp.solve_incremental`).
mstp
    MST configuration identifier and digest, regions, and the per-VLAN answer
    "which tree governs VLAN v on bridge b".
convergence
    How long a change takes to reach its new steady state (802.1D timers,
    RSTP proposal/agreement, ...), as pure functions for the simulator.
fromlab
    Lab → :class:`~hvlab.l2.topology.Topology` (:func:`topology_from_lab`) and
    Condition → :class:`~hvlab.l2.topology.Failures` (:func:`failures_from_condition`).
forwarding
    Host and VM endpoints, per-VLAN forwarding graphs, paths with speeds and MTUs.
network
    The facade: :func:`analyse`, :class:`L2View`, :class:`Path`, :class:`Hop`,
    :func:`transition`, :func:`during`.
loops
    Broadcast storms, MAC flapping, VLAN / native VLAN / LAG / MTU mismatches
    (:func:`find_problems`).

See ``docs/spanning-tree.md`` for the rules, tables and assumptions.
"""

from __future__ import annotations

from hvlab.l2.fromlab import LabTopology, failures_from_condition, topology_from_lab
from hvlab.l2.loops import L2Problems, find_problems
from hvlab.l2.network import Hop, L2Transition, L2View, Path, analyse, during, transition

__all__ = [
    "Hop",
    "L2Problems",
    "L2Transition",
    "L2View",
    "LabTopology",
    "Path",
    "analyse",
    "during",
    "failures_from_condition",
    "find_problems",
    "topology_from_lab",
    "transition",
]
