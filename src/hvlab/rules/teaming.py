"""HV1xx — NIC teaming: LBFO teams, Switch Embedded Teaming, guest teams, SR-IOV.

Most rules read the documented limits the teaming engine checks
(:func:`hvlab.teaming.check_team`, :func:`~hvlab.teaming.check_set`,
:func:`~hvlab.teaming.check_guest_team`): each :class:`~hvlab.teaming.Violation` code
belongs to exactly one rule here (:data:`CODES`). The engine's answers are computed once
per check and shared by every rule (``ctx.cached``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from hvlab.model.lab import Lab
from hvlab.model.network import Link
from hvlab.rules.base import Context, Hit, ObjectPath
from hvlab.rules.registry import rule
from hvlab.teaming import COMPATIBILITY, Violation, check_guest_team, check_set, check_team

_NIC_TEAMING = (
    "https://learn.microsoft.com/windows-server/networking/technologies/nic-teaming/nic-teaming"
)
_SETTINGS = (
    "https://learn.microsoft.com/windows-server/networking/technologies/nic-teaming/"
    "nic-teaming-settings"
)
_SET = (
    "https://learn.microsoft.com/windows-server/virtualization/hyper-v-virtual-switch/"
    "rdma-and-switch-embedded-teaming"
)
_SRIOV = (
    "https://learn.microsoft.com/windows-hardware/drivers/network/"
    "overview-of-single-root-i-o-virtualization--sr-iov-"
)
_NOTE = "Field notes: 'NIC Teaming in Windows 8 & Hyper-V'"

CODES: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "HV101": ("lbfo.features.sriov",),
        "HV102": ("lbfo.features.rdma",),
        "HV103": ("lbfo.features.tcp_chimney",),
        "HV104": ("lbfo.features.dot1x", "set.features.dot1x"),
        "HV105": ("lbfo.members.team",),
        "HV106": ("lbfo.members.third-party", "set.members.third-party"),
        "HV107": ("guest.mode", "guest.algorithm"),
        "HV108": ("guest.members.count",),
        "HV109": ("guest.members.same-switch", "guest.members.external"),
        "HV110": ("guest.members.allow-teaming",),
        "HV111": ("lbfo.members.count",),
        "HV112": ("lbfo.members.speed-mixed",),
        "HV113": ("lbfo.switch.topology", "lbfo.switch.other-aggregator"),
        "HV114": ("lbfo.switch.not-bundled",),
        "HV115": ("lbfo.switch.not-bundled",),
        "HV116": (
            "lbfo.switch.suspended",
            "lbfo.switch.individual",
            "lbfo.switch.static",
            "lbfo.switch.topology",
            "set.switch.suspended",
            "set.switch.individual",
            "set.switch.static",
        ),
        "HV117": ("set.members.identical",),
        "HV118": ("set.members.count",),
        "HV119": ("lbfo.os", "set.os"),
        "HV120": ("lbfo.interfaces.vswitch",),
        "HV123": ("lbfo.vswitch.os",),
        "HV124": ("lbfo.standby.mode", "lbfo.standby.only-member"),
        "HV125": ("lbfo.interfaces.count", "lbfo.interfaces.vlan-duplicate"),
    }
)
"""Rule id → the teaming engine's violation codes it reports (HV113-HV116 split them by
the team's ``TeamingMode``). Codes not listed are informational and not reported:
``lbfo.members.single``, ``lbfo.members.vendors-mixed``, ``lbfo.standby.two-members``,
``guest.host.unknown``, ``set.features.*`` of severity info,
``lbfo.switch.lag-below-min-links`` (a failure state, not a design), and
``lbfo.members.vnic`` (the model refuses a host vNIC as team member, so no lab has one)."""


@dataclass(frozen=True, slots=True)
class _Found:
    """One violation with the lab path of its object and the team's mode."""

    path: ObjectPath
    kind: str  # "lbfo", "set" or "guest"
    owner: str  # host or VM
    name: str  # team, SET switch or guest team
    mode: str
    violation: Violation


