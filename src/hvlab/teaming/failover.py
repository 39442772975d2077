"""Which team members work under a Condition, what Windows shows, and how long a change takes.

:func:`team_state` gives, for one Condition, each member's ``OperationalMode``-like state
(``active``, ``standby``, ``failed``), its ``FailureReason`` as ``Get-NetLbfoTeamMember``
shows it, whether its traffic actually gets through, the primary member and the team's
``Status``. :func:`failover` compares two Conditions (before, after) and says which
members changed, after how long, which flows moved and what each VM can use afterwards.

Rules (sources in brackets):

* ``FailureReason`` values are those of ``MSFT_NetImPlatAdapter.FailureReason``:
  ``NoFailure``, ``AdministrativeDecision``, ``PhysicalMediaDisconnected``,
  ``WaitingForStableConnectivity``, ``LacpNegotiationIssue``, ``NicNotPresent``,
  ``UnknownFailure``, ``VirtualSwitchLacksExternalConnectivity``; ``OperationalMode`` is
  ``Active``, ``Standby`` or ``Failed`` (``MSFT_NetLbfoTeamMember``); team ``Status`` is
  ``Up``, ``Down`` or ``Degraded`` (``MSFT_NetLbfoTeam``) [Microsoft Learn, NDIS IM platform
  WMI classes]. A standby member reports ``AdministrativeDecision``.
* Standby: "no network traffic is sent to or processed by the adapter until an Active NIC
  fails. After an Active NIC fails, the Standby NIC becomes active ... When all team
  members get restored to service, the standby team member returns to standby status"
  [NIC Teaming settings]. At most one member is standby [Add-NetLbfoTeamMember].
* A member whose NIC loses link fails after ``lbfo.failover`` (Microsoft publishes no
  failover time: an assumption); a member whose LACP partner goes silent fails after
  the LACP timeout (:mod:`hvlab.teaming.lacp`).
* When the primary fails, another member becomes the temporary primary and takes over the
  team's MAC address [NIC Teaming MAC address use and management].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from hvlab.condition import Condition
from hvlab.model.lab import Lab
from hvlab.teaming.assumptions import Assumption, resolve
from hvlab.teaming.lacp import MemberLacp, TeamLacp, team_lacp
from hvlab.teaming.modes import TeamSpec, primary_index

if TYPE_CHECKING:
    from hvlab.teaming.distribute import Distribution
    from hvlab.teaming.flows import FlowBatch

__all__ = [
    "FAILURE_REASONS",
    "FailoverResult",
    "FlowMove",
    "MemberChange",
    "MemberState",
    "TeamState",
    "TeamStatus",
    "failover",
    "team_state",
    "transition",
]

MemberStateName = Literal["active", "standby", "failed"]
TeamStatus = Literal["Up", "Degraded", "Down"]

#: ``MSFT_NetImPlatAdapter.FailureReason`` values, by name.
FAILURE_REASONS: dict[str, int] = {
    "NoFailure": 0,
    "AdministrativeDecision": 1,
    "PhysicalMediaDisconnected": 3,
    "WaitingForStableConnectivity": 4,
    "LacpNegotiationIssue": 5,
    "NicNotPresent": 6,
    "UnknownFailure": 7,
    "VirtualSwitchLacksExternalConnectivity": 9,
}


@dataclass(frozen=True, slots=True)
class MemberState:
    """One member under a Condition.

    Attributes
    ----------
    name : str
        Member NIC.
    state : {"active", "standby", "failed"}
        As ``OperationalMode`` (lower case).
    failure_reason : str
        As ``Get-NetLbfoTeamMember`` shows it.
    carries : bool
        Traffic Windows sends on it gets through (False for a failed or standby member,
        and for an active member whose switch port drops its frames).
    speed_bps : int
        The NIC's speed.
    down_because : str or None
        Element whose failure takes the member's link down (``switch:tor2``).
    detect_ms : int or None
        Time from the fault until Windows stops using the member (failed members only).
    lacp : MemberLacp or None
        Link aggregation details (LBFO teams).
    """

    name: str
    state: MemberStateName
    failure_reason: str
    carries: bool
    speed_bps: int
    down_because: str | None
    detect_ms: int | None
    lacp: MemberLacp | None


@dataclass(frozen=True, slots=True)
class TeamState:
    """A team under a Condition.

    Attributes
    ----------
    spec : TeamSpec
        The team.
    members : tuple of MemberState
        In team order.
    status : {"Up", "Degraded", "Down"}
        As ``Get-NetLbfoTeam`` shows it.
    primary : str or None
        The member whose MAC the team uses and where ARP/NS go (Switch Independent).
    primary_temporary : bool
        The configured primary failed and another member stands in.
    active : tuple of int
        Indices of the members Windows sends on (state ``active``), in team order: the
        list the load-balancing hash indexes.
    lacp : TeamLacp or None
        Link aggregation of the team (for SET: the switch side of a Switch Independent
        team).
    assumptions : tuple of Assumption
        Settings used (failover time, LACP timers).
    team_mac_member : str or None
        The member whose MAC address the team uses: the configured primary. A temporary
        primary keeps sending with this MAC ("NIC Teaming MAC address use and management").
    team_mac : str or None
        That member's MAC when the lab gives it.
    """

    spec: TeamSpec
    members: tuple[MemberState, ...]
    status: TeamStatus
    primary: str | None
    primary_temporary: bool
    active: tuple[int, ...]
    lacp: TeamLacp | None
    assumptions: tuple[Assumption, ...]
    team_mac_member: str | None = None
    team_mac: str | None = None

    def member(self, name: str) -> MemberState:
        """Return the state of member ``name``."""
        return next(m for m in self.members if m.name == name)


def team_state(lab: Lab, spec: TeamSpec, condition: Condition | None = None) -> TeamState:
    """Return every member's state, the primary and the team status under ``condition``."""
    condition = condition or Condition.none()
    failover = resolve("lbfo.failover", lab, condition)
    host = lab.hosts[spec.host]
    lacp = team_lacp(lab, spec, condition)
    n = len(spec.members)
    down: list[str | None] = [
        condition.nic_down_reason(lab, spec.host, nic) for nic in spec.members
    ]
    link_up = [d is None for d in down]
    lacp_rows: list[MemberLacp | None] = list(lacp.members) if lacp is not None else [None] * n
    # Windows' view: a member works when it has link and (LACP) negotiated.
    works = [
        link_up[i] and (lacp_rows[i] is None or lacp_rows[i].host_uses)  # type: ignore[union-attr]
        for i in range(n)
    ]
    standby = spec.standby if spec.mode == "SwitchIndependent" else None
    regular_failed = any(not works[i] for i, m in enumerate(spec.members) if m != standby)
    members: list[MemberState] = []
    for i, nic in enumerate(spec.members):
        row = lacp_rows[i]
        speed = host.nics[nic].speed if nic in host.nics else 0
        if not link_up[i]:
            members.append(
                MemberState(
                    nic,
                    "failed",
                    "PhysicalMediaDisconnected",
                    False,
                    speed,
                    down[i],
                    int(failover.value),
                    row,
                )
            )
            continue
        if not works[i]:
            reason = (row.failure_reason if row else None) or "UnknownFailure"
            detect = row.detect_ms if row else None
            members.append(MemberState(nic, "failed", reason, False, speed, None, detect, row))
            continue
        forwards = row is None or row.switch_forwards
        if nic == standby and not regular_failed:
            members.append(
                MemberState(nic, "standby", "AdministrativeDecision", False, speed, None, None, row)
            )
            continue
        members.append(MemberState(nic, "active", "NoFailure", forwards, speed, None, None, row))
    active = tuple(i for i, m in enumerate(members) if m.state == "active")
    working = [m.state == "active" for m in members]
    p, temporary = primary_index(spec.members, standby, working)
    if not active:
        status: TeamStatus = "Down"
    elif any(m.state == "failed" for m in members):
        status = "Degraded"
    else:
        status = "Up"
    used = [failover]
    if lacp is not None and spec.mode == "Lacp":
        used.append(resolve("lbfo.LacpTimer", lab, condition))
        used.append(resolve("lacp.short_timeout", lab, condition))
        used.append(resolve("lacp.long_timeout", lab, condition))
    if lacp is not None and any(
        r.switch_mode in ("active", "passive") for r in lacp.members if spec.mode != "Lacp"
    ):
        used.append(resolve("lacp.no_partner", lab, condition))
    configured, _ = primary_index(spec.members, standby, [True] * n)
    mac_member = spec.members[configured] if configured is not None else None
    mac_nic = host.nics.get(mac_member) if mac_member is not None else None
    return TeamState(
        spec=spec,
        members=tuple(members),
        status=status,
        primary=spec.members[p] if p is not None else None,
        primary_temporary=temporary,
        active=active,
        lacp=lacp,
        assumptions=tuple(used),
        team_mac_member=mac_member,
        team_mac=mac_nic.mac if mac_nic is not None else None,
    )


