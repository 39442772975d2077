"""Flow batches for the teaming engine, and a seeded generator of realistic ones.

A :class:`FlowBatch` is a :class:`~hvlab.teaming.hashing.FlowArrays` (the header fields
the hashes read, one row per flow record) plus what load balancing over time needs: the
endpoint (VM NIC, host vNIC or team interface) each flow comes from, the bytes it
receives, when it starts and how long it lasts, and the mean idle gap between its bursts
(for Dynamic's flowlets). Several records may belong to one transport stream (same
5-tuple, later start), as flow exports report long streams.

:func:`generate_flows` draws a batch from ``numpy.random.default_rng(seed)``: the same
arguments give the same batch, bit for bit. Sizes are heavy-tailed: most flows are mice
(log-normal, median 20 KB), a few are elephants (Pareto, alpha 1.2, from 10 MB) that carry
most of the bytes. :func:`lab_endpoints` finds the endpoints behind a team in a lab (the
VMs on its Hyper-V switch with their MACs, IPs and switch ports; host vNICs; or the team
interfaces of a team without a switch).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray

from hvlab.model.lab import Lab
from hvlab.teaming.hashing import (
    ETH_P_IP,
    IPPROTO_TCP,
    IPPROTO_UDP,
    FlowArrays,
    mac_to_int,
)
from hvlab.teaming.modes import TeamSpec

__all__ = [
    "DEFAULT_WINDOW_S",
    "Endpoint",
    "FlowBatch",
    "generate_flows",
    "lab_endpoints",
    "synthetic_endpoints",
    "team_flows",
]

#: Length of the interval a generated batch describes.
DEFAULT_WINDOW_S: Final = 60.0
_GATEWAY_MAC: Final = 0x0000_0C9F_F001
_HYPERV_OUI: Final = 0x00155D000000
_LINE_BPS: Final = 10e9
_BURST_US: Final = 65536 * 8 / _LINE_BPS * 1e6
_SERVICE_PORTS: Final = np.array([443, 80, 445, 1433, 3389, 53, 5985, 135, 3260, 8080], np.uint16)

EndpointKind = Literal["vm", "host-vnic", "team-interface", "synthetic"]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A source of team traffic: a VM network adapter, a host vNIC or a team interface.

    Attributes
    ----------
    name : str
        ``VM`` or ``VM/adapter`` for a VM with several adapters, ``HOST:vnic`` for a host
        vNIC, the team interface name, or ``vmNN`` for synthetic endpoints.
    kind : {"vm", "host-vnic", "team-interface", "synthetic"}
        What it is.
    vm : str or None
        The VM it belongs to.
    mac, ip : int
        Source MAC (48-bit) and IPv4 address.
    vswitch_port : int
        Hyper-V switch port number (0 for a team interface: no switch port).
    vlan : int
        802.1Q VLAN of its frames (0 untagged).
    """

    name: str
    kind: EndpointKind
    vm: str | None
    mac: int
    ip: int
    vswitch_port: int
    vlan: int