def _links_by_host(lab: Lab) -> dict[str, tuple[Link, ...]]:
    out: dict[str, list[Link]] = {}
    for link in lab.links:
        for end in link.endpoints:
            node = end.partition(":")[0]
            if node in lab.hosts:
                out.setdefault(node, []).append(link)
    return {h: tuple(v) for h, v in out.items()}


def _violations(ctx: Context) -> tuple[_Found, ...]:
    """Return every teaming violation of the lab, computed once per check.

    The engine finds a member's cable by scanning ``lab.links``; each host is checked on a
    copy of the lab that holds only that host's cables (the switches and everything else
    unchanged), which gives the same answer in time proportional to the host, not the site.
    """

    def compute() -> tuple[_Found, ...]:
        lab = ctx.lab
        by_host = _links_by_host(lab)
        out: list[_Found] = []
        for host in lab.hosts.values():
            sets = [vs for vs in host.vswitches.values() if vs.embedded_teaming]
            if not host.teams and not sets:
                continue
            view = lab.model_copy(update={"links": by_host.get(host.name, ())})
            for team in host.teams.values():
                path: ObjectPath = ("hosts", host.name, "teams", team.name)
                for v in check_team(view, host.name, team.name):
                    out.append(_Found(path, "lbfo", host.name, team.name, team.mode, v))
            for vs in sets:
                path = ("hosts", host.name, "vswitches", vs.name)
                for v in check_set(view, host.name, vs.name):
                    out.append(_Found(path, "set", host.name, vs.name, "SwitchIndependent", v))
        for vm in lab.vms.values():
            for g in vm.guest_teams.values():
                path = ("vms", vm.name, "guest_teams", g.name)
                for v in check_guest_team(lab, vm.name, g.name):
                    out.append(_Found(path, "guest", vm.name, g.name, g.mode, v))
        return tuple(out)

    found: tuple[_Found, ...] = ctx.cached("teaming.violations", compute)
    return found


def _hits(
    ctx: Context,
    rule_id: str,
    keep: Callable[[_Found], bool] = lambda f: True,
) -> Iterator[Hit]:
    """Yield one hit per object for the violations of ``rule_id``, details joined."""
    codes = set(CODES[rule_id])
    grouped: dict[ObjectPath, list[_Found]] = {}
    for f in _violations(ctx):
        if f.violation.code in codes and keep(f):
            grouped.setdefault(f.path, []).append(f)
    for path, items in grouped.items():
        first = items[0]
        details = list(dict.fromkeys(i.violation.message for i in items))
        yield Hit(
            path,
            {
                "owner": first.owner,
                "team": first.name,
                "mode": first.mode,
                "kind": {"lbfo": "team", "set": "SET switch", "guest": "guest team"}[first.kind],
                "detail": "; ".join(details),
            },
        )


def _feature_rule_check(rule_id: str, feature: str) -> Callable[[Context], Iterator[Hit]]:
    def check(ctx: Context) -> Iterator[Hit]:
        ctx.require("host_nics", "nic_features")
        yield from _hits(ctx, rule_id)

    check.__doc__ = (
        f"Fire for each team (LBFO, or SET where the compatibility table says so) with a "
        f"member NIC that has `{feature}` among its features (hvlab.teaming.COMPATIBILITY)."
    )
    return check


