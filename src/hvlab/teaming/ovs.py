"""Open vSwitch bonds: bit-exact bucket hashes and the ``bond_rebalance()`` rule.

An OVS bond in ``balance-slb`` or ``balance-tcp`` mode hashes every flow into one of
:data:`BOND_BUCKETS` buckets, each bucket is carried by one member, and every
``bond-rebalance-interval`` the buckets of the most loaded member move to the least loaded
one when that narrows the gap enough.

Sources (openvswitch/ovs)
-------------------------
* ``lib/hash.h``: ``mhash_add__``, ``mhash_add``, ``mhash_finish``, and the generic (not
  SSE4.2/ARMv8-CRC32) ``hash_add``, ``hash_add64``, ``hash_finish``, ``hash_uint64_basis``.
* ``lib/packets.h`` / ``lib/packets.c``: ``hash_mac``, ``eth_addr_vlan_to_uint64``,
  ``eth_addr_to_uint64``.
* ``lib/flow.c``: ``flow_hash_5tuple`` (and ``miniflow_extract`` for which fields a packet
  fills: ICMP type/code in ``tp_src``/``tp_dst``, no ports for later fragments).
* ``lib/dpif.h``: ``BOND_MASK`` 0xff, ``BOND_BUCKETS``.
* ``ofproto/bond.c``: ``bond_hash``, ``lookup_bond_entry``, ``choose_output_member``,
  ``get_enabled_member``, ``bond_rebalance``, ``choose_entries_to_migrate``,
  ``bond_shift_load``, ``insert_bal``, ``reinsert_bal``, ``compare_bond_entries``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hvlab.teaming.hashing import (
    ETH_P_ARP,
    ETH_P_IP,
    ETH_P_IPV6,
    IPPROTO_ICMP,
    IPPROTO_ICMPV6,
    IPPROTO_SCTP,
    IPPROTO_TCP,
    IPPROTO_UDP,
    FlowArrays,
    apply_in_chunks,
)

__all__ = [
    "BOND_BUCKETS",
    "BOND_MASK",
    "OVS_HASH_ASSUMPTION",
    "REBALANCE_MIN_BYTES",
    "BucketMove",
    "RebalanceResult",
    "assign_buckets_first_use",
    "balance_slb_buckets",
    "balance_tcp_buckets",
    "bond_rebalance",
    "bucket_loads",
    "flow_hash_5tuple",
    "hash_add",
    "hash_add64",
    "hash_finish",
    "hash_mac",
    "hash_uint64_basis",
    "member_loads",
    "mhash_add",
    "mhash_finish",
]

U32 = NDArray[np.uint32]
U64 = NDArray[np.uint64]
I64 = NDArray[np.int64]

BOND_MASK: Final = 0xFF
BOND_BUCKETS: Final = BOND_MASK + 1
#: ``bond_rebalance()`` stops when the gap is under 100000 bytes ("~1Mbps" over the 10 s
#: default interval) or under 1/32 (~3%) of the least loaded member's load.
REBALANCE_MIN_BYTES: Final = 100_000

OVS_HASH_ASSUMPTION: Final = (
    "OVS hashes use lib/hash.h's generic Murmur3-based hash_add/hash_finish; an OVS built with "
    "SSE4.2 or ARMv8 CRC32 (e.g. -march=native) uses CRC32C there and buckets differ. "
    "balance-tcp uses flow_hash_5tuple() as bond_hash() does; with datapath recirculation "
    "(lb_output / dp_hash) the bucket comes from the datapath's own hash instead, and the "
    "kernel datapath's hash is seeded at random. Members are taken in the given order where "
    "OVS walks a hash map, and equal bucket loads sort by bucket number where qsort() leaves "
    "the order open."
)

_C1: Final = np.uint32(0xCC9E2D51)
_C2: Final = np.uint32(0x1B873593)
_M5: Final = np.uint32(5)
_N1: Final = np.uint32(0xE6546B64)
_F1: Final = np.uint32(0x85EBCA6B)
_F2: Final = np.uint32(0xC2B2AE35)


def _u32(x: ArrayLike) -> U32:
    return np.asarray(x, dtype=np.uint32)


def _rotl(x: U32, k: int) -> U32:
    return (x << np.uint32(k)) | (x >> np.uint32(32 - k))


def mhash_add(hash_: ArrayLike, data: ArrayLike) -> U32:
    """OVS ``mhash_add()``: one MurmurHash3 x86_32 body step.

    Returns
    -------
    numpy.ndarray of uint32
        ``rotl(hash ^ (rotl(data * 0xcc9e2d51, 15) * 0x1b873593), 13) * 5 + 0xe6546b64``
        (``lib/hash.h``; a zero ``data`` leaves the XOR out, which changes nothing).
    """
    h = _u32(hash_)
    d = _u32(data)
    with np.errstate(over="ignore"):
        d = _rotl(d * _C1, 15) * _C2
        h = _rotl(h ^ d, 13)
        return np.asarray(h * _M5 + _N1, dtype=np.uint32)


def mhash_finish(hash_: ArrayLike) -> U32:
    """OVS ``mhash_finish()``: MurmurHash3's 32-bit finaliser (``fmix32``).

    Returns
    -------
    numpy.ndarray of uint32
        The finalised hash (``lib/hash.h``).
    """
    h = _u32(hash_)
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint32(16))
        h = h * _F1
        h = h ^ (h >> np.uint32(13))
        h = h * _F2
        return np.asarray(h ^ (h >> np.uint32(16)), dtype=np.uint32)


def hash_add(hash_: ArrayLike, data: ArrayLike) -> U32:
    """OVS ``hash_add()`` (generic build): ``mhash_add(hash, data)``.

    Returns
    -------
    numpy.ndarray of uint32
        The updated running hash (``lib/hash.h``).
    """
    return mhash_add(hash_, data)


def hash_add64(hash_: ArrayLike, data: ArrayLike) -> U32:
    """OVS ``hash_add64()`` (generic build): low 32 bits, then high 32 bits.

    Returns
    -------
    numpy.ndarray of uint32
        ``hash_add(hash_add(hash, (uint32_t) data), data >> 32)`` (``lib/hash.h``).
    """
    d = np.asarray(data, dtype=np.uint64)
    lo = (d & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    hi = (d >> np.uint64(32)).astype(np.uint32)
    return hash_add(hash_add(hash_, lo), hi)


def hash_finish(hash_: ArrayLike, final: int) -> U32:
    """OVS ``hash_finish()`` (generic build): ``mhash_finish(hash ^ final)``.

    Returns
    -------
    numpy.ndarray of uint32
        The final hash (``lib/hash.h``).
    """
    return mhash_finish(_u32(hash_) ^ np.uint32(final))


def hash_uint64_basis(x: ArrayLike, basis: ArrayLike) -> U32:
    """OVS ``hash_uint64_basis()`` (generic build).

    Returns
    -------
    numpy.ndarray of uint32
        ``hash_finish(hash_add64(basis, x), 8)``: MurmurHash3 x86_32 of the 8 little-endian
        bytes of ``x`` with seed ``basis`` (``lib/hash.h``).
    """
    return hash_finish(hash_add64(basis, x), 8)


def hash_mac(mac: ArrayLike, vlan: ArrayLike, basis: int = 0) -> U32:
    """OVS ``hash_mac()``: the ``balance-slb`` hash of a source MAC on a VLAN.

    Parameters
    ----------
    mac : array_like of uint64
        48-bit MAC addresses (octet 0 most significant).
    vlan : array_like of uint16
        The VLAN the frame is output on (0 when none).
    basis : int
        The bond's hash basis (``other_config:bond-hash-basis``, default 0).

    Returns
    -------
    numpy.ndarray of uint32
        ``hash_uint64_basis((uint64_t) vlan << 48 | eth_addr_to_uint64(mac), basis)``
        (``lib/packets.h``).
    """
    word = (np.asarray(vlan, dtype=np.uint64) << np.uint64(48)) | (
        np.asarray(mac, dtype=np.uint64) & np.uint64(0xFFFFFFFFFFFF)
    )
    return hash_uint64_basis(word, basis)


def _be32_le(x: U32) -> U32:
    # A network-order field read as a CPU u32 on a little-endian host.
    return x.byteswap()


def flow_hash_5tuple(flows: FlowArrays, basis: int = 0) -> U32:
    """OVS ``flow_hash_5tuple()``, the ``balance-tcp`` hash of ``bond_hash()``.

    Parameters
    ----------
    flows : FlowArrays
        The flows as OVS extracts them (``ethertype`` 0x0800, 0x86DD or 0x0806 are hashed,
        any other frame hashes to the same value).
    basis : int
        The bond's hash basis (default 0).

    Returns
    -------
    numpy.ndarray of uint32
        For IPv4 and ARP: ``hash_add`` of ``nw_src``, ``nw_dst``; for IPv6: ``hash_add64`` of
        the four 64-bit words of ``ipv6_src`` then ``ipv6_dst``; then ``hash_add(nw_proto)``
        and, when ``nw_proto`` is TCP, UDP, SCTP, ICMP or ICMPv6, ``hash_add`` of
        ``tp_src``/``tp_dst`` read as one u32 (ICMP type and code; zero for later fragments
        and for ARP, whose request opcode 1 passes the ICMP test); finally
        ``hash_finish(h, 42)``. Fields are read as a little-endian host reads their
        network-order bytes.

    Notes
    -----
    Source: ``lib/flow.c`` ``flow_hash_5tuple()``, ``miniflow_extract()``; see
    :data:`OVS_HASH_ASSUMPTION`.
    """
    return apply_in_chunks(functools.partial(_flow_hash_5tuple, basis=basis), flows)


def _flow_hash_5tuple(flows: FlowArrays, basis: int) -> U32:
    n = len(flows)
    is_v6 = flows.ethertype == ETH_P_IPV6
    is_v4 = (flows.ethertype == ETH_P_IP) | (flows.ethertype == ETH_P_ARP)
    start = np.full(n, basis & 0xFFFFFFFF, dtype=np.uint32)

    h = hash_add(hash_add(start, _be32_le(flows.src_ip)), _be32_le(flows.dst_ip))
    if is_v6.any():
        if flows.src_ip6 is None or flows.dst_ip6 is None:
            raise ValueError("FlowArrays has IPv6 rows but no src_ip6/dst_ip6 arrays")
        h6 = start[is_v6]
        for addr in (flows.src_ip6[is_v6], flows.dst_ip6[is_v6]):
            words = np.ascontiguousarray(addr).view("<u8").reshape(-1, 2)
            for k in range(2):  # per 64-bit word of the address, not per flow
                h6 = hash_add64(h6, words[:, k])
        h[is_v6] = h6
    is_l3 = is_v4 | is_v6
    h = hash_add(h, flows.ip_proto.astype(np.uint32))

    proto = flows.ip_proto
    is_icmp = (proto == IPPROTO_ICMP) | (proto == IPPROTO_ICMPV6)
    # The test is on nw_proto alone, so an ARP request (opcode 1 == IPPROTO_ICMP) also adds
    # its (zero) ports word.
    with_ports = (proto == IPPROTO_TCP) | (proto == IPPROTO_UDP) | (proto == IPPROTO_SCTP) | is_icmp
    is_arp = flows.ethertype == ETH_P_ARP
    is_icmp &= ~is_arp
    tp_src = flows.src_port
    tp_dst = flows.dst_port
    if is_icmp.any():
        # miniflow_extract(): tp_src = htons(icmp_type), tp_dst = htons(icmp_code).
        zeros = np.zeros(n, dtype=np.uint16)
        itype = zeros if flows.icmp_type is None else flows.icmp_type.astype(np.uint16)
        icode = zeros if flows.icmp_code is None else flows.icmp_code.astype(np.uint16)
        tp_src = np.where(is_icmp, itype, tp_src)
        tp_dst = np.where(is_icmp, icode, tp_dst)
    later = flows.is_fragment if flows.is_later_fragment is None else flows.is_later_fragment
    # Later fragments carry no L4 header: miniflow_extract() leaves tp_src/tp_dst at 0.
    keep = ~(later & flows.is_fragment) & ~is_arp
    ports = (tp_src.astype(np.uint32) << np.uint32(16)) | tp_dst.astype(np.uint32)
    ports = np.where(keep, ports, np.uint32(0))
    h = np.where(with_ports, hash_add(h, _be32_le(ports)), h)
    h = np.where(is_l3, h, start)
    return hash_finish(h, 42)


def balance_tcp_buckets(flows: FlowArrays, basis: int = 0) -> U32:
    """Bucket of each flow in a ``balance-tcp`` bond.

    Returns
    -------
    numpy.ndarray of uint32
        ``flow_hash_5tuple(flow, basis) & BOND_MASK`` (``ofproto/bond.c``
        ``lookup_bond_entry()``), in ``0..255``.
    """
    return flow_hash_5tuple(flows, basis) & np.uint32(BOND_MASK)


def balance_slb_buckets(flows: FlowArrays, basis: int = 0) -> U32:
    """Bucket of each flow in a ``balance-slb`` bond (source MAC and VLAN).

    Returns
    -------
    numpy.ndarray of uint32
        ``hash_mac(dl_src, vlan, basis) & BOND_MASK`` (``ofproto/bond.c`` ``bond_hash()``),
        in ``0..255``.
    """
    return apply_in_chunks(
        lambda f: hash_mac(f.src_mac, f.vlan, basis) & np.uint32(BOND_MASK), flows
    )


def bucket_loads(buckets: ArrayLike, nbytes: ArrayLike) -> U64:
    """Bytes per bucket, as ``bond_account()`` adds them up.

    Returns
    -------
    numpy.ndarray of uint64, shape (256,)
        Sum of ``nbytes`` of the flows in each bucket.
    """
    b = np.asarray(buckets, dtype=np.intp)
    w = np.asarray(nbytes, dtype=np.uint64)
    out = np.zeros(BOND_BUCKETS, dtype=np.uint64)
    # np.add.at sums exactly in uint64 (np.bincount would sum in float64).
    np.add.at(out, b, w)
    return out


def _first_use_order(buckets: NDArray[np.intp]) -> NDArray[np.intp]:
    """The distinct buckets in the order flows first reach them."""
    n_used = int(np.count_nonzero(np.bincount(buckets, minlength=BOND_BUCKETS)))
    # Every used bucket is usually reached within the first few thousand flows: sort a
    # growing prefix instead of all flows.
    prefix = 4096
    while True:
        head = buckets[:prefix]
        used, first = np.unique(head, return_index=True)
        if len(used) == n_used or prefix >= len(buckets):
            return used[np.argsort(first, kind="stable")]
        prefix *= 4


def assign_buckets_first_use(
    buckets: ArrayLike,
    enabled: Sequence[bool],
    assignment: ArrayLike | None = None,
) -> I64:
    """Give each bucket a member the way ``choose_output_member()`` does on first use.

    A bucket without a member (or whose member is disabled) takes the next member of the
    enabled list in round-robin (``get_enabled_member()`` pops the front and pushes it back),
    in the order the flows first reach the buckets, starting from the front of the list.

    Parameters
    ----------
    buckets : array_like of int
        Bucket of each flow, in arrival order.
    enabled : sequence of bool
        Which members are enabled, in the order they were enabled.
    assignment : array_like of int, shape (256,), optional
        Current member of each bucket (-1 for none); all none by default.

    Returns
    -------
    numpy.ndarray of int64, shape (256,)
        Member index of each bucket, -1 for buckets no flow used and that had no member.
    """
    current = (
        np.full(BOND_BUCKETS, -1, dtype=np.int64)
        if assignment is None
        else np.array(assignment, dtype=np.int64)
    )
    is_enabled = np.asarray(enabled, dtype=bool)
    if current.max(initial=-1) >= len(is_enabled):
        raise ValueError("assignment names a member beyond 'enabled'")
    members = np.flatnonzero(is_enabled)
    in_order = _first_use_order(np.asarray(buckets, dtype=np.intp))
    cur = current[in_order]
    needs = cur < 0
    needs[~needs] = ~is_enabled[cur[~needs]]
    todo = in_order[needs]
    if len(members) == 0:
        # get_enabled_member() returns NULL: the bucket is left without a member.
        current[todo] = -1
    else:
        current[todo] = members[np.arange(len(todo)) % len(members)]
    return current


def member_loads(assignment: ArrayLike, loads: ArrayLike, n_members: int) -> U64:
    """Bytes per member: the sum of its buckets' loads.

    Returns
    -------
    numpy.ndarray of uint64, shape (n_members,)
        Load of each member (buckets without a member are left out).
    """
    a = np.asarray(assignment, dtype=np.int64)
    w = np.asarray(loads, dtype=np.uint64)
    out = np.zeros(n_members, dtype=np.uint64)
    has = a >= 0
    np.add.at(out, a[has], w[has])
    return out


@dataclass(frozen=True, slots=True)
class BucketMove:
    """One bucket shifted by ``bond_shift_load()``.

    Attributes
    ----------
    bucket : int
        Bucket number (0..255).
    from_member, to_member : int
        Member indices.
    tx_bytes : int
        The bucket's load that moved.
    """

    bucket: int
    from_member: int
    to_member: int
    tx_bytes: int


@dataclass(frozen=True, slots=True)
class RebalanceResult:
    """Outcome of one :func:`bond_rebalance` run.

    Attributes
    ----------
    assignment : numpy.ndarray of int64, shape (256,)
        Member of each bucket after the run (-1 for none).
    loads : numpy.ndarray of uint64, shape (256,)
        Bucket loads after the run's exponential decay (each halved).
    moves : tuple of BucketMove
        The buckets moved, in order.
    member_tx_bytes : tuple of int
        Each member's load after the moves and before the decay (what OVS logs).
    """

    assignment: NDArray[np.int64]
    loads: U64
    moves: tuple[BucketMove, ...]
    member_tx_bytes: tuple[int, ...]

    @property
    def rebalanced(self) -> bool:
        """Whether any bucket moved."""
        return bool(self.moves)


def _insert_bal(bals: list[int], member: int, tx: list[int]) -> None:
    # insert_bal(): before the first member it carries strictly more than, else at the end.
    for i, pos in enumerate(bals):
        if tx[member] > tx[pos]:
            bals.insert(i, member)
            return
    bals.append(member)


def _choose_entries_to_migrate(
    entries: list[int], from_tx: int, to_tx: int, loads: list[int]
) -> list[int]:
    # choose_entries_to_migrate(): entries are sorted by descending load.
    if len(entries) <= 1:
        # 'from' carries at most one hash: moving it would only move the imbalance.
        return []
    ideal_tx = (from_tx + to_tx) // 2
    ideal_delta = ideal_tx - to_tx
    threshold = ideal_delta // 10
    delta = 0
    chosen: list[int] = []
    for e in entries:
        if delta + loads[e] <= ideal_delta:
            chosen.append(e)
            delta += loads[e]
        if ideal_delta - delta < threshold:
            break
    if not chosen:
        # Nothing fits under the ideal: try the lightest entry (the last one).
        chosen = [entries[-1]]
        delta = loads[entries[-1]]
    new_low = min(from_tx - delta, to_tx + delta)
    if new_low > to_tx and new_low - to_tx >= threshold:
        return chosen
    return []


def bond_rebalance(
    assignment: ArrayLike,
    loads: ArrayLike,
    enabled: Sequence[bool],
) -> RebalanceResult:
    """One run of OVS ``bond_rebalance()`` over the 256 buckets of a bond.

    Parameters
    ----------
    assignment : array_like of int, shape (256,)
        Member index of each bucket, -1 for a bucket without a member.
    loads : array_like of uint64, shape (256,)
        Bytes each bucket carried since the last run (``bond_entry.tx_bytes``).
    enabled : sequence of bool
        Which members are enabled; only enabled members give or take load. Members are
        considered in this order where OVS walks its member hash map.

    Returns
    -------
    RebalanceResult
        New assignment, decayed loads and the moves. The rule, from ``ofproto/bond.c``:

        1. Each member's load is the sum of its buckets' loads; each member lists its
           loaded buckets heaviest first (``qsort`` with ``compare_bond_entries``).
        2. Enabled members are kept sorted by descending load. While at least two remain,
           take the most loaded ``from`` and the least loaded ``to``; stop when
           ``from - to < to >> 5`` (~3%) or ``< 100000`` bytes.
        3. ``choose_entries_to_migrate``: with ``ideal_delta = (from + to) / 2 - to`` and a
           threshold of ``ideal_delta / 10``, pick buckets heaviest first while the sum stays
           within ``ideal_delta``, stopping once within the threshold of it; if none fits,
           the lightest bucket. Keep the pick only if ``from`` has more than one bucket and the
           new lower load ``min(from - delta, to + delta)`` beats ``to`` by at least the
           threshold; otherwise drop ``from`` from consideration.
        4. Each picked bucket moves (``bond_shift_load``) and both members are re-sorted.
        5. Finally every bucket's load is halved (exponentially weighted moving average).
    """
    assign = np.array(assignment, dtype=np.int64)
    raw = np.asarray(loads, dtype=np.uint64)
    if assign.shape != (BOND_BUCKETS,) or raw.shape != (BOND_BUCKETS,):
        raise ValueError(f"assignment and loads must have {BOND_BUCKETS} entries")
    n_members = len(enabled)
    if assign.max(initial=-1) >= n_members:
        raise ValueError("assignment names a member beyond 'enabled'")
    load = [int(x) for x in raw]  # exact integers; at most 256 buckets, not flows
    # compare_bond_entries() orders by descending tx_bytes; qsort() leaves ties open, we
    # break them by bucket number.
    order = sorted(range(BOND_BUCKETS), key=lambda b: (-load[b], b))
    tx = [0] * n_members
    entries: list[list[int]] = [[] for _ in range(n_members)]
    for b in order:
        m = int(assign[b])
        if m >= 0 and load[b]:
            tx[m] += load[b]
            entries[m].append(b)

    bals: list[int] = []
    for m in range(n_members):
        if enabled[m]:
            _insert_bal(bals, m, tx)

    moves: list[BucketMove] = []
    while len(bals) >= 2:
        frm, to = bals[0], bals[-1]
        overload = tx[frm] - tx[to]
        if overload < (tx[to] >> 5) or overload < REBALANCE_MIN_BYTES:
            break
        chosen = _choose_entries_to_migrate(entries[frm], tx[frm], tx[to], load)
        if not chosen:
            bals.remove(frm)
            continue
        for b in chosen:
            # bond_shift_load()
            tx[frm] -= load[b]
            tx[to] += load[b]
            assign[b] = to
            moves.append(BucketMove(b, frm, to, load[b]))
            entries[frm].remove(b)
            for m in (frm, to):  # reinsert_bal()
                bals.remove(m)
                _insert_bal(bals, m, tx)

    decayed = raw // np.uint64(2)
    return RebalanceResult(
        assignment=assign,
        loads=decayed,
        moves=tuple(moves),
        member_tx_bytes=tuple(tx),
    )
