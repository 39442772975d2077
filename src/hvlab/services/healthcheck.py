"""Load-balancer health checks against IIS real servers: pass or fail, and how fast.

Pure functions of the lab: :func:`check_outcome` builds the probe a load balancer sends
to one real server (:func:`probe_request`), asks :func:`hvlab.services.http.respond`
what the server's IIS sites answer, and compares the status with the accepted codes
(:func:`accepted_codes`). :func:`virtual_service_state` does it for every real server
of a virtual service and says which stay in rotation; with none the VIP is down.
:func:`time_to_mark_down` and :func:`time_to_mark_up` give the detection times the
simulator needs, per vendor.

Vendors (``LoadBalancer.vendor`` → product, :func:`product_of`)
---------------------------------------------------------------

KEMP / Progress LoadMaster (``Kemp``)
    Default check ``HEAD / HTTP/1.0`` with no ``Host`` (Kemp support, "Health
    Checking"; the 5.1 manual quoted in the field note). "If HTTP/1.1 is specified, you
    can also set the hostname as a header". Up statuses without configured codes:
    **200-299, 301, 302, 401**; configured codes (300-599) replace 301/302/401, and
    "2xx codes are always considered up" (Progress, "HTTP or HTTPS Protocol Health
    Checking"). Check Interval **9 s**, Connect Timeout **4 s**, Retry Count **2**
    (:func:`hvlab.defaults.health_check_defaults`); the interval is at least
    Retry Count x Connect Timeout + 1 s. Timing: "The LoadMaster will mark a Real
    Server as down after Timeout * Retry seconds if no response has been received"
    (LoadMaster CLI, "Health Check Command Level"), within one check cycle; "If any
    HTTP response is received ... no retries are attempted" and a wrong status means
    "it is assumed dead" at once.
HAProxy (``HAProxy``)
    ``option httpchk`` sends ``OPTIONS / HTTP/1.0`` by default; ``<host>`` "is not set
    by default" and "the Host field is mandatory in HTTP/1.1". "Responses 2xx and 3xx
    are considered valid"; ``http-check expect status <codes>`` replaces that set.
    ``inter`` 2000 ms (also the check's timeout without ``timeout check``), ``fall`` 3
    consecutive failures to go down, ``rise`` 2 successes to come back (HAProxy
    Configuration Manual, "option httpchk", "http-check expect", 5.2 "inter", "fall",
    "rise").
Windows NLB (``NLB``)
    No application check at all: a host stays in the cluster while its NLB driver sends
    heartbeats (``MembershipHeartbeatPeriod`` 1000 ms, ``MembershipHeartbeatLossTolerance``
    5, Windows unattend reference). IIS answering 400 keeps it in rotation; the field
    note's reason to leave WNLB ("it sure could use some ... service monitoring").
F5 and Generic (``Generic``)
    Not modelled vendor by vendor: hvlab uses HAProxy's published semantics and numbers
    as an assumption (2xx and 3xx up, 2 s interval, 3 down, 2 up) -- see
    :data:`ASSUMPTIONS`.

Every check field set in the lab (``interval``, ``timeout``, ``retries``,
``accepted_codes``, ``host_header``, ``port``) wins over a lab-wide ``timers:``
override of the vendor default, which wins over the vendor default.
"""

from __future__ import annotations

import difflib
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal

from hvlab.defaults import HealthCheckSettings
from hvlab.model.lab import Lab
from hvlab.model.services import HealthCheck, LoadBalancer, VirtualService, WebSite
from hvlab.services.http import Request, Response, respond
from hvlab.settings import setting, setting_ms

if TYPE_CHECKING:
    from hvlab.condition import Condition

__all__ = [
    "ASSUMPTIONS",
    "GENERIC_SETTINGS",
    "HAPROXY_ACCEPTED",
    "KEMP_ACCEPTED",
    "NLB_HEARTBEAT_LOSS_TOLERANCE",
    "NLB_HEARTBEAT_PERIOD_MS",
    "SOURCES",
    "AcceptedCodes",
    "CheckOutcome",
    "Product",
    "ServiceState",
    "Timing",
    "accepted_codes",
    "check_outcome",
    "effective_settings",
    "probe_request",
    "product_of",
    "server_address",
    "server_sites",
    "time_to_mark_down",
    "time_to_mark_up",
    "virtual_service_state",
]