# --- Features that do not mix with LBFO ---------------------------------------------------
rule(
    "HV101",
    title="SR-IOV NICs in an LBFO team",
    severity=COMPATIBILITY[("LBFO", "sriov")].severity,
    message="{owner}/{team}: {detail}",
    rationale=(
        "SR-IOV virtual functions bypass the Hyper-V switch and the team, so a team does "
        "not expose SR-IOV: VMs asking for it on a switch over this team silently get the "
        "synthetic path, and a host team could not fail over their traffic anyway. The "
        "field notes: 'Once you team NICs they do not expose SR-IOV on top of that'."
    ),
    fix=(
        "Take the SR-IOV NICs out of {team}: give each its own external switch "
        "(New-VMSwitch -EnableIov $true) and team inside the guest, or use SET on Windows "
        "Server 2016 or later."
    ),
    references=(_NIC_TEAMING, _NOTE),
    example="teams: {T: {members: [SRIOV-A, SRIOV-B]}}  # both NICs have features: [sriov]",
)(_feature_rule_check("HV101", "sriov"))

rule(
    "HV102",
    title="RDMA NICs in an LBFO team",
    severity=COMPATIBILITY[("LBFO", "rdma")].severity,
    message="{owner}/{team}: {detail}",
    rationale=(
        "RDMA (SMB Direct) needs a unique IP address per RDMA NIC and cannot be enabled on "
        "adapters bound to an LBFO team: SMB falls back to TCP and the bandwidth and CPU "
        "savings are gone. The field notes: 'This excludes NIC teaming being used with RDMA'."
    ),
    fix=(
        "Remove the RDMA NICs from {team} and give each its own IP address (SMB "
        "Multichannel aggregates them), or create a SET switch with RDMA host vNICs "
        "(Windows Server 2016+)."
    ),
    references=(
        "https://learn.microsoft.com/windows-server/virtualization/hyper-v-virtual-switch/"
        "rdma-and-switch-embedded-teaming",
        _NOTE,
    ),
)(_feature_rule_check("HV102", "rdma"))

rule(
    "HV103",
    title="TCP Chimney offload NICs in an LBFO team",
    severity=COMPATIBILITY[("LBFO", "tcp_chimney")].severity,
    message="{owner}/{team}: {detail}",
    rationale=(
        "TCP Chimney offloads whole connections to the NIC, which a team cannot distribute "
        "or fail over: it is not supported with NIC Teaming (field notes: 'TCP Chimney is "
        "not supported with network adapter teaming')."
    ),
    fix=(
        "Disable TCP Chimney on the members of {team} (netsh int tcp set global "
        "chimney=disabled; the adapter's TCP Connection Offload property)."
    ),
    references=(_NIC_TEAMING, _NOTE),
)(_feature_rule_check("HV103", "tcp_chimney"))

rule(
    "HV104",
    title="802.1X-authenticated NICs in a team",
    severity=COMPATIBILITY[("LBFO", "dot1x")].severity,
    message="{owner}/{team}: {detail}",
    rationale=(
        "802.1X should not be used with NIC Teaming (some switches do not permit 802.1X "
        "and teaming on the same port), and the Hyper-V switch drops EAP frames in SET "
        "scenarios: ports stay unauthorised."
    ),
    fix="Authenticate the ports of {team} by another means or take the NICs out of the team.",
    references=(_NIC_TEAMING, _SET),
)(_feature_rule_check("HV104", "dot1x"))


# --- Stacking teams -------------------------------------------------------------------------
@rule(
    "HV105",
    title="A team of teams",
    severity="error",
    message="{owner}/{team}: {detail}",
    rationale=(
        "Windows NIC Teaming cannot team team interfaces, in the host or in a VM (field "
        "notes: 'you can't team teamed NIC whether it is in the host or parent or in "
        "virtual machines itself')."
    ),
    fix="Make {team} one team of the physical NICs, with team interfaces for the VLANs.",
    references=(_NIC_TEAMING, _NOTE),
)
def team_of_teams(ctx: Context) -> Iterator[Hit]:
    """Fire for each LBFO team with a member that is itself a team."""
    ctx.require("teaming")
    yield from _hits(ctx, "HV105")