@dataclass(frozen=True, slots=True, eq=False)
class FlowBatch:
    """Flows of one team over a window of time.

    Attributes
    ----------
    arrays : FlowArrays
        Header fields of the outbound direction (``bytes``: bytes the endpoint sends).
    endpoint : numpy.ndarray of int32
        Index into ``endpoints`` of each flow's source.
    endpoints : tuple of Endpoint
        The sources.
    inbound_bytes : numpy.ndarray of uint64
        Bytes each flow receives (the reverse direction).
    start_s, duration_s : numpy.ndarray of float64 or None
        When each flow starts within the window and how long it lasts; None for a batch
        without timing (every flow then runs at a constant rate over the whole window).
    idle_gap_us : numpy.ndarray of float32 or None
        Mean idle gap between a flow's bursts (Dynamic flowlets); None to use the
        ``lbfo.dynamic.idle_gap`` setting for every flow.
    window_s : float
        Length of the window.
    seed : int or None
        The generator seed, when generated.
    """

    arrays: FlowArrays
    endpoint: NDArray[np.int32]
    endpoints: tuple[Endpoint, ...]
    inbound_bytes: NDArray[np.uint64]
    start_s: NDArray[np.float64] | None
    duration_s: NDArray[np.float64] | None
    idle_gap_us: NDArray[np.float32] | None
    window_s: float
    seed: int | None

    def __len__(self) -> int:
        return len(self.arrays)

    @property
    def timed(self) -> bool:
        """Whether flows carry start times and durations."""
        return self.start_s is not None and self.duration_s is not None

    @classmethod
    def from_arrays(
        cls,
        arrays: FlowArrays,
        *,
        window_s: float = DEFAULT_WINDOW_S,
        inbound_bytes: NDArray[np.uint64] | None = None,
    ) -> FlowBatch:
        """Wrap a bare :class:`FlowArrays`: one endpoint per distinct vSwitch port.

        Flows have no timing (constant rate over the window); inbound bytes default to the
        outbound ones.
        """
        # The first row of each port gives its MAC, IP and VLAN.
        ports, first, inverse = np.unique(
            arrays.vswitch_port, return_index=True, return_inverse=True
        )
        endpoints = tuple(
            Endpoint(
                name=f"port{int(p)}",
                kind="synthetic",
                vm=None,
                mac=int(arrays.src_mac[i]),
                ip=int(arrays.src_ip[i]),
                vswitch_port=int(p),
                vlan=int(arrays.vlan[i]),
            )
            for p, i in zip(ports, first, strict=True)
        )
        return cls(
            arrays=arrays,
            endpoint=inverse.astype(np.int32).reshape(-1),
            endpoints=endpoints,
            inbound_bytes=arrays.bytes.copy() if inbound_bytes is None else inbound_bytes,
            start_s=None,
            duration_s=None,
            idle_gap_us=None,
            window_s=window_s,
            seed=None,
        )


def synthetic_endpoints(count: int = 16) -> tuple[Endpoint, ...]:
    """Return ``count`` synthetic VM endpoints (Hyper-V MACs, 10.0.0.0/16, ports 1..count)."""
    return tuple(
        Endpoint(
            name=f"vm{k + 1:02d}",
            kind="synthetic",
            vm=None,
            mac=_HYPERV_OUI + 0x10 + k,
            ip=0x0A000000 + 10 + k,
            vswitch_port=k + 1,
            vlan=0,
        )
        for k in range(count)
    )


def _mac(text: str | None, fallback: int) -> int:
    if text:
        try:
            return mac_to_int(text)
        except ValueError:
            return fallback
    return fallback


def _ip(text: str | None, fallback: int) -> int:
    if text:
        try:
            return int(ipaddress.IPv4Address(text.split("/")[0]))
        except ValueError:
            return fallback
    return fallback


