"""Documented limits and constraints of LBFO teams, SET switches and guest teams.

Each check returns :class:`Violation` values (never raises for a bad design): the rule
engine maps them to findings. ``severity`` is ``error`` for what Microsoft calls
unsupported or impossible, ``warning`` for what works badly, ``info`` for what is worth
knowing.

Sources
-------
* ``NIC``: Microsoft Learn, "NIC Teaming" (Windows Server 2016): one to 32 members; up to
  32 team interfaces; host vNICs must not be teamed; one-member teams give no failover;
  "When a team connects to a Hyper-V Virtual Switch, all VLAN segregation must be done in
  the Hyper-V Virtual Switch rather than in NIC Teaming"; guest teams: two members
  supported, each on a different external Hyper-V switch, teaming allowed on the VM's
  adapters, Switch Independent with Address Hash.
* ``SETTINGS``: Microsoft Learn, "NIC Teaming settings" (Standby adapter; two-member
  active/standby teams do slightly better with Address Hash than Dynamic).
* ``CMD``: ``New-NetLbfoTeam`` (mixed speeds "not supported ... algorithms do not take the
  speed ... into consideration"); ``Add-NetLbfoTeamMember`` ("At most one member in a team
  can be in Standby mode").
* ``SET``: Microsoft Learn, "RDMA and Switch Embedded Teaming": one to eight identical
  NICs (same manufacturer, model, firmware and driver), Switch Independent only, HyperVPort
  or Dynamic, no standby, no team interfaces, not available before Windows Server 2016.
* ``LBFO2SET``: microsoft/Convert-LBFO2SET README: Windows Server 2022 and newer no
  longer allow an LBFO team to be attached to a Hyper-V switch.
* ``SEED``: field notes, "NIC Teaming in Windows 8 & Hyper-V": different vendors in one
  team are supported; no team of teams; no teaming over third-party (Intel, Broadcom)
  teams; guest teams Switch Independent / Address Hash only, each member on a different
  Hyper-V switch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from hvlab.condition import Condition
from hvlab.model.lab import Lab
from hvlab.teaming.compat import COMPATIBILITY
from hvlab.teaming.lacp import team_lacp
from hvlab.teaming.modes import ADDRESS_HASH, os_rank, resolve_team

__all__ = [
    "GUEST_TEAM_MEMBERS",
    "LBFO_MAX_INTERFACES",
    "LBFO_MAX_MEMBERS",
    "SET_MAX_MEMBERS",
    "Severity",
    "Violation",
    "check_guest_team",
    "check_set",
    "check_team",
]

Severity = Literal["error", "warning", "info"]

LBFO_MAX_MEMBERS: Final = 32
LBFO_MAX_INTERFACES: Final = 32
SET_MAX_MEMBERS: Final = 8
GUEST_TEAM_MEMBERS: Final = 2

_NIC = (
    "Microsoft Learn, 'NIC Teaming', https://learn.microsoft.com/windows-server/networking/"
    "technologies/nic-teaming/nic-teaming"
)
_SETTINGS = (
    "Microsoft Learn, 'NIC Teaming settings', https://learn.microsoft.com/windows-server/"
    "networking/technologies/nic-teaming/nic-teaming-settings"
)
_CMD = "New-NetLbfoTeam / Add-NetLbfoTeamMember module help (NetLbfo)"
_SET = (
    "Microsoft Learn, 'Remote Direct Memory Access (RDMA) and Switch Embedded Teaming (SET)', "
    "https://learn.microsoft.com/windows-server/virtualization/hyper-v-virtual-switch/"
    "rdma-and-switch-embedded-teaming"
)
_LBFO2SET = "microsoft/Convert-LBFO2SET README (GitHub)"
_SEED = "hvlab field notes (shared/seed), 'NIC Teaming in Windows 8 & Hyper-V'"


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken limit or constraint.

    Attributes
    ----------
    code : str
        Stable identifier (``lbfo.members.count``).
    severity : {"error", "warning", "info"}
        How bad.
    object : str
        Dotted path of the object (``hosts.node1.teams.VMTeam``).
    message : str
        What is wrong, in the user's words.
    source : str
        The documented rule.
    """

    code: str
    severity: Severity
    object: str
    message: str
    source: str