Product = Literal["KEMP", "HAProxy", "NLB", "Generic"]
"""A health-check behaviour hvlab models."""

_PRODUCTS: Final[Mapping[str, Product]] = MappingProxyType(
    {
        "kemp": "KEMP",
        "loadmaster": "KEMP",
        "haproxy": "HAProxy",
        "nlb": "NLB",
        "wnlb": "NLB",
        "f5": "Generic",
        "generic": "Generic",
    }
)

KEMP_ACCEPTED: Final[frozenset[int]] = frozenset((*range(200, 300), 301, 302, 401))
"""LoadMaster statuses that mean up when no Status Codes are configured.

Source: Progress Kemp, "HTTP or HTTPS Protocol Health Checking" ("200-299, 301, 302,
401"); the same set in the 5.1 manual quoted by the field note.
"""

HAPROXY_ACCEPTED: Final[frozenset[int]] = frozenset(range(200, 400))
"""HAProxy ``option httpchk`` without ``http-check expect``: 2xx and 3xx are valid."""

NLB_HEARTBEAT_PERIOD_MS: Final = 1000
"""Windows NLB ``MembershipHeartbeatPeriod`` default (ms)."""

NLB_HEARTBEAT_LOSS_TOLERANCE: Final = 5
"""Windows NLB ``MembershipHeartbeatLossTolerance`` default (heartbeats)."""

GENERIC_SETTINGS: Final = HealthCheckSettings(interval_ms=2000, timeout_ms=2000, fall=3, rise=2)
"""Timers hvlab assumes for F5 and Generic load balancers: HAProxy's defaults."""

SOURCES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "kemp-http": (
            "Progress Kemp LoadMaster, 'HTTP or HTTPS Protocol Health Checking', "
            "https://docs.progress.com/bundle/loadmaster-configuration-guide-web-user-"
            "interface-wui-ga/page/HTTP-or-HTTPS-Protocol-Health-Checking.html"
        ),
        "kemp-request": (
            "Kemp support, 'Health Checking' (default 'HEAD / HTTP/1.0'; 'If HTTP/1.1 is "
            "specified, you can also set the hostname'), https://support.kemptechnologies"
            ".com/hc/en-us/articles/202214518-Health-Checking"
        ),
        "kemp-timers": (
            "Progress Kemp LoadMaster, 'Service (Health) Check Parameters' (Check Interval "
            "9 s, mininterval = Retry Count x Connect Timeout + 1; no retry once any HTTP "
            "response is received), https://docs.progress.com/bundle/loadmaster-"
            "configuration-guide-web-user-interface-wui-ltsf/page/Service-Health-Check-"
            "Parameters.html; 'Set Retry Interval' (Timeout 4, RetryCount 2)"
        ),
        "kemp-cli": (
            "Progress Kemp LoadMaster CLI, 'Health Check Command Level' ('mark a Real "
            "Server as down after Timeout * Retry seconds if no response has been "
            "received'), https://docs.progress.com/bundle/loadmaster-interface-"
            "description-loadmaster-cli-ltsf/page/Health-Check-Command-Level.html"
        ),
        "haproxy": (
            "HAProxy Configuration Manual (3.x), 'option httpchk', 'http-check expect', "
            "section 5.2 'inter', 'fall', 'rise', https://docs.haproxy.org/"
        ),
        "nlb": (
            "Microsoft, Windows unattend reference, Microsoft-Windows-NetworkLoadBalancing-"
            "Core 'MembershipHeartbeatPeriod' (1000 ms) and "
            "'MembershipHeartbeatLossTolerance' (5), https://learn.microsoft.com/"
            "windows-hardware/customize/desktop/unattend/"
        ),
        "field-note": (
            "Field note 'Using Host Names in IIS in Combination with a KEMP LoadMaster' "
            "(shared/seed/000_729fe63a61848f19.txt)"
        ),
    }
)
"""Where each behaviour of this module comes from (key → title and address)."""

ASSUMPTIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "kemp-http11-host": (
            "A LoadMaster HTTP/1.1 check with no 'HTTP/1.1 Host' set sends the virtual "
            "service's address as Host (an address never matches a host-name binding). "
            "Kemp documents the field as optional, not what is sent without it; set "
            "host_header to be sure."
        ),
        "kemp-retries": "A Retry Count below 1 is treated as 1 attempt per check cycle.",
        "generic": (
            "F5 and Generic load balancers use HAProxy's published check semantics and "
            "defaults: 2xx and 3xx up, 2 s interval and timeout, 3 failures down, "
            "2 successes up."
        ),
        "nlb-rejoin": (
            "A Windows NLB host that comes back is in rotation within one heartbeat "
            "period; the convergence that follows is not modelled."
        ),
        "vm-state": "A VM whose state is not Running answers nothing (no TCP connection).",
    }
)
"""What this module assumes where no vendor publishes the behaviour (key → statement)."""


# --- Results ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AcceptedCodes:
    """The statuses a check counts as up, with where the set comes from."""

    codes: frozenset[int]
    description: str
    configured: bool

    def __contains__(self, status: object) -> bool:
        return status in self.codes


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """The result of one health check of one real server.

    Attributes
    ----------
    real_server : str
        The entry of ``VirtualService.real_servers`` (``WEB1:80``).
    server : str
        The VM or host it names (``WEB1``).
    status : int or None
        The HTTP status the probe got; ``None`` for no HTTP answer (refused, timed out,
        server down) and for checks that are not HTTP.
    passes : bool
        Whether the load balancer counts this check as a success.
    reason : str
        Why, in the vocabulary of the load balancer and IIS.
    site : str or None
        The IIS site that answered.
    location : str or None
        The ``Location`` of a redirect answer.
    probe : str
        The request sent (``HEAD / HTTP/1.0 (no Host)``), empty for non-HTTP checks.
    product : Product
        The behaviour modelled.
    via_redirect : bool
        The check passes only because a redirect status is accepted: it proves that IIS
        answers, not that the site the check is meant for serves anything.
    """

    real_server: str
    server: str
    status: int | None
    passes: bool
    reason: str
    site: str | None = None
    location: str | None = None
    probe: str = ""
    product: Product = "Generic"
    via_redirect: bool = False


