"""Which member carries which flow, in and out, and what each VM can use: ``distribute()``.

:func:`distribute` is a pure function of (Lab, Condition, flows): it resolves the team
(:mod:`~hvlab.teaming.modes`), works out which members Windows uses and which ones really
carry traffic (:mod:`~hvlab.teaming.failover`, :mod:`~hvlab.teaming.lacp`), then places
every flow -- vectorised, no Python loop per flow:

* **Outbound** (host to switch): the team's algorithm picks a member among the active
  ones with :func:`~hvlab.teaming.hashing.lbfo_member` (TransportPorts, IPAddresses,
  MacAddresses, HyperVPort; Dynamic starts from the TransportPorts hash). Dynamic then
  rebalances interval by interval (``lbfo.dynamic.rebalance_interval``): a flow with a
  flowlet boundary in the interval (an idle gap of at least ``lbfo.dynamic.flowlet_gap``,
  drawn from its mean idle gap and the seed) keeps its running flowlet where it is and its
  later flowlets are placed, largest first, into the members' deficits below the level
  that evens them out (water-filling); it continues on that member. The OVS comparison
  modes use the bit-exact OVS bucket hash and ``bond_rebalance()`` every
  ``ovs.rebalance_interval``.
* **Inbound** (switch to host): Switch Independent with an address hash -- all on the
  primary member; Switch Independent with HyperVPort or Dynamic -- on the member the
  flow's vSwitch port is affinitised to (the HyperVPort hash); Static and LACP -- the
  switch's hash over the members it forwards on, modelled by the Linux ``bond_xmit_hash``
  of ``teaming.switch_hash`` applied to the reversed flows.
* **Per VM**: the bandwidth a VM (endpoint) can reach out and in. HyperVPort ties a VM to
  one member: it is limited to that member's speed. Algorithms ignore member speeds (a
  mixed-speed team is unsupported): a flow's member does not depend on speed.

Bytes are summed in float64 (exact below 2**53 bytes, 9 PB per member); flow counts are
exact.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from hvlab.condition import Condition
from hvlab.model.lab import Lab
from hvlab.teaming import ovs
from hvlab.teaming.assumptions import Assumption, resolve
from hvlab.teaming.failover import TeamState, team_state
from hvlab.teaming.flows import FlowBatch, team_flows
from hvlab.teaming.hashing import (
    LBFO_ALGORITHMS,
    XMIT_HASH_POLICIES,
    FlowArrays,
    LbfoAlgorithm,
    XmitHashPolicy,
    lbfo_member,
    linux_bond_member,
)
from hvlab.teaming.lacp import TeamLacp
from hvlab.teaming.modes import (
    InboundPolicy,
    TeamSpec,
    inbound_policy,
    mac_rules,
    resolve_team,
    vmq_mode,
)

__all__ = [
    "Distribution",
    "MemberLoad",
    "RebalanceMove",
    "RebalanceStep",
    "VmBandwidth",
    "comparable_algorithms",
    "distribute",
    "imbalance",
    "interval_imbalance",
    "jain_fairness",
]

_PER_PORT: Final = frozenset({"HyperVPort", "ovs:balance-slb"})

I32 = NDArray[np.int32]
F64 = NDArray[np.float64]
Loads = NDArray[Any]
Ticks = list[tuple[float, Loads, list[tuple[int, int, int, float]]]]


@dataclass(frozen=True, slots=True)
class MemberLoad:
    """One member's share of the flows.

    Attributes
    ----------
    name : str
        Member NIC.
    state : {"active", "standby", "failed"}
        As ``OperationalMode``.
    failure_reason : str
        As ``Get-NetLbfoTeamMember`` shows it.
    primary : bool
        The team's (possibly temporary) primary member.
    carries : bool
        Traffic Windows sends on it gets through.
    speed_bps : int
        NIC speed.
    flows, bytes : int
        Outbound flows (by final member) and bytes it sends.
    share : float
        ``bytes`` over the team's outbound bytes.
    inbound_flows, inbound_bytes : int
        Inbound flows and bytes that arrive on it.
    inbound_share : float
        ``inbound_bytes`` over the team's inbound bytes.
    lost_bytes, inbound_lost_bytes : int
        Bytes sent to or arriving on it that are dropped (a member the switch suspends, or
        a member the host does not accept frames on).
    utilisation, inbound_utilisation : float
        Average use of its speed over the window (may exceed 1: the offered load).
    """

    name: str
    state: str
    failure_reason: str
    primary: bool
    carries: bool
    speed_bps: int
    flows: int
    bytes: int
    share: float
    inbound_flows: int
    inbound_bytes: int
    inbound_share: float
    lost_bytes: int
    inbound_lost_bytes: int
    utilisation: float
    inbound_utilisation: float


@dataclass(frozen=True, slots=True)
class RebalanceMove:
    """Flows moved from one member to another at one rebalancing tick.

    Attributes
    ----------
    source, target : str
        Member NICs.
    flows : int
        Flows moved (for OVS: flows of the moved buckets that were running).
    bytes : int
        Bytes those flows send in the next interval (OVS: the buckets' counted load).
    buckets : int
        OVS buckets moved (0 for Dynamic, which moves flows).
    """

    source: str
    target: str
    flows: int
    bytes: int
    buckets: int


@dataclass(frozen=True, slots=True)
class RebalanceStep:
    """One rebalancing interval (Dynamic) or run (OVS).

    Attributes
    ----------
    t_s : float
        Dynamic: start of the interval; OVS: time of the ``bond_rebalance()`` run.
    loads : tuple of int
        Bytes each member (team order) sent: Dynamic, in the interval starting at ``t_s``
        (after its moves); OVS, in the interval ending at ``t_s`` (what the run read).
    moves : tuple of RebalanceMove
        What moved (empty when nothing did).
    """

    t_s: float
    loads: tuple[int, ...]
    moves: tuple[RebalanceMove, ...]


@dataclass(frozen=True, slots=True)
class VmBandwidth:
    """What one endpoint (VM adapter, host vNIC, team interface) gets from the team.

    Attributes
    ----------
    name : str
        Endpoint name (``SQL1``).
    vm : str or None
        VM name.
    vswitch_port : int
        Its Hyper-V switch port.
    flows, bytes, inbound_bytes : int
        Its traffic in the batch.
    members, inbound_members : tuple of str
        Members its flows leave and arrive on.
    outbound_bps, inbound_bps : int
        Bandwidth it can reach out and in: one member's speed when tied to a member
        (HyperVPort; inbound on the primary or the affinitised member), the sum of the
        carrying members' speeds when its flows are spread.
    single_flow_bps : int
        Most one flow can get (a flow uses one member at a time).
    """

    name: str
    vm: str | None
    vswitch_port: int
    flows: int
    bytes: int
    inbound_bytes: int
    members: tuple[str, ...]
    inbound_members: tuple[str, ...]
    outbound_bps: int
    inbound_bps: int
    single_flow_bps: int


@dataclass(frozen=True, slots=True, eq=False)
class Distribution:
    """The answer of :func:`distribute`.

    Attributes
    ----------
    spec : TeamSpec
        The team as resolved (effective mode, algorithm and its origin).
    state : TeamState
        Member states, primary, team status.
    members : tuple of MemberLoad
        In team order.
    imbalance, jain : float
        Outbound bytes of the active members: max/mean, and Jain's fairness index
        ``(sum x)^2 / (n * sum x^2)`` (1.0 is perfectly even).
    interval_imbalance : float
        Mean over rebalance intervals (``lbfo.dynamic.rebalance_interval``; OVS: its own)
        of max/mean: how uneven the members are at any moment, which whole-window totals
        hide (an elephant can fill one member for seconds). Equals ``imbalance`` for a batch
        without timing.
    inbound_policy : {"primary", "affinity", "switch"}
        How inbound traffic reaches the members.
    inbound_imbalance, inbound_jain : float
        The same over inbound bytes of the members receiving.
    vmq_mode : str
        ``SumOfQueues`` or ``MinQueues``.
    mac_rules : tuple of str
        Source MAC and ARP/NS rules of the mode and algorithm.
    flows, bytes, inbound_bytes, lost_bytes, inbound_lost_bytes : int
        Totals.
    window_s : float
        The interval the flows describe.
    seed : int or None
        Seed of generated flows.
    vms : tuple of VmBandwidth
        Per endpoint.
    rebalancing : tuple of RebalanceStep
        Dynamic and OVS modes: each tick with its moves.
    assumptions : tuple of Assumption
        Every setting the answer rests on, with its value and origin.
    member_of_flow, inbound_member_of_flow : numpy.ndarray of int16
        Final member index (team order) of each flow out and in; -1 when none.
    moved : numpy.ndarray of bool
        Flows moved at least once by rebalancing.
    """

    spec: TeamSpec
    state: TeamState
    members: tuple[MemberLoad, ...]
    imbalance: float
    jain: float
    interval_imbalance: float
    inbound_policy: InboundPolicy
    inbound_imbalance: float
    inbound_jain: float
    vmq_mode: str
    mac_rules: tuple[str, ...]
    flows: int
    bytes: int
    inbound_bytes: int
    lost_bytes: int
    inbound_lost_bytes: int
    window_s: float
    seed: int | None
    vms: tuple[VmBandwidth, ...]
    rebalancing: tuple[RebalanceStep, ...]
    assumptions: tuple[Assumption, ...]
    member_of_flow: NDArray[np.int16]
    inbound_member_of_flow: NDArray[np.int16]
    moved: NDArray[np.bool_]

    @property
    def team(self) -> str:
        """Team (or SET switch) name."""
        return self.spec.name

    @property
    def mode(self) -> str:
        """Effective ``TeamingMode``."""
        return self.spec.mode

    @property
    def algorithm(self) -> str:
        """Effective algorithm."""
        return self.spec.algorithm

    @property
    def status(self) -> str:
        """Team ``Status``."""
        return self.state.status

    @property
    def lacp(self) -> TeamLacp | None:
        """Link aggregation details (LBFO teams)."""
        return self.state.lacp

    def member(self, name: str) -> MemberLoad:
        """Return the load of member ``name``."""
        return next(m for m in self.members if m.name == name)


def imbalance(loads: Sequence[float] | Loads) -> float:
    """Return max/mean of ``loads`` (0.0 for no load or no members)."""
    x = np.asarray(loads, dtype=np.float64)
    if x.size == 0 or x.sum() <= 0:
        return 0.0
    return float(x.max() / x.mean())


def jain_fairness(loads: Sequence[float] | Loads) -> float:
    """Return Jain's fairness index ``(sum x)^2 / (n * sum x^2)`` (0.0 for no load)."""
    x = np.asarray(loads, dtype=np.float64)
    if x.size == 0:
        return 0.0
    sq = float((x * x).sum())
    return float(x.sum() ** 2 / (x.size * sq)) if sq > 0 else 0.0


# --------------------------------------------------------------------------------------
# Placement
# --------------------------------------------------------------------------------------


def _hash_slots(arrays: FlowArrays, algorithm: str, n_active: int) -> I32:
    if algorithm in LBFO_ALGORITHMS:
        alg: LbfoAlgorithm = next(a for a in LBFO_ALGORITHMS if a == algorithm)
        return lbfo_member(arrays, alg, n_active).astype(np.int32)
    raise ValueError(f"{algorithm} is not a hash algorithm")  # pragma: no cover


def _epochs(batch: FlowBatch, interval_s: float) -> tuple[int, F64, F64]:
    window = batch.window_s
    count = max(1, math.ceil(window / interval_s - 1e-9))
    if batch.start_s is not None and batch.duration_s is not None:
        return count, batch.start_s, batch.duration_s
    n = len(batch)
    return count, np.zeros(n), np.full(n, window)


def _overlap(start: F64, end: F64, lo: float, hi: float) -> F64:
    out: F64 = np.clip(np.minimum(end, hi) - np.maximum(start, lo), 0.0, None)
    return out


@dataclass
class _TimeSplit:
    epochs: int
    interval: float
    long_idx: NDArray[np.intp]
    start: F64
    end: F64
    rate: F64
    short_epoch: NDArray[np.intp]
    short_idx: NDArray[np.intp]

    def long_bytes(self, epoch: int) -> F64:
        lo = epoch * self.interval
        return self.rate * _overlap(self.start, self.end, lo, lo + self.interval)


def _split(batch: FlowBatch, interval_s: float) -> _TimeSplit:
    epochs, start, duration = _epochs(batch, interval_s)
    end = start + duration
    e0 = np.minimum((start / interval_s).astype(np.intp), epochs - 1)
    e1 = np.minimum((end / interval_s).astype(np.intp), epochs - 1)
    is_long = e1 > e0
    long_idx = np.flatnonzero(is_long)
    short_idx = np.flatnonzero(~is_long)
    nbytes = batch.arrays.bytes[long_idx].astype(np.float64)
    dur = duration[long_idx]
    rate = np.divide(nbytes, dur, out=np.zeros_like(nbytes), where=dur > 0)
    return _TimeSplit(
        epochs=epochs,
        interval=interval_s,
        long_idx=long_idx,
        start=start[long_idx],
        end=end[long_idx],
        rate=rate,
        short_epoch=e0[short_idx],
        short_idx=short_idx,
    )


def _water_fill(fixed: Loads, fluid: Loads) -> tuple[NDArray[np.intp], Loads]:
    """Place ``fluid`` loads (any order) onto members already carrying ``fixed``.

    Largest first into the members' deficits below the common level that the total would
    reach if spread perfectly; returns each fluid load's member and the resulting loads.
    """
    n = fixed.size
    order = np.argsort(-fluid, kind="stable")
    total = float(fixed.sum() + fluid.sum())
    # Water level L with sum(max(0, L - fixed)) == fluid.sum().
    srt = np.sort(fixed)
    level = srt[-1]
    for k in range(1, n + 1):
        candidate = (total - float(srt[k:].sum())) / k
        if k == n or candidate <= srt[k]:
            level = candidate
            break
    deficit = np.maximum(level - fixed, 0.0)
    members = np.argsort(-deficit, kind="stable")
    cum = np.cumsum(deficit[members])
    sizes = fluid[order]
    centre = np.cumsum(sizes) - sizes / 2
    pick = members[np.minimum(np.searchsorted(cum, centre), n - 1)]
    target = np.empty(fluid.size, dtype=np.intp)
    target[order] = pick
    loads = fixed + np.bincount(target, weights=fluid, minlength=n)
    return target, loads


def _dynamic(
    batch: FlowBatch,
    slot0: I32,
    n_active: int,
    interval_s: float,
    flowlet_gap_us: float,
    idle_gap_us: float,
    seed: int,
) -> tuple[I32, Loads, Ticks, NDArray[np.bool_]]:
    """Dynamic: hash placement, then per interval the flowlets after a boundary move.

    Returns final slots, bytes per slot and interval, ticks, and the moved mask.
    """
    n = len(batch)
    nbytes = batch.arrays.bytes.astype(np.float64)
    if batch.timed:
        assert batch.start_s is not None and batch.duration_s is not None
        start, duration = batch.start_s, batch.duration_s
        epochs = max(1, math.ceil(batch.window_s / interval_s - 1e-9))
    else:
        # No timing: every flow runs over the whole window, taken as one interval.
        start, duration = np.zeros(n), np.full(n, batch.window_s)
        epochs, interval_s = 1, batch.window_s
    end = start + duration
    rate = np.divide(nbytes, duration, out=np.zeros(n), where=duration > 0)
    e0 = np.minimum((start / interval_s).astype(np.intp), epochs - 1)
    e1 = np.minimum((end / interval_s).astype(np.intp), epochs - 1)
    e1 = np.maximum(e1, e0)
    gaps = (
        batch.idle_gap_us.astype(np.float64)
        if batch.idle_gap_us is not None
        else np.full(n, float(idle_gap_us))
    )
    gaps = np.maximum(gaps, 1e-3)
    # Flowlet boundaries (idle gaps >= the flowlet gap, exponential gaps of mean tau) per s.
    boundary_rate = np.exp(-flowlet_gap_us / gaps) / (gaps * 1e-6)
    # Flows living in one interval, grouped by that interval (a stable radix sort).
    single = np.flatnonzero(e0 == e1)
    by_epoch = single[np.argsort(e0[single].astype(np.uint16), kind="stable")]
    bounds = np.searchsorted(e0[by_epoch], np.arange(epochs + 1))
    multi = np.flatnonzero(e0 != e1)
    rng = np.random.default_rng([seed, 0x44594E])  # "DYN": independent of the flow draw
    cur = slot0.astype(np.intp)
    moved = np.zeros(n, dtype=np.bool_)
    per_epoch = np.zeros((n_active, epochs), dtype=np.float64)
    ticks: Ticks = []
    for e in range(epochs):
        lo, hi = e * interval_s, (e + 1) * interval_s
        spanning = multi[(e0[multi] <= e) & (e1[multi] >= e)]
        alive = np.concatenate([by_epoch[bounds[e] : bounds[e + 1]], spanning])
        present = _overlap(start[alive], end[alive], lo, hi) if epochs > 1 else duration[alive]
        part = rate[alive] * present
        k = present * boundary_rate[alive]  # expected flowlet boundaries in the interval
        movable = rng.random(alive.size) < -np.expm1(-k)
        # The flowlet running into the interval stays; later flowlets may go anywhere.
        fixed_part = np.where(movable, part / (1.0 + k), part)
        fixed = np.bincount(cur[alive], weights=fixed_part, minlength=n_active)
        idx = alive[movable]
        moves: list[tuple[int, int, int, float]] = []
        loads: Loads
        if n_active > 1 and idx.size:
            fluid = (part - fixed_part)[movable]
            target, loads = _water_fill(fixed, fluid)
            source = cur[idx]
            changed = target != source
            if changed.any():
                pair_id = source[changed] * n_active + target[changed]
                counts = np.bincount(pair_id, minlength=n_active * n_active)
                moved_bytes = np.bincount(
                    pair_id, weights=fluid[changed], minlength=n_active * n_active
                )
                for pid in np.flatnonzero(counts):
                    moves.append(
                        (
                            int(pid // n_active),
                            int(pid % n_active),
                            int(counts[pid]),
                            float(moved_bytes[pid]),
                        )
                    )
                moved[idx[changed]] = True
                cur[idx] = target
        else:
            loads = fixed + np.bincount(
                cur[idx], weights=(part - fixed_part)[movable], minlength=n_active
            )
        per_epoch[:, e] = loads
        ticks.append((lo, loads, moves))
    return cur.astype(np.int32), per_epoch, ticks, moved


def _static_epochs(batch: FlowBatch, slot: I32, n_active: int, interval_s: float) -> Loads:
    """Bytes per slot and interval of a placement that does not change over time."""
    split = _split(batch, interval_s)
    epochs = split.epochs
    short = split.short_idx
    per_epoch: Loads = np.bincount(
        slot[short].astype(np.intp) * epochs + split.short_epoch,
        weights=batch.arrays.bytes[short],
        minlength=n_active * epochs,
    ).reshape(n_active, epochs)
    slot_long = slot[split.long_idx]
    for e in range(epochs):
        per_epoch[:, e] += np.bincount(slot_long, weights=split.long_bytes(e), minlength=n_active)
    return per_epoch


def interval_imbalance(per_epoch: Loads) -> float:
    """Return the mean over intervals with traffic of max/mean across members."""
    x = np.asarray(per_epoch, dtype=np.float64)
    if x.size == 0:
        return 0.0
    mean = x.mean(axis=0)
    busy = mean > 0
    if not busy.any():
        return 0.0
    return float((x.max(axis=0)[busy] / mean[busy]).mean())


def _ovs(
    batch: FlowBatch, algorithm: str, n_active: int, interval_s: float
) -> tuple[I32, Loads, Ticks, NDArray[np.bool_]]:
    """OVS balance-tcp / balance-slb with bond_rebalance() every interval."""
    arrays = batch.arrays
    buckets = (
        ovs.balance_tcp_buckets(arrays)
        if algorithm == "ovs:balance-tcp"
        else ovs.balance_slb_buckets(arrays)
    ).astype(np.intp)
    enabled = [True] * n_active
    assign = ovs.assign_buckets_first_use(buckets, enabled)
    split = _split(batch, interval_s)
    epochs = split.epochs
    nbytes = arrays.bytes.astype(np.float64)
    nb = ovs.BOND_BUCKETS
    short_loads = np.bincount(
        buckets[split.short_idx] * epochs + split.short_epoch,
        weights=nbytes[split.short_idx],
        minlength=nb * epochs,
    ).reshape(nb, epochs)
    long_buckets = buckets[split.long_idx]
    acc = np.zeros(nb, dtype=np.uint64)
    per_epoch = np.zeros((n_active, epochs), dtype=np.float64)
    ticks: Ticks = []
    moved_bucket = np.zeros(nb, dtype=np.bool_)
    for e in range(epochs):
        bucket_load = short_loads[:, e] + np.bincount(
            long_buckets, weights=split.long_bytes(e), minlength=nb
        )
        member = np.bincount(
            assign[assign >= 0], weights=bucket_load[assign >= 0], minlength=n_active
        )
        per_epoch[:, e] = member
        if e == epochs - 1:
            break
        t = (e + 1) * interval_s
        acc = acc + np.rint(bucket_load).astype(np.uint64)
        result = ovs.bond_rebalance(assign, acc, enabled)
        running = (split.start < t) & (split.end > t)
        moves: list[tuple[int, int, int, float]] = []
        for mv in result.moves:
            flows = int(np.count_nonzero(running & (long_buckets == mv.bucket)))
            moves.append((mv.from_member, mv.to_member, flows, float(mv.tx_bytes)))
            moved_bucket[mv.bucket] = True
        assign = result.assignment
        acc = result.loads
        ticks.append((t, member, moves))
    final = assign[buckets].astype(np.int32)
    moved = np.zeros(len(batch), dtype=np.bool_)
    moved[split.long_idx] = moved_bucket[long_buckets]
    return final, per_epoch, ticks, moved


def _reverse(arrays: FlowArrays, inbound: NDArray[np.uint64]) -> FlowArrays:
    return FlowArrays(
        src_mac=arrays.dst_mac,
        dst_mac=arrays.src_mac,
        ethertype=arrays.ethertype,
        vlan=arrays.vlan,
        ip_proto=arrays.ip_proto,
        src_ip=arrays.dst_ip,
        dst_ip=arrays.src_ip,
        src_port=arrays.dst_port,
        dst_port=arrays.src_port,
        is_fragment=arrays.is_fragment,
        vswitch_port=arrays.vswitch_port,
        bytes=inbound,
        src_ip6=arrays.dst_ip6,
        dst_ip6=arrays.src_ip6,
        icmp_type=arrays.icmp_type,
        icmp_code=arrays.icmp_code,
        icmp_id=arrays.icmp_id,
        is_later_fragment=arrays.is_later_fragment,
    )


# --------------------------------------------------------------------------------------
# distribute()
# --------------------------------------------------------------------------------------


def distribute(
    lab: Lab,
    host: str,
    team: str,
    flows: FlowBatch | FlowArrays | None = None,
    condition: Condition | None = None,
    algorithm: str | None = None,
    *,
    n_flows: int = 100_000,
    seed: int = 1,
) -> Distribution:
    """Place ``flows`` on the members of ``host``'s team (or SET switch) ``team``.

    Parameters
    ----------
    lab : Lab
        The lab.
    host, team : str
        The host and its LBFO team or SET switch.
    flows : FlowBatch or FlowArrays, optional
        The flows; by default :func:`~hvlab.teaming.flows.team_flows` draws ``n_flows``
        from the endpoints behind the team with ``seed``.
    condition : Condition, optional
        What is failed, and overrides (``team:HOST:TEAM.algorithm``, settings of
        :mod:`~hvlab.teaming.assumptions`, ``lacp.silent``).
    algorithm : str, optional
        Use this algorithm instead of the team's (an LBFO name or ``ovs:balance-tcp``,
        ``ovs:balance-slb``).

    Returns
    -------
    Distribution
        Per-member flows, bytes, shares, states; imbalance and fairness out and in;
        per-VM bandwidth; rebalancing moves; the assumptions used.

    Raises
    ------
    UserError
        Unknown host or team, bad algorithm or override.
    """
    condition = condition or Condition.none()
    spec = resolve_team(lab, host, team, condition, algorithm)
    state = team_state(lab, spec, condition)
    if flows is None:
        batch = team_flows(lab, spec, n_flows, seed)
    elif isinstance(flows, FlowArrays):
        batch = FlowBatch.from_arrays(flows)
    else:
        batch = flows
    return _place(lab, spec, state, batch, condition)


def _place(
    lab: Lab, spec: TeamSpec, state: TeamState, batch: FlowBatch, condition: Condition
) -> Distribution:
    arrays = batch.arrays
    n = len(batch)
    n_members = len(spec.members)
    active = np.array(state.active, dtype=np.intp)
    n_act = len(active)
    alg = spec.algorithm
    used: list[Assumption] = []
    if alg in LBFO_ALGORITHMS:
        used.append(resolve("lbfo.hash"))
    ticks: Ticks = []
    moved = np.zeros(n, dtype=np.bool_)
    per_epoch: Loads | None = None
    if n_act == 0:
        slot = np.full(n, -1, dtype=np.int32)
    elif alg == "Dynamic":
        interval = resolve("lbfo.dynamic.rebalance_interval", lab, condition)
        gap = resolve("lbfo.dynamic.flowlet_gap", lab, condition)
        idle = resolve("lbfo.dynamic.idle_gap", lab, condition)
        used += [interval, gap, idle]
        slot0 = _hash_slots(arrays, "Dynamic", n_act)
        seed = batch.seed if batch.seed is not None else 0
        slot, per_epoch, ticks, moved = _dynamic(
            batch,
            slot0,
            n_act,
            float(interval.value) / 1000.0,
            float(gap.value),
            float(idle.value),
            seed,
        )
    elif alg.startswith("ovs:"):
        interval = resolve("ovs.rebalance_interval", lab, condition)
        used.append(interval)
        slot, per_epoch, ticks, moved = _ovs(batch, alg, n_act, float(interval.value) / 1000.0)
    else:
        slot = _hash_slots(arrays, alg, n_act)
        if batch.timed:
            interval = resolve("lbfo.dynamic.rebalance_interval", lab, condition)
            per_epoch = _static_epochs(batch, slot, n_act, float(interval.value) / 1000.0)

    member_of_flow = np.full(n, -1, dtype=np.int16)
    flows_per: Loads
    bytes_per: Loads
    in_flows: Loads
    in_bytes: Loads
    if n_act:
        member_of_flow = active.astype(np.int16)[slot]
        flows_per = np.bincount(member_of_flow, minlength=n_members)
        if per_epoch is None or (alg in LBFO_ALGORITHMS and alg != "Dynamic"):
            bytes_per = np.bincount(member_of_flow, weights=arrays.bytes, minlength=n_members)
        else:
            bytes_per = np.zeros(n_members)
            bytes_per[active] = per_epoch.sum(axis=1)
    else:
        flows_per = np.zeros(n_members, dtype=np.intp)
        bytes_per = np.zeros(n_members)
    total_out = float(arrays.bytes.sum(dtype=np.float64))

    # Inbound.
    policy = inbound_policy(spec.mode, alg)
    lacp = state.lacp
    if policy != "switch" and lacp is not None and any(m.outcome == "static" for m in lacp.members):
        policy = "switch"  # a switch bundling the ports statically hashes inbound itself
    inbound = batch.inbound_bytes
    in_member = np.full(n, -1, dtype=np.int16)
    primary = spec.members.index(state.primary) if state.primary is not None else None
    if policy == "primary":
        if primary is not None:
            in_member[:] = primary
    elif policy == "affinity":
        if n_act:
            in_member = active.astype(np.int16)[lbfo_member(arrays, "HyperVPort", n_act)]
    else:
        switch_side = [
            i
            for i, m in enumerate(state.members)
            if m.down_because is None
            and m.failure_reason != "PhysicalMediaDisconnected"
            and (m.lacp is None or m.lacp.switch_forwards)
        ]
        if switch_side:
            policy_hash = resolve("teaming.switch_hash", lab, condition)
            used.append(policy_hash)
            reverse = _reverse(arrays, batch.inbound_bytes)
            xmit: XmitHashPolicy = next(p for p in XMIT_HASH_POLICIES if p == policy_hash.value)
            idx = linux_bond_member(reverse, xmit, len(switch_side))
            in_member = np.array(switch_side, dtype=np.int16)[idx]
    if policy == "primary" and primary is not None:
        in_flows = np.zeros(n_members, dtype=np.intp)
        in_bytes = np.zeros(n_members)
        in_flows[primary] = n
        in_bytes[primary] = float(inbound.sum(dtype=np.float64))
    else:
        has_in = in_member >= 0
        if has_in.all():
            in_flows = np.bincount(in_member, minlength=n_members)
            in_bytes = np.bincount(in_member, weights=inbound, minlength=n_members)
        else:
            in_flows = np.bincount(in_member[has_in], minlength=n_members)
            in_bytes = np.bincount(in_member[has_in], weights=inbound[has_in], minlength=n_members)
    total_in = float(inbound.sum(dtype=np.float64))

    members: list[MemberLoad] = []
    lost_total = 0.0 if n_act else total_out
    lost_in_total = total_in - float(in_bytes.sum())
    window = batch.window_s
    for i, ms in enumerate(state.members):
        accepts = ms.state == "active" and ms.carries
        lost = float(bytes_per[i]) if (ms.state == "active" and not ms.carries) else 0.0
        lost_in = float(in_bytes[i]) if not accepts else 0.0
        lost_total += lost
        lost_in_total += lost_in
        speed = ms.speed_bps
        members.append(
            MemberLoad(
                name=ms.name,
                state=ms.state,
                failure_reason=ms.failure_reason,
                primary=primary == i,
                carries=ms.carries,
                speed_bps=speed,
                flows=int(flows_per[i]),
                bytes=round(float(bytes_per[i])),
                share=float(bytes_per[i] / total_out) if total_out else 0.0,
                inbound_flows=int(in_flows[i]),
                inbound_bytes=round(float(in_bytes[i])),
                inbound_share=float(in_bytes[i] / total_in) if total_in else 0.0,
                lost_bytes=round(lost),
                inbound_lost_bytes=round(lost_in),
                utilisation=float(bytes_per[i] * 8 / (speed * window)) if speed else 0.0,
                inbound_utilisation=float(in_bytes[i] * 8 / (speed * window)) if speed else 0.0,
            )
        )
    active_bytes = bytes_per[active] if n_act else np.zeros(0)
    receiving = active if n_act else np.flatnonzero(in_bytes > 0)
    rebalancing = tuple(
        RebalanceStep(
            t_s=round(t, 6),
            loads=_expand(loads, active, n_members),
            moves=tuple(
                RebalanceMove(
                    spec.members[int(active[a])],
                    spec.members[int(active[b])],
                    f,
                    round(bb),
                    0 if alg == "Dynamic" else 1,
                )
                for a, b, f, bb in mv
            ),
        )
        for t, loads, mv in ticks
    )
    if alg.startswith("ovs:"):
        rebalancing = tuple(_merge_bucket_moves(step) for step in rebalancing)
    if spec.mode == "SwitchIndependent" and spec.kind == "lbfo":
        used.append(resolve("lbfo.primary"))
    used += [a for a in state.assumptions if a.key not in {u.key for u in used}]
    vms = _vm_bandwidth(spec, state, batch, member_of_flow, in_member, policy, active)
    return Distribution(
        spec=spec,
        state=state,
        members=tuple(members),
        imbalance=imbalance(active_bytes),
        jain=jain_fairness(active_bytes),
        interval_imbalance=(
            interval_imbalance(per_epoch) if per_epoch is not None else imbalance(active_bytes)
        ),
        inbound_policy=policy,
        inbound_imbalance=imbalance(in_bytes[receiving]) if receiving.size else 0.0,
        inbound_jain=jain_fairness(in_bytes[receiving]) if receiving.size else 0.0,
        vmq_mode=vmq_mode(spec.mode, alg, spec.kind),
        mac_rules=mac_rules(spec.mode, alg, spec.kind),
        flows=n,
        bytes=round(total_out),
        inbound_bytes=round(total_in),
        lost_bytes=round(lost_total),
        inbound_lost_bytes=round(lost_in_total),
        window_s=batch.window_s,
        seed=batch.seed,
        vms=vms,
        rebalancing=rebalancing,
        assumptions=tuple(_unique(used)),
        member_of_flow=member_of_flow,
        inbound_member_of_flow=in_member,
        moved=moved,
    )


def _unique(items: Sequence[Assumption]) -> list[Assumption]:
    seen: set[str] = set()
    out: list[Assumption] = []
    for a in items:
        if a.key not in seen:
            seen.add(a.key)
            out.append(a)
    return out


def _expand(loads: Loads, active: NDArray[np.intp], n_members: int) -> tuple[int, ...]:
    full = np.zeros(n_members)
    full[active] = loads
    return tuple(round(float(x)) for x in full)


def _merge_bucket_moves(step: RebalanceStep) -> RebalanceStep:
    merged: dict[tuple[str, str], list[int]] = {}
    for m in step.moves:
        acc = merged.setdefault((m.source, m.target), [0, 0, 0])
        acc[0] += m.flows
        acc[1] += m.bytes
        acc[2] += m.buckets
    return RebalanceStep(
        step.t_s,
        step.loads,
        tuple(RebalanceMove(s, t, f, b, k) for (s, t), (f, b, k) in merged.items()),
    )


def _vm_bandwidth(
    spec: TeamSpec,
    state: TeamState,
    batch: FlowBatch,
    member_of_flow: NDArray[np.int16],
    in_member: NDArray[np.int16],
    policy: InboundPolicy,
    active: NDArray[np.intp],
) -> tuple[VmBandwidth, ...]:
    n_members = len(spec.members)
    k = len(batch.endpoints)
    ep = batch.endpoint.astype(np.intp, copy=False)
    flows = np.bincount(ep, minlength=k)
    out_bytes = np.bincount(ep, weights=batch.arrays.bytes, minlength=k)
    in_bytes = np.bincount(ep, weights=batch.inbound_bytes, minlength=k)

    def used_by(member: NDArray[np.int16]) -> NDArray[np.bool_]:
        if k * n_members <= 1:
            return np.full((k, n_members), bool((member >= 0).any()))
        ok = member >= 0
        combo = ep * n_members + member if ok.all() else ep[ok] * n_members + member[ok]
        counts = np.bincount(combo, minlength=k * n_members).reshape(k, n_members)
        return counts > 0

    out_used = used_by(member_of_flow)
    in_used = used_by(in_member)
    switch_used = in_used.any(axis=0)
    speed = np.array([m.speed_bps for m in state.members], dtype=np.int64)
    carrying = np.array([m.state == "active" and m.carries for m in state.members])
    spread_bps = int(speed[carrying].sum())
    single = int(speed[carrying].max()) if carrying.any() else 0
    n_act = len(active)
    alg = spec.algorithm
    out: list[VmBandwidth] = []
    for j, e in enumerate(batch.endpoints):
        if alg in _PER_PORT and n_act:
            slot = e.vswitch_port % n_act if alg == "HyperVPort" else None
            if slot is not None:
                tied = int(active[slot])
                out_bps = int(speed[tied]) if carrying[tied] else 0
            else:
                out_bps = int(speed[out_used[j] & carrying].sum())
            single_bps = out_bps
        else:
            out_bps, single_bps = spread_bps, single
        if policy == "primary":
            p = state.primary
            pi = spec.members.index(p) if p is not None else None
            in_bps = int(speed[pi]) if pi is not None and carrying[pi] else 0
        elif policy == "affinity" and n_act:
            tied = int(active[e.vswitch_port % n_act])
            in_bps = int(speed[tied]) if carrying[tied] else 0
        else:
            # The switch spreads the endpoint's inbound flows over every member it
            # forwards on that the host accepts frames on.
            in_bps = int(speed[switch_used & carrying].sum())
        out.append(
            VmBandwidth(
                name=e.name,
                vm=e.vm,
                vswitch_port=e.vswitch_port,
                flows=int(flows[j]),
                bytes=round(float(out_bytes[j])),
                inbound_bytes=round(float(in_bytes[j])),
                members=tuple(spec.members[i] for i in np.flatnonzero(out_used[j])),
                inbound_members=tuple(spec.members[i] for i in np.flatnonzero(in_used[j])),
                outbound_bps=out_bps,
                inbound_bps=in_bps,
                single_flow_bps=single_bps,
            )
        )
    return tuple(out)


def comparable_algorithms(spec: TeamSpec) -> tuple[str, ...]:
    """Return the algorithms ``--compare`` runs for a team: the LBFO ones (SET: HyperVPort
    and Dynamic), then the OVS comparison modes."""
    base: tuple[str, ...] = (
        ("HyperVPort", "Dynamic") if spec.kind == "set" else tuple(LBFO_ALGORITHMS)
    )
    return (*base, "ovs:balance-tcp", "ovs:balance-slb")
