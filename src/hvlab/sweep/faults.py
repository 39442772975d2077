"""What a sweep simulates: every single (N-1) and double (N-2) failure, pruned.

Enumeration
-----------
:func:`enumerate_elements` lists the elements of the chosen kinds (``link``, ``nic``,
``lag``, ``switch``, ``node``, ``csv``, ``rack`` by default; also ``port``, ``vm``,
``site`` and ``wan`` on request) by the names :func:`hvlab.model.elements.resolve_element`
takes, starting from :func:`hvlab.sim.faults.candidate_elements`. A lab has no power
model of its own: a power feed is a ``rack``.

Footprints
----------
The **footprint** of a failure is what it takes down by the rules of
:class:`hvlab.condition.Condition`, which every engine reads: switches, hosts, switch
ports, cables and host NICs that are up with nothing failed and down with the
element failed (``switch:tor1``, ``node:node1``, ``port:tor1:5``,
``cable:link:A:P~B:Q``, ``nic:node1:LM``). Elements no Condition rule derives
anything from (``csv``, ``vm``, ``wan``, ``site``) keep their own name in it.

Each rule of Condition is an OR over the failed elements (a port is down when it,
its LAG or its switch is failed, ...), so the footprint of two failures is the union
of theirs, and two failures with the same footprint give every engine the same
Condition-derived state.

Pruning
-------
* **Same parts** — elements with the same footprint are one class (a host NIC and the
  cable to it: the NIC has no link either way). Simulated once.
* **LAG members** — cables between the same two switches, in the same LAG at both ends,
  at the same speed and MTU: one member of the bundle fails, whichever it is.
* **LAG ends** — the two ends of one switch-to-switch LAG: shutting either port-channel
  takes the same cables, so the whole bundle, down.
* **Already down** — an element that takes nothing down (a cable to a ``shutdown`` port)
  is reported and not simulated.
* **N-2 covered by N-1** — a pair where one failure's footprint contains the other's
  takes down exactly what the larger single failure does (already in the N-1 results).
* **N-2 equivalent pairs** — pairs of two classes stand for every member pair when the
  members' footprints are disjoint (or the classes are "same parts" classes).

The tests simulate every member of every class on the example labs and check that the
impact is the same, so the pruning is checked against the simulator, not assumed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from hvlab.condition import Condition
from hvlab.errors import UserError
from hvlab.model.elements import KINDS, Element, resolve_element
from hvlab.model.lab import Lab
from hvlab.model.network import Link
from hvlab.sim.faults import candidate_elements

__all__ = [
    "DEFAULT_KINDS",
    "DERIVED_KINDS",
    "PRUNE_REASONS",
    "SWEEP_KINDS",
    "ElementClass",
    "Fault",
    "Footprints",
    "Pruned",
    "SweepPlan",
    "default_kinds",
    "enumerate_elements",
    "parse_kinds",
    "plan_sweep",
]

SWEEP_KINDS = ("link", "nic", "lag", "switch", "node", "csv", "rack", "port", "vm", "site", "wan")
"""Kinds a sweep can fail (``--kinds``)."""

DEFAULT_KINDS = ("link", "nic", "lag", "switch", "node", "csv", "rack")
"""Kinds a sweep fails when ``--kinds`` is not given (the issue's list; a rack is a power feed)."""

# Which member of a class stands for it: the most physical, most familiar name first.
_REPRESENTATIVE_ORDER = {
    k: i
    for i, k in enumerate(
        ("rack", "site", "switch", "node", "lag", "nic", "link", "port", "csv", "vm", "wan")
    )
}

DERIVED_KINDS = frozenset({"link", "port", "lag", "switch", "nic", "node", "rack"})
"""Kinds whose whole effect is what Condition derives (switches, hosts, ports, cables, NICs)."""

PRUNE_REASONS: dict[str, str] = {
    "same-parts": "fail the same parts (e.g. a host NIC and its cable): simulated once",
    "lag-members": "cables of one LAG between the same switches at the same speed: one member "
    "fails whichever it is",
    "lag-ends": "the two ends of one switch-to-switch LAG: shutting either end takes the same "
    "cables down",
    "already-down": "takes nothing down that is not already down with no fault (e.g. a cable "
    "to a shutdown port)",
    "covered": "one failure already takes down everything the other does: the pair is the "
    "larger single failure",
    "equivalent-pairs": "pairs of the members of two classes are equivalent: one pair stands "
    "for them",
}
"""Why elements or pairs were not simulated (keys used in the output)."""


def parse_kinds(kinds: str | Iterable[str] | None) -> tuple[str, ...]:
    """Return the sweep kinds named by ``kinds`` (comma-separated or a list), in order.

    ``None`` or empty gives :data:`DEFAULT_KINDS`; ``host`` means ``node``; ``all`` means
    every kind in :data:`SWEEP_KINDS`.

    Raises
    ------
    UserError
        For an unknown kind (with a did-you-mean suggestion) or a kind a sweep does not
        fail (``team``, ``website``...).
    """
    from hvlab.model.load import suggest

    if kinds is None:
        return DEFAULT_KINDS
    words = kinds.split(",") if isinstance(kinds, str) else [w for k in kinds for w in k.split(",")]
    chosen: list[str] = []
    for raw in words:
        word = raw.strip().lower()
        if not word:
            continue
        if word == "all":
            chosen.extend(k for k in SWEEP_KINDS if k not in chosen)
            continue
        if word == "host":
            word = "node"
        if word not in SWEEP_KINDS:
            if word in KINDS:
                raise UserError(
                    f"--kinds: a sweep does not fail {word!r} elements "
                    f"(kinds it fails: {', '.join(SWEEP_KINDS)})"
                )
            raise UserError(
                f"--kinds: unknown element kind {word!r}{suggest(word, SWEEP_KINDS)} "
                f"(kinds: {', '.join(SWEEP_KINDS)})"
            )
        if word not in chosen:
            chosen.append(word)
    return tuple(chosen) or DEFAULT_KINDS


def default_kinds(lab: Lab) -> tuple[str, ...]:
    """Return the kinds a sweep fails when none are named: :data:`DEFAULT_KINDS`, plus
    ``wan`` and ``site`` for a lab with WAN links (a multi-site lab's first questions)."""
    extra = ("wan", "site") if lab.wan_links else ()
    return DEFAULT_KINDS + extra


def _racks(lab: Lab) -> list[str]:
    racks = {h.rack for h in lab.hosts.values() if h.rack}
    racks |= {s.rack for s in lab.switches.values() if s.rack}
    return sorted(racks)


def enumerate_elements(lab: Lab, kinds: Sequence[str] = DEFAULT_KINDS) -> tuple[str, ...]:
    """Return the element names of ``kinds`` in ``lab``: kinds in the order given, lab order.

    Every cluster node and every other host is a ``node``; each end of a LAG is a ``lag``
    (``lag:SWITCH:NAME``); each port that is not ``shutdown`` is a ``port``.
    """
    base = candidate_elements(lab)
    out: list[str] = []
    for kind in kinds:
        if kind in ("link", "nic", "switch", "csv"):
            names = list(base[kind])
        elif kind == "node":
            names = list(base["node"])
            names += [f"node:{h}" for h in lab.hosts if f"node:{h}" not in names]
        elif kind == "lag":
            names = [f"lag:{s.name}:{lag}" for s in lab.switches.values() for lag in s.lags]
        elif kind == "port":
            names = [
                f"port:{s.name}:{p.name}"
                for s in lab.switches.values()
                for p in s.ports.values()
                if not p.shutdown
            ]
        elif kind == "vm":
            names = [f"vm:{v}" for v in lab.vms]
        elif kind == "rack":
            names = [f"rack:{r}" for r in _racks(lab)]
        elif kind == "site":
            names = [f"site:{s}" for s in lab.sites]
        elif kind == "wan":
            names = [f"wan:{w}" for w in lab.wan_links]
        else:  # parse_kinds keeps anything else out
            raise UserError(f"a sweep does not fail {kind!r} elements")
        out.extend(n for n in dict.fromkeys(names) if n not in out)
    return tuple(out)


class Footprints:
    """The footprint of each element of a lab (see the module docstring), computed once.

    Only the neighbourhood an element can reach by Condition's rules (its switches'
    ports, its hosts' NICs, the cables at those and the NICs at their far ends) is
    evaluated, each part with Condition's own predicate.
    """

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self._base = Condition.none()
        self._cache: dict[str, frozenset[str]] = {}
        self.cable_at: dict[tuple[str, str], Link] = {}
        for link in lab.links:
            for end in link.endpoints:
                node, _, port = end.partition(":")
                self.cable_at[(node, port)] = link
        self._lag_ports: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
        for sw in lab.switches.values():
            for lag in sw.lags.values():
                ports = []
                for member in lag.members:
                    owner, sep, port = member.partition(":")
                    ports.append((owner, port) if sep else (sw.name, member))
                self._lag_ports[(sw.name, lag.name)] = tuple(ports)

    def lag_ports(self, switch: str, lag: str) -> tuple[tuple[str, str], ...]:
        """Return the physical ports ``(switch, port)`` of LAG ``switch:lag``."""
        return self._lag_ports.get((switch, lag), ())

    def of(self, element: str) -> frozenset[str]:
        """Return the footprint of ``element`` (a name :func:`resolve_element` takes).

        Raises
        ------
        UserError
            When the name does not resolve in the lab.
        """
        found = self._cache.get(element)
        if found is None:
            try:
                resolved = resolve_element(self.lab, element)
            except ValueError as exc:
                raise UserError(f"{element}: {exc}") from None
            found = self._compute(resolved)
            self._cache[element] = found
        return found

    def union(self, elements: Iterable[str]) -> frozenset[str]:
        """Return the footprint of several failures together (the union of theirs)."""
        out: frozenset[str] = frozenset()
        for e in elements:
            out |= self.of(e)
        return out

    def _compute(self, element: Element) -> frozenset[str]:
        lab = self.lab
        if element.kind not in DERIVED_KINDS and element.kind != "site":
            return frozenset({str(element)})
        cond = Condition(frozenset({element}))
        base = self._base
        switches: set[str] = set()
        hosts: set[str] = set()
        ports: set[tuple[str, str]] = set()
        nics: set[tuple[str, str]] = set()
        cables: dict[str, Link] = {}
        kind, names = element.kind, element.names
        if kind == "switch":
            switches.add(names[0])
        elif kind == "node":
            hosts.add(names[0])
        elif kind in ("rack", "site"):
            attr = kind
            switches |= {s.name for s in lab.switches.values() if getattr(s, attr) == names[0]}
            hosts |= {h.name for h in lab.hosts.values() if getattr(h, attr) == names[0]}
        elif kind == "port":
            ports.add((names[0], names[1]))
        elif kind == "lag":
            ports.update(self.lag_ports(names[0], names[1]))
        elif kind == "nic":
            nics.add((names[0], names[1]))
        elif kind == "link":
            wanted = {f"{names[0]}:{names[1]}", f"{names[2]}:{names[3]}"}
            for link in lab.links:
                if set(link.endpoints) == wanted:
                    cables[link.element] = link
        for s in switches:
            ports.update((s, p) for p in lab.switches[s].ports)
        for h in hosts:
            nics.update((h, n) for n in lab.hosts[h].nics)
        for at in (*ports, *nics):
            found = self.cable_at.get(at)
            if found is not None:
                cables[found.element] = found
        for cable in cables.values():
            for endpoint in cable.endpoints:
                node, _, port = endpoint.partition(":")
                if node in lab.hosts:
                    nics.add((node, port))
        out: set[str] = set()
        out.update(
            f"switch:{s}"
            for s in switches
            if not cond.switch_is_up(lab, s) and base.switch_is_up(lab, s)
        )
        out.update(
            f"node:{h}" for h in hosts if not cond.host_is_up(lab, h) and base.host_is_up(lab, h)
        )
        out.update(
            f"port:{s}:{p}"
            for s, p in ports
            if s in lab.switches and not cond.port_is_up(lab, s, p) and base.port_is_up(lab, s, p)
        )
        out.update(
            f"cable:{name}"
            for name, link in cables.items()
            if not cond.link_is_up(lab, link) and base.link_is_up(lab, link)
        )
        out.update(
            f"nic:{h}:{n}"
            for h, n in nics
            if h in lab.hosts
            and n in lab.hosts[h].nics
            and not cond.nic_is_up(lab, h, n)
            and base.nic_is_up(lab, h, n)
        )
        if kind == "site":
            out.add(str(element))
        return frozenset(out)


@dataclass(frozen=True)
class ElementClass:
    """Elements whose single failures are equivalent; one of them is simulated.

    Attributes
    ----------
    representative : str
        The member that is simulated.
    members : tuple of str
        Every member, the representative first.
    reason : str
        ``single`` (a class of one), ``same-parts``, ``lag-members`` or ``lag-ends``
        (see :data:`PRUNE_REASONS`).
    footprints : tuple of frozenset
        Each member's footprint, in member order.
    """

    representative: str
    members: tuple[str, ...]
    reason: str
    footprints: tuple[frozenset[str], ...]

    @property
    def uniform(self) -> bool:
        """Return True when every member has the same footprint."""
        return len(set(self.footprints)) <= 1


@dataclass(frozen=True)
class Fault:
    """One scenario of a sweep: the elements failed together, and what it stands for.

    Attributes
    ----------
    elements : tuple of str
        The one or two elements failed (at the same instant).
    covers : tuple of tuple of str
        Every element set this scenario stands for, itself first.
    reason : str
        Why the others are equivalent (a :data:`PRUNE_REASONS` key; empty when it stands
        for itself only).
    """

    elements: tuple[str, ...]
    covers: tuple[tuple[str, ...], ...]
    reason: str = ""

    @property
    def depth(self) -> int:
        """Return 1 for a single failure, 2 for a double one."""
        return len(self.elements)

    @property
    def name(self) -> str:
        """Return the scenario name: the elements joined by `` + ``."""
        return " + ".join(self.elements)


@dataclass(frozen=True)
class Pruned:
    """How many element sets of one depth were not simulated, and why."""

    depth: int
    reason: str
    count: int

    @property
    def text(self) -> str:
        """Return the reason in words."""
        return PRUNE_REASONS.get(self.reason, self.reason)


@dataclass(frozen=True)
class SweepPlan:
    """Everything a sweep will simulate, and what it prunes.

    Attributes
    ----------
    depth : int
        1 (N-1) or 2 (N-1 and N-2).
    kinds : tuple of str
        The kinds enumerated.
    elements : tuple of str
        Every element enumerated.
    classes : tuple of ElementClass
        The N-1 equivalence classes (elements that take nothing down are in none).
    faults : tuple of Fault
        The scenarios to simulate: N-1 first, then N-2.
    pruned : tuple of Pruned
        What was not simulated, per depth and reason.
    candidates : Mapping[int, int]
        Element sets per depth before pruning (n, and n·(n-1)/2).
    """

    depth: int
    kinds: tuple[str, ...]
    elements: tuple[str, ...]
    classes: tuple[ElementClass, ...]
    faults: tuple[Fault, ...]
    pruned: tuple[Pruned, ...]
    candidates: dict[int, int] = field(default_factory=dict)

    def simulated(self, depth: int) -> int:
        """Return how many scenarios of ``depth`` are simulated."""
        return sum(1 for f in self.faults if f.depth == depth)

    def pruned_count(self, depth: int) -> int:
        """Return how many element sets of ``depth`` were pruned."""
        return sum(p.count for p in self.pruned if p.depth == depth)


def _rep_key(lab_order: dict[str, int], name: str) -> tuple[int, int]:
    kind = name.partition(":")[0]
    return _REPRESENTATIVE_ORDER.get(kind, 99), lab_order[name]


def _cable_of(lab: Lab, fp: frozenset[str]) -> Link | None:
    """Return the cable when footprint ``fp`` is exactly one cable, else None."""
    if len(fp) != 1:
        return None
    (atom,) = fp
    if not atom.startswith("cable:"):
        return None
    name = atom.removeprefix("cable:")
    return next((link for link in lab.links if link.element == name), None)


def _lag_member_key(lab: Lab, fps: Footprints, link: Link) -> tuple[object, ...] | None:
    """Return the symmetry key of a switch-to-switch cable in a LAG at both ends, else None."""
    from hvlab.condition import lag_of
    from hvlab.l2.fromlab import cable_speed

    ends = []
    for end in link.endpoints:
        node, _, port = end.partition(":")
        sw = lab.switches.get(node)
        if sw is None or port not in sw.ports:
            return None
        owner = lag_of(lab, node, port)
        if owner is None:
            return None
        p = sw.ports[port]
        ends.append((node, owner[0], owner[1].name, p.speed, p.mtu, p.shutdown))
    return (tuple(sorted(ends, key=repr)), cable_speed(lab, link), link.mtu, link.speed)


def _lag_end_key(lab: Lab, element: str, fp: frozenset[str]) -> frozenset[str] | None:
    """Return the cables of a switch-to-switch LAG end, when ``element`` is one, else None."""
    if not element.startswith("lag:"):
        return None
    cables = frozenset(a for a in fp if a.startswith("cable:"))
    if not cables or any(not (a.startswith(("cable:", "port:"))) for a in fp):
        return None
    for atom in cables:
        link = next((x for x in lab.links if x.element == atom.removeprefix("cable:")), None)
        if link is None:
            return None
        if any(e.partition(":")[0] not in lab.switches for e in link.endpoints):
            return None
    return cables


def element_classes(
    lab: Lab, elements: Sequence[str], footprints: Footprints
) -> tuple[list[ElementClass], list[str]]:
    """Return the equivalence classes of ``elements`` and the elements that take nothing down.

    Classes come in the order of their first member in ``elements``.
    """
    order = {name: i for i, name in enumerate(elements)}
    by_fp: dict[frozenset[str], list[str]] = {}
    already: list[str] = []
    for name in elements:
        fp = footprints.of(name)
        if not fp:
            already.append(name)
            continue
        by_fp.setdefault(fp, []).append(name)
    # Same parts: one footprint, several elements.
    groups: list[tuple[list[str], str]] = [
        (names, "same-parts" if len(names) > 1 else "single") for names in by_fp.values()
    ]
    # LAG members and LAG ends: merge single-cable / single-bundle groups by symmetry key.
    merged: dict[tuple[str, object], list[int]] = {}
    for i, (names, _) in enumerate(groups):
        fp = footprints.of(names[0])
        link = _cable_of(lab, fp)
        if link is not None and all(n.startswith("link:") for n in names):
            key = _lag_member_key(lab, footprints, link)
            if key is not None:
                merged.setdefault(("lag-members", key), []).append(i)
            continue
        if len(names) == 1:
            cables = _lag_end_key(lab, names[0], fp)
            if cables is not None:
                merged.setdefault(("lag-ends", cables), []).append(i)
    absorbed: set[int] = set()
    extra: dict[int, tuple[list[str], str]] = {}
    for (reason, _), indexes in merged.items():
        if len(indexes) < 2:
            continue
        names = [n for i in indexes for n in groups[i][0]]
        extra[indexes[0]] = (names, reason)
        absorbed.update(indexes[1:])
    classes: list[ElementClass] = []
    for i, group in enumerate(groups):
        if i in absorbed:
            continue
        names, reason = extra.get(i, group)
        members = sorted(names, key=lambda n: _rep_key(order, n))
        classes.append(
            ElementClass(
                members[0], tuple(members), reason, tuple(footprints.of(m) for m in members)
            )
        )
    classes.sort(key=lambda c: min(order[m] for m in c.members))
    return classes, already


def _pair(a: str, b: str, order: dict[str, int]) -> tuple[str, str]:
    return (a, b) if order[a] <= order[b] else (b, a)


def plan_sweep(
    lab: Lab,
    *,
    depth: int = 1,
    kinds: Sequence[str] = DEFAULT_KINDS,
    prune: bool = True,
    elements: Sequence[str] | None = None,
) -> SweepPlan:
    """Return the scenarios of a sweep of ``lab`` and what was pruned.

    Parameters
    ----------
    lab : Lab
        The lab.
    depth : {1, 2}
        1: every single failure; 2: also every pair.
    kinds : sequence of str
        Kinds to enumerate (see :func:`parse_kinds`).
    prune : bool
        False simulates every element and every pair (for checking the pruning).
    elements : sequence of str, optional
        Sweep these elements instead of enumerating ``kinds``.

    Raises
    ------
    UserError
        A depth other than 1 or 2, or an element name that does not resolve.

    Notes
    -----
    N-2 planning compares the footprints of the members of each pair of classes:
    O(c² · m²) set operations for c classes of at most m members.
    """
    if depth not in (1, 2):
        raise UserError(f"--depth must be 1 or 2 (got {depth})")
    names = tuple(elements) if elements is not None else enumerate_elements(lab, kinds)
    footprints = Footprints(lab)
    order = {name: i for i, name in enumerate(names)}
    n = len(names)
    candidates = {1: n} if depth == 1 else {1: n, 2: n * (n - 1) // 2}
    pruned: dict[tuple[int, str], int] = {}

    def count(d: int, reason: str, k: int) -> None:
        if k:
            pruned[(d, reason)] = pruned.get((d, reason), 0) + k

    if prune:
        classes, already = element_classes(lab, names, footprints)
    else:
        classes = [ElementClass(e, (e,), "single", (footprints.of(e),)) for e in names]
        already = []
    count(1, "already-down", len(already))
    faults: list[Fault] = []
    for c in classes:
        count(1, c.reason, len(c.members) - 1)
        faults.append(Fault((c.representative,), tuple((m,) for m in c.members), c.reason))
    if depth == 2:
        count(2, "already-down", _pairs_with(already, n))
        faults.extend(_double_faults(classes, order, prune, count))
    return SweepPlan(
        depth=depth,
        kinds=tuple(kinds),
        elements=names,
        classes=tuple(classes),
        faults=tuple(faults),
        pruned=tuple(
            Pruned(d, reason, k)
            for (d, reason), k in sorted(pruned.items(), key=lambda x: (x[0][0], x[0][1]))
        ),
        candidates=candidates,
    )


def _pairs_with(already: Sequence[str], n: int) -> int:
    """Return how many pairs of n elements involve at least one of ``already``."""
    k = len(already)
    return k * (n - k) + k * (k - 1) // 2


def _double_faults(
    classes: Sequence[ElementClass],
    order: dict[str, int],
    prune: bool,
    add: Callable[[int, str, int], None],
) -> list[Fault]:
    """Return the N-2 scenarios over ``classes``; ``add(depth, reason, n)`` counts the pruned."""
    faults: list[Fault] = []

    def covered(fa: frozenset[str], fb: frozenset[str]) -> bool:
        return fa <= fb or fb <= fa

    for i, a in enumerate(classes):
        # Pairs inside one class.
        inside = [
            _pair(x, y, order)
            for (x, fx), (y, fy) in combinations(zip(a.members, a.footprints, strict=True), 2)
            if not (prune and covered(fx, fy))
        ]
        total_inside = len(a.members) * (len(a.members) - 1) // 2
        add(2, "covered", total_inside - len(inside))
        if inside:
            if prune and a.reason in ("lag-members", "lag-ends"):
                faults.append(Fault(inside[0], tuple(inside), "equivalent-pairs"))
                add(2, "equivalent-pairs", len(inside) - 1)
            else:
                faults.extend(Fault(p, (p,)) for p in inside)
        for b in classes[i + 1 :]:
            members = [
                (x, fx, y, fy)
                for x, fx in zip(a.members, a.footprints, strict=True)
                for y, fy in zip(b.members, b.footprints, strict=True)
            ]
            if not prune:
                faults.extend(
                    Fault(p, (p,)) for p in (_pair(x, y, order) for x, _, y, _ in members)
                )
                continue
            live = [(x, fx, y, fy) for x, fx, y, fy in members if not covered(fx, fy)]
            add(2, "covered", len(members) - len(live))
            if not live:
                continue
            pairs = [_pair(x, y, order) for x, _, y, _ in live]
            union_a = frozenset().union(*a.footprints)
            union_b = frozenset().union(*b.footprints)
            if len(live) == len(members) and ((a.uniform and b.uniform) or not (union_a & union_b)):
                faults.append(
                    Fault(pairs[0], tuple(pairs), "equivalent-pairs" if len(pairs) > 1 else "")
                )
                add(2, "equivalent-pairs", len(pairs) - 1)
            else:
                faults.extend(Fault(p, (p,)) for p in pairs)
    return faults
