"""Pin Open vSwitch's bond hashes and its rebalancing rule against the OVS source text.

Expected values come from published MurmurHash3 x86_32 vectors (OVS's generic ``hash_add``
/ ``hash_finish`` are MurmurHash3's body and finaliser), from a scalar re-implementation of
``lib/hash.h`` and ``lib/flow.c`` written in this file, and from rebalancing runs worked out
by hand from ``ofproto/bond.c``.
"""

from __future__ import annotations

import ipaddress
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hvlab.teaming.hashing import CHUNK_FLOWS, FlowArrays, synthetic_flows
from hvlab.teaming.ovs import (
    BOND_BUCKETS,
    OVS_HASH_ASSUMPTION,
    REBALANCE_MIN_BYTES,
    BucketMove,
    assign_buckets_first_use,
    balance_slb_buckets,
    balance_tcp_buckets,
    bond_rebalance,
    bucket_loads,
    flow_hash_5tuple,
    hash_finish,
    hash_mac,
    hash_uint64_basis,
    member_loads,
    mhash_add,
    mhash_finish,
)

M32 = 0xFFFFFFFF

# --------------------------------------------------------------------------------------
# Scalar reference of lib/hash.h (generic build) and lib/flow.c flow_hash_5tuple().
# --------------------------------------------------------------------------------------


def rot(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & M32


def ref_mhash_add(h: int, data: int) -> int:
    if data:  # mhash_add__(): zero-valued data does not change the hash
        data = (data * 0xCC9E2D51) & M32
        data = rot(data, 15)
        data = (data * 0x1B873593) & M32
        h ^= data
    h = rot(h, 13)
    return (h * 5 + 0xE6546B64) & M32


def ref_mhash_finish(h: int) -> int:
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M32
    return h ^ (h >> 16)


def ref_hash_finish(h: int, final: int) -> int:
    return ref_mhash_finish(h ^ final)


def ref_hash_add64(h: int, data: int) -> int:
    return ref_mhash_add(ref_mhash_add(h, data & M32), data >> 32)


def ref_hash_mac(mac: bytes, vlan: int, basis: int) -> int:
    # eth_addr_vlan_to_uint64(): vlan << 48 | the MAC as a 48-bit big-endian number
    word = (vlan << 48) | int.from_bytes(mac, "big")
    return ref_hash_finish(ref_hash_add64(basis, word), 8)  # hash_uint64_basis()


def ref_flow_hash_5tuple(
    dl_type: int, src: bytes, dst: bytes, nw_proto: int, tp_src: int, tp_dst: int, basis: int
) -> int:
    """flow_hash_5tuple(): fields as a little-endian host reads them from struct flow."""
    h = basis
    if dl_type == 0x86DD:
        for addr in (src, dst):
            for i in (0, 8):
                h = ref_hash_add64(h, int.from_bytes(addr[i : i + 8], "little"))
    elif dl_type in (0x0800, 0x0806):
        h = ref_mhash_add(h, int.from_bytes(src, "little"))
        h = ref_mhash_add(h, int.from_bytes(dst, "little"))
    else:
        return ref_hash_finish(h, 42)
    h = ref_mhash_add(h, nw_proto)
    if nw_proto in (6, 17, 132, 1, 58):
        # both ports at once: the u32 at offsetof(struct flow, tp_src)
        h = ref_mhash_add(h, int.from_bytes(struct.pack(">HH", tp_src, tp_dst), "little"))
    return ref_hash_finish(h, 42)


# --------------------------------------------------------------------------------------
# Hash primitives
# --------------------------------------------------------------------------------------

# MurmurHash3_x86_32 verification values (Austin Appleby's smhasher MurmurHash3.cpp; the
# list of test vectors circulated with it): (4-byte key, seed, hash).
MURMUR3_4_BYTE_VECTORS = [
    (b"\x00\x00\x00\x00", 0x00000000, 0x2362F9DE),
    (b"\xff\xff\xff\xff", 0x00000000, 0x76293B50),
    (b"\x21\x43\x65\x87", 0x00000000, 0xF55B516B),
    (b"\x21\x43\x65\x87", 0x5082EDEE, 0x2362F9DE),
    (b"aaaa", 0x9747B28C, 0x5A97808A),
    (b"abcd", 0x9747B28C, 0xF0478627),
]


def test_mhash_is_murmur3_x86_32() -> None:
    """lib/hash.h: hash_words(p, 1, basis) = hash_finish(mhash_add(basis, p[0]), 4).

    That is MurmurHash3_x86_32 of the 4 bytes with seed ``basis``; the empty key with seed 1
    is mhash_finish(1) = 0x514e28b7.
    """
    for key, seed, want in MURMUR3_4_BYTE_VECTORS:
        word = int.from_bytes(key, "little")
        got = hash_finish(mhash_add(np.array([seed], np.uint32), np.array([word], np.uint32)), 4)
        assert int(got[0]) == want, key
        assert ref_hash_finish(ref_mhash_add(seed, word), 4) == want
    assert int(mhash_finish(np.array([1], np.uint32))[0]) == 0x514E28B7


def test_hash_uint64_basis_matches_mmh3_when_available() -> None:
    """lib/hash.h hash_uint64_basis() == MurmurHash3_x86_32(8 LE bytes, seed=basis)."""
    mmh3 = pytest.importorskip("mmh3")
    rng = np.random.default_rng(3)
    xs = rng.integers(0, 2**63, 64, dtype=np.uint64)
    bases = rng.integers(0, 2**32, 64, dtype=np.uint64).astype(np.uint32)
    got = hash_uint64_basis(xs, bases)
    for x, b, g in zip(xs.tolist(), bases.tolist(), got.tolist(), strict=True):
        assert g == mmh3.hash(int(x).to_bytes(8, "little"), b, signed=False)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**48 - 1), st.integers(0, 4095), st.integers(0, M32))
