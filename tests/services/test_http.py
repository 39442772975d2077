"""IIS / HTTP.sys request model: each rule fires, and does not fire, as its source says."""

from __future__ import annotations

import doctest

import pytest

from hvlab.model.services import HttpRedirect, WebSite
from hvlab.services import http
from hvlab.services.http import (
    MAX_URL_BYTES,
    REDIRECT_STATUS,
    Request,
    destination_has_scheme,
    match_binding,
    normalize_host,
    redirect_location,
    respond,
)


def site(name: str, *bindings: str, redirect: HttpRedirect | None = None) -> WebSite:
    return WebSite(name=name, servers=("WEB1",), bindings=bindings, redirect=redirect)


NTRIP = site("ntrip", "http/*:80:ntrip.surveyor.lab")
WWW = site("www", "http/*:80:www.surveyor.lab")
DEFAULT = site("Default Web Site", "http/*:80:")


def test_doctests() -> None:
    assert doctest.testmod(http).failed == 0


# --- Binding selection (HTTP.sys UrlPrefix categories; IIS bindings) ------------------------
def test_exact_host_binding_wins_over_empty_host_binding() -> None:
    # Explicit host names are matched before weak wildcards (HTTP.sys UrlPrefix Strings).
    r = respond([DEFAULT, NTRIP], Request(host="ntrip.surveyor.lab", ip="10.0.0.1"))
    assert (r.status, r.site, r.rule) == (200, "ntrip", "served")
    assert match_binding([DEFAULT, NTRIP], Request(host="ntrip.surveyor.lab")).rule == (  # type: ignore[union-attr]
        "host-binding"
    )


def test_empty_host_binding_answers_a_host_no_site_names() -> None:
    # Don't fire the host rule: an unknown host falls through to All Unassigned.
    r = respond([DEFAULT, NTRIP], Request(host="other.lab", ip="10.0.0.1"))
    assert (r.status, r.site) == (200, "Default Web Site")
    assert match_binding([DEFAULT, NTRIP], Request(host="other.lab")).rule == "any-binding"  # type: ignore[union-attr]


def test_ip_bound_empty_host_beats_all_unassigned() -> None:
    # IP-bound weak wildcard has precedence over the weak wildcard '*'.
    ip_site = site("ip-site", "http/10.0.0.1:80:")
    r = respond([DEFAULT, ip_site], Request(host="x.lab", ip="10.0.0.1"))
    assert (r.site, match_binding([DEFAULT, ip_site], Request(host="x", ip="10.0.0.1")).rule) == (  # type: ignore[union-attr]
        "ip-site",
        "ip-binding",
    )
    # Don't fire: a request to another address is not for the IP-bound site.
    r = respond([DEFAULT, ip_site], Request(host="x.lab", ip="10.0.0.2"))
    assert r.site == "Default Web Site"


def test_binding_on_another_ip_does_not_match() -> None:
    only = site("only", "http/10.0.0.1:80:")
    r = respond([only], Request(host="x.lab", ip="10.0.0.2"))
    assert (r.status, r.rule) == (400, "invalid-hostname")


def test_host_binding_on_the_request_ip_beats_the_same_host_on_all_unassigned() -> None:
    specific = site("specific", "http/10.0.0.1:80:ntrip.surveyor.lab")
    assert respond([NTRIP, specific], Request(host="ntrip.surveyor.lab", ip="10.0.0.1")).site == (
        "specific"
    )
    assert respond([NTRIP, specific], Request(host="ntrip.surveyor.lab", ip="10.0.0.9")).site == (
        "ntrip"
    )


def test_host_match_ignores_case_and_port() -> None:
    r = respond([NTRIP], Request(host="NTRIP.Surveyor.LAB:80", ip="10.0.0.1"))
    assert (r.status, r.site) == (200, "ntrip")


def test_unknown_server_address_gives_specific_ip_bindings_the_benefit_of_the_doubt() -> None:
    ip_site = site("ip-site", "http/10.0.0.1:80:")
    assert respond([ip_site], Request(host="x.lab", ip=None)).site == "ip-site"


