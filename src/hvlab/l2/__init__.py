"""Layer 2 engines: spanning tree (IEEE 802.1D, RSTP, MSTP) on an abstract bridged topology.

The spanning-tree engine works on a small, immutable description of a bridged
network (:mod:`hvlab.l2.topology`): bridges, ports (a LAG is one logical port)
and the links between ports. The lab model is translated into it by the caller,
so this package knows nothing about YAML, hosts or clusters.

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

See ``docs/spanning-tree.md`` for the rules, tables and assumptions.
"""

from __future__ import annotations