def test_hash_mac_equals_reference(mac: int, vlan: int, basis: int) -> None:
    """lib/packets.h hash_mac() = hash_uint64_basis(vlan << 48 | mac, basis)."""
    got = hash_mac(np.array([mac], np.uint64), np.array([vlan], np.uint16), basis)
    assert int(got[0]) == ref_hash_mac(mac.to_bytes(6, "big"), vlan, basis)


# --------------------------------------------------------------------------------------
# Buckets
# --------------------------------------------------------------------------------------


def v4(a: str) -> int:
    return int(ipaddress.IPv4Address(a))


def test_balance_tcp_bucket_fixed_flows() -> None:
    """ofproto/bond.c lookup_bond_entry(): flow_hash_5tuple(flow, basis) & BOND_MASK."""
    flows = FlowArrays.build(
        src_mac=1,
        dst_mac=2,
        ethertype=[0x0800, 0x0800, 0x0800, 0x0806, 0x88CC],
        ip_proto=[6, 17, 1, 1, 0],
        src_ip=[v4("10.0.0.1"), v4("10.0.0.1"), v4("10.0.0.1"), v4("10.0.0.9"), 0],
        dst_ip=[v4("10.0.0.2"), v4("10.0.0.2"), v4("10.0.0.2"), v4("10.0.0.1"), 0],
        src_port=[49152, 5353, 0, 0, 0],
        dst_port=[445, 53, 0, 0, 0],
        icmp_type=[0, 0, 8, 0, 0],
        icmp_code=[0, 0, 0, 0, 0],
    )
    src = [b"\x0a\x00\x00\x01"] * 3 + [b"\x0a\x00\x00\x09", bytes(4)]
    dst = [b"\x0a\x00\x00\x02"] * 3 + [b"\x0a\x00\x00\x01", bytes(4)]
    # ICMP: tp_src = type, tp_dst = code (miniflow_extract); ARP: ports never extracted.
    tp = [(49152, 445), (5353, 53), (8, 0), (0, 0), (0, 0)]
    types = [0x0800, 0x0800, 0x0800, 0x0806, 0x88CC]
    protos = [6, 17, 1, 1, 0]
    for basis in (0, 12345):
        want = [
            ref_flow_hash_5tuple(t, s, d, p, a, b, basis)
            for t, s, d, p, (a, b) in zip(types, src, dst, protos, tp, strict=True)
        ]
        assert flow_hash_5tuple(flows, basis).tolist() == want
        assert balance_tcp_buckets(flows, basis).tolist() == [w & 0xFF for w in want]
    # Every non-IP, non-ARP frame lands in the bucket of hash_finish(basis, 42).
    assert flow_hash_5tuple(flows)[4] == ref_hash_finish(0, 42)