@rule(
    "HV106",
    title="Windows teaming over a third-party team",
    severity="error",
    message="{owner}/{team}: {detail}",
    rationale=(
        "A vendor team (Intel ANS, Broadcom BASP) presents one virtual adapter; Windows "
        "NIC Teaming and SET do not support teaming such adapters (field notes: 'no "
        "support for using Windows NIC teaming to team two teams created with 3rd party "
        "(Intel or Broadcom) solutions')."
    ),
    fix=(
        "Remove the vendor teams and team the physical NICs with Windows NIC Teaming (or SET) only."
    ),
    references=(_NIC_TEAMING, _NOTE),
)
def third_party_team(ctx: Context) -> Iterator[Hit]:
    """Fire for each LBFO team or SET switch with a member of a third-party team."""
    ctx.require("host_nics")
    yield from _hits(ctx, "HV106")


# --- Guest teams -----------------------------------------------------------------------------
_GUEST = (
    "Teams inside a VM are supported only in Switch Independent mode with an address hash "
    "algorithm, with two members, each VM adapter on a different external Hyper-V switch "
    "and allowed to team (field notes: 'teams created in a virtual machine can only run "
    "in Switch Independent configuration, Address Hash distribution mode')."
)


@rule(
    "HV107",
    title="Guest team not SwitchIndependent with an address hash",
    severity="error",
    message="{owner}/{team}: {detail}",
    rationale=_GUEST
    + " A VM cannot negotiate LACP or a static bundle with the physical switch, and "
    "HyperVPort/Dynamic need a Hyper-V switch port under the team.",
    fix=(
        "Inside {owner}: Set-NetLbfoTeam {team} -TeamingMode SwitchIndependent "
        "-LoadBalancingAlgorithm TransportPorts (or IPAddresses / MacAddresses)."
    ),
    references=(_NIC_TEAMING, _NOTE),
)
def guest_team_mode(ctx: Context) -> Iterator[Hit]:
    """Fire for each guest team whose mode or algorithm a VM cannot use."""
    ctx.require("guest_config")
    yield from _hits(ctx, "HV107")


@rule(
    "HV108",
    title="Guest team without exactly two members",
    severity="error",
    message="{owner}/{team}: {detail}",
    rationale=_GUEST,
    fix="Give {team} in {owner} exactly two VM network adapters, each on its own switch.",
    references=(_NIC_TEAMING,),
)
def guest_team_members(ctx: Context) -> Iterator[Hit]:
    """Fire for each guest team with fewer or more than two members."""
    ctx.require("guest_config")
    yield from _hits(ctx, "HV108")


@rule(
    "HV109",
    title="Guest team members not each on their own external switch",
    severity="error",
    message="{owner}/{team}: {detail}",
    rationale=_GUEST
    + " Two members on one Hyper-V switch share its uplink: the team survives no NIC or "
    "switch failure. A member on an Internal or Private switch cannot reach the network.",
    fix=(
        "Connect each member adapter of {team} to a different External Hyper-V switch "
        "(Connect-VMNetworkAdapter -VMName {owner} -Name ... -SwitchName ...)."
    ),
    references=(_NIC_TEAMING, _NOTE),
)
def guest_team_switches(ctx: Context) -> Iterator[Hit]:
    """Fire for each guest team with two members on one switch or one on a non-External one."""
    ctx.require("guest_config", "vm_nics", "vswitches")
    yield from _hits(ctx, "HV109")


@rule(
    "HV110",
    title="Guest team member without AllowTeaming",
    severity="error",
    message="{owner}/{team}: {detail}",
    rationale=(
        "Unless the VM adapter allows teaming, the Hyper-V switch drops frames the guest "
        "team sends with the other member's MAC address, so failover inside the guest "
        "loses traffic."
    ),
    fix="Set-VMNetworkAdapter -VMName {owner} -Name <adapter> -AllowTeaming On",
    references=(_NIC_TEAMING,),
)
def guest_team_allow(ctx: Context) -> Iterator[Hit]:
    """Fire for each guest team with a member adapter that does not allow teaming."""
    ctx.require("guest_config", "vm_nics")
    yield from _hits(ctx, "HV110")