def test_iis10_wildcard_host_binding() -> None:
    # IIS 10.0 Wildcard Host Header Support: '*.contoso.com' serves any sub-domain.
    wild = site("wild", "http/*:80:*.contoso.com")
    deeper = site("deeper", "http/*:80:*.intranet.contoso.com")
    exact = site("exact", "http/*:80:blogs.contoso.com")
    sites = [wild, deeper, exact]
    assert respond(sites, Request(host="private.contoso.com")).site == "wild"
    assert respond(sites, Request(host="a.intranet.contoso.com")).site == "deeper"
    assert respond(sites, Request(host="blogs.contoso.com")).site == "exact"
    # Don't fire: the wildcard does not cover the parent domain itself.
    assert respond(sites, Request(host="contoso.com")).rule == "invalid-hostname"


# --- Host header rules -------------------------------------------------------------------
def test_http10_without_host_cannot_reach_host_named_sites() -> None:
    # The field note: HTTP/1.0 HEAD / with no Host against host-header-only sites.
    r = respond([NTRIP, WWW], Request(method="HEAD", http_version="1.0", ip="192.168.50.11"))
    assert (r.status, r.site, r.rule) == (400, None, "invalid-hostname")
    assert "Invalid Hostname" in r.reason


def test_http10_without_host_reaches_an_empty_host_binding() -> None:
    r = respond([NTRIP, DEFAULT], Request(method="HEAD", http_version="1.0", ip="10.0.0.1"))
    assert (r.status, r.site) == (200, "Default Web Site")


def test_http11_without_host_is_400_even_with_a_catch_all_site() -> None:
    # RFC 9112 §3.2: a 1.1 request without Host MUST get 400.
    r = respond([DEFAULT], Request(method="HEAD", http_version="1.1", host=None))
    assert (r.status, r.rule) == (400, "missing-host")
    # Don't fire for HTTP/1.0 (Host is optional there).
    assert respond([DEFAULT], Request(http_version="1.0", host=None)).status == 200


def test_host_value_with_a_slash_is_rejected() -> None:
    # Microsoft IIS support blog: 'Host: https://ip_address/vdir' gets 400 from HTTP.sys.
    r = respond([DEFAULT], Request(host="http://10.0.0.1/vdir"))
    assert (r.status, r.rule) == (400, "bad-host")
    assert respond([DEFAULT], Request(host="10.0.0.1")).status == 200


def test_nothing_listening_on_the_port_refuses_the_connection() -> None:
    r = respond([NTRIP], Request(host="ntrip.surveyor.lab", port=8080))
    assert (r.status, r.rule) == (None, "no-listener")
    https_only = site("tls", "https/*:443:ntrip.surveyor.lab")
    assert respond([https_only], Request(host="ntrip.surveyor.lab", port=443)).status is None
    assert (
        respond([https_only], Request(host="ntrip.surveyor.lab", port=443, scheme="https")).status
        == 200
    )


def test_url_longer_than_max_url_is_404_14() -> None:
    # Request filtering requestLimits maxUrl = 4096 bytes → 404.14.
    long_path = "/" + "a" * MAX_URL_BYTES
    r = respond([DEFAULT], Request(path=long_path, host="x"))
    assert (r.status, r.rule) == (404, "url-too-long")
    ok_path = "/" + "a" * (MAX_URL_BYTES - 1)
    assert respond([DEFAULT], Request(path=ok_path, host="x")).status == 200


def test_duplicate_binding_is_reported() -> None:
    twin = site("twin", "http/*:80:ntrip.surveyor.lab")
    r = respond([twin, NTRIP], Request(host="ntrip.surveyor.lab"))
    assert r.site == "ntrip"  # name order
    assert "twin has the same binding" in r.reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ntrip.surveyor.lab", "ntrip.surveyor.lab"),
        ("NTRIP.surveyor.lab:8080", "ntrip.surveyor.lab"),
        ("10.0.0.1:80", "10.0.0.1"),
        ("[fe80::1]:80", "fe80::1"),
        ("host.lab.", "host.lab"),
        ("", None),
        ("a b", None),
        ("https://x/y", None),
        ("host:port", None),
        ("[zz]", None),
    ],
)
def test_normalize_host(value: str, expected: str | None) -> None:
    assert normalize_host(value) == expected


