"""Port path costs from link speed: IEEE 802.1D-1998, IEEE 802.1t/802.1D-2004, Linux bridge.

Three tables are in use in real networks:

``short``
    IEEE 802.1D-1998 Table 8-5 (16-bit costs): 4 Mb/s 250, 10 Mb/s 100,
    16 Mb/s 62, 100 Mb/s 19, 1 Gb/s 4, 10 Gb/s 2. Vendors extend it for other
    speeds; hvlab adds the widely published "short mode" extension rows
    (45 Mb/s 39, 155 Mb/s 14, 200 Mb/s 12, 622 Mb/s 6, 2 Gb/s 3, 20 Gb/s 1),
    which are *not* in the standard. Other speeds take the row of the fastest
    listed speed not above them.
``long``
    IEEE 802.1t / 802.1D-2004 Table 17-3 (32-bit costs):
    20,000,000,000,000 / speed in bit/s, clamped to 1–200,000,000 — 10 Mb/s
    2,000,000; 100 Mb/s 200,000; 1 Gb/s 20,000; 10 Gb/s 2,000; 100 Gb/s 200;
    1 Tb/s 20; 10 Tb/s 2. A LAG's cost comes from its aggregate speed
    (2 × 10 Gb/s = 20 Gb/s → 1,000).
``linux``
    The Linux kernel bridge's ``port_cost()`` (net/bridge/br_if.c), measured on
    kernel 6.18 with tap devices of set speeds: 10 Mb/s 100, 100 Mb/s 19,
    1 Gb/s 5, 2.5 Gb/s 4, 5 Gb/s 3, 10 Gb/s 2, any speed above 10 Gb/s 1,
    anything else (unknown, 45 Mb/s, 622 Mb/s, ...) 100. Kernels before the
    2022 change "net: bridge: assign path_cost for 2.5G and 5G link speed"
    had 1 Gb/s 4 and no rows above 10 Gb/s (``linux_path_cost(..., legacy=True)``).
    A veth reports 10 Gb/s, so veth ports cost 2.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from hvlab.l2.topology import PathCostMethod

__all__ = [
    "LONG_MAX",
    "LONG_NUMERATOR",
    "SHORT_EXTENSION",
    "SHORT_IEEE_1998",
    "lag_speed",
    "linux_path_cost",
    "long_path_cost",
    "path_cost",
    "short_path_cost",
]

M = 1_000_000
G = 1_000_000_000

SHORT_IEEE_1998: tuple[tuple[int, int], ...] = (
    (4 * M, 250),
    (10 * M, 100),
    (16 * M, 62),
    (100 * M, 19),
    (1 * G, 4),
    (10 * G, 2),
)
"""IEEE 802.1D-1998 Table 8-5 recommended path costs: ``(speed bit/s, cost)``."""

SHORT_EXTENSION: tuple[tuple[int, int], ...] = (
    (45 * M, 39),
    (155 * M, 14),
    (200 * M, 12),
    (622 * M, 6),
    (2 * G, 3),
    (20 * G, 1),
)
"""Vendor "short mode" rows beyond Table 8-5 (Cisco's published default port costs)."""

LONG_NUMERATOR = 20_000_000_000_000
"""802.1D-2004 §17.14: recommended cost = 20 Tb/s ÷ link speed (Table 17-3)."""

LONG_MAX = 200_000_000
"""Largest 802.1D-2004 path cost (Table 17-3, ≤ 100 kb/s)."""

_SHORT = tuple(sorted(SHORT_IEEE_1998 + SHORT_EXTENSION))
_SHORT_SPEEDS = tuple(s for s, _ in _SHORT)

_LINUX = {10 * G: 2, 5 * G: 3, int(2.5 * G): 4, 1 * G: 5, 100 * M: 19, 10 * M: 100}
_LINUX_LEGACY = {10 * G: 2, 1 * G: 4, 100 * M: 19, 10 * M: 100}


def short_path_cost(speed_bps: int | None) -> int:
    """Return the 802.1D-1998 (16-bit, "short") path cost of a link speed.

    Parameters
    ----------
    speed_bps
        Link speed in bit/s; ``None`` or 0 = unknown (costed as 10 Mb/s).

    Returns
    -------
    int
        The Table 8-5 value for a listed speed, an extension row
        (:data:`SHORT_EXTENSION`) for the common vendor speeds, otherwise the
        value of the fastest listed speed not above ``speed_bps`` (250 below
        4 Mb/s).

    Notes
    -----
    O(log n) in the table size.
    """
    if not speed_bps:
        speed_bps = 10 * M
    i = bisect.bisect_right(_SHORT_SPEEDS, speed_bps) - 1
    return _SHORT[max(i, 0)][1]


def long_path_cost(speed_bps: int | None) -> int:
    """Return the 802.1t / 802.1D-2004 (32-bit, "long") path cost of a link speed.

    Parameters
    ----------
    speed_bps
        Link speed in bit/s (for a LAG, the aggregate of its active members);
        ``None`` or 0 = unknown (costed as 10 Mb/s).

    Returns
    -------
    int
        ``20,000,000,000,000 // speed_bps`` clamped to 1–200,000,000
        (802.1D-2004 §17.14, Table 17-3).
    """
    if not speed_bps:
        speed_bps = 10 * M
    return max(1, min(LONG_MAX, LONG_NUMERATOR // speed_bps))


def linux_path_cost(speed_bps: int | None, *, legacy: bool = False) -> int:
    """Return the cost the Linux kernel bridge gives a port of this speed.

    Parameters
    ----------
    speed_bps
        Speed the driver reports (veth reports 10 Gb/s); ``None`` = unknown.
    legacy
        Use the table of kernels before the 2.5G/5G change (1 Gb/s = 4, no row
        above 10 Gb/s).

    Returns
    -------
    int
        ``port_cost()`` of net/bridge/br_if.c: an exact-speed table, 1 for any
        speed above 10 Gb/s (current kernels only), else 100.
    """
    if not speed_bps:
        return 100
    table = _LINUX_LEGACY if legacy else _LINUX
    if speed_bps in table:
        return table[speed_bps]
    if not legacy and speed_bps > 10 * G:
        return 1
    return 100


def lag_speed(member_speeds: Iterable[int | None]) -> int:
    """Return the speed of a LAG: the sum of its active members' speeds (bit/s).

    Unknown member speeds count as 0. A LAG with no active member has speed 0
    and is down; costs of an aggregate follow from this speed (802.1D-2004
    Table 17-3 NOTE: the cost of an aggregated link uses its aggregate rate).
    """
    return sum(s or 0 for s in member_speeds)


def path_cost(speed_bps: int | None, method: PathCostMethod) -> int:
    """Return the default path cost of a port of speed ``speed_bps`` under ``method``.

    Returns
    -------
    int
        :func:`short_path_cost`, :func:`long_path_cost` or :func:`linux_path_cost`.
    """
    if method == "short":
        return short_path_cost(speed_bps)
    if method == "long":
        return long_path_cost(speed_bps)
    return linux_path_cost(speed_bps)
