"""NIC teams and bonds: which member carries which flow.

:mod:`hvlab.teaming.hashing` holds the flow batch layout
(:class:`~hvlab.teaming.hashing.FlowArrays`) and the bit-exact, vectorised transmit hashes of
Linux bonding and of Windows LBFO (RSS Toeplitz);
:mod:`hvlab.teaming.ovs` holds Open vSwitch's bond hashes and its bucket rebalancing.
"""

from __future__ import annotations
