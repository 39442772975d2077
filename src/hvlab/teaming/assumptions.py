"""The settings the teaming engine reads, their defaults, and where each value came from.

Every number the engine uses that a lab may want to change is a :class:`Setting` here,
keyed like :mod:`hvlab.defaults` (``lbfo.failover``, ``lbfo.dynamic.flowlet_gap``). Where
:mod:`hvlab.defaults` already holds the key, its value and source are used; the keys
only the teaming engine needs are declared here with their sources.

A value is looked up, first match wins, in: an explicit function argument, the
:class:`~hvlab.condition.Condition`'s ``overrides``, the lab file's ``timers:``, the
default. :func:`resolve` returns an :class:`Assumption` that records the effective value
and its origin, so results can list every assumption they rest on (the ``assumptions``
key of ``hvlab team --format json``).

Values are parsed as the lab file parses ``timers:`` (:func:`hvlab.settings.parse_override`):
durations as ``500ms``, ``2s`` or ``200us``, a bare number of a millisecond or second
setting meaning seconds, of a microsecond setting microseconds. Keys that are not (yet) in
:data:`hvlab.defaults.DEFAULTS` cannot be written under ``timers:`` (the loader checks the
keys against that table); they are overridden through the Condition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from hvlab.condition import Condition
from hvlab.defaults import DEFAULTS, Default
from hvlab.errors import UserError
from hvlab.model.lab import Lab
from hvlab.settings import parse_override
from hvlab.teaming.hashing import LBFO_HASH_ASSUMPTION

__all__ = [
    "SETTINGS",
    "Assumption",
    "Origin",
    "Setting",
    "resolve",
]

Origin = Literal["default", "lab", "condition", "argument"]

_OVS_DOC = (
    "Open vSwitch ovs-vswitchd.conf.db(5), Port table, other_config:bond-rebalance-interval "
    "(default 10000 ms); ofproto/bond.c bond_rebalance()"
)


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting of the teaming engine.

    Attributes
    ----------
    key : str
        Dotted name (also the ``timers:`` key and the Condition override key).
    default : int, float or str
        Default value, in ``unit``.
    unit : str
        ``ms``, ``us``, ``s`` (durations), ``enum`` or ``text``.
    choices : tuple of str
        Allowed values of an ``enum`` setting.
    published : bool
        True when a vendor or standard publishes the value; False for hvlab's own
        assumption (then ``note`` says why it is reasonable).
    source : str
        Where the value comes from.
    note : str
        What it means in the model.
    """

    key: str
    default: int | float | str
    unit: str
    choices: tuple[str, ...]
    published: bool
    source: str
    note: str