def _features(lab: Lab, host: str, nics: Iterable[str]) -> dict[str, list[str]]:
    h = lab.hosts[host]
    out: dict[str, list[str]] = {}
    for name in nics:
        nic = h.nics.get(name)
        if nic is None:
            continue
        for f in nic.features:
            out.setdefault(f, []).append(name)
    return out


def check_team(lab: Lab, host: str, team: str) -> tuple[Violation, ...]:
    """Return the limits and constraints LBFO team ``team`` of ``host`` breaks.

    Checks: member count (1-32), standby (Switch Independent only, never the only
    member), team interfaces (at most 32, distinct VLANs, only the default interface when
    bound to a Hyper-V switch), mixed speeds, team of teams, host vNICs, third-party teams,
    incompatible NIC features (from :mod:`~hvlab.teaming.compat`), the OS (in-box teaming
    from Windows Server 2012; no LBFO under a Hyper-V switch from 2022), and the switch
    side of Static/LACP teams (:func:`~hvlab.teaming.lacp.team_lacp`).
    """
    h = lab.hosts[host]
    t = h.teams[team]
    spec = resolve_team(lab, host, team)
    where = f"hosts.{host}.teams.{team}"
    out: list[Violation] = []

    def add(code: str, severity: Severity, message: str, source: str) -> None:
        out.append(Violation(code, severity, where, message, source))

    n = len(t.members)
    if not 1 <= n <= LBFO_MAX_MEMBERS:
        add(
            "lbfo.members.count",
            "error",
            f"a team has 1 to {LBFO_MAX_MEMBERS} members; {team} has {n}",
            _NIC,
        )
    elif n == 1:
        add(
            "lbfo.members.single",
            "info",
            "a one-member team gives neither load balancing nor failover (only VLAN "
            "separation through team interfaces)",
            _NIC,
        )
    if h.os and os_rank(h.os) < os_rank("WindowsServer2012"):
        add(
            "lbfo.os",
            "error",
            f"in-box NIC Teaming arrived with Windows Server 2012; {host} runs {h.os}",
            _SEED,
        )
    if t.standby is not None:
        if t.mode != "SwitchIndependent":
            add(
                "lbfo.standby.mode",
                "error",
                f"a standby member needs TeamingMode SwitchIndependent; {team} is {t.mode}",
                _SETTINGS,
            )
        if n == 1:
            add(
                "lbfo.standby.only-member",
                "error",
                "the only member is standby: the team has no active member",
                _CMD,
            )
        elif n == 2:
            add(
                "lbfo.standby.two-members",
                "info",
                "with one active and one standby member the team has no bandwidth "
                "aggregation"
                + (
                    "; Address Hash does slightly better than Dynamic here"
                    if spec.algorithm == "Dynamic"
                    else ""
                ),
                _SETTINGS,
            )
    interfaces = list(t.interfaces.values())
    if len(interfaces) > LBFO_MAX_INTERFACES:
        add(
            "lbfo.interfaces.count",
            "error",
            f"a team has at most {LBFO_MAX_INTERFACES} team interfaces; {team} has "
            f"{len(interfaces)}",
            _NIC,
        )
    vlans: dict[int, list[str]] = {}
    for i in interfaces:
        vlans.setdefault(i.vlan or 0, []).append(i.name)
    for vlan, names in sorted(vlans.items()):
        if len(names) > 1:
            what = "the default interface (no VLAN)" if vlan == 0 else f"VLAN {vlan}"
            add(
                "lbfo.interfaces.vlan-duplicate",
                "error",
                f"team interfaces {', '.join(names)} all claim {what}; each interface needs "
                "its own VLAN and a team has one default interface",
                _NIC,
            )
    if spec.vswitch is not None:
        tagged = [i.name for i in interfaces if i.vlan]
        if tagged or len(interfaces) > 1:
            add(
                "lbfo.interfaces.vswitch",
                "error",
                f"{team} is bound to Hyper-V switch {spec.vswitch}, so it must have only the "
                f"default team interface; VLANs belong on the switch's ports "
                f"(extra interfaces: {', '.join(tagged or [i.name for i in interfaces[1:]])})",
                _NIC,
            )
        if os_rank(h.os) >= os_rank("WindowsServer2022"):
            add(
                "lbfo.vswitch.os",
                "error",
                f"{h.os} no longer allows an LBFO team under a Hyper-V switch; use SET",
                _LBFO2SET,
            )
    speeds = {h.nics[m].speed for m in t.members if m in h.nics}
    if len(speeds) > 1:
        add(
            "lbfo.members.speed-mixed",
            "warning",
            "members of different speeds: unsupported, and the algorithms ignore speed, so "
            "slow members get as many flows as fast ones",
            _CMD,
        )
    vendors = {h.nics[m].vendor for m in t.members if m in h.nics and h.nics[m].vendor}
    if len(vendors) > 1:
        add(
            "lbfo.members.vendors-mixed",
            "info",
            f"members from several vendors ({', '.join(sorted(vendors))}): supported",
            _SEED,
        )
    for m in t.members:
        if m in h.teams:
            add(
                "lbfo.members.team",
                "error",
                f"member {m} is itself a team: teams of teams are not supported",
                _SEED,
            )
        elif m in h.vnics and m not in h.nics:
            add(
                "lbfo.members.vnic",
                "error",
                f"member {m} is a host vNIC: teaming vNICs in the host partition is not "
                "supported in any configuration",
                _NIC,
            )
        elif m in h.nics and h.nics[m].third_party_team:
            add(
                "lbfo.members.third-party",
                "error",
                f"member {m} belongs to third-party team {h.nics[m].third_party_team}: "
                "Windows NIC Teaming cannot team third-party teams",
                _SEED,
            )
    for feature, nics in sorted(_features(lab, host, t.members).items()):
        entry = COMPATIBILITY.get(("LBFO", feature))
        if entry is not None and entry.support == "no":
            add(
                f"lbfo.features.{feature}",
                entry.severity,
                f"{feature} on {', '.join(nics)}: {entry.note}",
                entry.source,
            )
    lacp = team_lacp(lab, spec, Condition.none())
    for row in lacp.members:
        severity = _SWITCH_SIDE.get(row.outcome)
        if t.mode != "SwitchIndependent" and row.outcome in ("static", "individual"):
            severity = None  # a Static team in a static bundle is the intended setup
        if severity is not None:
            add(f"lbfo.switch.{row.outcome}", severity, f"{row.name}: {row.note}", _SETTINGS)
    for note in lacp.notes:
        add(
            "lbfo.switch.topology",
            "error" if t.mode != "SwitchIndependent" else "warning",
            note,
            _SETTINGS,
        )
    return tuple(out)