# --- LBFO limits ----------------------------------------------------------------------------
@rule(
    "HV111",
    title="An LBFO team with no members or more than 32",
    severity="error",
    message="{owner}/{team}: {detail}",
    rationale=(
        "Windows NIC Teaming supports one to 32 members per team (field notes: 'You can "
        "have up to 32 NIC in a single team'); New-NetLbfoTeam refuses more."
    ),
    fix="Split {team} into teams of at most 32 NICs (or SET switches of at most 8).",
    references=(_NIC_TEAMING, _NOTE),
)
def team_size(ctx: Context) -> Iterator[Hit]:
    """Fire for each LBFO team with 0 or more than 32 members."""
    ctx.require("teaming")
    yield from _hits(ctx, "HV111")


@rule(
    "HV112",
    title="Team members of different speeds",
    severity="warning",
    message="{owner}/{team}: {detail}",
    rationale=(
        "The load-balancing algorithms ignore link speed: a flow or VM hashed to the slow "
        "member gets its speed, and when the fast member fails everything runs at the "
        "slow one's. The field notes: 'this is not necessarily a good idea. The best "
        "option is to use NICs of the same speed.'"
    ),
    fix="Team NICs of one speed in {team}; move the slower NIC to another team or role.",
    references=(_NIC_TEAMING, _NOTE),
)
def team_mixed_speed(ctx: Context) -> Iterator[Hit]:
    """Fire for each LBFO team whose members do not all have the same speed."""
    ctx.require("host_nics")
    yield from _hits(ctx, "HV112")


# --- The switch side ---------------------------------------------------------------------
def _switch_dependent(f: _Found) -> bool:
    # The engine also reports a port-channel held down by min_links under the topology
    # code; only the "more than one switch or bundle" note belongs here.
    if f.violation.code == "lbfo.switch.topology" and not f.violation.message.startswith(
        "members end on more than one switch"
    ):
        return False
    return f.kind == "lbfo" and f.mode != "SwitchIndependent"


@rule(
    "HV113",
    title="Switch-dependent team cabled to switches that are not one logical switch",
    severity="error",
    message="{owner}/{team} ({mode}): {detail}",
    rationale=(
        "Static and LACP teams need every member on one switch, or on a stack / MLAG pair "
        "that shares one switch ID (field notes: 'this requires all the NICs in the team "
        "to be connected to the same switch unless you have stackable switches'). "
        "Otherwise LACP aggregates with one switch only, and a Static team sends its MAC "
        "into two independent switches (MAC flapping, lost inbound traffic)."
    ),
    fix=(
        "Cable every member of {team} to one switch or stack and put the ports in one "
        "port-channel, or make the team SwitchIndependent."
    ),
    references=(_SETTINGS, _NOTE),
)
def team_split_switches(ctx: Context) -> Iterator[Hit]:
    """Fire for each Static/Lacp team whose members end on more than one switch or bundle."""
    ctx.require("teaming", "switches", "links")
    yield from _hits(ctx, "HV113", _switch_dependent)


@rule(
    "HV114",
    title="LACP team against switch ports that do not run LACP",
    severity="error",
    message="{owner}/{team}: {detail}",
    rationale=(
        "A Lacp team waits for LACPDUs; against a static port-channel ('mode on') or plain "
        "ports none come back, the members stay Defaulted and Windows does not use them "
        "(FailureReason LacpNegotiationIssue) while the switch keeps sending to them."
    ),
    fix=(
        "Make the switch ports of {team} an LACP port-channel (channel-group N mode "
        "active), or set the team to the mode the switch runs."
    ),
    references=(_SETTINGS, "IEEE 802.1AX-2014 6.4"),
)
def lacp_against_static(ctx: Context) -> Iterator[Hit]:
    """Fire for each Lacp team with a member whose switch port is not in an LACP bundle."""
    ctx.require("teaming", "switches", "links")
    yield from _hits(ctx, "HV114", lambda f: f.kind == "lbfo" and f.mode == "Lacp")


