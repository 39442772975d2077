"""HV5xx — services: load-balancer health checks against IIS sites, HTTP redirects.

The checks ask the services engine (:mod:`hvlab.services`): which request a load balancer
sends (:func:`~hvlab.services.probe_request`), what IIS answers and whether the check
passes (:func:`~hvlab.services.check_outcome`), which checks pass only on a redirect
(:func:`~hvlab.services.redirect_passes`), which site a host name reaches
(:func:`~hvlab.services.match_binding`) and where a redirect chain ends
(:func:`~hvlab.services.follow_redirects`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from hvlab.model.lab import Lab
from hvlab.model.services import LoadBalancer, VirtualService
from hvlab.rules.base import Context, Hit, ObjectPath
from hvlab.rules.registry import rule
from hvlab.services import (
    Request,
    check_outcome,
    follow_redirects,
    match_binding,
    probe_request,
    redirect_passes,
    server_address,
    server_sites,
)
from hvlab.services.http import destination_has_scheme

_NOTE = "Field notes: 'Using Host Names in IIS in Combination with a KEMP LoadMaster'"
_KEMP = (
    "https://docs.progress.com/bundle/loadmaster-configuration-guide-web-user-interface-wui-ga/"
    "page/HTTP-or-HTTPS-Protocol-Health-Checking.html"
)
_HOST_HEADER = (
    "https://learn.microsoft.com/iis/configuration/system.applicationhost/sites/site/bindings/"
    "binding"
)
_REDIRECT = "https://learn.microsoft.com/iis/configuration/system.webserver/httpredirect/"


def _services(lab: Lab) -> Iterator[tuple[LoadBalancer, VirtualService, ObjectPath]]:
    for lb in lab.load_balancers.values():
        for vs in lb.virtual_services.values():
            yield lb, vs, ("load_balancers", lb.name, "virtual_services", vs.name)


def _server(entry: str) -> str:
    name, sep, port = entry.rpartition(":")
    return name if sep and port.isdigit() and name else entry


def _is_address(host: str | None) -> bool:
    if host is None:
        return True
    text = host.strip("[]")
    if text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _bound_host(lab: Lab, server: str, name: str, port: int) -> str | None:
    """Return the site on ``server`` with a binding for host name ``name`` on ``port``."""
    want = name.lower().rstrip(".")
    for site in server_sites(lab, server):
        for b in site.bindings:
            if b.port == port and b.host.strip().lower().rstrip(".") == want:
                return site.name
    return None


@rule(
    "HV501",
    title="Health check without a host name against host-header sites",
    severity="error",
    message=(
        "{lb}/{vs}: the check `{probe}` gets {status} from {servers}: every IIS site on "
        "port {port} there needs a host name, so the real servers are marked down"
    ),
    rationale=(
        "A site bound to a host name answers only requests whose Host header names it. An "
        "HTTP/1.0 check (the LoadMaster default: HEAD / HTTP/1.0 to the real server's "
        "address) carries no Host header, so IIS answers 400 and the load balancer takes "
        "every real server out of rotation: 'As soon as I added a host name to the IIS web "
        "site bindings I didn't even get any request from my client on that server "
        "anymore' (field notes)."
    ),
    fix=(
        "Make the check HTTP/1.1 with the host name of the real site as Host (in the lab: "
        "http_version '1.1' and host_header {suggest}), as the LoadMaster manual says: "
        "'using HTTP 1.1 allows you to check host header enabled web servers'."
    ),
    references=(_NOTE, _KEMP, _HOST_HEADER),
    example=(
        "health_check: {protocol: HTTP, http_version: '1.0'}   # sites bound to "
        "ntrip.surveyor.lab only"
    ),
)
def check_without_host(ctx: Context) -> Iterator[Hit]:
    """Fire for each virtual service whose host-less check fails on host-header sites."""
    ctx.require("load_balancers", "web_sites")
    lab = ctx.lab
    for lb, vs, path in _services(lab):
        failing: list[str] = []
        statuses: set[str] = set()
        probe_text = ""
        port = vs.port
        for rs in vs.real_servers:
            probe = probe_request(lab, lb, vs, rs)
            if probe is None or not _is_address(probe.host):
                continue
            outcome = check_outcome(lab, lb, vs, rs)
            if outcome.passes:
                continue
            server = _server(rs)
            named = any(
                b.host.strip() and b.port == probe.port
                for site in server_sites(lab, server)
                for b in site.bindings
            )
            if not named:
                continue
            failing.append(server)
            statuses.add(str(outcome.status) if outcome.status is not None else "no answer")
            probe_text, port = probe.request_line, probe.port
        if failing:
            suggest = next(iter(vs.host_names), "<site host name>")
            yield Hit(
                (*path, "health_check"),
                {
                    "lb": lb.name,
                    "vs": vs.name,
                    "probe": probe_text,
                    "status": "/".join(sorted(statuses)),
                    "servers": ", ".join(failing),
                    "port": port,
                    "suggest": suggest,
                },
            )


@rule(
    "HV502",
    title="A health check that passes on a redirect",
    severity="warning",
    message="{detail}",
    rationale=(
        "Accepted codes that include the 301/302 the checked URL answers with (the "
        "LoadMaster accepts 301, 302 and 401 by default) make the check pass whenever IIS "
        "answers at all: it proves nothing about the site clients use, which may be down "
        "or misconfigured (field notes: 'Remember that a 302 is considered NOT ok, so you "
        "had to enter the proper check URL and or / HTTP1.1 hostname')."
    ),
    fix=(
        "Check a URL and Host that answer 200 (the real site, not its redirect), or "
        "accept only 2xx."
    ),
    references=(_NOTE, _KEMP),
)
def check_passes_on_redirect(ctx: Context) -> Iterator[Hit]:
    """Fire for each virtual service with a real server whose check passes only on a 3xx."""
    ctx.require("load_balancers", "web_sites")
    lab = ctx.lab
    for lb, vs, path in _services(lab):
        found = redirect_passes(lab, lb, vs)
        if found:
            yield Hit(
                (*path, "health_check"),
                {"lb": lb.name, "vs": vs.name, "detail": "; ".join(f.message for f in found)},
            )


@rule(
    "HV503",
    title="Several host-header sites behind one VIP:port and one health check",
    severity="warning",
    message=(
        "{lb}/{vs} ({address}) serves {sites}; its one health check reaches {checked}, so "
        "{unchecked} can fail unnoticed"
    ),
    rationale=(
        "A virtual service has one health check, and a host-header check reaches one site. "
        "When two host names on the same VIP and port are different IIS sites, a broken "
        "second site (stopped, a bad binding, a looping redirect) leaves the real server in "
        "rotation and its users get errors. The field notes end on exactly this: 'The next "
        "thing I need to find out is how to health check two host names in the LoadMaster "
        "as I have two websites with the same IP address, port but different host names.'"
    ),
    fix=(
        "Check each site: one virtual service per host name (or per site) with its own "
        "HTTP/1.1 check and Host, or a check URL that exercises every site (a health page "
        "that tests them)."
    ),
    references=(_NOTE, _KEMP),
)
def one_check_many_sites(ctx: Context) -> Iterator[Hit]:
    """Fire for each virtual service whose host names reach more than one IIS site."""
    ctx.require("load_balancers", "web_sites")
    lab = ctx.lab
    for lb, vs, path in _services(lab):
        if len(vs.host_names) < 2 or not vs.real_servers:
            continue
        sites: dict[str, list[str]] = {}
        for rs in vs.real_servers:
            server = _server(rs)
            ip = server_address(lab, server)
            for name in vs.host_names:
                match = match_binding(
                    server_sites(lab, server), Request(host=name, ip=ip, port=vs.port)
                )
                if match is not None and name not in sites.setdefault(match.site.name, []):
                    sites[match.site.name].append(name)
        if len(sites) < 2:
            continue
        checked: set[str] = set()
        if vs.health_check.protocol in ("HTTP", "HTTPS"):
            for rs in vs.real_servers:
                outcome = check_outcome(lab, lb, vs, rs)
                if outcome.site:
                    checked.add(outcome.site)
        unchecked = [s for s in sites if s not in checked]
        if not unchecked:
            continue
        yield Hit(
            (*path, "host_names"),
            {
                "lb": lb.name,
                "vs": vs.name,
                "address": f"{vs.address}:{vs.port}",
                "sites": "; ".join(f"{', '.join(n)} → site {s}" for s, n in sites.items()),
                "checked": ("site " + ", ".join(sorted(checked))) if checked else "no site",
                "unchecked": ", ".join(f"site {s}" for s in unchecked),
            },
        )


@rule(
    "HV504",
    title="IIS redirect destination without http:// (a redirect loop)",
    severity="error",
    message="site {site} redirects to '{destination}', a path of the same site: {trace}",
    rationale=(
        "IIS treats an httpRedirect destination without a scheme as a path on the same "
        "site, so every answer sends the browser back to the site with the text appended "
        "again: http://www.surveyors.lab/www.bussines.lab/surveyors/services/www.bussines.lab/... "
        "Firefox reports a loop, Internet Explorer just fails (field notes: 'This works "
        "just fine as long as you don't forget the http:// in the redirect URL')."
    ),
    fix="Write the full URL: destination: 'http://{destination}'.",
    references=(_NOTE, _REDIRECT),
)
def redirect_without_scheme(ctx: Context) -> Iterator[Hit]:
    """Fire for each enabled httpRedirect whose destination has no scheme."""
    ctx.require("web_sites")
    lab = ctx.lab
    for site in lab.web_sites.values():
        redirect = site.redirect
        if redirect is None or not redirect.enabled:
            continue
        if destination_has_scheme(redirect.destination):
            continue
        trace = "the URL grows on every redirect"
        host = next((b.host for b in site.bindings if b.host.strip()), None)
        if host is None and site.servers:
            host = server_address(lab, site.servers[0])
        if host is not None:
            try:
                found = follow_redirects(lab, f"http://{host}/", respect_health=False, max_hops=3)
            except ValueError:
                found = None
            if found is not None and found.redirects:
                trace = " → ".join(found.urls[:3]) + " → ..."
        yield Hit(
            ("web_sites", site.name, "redirect", "destination"),
            {"site": site.name, "destination": redirect.destination, "trace": trace},
        )


@rule(
    "HV505",
    title="A host name of a virtual service is not bound on every real server",
    severity="error",
    message="{lb}/{vs}: {name} is bound on {bound} but not on {missing}",
    rationale=(
        "The load balancer sends a request for any of the service's host names to any real "
        "server in rotation; a server without a site bound to that name answers it with "
        "another site or 400, for a share of the users only. Field notes: 'Don't forget to "
        "do this on all real servers in the farm!'"
    ),
    fix="Deploy the site for {name} with the same binding on {missing}.",
    references=(_NOTE, _HOST_HEADER),
)
def host_name_not_everywhere(ctx: Context) -> Iterator[Hit]:
    """Fire for each host name of a virtual service bound on some real servers but not all."""
    ctx.require("load_balancers", "web_sites")
    lab = ctx.lab
    for lb, vs, path in _services(lab):
        servers = [_server(rs) for rs in vs.real_servers]
        if not servers:
            continue
        for name in vs.host_names:
            bound = [s for s in servers if _bound_host(lab, s, name, vs.port)]
            if bound:
                missing = [s for s in servers if s not in bound]
            else:  # bound nowhere: fine where a site without host name answers it
                missing = [
                    s
                    for s in servers
                    if match_binding(
                        server_sites(lab, s),
                        Request(host=name, ip=server_address(lab, s), port=vs.port),
                    )
                    is None
                ]
            if missing:
                yield Hit(
                    (*path, "host_names"),
                    {
                        "lb": lb.name,
                        "vs": vs.name,
                        "name": name,
                        "bound": ", ".join(bound) or "no real server",
                        "missing": ", ".join(missing),
                    },
                )