def test_balance_tcp_fragments() -> None:
    """lib/flow.c miniflow_extract(): later fragments have no ports, first fragments do."""
    flows = FlowArrays.build(
        src_mac=1,
        dst_mac=2,
        src_ip=v4("10.0.0.1"),
        dst_ip=v4("10.0.0.2"),
        src_port=49152,
        dst_port=445,
        is_fragment=[False, True, True],
        is_later_fragment=[False, False, True],
    )
    a, b = b"\x0a\x00\x00\x01", b"\x0a\x00\x00\x02"
    want = [
        ref_flow_hash_5tuple(0x0800, a, b, 6, 49152, 445, 0),
        ref_flow_hash_5tuple(0x0800, a, b, 6, 49152, 445, 0),
        ref_flow_hash_5tuple(0x0800, a, b, 6, 0, 0, 0),
    ]
    assert flow_hash_5tuple(flows).tolist() == want


def test_balance_slb_bucket() -> None:
    """ofproto/bond.c bond_hash(): hash_mac(dl_src, vlan, basis) & BOND_MASK."""
    macs = [0x00155D000001, 0x00155D000002, 0x00155D000002]
    vlans = [0, 0, 100]
    flows = FlowArrays.build(src_mac=macs, dst_mac=0, vlan=vlans)
    want = [
        ref_hash_mac(m.to_bytes(6, "big"), v, 0) & 0xFF for m, v in zip(macs, vlans, strict=True)
    ]
    assert balance_slb_buckets(flows).tolist() == want


addresses = st.binary(min_size=16, max_size=16)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0x0800, 0x86DD, 0x0806, 0x8100, 0x88CC]),
            addresses,
            addresses,
            st.sampled_from([6, 17, 132, 1, 58, 2, 47, 50]),
            st.integers(0, 65535),
            st.integers(0, 65535),
            st.integers(0, 255),
            st.integers(0, 255),
        ),
        min_size=1,
        max_size=10,
    ),
    st.integers(0, M32),
)
def test_flow_hash_5tuple_equals_reference(
    rows: list[tuple[int, bytes, bytes, int, int, int, int, int]], basis: int
) -> None:
    """lib/flow.c flow_hash_5tuple(): vectorised == field-by-field reference."""
    flows = FlowArrays.build(
        src_mac=0,
        dst_mac=0,
        ethertype=[r[0] for r in rows],
        src_ip=[int.from_bytes(r[1][:4], "big") for r in rows],
        dst_ip=[int.from_bytes(r[2][:4], "big") for r in rows],
        src_ip6=[list(r[1]) for r in rows],
        dst_ip6=[list(r[2]) for r in rows],
        ip_proto=[r[3] for r in rows],
        src_port=[r[4] for r in rows],
        dst_port=[r[5] for r in rows],
        icmp_type=[r[6] for r in rows],
        icmp_code=[r[7] for r in rows],
        n=len(rows),
    )
    want = []
    for t, s, d, p, sp, dp, it, ic in rows:
        if t == 0x0806:
            sp = dp = 0  # ARP: no transport header
        elif p in (1, 58):
            sp, dp = it, ic
        addr_len = 16 if t == 0x86DD else 4
        want.append(ref_flow_hash_5tuple(t, s[:addr_len], d[:addr_len], p, sp, dp, basis))
    assert flow_hash_5tuple(flows, basis).tolist() == want


def test_bucket_loads_are_exact() -> None:
    """bond_account(): tx_bytes += n_bytes, exact past 2**53."""
    big = 2**60 + 1
    loads = bucket_loads([3, 3, 255], np.array([big, 1, 7], dtype=np.uint64))
    assert loads.shape == (BOND_BUCKETS,)
    assert int(loads[3]) == big + 1 and int(loads[255]) == 7 and int(loads.sum()) == big + 8


def test_assign_buckets_first_use_round_robin() -> None:
    """ofproto/bond.c choose_output_member() + get_enabled_member(): round robin on first use.

    Flows reach buckets 5, 3, 5, 9, 3, 1; members 0 and 2 are enabled (1 is not):
    bucket 5 -> 0, 3 -> 2, 9 -> 0, 1 -> 2. A bucket whose member is disabled is reassigned.
    """
    got = assign_buckets_first_use([5, 3, 5, 9, 3, 1], [True, False, True])
    assert {b: int(got[b]) for b in np.flatnonzero(got >= 0)} == {5: 0, 3: 2, 9: 0, 1: 2}
    current = np.full(BOND_BUCKETS, -1)
    current[3] = 1  # on the disabled member
    current[7] = 2  # kept
    again = assign_buckets_first_use([7, 3], [True, False, True], current)
    assert int(again[7]) == 2 and int(again[3]) == 0
    # No enabled member: touched buckets lose theirs (NULL), untouched ones keep it.
    none = assign_buckets_first_use([3], [False, False, False], current)
    assert int(none[3]) == -1 and int(none[7]) == 2