@dataclass(frozen=True, slots=True)
class ServiceState:
    """Which real servers of a virtual service are in rotation.

    Attributes
    ----------
    load_balancer, virtual_service : str
        Names.
    address : str
        ``VIP:port``.
    in_rotation, out_of_rotation : tuple of str
        Real-server entries, in the virtual service's order.
    up : bool
        ``False`` when no real server is in rotation: the VIP forwards nothing.
    outcomes : tuple of CheckOutcome
        One per real server, in the virtual service's order.
    reason : str
        One line for people.
    """

    load_balancer: str
    virtual_service: str
    address: str
    in_rotation: tuple[str, ...]
    out_of_rotation: tuple[str, ...]
    up: bool
    outcomes: tuple[CheckOutcome, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class Timing:
    """How long a state change takes to be noticed, measured from the change itself.

    ``min_ms``/``max_ms`` are ``None`` when it never happens (an NLB host is never taken
    out for a bad HTTP status).
    """

    min_ms: int | None
    max_ms: int | None
    formula: str
    source: str
    assumptions: tuple[str, ...] = ()


# --- Look-ups -----------------------------------------------------------------------------
def product_of(vendor: LoadBalancer | str) -> Product:
    """Return the health-check behaviour of a load balancer or vendor name.

    ``Kemp``/``KEMP`` → ``KEMP``; ``HAProxy``; ``NLB``; ``F5`` and ``Generic`` →
    ``Generic`` (an assumption, see the module docstring).

    Raises
    ------
    ValueError
        For a vendor hvlab does not know.
    """
    name = vendor.vendor if isinstance(vendor, LoadBalancer) else vendor
    try:
        return _PRODUCTS[name.strip().lower()]
    except KeyError:
        raise ValueError(
            f"unknown load balancer vendor {name!r}; known: Kemp, HAProxy, NLB, F5, Generic"
        ) from None


def effective_settings(
    check: HealthCheck, product: str, *, lab: Lab | None = None
) -> HealthCheckSettings:
    """Return the timers a check runs with: its own fields, else the lab's, else the vendor's.

    For KEMP, ``fall`` is the Retry Count (attempts in one check cycle) and the interval
    is raised to Retry Count x Connect Timeout + 1 s when shorter, as the LoadMaster
    does. For NLB the numbers are the heartbeat period and loss tolerance.
    """
    prod = product_of(product)
    if prod == "KEMP":
        interval = check.interval or setting_ms(lab, "healthcheck.kemp.CheckInterval")
        timeout = check.timeout or setting_ms(lab, "healthcheck.kemp.ConnectTimeout")
        retries = check.retries
        if retries is None:
            retries = int(setting(lab, "healthcheck.kemp.RetryCount"))
        retries = max(retries, 1)
        interval = max(interval, retries * timeout + 1000)
        rise = int(setting(lab, "healthcheck.kemp.rise"))
        return HealthCheckSettings(
            interval_ms=interval, timeout_ms=timeout, fall=retries, rise=rise
        )
    if prod == "HAProxy":
        inter = check.interval or setting_ms(lab, "healthcheck.haproxy.inter")
        fall = check.retries
        if fall is None:
            fall = int(setting(lab, "healthcheck.haproxy.fall"))
        return HealthCheckSettings(
            interval_ms=inter,
            timeout_ms=check.timeout or inter,
            fall=max(fall, 1),
            rise=int(setting(lab, "healthcheck.haproxy.rise")),
        )
    if prod == "NLB":
        return HealthCheckSettings(
            interval_ms=NLB_HEARTBEAT_PERIOD_MS,
            timeout_ms=NLB_HEARTBEAT_PERIOD_MS,
            fall=NLB_HEARTBEAT_LOSS_TOLERANCE,
            rise=1,
        )
    base = GENERIC_SETTINGS
    interval = check.interval or base.interval_ms
    return HealthCheckSettings(
        interval_ms=interval,
        timeout_ms=check.timeout or interval,
        fall=max(check.retries if check.retries is not None else base.fall, 1),
        rise=base.rise,
    )


def accepted_codes(check: HealthCheck, product: str) -> AcceptedCodes:
    """Return the HTTP statuses ``check`` counts as up on ``product``.

    KEMP: without ``accepted_codes`` 200-299, 301, 302, 401; with them 200-299 plus the
    configured codes (they replace 301/302/401). HAProxy: 2xx and 3xx, or exactly the
    configured codes (``http-check expect status``). Generic: as HAProxy (assumption).
    NLB does not check HTTP: the set is empty.
    """
    prod = product_of(product)
    configured = check.accepted_codes
    if prod == "NLB":
        return AcceptedCodes(frozenset(), "no HTTP check (Windows NLB)", False)
    if prod == "KEMP":
        if configured is None:
            return AcceptedCodes(
                KEMP_ACCEPTED, "200-299, 301, 302, 401 (LoadMaster default)", False
            )
        codes = frozenset(range(200, 300)) | frozenset(configured)
        extra = ", ".join(str(c) for c in sorted(set(configured)) if not 200 <= c < 300)
        return AcceptedCodes(
            codes, "200-299" + (f", {extra}" if extra else "") + " (configured)", True
        )
    if configured is None:
        label = "HAProxy default" if prod == "HAProxy" else "assumed, as HAProxy"
        return AcceptedCodes(HAPROXY_ACCEPTED, f"200-399 ({label})", False)
    return AcceptedCodes(
        frozenset(configured),
        ", ".join(str(c) for c in sorted(set(configured))) + " (configured)",
        True,
    )


class _Index:
    """Sites and addresses by server name (case-insensitive), built once per lab."""

    def __init__(self, lab: Lab) -> None:
        sites: dict[str, list[WebSite]] = {}
        for site in lab.web_sites.values():
            for server in site.servers:
                sites.setdefault(server.casefold(), []).append(site)
        self.sites: dict[str, tuple[WebSite, ...]] = {k: tuple(v) for k, v in sites.items()}
        self.names: dict[str, str] = {}
        for name in (*lab.hosts, *lab.vms):
            self.names.setdefault(name.casefold(), name)
        # Virtual services by DNS name and by VIP address, in (load balancer, service)
        # name order, and servers by address (for following URLs through the lab).
        self.services_by_host: dict[str, list[tuple[LoadBalancer, VirtualService]]] = {}
        for lb_name in sorted(lab.load_balancers):
            lb = lab.load_balancers[lb_name]
            for vs_name in sorted(lb.virtual_services):
                vs = lb.virtual_services[vs_name]
                keys = {h.casefold().rstrip(".") for h in vs.host_names} | {vs.address.casefold()}
                for key in sorted(keys):
                    self.services_by_host.setdefault(key, []).append((lb, vs))
        self.servers_by_address: dict[str, str] = {}
        for name in (*lab.vms, *lab.hosts):
            address = server_address(lab, name, _names=self.names)
            if address is not None:
                self.servers_by_address.setdefault(address.casefold(), name)


_INDEXES: dict[int, tuple[weakref.ref[Lab], _Index]] = {}


def _forget(key: int) -> Callable[[weakref.ref[Lab]], None]:
    def drop(_ref: weakref.ref[Lab]) -> None:
        _INDEXES.pop(key, None)

    return drop


def _index(lab: Lab) -> _Index:
    # Labs are immutable: the index of one is built once and dropped with the lab.
    key = id(lab)
    entry = _INDEXES.get(key)
    if entry is not None and entry[0]() is lab:
        return entry[1]
    index = _Index(lab)
    _INDEXES[key] = (weakref.ref(lab, _forget(key)), index)
    return index


def server_sites(lab: Lab, server: str) -> tuple[WebSite, ...]:
    """Return the IIS sites of ``lab`` deployed on ``server`` (a VM or host name)."""
    return _index(lab).sites.get(server.casefold(), ())


def server_address(lab: Lab, server: str, *, _names: Mapping[str, str] | None = None) -> str | None:
    """Return the address a load balancer reaches ``server`` on: its first IP in the lab.

    A VM's first network adapter with an ``ip``; a host's first NIC, then host vNIC, with
    one. ``None`` when the lab gives none.
    """
    names = _names if _names is not None else _index(lab).names
    name = names.get(server.casefold(), server)
    vm = lab.vms.get(name)
    if vm is not None:
        return next((n.ip for n in vm.nics if n.ip), None)
    host = lab.hosts.get(name)
    if host is not None:
        for nic in host.nics.values():
            if nic.ip:
                return nic.ip
        for vnic in host.vnics.values():
            if vnic.ip:
                return vnic.ip
    return None


def _split_real_server(entry: str) -> tuple[str, int | None]:
    name, sep, port = entry.rpartition(":")
    if sep and port.isdigit() and name and ":" not in name:
        return name, int(port)
    return entry, None


def _find(
    lab: Lab, load_balancer: LoadBalancer | str, virtual_service: VirtualService | str
) -> tuple[LoadBalancer, VirtualService]:
    if isinstance(load_balancer, str):
        try:
            lb = lab.load_balancers[load_balancer]
        except KeyError:
            close = difflib.get_close_matches(load_balancer, lab.load_balancers, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"no load balancer named {load_balancer!r}{hint}") from None
    else:
        lb = load_balancer
    if isinstance(virtual_service, str):
        try:
            vs = lb.virtual_services[virtual_service]
        except KeyError:
            close = difflib.get_close_matches(virtual_service, lb.virtual_services, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(
                f"load balancer {lb.name} has no virtual service {virtual_service!r}{hint}"
            ) from None
    else:
        vs = virtual_service
    return lb, vs


def probe_request(
    lab: Lab,
    load_balancer: LoadBalancer | str,
    virtual_service: VirtualService | str,
    real_server: str,
) -> Request | None:
    """Return the HTTP request the load balancer sends to ``real_server``, or ``None``.

    ``None`` for TCP and ICMP checks and for Windows NLB (no HTTP probe). The request
    goes to the real server's address (:func:`server_address`) on the check's ``port``,
    else the real server entry's port, else the virtual service's port. ``Host`` is the
    check's ``host_header``; without one an HTTP/1.0 probe has no ``Host``, a KEMP
    HTTP/1.1 probe sends the virtual service's address (assumption ``kemp-http11-host``)
    and an HAProxy or Generic HTTP/1.1 probe has none (HAProxy: "not set by default").
    """
    lb, vs = _find(lab, load_balancer, virtual_service)
    check = vs.health_check
    prod = product_of(lb)
    if prod == "NLB" or check.protocol not in ("HTTP", "HTTPS"):
        return None
    name, rs_port = _split_real_server(real_server)
    # Unset method/version mean the vendor's default probe: KEMP sends HEAD / HTTP/1.0,
    # HAProxy's httpchk OPTIONS / HTTP/1.0 (see SOURCES).
    version = check.http_version or "1.0"
    method = check.method or ("OPTIONS" if prod == "HAProxy" else "HEAD")
    host = check.host_header
    if host is None and version == "1.1" and prod == "KEMP":
        host = vs.address
    path = check.url if check.url.startswith("/") else "/" + check.url
    return Request(
        method=method,
        path=path,
        http_version=version,
        host=host,
        ip=server_address(lab, name),
        port=check.port or rs_port or vs.port,
        scheme="https" if check.protocol == "HTTPS" else "http",
    )


def _not_running_reason(
    lab: Lab, server: str, down: bool, condition: Condition | None
) -> str | None:
    # The reason the server answers nothing, or None when it runs.
    if down:
        return f"{server} is down"
    name = _index(lab).names.get(server.casefold(), server)
    vm = lab.vms.get(name)
    if vm is not None and vm.state != "Running":
        return f"VM {name} is {vm.state}"
    if condition is not None:
        if condition.is_down(f"vm:{name}"):
            return f"vm:{name} is failed"
        host = vm.host if vm is not None else (name if name in lab.hosts else None)
        if host is not None and not condition.host_is_up(lab, host):
            return f"its host {host} is down"
    return None


def check_outcome(
    lab: Lab,
    load_balancer: LoadBalancer | str,
    virtual_service: VirtualService | str,
    real_server: str,
    *,
    down_servers: Iterable[str] = (),
    condition: Condition | None = None,
) -> CheckOutcome:
    """Return whether the load balancer's health check of ``real_server`` passes.

    Parameters
    ----------
    lab : Lab
        The lab.
    load_balancer, virtual_service : LoadBalancer or str, VirtualService or str
        The objects or their names.
    real_server : str
        An entry of ``virtual_service.real_servers`` (``WEB1:80`` or ``WEB1``).
    down_servers : iterable of str, optional
        VMs or hosts that are down (they answer nothing).
    condition : Condition, optional
        Failed elements: a failed ``vm:`` or ``node:`` (the VM's host) is down too.

    Returns
    -------
    CheckOutcome
        The status, pass/fail and the reason. An HTTP check passes when the status is in
        :func:`accepted_codes`; a redirect that passes is flagged ``via_redirect``.
    """
    lb, vs = _find(lab, load_balancer, virtual_service)
    check = vs.health_check
    prod = product_of(lb)
    name, rs_port = _split_real_server(real_server)
    down_set = {d.casefold() for d in down_servers}
    is_down = name.casefold() in down_set or real_server.casefold() in down_set
    dead = _not_running_reason(lab, name, is_down, condition)
    sites = server_sites(lab, name)
    if prod == "NLB":
        if dead is not None:
            return CheckOutcome(
                real_server,
                name,
                None,
                False,
                f"{dead}: it stops sending NLB heartbeats and leaves the cluster",
                product=prod,
            )
        return CheckOutcome(
            real_server,
            name,
            None,
            True,
            "Windows NLB does not check applications: the host stays in rotation while it "
            "sends heartbeats, whatever IIS answers",
            product=prod,
        )
    port = check.port or rs_port or vs.port
    if dead is not None:
        return CheckOutcome(
            real_server,
            name,
            None,
            False,
            f"{dead}: no answer within the check's timeout",
            product=prod,
        )
    if check.protocol == "ICMP":
        return CheckOutcome(
            real_server,
            name,
            None,
            True,
            f"ICMP: {name} answers ping (IIS is not checked)",
            product=prod,
        )
    if check.protocol == "TCP":
        listening = any(b.port == port for s in sites for b in s.bindings)
        reason = (
            f"TCP connect to port {port} succeeds (an IIS binding listens there)"
            if listening
            else f"TCP connect to port {port} is refused: no IIS binding on that port"
        )
        return CheckOutcome(real_server, name, None, listening, reason, product=prod)
    request = probe_request(lab, lb, vs, real_server)
    assert request is not None  # HTTP or HTTPS on KEMP, HAProxy or Generic
    response: Response = respond(sites, request)
    accepted = accepted_codes(check, prod)
    probe = request.request_line
    target = f"{name} ({request.ip or 'address unknown'}:{request.port})"
    if response.status is None:
        return CheckOutcome(
            real_server,
            name,
            None,
            False,
            f"{probe} to {target}: {response.reason}",
            probe=probe,
            product=prod,
        )
    passes = response.status in accepted
    via_redirect = passes and response.is_redirect
    verdict = "up" if passes else "down"
    reason = (
        f"{probe} to {target} gets {response.status}: {response.reason}; "
        f"{response.status} is {'in' if passes else 'not in'} the accepted codes "
        f"{accepted.description}, so the real server is {verdict}"
    )
    if via_redirect:
        reason += (
            f" -- but only because a redirect is accepted: the check sees "
            f"{response.site}'s redirect to {response.location}, not a page"
        )
    return CheckOutcome(
        real_server,
        name,
        response.status,
        passes,
        reason,
        site=response.site,
        location=response.location,
        probe=probe,
        product=prod,
        via_redirect=via_redirect,
    )


def virtual_service_state(
    lab: Lab,
    load_balancer: LoadBalancer | str,
    virtual_service: VirtualService | str,
    down_servers: Iterable[str] = (),
    *,
    condition: Condition | None = None,
) -> ServiceState:
    """Return which real servers of a virtual service are in rotation.

    A real server is in rotation when its health check passes (:func:`check_outcome`);
    with none in rotation the VIP is down. This is the steady state: how long the
    change takes is :func:`time_to_mark_down` / :func:`time_to_mark_up`.
    """
    lb, vs = _find(lab, load_balancer, virtual_service)
    down = tuple(down_servers)
    outcomes = tuple(
        check_outcome(lab, lb, vs, rs, down_servers=down, condition=condition)
        for rs in vs.real_servers
    )
    inside = tuple(o.real_server for o in outcomes if o.passes)
    outside = tuple(o.real_server for o in outcomes if not o.passes)
    address = f"{vs.address}:{vs.port}"
    if not vs.real_servers:
        reason = f"{vs.name} ({address}) has no real servers: the VIP is down"
    elif inside:
        reason = f"{vs.name} ({address}) is up: {', '.join(inside)} in rotation"
        if outside:
            reason += f"; {', '.join(outside)} out"
    else:
        reason = (
            f"{vs.name} ({address}) is down: every real server fails its health check "
            f"({', '.join(outside)})"
        )
    return ServiceState(lb.name, vs.name, address, inside, outside, bool(inside), outcomes, reason)


# --- Timing -------------------------------------------------------------------------------
def time_to_mark_down(
    check: HealthCheck,
    product: str,
    *,
    failure: Literal["no_response", "bad_status"] = "no_response",
    lab: Lab | None = None,
) -> Timing:
    """Return how long after a real server breaks the load balancer takes it out.

    Parameters
    ----------
    check : HealthCheck
        The virtual service's check (its timers override the vendor's).
    product : str
        Vendor or product (``Kemp``, ``HAProxy``, ``NLB``, ``F5``, ``Generic``).
    failure : {'no_response', 'bad_status'}, optional
        ``no_response``: the server or IIS stops answering (the check times out).
        ``bad_status``: IIS answers with a status that is not accepted (a 400).
    lab : Lab, optional
        For ``timers:`` overrides of the vendor defaults.

    Returns
    -------
    Timing
        KEMP, no response: between Retry Count x Connect Timeout (the break just before a
        check cycle) and Check Interval + Retry Count x Connect Timeout (just after one):
        8-17 s by default. KEMP, bad status: at the next check, 0-9 s (no retry once an
        HTTP answer is received). HAProxy/Generic: ``fall`` consecutive failed checks,
        (fall-1) x inter + timeout to fall x inter + timeout (4-8 s by default; without
        the timeout for a bad status). NLB: 4-5 s of missed heartbeats for a dead host;
        never for a bad status.
    """
    prod = product_of(product)
    s = effective_settings(check, prod, lab=lab)
    if prod == "NLB":
        if failure == "bad_status":
            return Timing(
                None, None, "never: Windows NLB does not check applications", SOURCES["nlb"]
            )
        return Timing(
            (s.fall - 1) * s.interval_ms,
            s.fall * s.interval_ms,
            f"MembershipHeartbeatLossTolerance {s.fall} x MembershipHeartbeatPeriod "
            f"{s.interval_ms} ms of missed heartbeats",
            SOURCES["nlb"],
        )
    if prod == "KEMP":
        cycle = s.fall * s.timeout_ms
        if failure == "bad_status":
            return Timing(
                0,
                s.interval_ms,
                f"the next check (Check Interval {s.interval_ms // 1000} s): a status not "
                f"accepted marks the server down at once, no retries",
                f"{SOURCES['kemp-timers']}; {SOURCES['kemp-http']}",
            )
        return Timing(
            cycle,
            s.interval_ms + cycle,
            f"Retry Count {s.fall} x Connect Timeout {s.timeout_ms // 1000} s = "
            f"{cycle // 1000} s of unanswered attempts in one cycle, plus up to one Check "
            f"Interval ({s.interval_ms // 1000} s) until the cycle starts",
            f"{SOURCES['kemp-cli']}; {SOURCES['kemp-timers']}",
            ("kemp-retries",) if check.retries is not None and check.retries < 1 else (),
        )
    timeout = s.timeout_ms if failure == "no_response" else 0
    source = SOURCES["haproxy"]
    assumed = ("generic",) if prod == "Generic" else ()
    return Timing(
        (s.fall - 1) * s.interval_ms + timeout,
        s.fall * s.interval_ms + timeout,
        f"fall {s.fall} consecutive failed checks every inter {s.interval_ms} ms"
        + (f", the last one timing out after {timeout} ms" if timeout else ""),
        source,
        assumed,
    )


def time_to_mark_up(check: HealthCheck, product: str, *, lab: Lab | None = None) -> Timing:
    """Return how long after a real server recovers the load balancer puts it back.

    KEMP: the first successful check brings it back (``healthcheck.kemp.rise`` = 1, an
    assumption): 0 to one Check Interval (9 s). HAProxy/Generic: ``rise`` consecutive
    successes, (rise-1) x inter to rise x inter (2-4 s by default). NLB: within one
    heartbeat period (assumption ``nlb-rejoin``).
    """
    prod = product_of(product)
    s = effective_settings(check, prod, lab=lab)
    if prod == "NLB":
        return Timing(
            0,
            s.interval_ms,
            f"the returning host's first heartbeat (MembershipHeartbeatPeriod {s.interval_ms} ms)",
            SOURCES["nlb"],
            ("nlb-rejoin",),
        )
    name = "Check Interval" if prod == "KEMP" else "inter"
    source = SOURCES["kemp-timers"] if prod == "KEMP" else SOURCES["haproxy"]
    assumed: tuple[str, ...] = ("healthcheck.kemp.rise",) if prod == "KEMP" else ()
    if prod == "Generic":
        assumed = ("generic",)
    return Timing(
        (s.rise - 1) * s.interval_ms,
        s.rise * s.interval_ms,
        f"rise {s.rise} consecutive successful checks every {name} {s.interval_ms} ms",
        source,
        assumed,
    )