def lab_endpoints(lab: Lab, spec: TeamSpec) -> tuple[Endpoint, ...]:
    """Return the traffic sources behind a team in ``lab``.

    For a team bound to a Hyper-V switch (or a SET switch): every adapter of every VM on
    this host connected to that switch (VMs by name, adapters in order; switch ports
    numbered from 1 in that order), then the host vNICs on the switch (and one
    management-OS port when ``allow_management_os`` is set without vNICs). For a team
    without a switch: its team interfaces (one default interface when none are listed),
    all sending with the team's MAC (the first member's) and no switch port. MACs and IPs
    are the lab's when it gives them, else derived from the port number (``00:15:5d:...``,
    ``10.0.x.y``).

    Returns
    -------
    tuple of Endpoint
        Possibly empty (a switch with no VM on this host).
    """
    host = lab.hosts[spec.host]
    out: list[Endpoint] = []
    if spec.vswitch is not None:
        port = 0
        for vm in sorted(lab.vms.values(), key=lambda v: v.name):
            if vm.host != spec.host:
                continue
            nics = [n for n in vm.nics if n.switch == spec.vswitch]
            for k, nic in enumerate(nics):
                port += 1
                name = vm.name if len(nics) == 1 else f"{vm.name}/{nic.name or k}"
                out.append(
                    Endpoint(
                        name=name,
                        kind="vm",
                        vm=vm.name,
                        mac=_mac(nic.mac, _HYPERV_OUI + port),
                        ip=_ip(nic.ip, 0x0A000000 + port),
                        vswitch_port=port,
                        vlan=nic.vlan or 0,
                    )
                )
        vnics = [v for v in host.vnics.values() if v.switch == spec.vswitch]
        for v in sorted(vnics, key=lambda v: v.name):
            port += 1
            out.append(
                Endpoint(
                    f"{spec.host}:{v.name}",
                    "host-vnic",
                    None,
                    _HYPERV_OUI + port,
                    _ip(v.ip, 0x0A000000 + port),
                    port,
                    v.vlan or 0,
                )
            )
        vs = host.vswitches[spec.vswitch]
        if not vnics and vs.allow_management_os:
            port += 1
            out.append(
                Endpoint(
                    f"{spec.host}:management",
                    "host-vnic",
                    None,
                    _HYPERV_OUI + port,
                    0x0A000000 + port,
                    port,
                    0,
                )
            )
        return tuple(out)
    first = host.nics.get(spec.members[0]) if spec.members else None
    team_mac = _mac(first.mac if first else None, 0x02_00_00_00_00_01)
    interfaces = spec.interfaces or ((spec.name, None),)
    for k, (name, vlan) in enumerate(interfaces):
        out.append(
            Endpoint(name, "team-interface", None, team_mac, 0x0A640000 + 10 + k, 0, vlan or 0)
        )
    return tuple(out)


