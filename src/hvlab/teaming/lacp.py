"""Link aggregation between a host team and the switch ports its members are cabled to.

Two layers:

* :func:`pair` -- the outcome of one link whose two ends are configured ``active`` or
  ``passive`` (LACP), ``on`` (a static bundle, no LACP) or ``off`` (no bundle at all:
  a plain switch port, or a host team in SwitchIndependent mode), with the actor state
  bits each end would advertise (IEEE 802.1AX-2008 5.4.2.2 / 802.1AX-2014 6.4.2.3 item
  (s); the same bit layout as Linux ``include/uapi/linux/if_bonding.h`` and Open vSwitch
  ``lib/lacp.c``).
* :func:`team_lacp` -- every member of a team: the far end found through ``lab.links``,
  the LAG of that switch containing the port, the logical switch (``Switch.stack`` makes
  stack and MLAG members one partner system), and what each end does with the link.

Rules modelled (sources in brackets):

* Windows runs LACP in Active mode; the timer is ``LacpTimer`` (Fast = short timeout)
  ["When you configure a Teaming mode of LACP, NIC Teaming always operates in LACP's
  Active mode with a short timer", Microsoft Learn, NIC Teaming settings; ``-LacpTimer``
  on New-NetLbfoTeam from Windows Server 2016 on].
* LACP bundles a link when at least one end is active and both ends run LACP; two passive
  ends never send an LACPDU, so never bundle [802.1AX 6.4.1: a Passive port only
  transmits if its partner is Active].
* An LACP end that receives no LACPDUs (partner static or not configured) ends in the
  Defaulted state, is not Synchronized and does not collect/distribute [802.1AX 6.4.12
  Receive machine, 6.4.15 Mux machine]. A Windows member in this state shows
  ``FailureReason LacpNegotiationIssue`` [MSFT_NetImPlatAdapter.FailureReason]. A switch
  port in this state is suspended or runs as an individual port (setting
  ``lacp.no_partner``).
* Ports aggregate only with ports that have the same partner system and key: members
  cabled to two switches that are not one logical switch form two candidate
  aggregators and the team uses one of them [802.1AX 6.4.14 Selection Logic]; hvlab picks
  the one with most members, ties to the one holding the first listed member (as Linux
  ``ad_select=count``). Microsoft: "Switch dependent teaming requires that all team
  members are connected to the same physical switch or a multi-chassis switch that shares
  a switch ID" (NIC Teaming settings).
* Static teams have no protocol: nothing detects a misconnected or half-configured
  bundle; Windows shows the members Up [NIC Teaming settings, Static Teaming].
* Failure detection: link loss is seen at once (then ``lbfo.failover``); a partner that
  stops sending LACPDUs while the link stays up is noticed after the receiver's timeout,
  3 x the periodic time: 3 s short (Fast) or 90 s long (Slow) [802.1AX 6.4.4 constants;
  Linux ``bond_3ad.c``]. Each end times out on its own setting: the host after its
  ``LacpTimer``, the switch after its ``lacp rate``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntFlag
from typing import Final, Literal

from hvlab.condition import Condition, lag_of, nic_end
from hvlab.model.lab import Lab
from hvlab.teaming.assumptions import resolve
from hvlab.teaming.modes import TeamSpec

__all__ = [
    "LACP_SILENT_KEY",
    "EndMode",
    "LacpState",
    "MemberLacp",
    "PairOutcome",
    "TeamLacp",
    "host_end_mode",
    "pair",
    "state_names",
    "team_lacp",
    "timeout_ms",
]

EndMode = Literal["active", "passive", "on", "off"]
#: Condition override naming elements whose LACP partner stops sending LACPDUs while the
#: link stays up (a hung switch control plane): ``{"lacp.silent": ["switch:tor1"]}``.
LACP_SILENT_KEY: Final = "lacp.silent"


class LacpState(IntFlag):
    """Actor/Partner state bits of an LACPDU (IEEE 802.1AX-2008 5.4.2.2, bit 0 first)."""

    ACTIVITY = 0x01
    TIMEOUT = 0x02
    AGGREGATION = 0x04
    SYNCHRONIZATION = 0x08
    COLLECTING = 0x10
    DISTRIBUTING = 0x20
    DEFAULTED = 0x40
    EXPIRED = 0x80


def state_names(bits: int) -> tuple[str, ...]:
    """Return the names of the set bits, in bit order (``('ACTIVITY', 'TIMEOUT', ...)``)."""
    return tuple(f.name for f in LacpState if bits & f and f.name is not None)


def timeout_ms(timer: str, lab: Lab | None = None, condition: Condition | None = None) -> int:
    """Return the LACP timeout of a ``Fast``/``fast`` or ``Slow``/``slow`` timer in ms.

    Short_Timeout_Time (3 s) and Long_Timeout_Time (90 s) of 802.1AX, overridable as
    ``lacp.short_timeout`` / ``lacp.long_timeout``.
    """
    key = "lacp.short_timeout" if timer.lower() == "fast" else "lacp.long_timeout"
    value = resolve(key, lab, condition).value
    return int(value)


def _lacp_bits(mode: EndMode, fast: bool, synced: bool) -> int:
    bits = LacpState.AGGREGATION
    if mode == "active":
        bits |= LacpState.ACTIVITY
    if fast:
        bits |= LacpState.TIMEOUT
    if synced:
        bits |= LacpState.SYNCHRONIZATION | LacpState.COLLECTING | LacpState.DISTRIBUTING
    else:
        bits |= LacpState.DEFAULTED
    return int(bits)


@dataclass(frozen=True, slots=True)
class PairOutcome:
    """What the two ends of one link make of their configurations.

    Attributes
    ----------
    a_mode, b_mode : {"active", "passive", "on", "off"}
        The ends' configurations.
    bundled : bool
        Both ends aggregate the link into their bundle (LACP in sync, or static on both).
    a_forwards, b_forwards : bool
        Whether each end sends and accepts data frames on the link.
    a_state, b_state : int or None
        Actor state bits each end advertises (None for an end that runs no LACP).
    note : str
        One sentence for people.
    """

    a_mode: EndMode
    b_mode: EndMode
    bundled: bool
    a_forwards: bool
    b_forwards: bool
    a_state: int | None
    b_state: int | None
    note: str


def pair(
    a: EndMode,
    b: EndMode,
    *,
    a_fast: bool = True,
    b_fast: bool = False,
    no_partner: str = "suspend",
) -> PairOutcome:
    """Return the outcome of a link with ends configured ``a`` and ``b``.

    Parameters
    ----------
    a, b : {"active", "passive", "on", "off"}
        LACP active/passive, static bundle (``on``), or no bundle (``off``).
    a_fast, b_fast : bool
        Each LACP end's timeout (short when True).
    no_partner : {"suspend", "individual"}
        What an LACP end that hears no partner does with the link (see
        ``lacp.no_partner``). Windows does not use such a member whatever this says.
    """
    lacp = ("active", "passive")
    if a in lacp and b in lacp:
        if a == "passive" and b == "passive":
            fwd = no_partner == "individual"
            return PairOutcome(
                a,
                b,
                False,
                fwd,
                fwd,
                _lacp_bits(a, a_fast, False),
                _lacp_bits(b, b_fast, False),
                "passive-passive: neither end sends an LACPDU, the link never bundles",
            )
        return PairOutcome(
            a,
            b,
            True,
            True,
            True,
            _lacp_bits(a, a_fast, True),
            _lacp_bits(b, b_fast, True),
            f"LACP {a}-{b}: in sync, collecting and distributing",
        )
    if a in lacp or b in lacp:
        lacp_end_fwd = no_partner == "individual"
        other = b if a in lacp else a
        what = "static bundle" if other == "on" else "no bundle"
        then = "runs the port as an individual link" if lacp_end_fwd else "suspends the port"
        note = (
            f"LACP against a {what}: the LACP end hears no LACPDU, ends Defaulted and does "
            f"not aggregate ({then})"
        )
        if a in lacp:
            return PairOutcome(
                a, b, False, lacp_end_fwd, True, _lacp_bits(a, a_fast, False), None, note
            )
        return PairOutcome(
            a, b, False, True, lacp_end_fwd, None, _lacp_bits(b, b_fast, False), note
        )
    if a == "on" and b == "on":
        return PairOutcome(a, b, True, True, True, None, None, "static bundle on both ends")
    if a == "off" and b == "off":
        return PairOutcome(a, b, False, True, True, None, None, "plain link, no bundle")
    return PairOutcome(
        a,
        b,
        False,
        True,
        True,
        None,
        None,
        "static bundle on one end only: both forward; nothing checks the configuration",
    )


def host_end_mode(mode: str) -> EndMode:
    """Return the link-aggregation end a host ``TeamingMode`` presents.

    ``Lacp`` is always ``active`` (NIC Teaming settings); ``Static`` is ``on``;
    ``SwitchIndependent`` is ``off``.
    """
    if mode == "Lacp":
        return "active"
    if mode == "Static":
        return "on"
    return "off"


@dataclass(frozen=True, slots=True)
class MemberLacp:
    """One member's link aggregation view.

    Attributes
    ----------
    name : str
        Member NIC.
    switch, port : str or None
        Far end of its cable (None when the lab does not cable it, or it ends on a host).
    lag : str or None
        The LAG of ``switch`` containing ``port``.
    switch_mode : {"active", "passive", "on", "off"} or None
        The far end's configuration (None when not cabled to a switch).
    logical_switch : str or None
        Partner system: the switch's ``stack`` name, else the switch.
    host_mode : {"active", "on", "off"}
        This end.
    outcome : str
        ``bundled``, ``not-bundled``, ``individual``, ``suspended``, ``static``,
        ``independent``, ``other-aggregator``, ``lag-below-min-links``, ``link-down``,
        ``partner-silent`` or ``uncabled``.
    host_uses : bool
        Windows puts the member in service (not ``LacpNegotiationIssue``).
    switch_forwards : bool
        The switch forwards on the port (False: frames the host sends are dropped).
    failure_reason : str or None
        ``LacpNegotiationIssue`` when Windows takes the member out for LACP reasons.
    actor_state, partner_state : int or None
        LACP state bits of the host end and of the switch end (None without LACP).
    detect_ms : int or None
        For ``partner-silent``: time until the host stops using the member.
    switch_detect_ms : int or None
        For ``partner-silent``: time until the switch would time the host out.
    note : str
        One sentence for people.
    """

    name: str
    switch: str | None
    port: str | None
    lag: str | None
    switch_mode: EndMode | None
    logical_switch: str | None
    host_mode: EndMode
    outcome: str
    host_uses: bool
    switch_forwards: bool
    failure_reason: str | None
    actor_state: int | None
    partner_state: int | None
    detect_ms: int | None
    switch_detect_ms: int | None
    note: str

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form."""
        return {
            "name": self.name,
            "switch": self.switch,
            "port": self.port,
            "lag": self.lag,
            "switch_mode": self.switch_mode,
            "logical_switch": self.logical_switch,
            "host_mode": self.host_mode,
            "outcome": self.outcome,
            "host_uses": self.host_uses,
            "switch_forwards": self.switch_forwards,
            "failure_reason": self.failure_reason,
            "actor_state": None
            if self.actor_state is None
            else list(state_names(self.actor_state)),
            "partner_state": (
                None if self.partner_state is None else list(state_names(self.partner_state))
            ),
            "detect_ms": self.detect_ms,
            "switch_detect_ms": self.switch_detect_ms,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class TeamLacp:
    """Link aggregation of a whole team.

    Attributes
    ----------
    mode : str
        The team's ``TeamingMode``.
    host_timer : {"Fast", "Slow"}
        The team's ``LacpTimer``.
    host_timeout_ms : int
        Timeout the host applies to its partners (3 s Fast, 90 s Slow).
    members : tuple of MemberLacp
        In team order.
    aggregator : tuple of str
        For Lacp/Static teams, the (logical switch, LAG) the team aggregates with, as
        ``("tor1", "Po3")``; empty when there is none.
    notes : tuple of str
        Warnings for the team as a whole.
    """

    mode: str
    host_timer: str
    host_timeout_ms: int
    members: tuple[MemberLacp, ...]
    aggregator: tuple[str, ...]
    notes: tuple[str, ...]

    def member(self, name: str) -> MemberLacp:
        """Return the entry of member ``name``."""
        return next(m for m in self.members if m.name == name)

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form."""
        return {
            "mode": self.mode,
            "host_timer": self.host_timer,
            "host_timeout_ms": self.host_timeout_ms,
            "aggregator": list(self.aggregator),
            "members": [m.as_dict() for m in self.members],
            "notes": list(self.notes),
        }


def _silent_names(condition: Condition) -> frozenset[str]:
    value = condition.override(LACP_SILENT_KEY, ())
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable):
        return frozenset()
    return frozenset(str(v) for v in value)


@dataclass
class _Far:
    name: str
    switch: str | None
    port: str | None
    lag: str | None
    switch_mode: EndMode | None
    logical: str | None
    lacp_rate: str
    min_links: int
    link_up: bool
    silent: bool


def _far_ends(lab: Lab, spec: TeamSpec, condition: Condition) -> list[_Far]:
    silent = _silent_names(condition)
    out: list[_Far] = []
    for nic in spec.members:
        link_up = condition.nic_is_up(lab, spec.host, nic)
        end = nic_end(lab, spec.host, nic)
        if end is None or end.node not in lab.switches:
            out.append(_Far(nic, None, None, None, None, None, "slow", 1, link_up, False))
            continue
        sw = lab.switches[end.node]
        owner = lag_of(lab, sw.name, end.port)
        lag = owner[1] if owner else None
        names = {f"nic:{spec.host}:{nic}", f"switch:{sw.name}", f"port:{sw.name}:{end.port}"}
        if owner is not None:
            names.add(f"lag:{owner[0]}:{owner[1].name}")
        out.append(
            _Far(
                name=nic,
                switch=sw.name,
                port=end.port,
                lag=f"{owner[0]}/{owner[1].name}" if owner else None,
                switch_mode=lag.lacp if lag else "off",
                logical=sw.stack or sw.name,
                lacp_rate=lag.lacp_rate if lag else "slow",
                min_links=lag.min_links if lag else 1,
                link_up=link_up,
                silent=bool(names & silent),
            )
        )
    return out


def team_lacp(lab: Lab, spec: TeamSpec, condition: Condition | None = None) -> TeamLacp:
    """Return how every member of ``spec`` aggregates with the switch it is cabled to.

    Parameters
    ----------
    lab : Lab
        The lab (links, switches, LAGs, stacks).
    spec : TeamSpec
        The team (``mode`` decides the host end, see :func:`host_end_mode`).
    condition : Condition, optional
        Failed elements (a member whose link is down is ``link-down``) and the
        :data:`LACP_SILENT_KEY` override.

    Returns
    -------
    TeamLacp
        Per member: far end, outcome, whether Windows uses it, whether the switch
        forwards on it, the state bits and detection times.
    """
    condition = condition or Condition.none()
    host = host_end_mode(spec.mode)
    host_fast = spec.lacp_timer == "Fast"
    host_timeout = timeout_ms(spec.lacp_timer, lab, condition)
    no_partner = str(resolve("lacp.no_partner", lab, condition).value)
    fars = _far_ends(lab, spec, condition)
    notes: list[str] = []

    outcomes: dict[str, PairOutcome] = {}
    for f in fars:
        if f.switch_mode is not None:
            outcomes[f.name] = pair(
                host,
                f.switch_mode,
                a_fast=host_fast,
                b_fast=f.lacp_rate == "fast",
                no_partner=no_partner,
            )

    # Candidate aggregators of a switch-dependent team: (logical switch, LAG) of members
    # whose link is up. Selection keeps one of them (802.1AX selection logic).
    aggregator: tuple[str, ...] = ()
    chosen: set[str] = set()
    below_min = False
    if spec.mode in ("Static", "Lacp"):
        groups: dict[tuple[str, str], list[int]] = {}
        for i, f in enumerate(fars):
            out = outcomes.get(f.name)
            if f.logical is None or not f.link_up or out is None:
                continue
            if spec.mode == "Lacp" and not out.bundled:
                continue
            groups.setdefault((f.logical, f.lag or "-"), []).append(i)
        if groups:
            best = max(groups.items(), key=lambda kv: (len(kv[1]), -kv[1][0]))
            aggregator = best[0]
            chosen = {fars[i].name for i in best[1]}
            if len(groups) > 1:
                others = ", ".join(f"{k[1]} on {k[0]}" for k in sorted(groups) if k != best[0])
                notes.append(
                    f"members end on more than one switch or bundle ({aggregator[1]} on "
                    f"{aggregator[0]}; {others}): switch dependent teaming needs one "
                    "switch or a stack/MLAG sharing a switch ID"
                    + (
                        "; LACP aggregates with one partner only"
                        if spec.mode == "Lacp"
                        else "; Static teaming has no protocol to notice (MAC flapping)"
                    )
                )
        if aggregator and aggregator[1] != "-":
            min_links = next(f.min_links for f in fars if f.name in chosen)
            if len(chosen) < min_links:
                below_min = True
                notes.append(
                    f"only {len(chosen)} of min_links {min_links} member(s) of "
                    f"{aggregator[1]} are up: the port-channel is down"
                )

    members: list[MemberLacp] = []
    for f in fars:
        members.append(
            _member(
                spec,
                f,
                outcomes.get(f.name),
                host,
                chosen,
                aggregator,
                below_min,
                lab,
                condition,
                host_timeout,
                host_fast,
            )
        )
    if spec.mode == "SwitchIndependent" and any(
        m.switch_mode in ("active", "passive", "on") for m in members
    ):
        notes.append(
            "members of a SwitchIndependent team are in a switch port-channel: the switch "
            "must not be configured for the team (NIC Teaming settings, Switch Independent)"
        )
    return TeamLacp(
        mode=spec.mode,
        host_timer=spec.lacp_timer,
        host_timeout_ms=host_timeout,
        members=tuple(members),
        aggregator=aggregator,
        notes=tuple(notes),
    )


def _member(
    spec: TeamSpec,
    f: _Far,
    out: PairOutcome | None,
    host: EndMode,
    chosen: set[str],
    aggregator: tuple[str, ...],
    below_min: bool,
    lab: Lab,
    condition: Condition,
    host_timeout: int,
    host_fast: bool,
) -> MemberLacp:
    def make(
        outcome: str,
        uses: bool,
        forwards: bool,
        reason: str | None,
        note: str,
        actor: int | None = None,
        partner: int | None = None,
        detect: int | None = None,
        switch_detect: int | None = None,
    ) -> MemberLacp:
        return MemberLacp(
            f.name,
            f.switch,
            f.port,
            f.lag,
            f.switch_mode,
            f.logical,
            host,
            outcome,
            uses,
            forwards,
            reason,
            actor,
            partner,
            detect,
            switch_detect,
            note,
        )

    if not f.link_up:
        return make("link-down", False, False, None, "the member has no link")
    if out is None:
        return make(
            "uncabled",
            True,
            True,
            None,
            "not cabled to a switch in the lab: the partner is assumed to match the team",
        )
    lacp_host = host == "active"
    if lacp_host and f.silent:
        switch_detect = timeout_ms(f.lacp_rate, lab, condition)
        return make(
            "partner-silent",
            False,
            False,
            "LacpNegotiationIssue",
            f"the partner stopped sending LACPDUs with the link up: the host times it out "
            f"after {host_timeout} ms (LacpTimer {spec.lacp_timer}), then stops using it",
            actor=_lacp_bits("active", host_fast, False) | LacpState.EXPIRED,
            partner=None,
            detect=host_timeout,
            switch_detect=switch_detect,
        )
    if spec.mode == "SwitchIndependent":
        if f.switch_mode in ("active", "passive"):
            forwards = out.b_forwards
            return make(
                "individual" if forwards else "suspended",
                True,
                forwards,
                None,
                f"switch port-channel {f.lag} runs LACP but the team sends no LACPDU: "
                + (
                    "the switch runs the port as an individual link"
                    if forwards
                    else "the switch suspends the port; Windows shows the member Up while its "
                    "traffic is lost"
                ),
                partner=out.b_state,
            )
        if f.switch_mode == "on":
            return make(
                "static",
                True,
                True,
                None,
                f"the switch bundles the port statically in {f.lag}: it spreads inbound "
                "traffic over the members by its own hash",
            )
        return make("independent", True, True, None, "switch independent member")
    in_aggregator = f.name in chosen
    if in_aggregator and below_min:
        lacp_team = spec.mode == "Lacp"
        return make(
            "lag-below-min-links",
            not lacp_team,
            False,
            "LacpNegotiationIssue" if lacp_team else None,
            f"fewer members up than min_links of {f.lag}: the port-channel is "
            "down"
            + ("" if lacp_team else "; Windows shows the member Up while its traffic is lost"),
            actor=_lacp_bits("active", host_fast, False) if lacp_team else None,
        )
    if spec.mode == "Static":
        if f.switch_mode in ("active", "passive"):
            return make(
                "suspended" if not out.b_forwards else "individual",
                True,
                out.b_forwards,
                None,
                f"static team against LACP port-channel {f.lag}: the switch hears no "
                "LACPDU and "
                + (
                    "suspends the port; Windows shows the member Up while its traffic is lost"
                    if not out.b_forwards
                    else "runs the port as an individual link"
                ),
                partner=out.b_state,
            )
        if f.switch_mode == "off":
            return make(
                "not-bundled",
                True,
                True,
                None,
                "static team on switch ports without a port-channel: the switch sees the "
                "team's MAC on several ports (MAC flapping); inbound follows whichever "
                "port learned it last",
            )
        if not in_aggregator:
            return make(
                "other-aggregator",
                True,
                True,
                None,
                "in a different switch or bundle than the other members: unsupported, "
                "nothing detects it",
            )
        return make("static", True, True, None, f"static bundle {f.lag}")
    # Lacp
    if not out.bundled:
        return make(
            "not-bundled",
            False,
            out.b_forwards,
            "LacpNegotiationIssue",
            (
                "no LACP on the switch port"
                if f.switch_mode == "off"
                else f"the switch bundles {f.lag} statically (no LACP)"
            )
            + ": no LACPDU comes back, the member stays Defaulted",
            actor=out.a_state,
            partner=out.b_state,
        )
    if not in_aggregator:
        return make(
            "other-aggregator",
            False,
            False,
            "LacpNegotiationIssue",
            f"LACP partner {f.lag} (system {f.logical}) differs from the team's aggregator "
            f"{'/'.join(aggregator)}: selection keeps one aggregator",
            actor=_lacp_bits("active", host_fast, False) & ~LacpState.DEFAULTED,
            partner=out.b_state,
        )
    return make(
        "bundled",
        True,
        True,
        None,
        f"LACP in sync with {f.lag} (system {f.logical})",
        actor=out.a_state,
        partner=out.b_state,
    )