#: Member link-aggregation outcomes that are misconfigurations, and how bad.
_SWITCH_SIDE: Final[dict[str, Severity]] = {
    "suspended": "error",
    "not-bundled": "error",
    "other-aggregator": "error",
    "lag-below-min-links": "error",
    "individual": "warning",
    "static": "warning",
}


def check_set(lab: Lab, host: str, vswitch: str) -> tuple[Violation, ...]:
    """Return the limits and constraints SET switch ``vswitch`` of ``host`` breaks.

    Checks: Windows Server 2016 or later, one to eight members, identical members
    (vendor, model, speed), no third-party teams, incompatible NIC features, members in a
    switch port-channel (SET is switch independent).
    """
    h = lab.hosts[host]
    vs = h.vswitches[vswitch]
    where = f"hosts.{host}.vswitches.{vswitch}"
    out: list[Violation] = []

    def add(code: str, severity: Severity, message: str, source: str) -> None:
        out.append(Violation(code, severity, where, message, source))

    if os_rank(h.os) < os_rank("WindowsServer2016"):
        add(
            "set.os",
            "error",
            f"Switch Embedded Teaming needs Windows Server 2016 or later; {host} runs {h.os}",
            _SET,
        )
    n = len(vs.members)
    if not 1 <= n <= SET_MAX_MEMBERS:
        add(
            "set.members.count",
            "error",
            f"a SET team has 1 to {SET_MAX_MEMBERS} members; {vswitch} has {n}",
            _SET,
        )
    nics = [h.nics[m] for m in vs.members if m in h.nics]
    kinds = {(n.vendor, n.model, n.speed) for n in nics}
    if len(kinds) > 1:
        listing = "; ".join(
            f"{n.name}: {n.vendor or '?'} {n.model or '?'} {n.speed // 10**9}G" for n in nics
        )
        add(
            "set.members.identical",
            "error",
            f"SET members must be identical (same manufacturer, model, firmware, driver): "
            f"{listing}",
            _SET,
        )
    for nic in nics:
        if nic.third_party_team:
            add(
                "set.members.third-party",
                "error",
                f"member {nic.name} belongs to third-party team {nic.third_party_team}",
                _SEED,
            )
    for feature, names in sorted(_features(lab, host, vs.members).items()):
        entry = COMPATIBILITY.get(("SET", feature))
        if entry is not None and entry.support == "no":
            add(
                f"set.features.{feature}",
                entry.severity,
                f"{feature} on {', '.join(names)}: {entry.note}",
                entry.source,
            )
    spec = resolve_team(lab, host, vswitch)
    for row in team_lacp(lab, spec, Condition.none()).members:
        if row.outcome in ("suspended", "individual", "static"):
            add(
                f"set.switch.{row.outcome}",
                "error" if row.outcome == "suspended" else "warning",
                f"{row.name}: {row.note} (SET is switch independent only)",
                _SET,
            )
    return tuple(out)


