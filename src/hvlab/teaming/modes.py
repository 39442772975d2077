"""Teaming modes and load-balancing algorithms: what the lab says, resolved, and the rules
Microsoft documents for each combination.

A :class:`TeamSpec` is one team as the engine sees it, whether an LBFO team
(``hosts.H.teams.T``) or a Switch Embedded Team (a Hyper-V switch with ``members``): the
effective ``TeamingMode`` and ``LoadBalancingAlgorithm`` (the OS default filled in, a
Condition override applied), the ordered members, the standby member, the LACP timer.

Sources
-------
* ``New-NetLbfoTeam`` (Windows Server 2012 and 2012 R2 module help): ``-TeamingMode``
  default ``SwitchIndependent``; ``-LoadBalancingAlgorithm`` default ``TransportPorts`` on
  2012; the inbound rule per algorithm in Switch Independent mode ("all inbound traffic
  arrives on the primary team member" for the address hashes; "routed to the same team
  member as the switch port's outgoing traffic" for HyperVPort; "routed to a particular
  team member" for Dynamic).
* Microsoft Learn, "NIC Teaming settings": Dynamic "utilizes ... the TCP Ports address hash
  as modified by the Dynamic load balancing algorithm"; LACP "always operates in LACP's
  Active mode with a short timer"; Standby adapter; switch dependent modes: "the switch
  determines how to distribute the inbound traffic".
* Microsoft Learn, "NIC Teaming MAC address use and management" (source MAC replacement
  per mode and algorithm; the primary member; ARP/NS on the primary or affinitised member).
* Microsoft Learn, "NIC Teaming" (VMQ Sum-of-Queues vs Min-Queues) and "Performance Tuning
  for Hyper-V Servers" (Windows Server 2012 R2, the Sum/Min table).
* Microsoft Learn, "Remote Direct Memory Access (RDMA) and Switch Embedded Teaming (SET)":
  SET is Switch Independent only, HyperVPort or Dynamic, no standby, no team interfaces.
* The default algorithm of Windows Server 2012 R2 and later (``Dynamic``) follows the
  model's documented default (``hvlab.model.host.Team``) and Microsoft's recommendation
  ("we recommend that you use a Load Balancing mode of Dynamic distribution", NIC Teaming
  settings); the 2012 R2 cmdlet help still prints 2012's ``TransportPorts``, which hvlab
  takes to be carried over from the 2012 page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from hvlab.condition import Condition
from hvlab.errors import UserError
from hvlab.model.host import Host
from hvlab.model.lab import Lab
from hvlab.model.load import suggest
from hvlab.teaming.assumptions import resolve
from hvlab.teaming.compat import VMQ_QUEUE_MODE
from hvlab.teaming.hashing import LBFO_ALGORITHMS

__all__ = [
    "ADDRESS_HASH",
    "ALGORITHMS",
    "OVS_MODES",
    "TEAMING_MODES",
    "InboundPolicy",
    "TeamKind",
    "TeamSpec",
    "TeamingMode",
    "default_lbfo_algorithm",
    "inbound_policy",
    "mac_rules",
    "primary_index",
    "resolve_team",
    "team_choices",
    "vmq_mode",
]

TeamingMode = Literal["SwitchIndependent", "Static", "Lacp"]
TeamKind = Literal["lbfo", "set"]
InboundPolicy = Literal["primary", "affinity", "switch"]

TEAMING_MODES: Final[tuple[TeamingMode, ...]] = ("SwitchIndependent", "Static", "Lacp")
ADDRESS_HASH: Final = frozenset({"TransportPorts", "IPAddresses", "MacAddresses"})
#: Open vSwitch bond modes offered as what-if comparisons on the same flows.
OVS_MODES: Final[tuple[str, ...]] = ("ovs:balance-tcp", "ovs:balance-slb")
ALGORITHMS: Final[tuple[str, ...]] = (*LBFO_ALGORITHMS, *OVS_MODES)

_OS_ORDER: Final = (
    "WindowsServer2008",
    "WindowsServer2008R2",
    "WindowsServer2012",
    "WindowsServer2012R2",
    "WindowsServer2016",
    "WindowsServer2019",
    "WindowsServer2022",
    "WindowsServer2025",
)


def os_rank(os: str) -> int:
    """Return the position of a Windows Server version, oldest first."""
    return _OS_ORDER.index(os) if os in _OS_ORDER else len(_OS_ORDER)


def default_lbfo_algorithm(os: str) -> tuple[str, str]:
    """Return the ``LoadBalancingAlgorithm`` a team created without one gets, and why.

    Returns
    -------
    tuple of str
        ``("TransportPorts", reason)`` up to Windows Server 2012 (New-NetLbfoTeam help,
        2012: "Default value: TransportPorts"); ``("Dynamic", reason)`` from 2012 R2.
    """
    if os_rank(os) <= os_rank("WindowsServer2012"):
        return "TransportPorts", f"OS default ({os}: New-NetLbfoTeam default TransportPorts)"
    return "Dynamic", f"OS default ({os}: Dynamic, added and made the default in 2012 R2)"


@dataclass(frozen=True, slots=True)
class TeamSpec:
    """One team as the engine sees it (LBFO team or SET switch).

    Attributes
    ----------
    host, name : str
        Where it lives and its name (the team name, or the SET switch's name).
    kind : {"lbfo", "set"}
        LBFO team or Switch Embedded Team.
    mode : {"SwitchIndependent", "Static", "Lacp"}
        Effective ``TeamingMode`` (always SwitchIndependent for SET).
    algorithm : str
        Effective algorithm (an LBFO name, or an ``ovs:`` comparison mode).
    algorithm_origin : str
        ``lab``, ``OS default (...)``, ``condition`` or ``argument``.
    members : tuple of str
        Member NIC names, in the order the lab lists them.
    standby : str or None
        The standby member (``AdministrativeMode Standby``).
    lacp_timer : {"Fast", "Slow"}
        Effective ``LacpTimer`` (meaningful for Lacp mode).
    lacp_timer_origin : str
        ``lab`` or the origin of the default.
    interfaces : tuple of (str, int or None)
        Team interfaces (tNICs) and their VLAN (None = default interface).
    vswitch : str or None
        The Hyper-V switch bound to the team (for SET, the switch itself).
    os : str
        The host's Windows Server version.
    """

    host: str
    name: str
    kind: TeamKind
    mode: TeamingMode
    algorithm: str
    algorithm_origin: str
    members: tuple[str, ...]
    standby: str | None
    lacp_timer: Literal["Fast", "Slow"]
    lacp_timer_origin: str
    interfaces: tuple[tuple[str, int | None], ...]
    vswitch: str | None
    os: str

    @property
    def label(self) -> str:
        """Return ``HOST/NAME`` as the command line writes it."""
        return f"{self.host}/{self.name}"

    @property
    def override_prefix(self) -> str:
        """Return the Condition override prefix of this team (``team:HOST:NAME.``)."""
        return f"team:{self.host}:{self.name}."


def team_choices(host: Host) -> list[str]:
    """Return the names ``hvlab team`` accepts on ``host``: LBFO teams and SET switches."""
    return sorted(
        list(host.teams) + [vs.name for vs in host.vswitches.values() if vs.embedded_teaming]
    )


def _algorithm_choice(value: object, where: str) -> str:
    if not isinstance(value, str) or value not in ALGORITHMS:
        text = str(value)
        raise UserError(
            f"{where}: unknown load-balancing algorithm {text!r}{suggest(text, ALGORITHMS)} "
            f"(algorithms: {', '.join(ALGORITHMS)})"
        )
    return value


def resolve_team(
    lab: Lab,
    host: str,
    name: str,
    condition: Condition | None = None,
    algorithm: str | None = None,
) -> TeamSpec:
    """Return the effective :class:`TeamSpec` of team (or SET switch) ``name`` on ``host``.

    The algorithm is, first match wins: ``algorithm``; the Condition override
    ``team:HOST:NAME.algorithm``; the lab; the OS default (:func:`default_lbfo_algorithm`,
    or ``set.default_algorithm`` for SET). The mode may be overridden with
    ``team:HOST:NAME.mode``.

    Raises
    ------
    UserError
        Unknown host or team (with a did-you-mean suggestion), or an unknown algorithm or
        mode in an override.
    """
    if host not in lab.hosts:
        listing = ", ".join(sorted(lab.hosts)) or "none"
        raise UserError(f"no host named {host!r}{suggest(host, lab.hosts)} (hosts: {listing})")
    h = lab.hosts[host]
    choices = team_choices(h)
    condition = condition or Condition.none()
    prefix = f"team:{host}:{name}."
    if name in h.teams:
        team = h.teams[name]
        mode_value: object = condition.override(prefix + "mode", team.mode)
        mode = next((m for m in TEAMING_MODES if m == mode_value), None)
        if mode is None:
            raise UserError(
                f"override {prefix}mode: {mode_value!r} is not one of {', '.join(TEAMING_MODES)}"
            )
        if algorithm is not None:
            alg, origin = _algorithm_choice(algorithm, "--algorithm"), "argument"
        elif prefix + "algorithm" in condition.overrides:
            alg = _algorithm_choice(condition.overrides[prefix + "algorithm"], "override")
            origin = "condition"
        elif team.algorithm is not None:
            alg, origin = team.algorithm, "lab"
        else:
            alg, origin = default_lbfo_algorithm(h.os)
        timer: str
        if team.lacp_timer is not None:
            timer, timer_origin = team.lacp_timer, "lab"
        else:
            a = resolve("lbfo.LacpTimer", lab, condition)
            timer, timer_origin = str(a.value), f"default ({a.origin})"
        vswitch = next((vs.name for vs in h.vswitches.values() if vs.uplink == name), None)
        return TeamSpec(
            host=host,
            name=name,
            kind="lbfo",
            mode=mode,
            algorithm=alg,
            algorithm_origin=origin,
            members=tuple(team.members),
            standby=team.standby,
            lacp_timer="Slow" if timer == "Slow" else "Fast",
            lacp_timer_origin=timer_origin,
            interfaces=tuple((i.name, i.vlan) for i in team.interfaces.values()),
            vswitch=vswitch,
            os=h.os,
        )
    vs = h.vswitches.get(name)
    if vs is not None and vs.embedded_teaming:
        if algorithm is not None:
            alg, origin = _algorithm_choice(algorithm, "--algorithm"), "argument"
        elif prefix + "algorithm" in condition.overrides:
            alg = _algorithm_choice(condition.overrides[prefix + "algorithm"], "override")
            origin = "condition"
        elif vs.algorithm is not None:
            alg, origin = vs.algorithm, "lab"
        else:
            a = resolve("set.default_algorithm", lab, condition)
            alg, origin = str(a.value), f"default ({a.key})"
        return TeamSpec(
            host=host,
            name=name,
            kind="set",
            mode="SwitchIndependent",
            algorithm=alg,
            algorithm_origin=origin,
            members=tuple(vs.members),
            standby=None,
            lacp_timer="Fast",
            lacp_timer_origin="n/a (SET has no LACP)",
            interfaces=(),
            vswitch=vs.name,
            os=h.os,
        )
    listing = ", ".join(choices) if choices else "the host has no team and no SET switch"
    raise UserError(
        f"no team or SET switch named {name!r} on host {host}{suggest(name, choices)} "
        f"(teams and SET switches: {listing})"
    )


def inbound_policy(mode: str, algorithm: str) -> InboundPolicy:
    """Return how inbound (switch-to-host) traffic reaches the members.

    Returns
    -------
    {"primary", "affinity", "switch"}
        ``primary``: Switch Independent with an address hash -- all inbound traffic arrives
        on the primary member (New-NetLbfoTeam help). ``affinity``: Switch Independent with
        HyperVPort or Dynamic -- inbound for a vSwitch port arrives on the member the port is
        affinitised to (New-NetLbfoTeam help; "inbound loads ... distributed the same way as
        Hyper-V Port" for Dynamic). ``switch``: Static and LACP -- "the switch determines how
        to distribute the inbound traffic" (NIC Teaming settings). The OVS comparison modes
        map ``balance-slb`` to ``affinity`` (learned source MAC) and ``balance-tcp`` (needs
        LACP) to ``switch``.
    """
    if mode != "SwitchIndependent" or algorithm == "ovs:balance-tcp":
        return "switch"
    if algorithm in ADDRESS_HASH:
        return "primary"
    return "affinity"


def vmq_mode(mode: str, algorithm: str, kind: TeamKind = "lbfo") -> str:
    """Return the VMQ queue mode the team presents to the Hyper-V switch.

    Returns
    -------
    str
        ``SumOfQueues`` for SET (always) and for Switch Independent with HyperVPort or
        Dynamic; ``MinQueues`` otherwise (Microsoft Learn, "NIC Teaming"; "Performance
        Tuning for Hyper-V Servers", Windows Server 2012 R2 table).
    """
    if kind == "set":
        return "SumOfQueues"
    mode_class = "SwitchIndependent" if mode == "SwitchIndependent" else "SwitchDependent"
    alg_class = algorithm if algorithm in ("HyperVPort", "Dynamic") else "AddressHash"
    return VMQ_QUEUE_MODE[(mode_class, alg_class)]


def mac_rules(mode: str, algorithm: str, kind: TeamKind = "lbfo") -> tuple[str, ...]:
    """Return the documented source-MAC and ARP/ND rules of a mode/algorithm, as sentences.

    Source: Microsoft Learn, "NIC Teaming MAC address use and management" (LBFO) and the
    SET section of "RDMA and Switch Embedded Teaming".
    """
    if mode != "SwitchIndependent":
        return ("No source MAC address replacement is performed (switch dependent mode).",)
    if algorithm in ADDRESS_HASH:
        return (
            "The team uses the MAC address of the primary member.",
            "All ARP and NS packets are sent on the primary member.",
            "Traffic sent on members other than the primary has its source MAC replaced "
            "with the MAC of the member it leaves on.",
            "Traffic sent on the primary member keeps its original source MAC.",
        )
    if algorithm == "HyperVPort":
        return (
            "Every vmSwitch port is affinitised to a team member.",
            "Every packet is sent on the member its port is affinitised to.",
            "No source MAC replacement is done.",
        )
    if algorithm == "Dynamic":
        return (
            "Every vmSwitch port is affinitised to a team member.",
            "All ARP/NS packets are sent on the member the port is affinitised to.",
            "Packets sent on the affinitised member keep their source MAC.",
            "Packets sent on any other member have their source MAC replaced.",
        )
    return ("Open vSwitch comparison mode: MAC handling is OVS's, not Windows'.",)


def primary_index(
    members: Sequence[str], standby: str | None, working: Sequence[bool]
) -> tuple[int | None, bool]:
    """Return the index of the primary member and whether it is a temporary primary.

    The configured primary is the first listed non-standby member (assumption
    ``lbfo.primary``); when it does not work, the first working non-standby member is the
    temporary primary, then the standby member if it works.

    Returns
    -------
    tuple
        ``(index or None, temporary)``.
    """
    regular = [i for i, m in enumerate(members) if m != standby]
    if not regular:
        regular = list(range(len(members)))
    configured = regular[0] if regular else None
    if configured is not None and working[configured]:
        return configured, False
    for i in regular:
        if working[i]:
            return i, True
    for i, m in enumerate(members):
        if m == standby and working[i]:
            return i, True
    return None, False
