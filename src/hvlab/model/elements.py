"""Element names: how a fault or an action points at one part of a lab.

``kind:name`` with these kinds (DESIGN.md, "Contracts"):

========  ==========================  =====================================
kind      form                        example
========  ==========================  =====================================
link      ``link:A:P~B:Q``            ``link:tor1:Eth1/47~tor2:Eth1/47``
port      ``port:SWITCH:PORT``        ``port:tor1:Eth1/1``
lag       ``lag:SWITCH:NAME``         ``lag:tor1:Po1``
switch    ``switch:NAME``             ``switch:tor2``
nic       ``nic:HOST:NIC``            ``nic:node1:CSV-A``
team      ``team:HOST:TEAM``          ``team:node1:VMTeam``
node      ``node:HOST`` (``host:``)   ``node:node2``
csv       ``csv:CLUSTER:NAME``        ``csv:clu1:Volume1``
vm        ``vm:NAME``                 ``vm:SQL1``
fileserver ``fileserver:CLUSTER:NAME`` ``fileserver:clu1:ScalingOut``
rack      ``rack:NAME``               ``rack:R1``
site      ``site:NAME``               ``site:DR``
wan       ``wan:NAME``                ``wan:HQ-DR``
lb        ``lb:NAME``                 ``lb:KEMP1``
vs        ``vs:LB:NAME``              ``vs:KEMP1:surveyor-web``
website   ``website:NAME``            ``website:ntrip``
========  ==========================  =====================================

A link may also be named by its ``name:`` or by its endpoints in either order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hvlab.model.lab import Lab

__all__ = ["KINDS", "Element", "resolve_element"]

KINDS = (
    "link",
    "port",
    "lag",
    "switch",
    "nic",
    "team",
    "node",
    "csv",
    "vm",
    "fileserver",
    "rack",
    "site",
    "wan",
    "lb",
    "vs",
    "website",
)


@dataclass(frozen=True)
class Element:
    """A resolved element: its kind and the names that locate it (``("tor1", "Po1")``)."""

    kind: str
    names: tuple[str, ...]

    def __str__(self) -> str:
        if self.kind == "link":
            return f"link:{self.names[0]}:{self.names[1]}~{self.names[2]}:{self.names[3]}"
        return f"{self.kind}:{':'.join(self.names)}"


def _choose(word: str, choices: Iterable[str], what: str) -> str:
    from hvlab.model.load import suggest

    options = sorted(choices)
    if word in options:
        return word
    listing = ", ".join(options[:12]) + (", ..." if len(options) > 12 else "")
    raise ValueError(
        f"no {what} named {word!r}{suggest(word, options)}"
        + (f" ({what}s: {listing})" if options else f" (the lab has no {what})")
    )


def _split(rest: str, count: int, form: str) -> list[str]:
    parts = rest.split(":", count - 1)
    if len(parts) != count or not all(parts):
        raise ValueError(f"write it as {form}")
    return parts


def _endpoint(lab: Lab, text: str) -> tuple[str, str]:
    node, _, port = text.partition(":")
    if not port:
        raise ValueError(f"link endpoint {text!r} must be NODE:PORT")
    return node, port


def resolve_element(lab: Lab, text: str) -> Element:
    """Return the :class:`Element` that ``text`` names in ``lab``.

    Raises ``ValueError`` with a message that lists the valid names and a
    did-you-mean suggestion.
    """
    kind, sep, rest = text.strip().partition(":")
    if not sep or not rest:
        raise ValueError(
            f"{text!r} is not an element name; write KIND:NAME with KIND one of {', '.join(KINDS)}"
        )
    if kind == "host":
        kind = "node"
    if kind not in KINDS:
        from hvlab.model.load import suggest

        raise ValueError(
            f"unknown element kind {kind!r}{suggest(kind, KINDS)} (kinds: {', '.join(KINDS)})"
        )
    if kind == "switch":
        return Element(kind, (_choose(rest, lab.switches, "switch"),))
    if kind == "node":
        return Element(kind, (_choose(rest, lab.hosts, "host"),))
    if kind == "vm":
        return Element(kind, (_choose(rest, lab.vms, "VM"),))
    if kind == "rack":
        racks: set[str] = {h.rack for h in lab.hosts.values() if h.rack}
        racks |= {s.rack for s in lab.switches.values() if s.rack}
        return Element(kind, (_choose(rest, racks, "rack"),))
    if kind == "site":
        return Element(kind, (_choose(rest, lab.sites, "site"),))
    if kind == "wan":
        return Element(kind, (_choose(rest, lab.wan_links, "WAN link"),))
    if kind == "lb":
        return Element(kind, (_choose(rest, lab.load_balancers, "load balancer"),))
    if kind == "website":
        return Element(kind, (_choose(rest, lab.web_sites, "web site"),))
    if kind == "vs":
        lb_name, name = _split(rest, 2, "vs:LB:NAME")
        lb = lab.load_balancers[_choose(lb_name, lab.load_balancers, "load balancer")]
        return Element(
            kind,
            (lb.name, _choose(name, list(lb.virtual_services), f"virtual service on {lb.name}")),
        )
    if kind in ("port", "lag"):
        switch, name = _split(rest, 2, f"{kind}:SWITCH:NAME")
        sw = lab.switches[_choose(switch, lab.switches, "switch")]
        names: list[str] = list(sw.ports if kind == "port" else sw.lags)
        return Element(kind, (sw.name, _choose(name, names, f"{kind} on {sw.name}")))
    if kind in ("nic", "team"):
        host, name = _split(rest, 2, f"{kind}:HOST:NAME")
        h = lab.hosts[_choose(host, lab.hosts, "host")]
        names = list(h.nics if kind == "nic" else h.teams)
        return Element(kind, (h.name, _choose(name, names, f"{kind.upper()} on {h.name}")))
    if kind in ("csv", "fileserver"):
        cluster, name = _split(rest, 2, f"{kind}:CLUSTER:NAME")
        c = lab.clusters[_choose(cluster, lab.clusters, "cluster")]
        names = list(c.csvs if kind == "csv" else c.file_servers)
        what = "CSV" if kind == "csv" else "file server"
        return Element(kind, (c.name, _choose(name, names, f"{what} in {c.name}")))
    # link: by name, or by endpoints in either order.
    for link in lab.links:
        if link.name == rest:
            (a_node, a_port), (b_node, b_port) = (_endpoint(lab, e) for e in link.endpoints)
            return Element("link", (a_node, a_port, b_node, b_port))
    left, tilde, right = rest.partition("~")
    if not tilde:
        link_names = [link.name for link in lab.links if link.name]
        raise ValueError(
            f"{text!r}: write a link as link:A:PORT~B:PORT"
            + (f" or by name ({', '.join(link_names[:8])})" if link_names else "")
        )
    wanted = {left.strip(), right.strip()}
    for link in lab.links:
        if set(link.endpoints) == wanted:
            (a_node, a_port), (b_node, b_port) = (_endpoint(lab, e) for e in link.endpoints)
            return Element("link", (a_node, a_port, b_node, b_port))
    from hvlab.model.load import suggest

    known = [f"{a}~{b}" for a, b in (link.endpoints for link in lab.links)]
    raise ValueError(f"no link between {left} and {right}{suggest(rest, known)}")