def check_guest_team(lab: Lab, vm: str, team: str) -> tuple[Violation, ...]:
    """Return the constraints guest team ``team`` of VM ``vm`` breaks.

    Supported: Switch Independent, an address hash algorithm, two members, each VM
    adapter on a different External Hyper-V switch, with teaming allowed
    (``allow_teaming`` / ``Set-VMNetworkAdapter -AllowTeaming On``).
    """
    v = lab.vms[vm]
    g = v.guest_teams[team]
    where = f"vms.{vm}.guest_teams.{team}"
    out: list[Violation] = []

    def add(code: str, severity: Severity, message: str, source: str) -> None:
        out.append(Violation(code, severity, where, message, source))

    if g.mode != "SwitchIndependent":
        add(
            "guest.mode",
            "error",
            f"a team inside a VM must be SwitchIndependent; {team} is {g.mode}",
            f"{_NIC}; {_SEED}",
        )
    if g.algorithm not in ADDRESS_HASH:
        add(
            "guest.algorithm",
            "error",
            f"a team inside a VM must use an address hash (TransportPorts, IPAddresses, "
            f"MacAddresses); {team} uses {g.algorithm}",
            f"{_NIC}; {_SEED}",
        )
    if len(g.members) != GUEST_TEAM_MEMBERS:
        add(
            "guest.members.count",
            "error",
            f"teams in VMs are supported with exactly {GUEST_TEAM_MEMBERS} members; {team} "
            f"has {len(g.members)}",
            _NIC,
        )
    by_name = {n.name: n for n in v.nics if n.name}
    members = [by_name[m] for m in g.members if m in by_name]
    switches: dict[str, list[str]] = {}
    for nic in members:
        assert nic.name is not None
        switches.setdefault(nic.switch, []).append(nic.name)
        if not nic.allow_teaming:
            add(
                "guest.members.allow-teaming",
                "error",
                f"adapter {nic.name} does not allow teaming (Set-VMNetworkAdapter "
                "-AllowTeaming On): its failover traffic with the other adapter's MAC is "
                "dropped",
                _NIC,
            )
    for switch, names in sorted(switches.items()):
        if len(names) > 1:
            add(
                "guest.members.same-switch",
                "error",
                f"adapters {', '.join(names)} are on the same Hyper-V switch {switch}: each "
                "member must be on a different switch for the team to survive a NIC failure",
                f"{_NIC}; {_SEED}",
            )
    host = lab.hosts.get(v.host) if v.host else None
    if host is None:
        if members:
            add(
                "guest.host.unknown",
                "info",
                f"VM {vm} has no host: the switch types of its adapters cannot be checked",
                _NIC,
            )
        return tuple(out)
    for switch in sorted(switches):
        vs = host.vswitches.get(switch)
        if vs is not None and vs.type != "External":
            add(
                "guest.members.external",
                "error",
                f"Hyper-V switch {switch} is {vs.type}: team members must be on External "
                "switches (an adapter on an Internal or Private switch cannot reach the "
                "network when teamed)",
                _NIC,
            )
    return tuple(out)
