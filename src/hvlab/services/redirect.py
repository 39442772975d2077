"""Follow HTTP redirects across a lab's IIS sites, as a browser does, and find loops.

:func:`follow_redirects` starts from a URL, finds the server that answers its host name
in the lab, asks :func:`hvlab.services.http.respond`, resolves the ``Location`` against
the current URL (RFC 9110 §10.2.2, RFC 3986 §5) and goes on, up to ``max_hops``
redirects. The :class:`RedirectTrace` lists every URL and answer and ends with one
outcome:

``final``
    A non-redirect answer (200, 400, 404.14...).
``loop``
    A URL came back exactly: the chain can never end.
``too_many_redirects``
    ``max_hops`` redirects were followed and the last answer is still a redirect: the
    browser gives up ("Firefox has detected that the server is redirecting the request
    for this address in a way that will never complete"; ``network.http.redirection-
    limit`` is 20 in Firefox, MozillaZine knowledge base). ``growing`` says whether the
    same site kept answering a longer URL -- the field note's
    ``http://www.surveyors.lab/www.bussines.lab/surveyors/services/www.bussines.lab/...``,
    caused by a redirect destination without ``http://`` (``relative_destinations``).
``external``
    The chain leaves the lab (a host no virtual service, server or address in the lab
    answers for), e.g. ``http://www.bussines.lab/...``.
``unreachable``
    Nothing answers: the VIP has no real server in rotation, or the port is closed.

How a host name is answered (in this order):

1. a virtual service whose ``host_names`` (its DNS names) include it, on the URL's port:
   the load balancer forwards to the first real server in rotation (by default the
   health checks decide, :func:`hvlab.services.healthcheck.virtual_service_state`;
   with ``respect_health=False`` any running real server) with the ``Host`` header
   unchanged (layer-7 transparency);
2. a virtual service whose address is the host (a URL with the VIP's address);
3. a VM or host of the lab by name, or by one of its addresses.

:func:`redirect_passes` reports the other face of a redirect: a health check that
passes because the redirect status is in the accepted set (302 is, on a KEMP
LoadMaster, by default), which proves IIS answers but not that the site behind the
check serves anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final, Literal
from urllib.parse import urljoin, urlsplit

from hvlab.model.lab import Lab
from hvlab.model.services import LoadBalancer, VirtualService
from hvlab.services.healthcheck import (
    _find,
    _index,
    _not_running_reason,
    _split_real_server,
    check_outcome,
    server_address,
    server_sites,
    virtual_service_state,
)
from hvlab.services.http import (
    DEFAULT_PORTS,
    Request,
    destination_has_scheme,
    normalize_host,
    respond,
)

if TYPE_CHECKING:
    from hvlab.condition import Condition

__all__ = [
    "MAX_REDIRECTS",
    "Hop",
    "Outcome",
    "RedirectPass",
    "RedirectTrace",
    "follow_redirects",
    "redirect_passes",
]

MAX_REDIRECTS: Final = 20
"""Redirects a browser follows before giving up.