# --------------------------------------------------------------------------------------
# bond_rebalance(), worked out by hand from ofproto/bond.c
# --------------------------------------------------------------------------------------


def bond(entries: dict[int, tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """{bucket: (member, tx_bytes)} -> (assignment, loads) arrays of 256 entries."""
    assignment = np.full(BOND_BUCKETS, -1, dtype=np.int64)
    loads = np.zeros(BOND_BUCKETS, dtype=np.uint64)
    for bucket, (member, tx) in entries.items():
        assignment[bucket] = member
        loads[bucket] = tx
    return assignment, loads


def test_rebalance_moves_buckets_to_the_ideal() -> None:
    """ofproto/bond.c bond_rebalance() / choose_entries_to_migrate() / bond_shift_load().

    Member 0 carries buckets 10 (600 kB), 20 (300 kB), 30 (100 kB) = 1,000,000; member 1
    carries bucket 40 (200,000). Overload 800,000 >= 100,000 and >= 200,000 >> 5.
    ideal = 600,000, ideal_delta = 400,000, threshold = 40,000. Heaviest first: bucket 10
    (600 kB) would overshoot; bucket 20 fits (delta 300 kB); bucket 30 fits (delta 400 kB),
    and 400 kB - 400 kB < threshold stops the search. new_low = min(600 kB, 600 kB) beats
    200 kB by >= 40 kB: both move. Then both carry 600,000: overload 0, stop.
    Decay halves every bucket: 300,000 / 150,000 / 50,000 / 100,000.
    """
    assignment, loads = bond(
        {10: (0, 600_000), 20: (0, 300_000), 30: (0, 100_000), 40: (1, 200_000)}
    )
    result = bond_rebalance(assignment, loads, [True, True])
    assert result.moves == (BucketMove(20, 0, 1, 300_000), BucketMove(30, 0, 1, 100_000))
    assert result.rebalanced
    assert result.member_tx_bytes == (600_000, 600_000)
    assert [int(result.assignment[b]) for b in (10, 20, 30, 40)] == [0, 1, 1, 1]
    assert [int(result.loads[b]) for b in (10, 20, 30, 40)] == [300_000, 150_000, 50_000, 100_000]
    # The input is not modified.
    assert int(assignment[20]) == 0 and int(loads[20]) == 300_000


def test_rebalance_stops_under_100kb() -> None:
    """bond_rebalance(): overload 50,000 < 100,000 bytes (~1 Mbps) -> nothing moves."""
    assignment, loads = bond({1: (0, 500_000), 2: (0, 500_000), 3: (1, 950_000)})
    result = bond_rebalance(assignment, loads, [True, True])
    assert result.moves == ()
    assert REBALANCE_MIN_BYTES == 100_000
    assert int(result.loads[3]) == 475_000


def test_rebalance_stops_under_3_percent() -> None:
    """bond_rebalance(): overload < to_tx_bytes >> 5 (~3%) -> nothing moves.

    10,300,000 vs 10,000,000: overload 300,000 >= 100,000 but < 10,000,000 >> 5 = 312,500.
    """
    assignment, loads = bond({1: (0, 5_150_000), 2: (0, 5_150_000), 3: (1, 10_000_000)})
    assert bond_rebalance(assignment, loads, [True, True]).moves == ()


def test_rebalance_never_moves_a_members_only_bucket() -> None:
    """choose_entries_to_migrate(): 'from' with one bucket (ovs_list_is_short) gives none."""
    assignment, loads = bond({7: (0, 5_000_000)})
    result = bond_rebalance(assignment, loads, [True, True])
    assert result.moves == ()
    assert int(result.assignment[7]) == 0


def test_rebalance_takes_the_lightest_when_none_fits() -> None:
    """choose_entries_to_migrate(): no bucket <= ideal_delta -> try the last (lightest) one.

    Member 0: buckets 1 (700 kB), 2 (600 kB) = 1,300,000; member 1: bucket 3 (500 kB).
    ideal = 900,000, ideal_delta = 400,000, threshold = 40,000: neither fits; the closest is
    bucket 2 (600 kB). new_low = min(700 kB, 1,100 kB) = 700 kB beats 500 kB by 200 kB: move.
    Next round member 1 (1,100,000) is 'from' but its only listed bucket is 3 (moved buckets
    are not added to the receiver's list), so it is dropped and the run ends.
    """
    assignment, loads = bond({1: (0, 700_000), 2: (0, 600_000), 3: (1, 500_000)})
    result = bond_rebalance(assignment, loads, [True, True])
    assert result.moves == (BucketMove(2, 0, 1, 600_000),)
    assert result.member_tx_bytes == (700_000, 1_100_000)


def test_rebalance_requires_a_ten_percent_improvement() -> None:
    """choose_entries_to_migrate(): the new low must beat 'to' by ideal_delta / 10.

    Member 0: buckets 1 (990,000), 2 (9,000) = 999,000; member 1: bucket 3 (800,000).
    ideal = 899,500, ideal_delta = 99,500, threshold = 9,950. Only bucket 2 fits; new_low =
    min(990,000, 809,000) = 809,000 beats 800,000 by 9,000 < 9,950: rejected, member 0 is
    dropped, nothing moves.
    """
    assignment, loads = bond({1: (0, 990_000), 2: (0, 9_000), 3: (1, 800_000)})
    assert bond_rebalance(assignment, loads, [True, True]).moves == ()


def test_rebalance_three_members_and_disabled_member() -> None:
    """bond_rebalance(): only enabled members give or take; bals re-sorted after each move.

    Members 0 (enabled) 3,000,000 in buckets 1 (1,500,000), 2 (1,000,000), 3 (500,000);
    member 1 (enabled) 0; member 2 (disabled) bucket 4 (9,000,000) is left alone.
    Round 1: from 0, to 1: ideal_delta 1,500,000, threshold 150,000: bucket 1 fits exactly
    (delta 1,500,000) and stops the search: new_low 1,500,000 -> move 1 to member 1.
    Round 2: 1,500,000 each: overload 0 -> stop.
    """
    assignment, loads = bond(
        {1: (0, 1_500_000), 2: (0, 1_000_000), 3: (0, 500_000), 4: (2, 9_000_000)}
    )
    result = bond_rebalance(assignment, loads, [True, True, False])
    assert result.moves == (BucketMove(1, 0, 1, 1_500_000),)
    assert result.member_tx_bytes == (1_500_000, 1_500_000, 9_000_000)
    assert int(result.assignment[4]) == 2


def test_rebalance_decay_and_member_loads() -> None:
    """bond_rebalance(): e->tx_bytes /= 2 for every bucket (integer halving)."""
    assignment, loads = bond({0: (0, 3), 1: (1, 1), 2: (0, 0)})
    result = bond_rebalance(assignment, loads, [True, True])
    assert [int(x) for x in result.loads[:3]] == [1, 0, 0]
    assert member_loads(assignment, loads, 2).tolist() == [3, 1]


def test_rebalance_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError):
        bond_rebalance(np.zeros(10, dtype=np.int64), np.zeros(10, dtype=np.uint64), [True])
    assignment, loads = bond({0: (5, 1)})
    with pytest.raises(ValueError):
        bond_rebalance(assignment, loads, [True, True])


def test_assumption_is_stated() -> None:
    assert "CRC32" in OVS_HASH_ASSUMPTION and "flow_hash_5tuple" in OVS_HASH_ASSUMPTION


def test_large_batches_hash_row_by_row() -> None:
    """flow_hash_5tuple() on a batch past CHUNK_FLOWS: rows near slice edges == reference."""
    n = 2 * CHUNK_FLOWS + 5
    flows = synthetic_flows(n, seed=4, ipv6_share=0.2)
    assert flows.src_ip6 is not None and flows.dst_ip6 is not None
    got = flow_hash_5tuple(flows, 77)
    for i in [0, CHUNK_FLOWS - 1, CHUNK_FLOWS, 2 * CHUNK_FLOWS, n - 1, 12345, 99999]:
        t = int(flows.ethertype[i])
        if t == 0x86DD:
            s, d = bytes(flows.src_ip6[i]), bytes(flows.dst_ip6[i])
        else:
            s, d = int(flows.src_ip[i]).to_bytes(4, "big"), int(flows.dst_ip[i]).to_bytes(4, "big")
        p, sp, dp = int(flows.ip_proto[i]), int(flows.src_port[i]), int(flows.dst_port[i])
        assert got[i] == ref_flow_hash_5tuple(t, s, d, p, sp, dp, 77), i