@rule(
    "HV115",
    title="Static team on switch ports without a port-channel",
    severity="error",
    message="{owner}/{team}: {detail}",
    rationale=(
        "A Static (generic) team sends its MAC address out of every member; the switch, "
        "not told the ports form a bundle, learns it on each port in turn (MAC flapping) "
        "and sends inbound traffic to whichever port learned it last. Nothing detects it: "
        "Static teaming has no protocol."
    ),
    fix=(
        "Put the switch ports of {team} in one static port-channel (channel-group N mode "
        "on), or make the team SwitchIndependent."
    ),
    references=(_SETTINGS,),
)
def static_without_channel(ctx: Context) -> Iterator[Hit]:
    """Fire for each Static team with a member on a switch port that is in no port-channel."""
    ctx.require("teaming", "switches", "links")
    yield from _hits(ctx, "HV115", lambda f: f.kind == "lbfo" and f.mode == "Static")


@rule(
    "HV116",
    title="Team mode does not match the switch port-channel",
    severity="error",
    message="{owner}/{team} ({mode}): {detail}",
    rationale=(
        "A team that runs no LACP against an LACP port-channel is suspended or runs as "
        "individual links while Windows shows the member up; a Switch Independent team "
        "(and SET, which is switch independent only) must not be in a port-channel at all, "
        "or the switch spreads inbound traffic by its own hash and the team's receive side "
        "breaks."
    ),
    fix=(
        "Configure the switch ports of {team} for its mode: no port-channel for "
        "SwitchIndependent and SET, a static channel for Static, LACP for Lacp."
    ),
    references=(_SETTINGS, _SET),
)
def team_channel_mismatch(ctx: Context) -> Iterator[Hit]:
    """Fire for each team or SET switch whose members sit in the wrong kind of port-channel."""
    ctx.require("teaming", "switches", "links")

    def keep(f: _Found) -> bool:
        if f.violation.code == "lbfo.switch.topology":
            return f.kind == "lbfo" and f.mode == "SwitchIndependent"
        return True

    yield from _hits(ctx, "HV116", keep)


# --- SET ------------------------------------------------------------------------------------
@rule(
    "HV117",
    title="SET members that are not identical NICs",
    severity="error",
    message="{owner}/{team}: {detail}",
    rationale=(
        "Switch Embedded Teaming requires identical members: same manufacturer, model, "
        "firmware and driver (and so the same speed)."
    ),
    fix="Build {team} from identical adapters.",
    references=(_SET,),
)
def set_identical(ctx: Context) -> Iterator[Hit]:
    """Fire for each SET switch whose members differ in vendor, model or speed."""
    ctx.require("host_nics", "vswitches")
    yield from _hits(ctx, "HV117")


@rule(
    "HV118",
    title="SET switch with no members or more than eight",
    severity="error",
    message="{owner}/{team}: {detail}",
    rationale="A SET team has one to eight physical NICs.",
    fix="Use at most eight NICs in {team}.",
    references=(_SET,),
)
def set_size(ctx: Context) -> Iterator[Hit]:
    """Fire for each SET switch with 0 or more than 8 members."""
    ctx.require("vswitches")
    yield from _hits(ctx, "HV118")


@rule(
    "HV119",
    title="Teaming on a Windows version that does not have it",
    severity="error",
    message="{owner}/{team}: {detail}",
    rationale=(
        "In-box NIC Teaming (LBFO) arrived with Windows Server 2012; before it teams were "
        "vendor software. Switch Embedded Teaming needs Windows Server 2016."
    ),
    fix="Upgrade {owner}, or use the vendor's supported teaming on that version.",
    references=(_NIC_TEAMING, _SET),
)
def teaming_os(ctx: Context) -> Iterator[Hit]:
    """Fire for each LBFO team before 2012 and each SET switch before 2016."""
    ctx.require("host_os")
    yield from _hits(ctx, "HV119")


