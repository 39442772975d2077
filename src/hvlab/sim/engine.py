"""The simulator: a scenario of timed faults and actions played against a lab.

Time lives here and nowhere else. A fault changes the :class:`~hvlab.condition.Condition`;
the simulator asks the engines what that means and how long each consequence takes:

1. **Network** (:mod:`hvlab.l2`): the new spanning tree and how long it takes to
   forward (802.1D 30-50 s, RSTP sub-second on point-to-point links). While it
   converges only the ports forwarding both before and after carry traffic.
2. **Teaming** (:mod:`hvlab.teaming`): a team that loses a member moves the member's
   flows after the LBFO failover time (an assumption, ``lbfo.failover``).
3. **Cluster** (:mod:`hvlab.cluster`): heartbeats between nodes on every cluster
   network; a node whose routes stay down for Delay x Threshold is removed, quorum
   decides which partition runs, compute resiliency (2016+) holds VMs on an isolated
   node, placement restarts the VMs elsewhere after the group comes online and the
   guest boots; a VM whose saved-state file does not fit fails with events 3050/3320.
4. **Services** (:mod:`hvlab.services`): health checks take a real server out of
   rotation after the vendor's interval x retries.

Every consequence is scheduled on the :class:`~hvlab.sim.kernel.Kernel`, so the same
lab, scenario and seed give the same timeline, byte for byte. Impact is accumulated
per VM (not running or unreachable = down; fewer team members = degraded) and per
virtual service (no real server answering = down).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal, Protocol

from hvlab.cluster import sites
from hvlab.cluster.membership import (
    RouteKind,
    cluster_os,
    node_isolation,
    node_status,
    os_rank,
    quorum,
)
from hvlab.cluster.membership import route_timeout_ms as cluster_route_timeout_ms
from hvlab.cluster.migration import drain as drain_node
from hvlab.cluster.migration import live_migration
from hvlab.cluster.placement import host_capacity, place
from hvlab.cluster.storage import can_start
from hvlab.condition import Condition
from hvlab.errors import UserError
from hvlab.l2.network import L2Transition, L2View, analyse, during, transition
from hvlab.model.elements import Element, resolve_element
from hvlab.model.lab import Lab
from hvlab.model.scenario import Scenario, Step
from hvlab.model.units import format_duration, format_speed
from hvlab.settings import assumptions as assumption_rows
from hvlab.settings import setting_ms
from hvlab.sim.kernel import URGENT, Handle, Kernel
from hvlab.sim.replication import ReplicaClock
from hvlab.sim.result import Impact, ReplicationRow, SimResult, TimelineEntry

__all__ = ["DEFAULT_DURATION_MS", "Views", "simulate"]


class Views(Protocol):
    """Where the simulator gets its layer-2 views: :func:`hvlab.l2.network.analyse` and
    :func:`~hvlab.l2.network.transition` for one lab, or a cache of them (the sweep's)."""

    def view(self, condition: Condition) -> L2View:
        """Return the layer-2 view of the lab under ``condition``."""
        ...

    def transition(self, before: L2View, after: L2View) -> L2Transition:
        """Return how the network moves from ``before`` to ``after``."""
        ...


class _Direct:
    """:class:`Views` computed afresh each time."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab

    def view(self, condition: Condition) -> L2View:
        return analyse(self.lab, condition)

    def transition(self, before: L2View, after: L2View) -> L2Transition:
        return transition(self.lab, before, after)


DEFAULT_DURATION_MS = 600_000
"""How long a scenario without ``duration`` runs: 10 minutes after its last step."""


@dataclass
class _Vm:
    """Where a VM is and what it is doing."""

    name: str
    host: str | None
    status: str  # running | booting | down | failed | off | saved | blackout
    cluster: str | None
    since: int = 0
    was_running: bool = True
    down_since: int | None = None
    degraded_since: int | None = None
    downtime: int = 0
    degraded: int = 0
    data_loss: int = 0
    bandwidth_lost: int = 0
    intervals: list[tuple[int, int]] = field(default_factory=list)
    degraded_intervals: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class _Service:
    """A load balancer's virtual service and its real servers' rotation state."""

    lb: str
    vs: str
    servers: tuple[str, ...]
    in_rotation: set[str] = field(default_factory=set)
    pending: dict[str, Handle] = field(default_factory=dict)
    down_since: int | None = None
    degraded_since: int | None = None
    downtime: int = 0
    degraded: int = 0
    intervals: list[tuple[int, int]] = field(default_factory=list)
    degraded_intervals: list[tuple[int, int]] = field(default_factory=list)


class _Simulation:
    """One run: the kernel, the world state and the handlers of every verb."""

    def __init__(self, lab: Lab, scenario: Scenario, seed: int, views: Views | None = None) -> None:
        self.lab = lab
        self.scenario = scenario
        self.rng = random.Random(seed)
        self.kernel = Kernel()
        self.condition = Condition.none()
        self.views: Views = views if views is not None else _Direct(lab)
        self.final_view: L2View = self.views.view(self.condition)
        self.view: L2View = self.final_view
        self.generation = 0
        self.timeline: list[TimelineEntry] = []
        self.used_settings: set[str] = set()
        self.vms: dict[str, _Vm] = {
            vm.name: _Vm(
                vm.name,
                vm.host,
                "running" if vm.state == "Running" and vm.host else "off",
                vm.cluster,
            )
            for vm in lab.vms.values()
        }
        self.removed: dict[str, set[str]] = {c: set() for c in lab.clusters}
        self.detect: dict[tuple[str, str], Handle] = {}
        self.outage_start: dict[tuple[str, str], int] = {}
        self.csv_fill: dict[tuple[str, str], int] = {}
        self.copies: list[tuple[int, str, str, str, str]] = []  # t, client, cluster, fs, share
        self.file_server_impact: list[tuple[str, int, str, str]] = []
        # A virtual service starts with every real server in rotation, as configured;
        # the health checks then take out the ones that fail.
        self.services = [
            _Service(
                lb.name,
                vs.name,
                servers := tuple(rs.split(":")[0] for rs in vs.real_servers),
                set(servers),
            )
            for lb in lab.load_balancers.values()
            for vs in lb.virtual_services.values()
        ]
        self.quorum_lost: set[str] = set()
        self.multi_site = bool(lab.sites) and any(
            len(sites.cluster_sites(lab, c)) > 1 for c in lab.clusters
        )
        self.replicas: dict[str, ReplicaClock] = {}
        # VM -> until when clients cannot reach it (None: not until it moves again).
        self.unreachable: dict[str, int | None] = {}
        self.clients_after: dict[str, int] = {}
        self.failed_over: set[str] = set()
        self._shares: tuple[Condition, dict[str, int | None]] | None = None
        self.finished_replicas: list[ReplicaClock] = []
        self._on_csv: dict[tuple[str, str], list[str]] = {}
        for vm in lab.vms.values():
            if vm.cluster is not None:
                for store in {vm.storage, *(d.storage for d in vm.vhds)} - {None}:
                    assert store is not None
                    self._on_csv.setdefault((vm.cluster, store), []).append(vm.name)
        self._down_vms: set[str] = set()
        self._attached: dict[tuple[str, str], bool] = {}
        self._degraded: dict[tuple[str, str], int] = {}
        self._nic_signature = {
            vm.name: repr(sorted((n.switch, n.vlan or 0) for n in vm.nics))
            for vm in lab.vms.values()
        }

    # -- helpers -------------------------------------------------------------------------
    @property
    def now(self) -> int:
        return self.kernel.now

    def log(self, event: str, obj: str, why: str = "") -> None:
        self.timeline.append(TimelineEntry(self.now, event, obj, why))

    def ms(self, key: str) -> int:
        self.used_settings.add(key)
        return setting_ms(self.lab, key)

    def boot_ms(self, vm: str) -> int:
        boot = self.lab.vms[vm].boot_time
        return boot if boot is not None else self.ms("hyperv.vm_boot")

    def at(self, delay: int, action: Callable[[], object], name: str) -> Handle:
        return self.kernel.schedule(max(0, delay), action, name=name)

    # -- availability accounting ---------------------------------------------------------
    def vm_available(self, vm: _Vm) -> bool:
        if vm.status != "running" or vm.host is None:
            return False
        if vm.name in self._down_vms:
            return False
        # Attachment depends on the host and the VM's (switch, VLAN) pairs only, so VMs
        # that share them share one answer per network view.
        key = (vm.host, self._nic_signature[vm.name])
        cached = self._attached.get(key)
        if cached is None:
            cached = self.condition.host_is_up(self.lab, vm.host) and self.view.vm_attachment_up(
                vm.name, host=vm.host
            )
            self._attached[key] = cached
        return cached

    def vm_degraded(self, vm: _Vm) -> int:
        """Return the uplink bandwidth (bit/s) ``vm``'s virtual switches have lost: the
        speed of each team or SET member that is down (0: nothing lost)."""
        if vm.host is None:
            return 0
        key = (vm.host, self._nic_signature[vm.name])
        cached = self._degraded.get(key)
        if cached is None:
            host = self.lab.hosts[vm.host]
            members: set[str] = set()
            for nic in self.lab.vms[vm.name].nics:
                vswitch = host.vswitches.get(nic.switch)
                if vswitch is None:
                    continue
                if vswitch.members:
                    members.update(vswitch.members)
                elif vswitch.uplink in host.teams:
                    members.update(host.teams[vswitch.uplink].members)
            cached = sum(
                host.nics[m].speed
                for m in sorted(members)
                if m in host.nics and not self.condition.nic_is_up(self.lab, host.name, m)
            )
            self._degraded[key] = cached
        return cached

    def forget(self) -> None:
        """Drop cached answers after the network view or the condition changed."""
        self._attached.clear()
        self._degraded.clear()
        self._down_vms = self.blocked_vms()

    def leave_storage(self, vm: str) -> None:
        """``vm`` now runs from other disks (a Replica copy, a shared-nothing move): its
        CSVs in the lab no longer concern it."""
        for names in self._on_csv.values():
            if vm in names:
                names.remove(vm)
        self.forget()

    def storage_down(self) -> dict[tuple[str, str], str]:
        """Return (cluster, CSV) → why, for every CSV that is offline now.

        A CSV is offline when it is failed itself (``csv:``), or when the site holding its
        disks is down and it has no Storage Replica copy (``replicated_to``) in a site that
        is up — the copy then comes online, as a stretched cluster's replication group
        fails over (its own short delay is not modelled).
        """
        down: dict[tuple[str, str], str] = {}
        for e in self.condition.failed:
            if e.kind == "csv":
                down[(e.names[0], e.names[1])] = f"storage down ({e.names[1]})"
        failed_sites = {e.names[0] for e in self.condition.failed if e.kind == "site"}
        if failed_sites:
            for cluster in self.lab.clusters.values():
                for csv in cluster.csvs.values():
                    copy = csv.replicated_to
                    if csv.site in failed_sites and (copy is None or copy in failed_sites):
                        down[(cluster.name, csv.name)] = (
                            f"storage down ({csv.name}: site {csv.site} lost"
                            + (")" if copy is None else f", its replica in {copy} too)")
                        )
        return down

    def blocked_reason(self, vm: str) -> str | None:
        """Return why ``vm`` cannot serve whatever its host (see :meth:`blocked_vms`)."""
        if vm in self.unreachable:
            return "unreachable"
        if any(e.kind == "vm" and e.names[0] == vm for e in self.condition.failed):
            return "failed"
        for key, why in self.storage_down().items():
            if vm in self._on_csv.get(key, ()):
                return why
        return None

    def blocked_vms(self) -> set[str]:
        """Return the VMs that cannot serve whatever their host: failed themselves, their
        storage (a CSV) offline, or unreachable by their clients after a move."""
        blocked = set(self.unreachable)
        blocked.update(e.names[0] for e in self.condition.failed if e.kind == "vm")
        for key in self.storage_down():
            blocked.update(self._on_csv.get(key, ()))
        return blocked

    def account(self) -> None:
        """Close or open the down/degraded intervals of every VM and service at ``now``.

        This runs after every change for every VM, so it is one tight loop over cached
        per-(host, NIC signature) answers rather than a call per VM (profiled: the
        per-call version was half of a 4,000-VM run).
        """
        t = self.now
        attached, degraded, signature = self._attached, self._degraded, self._nic_signature
        down_vms = self._down_vms
        for vm in self.vms.values():
            host = vm.host
            if vm.status == "running" and host is not None and vm.name not in down_vms:
                key = (host, signature[vm.name])
                available = attached.get(key)
                if available is None:
                    available = self.vm_available(vm)
                lost = degraded[key] if key in degraded else self.vm_degraded(vm)
                worse = available and lost > 0
                if worse and lost > vm.bandwidth_lost:
                    vm.bandwidth_lost = lost
            elif vm.status == "off" and vm.down_since is None and not vm.was_running:
                continue
            else:
                available = worse = False
            if not available:
                if vm.down_since is None:
                    vm.down_since = t
            elif vm.down_since is not None:
                vm.downtime += t - vm.down_since
                vm.intervals.append((vm.down_since, t))
                vm.down_since = None
            if worse:
                if vm.degraded_since is None:
                    vm.degraded_since = t
            elif vm.degraded_since is not None:
                vm.degraded += t - vm.degraded_since
                vm.degraded_intervals.append((vm.degraded_since, t))
                vm.degraded_since = None
        for service in self.services:
            self.account_service(service)
        if self.replicas:
            self.track_primaries()

    def account_vm(self, vm: _Vm) -> None:
        """Close or open ``vm``'s down and degraded intervals at ``now``."""
        t = self.now
        if vm.status == "off" and vm.down_since is None and not vm.was_running:
            return
        available = self.vm_available(vm)
        if not available and vm.down_since is None:
            vm.down_since = t
        elif available and vm.down_since is not None:
            vm.downtime += t - vm.down_since
            vm.intervals.append((vm.down_since, t))
            vm.down_since = None
        lost = self.vm_degraded(vm) if available else 0
        degraded = lost > 0
        if lost > vm.bandwidth_lost:
            vm.bandwidth_lost = lost
        if degraded and vm.degraded_since is None:
            vm.degraded_since = t
        elif not degraded and vm.degraded_since is not None:
            vm.degraded += t - vm.degraded_since
            vm.degraded_intervals.append((vm.degraded_since, t))
            vm.degraded_since = None

    def account_one(self, vm: _Vm) -> None:
        """Account a change of one VM, and the services it may serve."""
        self.account_vm(vm)
        if vm.name in self.replicas:
            self.track_primaries()
        for service in self.services:
            if vm.name in service.servers:
                self.account_service(service)

    def account_service(self, service: _Service) -> None:
        t = self.now
        answering = [s for s in service.in_rotation if self.server_answers(s)]
        down = not answering
        degraded = not down and len(answering) < len(service.in_rotation)
        if down and service.down_since is None:
            service.down_since = t
        elif not down and service.down_since is not None:
            service.downtime += t - service.down_since
            service.intervals.append((service.down_since, t))
            service.down_since = None
        if degraded and service.degraded_since is None:
            service.degraded_since = t
        elif not degraded and service.degraded_since is not None:
            service.degraded += t - service.degraded_since
            service.degraded_intervals.append((service.degraded_since, t))
            service.degraded_since = None

    def server_answers(self, server: str) -> bool:
        if server in self.vms:
            return self.vm_available(self.vms[server])
        return self.condition.host_is_up(self.lab, server)

    # -- faults --------------------------------------------------------------------------
    def apply_condition(self, new: Condition, cause: str) -> None:
        """Move to a new condition: reconverge the network, then re-evaluate everything."""
        before = self.final_view
        after = self.views.view(new)
        change = self.views.transition(before, after)
        self.used_settings.update(change.settings)
        self.condition = new
        self.final_view = after
        self.forget()
        self.generation += 1
        generation = self.generation
        for line in change.summary:
            self.log(line, "network", cause)
        if self.replicas:
            self.update_replication(cause)
        if change.settle_ms > 0:
            self.view = during(before, after)
            self.at(
                change.settle_ms,
                lambda: self.network_settled(generation, after, change.explanation),
                "network settles",
            )
        else:
            self.view = after
        self.reevaluate()

    def network_settled(self, generation: int, after: L2View, why: str) -> None:
        if generation != self.generation:
            return  # a later change superseded this convergence
        self.view = after
        self.forget()
        self.log("network converged: every new forwarding port is forwarding", "network", why)
        self.reevaluate()

    def reevaluate(self) -> None:
        self.account()
        for cluster in self.lab.clusters:
            self.check_membership(cluster)
        self.check_services()

    # -- cluster membership ----------------------------------------------------------------
    def cluster_network_up(self, cluster: str, a: str, b: str, network: str) -> bool:
        if not network:
            return self.view.reachable_any(a, b)
        if self.view.cluster_reachable(cluster, network, a, b):
            return True
        if self.multi_site and sites.site_of(self.lab, a) != sites.site_of(self.lab, b):
            # A network routed between the sites: each node must reach its own site's
            # switches in the network's VLAN, and the sites each other over the WAN.
            return (
                sites.routed_reachable(self.lab, cluster, network, a, b, self.condition)
                and self.attached_locally(cluster, network, a)
                and self.attached_locally(cluster, network, b)
            )
        return False

    def cluster_links(self, cluster: str, network: str) -> Mapping[str, frozenset[str]] | None:
        """Return :meth:`cluster_network_up` for every pair of nodes on ``network`` at once
        (from the view, computed once per view), or None where pairs are asked one by one:
        the implicit network, and labs with sites (routed networks between them)."""
        if not network or self.multi_site:
            return None
        return self.view.cluster_links(cluster, network)

    def attached_locally(self, cluster: str, network: str, node: str) -> bool:
        fwd = self.view.forwarding
        return any(
            fwd.host_attachments(v).get(node) for v in fwd.network_vlans(cluster, network, node)
        )

    def route_kind(self, cluster: str, node: str, others: Iterable[str]) -> RouteKind:
        """Return the heartbeat route kind that decides ``node``'s removal: same-subnet if
        a node of its own site still runs, cross-site otherwise (2016+ CrossSite*)."""
        if not self.multi_site or len(sites.cluster_sites(self.lab, cluster)) < 2:
            return "same_subnet"
        kinds = {sites.heartbeat_route_kind(self.lab, node, o) for o in others if o != node}
        return "same_subnet" if "same_subnet" in kinds else "cross_site"

    def check_membership(self, name: str) -> None:
        cluster = self.lab.clusters[name]
        os = cluster_os(self.lab, cluster)
        down = [n for n in cluster.nodes if not self.condition.host_is_up(self.lab, n)]
        status = node_status(
            cluster,
            lambda a, b, net: self.cluster_network_up(name, a, b, net),
            down_nodes=down,
            network_links=partial(self.cluster_links, name),
        )
        partitions = [p for p in status.partitions if p]
        witness = (
            sites.witness_reachable_by(self.lab, name, self.condition) if self.multi_site else None
        )
        preferred = (
            [n for n in cluster.nodes if sites.site_of(self.lab, n) == cluster.preferred_site]
            if cluster.preferred_site is not None and os_rank(os) >= os_rank("WindowsServer2016")
            else []
        )
        result = quorum(
            cluster, partitions, os=os, witness_reachable_by=witness, preferred_nodes=preferred
        )
        running = set(result.running or ())
        for node in cluster.nodes:
            key = (name, node)
            lost = node not in running
            if lost and node not in self.removed[name] and key not in self.detect:
                kind = self.route_kind(name, node, running)
                timeout = cluster_route_timeout_ms(cluster, os, kind, overrides=self.lab)
                self.outage_start[key] = self.now
                self.detect[key] = self.at(
                    timeout,
                    partial(self.node_removed, name, node, timeout, kind),
                    f"heartbeat timeout {node}",
                )
            elif not lost and key in self.detect:
                self.detect.pop(key).cancel()
                self.outage_start.pop(key, None)
                self.log("heartbeats restored before the route timeout", f"nodes.{node}")
            elif not lost and node in self.removed[name]:
                self.removed[name].discard(node)
                self.log("node rejoined the cluster", f"nodes.{node}")
        if result.running is None and name not in self.quorum_lost:
            self.quorum_lost.add(name)
            worst: RouteKind = (
                "cross_site" if len(sites.cluster_sites(self.lab, name)) > 1 else "same_subnet"
            )
            timeout = cluster_route_timeout_ms(cluster, os, worst, overrides=self.lab)
            self.at(timeout, lambda: self.lose_quorum(name, result.reason), f"quorum {name}")
        elif result.running is not None:
            self.quorum_lost.discard(name)

    def lose_quorum(self, name: str, reason: str) -> None:
        if name not in self.quorum_lost:
            return
        self.log(f"cluster lost quorum and stops: {reason}", f"clusters.{name}")
        for vm in self.vms.values():
            if vm.cluster == name and vm.status in ("running", "booting", "blackout"):
                vm.status = "down"
        self.account()

    def node_removed(
        self, cluster_name: str, node: str, timeout: int, kind: RouteKind = "same_subnet"
    ) -> None:
        key = (cluster_name, node)
        self.detect.pop(key, None)
        cluster = self.lab.clusters[cluster_name]
        os = cluster_os(self.lab, cluster)
        self.removed[cluster_name].add(node)
        self.log(
            f"removed from cluster membership: no heartbeat on any cluster network for "
            f"{format_duration(timeout)}",
            f"nodes.{node}",
            "CrossSiteDelay x CrossSiteThreshold"
            if kind == "cross_site"
            else "SameSubnetDelay x SameSubnetThreshold",
        )
        started = self.outage_start.pop(key, self.now - timeout)
        resiliency = node_isolation(
            cluster, os, outage_ms=None, detection_ms=timeout, overrides=self.lab
        )
        wait = 0
        if resiliency.isolated and resiliency.failover_ms is not None:
            wait = max(0, started + resiliency.failover_ms - self.now)
            self.log(
                f"Isolated: its VMs are Unmonitored for {format_duration(wait)} "
                "(compute resiliency) before failover",
                f"nodes.{node}",
                "ResiliencyDefaultPeriod",
            )
        self.at(wait, lambda: self.fail_over(cluster_name, node), f"failover {node}")

    def fail_over(self, cluster_name: str, node: str) -> None:
        if node not in self.removed[cluster_name]:
            return
        victims = [
            v
            for v in self.vms.values()
            if v.host == node and v.cluster == cluster_name and v.status in ("running", "booting")
        ]
        if not victims:
            return
        for vm in victims:
            vm.status = "down"
        self.account()
        cluster = self.lab.clusters[cluster_name]
        down = {n for n in cluster.nodes if not self.condition.host_is_up(self.lab, n)}
        result = place(
            self.lab,
            cluster,
            [node],
            down_nodes=down | self.removed[cluster_name],
            free_memory=self.free_memory(cluster_name, exclude={v.name for v in victims}),
            os=cluster_os(self.lab, cluster),
        )
        self.used_settings.update(result.assumptions)
        group_online = self.ms("cluster.group_online")
        boot_by_wave: dict[int, int] = {}
        for placement in result.placements:
            found = self.vms.get(placement.vm)
            if found is None or found not in victims:
                continue
            vm = found
            if placement.target is None:
                vm.status = "failed"
                self.log(f"stays Failed: {placement.reason}", f"vms.{vm.name}")
                continue
            check = can_start(self.lab, placement.vm, free=self.csv_free(placement.vm))
            if check.ok is False:
                vm.status = "failed"
                for event in check.events:
                    self.log(f"event {event.event_id}: {event.message}", f"vms.{vm.name}")
                continue
            wave = placement.start_wave or 0
            boot = self.boot_ms(vm.name)
            delay = group_online + boot_by_wave.get(wave - 1, 0) + boot
            boot_by_wave[wave] = max(boot_by_wave.get(wave, 0), delay - group_online)
            if self.multi_site:
                self.arrive(vm, node, placement.target)
            vm.host = placement.target
            vm.status = "booting"
            self.log(
                f"failing over from {node} to {placement.target}: group online "
                f"{format_duration(group_online)}, guest boot {format_duration(boot)}",
                f"vms.{vm.name}",
                placement.reason,
            )
            self.at(delay, partial(self.booted, vm), f"boot {vm.name}")
        for pre in result.preempted:
            victim = self.vms.get(pre.vm)
            if victim is not None:
                victim.status = "saved"
                self.log(f"preempted (saved) to make room for {pre.by}", f"vms.{pre.vm}")
        self.account()

    def booted(self, vm: _Vm) -> None:
        if vm.status != "booting":
            return
        if vm.host is not None and not self.condition.host_is_up(self.lab, vm.host):
            vm.status = "down"
            return
        vm.status = "running"
        self.log(f"running on {vm.host}", f"vms.{vm.name}")
        self.wait_for_clients(vm)
        self.account_one(vm)
        self.check_services()

    def wait_for_clients(self, vm: _Vm) -> None:
        """Start the wait for clients to learn ``vm``'s new address (its DNS TTL), if any."""
        after = self.clients_after.pop(vm.name, 0)
        if after:
            self.unreachable[vm.name] = self.now + after
            self.forget()
            self.at(after, partial(self.clients_found, vm), f"dns {vm.name}")

    def free_memory(self, cluster_name: str, exclude: Iterable[str] = ()) -> dict[str, int]:
        skip = set(exclude)
        # One pass over the VMs, not one per node (4,000 VMs x 64 nodes per failover).
        used: dict[str, int] = {}
        for v in self.vms.values():
            if v.host is not None and v.status in ("running", "booting") and v.name not in skip:
                used[v.host] = used.get(v.host, 0) + self.lab.vms[v.name].memory.startup
        free: dict[str, int] = {}
        for node in self.lab.clusters[cluster_name].nodes:
            memory, reserve, assumed = host_capacity(self.lab, node)
            if assumed:
                self.used_settings.add("hyperv.host_reserve")
            free[node] = memory - reserve - used.get(node, 0)
        return free

    def csv_free(self, vm_name: str) -> int | None:
        vm = self.lab.vms[vm_name]
        if vm.cluster is None or vm.storage is None:
            return None
        csv = self.lab.clusters[vm.cluster].csvs.get(vm.storage)
        if csv is None:
            return None
        extra = self.csv_fill.get((vm.cluster, vm.storage), 0)
        return max(0, csv.size - csv.used - extra)

    # -- services ------------------------------------------------------------------------
    def check_services(self) -> None:
        if not self.services:
            return
        from hvlab.services.healthcheck import (
            check_outcome,
            product_of,
            time_to_mark_down,
            time_to_mark_up,
        )

        for service in self.services:
            lb = self.lab.load_balancers[service.lb]
            vs = lb.virtual_services[service.vs]
            product = product_of(lb)
            down_servers = [s for s in service.servers if not self.server_answers(s)]
            for real, server in zip(vs.real_servers, service.servers, strict=True):
                outcome = check_outcome(
                    self.lab, lb, vs, real, down_servers=down_servers, condition=self.condition
                )
                passing = outcome.passes
                listed = server in service.in_rotation
                if passing == listed:
                    if server in service.pending:
                        service.pending.pop(server).cancel()
                    continue
                if server in service.pending:
                    continue
                if passing:
                    timing = time_to_mark_up(vs.health_check, product, lab=self.lab)
                else:
                    failure: Literal["bad_status", "no_response"] = (
                        "bad_status" if outcome.status is not None else "no_response"
                    )
                    timing = time_to_mark_down(
                        vs.health_check, product, failure=failure, lab=self.lab
                    )
                low, high = timing.min_ms or 0, timing.max_ms or timing.min_ms or 0
                delay = low + round(self.rng.random() * max(0, high - low))
                mark = (service, server, passing, outcome.reason, timing.formula)
                service.pending[server] = self.at(
                    delay, partial(self.mark, *mark), f"health check {server}"
                )

    def mark(self, service: _Service, server: str, up: bool, why: str, formula: str) -> None:
        service.pending.pop(server, None)
        obj = f"load_balancers.{service.lb}.virtual_services.{service.vs}"
        if up:
            service.in_rotation.add(server)
            self.log(f"{server} marked up and back in rotation", obj, formula)
        else:
            service.in_rotation.discard(server)
            self.log(f"{server} marked down and out of rotation: {why}", obj, formula)
        if not service.in_rotation:
            self.log("no real server in rotation: the virtual service is down", obj)
        self.account_service(service)

    # -- scenario steps --------------------------------------------------------------------
    def step(self, step: Step) -> None:
        verb, target = step.verb, step.target
        what, _, dest = (p.strip() for p in target.partition(" to "))
        handler = getattr(self, f"do_{verb}", None)
        if handler is None:
            self.log(f"'{verb}' is not simulated yet; step ignored", what)
            return
        handler(what, dest, step)

    def element(self, text: str) -> Element:
        try:
            return resolve_element(self.lab, text)
        except ValueError as exc:
            raise UserError(str(exc)) from None

    def do_down(self, what: str, dest: str, step: Step) -> None:
        element = self.element(what)
        self.log("down", str(element), step.note)
        if element.kind == "vm":
            vm = self.vms[element.names[0]]
            if vm.status in ("running", "booting"):
                vm.status = "down"
        self.apply_condition(self.condition.with_failed(self.lab, element), str(element))
        if self.copies:
            for node in {n for c in self.lab.clusters.values() for n in c.nodes}:
                if not self.condition.host_is_up(self.lab, node):
                    self.copies_hit_by(node)

    do_power_off = do_down
    do_cut = do_down

    def do_up(self, what: str, dest: str, step: Step) -> None:
        element = self.element(what)
        self.log("up", str(element), step.note)
        remaining = [e for e in self.condition.failed if e != element]
        if element.kind == "vm":
            vm = self.vms[element.names[0]]
            if vm.status == "down":
                vm.status = "booting"
                self.at(self.boot_ms(vm.name), partial(self.booted, vm), f"boot {vm.name}")
        self.apply_condition(Condition.from_elements(self.lab, remaining), str(element))

    def do_start(self, what: str, dest: str, step: Step) -> None:
        vm = self.vms[self.element(what).names[0]]
        if vm.status in ("running", "booting"):
            self.log("already running", f"vms.{vm.name}")
            return
        check = can_start(self.lab, vm.name, free=self.csv_free(vm.name))
        if check.ok is False:
            vm.status = "failed"
            self.log(f"cannot start: {check.reason}", f"vms.{vm.name}")
            for event in check.events:
                self.log(f"event {event.event_id}: {event.message}", f"vms.{vm.name}")
            return
        vm.status = "booting"
        self.log(f"starting: {check.reason}", f"vms.{vm.name}")
        self.at(self.boot_ms(vm.name), lambda: self.booted(vm), f"boot {vm.name}")

    def do_stop(self, what: str, dest: str, step: Step) -> None:
        vm = self.vms[self.element(what).names[0]]
        vm.status = "off"
        self.log("stopped", f"vms.{vm.name}")
        self.account_one(vm)

    def do_save(self, what: str, dest: str, step: Step) -> None:
        vm = self.vms[self.element(what).names[0]]
        vm.status = "saved"
        self.log("saved", f"vms.{vm.name}")
        self.account_one(vm)

    def do_fill(self, what: str, dest: str, step: Step) -> None:
        element = self.element(what)
        if element.kind != "csv":
            raise UserError(f"fill takes a CSV (csv:CLUSTER:NAME), not {what}")
        key = (element.names[0], element.names[1])
        amount = step.amount if step.amount is not None else 0
        self.csv_fill[key] = self.csv_fill.get(key, 0) + amount
        self.log(f"filled with {amount} more bytes", f"clusters.{key[0]}.csvs.{key[1]}")

    def lm_path(self, cluster: str, src: str, dst: str) -> tuple[int, str] | None:
        """Return (bandwidth, description) of the live-migration path from src to dst."""
        c = self.lab.clusters[cluster]
        order = list(c.live_migration.networks) or [
            n.name
            for n in sorted(c.networks.values(), key=lambda n: (n.metric or 0, n.name))
            if n.role != "None"
        ]
        for network in order:
            path = self.view.cluster_path(cluster, network, src, dst)
            if path is not None:
                return path.bottleneck_bps, f"{network}: {path.text()}"
        return None

    def do_migrate(self, what: str, dest: str, step: Step) -> None:
        vm = self.vms[self.element(what).names[0]]
        if not dest or dest not in self.lab.hosts:
            raise UserError(f"migrate needs 'vm:NAME to HOST' (got {what} to {dest!r})")
        obj = f"vms.{vm.name}"
        if vm.status != "running" or vm.host is None:
            self.log(f"live migration not started: the VM is {vm.status}", obj)
            return
        if vm.cluster is None or dest not in self.lab.clusters[vm.cluster].nodes:
            self.shared_nothing(vm, dest)
            return
        src = vm.host
        path = self.lm_path(vm.cluster, src, dest)
        result = live_migration(
            self.lab,
            vm.name,
            bandwidth_bps=path[0] if path else 1,
            path_up=path is not None,
        )
        self.used_settings.update(result.assumptions)
        if not result.ok or path is None:
            self.log(f"live migration to {dest} failed: {result.reason}", obj)
            return
        self.log(
            f"live migration {src} → {dest} started over {path[1]} at "
            f"{format_speed(result.rate)}: {format_duration(result.total_ms)}, blackout "
            f"{format_duration(result.blackout_ms)}",
            obj,
            result.reason,
        )
        self.schedule_move(vm, dest, result.total_ms, result.blackout_ms, "live migration")

    def schedule_move(
        self, vm: _Vm, dest: str, total_ms: int, blackout_ms: int, what: str, *, away: bool = False
    ) -> None:
        """Pause ``vm`` for the last ``blackout_ms`` of a ``total_ms`` migration, then run it
        on ``dest``. ``away``: ``dest`` is outside the VM's cluster (shared-nothing), so the
        VM takes ``dest``'s cluster and its addresses are checked there (IP mobility)."""
        src, obj = vm.host, f"vms.{vm.name}"

        def blackout() -> None:
            if vm.status == "running" and vm.host == src:
                vm.status = "blackout"
                self.account_one(vm)

        def done() -> None:
            if vm.status != "blackout":
                return
            vm.host = dest
            vm.status = "running"
            self.log(f"{what} complete, now on {dest}", obj)
            if away:
                self.leave_storage(vm.name)
                vm.cluster = next(
                    (c.name for c in self.lab.clusters.values() if dest in c.nodes), None
                )
                self.arrive(vm, src, dest)
                self.wait_for_clients(vm)
            self.account_one(vm)

        self.at(max(0, total_ms - blackout_ms), blackout, f"blackout {vm.name}")
        self.at(total_ms, done, f"migrated {vm.name}")

    def shared_nothing(self, vm: _Vm, dest: str) -> None:
        """Move ``vm`` to a host outside its cluster: disks, then memory, over the network.

        Between sites the WAN route's bottleneck is the bandwidth (shared with nothing
        else: replication traffic on the same link is not subtracted); within a site the
        slower of the two hosts' fastest NICs.
        """
        from hvlab.cluster.migration import shared_nothing_migration

        assert vm.host is not None
        src, obj = vm.host, f"vms.{vm.name}"
        here, there = sites.site_of(self.lab, src), sites.site_of(self.lab, dest)
        if here is not None and there is not None and here != there:
            route = sites.wan_route(self.lab, here, there, self.condition)
            bandwidth = route.bandwidth_bps if route is not None else None
            via = f"WAN {' + '.join(route.links)}" if route is not None else "no WAN route"
        else:
            speeds = [
                max((n.speed for n in self.lab.hosts[h].nics.values()), default=10**9)
                for h in (src, dest)
            ]
            bandwidth, via = min(speeds), "the hosts' NICs"
        up = bandwidth is not None and self.condition.host_is_up(self.lab, dest)
        result = shared_nothing_migration(
            self.lab, vm.name, bandwidth_bps=bandwidth or 1, path_up=up
        )
        self.used_settings.update(result.memory.assumptions)
        if not result.ok or not up:
            self.log(f"shared-nothing live migration to {dest} failed: {result.reason}", obj)
            return
        self.log(
            f"shared-nothing live migration {src} → {dest} over {via} at "
            f"{format_speed(bandwidth or 0)}: {format_duration(result.total_ms)} "
            f"({result.reason}), blackout {format_duration(result.memory.blackout_ms)}",
            obj,
        )
        self.schedule_move(
            vm,
            dest,
            result.total_ms,
            result.memory.blackout_ms,
            "shared-nothing live migration",
            away=True,
        )

    def do_drain(self, what: str, dest: str, step: Step) -> None:
        node = self.element(what).names[0]
        cluster = next((c.name for c in self.lab.clusters.values() if node in c.nodes), None)
        if cluster is None:
            raise UserError(f"drain needs a cluster node; {node} is in no cluster")
        others = [n for n in self.lab.clusters[cluster].nodes if n != node]
        paths = [p for p in (self.lm_path(cluster, node, o) for o in others) if p]
        bandwidth = min((p[0] for p in paths), default=1)
        result = drain_node(self.lab, node, bandwidth_bps=bandwidth, path_up=bool(paths))
        self.used_settings.update(result.assumptions)
        # Where each VM goes is the cluster's placement, as if the node had left.
        down = {n for n in others if not self.condition.host_is_up(self.lab, n)}
        placement = place(
            self.lab,
            cluster,
            [node],
            down_nodes=down | self.removed[cluster],
            free_memory=self.free_memory(cluster),
            os=cluster_os(self.lab, self.lab.clusters[cluster]),
        )
        targets = {p.vm: p.target for p in placement.placements}
        self.log(
            f"drain started: {len(result.items)} VMs, {result.concurrency} at a time, "
            f"{format_duration(result.total_ms)} in all",
            f"nodes.{node}",
        )
        for item in result.items:
            vm = self.vms[item.vm]
            target = targets.get(item.vm)
            if target is None or item.method == "none":
                self.log(f"stays on {node}: {item.reason}", f"vms.{item.vm}")
                continue
            if item.downtime_ms:
                self.at(item.end_ms - item.downtime_ms, partial(self.pause, vm), "pause")
            self.at(
                item.end_ms,
                partial(self.moved, vm, target, item.method),
                f"drained {item.vm}",
            )

    def do_copy(self, what: str, dest: str, step: Step) -> None:
        client = self.element(what).names[0]
        found = self.file_server_of(dest)
        if found is None:
            raise UserError(f"copy needs 'vm:CLIENT to \\\\SERVER\\SHARE' (got {dest!r})")
        cluster, server, share = found
        self.copies.append((self.now, client, cluster, server, share))
        self.log(f"copy to \\\\{server}\\{share} started", f"vms.{client}")

    def file_server_of(self, target: str) -> tuple[str, str, str] | None:
        """Return (cluster, file server, share) for ``\\\\server\\share`` or fileserver:C:N."""
        if target.startswith("fileserver:"):
            element = self.element(target)
            fs = self.lab.clusters[element.names[0]].file_servers[element.names[1]]
            return element.names[0], fs.name, next(iter(fs.shares), "")
        server, _, share = target.lstrip("\\").partition("\\")
        for cluster in self.lab.clusters.values():
            for fs in cluster.file_servers.values():
                names = {fs.name.lower(), (fs.client_access_point or fs.name).lower()}
                if server.lower() in names:
                    share_name = next((s for s in fs.shares if s.lower() == share.lower()), share)
                    return cluster.name, fs.name, share_name
        return None

    def copies_hit_by(self, node: str) -> None:
        """Play what a client copying to a role owned by ``node`` sees when it dies."""
        from hvlab.cluster.fileserver import copy_during_owner_failure

        remaining = []
        for started, client, cluster, server, share in self.copies:
            c = self.lab.clusters[cluster]
            owner = c.file_servers[server].owner or c.nodes[0]
            if owner != node:
                remaining.append((started, client, cluster, server, share))
                continue
            os = cluster_os(self.lab, c)
            outcome = copy_during_owner_failure(
                self.lab,
                c,
                server,
                share=share or None,
                detection_ms=cluster_route_timeout_ms(c, os, overrides=self.lab),
            )
            self.used_settings.update(outcome.assumptions)
            obj = f"clusters.{cluster}.file_servers.{server}"
            for offset, text in outcome.timeline:
                self.kernel.schedule(
                    offset,
                    partial(self.log, text, obj),
                    name=f"copy {client}",
                )
            if outcome.outcome == "continues":
                lost = outcome.pause_ms or 0
                verdict = f"the copy from {client} pauses {format_duration(lost)} and continues"
            else:
                lost = outcome.role_online_ms
                verdict = f"the copy from {client} fails: {outcome.reason}"
            self.log(verdict, obj, outcome.reason)
            self.file_server_impact.append((obj, lost, outcome.outcome, client))
        self.copies = remaining

    # -- Hyper-V Replica and sites ------------------------------------------------------
    def share_of(self, vm: str) -> int | None:
        """Return ``vm``'s replication bandwidth under the current condition.

        Every VM's share is computed in one pass per condition
        (:func:`hvlab.cluster.sites.replication_shares`): asking VM by VM was quadratic,
        12 s for a 1,000-VM site failover (benchmarks/bench_sites.py).
        """
        if self._shares is None or self._shares[0] is not self.condition:
            self._shares = (self.condition, sites.replication_shares(self.lab, self.condition))
        return self._shares[1].get(vm)

    def replica_transfer_ms(self, vm: str) -> tuple[int | None, int | None]:
        """Return (bandwidth share, time to send one interval) of ``vm``'s replication now."""
        from hvlab.cluster.replica import replication

        share = self.share_of(vm)
        if not share:
            return None, None
        result = replication(self.lab, vm, link_bps=share)
        self.used_settings.update(result.assumptions)
        return share, result.transfer_ms

    def start_replication(self) -> None:
        """Start the replica clock of every running VM that replicates (in sync at t=0)."""
        from hvlab.cluster.replica import replication

        for name, spec in self.lab.vms.items():
            if spec.replica is None or self.vms[name].status != "running":
                continue
            share = self.share_of(name)
            result = replication(self.lab, name, link_bps=share or 1)
            self.used_settings.update(result.assumptions)
            self.used_settings.add("replica.wan_share")
            obj = f"vms.{name}"
            if not result.ok:
                self.log(f"not replicating: {result.reason}", obj)
                continue
            transfer = result.transfer_ms if share else None
            self.replicas[name] = clock = ReplicaClock(name, result.frequency_ms, transfer)
            clock.sample(0)
            if share is None:
                self.log(f"replication to {spec.replica.to} has no route: nothing is sent", obj)
            elif not result.keeps_up:
                self.log(
                    f"replication to {spec.replica.to} falls behind at "
                    f"{format_speed(share)}: each {format_duration(result.frequency_ms)} cycle "
                    f"takes {format_duration(transfer or 0)} to send, so the effective RPO "
                    f"grows {format_duration(result.lag_growth_ms_per_hour)} per hour",
                    obj,
                    result.reason,
                )

    def update_replication(self, cause: str) -> None:
        """Give each replicating VM the bandwidth the new condition leaves it."""
        for name, clock in self.replicas.items():
            share, transfer = self.replica_transfer_ms(name)
            if clock.set_transfer(self.now, transfer):
                what = (
                    "stops: no route to the replica site"
                    if transfer is None
                    else f"continues at {format_speed(share or 0)}, "
                    f"{format_duration(transfer)} per cycle"
                )
                self.log(
                    f"replication {what} (effective RPO now "
                    f"{format_duration(clock.rpo_at(self.now))})",
                    f"vms.{name}",
                    cause,
                )

    def track_primaries(self) -> None:
        """Freeze the replica clock of a primary that stopped writing; resume it after."""
        for name, clock in self.replicas.items():
            vm = self.vms[name]
            if (
                vm.status in ("running", "blackout")
                and vm.host is not None
                and self.condition.host_is_up(self.lab, vm.host)
            ):
                clock.unfreeze(self.now)
            else:
                clock.freeze(self.now)

    def host_free(self, host: str) -> int:
        """Return the memory a VM could still start with on ``host`` now."""
        memory, reserve, assumed = host_capacity(self.lab, host)
        if assumed:
            self.used_settings.add("hyperv.host_reserve")
        used = sum(
            self.lab.vms[v.name].memory.startup
            for v in self.vms.values()
            if v.host == host and v.status in ("running", "booting", "blackout")
        )
        return memory - reserve - used

    def arrive(self, vm: _Vm, source: str | None, target: str) -> None:
        """Decide whether clients reach ``vm`` once it runs on ``target`` (IP mobility)."""
        self.unreachable.pop(vm.name, None)
        self.clients_after.pop(vm.name, None)
        if not self.lab.sites or source is None:
            return
        if sites.site_of(self.lab, source) == sites.site_of(self.lab, target):
            return
        found = sites.mobility(self.lab, vm.name, target, self.condition)
        for m in found:
            self.used_settings.update(m.assumptions)
        why = "; ".join(m.reason for m in found)
        obj = f"vms.{vm.name}"
        if not all(m.reachable for m in found):
            self.unreachable[vm.name] = None
            self.log(f"will come up unreachable on {target}: {why}", obj)
        elif (after := max((m.clients_after_ms for m in found), default=0)) > 0:
            self.clients_after[vm.name] = after
            self.log(f"clients reach it {format_duration(after)} after it starts: {why}", obj)
        elif found:
            self.log(f"keeps its addresses on {target}: {why}", obj)
        self.forget()

    def clients_found(self, vm: _Vm) -> None:
        if self.unreachable.get(vm.name) == self.now:
            del self.unreachable[vm.name]
            self.forget()
            self.log("clients reach it at its new address (DNS TTL expired)", f"vms.{vm.name}")
            self.account_one(vm)
            self.check_services()

    def do_failover(self, what: str, dest: str, step: Step) -> None:
        element = self.element(what)
        if element.kind == "site":
            self.failover_site(element.names[0], dest)
            return
        if element.kind != "vm":
            raise UserError(f"failover takes vm:NAME or 'site:A to B', not {what}")
        if dest.lower() == "test":
            self.test_failover(self.vms[element.names[0]])
            return
        self.replica_failover(self.vms[element.names[0]], 0)

    def test_failover(self, vm: _Vm) -> None:
        """``failover: vm:NAME to test``: a '<VM> - Test' copy boots at the replica on an
        isolated network; the primary and its replication carry on (no impact)."""
        from hvlab.cluster.replica import replication, test_failover

        obj = f"vms.{vm.name}"
        if self.lab.vms[vm.name].replica is None:
            self.log("test failover not possible: the VM has no replica", obj)
            return
        share = self.share_of(vm.name)
        outcome = test_failover(self.lab, replication(self.lab, vm.name, link_bps=share or 1))
        if not outcome.ok:
            self.log(f"test failover failed: {outcome.reason}", obj)
            return
        clock = self.replicas.get(vm.name)
        point = (
            ""
            if clock is None
            else (f" (its latest recovery point is {format_duration(clock.loss_at(self.now))} old)")
        )
        self.log(f"test failover: {outcome.reason}{point}", obj)
        for offset, text in outcome.timeline[1:]:
            self.at(offset, partial(self.log, text, obj), f"test {vm.name}")

    def failover_site(self, site: str, dest: str) -> None:
        """Fail over every VM replicating from ``site`` (to ``dest``), High priority first.

        A wave of one priority starts when the previous wave's VMs answer; NoAutoStart
        VMs are failed over last (hvlab's order; Replica itself has none).
        """
        if site not in self.lab.sites:
            raise UserError(f"no site named {site!r} (sites: {', '.join(self.lab.sites)})")
        if dest and dest not in self.lab.sites:
            raise UserError(f"no site named {dest!r} (sites: {', '.join(self.lab.sites)})")
        order = {"High": 0, "Medium": 1, "Low": 2, "NoAutoStart": 3}
        chosen = []
        for spec in self.lab.vms.values():
            vm = self.vms[spec.name]
            there = sites.replica_target_site(self.lab, spec.name)
            if spec.replica is None or vm.host is None or vm.name in self.failed_over:
                continue
            if sites.site_of(self.lab, vm.host) != site or there == site:
                continue
            if dest and there != dest:
                continue
            chosen.append(spec)
        chosen.sort(key=lambda v: order[v.priority])
        self.log(
            f"site failover of {len(chosen)} replicated VMs from {site} to "
            f"{dest or 'their replica sites'}, by priority",
            f"sites.{site}",
        )
        start = 0
        for priority in ("High", "Medium", "Low", "NoAutoStart"):
            wave = [v for v in chosen if v.priority == priority]
            ends = [self.replica_failover(self.vms[v.name], start) for v in wave]
            start = max([start, *(e for e in ends if e is not None)])

    def replica_failover(self, vm: _Vm, delay: int) -> int | None:
        """Fail ``vm`` over to its replica; return when it answers (ms from now) or None.

        Planned (no loss) while the primary runs and the link is up; unplanned otherwise,
        losing what the replica clock says was not yet in a recovery point.
        """
        from hvlab.cluster.replica import planned_failover, replication, unplanned_failover

        spec = self.lab.vms[vm.name].replica
        obj = f"vms.{vm.name}"
        if spec is None:
            self.log("failover not possible: the VM has no replica", obj)
            return None
        if vm.name in self.failed_over:
            self.log("already failed over to its replica", obj)
            return None
        candidates = [
            h
            for h in sites.replica_target_hosts(self.lab, vm.name)
            if self.condition.host_is_up(self.lab, h)
        ]
        need = self.lab.vms[vm.name].memory.startup
        target = next((h for h in candidates if self.host_free(h) >= need), None)
        if target is None:
            why = "no replica host is up" if not candidates else "no replica host has the memory"
            self.log(f"failover to {spec.to} not possible: {why}", obj)
            return None
        share = self.share_of(vm.name)
        result = replication(self.lab, vm.name, link_bps=share or 1)
        primary_up = (
            vm.status == "running"
            and vm.host is not None
            and self.condition.host_is_up(self.lab, vm.host)
        )
        clock = self.replicas.pop(vm.name, None)
        if primary_up and share:
            outcome = planned_failover(self.lab, result)
            lost, text = 0, outcome.reason
        else:
            at = self.now if clock is None else (clock.frozen_at or self.now)
            outcome = unplanned_failover(self.lab, result, failure_ms=at)
            lost = outcome.data_loss_ms
            rpo = result.rpo_after(at)
            if clock is not None:
                clock.sample(self.now)
                self.finished_replicas.append(clock)
                lost, rpo = clock.failure_loss(self.now)
            text = (
                f"the replica starts from its latest recovery point: "
                f"{format_duration(lost)} of changes lost (effective RPO then "
                f"{format_duration(rpo)})"
            )
        if clock is not None and primary_up and share:
            clock.sample(self.now)
            self.finished_replicas.append(clock)
        if not outcome.ok:
            self.log(f"{outcome.kind} failover to {spec.to} failed: {outcome.reason}", obj)
            return None
        self.failed_over.add(vm.name)
        self.leave_storage(vm.name)
        vm.data_loss += lost
        source = vm.host
        vm.status = "down"
        self.log(
            f"{outcome.kind} failover to {target} ({spec.to}): {text}",
            obj,
            f"replication at {format_speed(share)}" if share else "no replication link",
        )
        self.account_one(vm)
        self.arrive(vm, source, target)
        vm.host = target
        vm.cluster = next((c.name for c in self.lab.clusters.values() if target in c.nodes), None)
        if self.lab.vms[vm.name].priority == "NoAutoStart":
            vm.status = "off"
            self.log("failed over but not started (NoAutoStart)", obj)
            return None
        vm.status = "booting"
        ready = delay + outcome.downtime_ms

        def up() -> None:
            if vm.status != "booting":
                return
            if not self.condition.host_is_up(self.lab, target):
                vm.status = "down"
                return
            vm.status = "running"
            self.log(f"running on the replica host {target}", obj)
            self.wait_for_clients(vm)
            self.account_one(vm)
            self.check_services()

        self.at(ready, up, f"replica {vm.name}")
        return ready

    def pause(self, vm: _Vm) -> None:
        if vm.status == "running":
            vm.status = "blackout"
            self.account_one(vm)

    def moved(self, vm: _Vm, target: str, method: str) -> None:
        vm.host = target
        vm.status = "running"
        self.log(f"{method} migration complete, now on {target}", f"vms.{vm.name}")
        self.account_one(vm)

    def run(self, until: int) -> None:
        self.start_replication()
        self.reevaluate()
        for step in self.scenario.steps:
            self.kernel.schedule_at(
                step.at, partial(self.step, step), priority=URGENT, name=step.verb
            )
        self.kernel.run(until=until)
        self.account()
        for clock in self.replicas.values():
            clock.sample(until)


def _close(t: int, since: int | None, total: int) -> int:
    return total + (t - since if since is not None else 0)


def _spans(t: int, since: int | None, closed: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    # Zero-length spans (down and up at the same instant) are not outages.
    spans = [*closed, (since, t)] if since is not None else closed
    return tuple((a, b) for a, b in spans if b > a)


def simulate(
    lab: Lab,
    scenario: Scenario | str | None = None,
    *,
    seed: int = 0,
    until: int | None = None,
    views: Views | None = None,
) -> SimResult:
    """Return the timeline and per-VM and per-service impact of ``scenario`` on ``lab``.

    ``scenario`` is a :class:`~hvlab.model.scenario.Scenario`, the name of one in the
    lab, or ``None`` for the lab's first scenario. ``until`` (ms) defaults to the
    scenario's ``duration`` or 10 minutes after its last step. Deterministic: the same
    lab, scenario and seed give the same result. ``views`` supplies the layer-2 views
    (default: computed with :func:`hvlab.l2.network.analyse` as needed); the sweep passes
    its cache of them, which must answer exactly as ``analyse`` would.
    """
    if scenario is None or isinstance(scenario, str):
        if not lab.scenarios:
            raise UserError(f"lab {lab.name} has no scenarios; add one under scenarios:")
        if scenario is None:
            scenario = next(iter(lab.scenarios.values()))
        elif scenario not in lab.scenarios:
            from hvlab.model.load import suggest

            raise UserError(
                f"no scenario {scenario!r}{suggest(scenario, lab.scenarios)} "
                f"(scenarios: {', '.join(lab.scenarios)})"
            )
        else:
            scenario = lab.scenarios[scenario]
    last = max((s.at for s in scenario.steps), default=0)
    end = until if until is not None else (scenario.duration or last + DEFAULT_DURATION_MS)
    sim = _Simulation(lab, scenario, seed, views)
    sim.run(end)
    impact: list[Impact] = []
    for vm in sim.vms.values():
        blocked = sim.blocked_reason(vm.name) if vm.status == "running" else None
        impact.append(
            Impact(
                f"vms.{vm.name}",
                _close(end, vm.down_since, vm.downtime),
                _close(end, vm.degraded_since, vm.degraded),
                vm.data_loss,
                f"running, {blocked}" if blocked else vm.status,
                vm.host or "",
                _spans(end, vm.down_since, vm.intervals),
                _spans(end, vm.degraded_since, vm.degraded_intervals),
                vm.bandwidth_lost,
            )
        )
    for service in sim.services:
        impact.append(
            Impact(
                f"load_balancers.{service.lb}.virtual_services.{service.vs}",
                _close(end, service.down_since, service.downtime),
                _close(end, service.degraded_since, service.degraded),
                0,
                "up" if service.in_rotation else "down",
                ", ".join(sorted(service.in_rotation)),
                _spans(end, service.down_since, service.intervals),
                _spans(end, service.degraded_since, service.degraded_intervals),
            )
        )
    for obj, lost, outcome, client in sim.file_server_impact:
        impact.append(Impact(obj, lost, 0, 0, f"copy {outcome}", client))
    rows: list[dict[str, Any]] = assumption_rows(lab, sim.used_settings)
    clocks = sorted([*sim.replicas.values(), *sim.finished_replicas], key=lambda c: c.vm)
    replication = tuple(
        ReplicationRow(c.vm, c.frequency_ms, tuple(c.samples), c.vm in sim.failed_over)
        for c in clocks
    )
    return SimResult(
        lab=lab.name,
        scenario=scenario.name,
        seed=seed,
        duration_ms=end,
        timeline=tuple(sim.timeline),
        impact=tuple(impact),
        assumptions=tuple(rows),
        replication=replication,
        events=sim.kernel.processed,
    )
