"""Build hvlab topologies as Linux kernel bridges (802.1D STP) inside network namespaces.

One namespace per topology; in it one bridge ``b<i>`` per hvlab bridge and one
veth pair per link, each veth end enslaved to its bridge in port-number order
(the kernel numbers ports from 1 in the order they are enslaved). Bridge timers
are the smallest the kernel accepts: ``forward_delay 200 hello_time 100
max_age 600`` (centiseconds), so a topology settles in well under 25 s.

Only used by ``test_kernel_crosscheck.py``; needs root, ``ip`` and ``bridge``
(iproute2). Every namespace it creates carries the prefix given to
:class:`KernelLab` and is deleted by :meth:`KernelLab.cleanup`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass

from hvlab.l2.topology import Bridge, Link, Port, Timers, Topology, format_mac

KERNEL_TIMERS = Timers(hello=1.0, max_age=6.0, forward_delay=2.0)
VETH_SPEED = 10_000_000_000  # veth reports 10 Gb/s: cost 2


def _run(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, input=stdin, capture_output=True, text=True, check=False)


def unavailable_reason() -> str | None:
    """Return why kernel bridges in namespaces cannot be used here, or None when they can."""
    if os.geteuid() != 0:
        return "needs root to create network namespaces"
    for tool in ("ip", "bridge"):
        if shutil.which(tool) is None:
            return f"iproute2 '{tool}' is not installed"
    ns = f"hvl2probe{uuid.uuid4().hex[:6]}"
    try:
        out = _run(["ip", "netns", "add", ns])
        if out.returncode:
            return f"cannot create a network namespace: {out.stderr.strip()}"
        out = _run(["ip", "-n", ns, "link", "add", "b0", "type", "bridge", "stp_state", "1"])
        if out.returncode:
            return f"cannot create a bridge: {out.stderr.strip()}"
        out = _run(["ip", "-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1"])
        if out.returncode:
            return f"cannot create a veth pair: {out.stderr.strip()}"
        return None
    finally:
        _run(["ip", "netns", "del", ns])


@dataclass(frozen=True)
class KernelTopology:
    """One topology built in one namespace; ``topology`` uses the kernel's ids and costs."""

    namespace: str
    topology: Topology


def kernel_model(
    bridges: list[tuple[int, int]],
    links: list[tuple[int, int]],
    port_settings: dict[tuple[int, int], tuple[int | None, int | None]],
) -> Topology:
    """Return the hvlab model of a kernel-bridge network.

    Parameters
    ----------
    bridges
        ``(priority 0–65535, MAC)`` per bridge ``b<i>``.
    links
        ``(i, j)`` per veth pair ``l<k>a`` (on ``b<i>``) – ``l<k>b`` (on ``b<j>``).
    port_settings
        ``(link k, end 0|1)`` → ``(cost, priority 0–63)``; ``None`` = kernel default.

    Returns
    -------
    Topology
        802.1D bridges with Linux port ids and Linux costs; port names are the
        veth names, port numbers the enslave order.
    """
    brs = tuple(
        Bridge(
            f"b{i}",
            mac,
            protocol="stp",
            priority=prio,
            timers=KERNEL_TIMERS,
            port_id_format="linux",
            path_cost_method="linux",
        )
        for i, (prio, mac) in enumerate(bridges)
    )
    counts = [0] * len(bridges)
    ports: list[Port] = []
    hv_links: list[Link] = []
    for k, (i, j) in enumerate(links):
        ends = []
        for end, b in enumerate((i, j)):
            counts[b] += 1
            name = f"l{k}{'ab'[end]}"
            cost, prio = port_settings.get((k, end), (None, None))
            ports.append(
                Port(f"b{b}", name, counts[b], priority=prio, speed_bps=VETH_SPEED, cost=cost)
            )
            ends.append((f"b{b}", name))
        hv_links.append(Link(ends[0], ends[1]))
    return Topology(brs, tuple(ports), tuple(hv_links))


class KernelLab:
    """Creates and removes the namespaces of a batch of kernel topologies."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.namespaces: list[str] = []

    def build(
        self, index: int, topology: Topology, down: tuple[tuple[str, str], ...] = ()
    ) -> KernelTopology:
        """Create namespace ``<prefix><index>`` holding ``topology`` (from :func:`kernel_model`).

        Ports in ``down`` are left administratively down (their veth peer then has
        no carrier either).

        Raises
        ------
        RuntimeError
            When an ``ip`` or ``bridge`` command fails.
        """
        ns = f"{self.prefix}{index}"
        out = _run(["ip", "netns", "add", ns])
        if out.returncode:
            raise RuntimeError(f"ip netns add {ns}: {out.stderr.strip()}")
        self.namespaces.append(ns)
        t = KERNEL_TIMERS
        ip_cmds: list[str] = []
        for br in topology.bridges:
            ip_cmds.append(
                f"link add {br.name} type bridge forward_delay {int(t.forward_delay * 100)} "
                f"hello_time {int(t.hello * 100)} max_age {int(t.max_age * 100)} "
                f"priority {br.priority} stp_state 1"
            )
            ip_cmds.append(f"link set {br.name} address {format_mac(br.mac_int)}")
        for link in topology.links:
            ip_cmds.append(f"link add {link.a[1]} type veth peer name {link.b[1]}")
        for port in sorted(topology.ports, key=lambda p: (p.bridge, p.number)):
            ip_cmds.append(f"link set {port.name} master {port.bridge}")
        self._batch("ip", ns, ip_cmds)
        br_cmds = []
        for port in topology.ports:
            settings = ""
            if port.cost is not None:
                settings += f" cost {port.cost}"
            if port.priority is not None:
                settings += f" priority {port.priority}"
            if settings:
                br_cmds.append(f"link set dev {port.name}{settings}")
        if br_cmds:
            self._batch("bridge", ns, br_cmds)
        up = [f"link set {p.name} up" for p in topology.ports if p.ref not in down]
        up += [f"link set {b.name} up" for b in topology.bridges]
        self._batch("ip", ns, up)
        return KernelTopology(ns, topology)

    @staticmethod
    def _batch(tool: str, ns: str, commands: list[str]) -> None:
        out = _run([tool, "-n", ns, "-batch", "-"], stdin="\n".join(commands) + "\n")
        if out.returncode:
            raise RuntimeError(f"{tool} -n {ns} -batch: {out.stderr.strip()}")

    @staticmethod
    def states(kt: KernelTopology) -> dict[tuple[str, str], str]:
        """Return ``(bridge, port)`` → kernel port state (forwarding, blocking, listening, ...)."""
        out = _run(["ip", "netns", "exec", kt.namespace, "bridge", "-j", "link", "show"])
        if out.returncode:
            raise RuntimeError(f"bridge link show in {kt.namespace}: {out.stderr.strip()}")
        rows = json.loads(out.stdout or "[]")
        return {(row["master"], row["ifname"]): row["state"] for row in rows if "master" in row}

    @staticmethod
    def root_ids(kt: KernelTopology) -> dict[str, str]:
        """Return bridge → ``designated_root`` as the kernel prints it (``8000.02:..``)."""
        out: dict[str, str] = {}
        for br in kt.topology.bridges:
            path = f"/sys/class/net/{br.name}/bridge/root_id"
            res = _run(["ip", "netns", "exec", kt.namespace, "cat", path])
            out[br.name] = res.stdout.strip()
        return out

    def cleanup(self) -> None:
        """Delete every namespace this lab created (their bridges and veths go with them)."""
        for ns in self.namespaces:
            _run(["ip", "netns", "del", ns])
        self.namespaces.clear()