@rule(
    "HV120",
    title="VLAN team interfaces on a team under a Hyper-V switch",
    severity="error",
    message="{owner}/{team}: {detail}",
    rationale=(
        "When a team is bound to a Hyper-V switch all VLAN separation must be done in the "
        "Hyper-V switch, not in team interfaces: traffic of tagged team interfaces and of "
        "the switch's VM ports is mixed up on the default interface."
    ),
    fix=(
        "Remove the extra team interfaces of {team}; give host vNICs on the Hyper-V switch "
        "their VLANs (Set-VMNetworkAdapterVlan -ManagementOS -Access -VlanId N)."
    ),
    references=(_NIC_TEAMING,),
)
def vswitch_team_vlans(ctx: Context) -> Iterator[Hit]:
    """Fire for each team bound to a Hyper-V switch that has VLAN or extra team interfaces."""
    ctx.require("teaming", "vswitches")
    yield from _hits(ctx, "HV120")


# --- SR-IOV on VM adapters --------------------------------------------------------------
_GUARDS = ("dhcp_guard", "router_guard", "mac_spoofing", "port_acls")


@rule(
    "HV121",
    title="SR-IOV silently disabled by port security on a VM adapter",
    severity="warning",
    message="{vm} adapter {nic} asks for SR-IOV (IovWeight {weight}) on {switch} but has "
    "{guards}: Hyper-V falls back to the synthetic path",
    rationale=(
        "Port security policies (DHCP guard, router guard, MAC spoofing, port ACLs) are "
        "enforced in the Hyper-V switch, which SR-IOV traffic bypasses; so Hyper-V turns "
        "SR-IOV off for an adapter with any of them and nothing says so. Field notes: "
        "'any advanced feature like security policies on the (virtual) switch will disable "
        "SR-IOV'."
    ),
    fix=(
        "Either drop the policies on {vm}'s adapter (Set-VMNetworkAdapter -DhcpGuard Off "
        "-RouterGuard Off -MacAddressSpoofing Off; Remove-VMNetworkAdapterAcl) or set its "
        "IovWeight to 0 and accept the synthetic path."
    ),
    references=(_SRIOV, _NOTE),
)
def sriov_port_security(ctx: Context) -> Iterator[Hit]:
    """Fire for each VM adapter with IovWeight > 0 on an SR-IOV switch and a port policy."""
    ctx.require("vm_nics", "vswitches")
    lab = ctx.lab
    for vm in lab.vms.values():
        host = lab.hosts.get(vm.host) if vm.host else None
        if host is None:
            continue
        for i, nic in enumerate(vm.nics):
            if nic.iov_weight <= 0:
                continue
            vs = host.vswitches.get(nic.switch)
            if vs is None or not vs.sriov:
                continue
            guards = [g for g in _GUARDS if getattr(nic, g)]
            if guards:
                yield Hit(
                    ("vms", vm.name, "nics", i),
                    {
                        "vm": vm.name,
                        "nic": nic.name or f"#{i + 1}",
                        "weight": nic.iov_weight,
                        "switch": vs.name,
                        "guards": ", ".join(guards),
                    },
                )


