"""Pin Linux bonding, RSS Toeplitz and LBFO hashes against their published definitions.

Each expected value comes from an independent scalar re-implementation written in this file
straight from the source text (one packet at a time, from header bytes), from literal numbers
worked out by hand, or from Microsoft's published verification table -- never from calling
the code under test twice.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass, fields

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hvlab.teaming.hashing import (
    CHUNK_FLOWS,
    DEFAULT_RSS_KEY,
    LBFO_ALGORITHMS,
    LBFO_HASH_ASSUMPTION,
    XMIT_HASH_POLICIES,
    FlowArrays,
    bond_slave_index,
    bond_xmit_hash,
    ipv4_to_int,
    ipv6_to_bytes,
    lbfo_hash,
    lbfo_member,
    linux_bond_member,
    mac_to_int,
    rss_hash_ipv4,
    rss_hash_ipv6,
    synthetic_flows,
    toeplitz_hash,
)

# --------------------------------------------------------------------------------------
# One packet, described by its header bytes, and the batch it becomes.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Packet:
    src_mac: bytes
    dst_mac: bytes
    ethertype: int = 0x0800
    vlan: int = 0
    proto: int = 6
    src_ip: bytes = bytes(4)  # 4 bytes for IPv4/ARP, 16 for IPv6, network order
    dst_ip: bytes = bytes(4)
    sport: int = 0
    dport: int = 0
    frag: bool = False
    icmp_type: int = 0
    icmp_code: int = 0
    icmp_id: int = 0
    vswitch_port: int = 0


def mac(text: str) -> bytes:
    return bytes.fromhex(text.replace(":", ""))


def ip(text: str) -> bytes:
    return ipaddress.ip_address(text).packed


def to_batch(packets: list[Packet]) -> FlowArrays:
    any_v6 = any(p.ethertype == 0x86DD for p in packets)

    def v4(b: bytes) -> int:
        return int.from_bytes(b, "big") if len(b) == 4 else 0

    def v6(b: bytes) -> list[int]:
        return list(b) if len(b) == 16 else [0] * 16

    return FlowArrays.build(
        src_mac=[int.from_bytes(p.src_mac, "big") for p in packets],
        dst_mac=[int.from_bytes(p.dst_mac, "big") for p in packets],
        ethertype=[p.ethertype for p in packets],
        vlan=[p.vlan for p in packets],
        ip_proto=[p.proto for p in packets],
        src_ip=[v4(p.src_ip) for p in packets],
        dst_ip=[v4(p.dst_ip) for p in packets],
        src_port=[p.sport for p in packets],
        dst_port=[p.dport for p in packets],
        is_fragment=[p.frag for p in packets],
        vswitch_port=[p.vswitch_port for p in packets],
        src_ip6=[v6(p.src_ip) for p in packets] if any_v6 else None,
        dst_ip6=[v6(p.dst_ip) for p in packets] if any_v6 else None,
        icmp_type=[p.icmp_type for p in packets],
        icmp_code=[p.icmp_code for p in packets],
        icmp_id=[p.icmp_id for p in packets],
        n=len(packets),
    )


# --------------------------------------------------------------------------------------
# Scalar reference: drivers/net/bonding/bond_main.c, written from its text.
# The kernel XORs raw network-order words loaded into a u32 on a little-endian CPU, so
# every multi-byte field below is read with int.from_bytes(..., "little").
# --------------------------------------------------------------------------------------

PROTO_PORTS_OFFSET = {6: 0, 17: 0, 33: 0, 50: 0, 132: 0, 136: 0, 51: 4}  # include/linux/in.h
ICMP_HAS_ID = {8, 0, 13, 14, 128, 129}  # flow_dissector.c icmp_has_id()


def l4_header(p: Packet) -> bytes:
    """The first 8 bytes after the IP header, as they would be on the wire."""
    if p.proto == 51:  # AH: next header, length, reserved, then the SPI
        return bytes(4) + struct.pack(">HH", p.sport, p.dport)
    if p.proto in (1, 58):  # ICMP: type, code, checksum, identifier, sequence
        return struct.pack(">BBHHH", p.icmp_type, p.icmp_code, 0, p.icmp_id, 0)
    return struct.pack(">HH", p.sport, p.dport) + bytes(4)


def ref_bond_xmit_hash(policy: str, p: Packet) -> int:
    if policy == "vlan+srcmac":  # bond_vlan_srcmac_hash()
        vendor = int.from_bytes(p.src_mac[0:3], "big")
        dev = int.from_bytes(p.src_mac[3:6], "big")
        return p.vlan ^ vendor ^ dev
    eth = p.dst_mac[5] ^ p.src_mac[5] ^ p.ethertype  # bond_eth_hash()
    if policy == "layer2" or p.ethertype not in (0x0800, 0x86DD):
        return eth  # bond_flow_dissect() fails for non-IP: layer2 fallback
    l34 = policy == "layer3+4"
    # bond_flow_ip()
    if p.ethertype == 0x0800:
        ip_proto = -1 if p.frag else p.proto  # ip_is_fragment() leaves ip_proto at -1
        src_word = int.from_bytes(p.src_ip, "little")
        dst_word = int.from_bytes(p.dst_ip, "little")
    else:
        ip_proto = 44 if p.frag else p.proto  # next header is the Fragment header
        src_word = dst_word = 0
        for i in range(0, 16, 4):  # ipv6_addr_hash()
            src_word ^= int.from_bytes(p.src_ip[i : i + 4], "little")
            dst_word ^= int.from_bytes(p.dst_ip[i : i + 4], "little")
    ports = 0
    if l34 and ip_proto >= 0 and ip_proto in PROTO_PORTS_OFFSET:
        off = PROTO_PORTS_OFFSET[ip_proto]
        ports = int.from_bytes(l4_header(p)[off : off + 4], "little")
    icmp_id = 0
    icmp_word = 0
    if ip_proto in (1, 58):  # skb_flow_get_icmp_tci()
        wire_id = struct.unpack(">H", l4_header(p)[4:6])[0]
        icmp_id = (wire_id or 1) if p.icmp_type in ICMP_HAS_ID else 0
        icmp_word = int.from_bytes(struct.pack("<BBH", p.icmp_type, p.icmp_code, icmp_id), "little")
    # __bond_xmit_hash(): layer2+3 starts from the eth hash, layer3+4 from the L4 word
    l4_word = icmp_word if icmp_id else ports
    h = l4_word if l34 else eth
    # bond_ip_hash()
    h ^= dst_word ^ src_word
    h ^= h >> 16
    h ^= h >> 8
    if l34:
        h >>= 1
    return h & 0xFFFFFFFF


# --------------------------------------------------------------------------------------
# Scalar reference: Microsoft's ComputeHash pseudocode ("RSS hashing functions").
# --------------------------------------------------------------------------------------


def ref_toeplitz(data: bytes, key: bytes = DEFAULT_RSS_KEY) -> int:
    k = int.from_bytes(key, "big")
    k_bits = 8 * len(key)
    result = 0
    for i in range(8 * len(data)):  # for each bit b in input[] from left to right
        if (data[i // 8] >> (7 - i % 8)) & 1:
            result ^= k >> (k_bits - 32)  # the left-most 32 bits of K
        k = (k << 1) & ((1 << k_bits) - 1)  # shift K left 1 bit position
    return result


def ref_lbfo_hash(algorithm: str, p: Packet, key: bytes = DEFAULT_RSS_KEY) -> int:
    """The stated LBFO assumption, packet by packet."""
    if algorithm == "HyperVPort":
        return p.vswitch_port
    if algorithm == "MacAddresses" or p.ethertype not in (0x0800, 0x86DD):
        return ref_toeplitz(p.src_mac + p.dst_mac, key)
    data = p.src_ip + p.dst_ip
    if algorithm in ("TransportPorts", "Dynamic") and p.proto in (6, 17) and not p.frag:
        data += struct.pack(">HH", p.sport, p.dport)
    return ref_toeplitz(data, key)


VM_A = mac("00:15:5d:00:00:0a")
VM_B = mac("00:15:5d:00:00:0b")
SMB = Packet(VM_A, VM_B, src_ip=ip("10.0.0.1"), dst_ip=ip("10.0.0.2"), sport=49152, dport=445)


# --------------------------------------------------------------------------------------
# Linux bonding
# --------------------------------------------------------------------------------------


def test_linux_layer2_hand_worked() -> None:
    """bonding.rst xmit_hash_policy layer2 / bond_main.c bond_eth_hash().

    hash = src MAC[5] XOR dst MAC[5] XOR packet type ID = 0x0a ^ 0x0b ^ 0x0800 = 0x0801;
    slave = 0x0801 % 4 = 1.
    """
    flows = to_batch([SMB])
    assert bond_xmit_hash(flows, "layer2")[0] == 0x0801
    assert linux_bond_member(flows, "layer2", 4)[0] == 1
    assert ref_bond_xmit_hash("layer2", SMB) == 0x0801


def test_linux_layer2_3_hand_worked() -> None:
    """bonding.rst layer2+3 / bond_main.c __bond_xmit_hash() + bond_ip_hash() (no >> 1).

    On a little-endian CPU 10.0.0.1 ^ 10.0.0.2 reads as 0x01000000 ^ 0x02000000 = 0x03000000.
    h = 0x0801 ^ 0x03000000 = 0x03000801; h ^= h >> 16 -> 0x03000b01;
    h ^= h >> 8 -> 0x03030b0a; slave = 0x0a % 4 = 2.
    """
    flows = to_batch([SMB])
    assert bond_xmit_hash(flows, "layer2+3")[0] == 0x03030B0A
    assert linux_bond_member(flows, "layer2+3", 4)[0] == 2
    assert ref_bond_xmit_hash("layer2+3", SMB) == 0x03030B0A


def test_linux_layer3_4_hand_worked() -> None:
    """bonding.rst layer3+4 / bond_main.c __bond_xmit_hash() + bond_ip_hash() (with >> 1).

    Ports 49152 -> 445 are the bytes c0 00 01 bd, read little-endian 0xbd0100c0.
    h = 0xbd0100c0 ^ 0x03000000 = 0xbe0100c0; h ^= h >> 16 -> 0xbe01bec1;
    h ^= h >> 8 -> 0xbebfbf7f; h >>= 1 -> 0x5f5fdfbf; slave = 0x5f5fdfbf % 4 = 3.
    """
    flows = to_batch([SMB])
    assert bond_xmit_hash(flows, "layer3+4")[0] == 0x5F5FDFBF
    assert linux_bond_member(flows, "layer3+4", 4)[0] == 3
    assert linux_bond_member(flows, "layer3+4", 3)[0] == 0x5F5FDFBF % 3
    assert ref_bond_xmit_hash("layer3+4", SMB) == 0x5F5FDFBF


def test_linux_layer3_4_fragment_drops_ports() -> None:
    """bond_main.c bond_flow_ip(): a fragment keeps ip_proto at -1, so no ports are read.

    h = 0x03000000; h ^= h >> 16 -> 0x03000300; h ^= h >> 8 -> 0x03030303; >> 1 -> 0x01818181.
    """
    frag = Packet(**{**SMB.__dict__, "frag": True})
    assert bond_xmit_hash(to_batch([frag]), "layer3+4")[0] == 0x01818181
    assert ref_bond_xmit_hash("layer3+4", frag) == 0x01818181


def test_linux_vlan_srcmac_hand_worked() -> None:
    """bonding.rst vlan+srcmac / bond_main.c bond_vlan_srcmac_hash().

    vendor 0x00155d ^ dev 0x00000a = 0x1557, untagged; on VLAN 100: 0x1557 ^ 0x64 = 0x1533.
    """
    tagged = Packet(**{**SMB.__dict__, "vlan": 100})
    got = bond_xmit_hash(to_batch([SMB, tagged]), "vlan+srcmac")
    assert got.tolist() == [0x1557, 0x1533]


def test_linux_non_ip_falls_back_to_layer2() -> None:
    """bond_main.c __bond_xmit_hash(): bond_flow_dissect() fails for ARP -> bond_eth_hash().

    0x0a ^ 0x0b ^ 0x0806 = 0x0807 under every policy but vlan+srcmac.
    """
    arp = Packet(VM_A, VM_B, ethertype=0x0806, proto=1)
    flows = to_batch([arp])
    for policy in ("layer2", "layer2+3", "layer3+4"):
        assert bond_xmit_hash(flows, policy)[0] == 0x0807


def test_linux_layer3_4_icmp_echo_uses_type_code_id() -> None:
    """bond_main.c __bond_xmit_hash(): ICMP with an id hashes {type, code, id} (flow.icmp).

    Echo request id 0x1234: bytes 08 00 34 12 -> 0x12340008; ^ 0x03000000 = 0x11340008;
    ^ >> 16 -> 0x1134113c; ^ >> 8 -> 0x1125252d; >> 1 -> 0x08929296.
    An echo with id 0 hashes as id 1 (skb_flow_get_icmp_tci()); an informational type without
    an id (router advertisement, 9) leaves the word at the ports value 0.
    """
    base = {**SMB.__dict__, "proto": 1, "sport": 0, "dport": 0}
    echo = Packet(**{**base, "icmp_type": 8, "icmp_id": 0x1234})
    echo0 = Packet(**{**base, "icmp_type": 8, "icmp_id": 0})
    echo1 = Packet(**{**base, "icmp_type": 8, "icmp_id": 1})
    advert = Packet(**{**base, "icmp_type": 9, "icmp_code": 0})
    got = bond_xmit_hash(to_batch([echo, echo0, echo1, advert]), "layer3+4")
    assert got[0] == 0x08929296
    assert got[1] == got[2]
    assert got[3] == 0x01818181  # same as no ports at all
    assert got.tolist() == [ref_bond_xmit_hash("layer3+4", p) for p in (echo, echo0, echo1, advert)]


def test_linux_ipv6_and_ah_spi() -> None:
    """bond_main.c bond_ip_hash() with ipv6_addr_hash(); include/linux/in.h AH SPI at +4."""
    v6 = Packet(
        VM_A,
        VM_B,
        ethertype=0x86DD,
        src_ip=ip("fd00::10"),
        dst_ip=ip("2001:db8::443"),
        sport=50000,
        dport=443,
    )
    ah = Packet(**{**SMB.__dict__, "proto": 51, "sport": 0x1234, "dport": 0x5678})
    esp = Packet(**{**SMB.__dict__, "proto": 50, "sport": 0x1234, "dport": 0x5678})
    gre = Packet(**{**SMB.__dict__, "proto": 47})
    packets = [v6, ah, esp, gre]
    for policy in XMIT_HASH_POLICIES:
        got = bond_xmit_hash(to_batch(packets), policy)
        assert got.tolist() == [ref_bond_xmit_hash(policy, p) for p in packets], policy
    # The SPI stands where ports stand: ESP and AH hash alike; GRE has no ports.
    l34 = bond_xmit_hash(to_batch(packets), "layer3+4")
    assert l34[1] == l34[2]
    assert l34[3] == 0x01818181


def test_bond_slave_index_is_plain_modulo() -> None:
    """bond_main.c bond_xmit_3ad_xor_slave_get(): slaves->arr[hash % count]."""
    hashes = np.array([0, 1, 5, 0xFFFFFFFF], dtype=np.uint32)
    assert bond_slave_index(hashes, 3).tolist() == [0, 1, 2, 0xFFFFFFFF % 3]
    with pytest.raises(ValueError):
        bond_slave_index(hashes, 0)


def test_unknown_policy_is_rejected() -> None:
    with pytest.raises(ValueError, match="xmit_hash_policy"):
        bond_xmit_hash(to_batch([SMB]), "layer5")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# RSS Toeplitz: Microsoft's verification table
# --------------------------------------------------------------------------------------

# Windows driver documentation, "Verifying the RSS Hash Calculation"
# (windows-hardware/drivers/network/verifying-the-rss-hash-calculation), with the secret key
# 6d 5a 56 da 25 5b 0e c2 41 67 25 3d 43 a3 8f b0 d0 ca 2b cb ae 7b 30 b4 77 cb 2d a3 80 30
# f2 0c 6a 42 b7 3b be ac 01 fa.
# Columns: destination address:port, source address:port, IPv4 only, IPv4 with TCP.
MS_IPV4_TABLE = [
    ("161.142.100.80", 1766, "66.9.149.187", 2794, 0x323E8FC2, 0x51CCC178),
    ("65.69.140.83", 4739, "199.92.111.2", 14230, 0xD718262A, 0xC626B0EA),
    ("12.22.207.184", 38024, "24.19.198.95", 12898, 0xD2D0A5DE, 0x5C2B394A),
    ("209.142.163.6", 2217, "38.27.205.30", 48228, 0x82989176, 0xAFC7327F),
    ("202.188.127.2", 1303, "153.39.163.191", 44251, 0x5D1809C5, 0x10E828A2),
]
# Same page, IPv6 table: destination (port), source (port), IPv6 only, IPv6 with TCP.
MS_IPV6_TABLE = [
    ("3ffe:2501:200:3::1", 1766, "3ffe:2501:200:1fff::7", 2794, 0x2CC18CD5, 0x40207D3D),
    ("ff02::1", 4739, "3ffe:501:8::260:97ff:fe40:efab", 14230, 0x0F0C461C, 0xDDE51BBF),
    (
        "fe80::200:f8ff:fe21:67cf",
        38024,
        "3ffe:1900:4545:3:200:f8ff:fe21:67cf",
        44251,
        0x4B61E985,
        0x02D1FEEF,
    ),
]


def test_default_key_is_microsofts_verification_key() -> None:
    """Windows driver docs, "Verifying the RSS Hash Calculation": the 40-byte secret key."""
    published = """
        0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
        0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
        0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
        0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
        0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa
    """
    assert bytes(int(x, 16) for x in published.replace(",", " ").split()) == DEFAULT_RSS_KEY


def test_scalar_reference_matches_microsoft_table() -> None:
    """The reference ComputeHash (RSS hashing functions) reproduces the published table."""
    for dst, dport, src, sport, two, four in MS_IPV4_TABLE:
        assert ref_toeplitz(ip(src) + ip(dst)) == two
        assert ref_toeplitz(ip(src) + ip(dst) + struct.pack(">HH", sport, dport)) == four
    for dst, dport, src, sport, two, four in MS_IPV6_TABLE:
        assert ref_toeplitz(ip(src) + ip(dst)) == two
        assert ref_toeplitz(ip(src) + ip(dst) + struct.pack(">HH", sport, dport)) == four


def test_rss_ipv4_matches_microsoft_table() -> None:
    """RSS hashing functions: IPv4 2-tuple and IPv4+TCP 4-tuple, verification table."""
    dst = [ipv4_to_int(r[0]) for r in MS_IPV4_TABLE]
    dport = [r[1] for r in MS_IPV4_TABLE]
    src = [ipv4_to_int(r[2]) for r in MS_IPV4_TABLE]
    sport = [r[3] for r in MS_IPV4_TABLE]
    assert rss_hash_ipv4(src, dst).tolist() == [r[4] for r in MS_IPV4_TABLE]
    assert rss_hash_ipv4(src, dst, sport, dport).tolist() == [r[5] for r in MS_IPV4_TABLE]


def test_rss_ipv6_matches_microsoft_table() -> None:
    """RSS hashing functions: IPv6 2-tuple and IPv6+TCP 4-tuple, verification table."""
    dst = np.stack([ipv6_to_bytes(r[0]) for r in MS_IPV6_TABLE])
    dport = [r[1] for r in MS_IPV6_TABLE]
    src = np.stack([ipv6_to_bytes(r[2]) for r in MS_IPV6_TABLE])
    sport = [r[3] for r in MS_IPV6_TABLE]
    assert rss_hash_ipv6(src, dst).tolist() == [r[4] for r in MS_IPV6_TABLE]
    assert rss_hash_ipv6(src, dst, sport, dport).tolist() == [r[5] for r in MS_IPV6_TABLE]


def test_toeplitz_generic_matches_microsoft_table() -> None:
    """toeplitz_hash() over raw byte rows: IPv4 4-tuple and IPv6 4-tuple rows of the table."""
    rows4 = [ip(s) + ip(d) + struct.pack(">HH", sp, dp) for d, dp, s, sp, _, _ in MS_IPV4_TABLE]
    got = toeplitz_hash(np.frombuffer(b"".join(rows4), np.uint8).reshape(len(rows4), 12))
    assert got.tolist() == [r[5] for r in MS_IPV4_TABLE]
    rows6 = [ip(s) + ip(d) + struct.pack(">HH", sp, dp) for d, dp, s, sp, _, _ in MS_IPV6_TABLE]
    got6 = toeplitz_hash(np.frombuffer(b"".join(rows6), np.uint8).reshape(len(rows6), 36))
    assert got6.tolist() == [r[5] for r in MS_IPV6_TABLE]


# --------------------------------------------------------------------------------------
# LBFO (assumption pinned, fields per Microsoft's LBFO guide)
# --------------------------------------------------------------------------------------


def test_lbfo_assumption_is_stated() -> None:
    """The hash function of LBFO is not published: the module says what it assumes."""
    assert "ASSUMPTION" in LBFO_HASH_ASSUMPTION
    assert "Toeplitz" in LBFO_HASH_ASSUMPTION
    assert "% number of active members" in LBFO_HASH_ASSUMPTION


def test_lbfo_transport_ports_uses_microsoft_vectors() -> None:
    """TransportPorts = Toeplitz 4-tuple (RSS table row 1); IPAddresses = the 2-tuple.

    0x51ccc178 % 4 = 0 and 0x323e8fc2 % 4 = 2; 0x51ccc178 = 1372373368, digit sum 43, so % 3 = 1.
    """
    p = Packet(
        VM_A, VM_B, src_ip=ip("66.9.149.187"), dst_ip=ip("161.142.100.80"), sport=2794, dport=1766
    )
    flows = to_batch([p])
    assert lbfo_hash(flows, "TransportPorts")[0] == 0x51CCC178
    assert lbfo_hash(flows, "IPAddresses")[0] == 0x323E8FC2
    assert lbfo_member(flows, "TransportPorts", 4)[0] == 0
    assert lbfo_member(flows, "IPAddresses", 4)[0] == 2
    assert lbfo_member(flows, "TransportPorts", 3)[0] == 1


def test_lbfo_fallbacks() -> None:
    """LBFO guide: no ports -> IP 2-tuple (fragments, ICMP, IPsec); not IP -> MAC hash."""
    tcp = Packet(
        VM_A, VM_B, src_ip=ip("66.9.149.187"), dst_ip=ip("161.142.100.80"), sport=2794, dport=1766
    )
    frag = Packet(**{**tcp.__dict__, "frag": True})
    esp = Packet(**{**tcp.__dict__, "proto": 50})
    icmp = Packet(**{**tcp.__dict__, "proto": 1, "icmp_type": 8, "icmp_id": 7})
    arp = Packet(VM_A, VM_B, ethertype=0x0806, proto=1)
    got = lbfo_hash(to_batch([frag, esp, icmp, arp]), "TransportPorts")
    assert got[:3].tolist() == [0x323E8FC2] * 3
    assert got[3] == ref_toeplitz(VM_A + VM_B)


def test_lbfo_hyperv_port_and_custom_key() -> None:
    """HyperVPort: vSwitch port % active members; another key changes Toeplitz results."""
    packets = [Packet(VM_A, VM_B, vswitch_port=port) for port in (1, 2, 3, 7)]
    assert lbfo_member(to_batch(packets), "HyperVPort", 3).tolist() == [1, 2, 0, 1]
    key = bytes(range(1, 41))
    flows = to_batch([SMB])
    assert lbfo_hash(flows, "TransportPorts", key)[0] == ref_lbfo_hash("TransportPorts", SMB, key)
    assert lbfo_hash(flows, "TransportPorts", key)[0] != lbfo_hash(flows, "TransportPorts")[0]
    with pytest.raises(ValueError):
        lbfo_member(flows, "TransportPorts", 0)


# --------------------------------------------------------------------------------------
# The flow layout
# --------------------------------------------------------------------------------------


def test_flow_arrays_build_and_take() -> None:
    flows = FlowArrays.build(
        src_mac=mac_to_int("00:15:5d:01:02:03"),
        dst_mac=[1, 2, 3],
        src_ip=ipv4_to_int("10.0.0.1"),
        src_port=[1, 70000, 3],  # stored modulo 2**16, as a C u16
    )
    assert len(flows) == flows.n == 3
    assert flows.src_mac.tolist() == [0x00155D010203] * 3
    assert flows.src_port.tolist() == [1, 70000 - 65536, 3]
    assert flows.ethertype.dtype == np.uint16 and flows.ethertype[0] == 0x0800
    sub = flows.take(np.array([False, True, True]))
    assert sub.dst_mac.tolist() == [2, 3]
    with pytest.raises(TypeError):
        FlowArrays(**{**{f.name: getattr(flows, f.name) for f in fields(flows)}, "vlan": [0, 0]})
    with pytest.raises(ValueError, match="IPv6"):
        bond_xmit_hash(FlowArrays.build(src_mac=1, dst_mac=2, ethertype=0x86DD), "layer3+4")


def test_synthetic_flows_are_reproducible() -> None:
    a = synthetic_flows(1000, seed=7, ipv6_share=0.1)
    b = synthetic_flows(1000, seed=7, ipv6_share=0.1)
    assert np.array_equal(a.src_port, b.src_port) and np.array_equal(a.bytes, b.bytes)
    assert set(np.unique(a.ethertype).tolist()) == {0x0800, 0x86DD}


# --------------------------------------------------------------------------------------
# Property: vectorised == scalar reference on random packets
# --------------------------------------------------------------------------------------

ethertypes = st.sampled_from([0x0800, 0x0800, 0x86DD, 0x0806, 0x88CC])
protos = st.sampled_from([6, 17, 1, 58, 132, 33, 136, 50, 51, 47, 2])
icmp_types = st.sampled_from([0, 8, 9, 10, 13, 14, 17, 128, 129, 133, 135, 136])
# Linux hashes ICMP errors over the quoted packet, which a flow row describes instead
# (include/linux/icmp.h icmp_is_err(); icmpv6_is_err(): types below 128).
ICMP_ERRORS = {1: {3, 4, 5, 11, 12}, 58: set(range(128))}


@st.composite
def packets(draw: st.DrawFn) -> Packet:
    ethertype = draw(ethertypes)
    width = 16 if ethertype == 0x86DD else 4
    proto = draw(protos)
    icmp_type = draw(icmp_types.filter(lambda t: t not in ICMP_ERRORS.get(proto, ())))
    return Packet(
        src_mac=draw(st.binary(min_size=6, max_size=6)),
        dst_mac=draw(st.binary(min_size=6, max_size=6)),
        ethertype=ethertype,
        vlan=draw(st.integers(0, 4095)),
        proto=proto,
        src_ip=draw(st.binary(min_size=width, max_size=width)),
        dst_ip=draw(st.binary(min_size=width, max_size=width)),
        sport=draw(st.integers(0, 65535)),
        dport=draw(st.integers(0, 65535)),
        frag=draw(st.booleans()),
        icmp_type=icmp_type,
        icmp_code=draw(st.integers(0, 255)),
        icmp_id=draw(st.sampled_from([0, 1, 0xFFFF]) | st.integers(0, 65535)),
        vswitch_port=draw(st.integers(0, 2**32 - 1)),
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(packets(), min_size=1, max_size=12), st.integers(1, 32))
def test_linux_vectorised_equals_scalar_reference(batch: list[Packet], slaves: int) -> None:
    """bond_main.c __bond_xmit_hash(): vectorised result == packet-by-packet reference."""
    flows = to_batch(batch)
    for policy in XMIT_HASH_POLICIES:
        want = [ref_bond_xmit_hash(policy, p) for p in batch]
        assert bond_xmit_hash(flows, policy).tolist() == want, policy
        assert linux_bond_member(flows, policy, slaves).tolist() == [h % slaves for h in want]


@settings(max_examples=100, deadline=None)
@given(st.lists(packets(), min_size=1, max_size=8), st.integers(1, 16))
def test_lbfo_vectorised_equals_scalar_reference(batch: list[Packet], members: int) -> None:
    """RSS hashing functions (ComputeHash) under the stated LBFO assumption."""
    flows = to_batch(batch)
    for algorithm in LBFO_ALGORITHMS:
        want = [ref_lbfo_hash(algorithm, p) for p in batch]
        assert lbfo_hash(flows, algorithm).tolist() == want, algorithm
        assert lbfo_member(flows, algorithm, members).tolist() == [h % members for h in want]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=36), min_size=1, max_size=4), st.data())
def test_toeplitz_vectorised_equals_pseudocode(rows: list[bytes], data: st.DataObject) -> None:
    """RSS hashing functions ComputeHash(): byte tables == bit-by-bit pseudocode, any key."""
    width = len(rows[0])
    rows = [r[:width].ljust(width, b"\0") for r in rows]
    key = data.draw(st.one_of(st.just(DEFAULT_RSS_KEY), st.binary(min_size=width + 4, max_size=52)))
    matrix = np.frombuffer(b"".join(rows), np.uint8).reshape(len(rows), width)
    assert toeplitz_hash(matrix, key).tolist() == [ref_toeplitz(r, key) for r in rows]


def packet_of(flows: FlowArrays, i: int) -> Packet:
    """Row ``i`` of a batch as a Packet (for the scalar references)."""
    v6 = int(flows.ethertype[i]) == 0x86DD
    assert flows.src_ip6 is not None and flows.dst_ip6 is not None
    return Packet(
        src_mac=int(flows.src_mac[i]).to_bytes(6, "big"),
        dst_mac=int(flows.dst_mac[i]).to_bytes(6, "big"),
        ethertype=int(flows.ethertype[i]),
        vlan=int(flows.vlan[i]),
        proto=int(flows.ip_proto[i]),
        src_ip=bytes(flows.src_ip6[i]) if v6 else int(flows.src_ip[i]).to_bytes(4, "big"),
        dst_ip=bytes(flows.dst_ip6[i]) if v6 else int(flows.dst_ip[i]).to_bytes(4, "big"),
        sport=int(flows.src_port[i]),
        dport=int(flows.dst_port[i]),
        frag=bool(flows.is_fragment[i]),
        vswitch_port=int(flows.vswitch_port[i]),
    )


def test_large_batches_hash_row_by_row() -> None:
    """Batches past CHUNK_FLOWS are hashed in slices; rows at and near the slice edges
    still equal the scalar references (bond_main.c, RSS ComputeHash)."""
    n = 2 * CHUNK_FLOWS + 17
    flows = synthetic_flows(n, seed=11, ipv6_share=0.2)
    edges = [0, 1, CHUNK_FLOWS - 1, CHUNK_FLOWS, CHUNK_FLOWS + 1, 2 * CHUNK_FLOWS, n - 1]
    rows = edges + np.random.default_rng(5).integers(0, n, 40).tolist()
    l34 = bond_xmit_hash(flows, "layer3+4")
    ports = lbfo_hash(flows, "TransportPorts")
    for i in rows:
        p = packet_of(flows, i)
        assert l34[i] == ref_bond_xmit_hash("layer3+4", p), i
        assert ports[i] == ref_lbfo_hash("TransportPorts", p), i
