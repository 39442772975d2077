"""How long spanning tree takes to reach a new steady state: pure functions for the simulator.

Every function returns a :class:`Transition`: seconds plus a one-line
explanation naming the timers and the clause they come from. Times are measured
from the moment the failure happens.

802.1D (IEEE 802.1D-1998 §8.4 port states; the Linux bridge's ``stp_state 1``)
    A blocked port that must forward goes Listening → Learning → Forwarding,
    one Forward Delay each: **2 × forward_delay = 30 s** by default when the
    bridge sees the failure itself (its Root Port lost carrier and an Alternate
    takes over: a *direct* failure). When the failure is elsewhere (*indirect*),
    the bridge keeps the now stale information it stored until it ages out,
    because 802.1D ignores inferior BPDUs from the designated bridge:
    **max_age + 2 × forward_delay = 50 s**.
RSTP / MSTP (IEEE 802.1D-2004 §17.29 Port Role Transitions, 802.1Q-2005 §13)
    Loss of carrier is seen at once; an Alternate Port becomes Root Port and
    forwards immediately; a Designated Port on a point-to-point link forwards
    as soon as the downstream bridge agrees to its proposal, one handshake per
    hop: **sub-second**. The handshake time is an assumption
    (:data:`DEFAULT_HANDSHAKE_S`, overridable): a BPDU out, processed by the
    peer's CPU, and one back. A failure that leaves the link up (a hung switch,
    a unidirectional fibre) is only noticed when three hellos are missed
    (``rcvdInfoWhile`` = 3 × Hello Time, set by ``updtRcvdInfoWhile``): **6 s** by default.
    On a shared (not point-to-point) LAN, or one with an 802.1D bridge, there is
    no proposal/agreement, and a Designated Port waits 2 × forward_delay like
    802.1D. An edge port forwards at once.
LAG member loss
    A LAG is one port to spanning tree: losing a member with others still up
    changes no role (unless the lower aggregate speed changes the cost enough
    to change the tree), so it costs no spanning-tree time.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from hvlab.l2.stp import PortResult, Role, SpanningTreeResult, State
from hvlab.l2.topology import Timers

__all__ = [
    "DEFAULT_HANDSHAKE_S",
    "PortChange",
    "Transition",
    "edge_port",
    "lag_member_loss",
    "port_changes",
    "rstp_point_to_point",
    "rstp_silent_failure_detection",
    "settle_time",
    "shared_link",
    "stp_direct_failure",
    "stp_indirect_failure",
]

DEFAULT_HANDSHAKE_S = 0.005
"""Assumed time of one RSTP proposal/agreement handshake per hop (5 ms).

