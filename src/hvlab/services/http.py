"""Which IIS site on a server answers an HTTP request, and what it answers.

A pure model of HTTP.sys plus IIS for the requests a load balancer's health check or a
browser sends: :func:`respond` takes the sites deployed on one server and one
:class:`Request` and returns a :class:`Response` (status, ``Location``, the site that
answered, and the rule that decided, in words). Nothing here knows about time, files or
the load balancer.

The rules, in the order they are applied
----------------------------------------

``no-listener`` -- connection refused (``status`` is ``None``)
    HTTP.sys only accepts connections on a port some site is bound to (for the request's
    scheme). A request to any other port gets no HTTP answer at all.
``bad-host`` -- **400**
    A ``Host`` value that is not a host name or address (for example one containing
    ``/``) is rejected by HTTP.sys. Source: Microsoft IIS support blog, "HTTP 400 Bad
    Request when client sends invalid HTTP:Host header value" (``Host:
    https://ip_address/vdir`` gets "Bad Request - Invalid Hostname").
``missing-host`` -- **400**
    "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1 request
    message that lacks a Host header field" (RFC 9112 §3.2; RFC 7230 §5.4 and RFC 2616
    §14.23 said the same). An HTTP/1.0 request may omit ``Host``.
``url-too-long`` -- **404** (IIS sub-status 404.14 "URL Too Long")
    IIS request filtering rejects a URL longer than ``maxUrl``, 4096 bytes by default
    (``system.webServer/security/requestFiltering/requestLimits``). This is where a
    growing redirect chain would end if a browser followed it long enough.
Binding selection -- which site
    IIS registers each site binding ``IP:port:host`` with HTTP.sys (UrlPrefix strings,
    learn.microsoft.com/windows/win32/http/urlprefix-strings), whose host-specifier
    categories are matched in precedence order: an **explicit** host name matches the
    request's ``Host`` header; an **IP-bound weak wildcard** (a binding with an IP address
    and an empty host name) matches any host name on that IP that nothing more specific
    matched; a **weak wildcard** (``*`` = "All Unassigned", empty host name) matches
    whatever is left. hvlab therefore tries, among the bindings on the request's scheme
    and port whose IP is ``*`` or the request's destination address:

    1. ``host-binding``: a binding whose host name equals the request's host
       (case-insensitive, port stripped); one on the request's IP before one on ``*``;
    2. ``wildcard-binding``: an IIS 10 wildcard host name ``*.example.com``, which matches
       any sub-domain of ``example.com`` (not ``example.com`` itself); the longest suffix
       first (Microsoft Learn, "IIS 10.0 Wildcard Host Header Support");
    3. ``ip-binding``: an empty host name on the request's IP address;
    4. ``any-binding``: an empty host name on ``*``.

    A request without ``Host`` (HTTP/1.0) has no host name to match, so only steps 3 and
    4 can find a site: this is why the KEMP LoadMaster's default check (HTTP/1.0
    ``HEAD /`` to the real server's address) cannot see a site bound only to host names
    (field note "Using Host Names in IIS in Combination with a KEMP LoadMaster").
``invalid-hostname`` -- **400** "Bad Request - Invalid Hostname"
    No binding matches: HTTP.sys answers itself (the request never reaches IIS; the
    ``httperr`` log reason is ``Hostname``). Source: Microsoft IIS support blog (above):
    "Beginning in IIS 6.0, 'Bad Request' errors are almost always returned by HTTP.sys".
    Some third-party guides say 404 here; hvlab follows Microsoft.
``redirect`` -- **301 / 302 / 307 / 308** with ``Location``
    The matched site has an enabled ``<httpRedirect>``. ``httpResponseStatus`` ``Permanent``
    is 301, ``Found`` (the default) 302, ``Temporary`` 307 and ``PermRedirect`` 308
    (IIS 10 and later). The ``Location`` is built by :func:`redirect_location`.
``served`` -- **200**
    Any other request the site gets: hvlab does not model a site's content, so every
    path and method is assumed to exist and succeed (see :data:`ASSUMPTIONS`).

Building ``Location`` (:func:`redirect_location`)
-------------------------------------------------
From the IIS configuration reference (``system.webServer/httpRedirect``) and the
IIS Manager help ("HTTP Redirect Page", Windows Server 2008 R2):

* ``exactDestination="true"``: the destination exactly as written.
* otherwise the destination is the base and the rest of the request path (below the
  site root, where hvlab's ``redirect`` is configured) is appended: destination
  ``https://www.contoso.com/sales`` and request ``.../default.aspx`` give
  ``https://www.contoso.com/sales/default.aspx``. One ``/`` separates the two; a request
  for the root itself adds nothing.
* ``childOnly="true"`` ("Only redirect requests to content in this directory (not
  subdirectories)"): a request for a file directly in the site root is redirected to the
  destination plus that file name (``http://marketing.contoso.com/`` +
  ``default.htm``); a request below a sub-directory is not redirected and is served.
* A destination with no scheme (``www.bussines.lab/surveyors/services`` -- the
  ``http://`` forgotten) is not a URL of another server: IIS takes it as a virtual path
  of the same site. hvlab sends it as the absolute path ``/www.bussines.lab/...``;
  the browser resolves that against the current URL (RFC 9110 §10.2.2, RFC 3986 §5)
  and asks the same site again, whose redirect appends the path again. The URL grows
  by one copy of the destination per hop:
  ``http://www.surveyors.lab/www.bussines.lab/surveyors/services/www.bussines.lab/...``,
  exactly the URL of the field note, until the browser gives up (see
  :mod:`hvlab.services.redirect`). That IIS roots a scheme-less destination at the site
  (rather than the browser resolving it against the current *directory*) is inferred
  from that URL: RFC 3986 resolution of a relative reference would double the path on
  each hop and reach request filtering's 4096-byte limit (404.14) after 7 hops, before
  Firefox's loop message -- not what the field note saw.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal
from urllib.parse import urlsplit

from hvlab.model.services import Binding, HttpRedirect, WebSite

__all__ = [
    "ASSUMPTIONS",
    "DEFAULT_PORTS",
    "MAX_URL_BYTES",
    "REDIRECT_STATUS",
    "SOURCES",
    "BindingMatch",
    "Request",
    "Response",
    "Rule",
    "destination_has_scheme",
    "match_binding",
    "normalize_host",
    "redirect_location",
    "respond",
]

Rule = Literal[
    "no-listener",
    "bad-host",
    "missing-host",
    "url-too-long",
    "invalid-hostname",
    "redirect",
    "served",
]
"""The rule of :func:`respond` that decided a response (see the module docstring)."""

REDIRECT_STATUS: Final[Mapping[str, int]] = MappingProxyType(
    {"Permanent": 301, "Found": 302, "Temporary": 307, "PermRedirect": 308}
)
"""IIS ``httpRedirect/@httpResponseStatus`` to the HTTP status it sends.