def generate_flows(
    n: int,
    seed: int,
    endpoints: Sequence[Endpoint] | None = None,
    *,
    window_s: float = DEFAULT_WINDOW_S,
    udp_share: float = 0.2,
    elephant_share: float = 0.02,
    continuation_share: float = 0.1,
    local_share: float = 0.2,
) -> FlowBatch:
    """Draw a reproducible batch of ``n`` flow records from ``endpoints``.

    Parameters
    ----------
    n : int
        Number of flow records.
    seed : int
        Seed of ``numpy.random.default_rng``: same arguments, same batch.
    endpoints : sequence of Endpoint, optional
        Traffic sources; 16 synthetic VMs by default. Endpoint ``k`` is picked with weight
        proportional to ``1 / (k + 1) ** 0.8`` (a few busy VMs, many quiet ones).
    window_s : float
        Length of the window the flows fall in.
    udp_share : float
        Fraction of UDP flows (the rest TCP).
    elephant_share : float
        Fraction of elephants: Pareto(1.2) sizes from 10 MB (capped at 50 GB), median
        rate 2 Gbit/s. Mice: log-normal sizes (median 20 KB, sigma 1.5), median rate
        50 Mbit/s. A flow's mean idle gap is that of 64 KiB TSO bursts on 10 GbE at its
        rate, ``52.4 us * (10 Gbit/s / rate - 1)`` (log-normal noise, sigma 0.5): a
        line-rate flow has almost no idle time, a slow one idles between every burst.
    continuation_share : float
        Fraction of records that continue an earlier stream (same endpoint, addresses,
        protocol and ports; own start time and size).
    local_share : float
        Fraction of flows to a peer on the same subnet (destination MAC is the peer's);
        the rest go through the gateway (one destination MAC).

    Returns
    -------
    FlowBatch
        The batch (IPv4 only).
    """
    if n < 1:
        raise ValueError("a flow batch needs at least one flow")
    eps = tuple(endpoints) if endpoints else synthetic_endpoints()
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, len(eps) + 1, dtype=np.float64) ** 0.8
    ep = rng.choice(len(eps), size=n, p=weights / weights.sum()).astype(np.int32)
    ep_mac = np.array([e.mac for e in eps], dtype=np.uint64)
    ep_ip = np.array([e.ip for e in eps], dtype=np.uint32)
    ep_port = np.array([e.vswitch_port for e in eps], dtype=np.uint32)
    ep_vlan = np.array([e.vlan for e in eps], dtype=np.uint16)

    local = rng.random(n) < local_share
    peer = rng.integers(1, 1 << 16, n, dtype=np.uint32)
    dst_ip = np.where(
        local,
        np.uint32(0x0A000000) | peer,
        np.uint32(0xAC100000) + rng.integers(1, 1 << 20, n, dtype=np.uint32),
    ).astype(np.uint32)
    dst_mac = np.where(
        local, np.uint64(_HYPERV_OUI) + (peer.astype(np.uint64) << np.uint64(4)), _GATEWAY_MAC
    ).astype(np.uint64)
    dst_port = _SERVICE_PORTS[rng.integers(0, len(_SERVICE_PORTS), n)]
    src_port = rng.integers(49152, 65536, n, dtype=np.uint32).astype(np.uint16)
    proto = np.where(rng.random(n) < udp_share, IPPROTO_UDP, IPPROTO_TCP).astype(np.uint8)

    elephant = rng.random(n) < elephant_share
    mouse_bytes = np.maximum(rng.lognormal(np.log(20_000.0), 1.5, n), 64.0)
    elephant_bytes = np.minimum((rng.pareto(1.2, n) + 1.0) * 10e6, 50e9)
    size = np.where(elephant, elephant_bytes, mouse_bytes)
    rate = np.where(
        elephant, rng.lognormal(np.log(2e9), 0.5, n), rng.lognormal(np.log(50e6), 1.0, n)
    )
    duration = np.minimum(size * 8.0 / rate, window_s)
    start = rng.random(n) * (window_s - duration)
    # TSO bursts of 64 KiB leave a 10 GbE port in 52.4 us; a flow averaging ``rate`` idles
    # (line / rate - 1) bursts' worth between bursts.
    gap = (
        _BURST_US * np.maximum(_LINE_BPS / rate - 1.0, 0.05) * rng.lognormal(0.0, 0.5, n)
    ).astype(np.float32)
    inbound = np.maximum(size * rng.lognormal(0.0, 1.5, n), 64.0)

    if continuation_share > 0 and n > 1:
        cont = rng.random(n) < continuation_share
        cont[0] = False
        heads = np.flatnonzero(~cont)
        src = heads[rng.integers(0, len(heads), int(cont.sum()))]
        idx = np.flatnonzero(cont)
        for arr in (ep, dst_ip, dst_mac, dst_port, src_port, proto):
            arr[idx] = arr[src]

    arrays = FlowArrays(
        src_mac=ep_mac[ep],
        dst_mac=dst_mac,
        ethertype=np.full(n, ETH_P_IP, dtype=np.uint16),
        vlan=ep_vlan[ep],
        ip_proto=proto,
        src_ip=ep_ip[ep],
        dst_ip=dst_ip,
        src_port=src_port,
        dst_port=dst_port,
        is_fragment=np.zeros(n, dtype=np.bool_),
        vswitch_port=ep_port[ep],
        bytes=size.astype(np.uint64),
    )
    return FlowBatch(
        arrays=arrays,
        endpoint=ep,
        endpoints=eps,
        inbound_bytes=inbound.astype(np.uint64),
        start_s=start,
        duration_s=duration,
        idle_gap_us=gap,
        window_s=float(window_s),
        seed=seed,
    )


def team_flows(
    lab: Lab, spec: TeamSpec, n: int, seed: int, *, window_s: float = DEFAULT_WINDOW_S
) -> FlowBatch:
    """Return :func:`generate_flows` over the endpoints behind ``spec`` in ``lab``.

    Falls back to 16 synthetic VMs when the lab puts no VM, vNIC or interface behind it.
    """
    return generate_flows(n, seed, lab_endpoints(lab, spec) or None, window_s=window_s)
