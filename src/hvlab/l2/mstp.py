"""MSTP: configuration identifier and digest, regions, and which tree governs a VLAN.

IEEE 802.1Q-2005 §13.7: an MST Configuration Identifier is the Configuration
Name (32 octets), the Revision Level (2 octets) and the Configuration Digest, an
HMAC-MD5 (RFC 2104) keyed with ``0x13AC06A62E47FD51F95D2BA243CD0346`` over the
MST Configuration Table: 4096 consecutive two-octet big-endian MSTIDs, one per
VID 0–4095 (VIDs 0 and 4095 are always 0). With every VLAN on the CIST the
digest is ``AC36177F50283CD4B83821D8AB26DE62``.

An MST region (§13.5) is a set of MSTP bridges with the same configuration
identifier, connected through LANs whose every bridge belongs to it. From
outside, a region behaves as one bridge on the CIST (its CIST Regional Root's
identifier is what RSTP bridges see, §13.9). Inside, each MSTI is a spanning
tree of its own with per-instance bridge priorities and port costs; at a
boundary port every MSTI takes the CIST's role (a CIST Root Port is the Master
Port of every MSTI, §13.13).

The priority-vector computation itself lives in :mod:`hvlab.l2.stp`
(:func:`hvlab.l2.stp.solve` handles STP, RSTP and MSTP bridges in one network);
this module holds the MST-specific pieces and the per-VLAN helpers.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from hvlab.l2.topology import Bridge, MstConfig, Topology, TopologyError

if TYPE_CHECKING:
    from hvlab.l2.stp import SpanningTreeResult

__all__ = [
    "DIGEST_ALL_CIST",
    "DIGEST_KEY",
    "ConfigId",
    "Region",
    "config_digest",
    "config_id",
    "governing_tree",
    "vlan_trees",
]

DIGEST_KEY = bytes.fromhex("13AC06A62E47FD51F95D2BA243CD0346")
"""Configuration Digest signature key, IEEE 802.1Q-2005 §13.7 Table 13-1."""

DIGEST_ALL_CIST = "AC36177F50283CD4B83821D8AB26DE62"
"""Digest of a table that allocates every VLAN to the CIST (802.1Q-2005 §13.7, Table 13-2)."""


@dataclass(frozen=True, slots=True)
class ConfigId:
    """An MST Configuration Identifier: name, revision level and digest (hex, upper case)."""

    name: str
    revision: int
    digest: str


@dataclass(frozen=True, slots=True)
class Region:
    """An MST region in a solved network.

    Attributes
    ----------
    index
        Region number in the result (0, 1, ... in order of first bridge).
    config
        The configuration identifier its bridges share.
    bridges
        Bridge names, in topology order.
    instances
        MSTIs (≥ 1) of the region's VLAN map.
    regional_root
        CIST Regional Root of the region (the bridge whose boundary port leads
        to the CIST Root, or the CIST Root itself).
    """

    index: int
    config: ConfigId
    bridges: tuple[str, ...]
    instances: tuple[int, ...]
    regional_root: str


@lru_cache(maxsize=256)
def _digest(vlan_map: tuple[tuple[int, int], ...]) -> str:
    table = bytearray(8192)
    for vlan, msti in vlan_map:
        table[2 * vlan] = msti >> 8
        table[2 * vlan + 1] = msti & 0xFF
    return hmac.new(DIGEST_KEY, bytes(table), hashlib.md5).hexdigest().upper()


def config_digest(config: MstConfig) -> str:
    """Return the MST Configuration Digest of ``config`` (hex, upper case).

    Returns
    -------
    str
        HMAC-MD5 keyed with :data:`DIGEST_KEY` over the 8192-octet table of
        big-endian MSTIDs for VIDs 0–4095 (IEEE 802.1Q-2005 §13.7).

    Notes
    -----
    O(4096) per distinct VLAN map; results are cached.
    """
    return _digest(config.vlan_map)


def config_id(bridge: Bridge) -> ConfigId:
    """Return the MST Configuration Identifier a bridge would send.

    Returns
    -------
    ConfigId
        Name, revision and digest of the bridge's :meth:`~Bridge.mst_config`
        (a bridge without a configuration gets one named after its MAC, so it
        is a region of its own).
    """
    cfg = bridge.mst_config()
    return ConfigId(cfg.name, cfg.revision, config_digest(cfg))


def governing_tree(topology: Topology, bridge: str, vlan: int) -> int:
    """Return the tree that carries VLAN ``vlan`` on bridge ``bridge``.

    Parameters
    ----------
    topology
        The network.
    bridge
        Bridge name.
    vlan
        VLAN ID, 1–4094.

    Returns
    -------
    int
        0 for the CIST (every VLAN of an STP or RSTP bridge, and unmapped VLANs
        of an MSTP bridge), else the MSTI the bridge's MST Configuration Table
        allocates the VLAN to (802.1Q-2005 §8.9).

    Raises
    ------
    TopologyError
        For an unknown bridge or a VLAN outside 1–4094.
    """
    if not 1 <= vlan <= 4094:
        raise TopologyError(f"VLAN {vlan} is not in 1–4094")
    try:
        br = topology.bridge_by_name[bridge]
    except KeyError:
        raise TopologyError(f"no bridge named {bridge!r}") from None
    return br.tree_for_vlan(vlan)


def vlan_trees(result: SpanningTreeResult, vlan: int) -> dict[str, int]:
    """Return bridge name → tree that governs ``vlan`` there, for every bridge of a result.

    Returns
    -------
    dict[str, int]
        The per-bridge answer of :func:`governing_tree`; an MSTI is only
        returned when the bridge's region actually runs it in ``result``.
    """
    out: dict[str, int] = {}
    for br in result.topology.bridges:
        tree = br.tree_for_vlan(vlan)
        out[br.name] = tree if tree in result.trees else 0
    return out
