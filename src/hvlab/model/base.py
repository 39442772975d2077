"""The base model and the annotated field types every lab object uses.

Every lab object is a frozen Pydantic v2 model that rejects unknown keys.
Mappings keyed by name (``switches: {tor1: ...}``) carry the key into the
object's ``name`` field, so an object always knows what it is called.
Units are parsed on the way in (:mod:`hvlab.model.units`) and stored as exact
integers: bits per second, bytes, milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from hvlab.model.units import parse_bytes, parse_duration, parse_speed

__all__ = [
    "Bytes",
    "Duration",
    "LabModel",
    "MacAddress",
    "Speed",
    "VlanId",
    "VlanList",
    "keyed",
    "name_keys",
    "parse_vlan_list",
]


class LabModel(BaseModel):
    """Base of every lab object: immutable, strict about unknown keys."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, coerce_numbers_to_str=True
    )


def _unit_schema(example: str, what: str) -> dict[str, Any]:
    return {
        "anyOf": [{"type": "integer", "minimum": 0}, {"type": "string"}],
        "description": f"{what}, e.g. {example}",
    }


Speed = Annotated[
    int,
    BeforeValidator(parse_speed),
    WithJsonSchema(_unit_schema("10G, 1Gbps, 100M", "bits per second")),
]
"""A speed in bit/s, written ``10G``."""

Bytes = Annotated[
    int,
    BeforeValidator(parse_bytes),
    WithJsonSchema(_unit_schema("64GiB, 1.6TB, 512MB", "bytes")),
]
"""A size in bytes, written ``64GiB`` or ``1.6TB``."""

Duration = Annotated[
    int,
    BeforeValidator(parse_duration),
    WithJsonSchema(_unit_schema("30s, 5m, 500ms, 1h30m", "milliseconds")),
]
"""A duration in milliseconds, written ``30s``."""

VlanId = Annotated[int, Field(ge=0, le=4094)]
"""An IEEE 802.1Q VLAN id (0 = untagged / priority tagged, 4095 reserved)."""

_MAC_RE = re.compile(r"^([0-9A-Fa-f]{2})([-:]?)(?:[0-9A-Fa-f]{2}\2){4}[0-9A-Fa-f]{2}$")


def _parse_mac(value: object) -> str:
    if not isinstance(value, str) or not _MAC_RE.match(value.strip()):
        raise ValueError(f"{value!r} is not a MAC address; write it like 00:1b:00:00:00:01")
    digits = re.sub(r"[-:]", "", value.strip()).lower()
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


MacAddress = Annotated[
    str,
    BeforeValidator(_parse_mac),
    WithJsonSchema({"type": "string", "description": "MAC address, e.g. 00:1b:00:00:00:01"}),
]
"""A 48-bit MAC address, normalised to ``aa:bb:cc:dd:ee:ff``."""


def parse_vlan_list(value: object) -> tuple[int, ...]:
    """Return a sorted tuple of VLAN ids from ``[10, 20, "100-110"]`` or ``"10,20,100-110"``.

    ``all`` means 1–4094, as a switch trunk with no allowed list does.
    """
    if value is None:
        return ()
    items: list[object]
    if isinstance(value, str):
        if value.strip().lower() == "all":
            return tuple(range(1, 4095))
        items = [part for part in value.split(",") if part.strip()]
    elif isinstance(value, int) and not isinstance(value, bool):
        items = [value]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise ValueError(f"{value!r} is not a VLAN list; write it like [10, 20, 100-110]")
    vlans: set[int] = set()
    for item in items:
        if isinstance(item, bool):
            raise ValueError(f"{item!r} is not a VLAN id")
        if isinstance(item, int):
            lo = hi = item
        elif isinstance(item, str) and re.fullmatch(r"\s*\d+\s*(-\s*\d+\s*)?", item):
            bounds = [int(b) for b in item.split("-")]
            lo, hi = bounds[0], bounds[-1]
        else:
            raise ValueError(f"{item!r} is not a VLAN id or range (like 100-110)")
        if not 1 <= lo <= hi <= 4094:
            raise ValueError(f"VLAN {item!r} is outside 1-4094")
        vlans.update(range(lo, hi + 1))
    return tuple(sorted(vlans))


VlanList = Annotated[
    tuple[int, ...],
    BeforeValidator(parse_vlan_list),
    WithJsonSchema(
        {
            "description": "VLAN ids and ranges, e.g. [10, 20, 100-110] or 'all'",
            "anyOf": [
                {"type": "string"},
                {"type": "integer"},
                {"type": "array", "items": {"anyOf": [{"type": "integer"}, {"type": "string"}]}},
            ],
        }
    ),
]
"""A set of VLAN ids, written as a list with ranges."""


def name_keys(value: object, expand: Callable[[object], object] | None = None) -> object:
    """Copy each mapping key into its value's ``name`` field (``tor1: {...}`` → ``name: tor1``).

    ``expand`` turns a short form (``Eth1/1: 10G``) into the long mapping first; a
    value that is still not a mapping is left for Pydantic to reject with its path.
    """
    if not isinstance(value, dict):
        return value
    out: dict[object, object] = {}
    for key, item in value.items():
        if expand is not None and not isinstance(item, dict):
            item = expand(item)
        if item is None:
            item = {}
        if isinstance(item, dict) and "name" not in item:
            item = {"name": str(key), **item}
        out[key] = item
    return out


def keyed(expand: Callable[[object], object] | None = None) -> BeforeValidator:
    """Return a validator for a ``{name: object}`` field, see :func:`name_keys`."""
    return BeforeValidator(lambda value: name_keys(value, expand))