IEEE 802.1D-2004 gives no number: the handshake is one BPDU each way plus the
bridges' processing; switches typically answer within a few milliseconds.
Override it per call.
"""


@dataclass(frozen=True, slots=True)
class Transition:
    """A duration and why it is that long."""

    seconds: float
    explanation: str


@dataclass(frozen=True, slots=True)
class PortChange:
    """A port whose role or state differs between two results, and when it settles.

    Attributes
    ----------
    bridge, port, tree
        Which port, in which tree.
    role_before, state_before, role_after, state_after
        The steady states on each side.
    seconds
        Time from the failure until the port is in ``state_after``.
    explanation
        Why it takes that long.
    """

    bridge: str
    port: str
    tree: int
    role_before: Role
    state_before: State
    role_after: Role
    state_after: State
    seconds: float
    explanation: str


def stp_direct_failure(timers: Timers | None = None) -> Transition:
    """Return the 802.1D time for an Alternate to take over after its Root Port fails.

    Returns
    -------
    Transition
        2 × forward_delay (Listening, then Learning; 802.1D-1998 §8.4.2–8.4.3):
        30 s with the default 15 s forward delay.
    """
    t = timers or Timers()
    return Transition(
        2 * t.forward_delay,
        f"802.1D: listening + learning = 2 × forward delay ({t.forward_delay:g} s)",
    )


def stp_indirect_failure(timers: Timers | None = None) -> Transition:
    """Return the 802.1D time when the failure is not on the bridge's own link.

    Returns
    -------
    Transition
        max_age + 2 × forward_delay: stored information ages out first
        (802.1D-1998 message age timer), then listening and learning;
        50 s with the defaults.
    """
    t = timers or Timers()
    return Transition(
        t.max_age + 2 * t.forward_delay,
        f"802.1D: stale information ages out (max age {t.max_age:g} s), then listening + "
        f"learning (2 × {t.forward_delay:g} s)",
    )


def rstp_point_to_point(hops: int = 1, handshake_s: float = DEFAULT_HANDSHAKE_S) -> Transition:
    """Return the RSTP/MSTP time for a change to ripple ``hops`` point-to-point hops.

    Returns
    -------
    Transition
        ``hops × handshake_s``: one proposal/agreement per hop
        (802.1D-2004 §17.29); sub-second with the assumed handshake.
    """
    hops = max(1, hops)
    return Transition(
        hops * handshake_s,
        f"RSTP proposal/agreement: {hops} hop(s) × {handshake_s * 1000:g} ms (assumed)",
    )


def rstp_silent_failure_detection(timers: Timers | None = None) -> Transition:
    """Return how long RSTP/MSTP takes to notice a failure that keeps the link up.

    Returns
    -------
    Transition
        3 × hello (802.1D-2004 ``updtRcvdInfoWhile``: ``rcvdInfoWhile`` is three Hello
        Times): 6 s with the default 2 s hello.
    """
    t = timers or Timers()
    return Transition(3 * t.hello, f"RSTP: three missed hellos (3 × {t.hello:g} s)")


def shared_link(timers: Timers | None = None) -> Transition:
    """Return the time a Designated Port on a shared (non point-to-point) LAN needs.

    Returns
    -------
    Transition
        2 × forward_delay: no proposal/agreement on shared media
        (802.1D-2004 §17.29), so discarding → learning → forwarding on timers,
        never faster than 802.1D.
    """
    t = timers or Timers()
    return Transition(
        2 * t.forward_delay,
        f"shared LAN: no proposal/agreement, 2 × forward delay ({t.forward_delay:g} s)",
    )


def edge_port() -> Transition:
    """Return the time an edge port needs to forward: 0 (802.1D-2004 ``operEdge``)."""
    return Transition(0.0, "edge port: forwards at once")


def lag_member_loss(before: SpanningTreeResult, after: SpanningTreeResult) -> Transition:
    """Return the spanning-tree time of losing a LAG member.

    Parameters
    ----------
    before, after
        Results with the LAG at its old and its new aggregate speed (the caller
        rebuilds the topology with the lower speed, or the same one when costs
        are configured).

    Returns
    -------
    Transition
        0 s when no port changes role or state (the LAG stays one forwarding
        port); otherwise the settle time of the changes (:func:`settle_time`).
    """
    changes = port_changes(before, after)
    if not changes:
        return Transition(0.0, "LAG member loss: the LAG stays up, no topology change")
    return settle_time(changes)


def settle_time(changes: list[PortChange]) -> Transition:
    """Return the time until the last of ``changes`` has settled (0 s when there are none)."""
    if not changes:
        return Transition(0.0, "no spanning-tree change")
    last = max(changes, key=lambda c: c.seconds)
    return Transition(
        last.seconds, f"last port to settle: {last.bridge}:{last.port} — {last.explanation}"
    )


def _failure_points(before: SpanningTreeResult, after: SpanningTreeResult) -> set[str]:
    """Bridges that saw a port lose its link between the two results."""
    out: set[str] = set()
    prev = {(p.bridge, p.port): p for p in before.trees[0].ports()}
    for p in after.trees[0].ports():
        old = prev.get((p.bridge, p.port))
        if old is not None and old.state != State.DISABLED and p.state == State.DISABLED:
            out.add(p.bridge)
    out.update(after.failures.bridges - before.failures.bridges)
    return out


def _hops(after: SpanningTreeResult, tree: int, sources: set[str]) -> dict[str, int]:
    """Hop distance from the failure points along forwarding links of ``tree``."""
    topo = after.topology
    tr = after.trees[tree] if tree in after.trees else after.trees[0]
    forwarding: set[tuple[str, str]] = set()
    for p in tr.ports():
        if p.state == State.FORWARDING:
            forwarding.add((p.bridge, p.port))
    adj: dict[str, list[str]] = {}
    for link in topo.links:
        if link.a in forwarding and link.b in forwarding:
            adj.setdefault(link.a[0], []).append(link.b[0])
            adj.setdefault(link.b[0], []).append(link.a[0])
    dist = {s: 0 for s in sources}
    queue = deque(sources)
    while queue:
        b = queue.popleft()
        for c in adj.get(b, ()):
            if c not in dist:
                dist[c] = dist[b] + 1
                queue.append(c)
    return dist


def _root_timers(after: SpanningTreeResult, bridge: str) -> Timers:
    try:
        root = after.trees[0].bridge(bridge).root
    except KeyError:
        root = None
    by_name = after.topology.bridge_by_name
    return by_name[root].timers if root in by_name else by_name[bridge].timers


def port_changes(
    before: SpanningTreeResult,
    after: SpanningTreeResult,
    *,
    handshake_s: float = DEFAULT_HANDSHAKE_S,
    link_loss_detected: bool = True,
) -> list[PortChange]:
    """Return every port whose role or state differs, with the time it reaches its new state.

    Parameters
    ----------
    before, after
        Steady states before and after the change (same topology, usually
        ``after`` = ``solve_incremental(before, element)``).
    handshake_s
        Assumed RSTP proposal/agreement time per hop.
    link_loss_detected
        ``True`` when the failure takes carrier down (cable, port, powered-off
        switch); ``False`` for a failure RSTP only notices by missing hellos.

    Returns
    -------
    list[PortChange]
        Sorted by tree, bridge, port. A port that stops forwarding does so when
        the failure is detected; one that starts forwarding follows the rules
        of the module docstring (802.1D direct 2 × forward_delay, indirect
        max_age + 2 × forward_delay; RSTP rapid root-port takeover,
        proposal/agreement per hop on point-to-point links, 2 × forward_delay on
        shared LANs or next to an 802.1D bridge; edge ports at once).

    Notes
    -----
    O(P) per tree plus one breadth-first search over the forwarding links.
    """
    points = _failure_points(before, after)
    out: list[PortChange] = []
    protocols = {b.name: b.protocol for b in after.topology.bridges}
    peer: dict[tuple[str, str], str] = {}
    for link in after.topology.links:
        peer[link.a] = link.b[0]
        peer[link.b] = link.a[0]
    for tree, tr in after.trees.items():
        if tree not in before.trees:
            continue
        old = {(p.bridge, p.port): p for p in before.trees[tree].ports()}
        hops: dict[str, int] | None = None
        for p in tr.ports():
            q = old.get((p.bridge, p.port))
            if q is None or (q.role == p.role and q.state == p.state):
                continue
            if hops is None:
                hops = _hops(after, tree, points)
            secs, why = _port_time(
                p,
                q,
                protocols[p.bridge],
                p.bridge in points,
                hops.get(p.bridge, 1),
                _root_timers(after, p.bridge),
                handshake_s,
                link_loss_detected,
                protocols.get(peer.get((p.bridge, p.port), ""), "") == "stp",
            )
            out.append(
                PortChange(p.bridge, p.port, tree, q.role, q.state, p.role, p.state, secs, why)
            )
    out.sort(key=lambda c: (c.tree, c.bridge, c.port))
    return out


def _port_time(
    new: PortResult,
    old: PortResult,
    protocol: str,
    direct: bool,
    hops: int,
    timers: Timers,
    handshake_s: float,
    link_loss: bool,
    legacy_peer: bool,
) -> tuple[float, str]:
    """Time for one port to reach its new state."""
    if new.state == State.DISABLED:
        return 0.0, "link down"
    if protocol == "stp":
        if new.state != State.FORWARDING:
            if direct:
                return 0.0, "802.1D: blocks when the new information is computed"
            tr = Transition(
                timers.max_age, f"802.1D: after stale information ages out ({timers.max_age:g} s)"
            )
            return tr.seconds, tr.explanation
        if old.state == State.FORWARDING:
            return 0.0, "802.1D: role change only, keeps forwarding"
        tr = stp_direct_failure(timers) if direct else stp_indirect_failure(timers)
        return tr.seconds, tr.explanation
    detect = 0.0 if link_loss else rstp_silent_failure_detection(timers).seconds
    prefix = "" if link_loss else f"after {detect:g} s of missed hellos, "
    if new.state != State.FORWARDING or old.state == State.FORWARDING:
        tr = rstp_point_to_point(hops, handshake_s)
        what = "stops forwarding" if new.state != State.FORWARDING else "role change only"
        return detect + tr.seconds, f"{prefix}{what}: {tr.explanation}"
    if new.edge:
        return detect, prefix + edge_port().explanation
    if new.role == Role.ROOT:
        tr = rstp_point_to_point(1, handshake_s)
        return (
            detect + tr.seconds,
            f"{prefix}alternate takes over as root port at once ({tr.explanation})",
        )
    if not new.point_to_point or legacy_peer:
        tr = shared_link(timers)
        return detect + tr.seconds, prefix + tr.explanation
    tr = rstp_point_to_point(hops, handshake_s)
    return detect + tr.seconds, prefix + tr.explanation