Firefox's ``network.http.redirection-limit`` default (MozillaZine knowledge base,
"Network.http.redirection-limit"); Chromium also stops after 20.
"""

Outcome = Literal["final", "loop", "too_many_redirects", "external", "unreachable"]
"""How a redirect chain ends (see the module docstring)."""


@dataclass(frozen=True, slots=True)
class Hop:
    """One request of a chain and its answer.

    Attributes
    ----------
    url : str
        The absolute URL requested.
    status : int or None
        The answer; ``None`` when nothing answered (or the host is outside the lab).
    location : str or None
        The ``Location`` header as sent.
    next_url : str or None
        ``location`` resolved against ``url``: the next request.
    site, server : str or None
        The IIS site and the server (VM or host) that answered.
    via : str or None
        ``LB/virtual-service`` when a load balancer forwarded the request.
    reason : str
        Why this answer, in words.
    """

    url: str
    status: int | None
    location: str | None
    next_url: str | None
    site: str | None
    server: str | None
    via: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class RedirectTrace:
    """A followed redirect chain.

    Attributes
    ----------
    start : str
        The first URL.
    hops : tuple of Hop
        Every request, in order (the first is ``start``).
    outcome : Outcome
        How it ends.
    growing : bool
        The same site kept redirecting to a longer URL on the same host: the loop of a
        destination without a scheme.
    relative_destinations : tuple of str
        Sites in the chain whose redirect destination has no scheme (``site: dest``).
    message : str
        One line for people.
    """

    start: str
    hops: tuple[Hop, ...]
    outcome: Outcome
    growing: bool
    relative_destinations: tuple[str, ...]
    message: str

    @property
    def urls(self) -> tuple[str, ...]:
        """Return the URLs requested, in order."""
        return tuple(h.url for h in self.hops)

    @property
    def redirects(self) -> int:
        """Return how many redirects were followed (every hop after the first)."""
        return max(len(self.hops) - 1, 0)


@dataclass(frozen=True, slots=True)
class RedirectPass:
    """A health check that passes on a redirect answer.

    Attributes
    ----------
    real_server : str
        The real-server entry.
    site : str or None
        The IIS site that answered the probe with a redirect.
    status : int
        The redirect status (301, 302, 307, 308).
    location : str
        The ``Location`` as sent.
    target : str
        ``location`` resolved against the probe's URL.
    message : str
        Why this is a pass for the wrong reason.
    """

    real_server: str
    site: str | None
    status: int
    location: str
    target: str
    message: str


@dataclass(frozen=True, slots=True)
class _Route:
    server: str | None
    ip: str | None
    port: int
    via: str | None
    reason: str


def _norm_url(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    return parts._replace(
        scheme=parts.scheme.lower(), netloc=parts.netloc.lower(), path=path
    ).geturl()


def _route(
    lab: Lab,
    host: str,
    port: int,
    down: tuple[str, ...],
    condition: Condition | None,
    respect_health: bool,
) -> _Route | None:
    """Return where a request for ``host:port`` goes in the lab, or None (outside it)."""
    index = _index(lab)
    for lb, vs in index.services_by_host.get(host, ()):
        if vs.port != port:
            continue
        via = f"{lb.name}/{vs.name}"
        if respect_health:
            state = virtual_service_state(lab, lb, vs, down, condition=condition)
            servers = state.in_rotation
            why = "in rotation"
        else:
            servers = tuple(
                rs
                for rs in vs.real_servers
                if _not_running_reason(lab, _split_real_server(rs)[0], _down(rs, down), condition)
                is None
            )
            why = "running"
        if not servers:
            return _Route(
                None,
                None,
                port,
                via,
                f"{via} ({vs.address}:{vs.port}) has no real server {why}: the VIP forwards "
                f"nothing",
            )
        name, rs_port = _split_real_server(servers[0])
        return _Route(
            name,
            server_address(lab, name),
            rs_port or vs.port,
            via,
            f"{host} is {via} ({vs.address}:{vs.port}); first real server {why}: {name}",
        )
    server = index.names.get(host) or index.servers_by_address.get(host)
    if server is None:
        return None
    reason = f"{host} is {server}"
    if _not_running_reason(lab, server, _down(server, down), condition) is not None:
        return _Route(None, None, port, None, f"{reason}, which is not running")
    return _Route(server, server_address(lab, server), port, None, reason)


def _down(server: str, down: tuple[str, ...]) -> bool:
    name = _split_real_server(server)[0].casefold()
    return any(_split_real_server(d)[0].casefold() == name for d in down)


def follow_redirects(
    lab: Lab,
    url: str,
    *,
    max_hops: int = MAX_REDIRECTS,
    down_servers: Iterable[str] = (),
    condition: Condition | None = None,
    respect_health: bool = True,
    method: str = "GET",
) -> RedirectTrace:
    """Follow ``url`` through the lab's load balancers and IIS sites as a browser would.

    Parameters
    ----------
    lab : Lab
        The lab.
    url : str
        An absolute ``http://`` or ``https://`` URL.
    max_hops : int, optional
        Redirects to follow before giving up (:data:`MAX_REDIRECTS`, 20).
    down_servers : iterable of str, optional
        VMs or hosts that are down.
    condition : Condition, optional
        Failed elements (a failed ``vm:`` or VM host is down).
    respect_health : bool, optional
        Whether a virtual service forwards only to real servers that pass their health
        check (default) or to any running one.
    method : str, optional
        The first request's method (``GET``). A 301/302 turns a POST into a GET, as
        browsers do; 307/308 keep it.

    Returns
    -------
    RedirectTrace
        The chain and how it ends.

    Raises
    ------
    ValueError
        If ``url`` is not an absolute http(s) URL or ``max_hops`` is negative.
    """
    if max_hops < 0:
        raise ValueError(f"max_hops must be 0 or more, got {max_hops}")
    Request.from_url(url)  # validates
    down = tuple(down_servers)
    hops: list[Hop] = []
    seen: set[str] = set()
    longest: dict[tuple[str, str], int] = {}
    growing = False
    relative: dict[str, str] = {}
    current = url
    followed = 0
    outcome: Outcome = "final"
    while True:
        key = _norm_url(current)
        if key in seen:
            outcome = "loop"
            break
        seen.add(key)
        parts = urlsplit(current)
        scheme = parts.scheme.lower()
        port = parts.port or DEFAULT_PORTS[scheme]
        host = normalize_host(parts.netloc.rpartition("@")[2]) or ""
        route = _route(lab, host, port, down, condition, respect_health)
        if route is None:
            hops.append(
                Hop(current, None, None, None, None, None, None, f"{host} is not in the lab")
            )
            outcome = "external"
            break
        if route.server is None:
            hops.append(Hop(current, None, None, None, None, None, route.via, route.reason))
            outcome = "unreachable"
            break
        request = replace(Request.from_url(current, method=method, ip=route.ip), port=route.port)
        sites = server_sites(lab, route.server)
        response = respond(sites, request)
        reason = f"{route.reason}; {response.reason}"
        if response.status is None:
            hops.append(Hop(current, None, None, None, None, route.server, route.via, reason))
            outcome = "unreachable"
            break
        if not response.is_redirect:
            hops.append(
                Hop(
                    current,
                    response.status,
                    None,
                    None,
                    response.site,
                    route.server,
                    route.via,
                    reason,
                )
            )
            outcome = "final"
            break
        assert response.location is not None
        next_url = urljoin(current, response.location)
        hops.append(
            Hop(
                current,
                response.status,
                response.location,
                next_url,
                response.site,
                route.server,
                route.via,
                reason,
            )
        )
        site = next((s for s in sites if s.name == response.site), None)
        if site is not None and site.redirect is not None:
            destination = site.redirect.destination.strip()
            if not destination_has_scheme(destination) and not destination.startswith("/"):
                relative[site.name] = destination
            mark = (site.name, host)
            if mark in longest and len(key) > longest[mark]:
                growing = True
            longest[mark] = max(longest.get(mark, 0), len(key))
        if response.status in (301, 302) and method == "POST":
            method = "GET"
        if followed >= max_hops:
            outcome = "too_many_redirects"
            break
        followed += 1
        current = next_url
    rel = tuple(f"{name}: {dest}" for name, dest in sorted(relative.items()))
    return RedirectTrace(
        url, tuple(hops), outcome, growing, rel, _message(url, hops, outcome, growing, rel)
    )


def _message(
    url: str, hops: list[Hop], outcome: Outcome, growing: bool, relative: tuple[str, ...]
) -> str:
    last = hops[-1]
    n = len(hops) - 1
    if outcome == "final":
        text = f"{url} ends after {n} redirect(s) with {last.status} from {last.url}"
    elif outcome == "loop":
        text = f"{url} loops: {last.next_url or last.url} was already requested ({n} redirects)"
    elif outcome == "too_many_redirects":
        text = f"{url} still redirects after {n} redirects; a browser gives up"
    elif outcome == "external":
        text = f"{url} leaves the lab after {n} redirect(s), to {last.url}"
    else:
        text = f"{url}: nothing answers {last.url} ({last.reason})"
    if growing:
        text += "; the URL grows on every hop"
    if relative:
        text += (
            f"; redirect destination without http:// ({'; '.join(relative)}) is a path "
            f"of the same site -- write the full URL"
        )
    return text


def redirect_passes(
    lab: Lab,
    load_balancer: LoadBalancer | str,
    virtual_service: VirtualService | str,
    *,
    down_servers: Iterable[str] = (),
    condition: Condition | None = None,
) -> tuple[RedirectPass, ...]:
    """Return the real servers whose health check passes only on a redirect answer.

    The probe reaches an IIS site that redirects (its ``Host`` matches a redirecting site,
    or the site on the real server's address redirects) and the redirect status is in
    the accepted codes (301 and 302 are, on a KEMP LoadMaster, by default; 3xx on
    HAProxy). The real server stays in rotation though nothing shows that the site the
    clients want is served.
    """
    lb, vs = _find(lab, load_balancer, virtual_service)
    found: list[RedirectPass] = []
    down = tuple(down_servers)
    for rs in vs.real_servers:
        outcome = check_outcome(lab, lb, vs, rs, down_servers=down, condition=condition)
        if not outcome.via_redirect or outcome.location is None or outcome.status is None:
            continue
        name, rs_port = _split_real_server(rs)
        host = vs.health_check.host_header or server_address(lab, name) or name
        scheme = "https" if vs.health_check.protocol == "HTTPS" else "http"
        port = vs.health_check.port or rs_port or vs.port
        base_host = host if port == DEFAULT_PORTS[scheme] or ":" in host else f"{host}:{port}"
        path = vs.health_check.url
        base = f"{scheme}://{base_host}{path if path.startswith('/') else '/' + path}"
        target = urljoin(base, outcome.location)
        found.append(
            RedirectPass(
                rs,
                outcome.site,
                outcome.status,
                outcome.location,
                target,
                f"{lb.name}/{vs.name}: the check of {rs} passes on a {outcome.status} from "
                f"site {outcome.site} to {target}; 3xx proves IIS answers, not that a page "
                f"is served -- check a URL that returns 200",
            )
        )
    return tuple(found)