@dataclass(frozen=True, slots=True)
class MemberChange:
    """How one member changed between two Conditions.

    Attributes
    ----------
    name : str
        Member NIC.
    before, after : {"active", "standby", "failed"}
        States.
    failure_reason : str
        Reason after the change.
    after_ms : int or None
        When the change takes effect, from the fault: ``lbfo.failover`` for link loss,
        the LACP timeout for a silent partner, 0 for recoveries and for changes that only
        follow another member (a standby taking over is part of the same failover).
    cause : str or None
        The element that caused it.
    """

    name: str
    before: str
    after: str
    failure_reason: str
    after_ms: int | None
    cause: str | None


def transition(before: TeamState, after: TeamState) -> tuple[MemberChange, ...]:
    """Return the members whose state changed from ``before`` to ``after``.

    A standby member that becomes active does so in the same failover as the member it
    replaces, so it takes that member's time.
    """
    changes: list[MemberChange] = []
    detect = [m.detect_ms for m in after.members if m.state == "failed" and m.detect_ms is not None]
    slowest_fail = max(detect) if detect else 0
    fastest_fail = min(detect) if detect else 0
    for b, a in zip(before.members, after.members, strict=True):
        if b.state == a.state and b.carries == a.carries:
            continue
        if a.state == "failed":
            when = a.detect_ms
        elif b.state == "standby" and a.state == "active":
            when = fastest_fail
        elif b.state == "failed":
            when = 0
        else:
            when = slowest_fail
        changes.append(
            MemberChange(a.name, b.state, a.state, a.failure_reason, when, a.down_because)
        )
    return tuple(changes)


