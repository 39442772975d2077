"""Virtual machines: memory, storage, network adapters, guest teams, replica, guest iSCSI.

Settings carry their ``Get-VM`` / ``Set-VM`` names in snake_case:
``AutomaticStopAction`` (``Save | ShutDown | TurnOff``), ``MemoryStartupBytes``
→ ``memory.startup``, ``DynamicMemoryEnabled`` → ``memory.dynamic``, cluster
group ``Priority`` (``High | Medium | Low | NoAutoStart``), ``AntiAffinityClassNames``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from hvlab.model.base import Bytes, Duration, LabModel, VlanId, keyed

__all__ = ["GuestIscsi", "GuestTeam", "Memory", "Replica", "Vhd", "VirtualMachine", "VmNic"]


def _memory_short(value: object) -> object:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return {"startup": value}
    return value


class Memory(LabModel):
    """VM memory: static (``startup`` only) or dynamic (startup/minimum/maximum/buffer %)."""

    startup: Bytes
    dynamic: bool = False
    minimum: Bytes | None = None
    maximum: Bytes | None = None
    buffer: Annotated[int, Field(ge=5, le=2000)] = 20


def _vhd_short(value: object) -> object:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return {"size": value}
    return value


class Vhd(LabModel):
    """A virtual hard disk: maximum ``size``, bytes ``used`` (dynamic), location."""

    size: Bytes
    used: Bytes | None = None
    type: Literal["Dynamic", "Fixed", "Differencing"] = "Dynamic"
    storage: str | None = None


class VmNic(LabModel):
    """A VM network adapter (``Get-VMNetworkAdapter``) connected to a virtual switch."""

    name: str | None = None
    switch: str
    vlan: VlanId | None = None
    allow_teaming: bool = False
    iov_weight: Annotated[int, Field(ge=0, le=100)] = 0
    vmq_weight: Annotated[int, Field(ge=0, le=100)] = 100
    mac: str | None = None
    ip: str | None = None
    # Set-VMNetworkAdapterFailoverConfiguration: the address Replica injects into the
    # guest when it starts at the replica site (IPv4Address/IPv4SubnetMask/gateway).
    failover_ip: str | None = None
    failover_gateway: str | None = None
    # Hyper-V Network Virtualization (Set-VMNetworkAdapter -VirtualSubnetId): the
    # customer address is kept wherever the VM runs, if the host has the VSID's policy.
    virtual_subnet_id: Annotated[int, Field(ge=4096, le=16777214)] | None = None
    # TTL of the VM's DNS A record: clients keep the old address this long after a
    # failover to a new one (Windows registers dynamic records with 20 minutes).
    dns_ttl: Duration | None = None
    mtu: Annotated[int, Field(ge=576, le=16384)] = 1500
    # Port security of Set-VMNetworkAdapter / Add-VMNetworkAdapterAcl; any of them
    # makes Hyper-V fall back from SR-IOV to the synthetic path.
    dhcp_guard: bool = False
    router_guard: bool = False
    mac_spoofing: bool = False
    port_acls: bool = False


class GuestTeam(LabModel):
    """A team inside the guest OS (supported: SwitchIndependent, address hash, 2 members)."""

    name: str
    members: tuple[str, ...]
    mode: Literal["SwitchIndependent", "Static", "Lacp"] = "SwitchIndependent"
    algorithm: Literal["TransportPorts", "IPAddresses", "MacAddresses", "HyperVPort", "Dynamic"] = (
        "TransportPorts"
    )


class Replica(LabModel):
    """Hyper-V Replica of this VM (``Enable-VMReplication``)."""

    to: str
    frequency: Duration = 300_000
    recovery_points: Annotated[int, Field(ge=0, le=24)] = 0
    change_rate: Bytes | None = None
    initial: Literal["Network", "Shipping"] = "Network"


class GuestIscsi(LabModel):
    """Direct-connect iSCSI from the guest: the VM NICs used and the multipath method."""

    nics: tuple[str, ...]
    target: str | None = None
    multipath: Literal["MPIO", "MCS", "None"] = "MPIO"


class VirtualMachine(LabModel):
    """A Hyper-V virtual machine; clustered when ``cluster`` is set.

    ``host`` is the owner node (``OwnerNode``); ``storage`` names a CSV of the
    VM's cluster or an SMB share ``\\\\server\\share`` where its configuration and
    saved-state files live.
    """

    name: str
    cluster: str | None = None
    host: str | None = None
    state: Literal["Running", "Off", "Saved", "Paused"] = "Running"
    generation: Literal[1, 2] = 2
    cpus: Annotated[int, Field(ge=1, le=240)] = 2
    memory: Annotated[Memory, BeforeValidator(_memory_short)]
    automatic_stop_action: Literal["Save", "ShutDown", "TurnOff"] = "Save"
    storage: str | None = None
    vhds: tuple[Annotated[Vhd, BeforeValidator(_vhd_short)], ...] = ()
    nics: tuple[VmNic, ...] = ()
    guest_teams: Annotated[dict[str, GuestTeam], keyed()] = {}
    integration_services: str | None = None
    guest_os: str | None = None
    priority: Literal["High", "Medium", "Low", "NoAutoStart"] = "Medium"
    preferred_owners: tuple[str, ...] = ()
    possible_owners: tuple[str, ...] = ()
    anti_affinity: tuple[str, ...] = ()
    replica: Replica | None = None
    preferred_site: str | None = None
    iscsi: GuestIscsi | None = None
    boot_time: Duration | None = None
    dirty_rate: Bytes | None = None
    cluster_group_id: str | None = None
    vm_id: str | None = None

    @model_validator(mode="after")
    def _dynamic_memory_bounds(self) -> VirtualMachine:
        mem = self.memory
        if mem.minimum is not None and mem.minimum > mem.startup:
            raise ValueError("memory.minimum is larger than memory.startup")
        if mem.maximum is not None and mem.maximum < mem.startup:
            raise ValueError("memory.maximum is smaller than memory.startup")
        return self