Source: IIS configuration reference, "HTTP Redirects <httpRedirect>" (``Found`` 302 is
the default; ``PermRedirect`` 308 was added in IIS 10.0).
"""

MAX_URL_BYTES: Final = 4096
"""IIS request filtering ``requestLimits/@maxUrl`` default: longer URLs get 404.14.

Source: IIS configuration reference, "Request Limits <requestLimits>".
"""

DEFAULT_PORTS: Final[Mapping[str, int]] = MappingProxyType({"http": 80, "https": 443})
"""The port a URL without one means (RFC 9110 §4.2.1 and §4.2.2)."""

SOURCES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "rfc9112-host": (
            "RFC 9112 §3.2 (HTTP/1.1): 'A server MUST respond with a 400 (Bad Request) "
            "status code to any HTTP/1.1 request message that lacks a Host header field', "
            "https://www.rfc-editor.org/rfc/rfc9112#section-3.2"
        ),
        "httpsys-urlprefix": (
            "Microsoft Learn, 'UrlPrefix Strings' (HTTP Server API host-specifier "
            "categories: strong wildcard, explicit, IP-bound weak wildcard, weak wildcard), "
            "https://learn.microsoft.com/windows/win32/http/urlprefix-strings"
        ),
        "iis-bindings": (
            "IIS configuration reference, 'Bindings <bindings>' (bindingInformation "
            "IP:port:host), https://learn.microsoft.com/iis/configuration/"
            "system.applicationhost/sites/site/bindings/"
        ),
        "iis-wildcard-host": (
            "Microsoft Learn, 'IIS 10.0 Wildcard Host Header Support', "
            "https://learn.microsoft.com/iis/get-started/whats-new-in-iis-10/"
            "wildcard-host-header-support"
        ),
        "httpsys-400": (
            "Microsoft IIS support blog, 'HTTP 400 Bad Request when client sends invalid "
            "HTTP:Host header value' (2019), https://techcommunity.microsoft.com/t5/"
            "iis-support-blog/http-400-bad-request-when-client-sends-invalid-http-host-"
            "header/ba-p/347509"
        ),
        "iis-httpredirect": (
            "IIS configuration reference, 'HTTP Redirects <httpRedirect>', "
            "https://learn.microsoft.com/iis/configuration/system.webserver/httpredirect/; "
            "IIS Manager help 'HTTP Redirect Page' (Windows Server 2008 R2), "
            "https://learn.microsoft.com/previous-versions/windows/it-pro/"
            "windows-server-2008-r2-and-2008/cc755042(v=ws.11)"
        ),
        "iis-requestlimits": (
            "IIS configuration reference, 'Request Limits <requestLimits>' (maxUrl 4096, "
            "404.14 URL Too Long), https://learn.microsoft.com/iis/configuration/"
            "system.webserver/security/requestfiltering/requestlimits/"
        ),
        "rfc9110-location": (
            "RFC 9110 §10.2.2 (a relative Location is resolved against the target URI) "
            "and RFC 3986 §5, https://www.rfc-editor.org/rfc/rfc9110#section-10.2.2"
        ),
        "field-note": (
            "Field note 'Using Host Names in IIS in Combination with a KEMP LoadMaster' "
            "(shared/seed/000_729fe63a61848f19.txt)"
        ),
    }
)
"""Where each rule of this module comes from (key → title and address)."""

ASSUMPTIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "content": (
            "hvlab does not model a site's files or handlers: any path and any method a "
            "site gets is answered 200 (no 404 for a missing file, no 405 for POST to a "
            "static file)."
        ),
        "unknown-address": (
            "When the destination address of a request is unknown (the lab gives the "
            "server no IP), a binding to a specific IP is assumed to be on that address."
        ),
        "scheme-less-destination": (
            "A redirect destination with no scheme is taken as a virtual path of the same "
            "site (sent as /destination...). Inferred from the field note's looping URL; "
            "Microsoft does not document it."
        ),
        "path-join": (
            "A non-exact redirect joins destination and request path with exactly one '/' "
            "and appends the query string unchanged."
        ),
        "duplicate-binding": (
            "IIS refuses to start a second site with an identical binding; hvlab lets the "
            "site whose name sorts first answer and says so."
        ),
    }
)
"""What :func:`respond` assumes where Microsoft publishes nothing (key → statement)."""


@dataclass(frozen=True, slots=True)
class Request:
    """An HTTP request as it reaches one server.

    Attributes
    ----------
    method : str
        ``GET``, ``HEAD``, ``POST``, ``OPTIONS``...
    path : str
        The request target in origin form: ``/``, ``/owa/healthcheck.htm?x=1``.
    http_version : {'1.0', '1.1'}
        The protocol version of the request line.
    host : str or None
        The ``Host`` header as sent (``ntrip.surveyor.lab``, ``10.0.0.5:8080``), or
        ``None`` when the request has none.
    ip : str or None
        The server address the connection was made to (what a binding's IP is compared
        with); ``None`` when unknown.
    port : int
        The TCP port of the connection.
    scheme : {'http', 'https'}
        ``https`` when the connection is TLS (binding protocol ``https``).
    """

    method: str = "GET"
    path: str = "/"
    http_version: Literal["1.0", "1.1"] = "1.1"
    host: str | None = None
    ip: str | None = None
    port: int = 80
    scheme: Literal["http", "https"] = "http"

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        method: str = "GET",
        http_version: Literal["1.0", "1.1"] = "1.1",
        ip: str | None = None,
    ) -> Request:
        """Return the request a browser sends for ``url`` (``Host`` from the URL's authority).

        Raises
        ------
        ValueError
            If ``url`` is not an absolute ``http`` or ``https`` URL.
        """
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{url!r} is not an absolute http:// or https:// URL")
        port = parts.port or DEFAULT_PORTS[scheme]
        host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
        if ":" in (parts.hostname or "") and not host.startswith("["):
            host = f"[{parts.hostname}]" + (f":{parts.port}" if parts.port else "")
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        return cls(
            method=method,
            path=path,
            http_version=http_version,
            host=host,
            ip=ip,
            port=port,
            scheme="https" if scheme == "https" else "http",
        )

    @property
    def request_line(self) -> str:
        """Return the request line and Host header as sent, e.g. ``HEAD / HTTP/1.0 (no Host)``."""
        host = f"Host: {self.host}" if self.host is not None else "no Host"
        return f"{self.method} {self.path} HTTP/{self.http_version} ({host})"


@dataclass(frozen=True, slots=True)
class Response:
    """What a server answers.

    Attributes
    ----------
    status : int or None
        The HTTP status; ``None`` when there is no HTTP answer (connection refused).
    location : str or None
        The ``Location`` header of a redirect, as sent (it may be a path that the client
        resolves against the request's URL).
    site : str or None
        The IIS site that answered, ``None`` when HTTP.sys answered itself.
    reason : str
        The rule that decided, in words, with the binding or setting that made it so.
    rule : Rule
        The rule's identifier.
    """

    status: int | None
    location: str | None
    site: str | None
    reason: str
    rule: Rule

    @property
    def is_redirect(self) -> bool:
        """Return whether this is a redirect (3xx with a ``Location``)."""
        return self.status is not None and 300 <= self.status < 400 and self.location is not None


@dataclass(frozen=True, slots=True)
class BindingMatch:
    """The site and binding a request is routed to, and by which step of the selection."""

    site: WebSite
    binding: Binding
    rule: Literal["host-binding", "wildcard-binding", "ip-binding", "any-binding"]
    duplicates: tuple[str, ...] = ()
    """Other sites with an identical binding (IIS would not start them)."""


def normalize_host(value: str) -> str | None:
    """Return the host name of a ``Host`` header value: lower case, port stripped.

    ``NTRIP.Surveyor.lab:80`` → ``ntrip.surveyor.lab``; ``[fe80::1]:80`` → ``fe80::1``.

    Returns
    -------
    str or None
        ``None`` when the value is not a valid ``host[:port]`` (empty, with a ``/``, a
        space, or a non-numeric port): HTTP.sys answers such a request 400.
    """
    text = value.strip()
    if not text or any(c in text for c in "/\\ \t@?#"):
        return None
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return None
        host, rest = text[1:end], text[end + 1 :]
        if rest and not (rest.startswith(":") and rest[1:].isdigit()):
            return None
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return None
        return host.lower()
    host, sep, port = text.rpartition(":")
    if not sep:
        host = text
    elif not port.isdigit() or not host or ":" in host:
        return None
    return host.rstrip(".").lower() or None


def _same_ip(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a.strip("[]")) == ipaddress.ip_address(b.strip("[]"))
    except ValueError:
        return a.strip("[]").lower() == b.strip("[]").lower()


def _wildcard_suffix(pattern: str) -> str | None:
    # IIS 10: a wildcard only as the left-most label, "*.example.com".
    if pattern.startswith("*.") and "*" not in pattern[2:] and len(pattern) > 2:
        return pattern[1:].lower()  # ".example.com"
    return None


def _listens(sites: Iterable[WebSite], request: Request) -> bool:
    return any(
        b.protocol == request.scheme and b.port == request.port for s in sites for b in s.bindings
    )


def match_binding(sites: Iterable[WebSite], request: Request) -> BindingMatch | None:
    """Return the site and binding HTTP.sys routes ``request`` to, or ``None``.

    Only bindings on the request's scheme and port whose IP is ``*`` or the request's
    address (any IP when the address is unknown) take part; among them the steps of the
    module docstring apply in order: exact host name (specific IP first), IIS 10 wildcard
    host name (longest suffix first), empty host name on the request's IP, empty host
    name on ``*``. Sites are considered in name order so the answer is deterministic.
    """
    ordered = sorted(sites, key=lambda s: s.name)
    host = normalize_host(request.host) if request.host is not None else None

    def ip_rank(binding: Binding) -> int | None:
        # 0: bound to the request's own IP; 1: to '*'; None: another IP.
        if binding.ip == "*":
            return 1
        if request.ip is None or _same_ip(binding.ip, request.ip):
            return 0
        return None

    candidates: list[tuple[int, int, int, WebSite, Binding]] = []
    rules: dict[int, Literal["host-binding", "wildcard-binding", "ip-binding", "any-binding"]]
    rules = {0: "host-binding", 1: "wildcard-binding", 2: "ip-binding", 3: "any-binding"}
    for order, site in enumerate(ordered):
        for binding in site.bindings:
            if binding.protocol != request.scheme or binding.port != request.port:
                continue
            rank = ip_rank(binding)
            if rank is None:
                continue
            bound = binding.host.strip().lower().rstrip(".")
            if bound:
                if host is None:
                    continue
                suffix = _wildcard_suffix(bound)
                if suffix is not None:
                    if host.endswith(suffix) and len(host) > len(suffix):
                        # Longer suffixes are more specific: sort them first.
                        candidates.append((1, rank - len(suffix) * 2, order, site, binding))
                elif bound == host:
                    candidates.append((0, rank, order, site, binding))
            elif rank == 0 and binding.ip != "*":
                candidates.append((2, 0, order, site, binding))
            elif binding.ip == "*":
                candidates.append((3, 0, order, site, binding))
    if not candidates:
        return None
    candidates.sort(key=lambda c: (c[0], c[1], c[2]))
    step, key, _, site, binding = candidates[0]
    duplicates = tuple(
        c[3].name
        for c in candidates[1:]
        if c[0] == step and c[1] == key and c[4] == binding and c[3].name != site.name
    )
    return BindingMatch(site, binding, rules[step], duplicates)


def destination_has_scheme(destination: str) -> bool:
    """Return whether a redirect destination is an absolute URL (``http://...``).

    ``www.bussines.lab/surveyors/services`` has none: IIS treats it as a path of the same
    site, which is the looping redirect of the field note.
    """
    return bool(urlsplit(destination.strip()).scheme) and "://" in destination


def _split_path(path: str) -> tuple[str, str]:
    target, sep, query = path.partition("?")
    return (target or "/"), (sep + query)


def redirect_location(redirect: HttpRedirect, path: str) -> str | None:
    """Return the ``Location`` IIS sends for a request of ``path`` to a redirecting site.

    Parameters
    ----------
    redirect : HttpRedirect
        The site's ``<httpRedirect>`` (configured at the site root).
    path : str
        The request target (``/``, ``/dir/page.htm?q=1``).

    Returns
    -------
    str or None
        The ``Location`` value, or ``None`` when the request is not redirected
        (``childOnly`` and the request is below a sub-directory).

    Examples
    --------
    >>> from hvlab.model.services import HttpRedirect
    >>> redirect_location(HttpRedirect(destination="http://x.lab/new"), "/a/b.htm")
    'http://x.lab/new/a/b.htm'
    >>> exact = HttpRedirect(destination="http://x.lab/new", exact_destination=True)
    >>> redirect_location(exact, "/a")
    'http://x.lab/new'
    >>> redirect_location(HttpRedirect(destination="www.bussines.lab/s"), "/www.bussines.lab/s")
    '/www.bussines.lab/s/www.bussines.lab/s'
    """
    destination = redirect.destination.strip()
    if not destination_has_scheme(destination) and not destination.startswith("/"):
        destination = "/" + destination  # a virtual path of the same site (assumption)
    if redirect.exact_destination:
        return destination
    target, query = _split_path(path)
    rest = target.lstrip("/")
    if redirect.child_only:
        if "/" in rest:
            return None  # content of a sub-directory: not redirected
        if not rest:
            return destination + query
        return (destination if destination.endswith("/") else destination + "/") + rest + query
    if not rest:
        return destination + query
    return destination.rstrip("/") + "/" + rest + query


def _redirect_status(value: str | int) -> int:
    # The model stores IIS's names; a bare number is accepted as it is.
    return value if isinstance(value, int) else REDIRECT_STATUS[value]


def respond(sites_on_server: Iterable[WebSite], request: Request) -> Response:
    """Return what the IIS server with ``sites_on_server`` answers to ``request``.

    Parameters
    ----------
    sites_on_server : iterable of WebSite
        The IIS sites deployed on the server the request reaches.
    request : Request
        The request, with the server address it was sent to.

    Returns
    -------
    Response
        Status, ``Location``, answering site and the rule that decided (see the module
        docstring for every rule and its source).

    Examples
    --------
    >>> from hvlab.model.services import WebSite
    >>> site = WebSite(name="ntrip", servers=("WEB1",), bindings=("http/*:80:ntrip.surveyor.lab",))
    >>> respond([site], Request(method="HEAD", http_version="1.0")).status
    400
    >>> respond([site], Request(method="HEAD", host="ntrip.surveyor.lab")).status
    200
    """
    sites = tuple(sites_on_server)
    if not _listens(sites, request):
        return Response(
            None,
            None,
            None,
            f"nothing listens on {request.scheme} port {request.port}: no site has a "
            f"binding there, so the connection is refused",
            "no-listener",
        )
    host: str | None = None
    if request.host is not None:
        host = normalize_host(request.host)
        if host is None:
            return Response(
                400,
                None,
                None,
                f"Bad Request - Invalid Hostname: the Host value {request.host!r} is not a "
                f"host name (HTTP.sys)",
                "bad-host",
            )
    elif request.http_version == "1.1":
        return Response(
            400,
            None,
            None,
            "Bad Request: an HTTP/1.1 request without a Host header (RFC 9112 §3.2)",
            "missing-host",
        )
    target, _ = _split_path(request.path)
    if len(target.encode()) > MAX_URL_BYTES:
        return Response(
            404,
            None,
            None,
            f"404.14 URL Too Long: the path is {len(target.encode())} bytes, over request "
            f"filtering's maxUrl of {MAX_URL_BYTES}",
            "url-too-long",
        )
    match = match_binding(sites, request)
    if match is None:
        asked = f"host {host!r}" if host is not None else "no Host header"
        bound = sorted(
            {
                f"{b.ip}:{b.port}:{b.host}"
                for s in sites
                for b in s.bindings
                if b.protocol == request.scheme and b.port == request.port
            }
        )
        return Response(
            400,
            None,
            None,
            f"Bad Request - Invalid Hostname: {asked} on {request.ip or 'the server'}:"
            f"{request.port} matches no binding ({', '.join(bound)}); HTTP.sys answers "
            f"without any site",
            "invalid-hostname",
        )
    site, binding = match.site, match.binding
    how = {
        "host-binding": "its host name",
        "wildcard-binding": "its wildcard host name",
        "ip-binding": "its IP address (no host name)",
        "any-binding": "All Unassigned (no host name)",
    }[match.rule]
    chosen = f"site {site.name} (binding {binding.ip}:{binding.port}:{binding.host}, by {how})"
    if match.duplicates:
        chosen += f"; {', '.join(match.duplicates)} has the same binding and would not start in IIS"
    redirect = site.redirect
    if redirect is not None and redirect.enabled:
        location = redirect_location(redirect, request.path)
        if location is not None:
            status = _redirect_status(redirect.status)
            note = ""
            if not destination_has_scheme(redirect.destination):
                note = (
                    f"; the destination {redirect.destination!r} has no scheme, so it is a "
                    f"path of this same site"
                )
            return Response(
                status,
                location,
                site.name,
                f"{status} redirect from {chosen} to {location}{note}",
                "redirect",
            )
    return Response(200, None, site.name, f"200 from {chosen}", "served")