@dataclass(frozen=True, slots=True)
class FlowMove:
    """Flows that leave on a different member after a change.

    Attributes
    ----------
    source, target : str or None
        Member before and after (None: the flow had, or has, no working member).
    flows, bytes : int
        How many flows, and the bytes they send in the window.
    """

    source: str | None
    target: str | None
    flows: int
    bytes: int


@dataclass(frozen=True, slots=True, eq=False)
class FailoverResult:
    """What changes between two Conditions, and after how long.

    Attributes
    ----------
    before, after : Distribution
        The same flows placed under each Condition.
    changes : tuple of MemberChange
        Members whose state changed, with the time the change takes.
    outage_ms : int
        How long traffic on the members that fail is lost before it moves: the slowest
        detection among members that were carrying traffic (0 when none fails).
    moves, inbound_moves : tuple of FlowMove
        Outbound and inbound flows whose member changed, by (source, target).
    timeline : tuple of (int, str, str)
        ``(t_ms, event, object)`` rows, as ``hvlab simulate`` reports them.
    """

    before: Distribution
    after: Distribution
    changes: tuple[MemberChange, ...]
    outage_ms: int
    moves: tuple[FlowMove, ...]
    inbound_moves: tuple[FlowMove, ...]
    timeline: tuple[tuple[int, str, str], ...]


