"""Sizes, speeds and times written as people write them, stored as exact integers.

* speeds → bits per second (``10G``, ``1Gbps``, ``200Mb/s``, ``100M``)
* sizes → bytes (``256GiB``, ``1.6TB``, ``512MB``, ``9014``)
* durations → milliseconds (``30s``, ``5m``, ``1h``, ``500ms``, ``1d``)

Decimal (SI) prefixes are powers of 1000 and binary (IEC) prefixes powers of 1024,
as IEC 80000-13 defines them: ``1GB`` is 1,000,000,000 bytes and ``1GiB`` is
1,073,741,824 bytes. PowerShell's ``GB`` suffix means GiB; hvlab follows the
standard and says so in the lab-file reference. Values are parsed with
:class:`decimal.Decimal` so ``1.6TB`` is exactly 1,600,000,000,000 and never a
float approximation. ``2.6TiB`` is not a whole number of bytes; a fraction of the
base unit is rounded (half to even) when the value is at least 1000 base units,
and refused below that (``1.5B``, ``0.1ms``), where it is a mistake.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

__all__ = [
    "format_bytes",
    "format_duration",
    "format_speed",
    "parse_bytes",
    "parse_duration",
    "parse_speed",
]

_NUMBER = r"(?P<num>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"

_SPEED_UNITS = {
    "": 1,
    "k": 10**3,
    "m": 10**6,
    "g": 10**9,
    "t": 10**12,
}
_SPEED_RE = re.compile(
    _NUMBER + r"\s*(?P<prefix>[kmgt]?)\s*(?:b|bit|bits)?(?:ps|/s)?", re.IGNORECASE
)

_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "k": 10**3,
    "kb": 10**3,
    "m": 10**6,
    "mb": 10**6,
    "g": 10**9,
    "gb": 10**9,
    "t": 10**12,
    "tb": 10**12,
    "p": 10**15,
    "pb": 10**15,
    "ki": 2**10,
    "kib": 2**10,
    "mi": 2**20,
    "mib": 2**20,
    "gi": 2**30,
    "gib": 2**30,
    "ti": 2**40,
    "tib": 2**40,
    "pi": 2**50,
    "pib": 2**50,
}
_SIZE_RE = re.compile(_NUMBER + r"\s*(?P<unit>[a-z]*)", re.IGNORECASE)

_DURATION_UNITS = {
    "ms": 1,
    "s": 1000,
    "sec": 1000,
    "m": 60_000,
    "min": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 604_800_000,
    "y": 31_536_000_000,
}
_DURATION_PART = re.compile(_NUMBER + r"\s*(?P<unit>ms|sec|min|[smhdwy])", re.IGNORECASE)


def _exact(num: str, factor: int, text: str, what: str) -> int:
    try:
        value = Decimal(num) * factor
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a {what}") from None
    if value != value.to_integral_value():
        # 2.6TiB is 2858730232217.6 bytes: a fraction of a byte that nobody meant, so
        # round it. 1.5B or 0.5ms is a real mistake, so refuse it.
        if value < 1000:
            raise ValueError(f"{text!r} is not a whole number of the base unit of a {what}")
        return int(value.to_integral_value())
    return int(value)


def _whole_number(value: object, what: str) -> int | None:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a {what}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"a {what} cannot be negative ({value})")
        return value
    if isinstance(value, float):
        if value < 0 or not value.is_integer():
            raise ValueError(f"{value!r} is not a whole, non-negative {what}")
        return int(value)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a {what}")
    return None


def parse_speed(value: object) -> int:
    """Return a link or NIC speed in bits per second.

    Accepts ``10G``, ``10Gbps``, ``10 Gb/s``, ``100M``, ``2.5G``, or an integer
    (already bits per second). Prefixes are decimal, as IEEE 802.3 rates are.

    >>> parse_speed("10G"), parse_speed("2.5Gbps"), parse_speed("100M")
    (10000000000, 2500000000, 100000000)
    """
    number = _whole_number(value, "speed")
    if number is not None:
        return number
    text = str(value).strip()
    match = _SPEED_RE.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not a speed; write it like 10G, 1Gbps or 100M")
    return _exact(match["num"], _SPEED_UNITS[match["prefix"].lower()], text, "speed")


def parse_bytes(value: object) -> int:
    """Return a size in bytes.

    Accepts SI (``KB MB GB TB PB``, powers of 1000) and IEC (``KiB MiB GiB TiB
    PiB``, powers of 1024) suffixes, case-insensitive, ``B`` optional, or an
    integer number of bytes.

    >>> parse_bytes("256GiB"), parse_bytes("1.6TB"), parse_bytes("9014")
    (274877906944, 1600000000000, 9014)
    """
    number = _whole_number(value, "size")
    if number is not None:
        return number
    text = str(value).strip()
    match = _SIZE_RE.fullmatch(text)
    unit = match["unit"].lower() if match else ""
    if not match or unit not in _SIZE_UNITS:
        raise ValueError(f"{text!r} is not a size; write it like 64GiB, 1.6TB or 512MB")
    return _exact(match["num"], _SIZE_UNITS[unit], text, "size")


def parse_duration(value: object) -> int:
    """Return a duration in milliseconds.

    Accepts ``500ms``, ``30s``, ``5m``, ``1h``, ``2d``, compounds such as
    ``1h30m``, or a bare number meaning seconds (``30`` = 30 s).

    >>> parse_duration("30s"), parse_duration("1h30m"), parse_duration(2)
    (30000, 5400000, 2000)
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"a duration cannot be negative ({value})")
        return _exact(repr(value), 1000, repr(value), "duration")
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a duration")
    text = value.strip().replace(" ", "")
    if re.fullmatch(_NUMBER, text):
        return _exact(text, 1000, text, "duration")
    total = 0
    pos = 0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            break
        total += _exact(match["num"], _DURATION_UNITS[match["unit"].lower()], text, "duration")
        pos = match.end()
    if pos != len(text) or not text:
        raise ValueError(f"{text!r} is not a duration; write it like 30s, 5m, 1h30m or 500ms")
    return total


def _format(value: int, units: list[tuple[int, str]]) -> str:
    # The largest unit that fits, with up to four significant digits: 1.6TB, not 1600GB.
    for factor, suffix in units:
        if value >= factor:
            if value % factor == 0:
                return f"{value // factor}{suffix}"
            return f"{value / factor:.4g}{suffix}"
    return f"{value}{units[-1][1]}"


def format_speed(bps: int) -> str:
    """Return a speed in bit/s as people write it (``10G``, ``100M``, ``2.5G``)."""
    return _format(bps, [(10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K"), (1, "bps")])


def format_bytes(size: int) -> str:
    """Return a size in bytes with the IEC prefix when exact, else SI (``64GiB``, ``1.6TB``)."""
    for factor, suffix in [(2**50, "PiB"), (2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB")]:
        if size >= factor and size % factor == 0:
            return f"{size // factor}{suffix}"
    return _format(size, [(10**15, "PB"), (10**12, "TB"), (10**9, "GB"), (10**6, "MB"), (1, "B")])


def format_duration(ms: int) -> str:
    """Return a duration in milliseconds as people write it (``30s``, ``5m``, ``1.5s``)."""
    if ms == 0:
        return "0s"
    return _format(ms, [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s"), (1, "ms")])