@dataclass(frozen=True, slots=True)
class Assumption:
    """An effective setting value and where it came from (one row of ``assumptions``).

    Attributes
    ----------
    key, unit, published, source, note
        As in :class:`Setting`.
    value : int, float or str
        The effective value (durations in ``unit``).
    default : int, float or str
        The default it replaces when overridden.
    origin : {"default", "lab", "condition", "argument"}
        Which layer supplied the value.
    """

    key: str
    value: int | float | str
    unit: str
    default: int | float | str
    origin: Origin
    published: bool
    source: str
    note: str

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form (one entry of ``assumptions``)."""
        return {
            "key": self.key,
            "value": self.value,
            "unit": self.unit,
            "default": self.default,
            "origin": self.origin,
            "assumption": not self.published,
            "source": self.source,
            "note": self.note,
        }


def _from_defaults(key: str, choices: tuple[str, ...] = ()) -> Setting:
    d = DEFAULTS[key]
    value = d.value
    if not isinstance(value, (int, float, str)) or isinstance(value, bool):
        raise TypeError(f"{key}: not a scalar default")  # pragma: no cover
    return Setting(key, value, d.unit, choices, not d.assumption, d.source, d.note)


_MS_DYNAMIC = (
    "Microsoft Learn, 'NIC Teaming settings' (Dynamic: flowlets; 'might also periodically "
    "rebalance flows'), https://learn.microsoft.com/windows-server/networking/technologies/"
    "nic-teaming/nic-teaming-settings"
)

SETTINGS: Final[Mapping[str, Setting]] = {
    s.key: s
    for s in (
        _from_defaults("lbfo.failover"),
        _from_defaults("lbfo.dynamic.flowlet_gap"),
        _from_defaults("lbfo.LacpTimer", ("Fast", "Slow")),
        _from_defaults("lacp.short_timeout"),
        _from_defaults("lacp.long_timeout"),
        _from_defaults("lacp.fast_periodic"),
        _from_defaults("lacp.slow_periodic"),
        _from_defaults("lbfo.dynamic.rebalance_interval"),
        _from_defaults("lbfo.dynamic.idle_gap"),
        _from_defaults("teaming.switch_hash", ("layer2", "layer2+3", "layer3+4", "vlan+srcmac")),
        _from_defaults("lacp.no_partner", ("suspend", "individual")),
        Setting(
            "lbfo.hash",
            LBFO_HASH_ASSUMPTION.removeprefix("ASSUMPTION: ").replace(
                "(its flowlet rebalancing is not modelled here)",
                "and then rebalanced (lbfo.dynamic.*)",
            ),
            "text",
            (),
            False,
            "hvlab.teaming.hashing.LBFO_HASH_ASSUMPTION; fields per algorithm: New-NetLbfoTeam "
            "-LoadBalancingAlgorithm and 'NIC Teaming settings' (Address Hash)",
            "Which member an LBFO/SET team sends each flow on. Microsoft documents the fields "
            "each algorithm hashes, not the hash function nor the hash-to-member mapping.",
        ),
        Setting(
            "lbfo.primary",
            "The first listed active (not standby) member is the primary: members bind in "
            "the order the lab lists them. When it fails, the next listed working active "
            "member becomes the temporary primary and takes over the team's MAC address.",
            "text",
            (),
            False,
            "Microsoft Learn, 'NIC Teaming MAC address use and management' ('the first team "
            "member to bind to the team ... might change in a non-deterministic manner')",
            "Windows picks the primary member non-deterministically; hvlab makes it deterministic.",
        ),
        _from_defaults("ovs.rebalance_interval"),
        _from_defaults("set.default_algorithm", ("HyperVPort", "Dynamic")),
    )
}
"""Every setting of the teaming engine, keyed by name."""


def _as_default(setting: Setting) -> Default:
    if setting.key in DEFAULTS:
        return DEFAULTS[setting.key]
    return Default(
        setting.key,
        setting.default,
        setting.unit,
        "hvlab teaming engine",
        setting.source,
        setting.note,
        not setting.published,
    )


def _check(setting: Setting, value: object, where: str) -> int | float | str:
    """Parse ``value`` as the lab file would (:func:`hvlab.settings.parse_override`)."""
    try:
        parsed = parse_override(_as_default(setting), value)
    except ValueError as exc:
        raise UserError(f"{where} {setting.key}: {exc}") from None
    if setting.unit == "enum" and parsed not in setting.choices:
        raise UserError(
            f"{where} {setting.key}: {value!r} is not one of {', '.join(setting.choices)}"
        )
    if isinstance(parsed, bool) or not isinstance(parsed, (int, float, str)):
        raise UserError(f"{where} {setting.key}: {value!r} is not a valid value")
    return parsed


def resolve(
    key: str,
    lab: Lab | None = None,
    condition: Condition | None = None,
    argument: object = None,
) -> Assumption:
    """Return the effective value of setting ``key`` and its origin.

    Parameters
    ----------
    key : str
        A key of :data:`SETTINGS`.
    lab : Lab, optional
        Its ``timers:`` may override the default.
    condition : Condition, optional
        Its ``overrides`` take precedence over the lab.
    argument : object, optional
        An explicit value (not None) wins over everything.

    Raises
    ------
    KeyError
        For an unknown key.
    UserError
        For an override that is not a valid value (bad duration, unknown choice).
    """
    setting = SETTINGS[key]
    value: object = setting.default
    origin: Origin = "default"
    if setting.unit != "text":  # descriptions of the model are listed, not overridable
        if lab is not None and key in lab.timers:
            value, origin = _check(setting, lab.timers[key], "timers:"), "lab"
        if condition is not None and key in condition.overrides:
            value, origin = _check(setting, condition.overrides[key], "override"), "condition"
        if argument is not None:
            value, origin = _check(setting, argument, "argument"), "argument"
    assert isinstance(value, (int, float, str))
    return Assumption(
        key=key,
        value=value,
        unit=setting.unit,
        default=setting.default,
        origin=origin,
        published=setting.published,
        source=setting.source,
        note=setting.note,
    )