def test_request_from_url() -> None:
    r = Request.from_url("http://www.surveyors.lab:8080/a/b?q=1")
    assert (r.host, r.port, r.path, r.scheme) == (
        "www.surveyors.lab:8080",
        8080,
        "/a/b?q=1",
        "http",
    )
    assert Request.from_url("https://x.lab").port == 443
    assert Request.from_url("https://x.lab").path == "/"
    assert Request(method="HEAD", http_version="1.0").request_line == "HEAD / HTTP/1.0 (no Host)"
    with pytest.raises(ValueError, match="absolute"):
        Request.from_url("www.bussines.lab/surveyors")


# --- httpRedirect (IIS configuration reference, IIS Manager 'HTTP Redirect Page') ----------
@pytest.mark.parametrize(("setting", "status"), sorted(REDIRECT_STATUS.items()))
def test_redirect_status_per_http_response_status(setting: str, status: int) -> None:
    red = site(
        "red", "http/*:80:", redirect=HttpRedirect(destination="http://x.lab/", status=setting)
    )  # type: ignore[arg-type]
    r = respond([red], Request(host="a"))
    assert (r.status, r.rule, r.is_redirect) == (status, "redirect", True)


def test_redirect_default_status_is_found_302() -> None:
    red = site("red", "http/*:80:", redirect=HttpRedirect(destination="http://x.lab/"))
    assert respond([red], Request(host="a")).status == 302


def test_disabled_redirect_serves_the_site() -> None:
    red = site(
        "red", "http/*:80:", redirect=HttpRedirect(destination="http://x.lab/", enabled=False)
    )
    r = respond([red], Request(host="a"))
    assert (r.status, r.location, r.is_redirect) == (200, None, False)


def test_relative_redirect_appends_the_request_path() -> None:
    # 'HTTP Redirect Page': destination https://www.contoso.com/sales and request
    # .../default.aspx → https://www.contoso.com/sales/default.aspx.
    red = HttpRedirect(destination="https://www.contoso.com/sales")
    assert redirect_location(red, "/default.aspx") == "https://www.contoso.com/sales/default.aspx"
    assert redirect_location(red, "/") == "https://www.contoso.com/sales"
    assert redirect_location(red, "/a/b?x=1") == "https://www.contoso.com/sales/a/b?x=1"
    slash = HttpRedirect(destination="http://marketing.contoso.com/")
    assert redirect_location(slash, "/default.htm") == "http://marketing.contoso.com/default.htm"


def test_exact_destination_ignores_the_request_path() -> None:
    red = HttpRedirect(destination="https://www.contoso.com/sales", exact_destination=True)
    assert redirect_location(red, "/default.aspx") == "https://www.contoso.com/sales"


def test_child_only_redirects_files_of_the_directory_not_subdirectories() -> None:
    # Config reference: childOnly, destination http://marketing.contoso.com/, request
    # /default.htm → http://marketing.contoso.com/default.htm.
    red = HttpRedirect(destination="http://marketing.contoso.com/", child_only=True)
    assert redirect_location(red, "/default.htm") == "http://marketing.contoso.com/default.htm"
    assert redirect_location(red, "/") == "http://marketing.contoso.com/"
    assert redirect_location(red, "/sub/page.htm") is None
    served = respond([site("c", "http/*:80:", redirect=red)], Request(host="a", path="/sub/p.htm"))
    assert (served.status, served.rule) == (200, "served")


def test_destination_without_scheme_is_a_path_of_the_same_site() -> None:
    # The field note: 'as long as you don't forget the http:// in the redirect URL'.
    assert not destination_has_scheme("www.bussines.lab/surveyors/services")
    assert destination_has_scheme("http://www.bussines.lab/surveyors/services")
    assert not destination_has_scheme("/new")
    red = HttpRedirect(destination="www.bussines.lab/surveyors/services")
    assert redirect_location(red, "/") == "/www.bussines.lab/surveyors/services"
    assert redirect_location(red, "/www.bussines.lab/surveyors/services") == (
        "/www.bussines.lab/surveyors/services/www.bussines.lab/surveyors/services"
    )
    r = respond(
        [site("www", "http/*:80:www.surveyors.lab", redirect=red)],
        Request(host="www.surveyors.lab"),
    )
    assert "has no scheme" in r.reason


def test_redirect_status_written_as_a_number_in_the_lab() -> None:
    red = HttpRedirect.model_validate({"destination": "http://x.lab/", "status": 301})
    assert respond([site("red", "http/*:80:", redirect=red)], Request(host="a")).status == 301
