"""Hyper-V hosts: NICs, LBFO teams, Hyper-V virtual switches (incl. SET), host vNICs.

Windows settings use their PowerShell names and values: ``TeamingMode``
(``SwitchIndependent | Static | Lacp``), ``LoadBalancingAlgorithm``
(``TransportPorts | IPAddresses | MacAddresses | HyperVPort | Dynamic``),
``LacpTimer`` (``Fast | Slow``), ``SwitchType`` (``External | Internal | Private``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from hvlab.model.base import Bytes, LabModel, Speed, VlanId, keyed

__all__ = [
    "AntiVirus",
    "Host",
    "HostVNic",
    "Nic",
    "NicFeature",
    "OsVersion",
    "Team",
    "TeamInterface",
    "VSwitch",
]

OsVersion = Literal[
    "WindowsServer2008",
    "WindowsServer2008R2",
    "WindowsServer2012",
    "WindowsServer2012R2",
    "WindowsServer2016",
    "WindowsServer2019",
    "WindowsServer2022",
    "WindowsServer2025",
]
"""Windows Server versions hvlab knows the defaults of."""

NicFeature = Literal[
    "vmq", "rss", "sriov", "rdma", "tcp_chimney", "dcb", "ipsec_offload", "dot1x", "rsc", "lso"
]
"""Adapter capabilities, named after the advanced properties they stand for."""

TeamingMode = Literal["SwitchIndependent", "Static", "Lacp"]
LoadBalancingAlgorithm = Literal[
    "TransportPorts", "IPAddresses", "MacAddresses", "HyperVPort", "Dynamic"
]


def _nic_short(value: object) -> object:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return {"speed": value}
    return value


class Nic(LabModel):
    """A physical network adapter (``Get-NetAdapter`` and its advanced properties).

    ``mtu`` is the IP MTU (1500, or 9000 with ``JumboPacket`` 9014); ``vlan`` is the
    adapter's ``VlanID`` advanced property (tagging done by the NIC driver).
    """

    name: str
    speed: Speed
    vendor: str = ""
    model: str = ""
    mtu: Annotated[int, Field(ge=576, le=16384)] = 1500
    features: tuple[NicFeature, ...] = ()
    vmq_mode: Literal["SumOfQueues", "MinQueues"] | None = None
    vlan: VlanId | None = None
    ip: str | None = None
    mac: str | None = None
    third_party_team: str | None = None


class TeamInterface(LabModel):
    """A team interface (tNIC, ``Add-NetLbfoTeamNic``); ``vlan`` 0 or unset is the default one."""

    name: str
    vlan: VlanId | None = None


class Team(LabModel):
    """An LBFO team (``New-NetLbfoTeam``).

    ``algorithm`` unset means Windows' default for the host's OS (Dynamic from 2012 R2,
    TransportPorts on 2012). ``lacp_timer`` unset means LBFO's default.
    """

    name: str
    members: tuple[str, ...]
    mode: TeamingMode = "SwitchIndependent"
    algorithm: LoadBalancingAlgorithm | None = None
    standby: str | None = None
    lacp_timer: Literal["Fast", "Slow"] | None = None
    interfaces: Annotated[dict[str, TeamInterface], keyed()] = {}


class VSwitch(LabModel):
    """A Hyper-V virtual switch (``New-VMSwitch``).

    An External switch has an ``uplink`` (a team or NIC) or, for Switch Embedded
    Teaming, ``members`` (``-NetAdapterName a,b -EnableEmbeddedTeaming $true``).
    """

    name: str
    type: Literal["External", "Internal", "Private"] = "External"
    uplink: str | None = None
    members: tuple[str, ...] = ()
    algorithm: Literal["HyperVPort", "Dynamic"] | None = None
    allow_management_os: bool = False
    sriov: bool = False
    bandwidth_mode: Literal["Default", "Weight", "Absolute", "None"] = "Default"

    @property
    def embedded_teaming(self) -> bool:
        """Return True for a SET switch (its members are the team)."""
        return bool(self.members)


class HostVNic(LabModel):
    """A host (management OS) virtual NIC on a virtual switch.

    Created by ``Add-VMNetworkAdapter -ManagementOS``.
    """

    name: str
    switch: str
    vlan: VlanId | None = None
    ip: str | None = None
    role: str | None = None
    rdma: bool = False


class AntiVirus(LabModel):
    """An anti-virus product on a host and what it is told to leave alone."""

    product: str
    version: str = ""
    path_exclusions: tuple[str, ...] = ()
    process_exclusions: tuple[str, ...] = ()
    extension_exclusions: tuple[str, ...] = ()


class Host(LabModel):
    """A Hyper-V host (a physical server running Windows Server with the Hyper-V role)."""

    name: str
    os: OsVersion = "WindowsServer2012R2"
    cpus: Annotated[int, Field(ge=1)] = 16
    memory: Bytes = 128 * 2**30
    host_reserve: Bytes | None = None
    rack: str | None = None
    site: str | None = None
    # Virtual subnets (VSIDs) whose HNV policy (lookup records, Get-NetVirtualizationLookupRecord)
    # this host holds; a VM of another VSID that starts here cannot reach its network.
    hnv_policies: tuple[Annotated[int, Field(ge=4096, le=16777214)], ...] = ()
    integration_services: str | None = None
    nics: Annotated[dict[str, Nic], keyed(_nic_short)] = {}
    teams: Annotated[dict[str, Team], keyed()] = {}
    vswitches: Annotated[dict[str, VSwitch], keyed()] = {}
    vnics: Annotated[dict[str, HostVNic], keyed()] = {}
    antivirus: AntiVirus | None = None
