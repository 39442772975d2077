"""Load-balancer health checks: vendor rules, timers, and the field note's incident."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

from hvlab.condition import Condition
from hvlab.defaults import health_check_defaults
from hvlab.model.load import load_lab
from hvlab.model.services import HealthCheck
from hvlab.services import healthcheck
from hvlab.services.healthcheck import (
    HAPROXY_ACCEPTED,
    KEMP_ACCEPTED,
    accepted_codes,
    check_outcome,
    effective_settings,
    probe_request,
    product_of,
    server_address,
    server_sites,
    time_to_mark_down,
    time_to_mark_up,
    virtual_service_state,
)
from tests.services import incident_lab

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FIXED_CHECK = {
    "protocol": "HTTP",
    "http_version": "1.1",
    "method": "HEAD",
    "url": "/",
    "host_header": "ntrip.surveyor.lab",
}


def hc(**fields: object) -> HealthCheck:
    """A health check written as in a lab file (times like ``9s``)."""
    return HealthCheck.model_validate(fields)


def test_doctests() -> None:
    assert doctest.testmod(healthcheck).failed == 0


# --- The field note, end to end ----------------------------------------------------------
def test_incident_http10_check_marks_both_real_servers_down() -> None:
    # "The default health check uses HTTP 1.0 ... it uses the IP address of the real server
    # ... With a Host header name in IIS that isn't allowed"; "the real servers are down".
    lab = incident_lab()
    state = virtual_service_state(lab, "LB", "web")
    assert state.up is False
    assert state.in_rotation == ()
    assert state.out_of_rotation == ("WEB1:80", "WEB2:80")
    for outcome in state.outcomes:
        assert outcome.status == 400
        assert outcome.passes is False
        assert outcome.probe == "HEAD / HTTP/1.0 (no Host)"
        assert "Invalid Hostname" in outcome.reason
    assert "is down" in state.reason


def test_incident_fixed_with_http11_and_host_header() -> None:
    # "You need to enable HTTP 1.1 and fill out the host name ... ntrip.surveyor.lab."
    lab = incident_lab(check=FIXED_CHECK)
    state = virtual_service_state(lab, "LB", "web")
    assert state.up is True
    assert state.in_rotation == ("WEB1:80", "WEB2:80")
    assert {(o.status, o.site, o.via_redirect) for o in state.outcomes} == {(200, "ntrip", False)}


def test_iis_is_fine_although_the_check_fails() -> None:
    # A browser's request for ntrip.surveyor.lab is served by both servers all along.
    lab = incident_lab()
    from hvlab.services.http import Request, respond

    for server in ("WEB1", "WEB2"):
        r = respond(server_sites(lab, server), Request(host="ntrip.surveyor.lab"))
        assert (r.status, r.site) == (200, "ntrip")


@pytest.mark.parametrize(
    ("name", "up"),
    [("kemp-iis-host-headers.yaml", False), ("kemp-iis-host-headers-fixed.yaml", True)],
)
def test_examples(name: str, up: bool) -> None:
    path = EXAMPLES / name
    if not path.is_file():
        pytest.skip(f"{name} is not in examples/")
    lab = load_lab(path)
    state = virtual_service_state(lab, "KEMP1", "surveyor-web")
    assert state.up is up
    assert len(state.in_rotation) == (2 if up else 0)
    assert {o.status for o in state.outcomes} == ({200} if up else {400})


# --- Vendors ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("vendor", "product"),
    [("Kemp", "KEMP"), ("KEMP", "KEMP"), ("HAProxy", "HAProxy"), ("NLB", "NLB"), ("F5", "Generic")],
)
def test_product_of(vendor: str, product: str) -> None:
    assert product_of(vendor) == product


def test_product_of_unknown_vendor() -> None:
    with pytest.raises(ValueError, match="unknown load balancer vendor"):
        product_of("Citrix")


def test_kemp_default_accepted_codes() -> None:
    # Progress 'HTTP or HTTPS Protocol Health Checking': 200-299, 301, 302, 401.
    codes = accepted_codes(HealthCheck(), "Kemp")
    assert codes.codes == KEMP_ACCEPTED
    for status in (200, 204, 299, 301, 302, 401):
        assert status in codes
    for status in (300, 303, 307, 308, 400, 403, 404, 500, 503):
        assert status not in codes
    assert not codes.configured


def test_kemp_configured_codes_replace_the_3xx_and_401_defaults_but_keep_2xx() -> None:
    # "Configured codes override the default set"; "2xx codes are always considered up".
    codes = accepted_codes(HealthCheck(accepted_codes=(404,)), "Kemp")
    assert 404 in codes and 200 in codes and 250 in codes
    assert 302 not in codes and 401 not in codes
    assert codes.configured


def test_haproxy_accepted_codes() -> None:
    # 'option httpchk': 2xx and 3xx valid; 'http-check expect status' defines the set.
    assert accepted_codes(HealthCheck(), "HAProxy").codes == HAPROXY_ACCEPTED
    assert 399 in accepted_codes(HealthCheck(), "HAProxy")
    assert 400 not in accepted_codes(HealthCheck(), "HAProxy")
    configured = accepted_codes(HealthCheck(accepted_codes=(200,)), "HAProxy")
    assert configured.codes == frozenset({200})
    assert accepted_codes(HealthCheck(), "NLB").codes == frozenset()
    assert accepted_codes(HealthCheck(), "Generic").codes == HAPROXY_ACCEPTED


def test_haproxy_http11_without_host_gets_400() -> None:
    # HAProxy: <host> "is not set by default"; RFC 9112 §3.2: 400 without Host.
    lab = incident_lab(
        vendor="HAProxy",
        check={"protocol": "HTTP", "http_version": "1.1", "method": "HEAD", "url": "/"},
        extra_sites='  catchall:\n    servers: [WEB1, WEB2]\n    bindings: ["http/*:80:"]\n',
    )
    request = probe_request(lab, "LB", "web", "WEB1:80")
    assert request is not None and request.host is None
    outcome = check_outcome(lab, "LB", "web", "WEB1:80")
    assert (outcome.status, outcome.passes) == (400, False)
    assert "RFC 9112" in outcome.reason


def test_kemp_http11_without_host_sends_an_address() -> None:
    lab = incident_lab(check={"protocol": "HTTP", "http_version": "1.1", "url": "/"})
    request = probe_request(lab, "LB", "web", "WEB1:80")
    assert request is not None and request.host == "192.168.50.10"
    assert check_outcome(lab, "LB", "web", "WEB1:80").status == 400  # no host binding matches


def test_probe_port_precedence() -> None:
    lab = incident_lab()
    request = probe_request(lab, "LB", "web", "WEB1:8080")
    assert request is not None and request.port == 8080
    lab = incident_lab(check={"protocol": "HTTP", "port": 81})
    request = probe_request(lab, "LB", "web", "WEB1:8080")
    assert request is not None and (request.port, request.ip) == (81, "192.168.50.11")
    request = probe_request(lab, "LB", "web", "WEB1")
    assert request is not None and request.port == 81


def test_nlb_keeps_servers_in_rotation_whatever_iis_answers() -> None:
    lab = incident_lab(vendor="NLB")
    state = virtual_service_state(lab, "LB", "web")
    assert state.up and state.in_rotation == ("WEB1:80", "WEB2:80")
    assert probe_request(lab, "LB", "web", "WEB1:80") is None
    down = virtual_service_state(lab, "LB", "web", ["WEB1"])
    assert down.in_rotation == ("WEB2:80",)


def test_tcp_and_icmp_checks_do_not_see_host_headers() -> None:
    lab = incident_lab(check={"protocol": "TCP"})
    assert virtual_service_state(lab, "LB", "web").up
    closed = incident_lab(check={"protocol": "TCP", "port": 8080})
    assert not virtual_service_state(closed, "LB", "web").up
    assert virtual_service_state(incident_lab(check={"protocol": "ICMP"}), "LB", "web").up


def test_redirect_accepted_passes_for_the_wrong_reason() -> None:
    # Checking the redirect site's host name: 302 is in the LoadMaster's default set.
    check = dict(FIXED_CHECK, host_header="www.surveyors.lab")
    outcome = check_outcome(incident_lab(check=check), "LB", "web", "WEB1:80")
    assert (outcome.status, outcome.passes, outcome.via_redirect) == (302, True, True)
    assert outcome.site == "www-redirect"
    assert "only because a redirect is accepted" in outcome.reason
    # Don't fire: with configured codes the 302 is no longer accepted.
    strict = incident_lab(check=dict(check, accepted_codes=[404]))
    outcome = check_outcome(strict, "LB", "web", "WEB1:80")
    assert (outcome.passes, outcome.via_redirect) == (False, False)


# --- Down servers -----------------------------------------------------------------------
def test_down_servers_and_vm_state() -> None:
    lab = incident_lab(check=FIXED_CHECK)
    state = virtual_service_state(lab, "LB", "web", ["WEB1"])
    assert state.in_rotation == ("WEB2:80",) and state.up
    assert "WEB1 is down" in state.outcomes[0].reason
    assert not virtual_service_state(lab, "LB", "web", ["WEB1", "WEB2:80"]).up
    off = incident_lab(check=FIXED_CHECK, web2_state="Off")
    assert virtual_service_state(off, "LB", "web").in_rotation == ("WEB1:80",)


def test_condition_failed_vm() -> None:
    lab = incident_lab(check=FIXED_CHECK)
    condition = Condition.from_elements(lab, ["vm:WEB2"])
    state = virtual_service_state(lab, "LB", "web", condition=condition)
    assert state.in_rotation == ("WEB1:80",)


def test_lookups() -> None:
    lab = incident_lab()
    assert server_address(lab, "web1") == "192.168.50.11"
    assert server_address(lab, "nobody") is None
    assert [s.name for s in server_sites(lab, "WEB2")] == ["ntrip", "www-redirect"]
    with pytest.raises(ValueError, match="did you mean 'LB'"):
        check_outcome(lab, "LBB", "web", "WEB1:80")
    with pytest.raises(ValueError, match="no virtual service"):
        check_outcome(lab, "LB", "webb", "WEB1:80")
    empty = virtual_service_state(lab, lab.load_balancers["LB"], "web", ["WEB1", "WEB2"])
    assert not empty.up


# --- Timers -----------------------------------------------------------------------------
def test_kemp_effective_settings_defaults() -> None:
    s = effective_settings(HealthCheck(), "Kemp")
    assert (s.interval_ms, s.timeout_ms, s.fall, s.rise) == (9000, 4000, 2, 1)
    d = health_check_defaults("KEMP")
    assert (s.interval_ms, s.timeout_ms, s.fall) == (d.interval_ms, d.timeout_ms, d.fall)


def test_kemp_interval_is_at_least_retries_times_timeout_plus_one() -> None:
    # 'Service (Health) Check Parameters': mininterval = Retry Count x Connect Timeout + 1.
    s = effective_settings(hc(interval="9s", timeout="5s", retries=3), "Kemp")
    assert s.interval_ms == 16000
    s = effective_settings(hc(interval="30s", timeout="5s", retries=3), "Kemp")
    assert s.interval_ms == 30000


def test_lab_timers_override_vendor_defaults_and_check_fields_override_both() -> None:
    lab = incident_lab()
    lab = lab.model_copy(update={"timers": {"healthcheck.kemp.CheckInterval": "20s"}})
    assert effective_settings(HealthCheck(), "Kemp", lab=lab).interval_ms == 20000
    assert effective_settings(hc(interval="12s"), "Kemp", lab=lab).interval_ms == 12000


def test_haproxy_effective_settings() -> None:
    s = effective_settings(HealthCheck(), "HAProxy")
    assert (s.interval_ms, s.timeout_ms, s.fall, s.rise) == (2000, 2000, 3, 2)
    s = effective_settings(hc(timeout="500ms", retries=5), "HAProxy")
    assert (s.timeout_ms, s.fall) == (500, 5)


def test_kemp_time_to_mark_down() -> None:
    # CLI: "mark a Real Server as down after Timeout * Retry seconds if no response".
    t = time_to_mark_down(HealthCheck(), "Kemp")
    assert (t.min_ms, t.max_ms) == (8000, 17000)
    # A wrong status: no retries, down at the next check.
    t = time_to_mark_down(HealthCheck(), "Kemp", failure="bad_status")
    assert (t.min_ms, t.max_ms) == (0, 9000)


def test_haproxy_time_to_mark_down_and_up() -> None:
    t = time_to_mark_down(HealthCheck(), "HAProxy")
    assert (t.min_ms, t.max_ms) == (6000, 8000)
    t = time_to_mark_down(HealthCheck(), "HAProxy", failure="bad_status")
    assert (t.min_ms, t.max_ms) == (4000, 6000)
    t = time_to_mark_up(HealthCheck(), "HAProxy")
    assert (t.min_ms, t.max_ms) == (2000, 4000)


def test_kemp_time_to_mark_up_is_one_interval_assumed() -> None:
    t = time_to_mark_up(HealthCheck(), "Kemp")
    assert (t.min_ms, t.max_ms) == (0, 9000)
    assert t.assumptions == ("healthcheck.kemp.rise",)


def test_nlb_and_generic_timing() -> None:
    t = time_to_mark_down(HealthCheck(), "NLB")
    assert (t.min_ms, t.max_ms) == (4000, 5000)
    assert time_to_mark_down(HealthCheck(), "NLB", failure="bad_status").max_ms is None
    assert time_to_mark_up(HealthCheck(), "NLB").assumptions == ("nlb-rejoin",)
    g = time_to_mark_down(HealthCheck(), "F5")
    assert (g.min_ms, g.max_ms, g.assumptions) == (6000, 8000, ("generic",))
    assert time_to_mark_up(HealthCheck(), "Generic").assumptions == ("generic",)


def test_retry_count_below_one_is_one_attempt() -> None:
    t = time_to_mark_down(HealthCheck(retries=0), "Kemp")
    assert (t.min_ms, t.assumptions) == (4000, ("kemp-retries",))


def test_https_check_reaches_https_bindings_only() -> None:
    tls_site = (
        '  tls:\n    servers: [WEB1, WEB2]\n    bindings: ["https/*:443:ntrip.surveyor.lab"]\n'
    )
    check = dict(FIXED_CHECK, protocol="HTTPS", port=443)
    lab = incident_lab(check=check, extra_sites=tls_site)
    outcome = check_outcome(lab, "LB", "web", "WEB1:80")
    assert (outcome.status, outcome.site) == (200, "tls")
    plain = incident_lab(check=dict(FIXED_CHECK, port=443), extra_sites=tls_site)
    refused = check_outcome(plain, "LB", "web", "WEB1:80")
    assert (refused.status, refused.passes) == (None, False)
    assert "connection is refused" in refused.reason
