"""The value of a modelled default in a given lab: the lab's override, else the table.

A lab overrides any entry of :data:`hvlab.defaults.DEFAULTS` under ``timers:``
by its key (``timers: {lbfo.failover: 200ms, livemigration.compression_ratio: 3}``).
An override is written in the units people use and converted to the default's
unit here; the loader checks every key and value so a typo is a load error.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hvlab.defaults import DEFAULTS, Default, get_default
from hvlab.model.units import parse_bytes, parse_duration

__all__ = ["assumptions", "parse_override", "setting", "setting_ms"]

_MS_PER_UNIT = {"ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000}


def _number(raw: object, key: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise ValueError(f"{key} needs a number, not {raw!r}")
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{key} needs a number, not {raw!r}") from None


def parse_override(default: Default, raw: object) -> Any:
    """Return ``raw`` (as written in a lab) converted to ``default``'s unit.

    Times accept ``500ms``/``30s``/``5m`` (a bare number is seconds, as everywhere
    in a lab file); sizes accept ``64GiB``; ``MiB/s`` accepts ``32MiB`` or ``32MiB/s``.
    Raises ``ValueError`` saying what was expected.
    """
    unit, key = default.unit, default.key
    if unit in _MS_PER_UNIT:
        # As everywhere in a lab file, a bare number of a time is seconds.
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
            raise ValueError(f"{key} needs a time like 500ms or 30s, not {raw!r}")
        value = parse_duration(raw) / _MS_PER_UNIT[unit]
        return int(value) if value == int(value) else value
    if unit == "us":
        if isinstance(raw, str) and raw.strip().lower().endswith(("us", "µs")):
            return _number(raw.strip()[:-2], key)
        if isinstance(raw, str):
            return parse_duration(raw) * 1000
        return _number(raw, key)
    if unit == "count":
        number = _number(raw, key)
        if number != int(number) or number < 0:
            raise ValueError(f"{key} is a count: a whole number ≥ 0, not {raw!r}")
        return int(number)
    if unit == "ratio":
        number = _number(raw, key)
        if number <= 0:
            raise ValueError(f"{key} is a ratio > 0, not {raw!r}")
        return number
    if unit in ("bytes", "MiB", "MiB/s"):
        if not isinstance(raw, str):
            return _number(raw, key)  # a bare number is in the default's own unit
        size = parse_bytes(raw.removesuffix("/s"))
        return size if unit == "bytes" else size / 2**20
    if unit == "bool":
        if isinstance(raw, bool):
            return raw
        raise ValueError(f"{key} is true or false, not {raw!r}")
    if unit == "enum":
        if isinstance(raw, str):
            return raw
        raise ValueError(f"{key} takes a name (like {default.value!r}), not {raw!r}")
    raise ValueError(f"{key} cannot be overridden")


def setting(lab: Any, key: str) -> Any:
    """Return the value of ``key`` for ``lab`` in the default's unit: the override or the table.

    ``lab`` may be ``None`` (the table alone). Raises ``KeyError`` (with near keys)
    for an unknown key.
    """
    default = get_default(key)
    timers = getattr(lab, "timers", None) or {}
    if key in timers:
        return parse_override(default, timers[key])
    return default.value


def setting_ms(lab: Any, key: str) -> int:
    """Return a time setting of ``lab`` in integer milliseconds (hvlab's clock unit)."""
    default = get_default(key)
    value = float(setting(lab, key))
    if default.unit == "us":
        return round(value / 1000)
    if default.unit not in _MS_PER_UNIT:
        raise ValueError(f"{key} is not a time ({default.unit})")
    return round(value * _MS_PER_UNIT[default.unit])


def assumptions(lab: Any, keys: Iterable[str]) -> list[dict[str, Any]]:
    """Return the assumptions among ``keys`` as rows for output: key, value, unit, overridden, why.

    Every result that used an unpublished number lists it with this, so the user
    sees it and knows the key that overrides it.
    """
    rows = []
    timers = getattr(lab, "timers", None) or {}
    for key in sorted(set(keys)):
        default = DEFAULTS[key]
        if not default.assumption and key not in timers:
            continue
        rows.append(
            {
                "key": key,
                "value": setting(lab, key),
                "unit": default.unit,
                "overridden": key in timers,
                "assumption": default.assumption,
                "note": default.note,
            }
        )
    return rows