@rule(
    "HV122",
    title="VM adapter asks for SR-IOV on a switch that cannot provide it",
    severity="warning",
    message="{vm} adapter {nic} has IovWeight {weight} but {why}",
    rationale=(
        "IovWeight only requests a virtual function. The switch must be created with "
        "SR-IOV (-EnableIov $true, which cannot be changed later) on a NIC that supports "
        "it, and a switch over an LBFO team gets none: teamed NICs do not expose SR-IOV "
        "(field notes). The VM runs on the synthetic path without a warning."
    ),
    fix=(
        "Move {vm}'s adapter to an SR-IOV switch on a single SR-IOV NIC (team in the "
        "guest for redundancy), or set its IovWeight to 0."
    ),
    references=(_SRIOV, _NOTE),
)
def sriov_unavailable(ctx: Context) -> Iterator[Hit]:
    """Fire for each VM adapter with IovWeight > 0 whose switch has no SR-IOV to give."""
    ctx.require("vm_nics", "vswitches", "nic_features")
    lab = ctx.lab
    for vm in lab.vms.values():
        host = lab.hosts.get(vm.host) if vm.host else None
        if host is None:
            continue
        for i, nic in enumerate(vm.nics):
            if nic.iov_weight <= 0:
                continue
            vs = host.vswitches.get(nic.switch)
            if vs is None:
                continue
            why = ""
            if not vs.sriov:
                why = f"switch {vs.name} was not created with SR-IOV enabled"
            elif vs.type != "External":
                why = f"switch {vs.name} is {vs.type}"
            elif vs.uplink is not None and vs.uplink in host.teams:
                why = f"switch {vs.name} is on LBFO team {vs.uplink}, which exposes no SR-IOV"
            else:
                uplinks = vs.members or ((vs.uplink,) if vs.uplink else ())
                lacking = [
                    n for n in uplinks if n in host.nics and "sriov" not in host.nics[n].features
                ]
                if lacking:
                    why = f"its uplink {', '.join(lacking)} does not support SR-IOV"
            if why:
                yield Hit(
                    ("vms", vm.name, "nics", i),
                    {
                        "vm": vm.name,
                        "nic": nic.name or f"#{i + 1}",
                        "weight": nic.iov_weight,
                        "why": why,
                    },
                )


@rule(
    "HV123",
    title="LBFO team under a Hyper-V switch on Windows Server 2022 or later",
    severity="error",
    message="{owner}/{team}: {detail}",
    rationale=(
        "From Windows Server 2022 a Hyper-V switch can no longer be bound to an LBFO team "
        "(LBFO is deprecated for Hyper-V); SET replaces it."
    ),
    fix="Convert {team} to a SET switch (New-VMSwitch -EnableEmbeddedTeaming $true).",
    references=("https://github.com/microsoft/Convert-LBFO2SET", _SET),
)
def lbfo_vswitch_2022(ctx: Context) -> Iterator[Hit]:
    """Fire for each LBFO team bound to a Hyper-V switch on Windows Server 2022+."""
    ctx.require("host_os", "vswitches")
    yield from _hits(ctx, "HV123")


@rule(
    "HV124",
    title="Standby member that cannot work",
    severity="error",
    message="{owner}/{team}: {detail}",
    rationale=(
        "A standby member exists only in Switch Independent mode (switch-dependent teams "
        "use every member), and a team whose only member is standby has no active member."
    ),
    fix=(
        "Clear the standby member of {team} (Set-NetLbfoTeamMember -AdministrativeMode "
        "Active) or make the team SwitchIndependent."
    ),
    references=(_SETTINGS,),
)
def team_standby(ctx: Context) -> Iterator[Hit]:
    """Fire for each team with a standby member in a switch-dependent mode or as only member."""
    ctx.require("teaming")
    yield from _hits(ctx, "HV124")


@rule(
    "HV125",
    title="Team interfaces that clash or exceed 32",
    severity="error",
    message="{owner}/{team}: {detail}",
    rationale=(
        "A team has one default interface and at most 32 interfaces, each in its own VLAN; "
        "two interfaces claiming one VLAN cannot both receive its frames."
    ),
    fix="Give each team interface of {team} its own VLAN and keep at most 32.",
    references=(_NIC_TEAMING,),
)
def team_interfaces(ctx: Context) -> Iterator[Hit]:
    """Fire for each team with duplicate-VLAN team interfaces or more than 32 of them."""
    ctx.require("teaming")
    yield from _hits(ctx, "HV125")
