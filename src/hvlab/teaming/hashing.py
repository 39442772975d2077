"""Bit-exact, vectorised transmit hashes of Linux bonds and Windows LBFO teams.

Every function here is a pure function over a :class:`FlowArrays` batch (a structure of
NumPy arrays, one row per flow) and never loops over flows in Python.

Sources
-------
* Linux bonding: ``drivers/net/bonding/bond_main.c`` (``bond_xmit_hash``, ``__bond_xmit_hash``,
  ``bond_eth_hash``, ``bond_flow_dissect``, ``bond_flow_ip``, ``bond_ip_hash``,
  ``bond_vlan_srcmac_hash``, ``bond_xmit_3ad_xor_slave_get``), ``net/core/flow_dissector.c``
  (``skb_flow_get_ports``, ``skb_flow_get_icmp_tci``, ``icmp_has_id``), ``include/linux/in.h``
  (``proto_ports_offset``), ``include/net/ipv6.h`` (``ipv6_addr_hash``) and
  ``Documentation/networking/bonding.rst`` (``xmit_hash_policy``), current mainline (the
  lowest hash bit is dropped for ``layer3+4`` only since commit 49aefd131739, "bonding: do not
  discard lowest hash bit for non layer3+4 hashing").
* Windows RSS: "RSS hashing functions", "RSS hashing types" and "Verifying the RSS hash
  calculation" in the Windows driver documentation (``NdisHashFunctionToeplitz``, the
  40-byte verification key and its IPv4/IPv6 verification table).
* Windows LBFO: "Windows Server 2012 R2 NIC Teaming (LBFO) Deployment and Management",
  section "Algorithms for load distribution" (which packet fields each algorithm uses, but not
  the hash function: see :data:`LBFO_HASH_ASSUMPTION`).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "CHUNK_FLOWS",
    "DEFAULT_RSS_KEY",
    "ETH_P_ARP",
    "ETH_P_IP",
    "ETH_P_IPV6",
    "IPPROTO_AH",
    "IPPROTO_DCCP",
    "IPPROTO_ESP",
    "IPPROTO_ICMP",
    "IPPROTO_ICMPV6",
    "IPPROTO_SCTP",
    "IPPROTO_TCP",
    "IPPROTO_UDP",
    "IPPROTO_UDPLITE",
    "LBFO_ALGORITHMS",
    "LBFO_HASH_ASSUMPTION",
    "LINUX_HOST_ASSUMPTION",
    "XMIT_HASH_POLICIES",
    "FlowArrays",
    "LbfoAlgorithm",
    "XmitHashPolicy",
    "apply_in_chunks",
    "bond_slave_index",
    "bond_xmit_hash",
    "ipv4_to_int",
    "ipv6_to_bytes",
    "lbfo_hash",
    "lbfo_member",
    "linux_bond_member",
    "mac_to_int",
    "rss_hash_ipv4",
    "rss_hash_ipv6",
    "synthetic_flows",
    "toeplitz_hash",
]

U8 = NDArray[np.uint8]
U16 = NDArray[np.uint16]
U32 = NDArray[np.uint32]
U64 = NDArray[np.uint64]
Bool = NDArray[np.bool_]

ETH_P_IP: Final = 0x0800
ETH_P_ARP: Final = 0x0806
ETH_P_IPV6: Final = 0x86DD

IPPROTO_ICMP: Final = 1
IPPROTO_TCP: Final = 6
IPPROTO_UDP: Final = 17
IPPROTO_DCCP: Final = 33
IPPROTO_ESP: Final = 50
IPPROTO_AH: Final = 51
IPPROTO_ICMPV6: Final = 58
IPPROTO_SCTP: Final = 132
IPPROTO_UDPLITE: Final = 136

_U32_MAX: Final = 0xFFFFFFFF


# --------------------------------------------------------------------------------------
# Flow batch layout
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class FlowArrays:
    """A batch of flows as a structure of arrays: one row per flow, one array per field.

    All arrays are one-dimensional with the same length ``n`` (the IPv6 address arrays are
    ``(n, 16)``). Use :meth:`build` to make one from scalars, lists or arrays of any integer
    type; the constructor itself only checks dtypes and shapes.

    Attributes
    ----------
    src_mac, dst_mac : uint64
        Ethernet addresses as 48-bit integers, octet 0 most significant
        (``00:15:5d:01:02:03`` is ``0x00155D010203``); see :func:`mac_to_int`.
    ethertype : uint16
        Ethernet type of the payload *after* any 802.1Q tag (``0x0800`` IPv4,
        ``0x86DD`` IPv6, ``0x0806`` ARP, anything else is non-IP). The 802.1Q tag itself is
        carried in ``vlan``, as a NIC with VLAN offload presents it.
    vlan : uint16
        802.1Q VLAN id, 0 for an untagged frame. Priority bits are taken as 0.
    ip_proto : uint8
        IPv4 protocol / IPv6 upper-layer header (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...).
        IPv6 extension headers are not modelled (Linux would read the first one's type and
        find no ports). For ARP frames, the low 8 bits of the opcode (as Open vSwitch reads it).
    src_ip, dst_ip : uint32
        IPv4 addresses as integers, first octet most significant (``10.0.0.1`` is
        ``0x0A000001``); see :func:`ipv4_to_int`. For ARP frames, the sender and target
        protocol addresses. Ignored for IPv6 rows.
    src_port, dst_port : uint16
        TCP/UDP/SCTP/DCCP/UDP-Lite ports. For ESP and AH flows, the SPI's high and low 16 bits
        (the kernel reads the SPI where it reads ports). Ignored for ICMP rows.
    is_fragment : bool
        The packet is an IP fragment (first or later). Linux ignores the L4 header of every
        fragment; so does RSS ("RSS hashing types": fragments use the 2-tuple, the first
        fragment included).
    vswitch_port : uint32
        The Hyper-V virtual switch port the flow enters the team from (``HyperVPort``).
    bytes : uint64
        Bytes the flow carries in the modelled interval (for load, never for hashing).
    src_ip6, dst_ip6 : uint8, shape (n, 16), optional
        IPv6 addresses in network byte order, used by rows whose ethertype is ``0x86DD``;
        see :func:`ipv6_to_bytes`. Required when any row is IPv6.
    icmp_type, icmp_code : uint8, optional
        ICMP/ICMPv6 type and code of ICMP rows (taken as 0 when omitted). Linux hashes an ICMP
        *error* (IPv4 types 3, 4, 5, 11, 12; ICMPv6 types below 128) over the packet it quotes,
        which one row cannot carry: describe such a flow by the quoted packet's fields.
    icmp_id : uint16, optional
        ICMP echo/timestamp identifier of ICMP rows (taken as 0 when omitted).
    is_later_fragment : bool, optional
        The fragment has a non-zero offset. Only Open vSwitch tells first from later fragments
        (it reads the ports of a first fragment); when omitted every fragment is taken as a
        later one.
    """

    src_mac: U64
    dst_mac: U64
    ethertype: U16
    vlan: U16
    ip_proto: U8
    src_ip: U32
    dst_ip: U32
    src_port: U16
    dst_port: U16
    is_fragment: Bool
    vswitch_port: U32
    bytes: U64
    src_ip6: U8 | None = None
    dst_ip6: U8 | None = None
    icmp_type: U8 | None = None
    icmp_code: U8 | None = None
    icmp_id: U16 | None = None
    is_later_fragment: Bool | None = None

    def __post_init__(self) -> None:
        n = len(self.src_mac)
        for f in fields(self):
            arr = getattr(self, f.name)
            if arr is None:
                continue
            want = _FIELD_DTYPES[f.name]
            if not isinstance(arr, np.ndarray) or arr.dtype != want:
                raise TypeError(f"FlowArrays.{f.name} must be a numpy array of {want}")
            shape = (n, 16) if f.name in ("src_ip6", "dst_ip6") else (n,)
            if arr.shape != shape:
                raise ValueError(f"FlowArrays.{f.name} has shape {arr.shape}, expected {shape}")
        if (self.src_ip6 is None) != (self.dst_ip6 is None):
            raise ValueError("FlowArrays: give both src_ip6 and dst_ip6 or neither")

    def __len__(self) -> int:
        return len(self.src_mac)

    @property
    def n(self) -> int:
        """Number of flows in the batch."""
        return len(self.src_mac)

    @classmethod
    def build(
        cls,
        *,
        src_mac: ArrayLike,
        dst_mac: ArrayLike,
        ethertype: ArrayLike = ETH_P_IP,
        vlan: ArrayLike = 0,
        ip_proto: ArrayLike = IPPROTO_TCP,
        src_ip: ArrayLike = 0,
        dst_ip: ArrayLike = 0,
        src_port: ArrayLike = 0,
        dst_port: ArrayLike = 0,
        is_fragment: ArrayLike = False,
        vswitch_port: ArrayLike = 0,
        bytes: ArrayLike = 0,
        src_ip6: ArrayLike | None = None,
        dst_ip6: ArrayLike | None = None,
        icmp_type: ArrayLike | None = None,
        icmp_code: ArrayLike | None = None,
        icmp_id: ArrayLike | None = None,
        is_later_fragment: ArrayLike | None = None,
        n: int | None = None,
    ) -> FlowArrays:
        """Build a batch from scalars and sequences, broadcasting scalars to ``n`` rows.

        Parameters
        ----------
        src_mac, dst_mac, ethertype, vlan, ip_proto, src_ip, dst_ip, src_port, dst_port,
        is_fragment, vswitch_port, bytes, src_ip6, dst_ip6, icmp_type, icmp_code, icmp_id,
        is_later_fragment
            Field values (see the class docstring); scalars are repeated for every row.
            Integers are taken modulo the field's width, as C would store them.
        n : int, optional
            Number of rows; by default the length of the longest sequence given.

        Returns
        -------
        FlowArrays
            A batch with contiguous arrays of the documented dtypes.
        """
        given: dict[str, ArrayLike | None] = {
            "src_mac": src_mac,
            "dst_mac": dst_mac,
            "ethertype": ethertype,
            "vlan": vlan,
            "ip_proto": ip_proto,
            "src_ip": src_ip,
            "dst_ip": dst_ip,
            "src_port": src_port,
            "dst_port": dst_port,
            "is_fragment": is_fragment,
            "vswitch_port": vswitch_port,
            "bytes": bytes,
            "src_ip6": src_ip6,
            "dst_ip6": dst_ip6,
            "icmp_type": icmp_type,
            "icmp_code": icmp_code,
            "icmp_id": icmp_id,
            "is_later_fragment": is_later_fragment,
        }
        if n is None:
            n = 1
            for value in given.values():
                if value is not None:
                    arr = np.asarray(value)
                    if arr.ndim >= 1:
                        n = max(n, arr.shape[0])
        out: dict[str, Any] = {}
        for name, value in given.items():
            if value is None:
                out[name] = None
                continue
            dtype = _FIELD_DTYPES[name]
            shape = (n, 16) if name in ("src_ip6", "dst_ip6") else (n,)
            arr = np.asarray(value)
            if dtype != np.bool_ and arr.dtype.kind in "iu" and arr.dtype != dtype:
                # Wrap like a C store into a narrower unsigned field.
                width_mask = (1 << (8 * np.dtype(dtype).itemsize)) - 1
                arr = (arr.astype(np.uint64) & np.uint64(width_mask)).astype(dtype)
            out[name] = np.ascontiguousarray(np.broadcast_to(arr.astype(dtype), shape))
        return cls(**out)

    def slice(self, start: int, stop: int) -> FlowArrays:
        """Return rows ``start:stop`` as views (no copy).

        Returns
        -------
        FlowArrays
            A batch whose arrays are views into this one's.
        """
        parts: dict[str, Any] = {
            f.name: (None if getattr(self, f.name) is None else getattr(self, f.name)[start:stop])
            for f in fields(self)
        }
        return FlowArrays(**parts)

    def take(self, index: ArrayLike) -> FlowArrays:
        """Return the rows selected by ``index`` (an index array, slice result or mask).

        Returns
        -------
        FlowArrays
            A new batch holding copies of the selected rows.
        """
        idx = np.asarray(index)
        parts: dict[str, Any] = {
            f.name: (None if getattr(self, f.name) is None else getattr(self, f.name)[idx])
            for f in fields(self)
        }
        return FlowArrays(**parts)


_FIELD_DTYPES: Final[dict[str, type[np.generic]]] = {
    "src_mac": np.uint64,
    "dst_mac": np.uint64,
    "ethertype": np.uint16,
    "vlan": np.uint16,
    "ip_proto": np.uint8,
    "src_ip": np.uint32,
    "dst_ip": np.uint32,
    "src_port": np.uint16,
    "dst_port": np.uint16,
    "is_fragment": np.bool_,
    "vswitch_port": np.uint32,
    "bytes": np.uint64,
    "src_ip6": np.uint8,
    "dst_ip6": np.uint8,
    "icmp_type": np.uint8,
    "icmp_code": np.uint8,
    "icmp_id": np.uint16,
    "is_later_fragment": np.bool_,
}


def mac_to_int(mac: str) -> int:
    """Parse ``00:15:5d:01:02:03`` (or ``-``/``.``-separated) into a 48-bit integer.

    Returns
    -------
    int
        The address with octet 0 most significant, as stored in ``FlowArrays.src_mac``.
    """
    digits = mac.replace(":", "").replace("-", "").replace(".", "")
    if len(digits) != 12:
        raise ValueError(f"not a MAC address: {mac!r}")
    return int(digits, 16)


def ipv4_to_int(addr: str) -> int:
    """Parse a dotted IPv4 address.

    Returns
    -------
    int
        The address with its first octet most significant, as stored in ``FlowArrays.src_ip``.
    """
    return int(ipaddress.IPv4Address(addr))


def ipv6_to_bytes(addr: str) -> U8:
    """Parse an IPv6 address.

    Returns
    -------
    numpy.ndarray
        Its 16 bytes in network order (uint8), one row of ``FlowArrays.src_ip6``.
    """
    return np.frombuffer(ipaddress.IPv6Address(addr).packed, dtype=np.uint8).copy()


def synthetic_flows(
    n: int,
    *,
    seed: int,
    vms: int = 64,
    ipv6_share: float = 0.0,
    udp_share: float = 0.2,
) -> FlowArrays:
    """Make a reproducible batch of plausible outbound flows of a Hyper-V host.

    Sources are ``vms`` VM NICs (Hyper-V MACs ``00:15:5d:..``, one vSwitch port each, IPv4
    addresses in 10.0.0.0/16), destinations are clients in 172.16.0.0/12 reached through one
    gateway MAC, to well-known server ports from ephemeral ports. Bytes are log-normal.

    Parameters
    ----------
    n : int
        Number of flows.
    seed : int
        Seed of the NumPy generator: same seed, same flows.
    vms : int
        Number of distinct source VM NICs.
    ipv6_share, udp_share : float
        Fractions of IPv6 and UDP flows.

    Returns
    -------
    FlowArrays
        The batch.
    """
    rng = np.random.default_rng(seed)
    vm = rng.integers(0, vms, n, dtype=np.uint32)
    src_mac = np.uint64(0x00155D000000) + vm.astype(np.uint64) + np.uint64(0x10)
    dst_mac = np.full(n, 0x0000_0C9F_F001, dtype=np.uint64)
    src_ip = np.uint32(0x0A000000) + vm + np.uint32(10)
    dst_ip = np.uint32(0xAC100000) + rng.integers(1, 1 << 20, n, dtype=np.uint32)
    server_ports = np.array([443, 80, 445, 1433, 3389, 53, 5985, 135], dtype=np.uint16)
    dst_port = server_ports[rng.integers(0, len(server_ports), n)]
    src_port = rng.integers(49152, 65536, n, dtype=np.uint32).astype(np.uint16)
    ip_proto = np.where(rng.random(n) < udp_share, IPPROTO_UDP, IPPROTO_TCP).astype(np.uint8)
    is_v6 = rng.random(n) < ipv6_share
    ethertype = np.where(is_v6, ETH_P_IPV6, ETH_P_IP).astype(np.uint16)
    src_ip6 = dst_ip6 = None
    if ipv6_share > 0:
        src_ip6 = np.zeros((n, 16), dtype=np.uint8)
        src_ip6[:, :8] = np.frombuffer(bytes.fromhex("fd00000000000001"), dtype=np.uint8)
        src_ip6[:, 12:] = src_ip.view(np.uint8).reshape(n, 4)[:, ::-1]
        dst_ip6 = rng.integers(0, 256, (n, 16), dtype=np.uint16).astype(np.uint8)
        dst_ip6[:, 0] = 0x20
    return FlowArrays(
        src_mac=src_mac,
        dst_mac=dst_mac,
        ethertype=ethertype,
        vlan=np.zeros(n, dtype=np.uint16),
        ip_proto=ip_proto,
        src_ip=src_ip,
        dst_ip=dst_ip,
        src_port=src_port,
        dst_port=dst_port,
        is_fragment=np.zeros(n, dtype=np.bool_),
        vswitch_port=vm + np.uint32(1),
        bytes=rng.lognormal(11.0, 2.0, n).astype(np.uint64),
        src_ip6=src_ip6,
        dst_ip6=dst_ip6,
    )


#: Flows hashed per step: temporaries of 2**16 rows stay in the CPU cache, where whole-batch
#: temporaries of millions of rows would cost a page fault per 4 KiB each time.
CHUNK_FLOWS: Final = 1 << 16


def apply_in_chunks(fn: Callable[[FlowArrays], U32], flows: FlowArrays) -> U32:
    """Apply a row-wise hash to a batch ``CHUNK_FLOWS`` rows at a time.

    Parameters
    ----------
    fn : callable
        Maps a batch to one uint32 per row, each row independently of the others.
    flows : FlowArrays
        The batch.

    Returns
    -------
    numpy.ndarray of uint32
        ``fn(flows)``, computed on consecutive slices (a loop per chunk, not per flow).
    """
    n = len(flows)
    if n <= CHUNK_FLOWS:
        return fn(flows)
    out = np.empty(n, dtype=np.uint32)
    for start in range(0, n, CHUNK_FLOWS):
        stop = min(start + CHUNK_FLOWS, n)
        out[start:stop] = fn(flows.slice(start, stop))
    return out


# --------------------------------------------------------------------------------------
# Linux bonding (drivers/net/bonding/bond_main.c)
# --------------------------------------------------------------------------------------

XmitHashPolicy = Literal["layer2", "layer2+3", "layer3+4", "vlan+srcmac"]
XMIT_HASH_POLICIES: Final[tuple[XmitHashPolicy, ...]] = (
    "layer2",
    "layer2+3",
    "layer3+4",
    "vlan+srcmac",
)

LINUX_HOST_ASSUMPTION: Final = (
    "Linux bond hashes are computed as a little-endian host (x86-64, arm64) computes them: "
    "the kernel XORs addresses and ports as raw network-order words loaded into a CPU u32. "
    "VLAN tags are taken as offloaded (802.1Q tag outside the frame data, priority bits 0)."
)

# proto_ports_offset() (include/linux/in.h): protocols whose first 4 L4 bytes (AH: bytes 4..7)
# are read as the "ports" word.
_PORT_PROTOS: Final = (
    IPPROTO_TCP,
    IPPROTO_UDP,
    IPPROTO_DCCP,
    IPPROTO_ESP,
    IPPROTO_AH,
    IPPROTO_SCTP,
    IPPROTO_UDPLITE,
)
# icmp_has_id() (net/core/flow_dissector.c): echo, echo reply, timestamp, timestamp reply,
# ICMPv6 echo request and reply -- checked on the type alone, whatever the IP version.
_ICMP_TYPES_WITH_ID: Final = (8, 0, 13, 14, 128, 129)


def _u8_set(values: tuple[int, ...]) -> Bool:
    # A 256-entry membership table: one gather per row beats np.isin on uint8 columns.
    table = np.zeros(256, dtype=np.bool_)
    table[list(values)] = True
    table.flags.writeable = False
    return table


_HAS_PORTS: Final = _u8_set(_PORT_PROTOS)
_HAS_ICMP_ID: Final = _u8_set(_ICMP_TYPES_WITH_ID)


def _bswap16(x: U16) -> U32:
    x32 = x.astype(np.uint32)
    return ((x32 & np.uint32(0xFF)) << np.uint32(8)) | (x32 >> np.uint32(8))


def _ipv6_words_le(addr: U8) -> U32:
    """The four u32 words of (n, 16) network-order addresses, as a little-endian CPU loads them."""
    return np.ascontiguousarray(addr).view("<u4").reshape(-1, 4).astype(np.uint32)


def _require_ipv6(flows: FlowArrays, is_v6: Bool) -> tuple[U8, U8]:
    if flows.src_ip6 is None or flows.dst_ip6 is None:
        raise ValueError("FlowArrays has IPv6 rows but no src_ip6/dst_ip6 arrays")
    return flows.src_ip6[is_v6], flows.dst_ip6[is_v6]


def _bond_eth_hash(flows: FlowArrays) -> U32:
    # bond_eth_hash(): h_dest[5] ^ h_source[5] ^ be16_to_cpu(h_proto).
    low = (flows.src_mac ^ flows.dst_mac) & np.uint64(0xFF)
    return low.astype(np.uint32) ^ flows.ethertype.astype(np.uint32)


def _bond_vlan_srcmac_hash(flows: FlowArrays) -> U32:
    # bond_vlan_srcmac_hash(): vlan ^ srcmac_vendor (octets 0-2) ^ srcmac_dev (octets 3-5).
    vendor = (flows.src_mac >> np.uint64(24)) & np.uint64(0xFFFFFF)
    dev = flows.src_mac & np.uint64(0xFFFFFF)
    return (vendor ^ dev).astype(np.uint32) ^ flows.vlan.astype(np.uint32)


def _bond_addr_word(flows: FlowArrays, is_v4: Bool, is_v6: Bool) -> U32:
    """flow_get_u32_dst(flow) ^ flow_get_u32_src(flow) as the kernel sees it (LE host)."""
    # IPv4: the raw network-order address loaded into a u32; XOR commutes with the byte swap.
    word = np.where(is_v4, (flows.src_ip ^ flows.dst_ip).byteswap(), np.uint32(0))
    if is_v6.any():
        # ipv6_addr_hash(): XOR of the address's four raw 32-bit words (both the 64-bit and
        # the generic variant reduce to this).
        src6, dst6 = _require_ipv6(flows, is_v6)
        words = _ipv6_words_le(src6) ^ _ipv6_words_le(dst6)
        word[is_v6] = np.bitwise_xor.reduce(words, axis=1)
    return word


def _bond_l4_word(flows: FlowArrays, is_ip: Bool) -> U32:
    """The u32 that __bond_xmit_hash() starts layer3+4 from: ports, or the ICMP tuple."""
    no_frag = is_ip & ~flows.is_fragment
    proto = flows.ip_proto
    # bond_flow_ip(): an IPv4 fragment leaves ip_proto at -1 and an IPv6 fragment shows
    # next header 44, so no fragment gets ports or ICMP fields.
    has_ports = no_frag & _HAS_PORTS[proto]
    ports = _bswap16(flows.src_port) | (_bswap16(flows.dst_port) << np.uint32(16))
    word = np.where(has_ports, ports, np.uint32(0))
    is_icmp = no_frag & ((proto == IPPROTO_ICMP) | (proto == IPPROTO_ICMPV6))
    if is_icmp.any():
        n = len(flows)
        itype = flows.icmp_type if flows.icmp_type is not None else np.zeros(n, np.uint8)
        icode = flows.icmp_code if flows.icmp_code is not None else np.zeros(n, np.uint8)
        iid = flows.icmp_id if flows.icmp_id is not None else np.zeros(n, np.uint16)
        # skb_flow_get_icmp_tci(): id in host order, 1 when the packet's id is 0, 0 when the
        # type has no id; __bond_xmit_hash() uses {type, code, id} only when id != 0.
        has_id = _HAS_ICMP_ID[itype]
        key_id = np.where(has_id, np.where(iid == 0, np.uint16(1), iid), np.uint16(0))
        tci = (
            itype.astype(np.uint32)
            | (icode.astype(np.uint32) << np.uint32(8))
            | (key_id.astype(np.uint32) << np.uint32(16))
        )
        word = np.where(is_icmp & (key_id != 0), tci, word)
    return word


def bond_xmit_hash(flows: FlowArrays, policy: XmitHashPolicy) -> U32:
    """Linux ``bond_xmit_hash()`` of each flow under a ``xmit_hash_policy``.

    Parameters
    ----------
    flows : FlowArrays
        The flows, as the bond sees them on transmit.
    policy : {"layer2", "layer2+3", "layer3+4", "vlan+srcmac"}
        The bond's ``xmit_hash_policy``.

    Returns
    -------
    numpy.ndarray of uint32
        The 32-bit hash the kernel computes (before ``% slave count``):

        * ``layer2``: ``src_mac[5] ^ dst_mac[5] ^ ethertype``.
        * ``layer2+3``: the layer2 hash XOR source IP XOR destination IP (IPv6 addresses
          first folded by ``ipv6_addr_hash``), then ``h ^= h >> 16; h ^= h >> 8``.
        * ``layer3+4``: the ports word (TCP, UDP, SCTP, DCCP, UDP-Lite; the SPI for ESP/AH;
          type/code/id for ICMP echo), none for fragments and other protocols, XOR the
          addresses, the same folding, then ``h >> 1``.
        * ``vlan+srcmac``: ``vlan ^ src_mac[0:3] ^ src_mac[3:6]``.

        Non-IP frames fall back to the layer2 hash under ``layer2+3`` and ``layer3+4``, as
        ``__bond_xmit_hash()`` does when ``bond_flow_dissect()`` fails.

    Notes
    -----
    Source: ``drivers/net/bonding/bond_main.c`` ``__bond_xmit_hash()`` and
    ``bond_ip_hash()``; ``Documentation/networking/bonding.rst``. See
    :data:`LINUX_HOST_ASSUMPTION` for the byte-order and VLAN assumptions.
    """
    if policy not in XMIT_HASH_POLICIES:
        raise ValueError(
            f"unknown xmit_hash_policy {policy!r}; expected one of {XMIT_HASH_POLICIES}"
        )
    return apply_in_chunks(functools.partial(_bond_xmit_hash, policy=policy), flows)


def _bond_xmit_hash(flows: FlowArrays, policy: XmitHashPolicy) -> U32:
    if policy == "vlan+srcmac":
        return _bond_vlan_srcmac_hash(flows)
    eth = _bond_eth_hash(flows)
    if policy == "layer2":
        return eth
    is_v4 = flows.ethertype == ETH_P_IP
    is_v6 = flows.ethertype == ETH_P_IPV6
    is_ip = is_v4 | is_v6
    h = eth.copy() if policy == "layer2+3" else _bond_l4_word(flows, is_ip)
    h ^= _bond_addr_word(flows, is_v4, is_v6)
    h ^= h >> np.uint32(16)
    h ^= h >> np.uint32(8)
    if policy == "layer3+4":
        # "discard lowest hash bit to deal with the common even ports pattern"
        h >>= np.uint32(1)
    return np.where(is_ip, h, eth)


def bond_slave_index(hashes: U32, slave_count: int) -> U32:
    """Which usable slave ``bond_xmit_3ad_xor_slave_get()`` picks for each hash.

    Parameters
    ----------
    hashes : numpy.ndarray of uint32
        Results of :func:`bond_xmit_hash`.
    slave_count : int
        Number of usable slaves (``bond->usable_slaves->count``: for 802.3ad the ports of
        the active aggregator, for balance-xor the slaves that are up).

    Returns
    -------
    numpy.ndarray of uint32
        ``hash % slave_count``: an index into the usable-slave array (balance-xor and 802.3ad;
        a plain modulo, not ``reciprocal_scale``).
    """
    if slave_count < 1:
        raise ValueError("slave_count must be at least 1")
    return hashes % np.uint32(slave_count)


def linux_bond_member(flows: FlowArrays, policy: XmitHashPolicy, slave_count: int) -> U32:
    """Index of the usable slave a balance-xor or 802.3ad bond sends each flow on.

    Returns
    -------
    numpy.ndarray of uint32
        ``bond_xmit_hash(flows, policy) % slave_count``; see :func:`bond_xmit_hash` and
        :func:`bond_slave_index`.
    """
    return bond_slave_index(bond_xmit_hash(flows, policy), slave_count)


# --------------------------------------------------------------------------------------
# RSS Toeplitz hash (Windows driver documentation, "RSS hashing functions")
# --------------------------------------------------------------------------------------

#: The 40-byte secret key of "Verifying the RSS hash calculation" (Windows driver docs),
#: also the default RSS key of many NIC drivers.
DEFAULT_RSS_KEY: Final = bytes.fromhex(
    "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa"
)


@functools.lru_cache(maxsize=32)
def _toeplitz_byte_tables(key: bytes, n_bytes: int) -> U32:
    """T[i, b]: the hash contribution of byte value ``b`` at input position ``i``.

    ComputeHash() XORs, for every set input bit number ``s`` (MSB of byte 0 first), the 32
    key bits starting at key bit ``s``; the key shifts in zeros past its end. Being linear,
    the hash of an input is the XOR of its bytes' table entries.
    """
    if len(key) < 4:
        raise ValueError("an RSS key needs at least 4 bytes")
    key_bits = 8 * len(key)
    padded = int.from_bytes(key, "big") << 32
    windows = np.array(
        [(padded >> (key_bits - s)) & _U32_MAX for s in range(8 * n_bytes)], dtype=np.uint32
    ).reshape(n_bytes, 8)
    values = np.arange(256, dtype=np.uint32)
    bits = (values[:, None] >> np.arange(7, -1, -1, dtype=np.uint32)) & np.uint32(1)
    # tables[i, b] = XOR over the set bits j of b of windows[i, j]
    masked = np.where(bits[None, :, :] == 1, windows[:, None, :], np.uint32(0))
    tables: U32 = np.bitwise_xor.reduce(masked, axis=2)
    tables.flags.writeable = False
    return tables


@functools.lru_cache(maxsize=32)
def _toeplitz_word_tables(key: bytes, n_words: int) -> U32:
    """Tables over 16-bit input words: W[k, v] for the big-endian word at bytes 2k, 2k+1."""
    byte_tables = _toeplitz_byte_tables(key, 2 * n_words)
    hi = byte_tables[0::2, :, None]
    lo = byte_tables[1::2, None, :]
    words = np.ascontiguousarray((hi ^ lo).reshape(n_words, 65536))
    words.flags.writeable = False
    return words


def toeplitz_hash(data: ArrayLike, key: bytes = DEFAULT_RSS_KEY) -> U32:
    """RSS ``NdisHashFunctionToeplitz`` of each row of a byte matrix.

    Parameters
    ----------
    data : array_like of uint8, shape (n, L)
        One input byte stream per row (``input[0]`` first). Inputs longer than
        ``len(key) - 4`` bytes see the key shifted in with zeros, as the pseudocode's
        "shift K left" does.
    key : bytes
        The secret key; by default :data:`DEFAULT_RSS_KEY`.

    Returns
    -------
    numpy.ndarray of uint32
        ``ComputeHash(input, L)`` of each row.

    Notes
    -----
    Source: Windows driver documentation, "RSS hashing functions" (``ComputeHash``).
    """
    rows = np.atleast_2d(np.asarray(data, dtype=np.uint8))
    tables = _toeplitz_byte_tables(bytes(key), rows.shape[1])
    out = np.zeros(rows.shape[0], dtype=np.uint32)
    for i in range(rows.shape[1]):  # per byte position, not per flow
        out ^= tables[i][rows[:, i]]
    return out


def _lookup(tables: U32, k: int, words: NDArray[np.unsignedinteger]) -> U32:
    return np.take(tables[k], words)


def rss_hash_ipv4(
    src_ip: ArrayLike,
    dst_ip: ArrayLike,
    src_port: ArrayLike | None = None,
    dst_port: ArrayLike | None = None,
    key: bytes = DEFAULT_RSS_KEY,
) -> U32:
    """RSS Toeplitz hash of IPv4 flows: the 2-tuple, or the 4-tuple when ports are given.

    Parameters
    ----------
    src_ip, dst_ip : array_like of uint32
        Addresses as integers (first octet most significant).
    src_port, dst_port : array_like of uint16, optional
        Ports; give both for the 4-tuple (``NDIS_HASH_TCP_IPV4``/``NDIS_HASH_UDP_IPV4``),
        neither for the 2-tuple (``NDIS_HASH_IPV4``).
    key : bytes
        The RSS secret key.

    Returns
    -------
    numpy.ndarray of uint32
        ``ComputeHash(SourceAddress || DestinationAddress [|| SourcePort || DestinationPort])``
        (Windows driver docs, "RSS hashing functions").
    """
    src = np.asarray(src_ip, dtype=np.uint32)
    dst = np.asarray(dst_ip, dtype=np.uint32)
    with_ports = src_port is not None or dst_port is not None
    if with_ports and (src_port is None or dst_port is None):
        raise ValueError("give both ports or neither")
    tables = _toeplitz_word_tables(bytes(key), 6 if with_ports else 4)
    mask = np.uint32(0xFFFF)
    h = _lookup(tables, 0, src >> np.uint32(16))
    h ^= _lookup(tables, 1, src & mask)
    h ^= _lookup(tables, 2, dst >> np.uint32(16))
    h ^= _lookup(tables, 3, dst & mask)
    if with_ports:
        h ^= _lookup(tables, 4, np.asarray(src_port, dtype=np.uint16))
        h ^= _lookup(tables, 5, np.asarray(dst_port, dtype=np.uint16))
    return h


def rss_hash_ipv6(
    src_ip6: ArrayLike,
    dst_ip6: ArrayLike,
    src_port: ArrayLike | None = None,
    dst_port: ArrayLike | None = None,
    key: bytes = DEFAULT_RSS_KEY,
) -> U32:
    """RSS Toeplitz hash of IPv6 flows: the 2-tuple, or the 4-tuple when ports are given.

    Parameters
    ----------
    src_ip6, dst_ip6 : array_like of uint8, shape (n, 16)
        Addresses in network byte order.
    src_port, dst_port : array_like of uint16, optional
        Ports; give both for the 4-tuple (``NDIS_HASH_TCP_IPV6``), neither for the 2-tuple.
    key : bytes
        The RSS secret key (at least 40 bytes for the 36-byte 4-tuple).

    Returns
    -------
    numpy.ndarray of uint32
        ``ComputeHash(SourceAddress || DestinationAddress [|| SourcePort || DestinationPort])``
        (Windows driver docs, "RSS hashing functions").
    """
    src = np.ascontiguousarray(np.atleast_2d(np.asarray(src_ip6, dtype=np.uint8)))
    dst = np.ascontiguousarray(np.atleast_2d(np.asarray(dst_ip6, dtype=np.uint8)))
    with_ports = src_port is not None or dst_port is not None
    if with_ports and (src_port is None or dst_port is None):
        raise ValueError("give both ports or neither")
    tables = _toeplitz_word_tables(bytes(key), 18 if with_ports else 16)
    src_words = src.view(">u2").astype(np.uint16)
    dst_words = dst.view(">u2").astype(np.uint16)
    h = np.zeros(src.shape[0], dtype=np.uint32)
    for k in range(8):  # per address word, not per flow
        h ^= _lookup(tables, k, src_words[:, k])
        h ^= _lookup(tables, 8 + k, dst_words[:, k])
    if with_ports:
        h ^= _lookup(tables, 16, np.asarray(src_port, dtype=np.uint16))
        h ^= _lookup(tables, 17, np.asarray(dst_port, dtype=np.uint16))
    return h


# --------------------------------------------------------------------------------------
# Windows LBFO (NIC Teaming) load distribution
# --------------------------------------------------------------------------------------

LbfoAlgorithm = Literal["TransportPorts", "IPAddresses", "MacAddresses", "HyperVPort", "Dynamic"]
LBFO_ALGORITHMS: Final[tuple[LbfoAlgorithm, ...]] = (
    "TransportPorts",
    "IPAddresses",
    "MacAddresses",
    "HyperVPort",
    "Dynamic",
)

LBFO_HASH_ASSUMPTION: Final = (
    "ASSUMPTION: Microsoft documents which fields each LBFO load-balancing algorithm hashes "
    "but not the hash function. hvlab assumes the RSS Toeplitz hash with the default "
    "(verification) 40-byte key over: TransportPorts/Dynamic - source IP, destination IP, "
    "source port, destination port for unfragmented TCP and UDP, else the IP 2-tuple, else "
    "the MAC hash; IPAddresses - the IP 2-tuple, else the MAC hash; MacAddresses and non-IP "
    "frames - source MAC then destination MAC (12 bytes). HyperVPort uses the vSwitch port "
    "number itself. The member is hash % number of active members. Dynamic is placed like "
    "TransportPorts (its flowlet rebalancing is not modelled here)."
)


def _lbfo_mac_hash(flows: FlowArrays, tables: U32) -> U32:
    mask = np.uint64(0xFFFF)
    h = np.zeros(len(flows), dtype=np.uint32)
    for k, (mac, shift) in enumerate(
        (
            (flows.src_mac, 32),
            (flows.src_mac, 16),
            (flows.src_mac, 0),
            (flows.dst_mac, 32),
            (flows.dst_mac, 16),
            (flows.dst_mac, 0),
        )
    ):
        h ^= _lookup(tables, k, ((mac >> np.uint64(shift)) & mask).astype(np.uint16))
    return h


def lbfo_hash(flows: FlowArrays, algorithm: LbfoAlgorithm, key: bytes = DEFAULT_RSS_KEY) -> U32:
    """Hash of each flow under an LBFO ``LoadBalancingAlgorithm``, per the stated assumption.

    Parameters
    ----------
    flows : FlowArrays
        Outbound flows of the team.
    algorithm : {"TransportPorts", "IPAddresses", "MacAddresses", "HyperVPort", "Dynamic"}
        The team's ``LoadBalancingAlgorithm`` (PowerShell names).
    key : bytes
        Toeplitz key; by default :data:`DEFAULT_RSS_KEY`.

    Returns
    -------
    numpy.ndarray of uint32
        The hash of :data:`LBFO_HASH_ASSUMPTION`: Toeplitz of the 4-tuple (TCP/UDP, not
        fragmented) or the 2-tuple for ``TransportPorts``/``Dynamic``, of the 2-tuple for
        ``IPAddresses``, of the MAC pair for ``MacAddresses`` and non-IP frames, and the
        vSwitch port number for ``HyperVPort``.

    Notes
    -----
    Fields per algorithm: Microsoft, "Windows Server 2012 R2 NIC Teaming (LBFO) Deployment
    and Management", "Algorithms for load distribution"; Toeplitz: Windows driver docs,
    "RSS hashing functions"; fragments use the 2-tuple: "RSS hashing types".
    """
    if algorithm not in LBFO_ALGORITHMS:
        raise ValueError(
            f"unknown LoadBalancingAlgorithm {algorithm!r}; expected {LBFO_ALGORITHMS}"
        )
    if algorithm == "HyperVPort":
        return flows.vswitch_port.copy()
    return apply_in_chunks(
        functools.partial(_lbfo_hash, algorithm=algorithm, key=bytes(key)), flows
    )


def _lbfo_hash(flows: FlowArrays, algorithm: LbfoAlgorithm, key: bytes) -> U32:
    if algorithm == "MacAddresses":
        return _lbfo_mac_hash(flows, _toeplitz_word_tables(key, 6))
    use_ports = algorithm in ("TransportPorts", "Dynamic")
    is_v4 = flows.ethertype == ETH_P_IP
    is_v6 = flows.ethertype == ETH_P_IPV6
    proto = flows.ip_proto
    has_ports = ~flows.is_fragment & ((proto == IPPROTO_TCP) | (proto == IPPROTO_UDP))
    tables = _toeplitz_word_tables(key, 6)
    mask = np.uint32(0xFFFF)
    h = _lookup(tables, 0, flows.src_ip >> np.uint32(16))
    h ^= _lookup(tables, 1, flows.src_ip & mask)
    h ^= _lookup(tables, 2, flows.dst_ip >> np.uint32(16))
    h ^= _lookup(tables, 3, flows.dst_ip & mask)
    if use_ports:
        # Toeplitz is linear and ComputeHash(0...0) == 0, so zeroed ports turn the 4-tuple
        # into the 2-tuple: the same input prefix at the same key offsets.
        h ^= _lookup(tables, 4, flows.src_port * has_ports)
        h ^= _lookup(tables, 5, flows.dst_port * has_ports)
    if is_v6.any():
        src6, dst6 = _require_ipv6(flows, is_v6)
        if use_ports:
            v6_ports = has_ports[is_v6]
            h[is_v6] = rss_hash_ipv6(
                src6, dst6, flows.src_port[is_v6] * v6_ports, flows.dst_port[is_v6] * v6_ports, key
            )
        else:
            h[is_v6] = rss_hash_ipv6(src6, dst6, key=key)
    non_ip = ~(is_v4 | is_v6)
    if non_ip.any():
        h[non_ip] = _lbfo_mac_hash(flows.take(non_ip), _toeplitz_word_tables(key, 6))
    return h


def lbfo_member(
    flows: FlowArrays,
    algorithm: LbfoAlgorithm,
    active_member_count: int,
    key: bytes = DEFAULT_RSS_KEY,
) -> U32:
    """Index of the active team member an LBFO team sends each flow on (assumed, see below).

    Parameters
    ----------
    flows : FlowArrays
        Outbound flows of the team.
    algorithm : {"TransportPorts", "IPAddresses", "MacAddresses", "HyperVPort", "Dynamic"}
        The team's ``LoadBalancingAlgorithm``.
    active_member_count : int
        Number of active (not standby, not failed) members.
    key : bytes
        Toeplitz key; by default :data:`DEFAULT_RSS_KEY`.

    Returns
    -------
    numpy.ndarray of uint32
        ``lbfo_hash(flows, algorithm, key) % active_member_count``: an index into the list
        of active members. This is :data:`LBFO_HASH_ASSUMPTION`, not published behaviour.
    """
    if active_member_count < 1:
        raise ValueError("active_member_count must be at least 1")
    members: U32 = lbfo_hash(flows, algorithm, key) % np.uint32(active_member_count)
    return members