def _moves(
    names: tuple[str, ...], a: NDArray[np.int16], b: NDArray[np.int16], weights: NDArray[Any]
) -> tuple[FlowMove, ...]:
    n = len(names) + 1  # index n-1 stands for "none"
    aa = np.where(a < 0, n - 1, a).astype(np.intp)
    bb = np.where(b < 0, n - 1, b).astype(np.intp)
    changed = aa != bb
    pair_id = aa[changed] * n + bb[changed]
    flows = np.bincount(pair_id, minlength=n * n)
    nbytes = np.bincount(pair_id, weights=weights[changed].astype(np.float64), minlength=n * n)
    out: list[FlowMove] = []
    for pid in np.flatnonzero(flows):
        s, t = int(pid // n), int(pid % n)
        out.append(
            FlowMove(
                names[s] if s < n - 1 else None,
                names[t] if t < n - 1 else None,
                int(flows[pid]),
                round(float(nbytes[pid])),
            )
        )
    return tuple(out)


def failover(
    lab: Lab,
    host: str,
    team: str,
    condition: Condition,
    before: Condition | None = None,
    flows: FlowBatch | None = None,
    algorithm: str | None = None,
    *,
    n_flows: int = 100_000,
    seed: int = 1,
) -> FailoverResult:
    """Compare a team under ``before`` (nothing failed by default) and under ``condition``.

    Parameters
    ----------
    lab, host, team
        The team.
    condition : Condition
        The state after the fault (failed members, cables, switches, ``lacp.silent``).
    before : Condition, optional
        The state before; :meth:`Condition.none` by default.
    flows : FlowBatch, optional
        The flows (the same batch is placed under both conditions); generated from
        ``n_flows`` and ``seed`` by default.
    algorithm : str, optional
        Algorithm override for both.

    Returns
    -------
    FailoverResult
        Member changes with their timing (link loss: ``lbfo.failover``; silent LACP
        partner: the LACP timeout), the outage of the traffic that was on failing
        members, which flows moved where (out and in), bandwidth per VM afterwards
        (``after.vms``) and a timeline.
    """
    from hvlab.teaming.distribute import distribute
    from hvlab.teaming.flows import team_flows
    from hvlab.teaming.modes import resolve_team

    before = before or Condition.none()
    if flows is None:
        spec = resolve_team(lab, host, team, before, algorithm)
        flows = team_flows(lab, spec, n_flows, seed)
    d0 = distribute(lab, host, team, flows, before, algorithm)
    d1 = distribute(lab, host, team, flows, condition, algorithm)
    changes = transition(d0.state, d1.state)
    outage = max(
        (
            c.after_ms or 0
            for c in changes
            if c.after == "failed" and d0.state.member(c.name).carries
        ),
        default=0,
    )
    names = d1.spec.members
    moves = _moves(names, d0.member_of_flow, d1.member_of_flow, flows.arrays.bytes)
    inbound = _moves(
        names, d0.inbound_member_of_flow, d1.inbound_member_of_flow, flows.inbound_bytes
    )
    timeline: list[tuple[int, str, str]] = [
        (0, "fault: " + ", ".join(condition.names()) or "fault", f"team:{host}:{team}")
    ]
    for c in sorted(changes, key=lambda c: (c.after_ms or 0, c.name)):
        timeline.append(
            (
                c.after_ms or 0,
                f"member {c.name}: {c.before} -> {c.after} ({c.failure_reason})",
                f"nic:{host}:{c.name}",
            )
        )
    if d0.state.primary != d1.state.primary:
        timeline.append(
            (
                outage,
                f"primary {d0.state.primary} -> {d1.state.primary}"
                + (" (temporary)" if d1.state.primary_temporary else ""),
                f"team:{host}:{team}",
            )
        )
    if d0.state.status != d1.state.status:
        timeline.append(
            (outage, f"team status {d0.state.status} -> {d1.state.status}", f"team:{host}:{team}")
        )
    return FailoverResult(
        before=d0,
        after=d1,
        changes=changes,
        outage_ms=outage,
        moves=moves,
        inbound_moves=inbound,
        timeline=tuple(timeline),
    )
