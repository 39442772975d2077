"""What is failed or changed in a lab: the ``Condition`` every engine takes.

Engines are pure functions of ``(Lab, Condition)`` (DESIGN.md, "Architecture"). A
:class:`Condition` holds

* the **failed elements**, as canonical :class:`~hvlab.model.elements.Element` values
  resolved by :func:`~hvlab.model.elements.resolve_element` (``link``, ``port``, ``lag``,
  ``switch``, ``nic``, ``team``, ``node``, ``csv``, ``vm``, ``fileserver``, ``rack``,
  ``site``, ``wan``), and
* **overrides**: configuration changes keyed by name, for what-if questions
  (``{"team:node1:VMTeam.algorithm": "Dynamic", "lbfo.failover": "200ms"}``). An engine
  reads the keys it knows and ignores the rest; each engine documents its keys.

It also derives the direct consequences of a failure that need no engine logic: whether
a switch, a host, a switch port, a cable or a host NIC is up. The rules (the same for
every engine):

* A **switch** is down when it, its rack or its site is down. Members of a stack or MLAG
  domain fail one by one: ``switch:tor1`` takes down tor1 only.
* A **host** (``node:``) is down when it, its rack or its site is down.
* A **switch port** is down when it is failed (``port:SW:P``), configured ``shutdown``, its
  switch is down, or it is a member of a failed LAG. A failed LAG (``lag:SW:Po1``) means
  the port-channel is shut down, so every member port stops forwarding (and the far end
  sees link down) -- not that the LAG merely loses LACP.
* A **cable** (``link:``) is up when it is not failed and both its ends are up.
* A **host NIC** is up when the NIC is not failed, its host is up and, if the lab cables
  it, the cable and the switch port at the far end are up. A NIC the lab does not cable
  has nothing known against it and counts as up (the lab does not say it is unplugged).

Time is not modelled here: a Condition is a state. :mod:`hvlab.sim` turns faults into a
sequence of Conditions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from hvlab.errors import Problem, UserError
from hvlab.model.elements import KINDS, Element, resolve_element
from hvlab.model.lab import Lab
from hvlab.model.network import Lag, Link

__all__ = ["Condition", "NicEnd", "lag_of", "nic_end"]


def _freeze(overrides: Mapping[str, object] | None) -> Mapping[str, object]:
    return MappingProxyType(dict(sorted((overrides or {}).items())))


@dataclass(frozen=True)
class NicEnd:
    """Where a host NIC is cabled: the link and the switch port at its far end.

    Attributes
    ----------
    link : Link
        The cable.
    node, port : str
        The far end (``node`` is a switch, or another host for a back-to-back cable).
    """

    link: Link
    node: str
    port: str


@dataclass(frozen=True)
class Condition:
    """Failed elements and configuration overrides (see the module docstring).

    Build one with :meth:`none`, :meth:`from_elements` or :meth:`with_failed`; compare and
    hash them like values (overrides take part in equality, not in the hash).

    Attributes
    ----------
    failed : frozenset of Element
        The failed elements, canonical (a link named by its ``name:`` or with its
        endpoints reversed resolves to the same element).
    overrides : Mapping[str, object]
        Read-only configuration overrides, sorted by key.
    """

    failed: frozenset[Element] = frozenset()
    overrides: Mapping[str, object] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )

    # -- construction ------------------------------------------------------------------
    @classmethod
    def none(cls) -> Condition:
        """Return the condition where nothing is failed and nothing overridden."""
        return cls()

    @classmethod
    def from_elements(
        cls,
        lab: Lab,
        elements: Iterable[str | Element],
        overrides: Mapping[str, object] | None = None,
    ) -> Condition:
        """Return the condition with ``elements`` failed.

        Parameters
        ----------
        lab : Lab
            The lab the names refer to.
        elements : iterable of str or Element
            Element names as in ``--down`` (``switch:tor2``, ``nic:node1:VM-A``,
            ``link:tor1:47~tor2:47``, ``host:node1`` is ``node:node1``).
        overrides : mapping, optional
            Configuration overrides.

        Raises
        ------
        UserError
            One problem per name that does not resolve, with the reason and a
            did-you-mean suggestion (the text of :func:`resolve_element`).
        """
        resolved, problems = _resolve_all(lab, elements)
        if problems:
            raise UserError(problems)
        return cls(frozenset(resolved), _freeze(overrides))

    def with_failed(self, lab: Lab, *elements: str | Element) -> Condition:
        """Return this condition with ``elements`` failed as well.

        Raises
        ------
        UserError
            As :meth:`from_elements`.
        """
        resolved, problems = _resolve_all(lab, elements)
        if problems:
            raise UserError(problems)
        return Condition(self.failed | frozenset(resolved), self.overrides)

    def with_override(self, key: str, value: object) -> Condition:
        """Return this condition with ``overrides[key] = value``."""
        return Condition(self.failed, _freeze({**self.overrides, key: value}))

    # -- queries on the failed set -------------------------------------------------------
    def __bool__(self) -> bool:
        return bool(self.failed or self.overrides)

    def names(self) -> tuple[str, ...]:
        """Return the failed elements as sorted element names."""
        return tuple(sorted(str(e) for e in self.failed))

    def of_kind(self, kind: str) -> frozenset[tuple[str, ...]]:
        """Return the ``names`` tuples of the failed elements of one kind.

        Raises
        ------
        ValueError
            For a kind :mod:`hvlab.model.elements` does not know.
        """
        if kind == "host":
            kind = "node"
        if kind not in KINDS:
            raise ValueError(f"unknown element kind {kind!r} (kinds: {', '.join(KINDS)})")
        return frozenset(e.names for e in self.failed if e.kind == kind)

    def is_down(self, element: str | Element) -> bool:
        """Return whether ``element`` itself is failed (no consequences derived).

        A string is compared by its canonical form; ``host:`` means ``node:`` and a link
        matches with its endpoints in either order. Use the ``*_is_up`` methods for
        consequences (a NIC whose switch is down).
        """
        if isinstance(element, Element):
            return element in self.failed
        kind, _, rest = element.strip().partition(":")
        if kind == "host":
            kind = "node"
        if kind == "link":
            left, _, right = rest.partition("~")
            wanted = {left, right}
            return any(
                e.kind == "link"
                and {f"{e.names[0]}:{e.names[1]}", f"{e.names[2]}:{e.names[3]}"} == wanted
                for e in self.failed
            )
        return Element(kind, tuple(rest.split(":"))) in self.failed

    def override(self, key: str, default: Any = None) -> Any:
        """Return ``overrides[key]``, or ``default``."""
        return self.overrides.get(key, default)

    # -- derived state ---------------------------------------------------------------
    def _placed_down(self, rack: str | None, site: str | None) -> bool:
        return self._placed_reason(rack, site) is not None

    def _placed_reason(self, rack: str | None, site: str | None) -> str | None:
        if rack is not None and Element("rack", (rack,)) in self.failed:
            return f"rack:{rack}"
        if site is not None and Element("site", (site,)) in self.failed:
            return f"site:{site}"
        return None

    def switch_is_up(self, lab: Lab, switch: str) -> bool:
        """Return whether ``switch`` is up: not failed, nor its rack or site."""
        if Element("switch", (switch,)) in self.failed:
            return False
        sw = lab.switches.get(switch)
        return sw is None or not self._placed_down(sw.rack, sw.site)

    def host_is_up(self, lab: Lab, host: str) -> bool:
        """Return whether ``host`` is up: not failed (``node:``), nor its rack or site."""
        if Element("node", (host,)) in self.failed:
            return False
        h = lab.hosts.get(host)
        return h is None or not self._placed_down(h.rack, h.site)

    def port_is_up(self, lab: Lab, switch: str, port: str) -> bool:
        """Return whether a switch port forwards.

        Down when the port is failed or ``shutdown``, its switch is down, or it belongs to
        a failed LAG (a failed LAG takes all its member ports down).
        """
        if not self.switch_is_up(lab, switch):
            return False
        if Element("port", (switch, port)) in self.failed:
            return False
        sw = lab.switches.get(switch)
        if sw is None:
            return True
        p = sw.ports.get(port)
        if p is not None and p.shutdown:
            return False
        owner = lag_of(lab, switch, port)
        return owner is None or Element("lag", (owner[0], owner[1].name)) not in self.failed

    def endpoint_is_up(self, lab: Lab, node: str, port: str) -> bool:
        """Return whether one end of a cable (``node:port``) is up: a switch port or a host NIC."""
        if node in lab.switches:
            return self.port_is_up(lab, node, port)
        if node in lab.hosts:
            return self.host_is_up(lab, node) and Element("nic", (node, port)) not in self.failed
        return True

    def link_is_up(self, lab: Lab, link: Link) -> bool:
        """Return whether a cable carries frames: not failed and both ends up."""
        a, b = (e.partition(":") for e in link.endpoints)
        if Element("link", (a[0], a[2], b[0], b[2])) in self.failed:
            return False
        return self.endpoint_is_up(lab, a[0], a[2]) and self.endpoint_is_up(lab, b[0], b[2])

    def nic_is_up(self, lab: Lab, host: str, nic: str) -> bool:
        """Return whether a host NIC has link.

        Down when the NIC is failed, its host is down, or (when the lab cables it) the
        cable or the far end (switch port, its switch, its LAG, its rack) is down.
        """
        return self.nic_down_reason(lab, host, nic) is None

    def nic_down_reason(self, lab: Lab, host: str, nic: str) -> str | None:
        """Return the element name that takes the NIC down, or None when it is up.

        The first cause found, nearest first: the NIC, its host, the cable, the far port,
        its LAG, the far switch (or their rack/site).
        """
        if Element("nic", (host, nic)) in self.failed:
            return f"nic:{host}:{nic}"
        if Element("node", (host,)) in self.failed:
            return f"node:{host}"
        h = lab.hosts.get(host)
        if h is not None and (placed := self._placed_reason(h.rack, h.site)) is not None:
            return placed
        end = nic_end(lab, host, nic)
        if end is None:
            return None
        a, b = (e.partition(":") for e in end.link.endpoints)
        if Element("link", (a[0], a[2], b[0], b[2])) in self.failed:
            return end.link.element
        node, port = end.node, end.port
        if node in lab.hosts:
            if not self.host_is_up(lab, node):
                return f"node:{node}"
            if Element("nic", (node, port)) in self.failed:
                return f"nic:{node}:{port}"
            return None
        if node not in lab.switches:
            return None
        sw = lab.switches[node]
        if Element("switch", (node,)) in self.failed:
            return f"switch:{node}"
        if (placed := self._placed_reason(sw.rack, sw.site)) is not None:
            return placed
        if Element("port", (node, port)) in self.failed:
            return f"port:{node}:{port}"
        p = sw.ports.get(port)
        if p is not None and p.shutdown:
            return f"port:{node}:{port}"
        owner = lag_of(lab, node, port)
        if owner is not None and Element("lag", (owner[0], owner[1].name)) in self.failed:
            return f"lag:{owner[0]}:{owner[1].name}"
        return None


def nic_end(lab: Lab, host: str, nic: str) -> NicEnd | None:
    """Return the cable of ``host:nic`` and its far end, or None when the lab does not cable it."""
    me = f"{host}:{nic}"
    link = lab.cable_at(me)
    if link is None:
        return None
    other = link.endpoints[1] if link.endpoints[0] == me else link.endpoints[0]
    node, _, port = other.partition(":")
    return NicEnd(link, node, port)


def lag_of(lab: Lab, switch: str, port: str) -> tuple[str, Lag] | None:
    """Return ``(owner switch, LAG)`` of the port-channel switch port ``switch:port`` is in.

    A LAG lists its own switch's ports by name (``47``) and, for a cross-stack or MLAG
    port-channel, ports of another member of the same ``stack`` as ``SWITCH:PORT``
    (``acc2:Gi2/0/1``). None when the port is in no LAG.
    """
    sw = lab.switches.get(switch)
    if sw is None:
        return None
    qualified = f"{switch}:{port}"
    for lag in sw.lags.values():
        if port in lag.members or qualified in lag.members:
            return switch, lag
    if sw.stack is None:
        return None
    for other in lab.switches.values():
        if other.name == switch or other.stack != sw.stack:
            continue
        for lag in other.lags.values():
            if qualified in lag.members:
                return other.name, lag
    return None


def _resolve_all(
    lab: Lab, elements: Iterable[str | Element]
) -> tuple[list[Element], list[Problem]]:
    resolved: list[Element] = []
    problems: list[Problem] = []
    for item in elements:
        if isinstance(item, Element):
            resolved.append(item)
            continue
        try:
            resolved.append(resolve_element(lab, item))
        except ValueError as exc:
            problems.append(Problem(f"{item}: {exc}"))
    return resolved, problems
