"""IIS applicationHost.config: sites, host-header bindings, HTTP redirects."""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hvlab.ingest.iis import parse_application_host, parse_binding, read_application_host

SAMPLE = Path(__file__).parents[1] / "data" / "audit-sample"
CONFIG = SAMPLE / "iis" / "WEB01_applicationHost.config"


def test_fixture_sites_and_host_headers() -> None:
    config = read_application_host(CONFIG)
    assert config.warnings == ()
    ntrip, www = config.sites
    assert (ntrip.name, ntrip.id, ntrip.physical_path) == ("ntrip", 1, "D:\\inetpub\\ntrip")
    assert [(b.protocol, b.ip, b.port, b.host_header) for b in ntrip.bindings] == [
        ("http", "*", 80, "ntrip.surveyor.lab"),
        ("https", "10.0.100.21", 443, "ntrip.surveyor.lab"),
    ]
    assert [(b.port, b.host_header) for b in www.bindings] == [(80, "www.surveyor.lab")]


def test_fixture_redirects() -> None:
    config = read_application_host(CONFIG)
    _, www = config.sites
    (redirect,) = www.redirects
    assert redirect.enabled is True
    assert redirect.destination == "www.bussines.lab/surveyors/services"  # no http://
    assert redirect.http_response_status == "Found"
    assert redirect.exact_destination is None  # absent: inherited
    assert redirect.location == "www-redirect"
    assert redirect.line is not None
    assert (
        CONFIG.read_text(encoding="utf-8-sig")
        .splitlines()[redirect.line - 1]
        .strip()
        .startswith("<httpRedirect")
    )
    legacy = config.sites[0].redirects[0]
    assert (legacy.location, legacy.http_response_status, legacy.exact_destination) == (
        "ntrip/legacy",
        "Permanent",
        True,
    )
    # the server-level element plus the two locations; the commented-out one is ignored
    assert [r.location for r in config.redirects] == [None, "www-redirect", "ntrip/legacy"]
    assert all(r.destination != "http://ignored.example/" for r in config.redirects)


def test_binding_forms() -> None:
    assert parse_binding("http", "*:80:").host_header == ""
    ipv6 = parse_binding("https", "[fe80::1]:8443:site.lab")
    assert (ipv6.ip, ipv6.port, ipv6.host_header) == ("[fe80::1]", 8443, "site.lab")
    assert parse_binding("net.tcp", "808:*").port is None
    assert parse_binding("http", "*:http:x").port is None
    assert parse_binding("http", "garbage").port is None
    assert parse_binding("http", "[::1").port is None
    assert parse_binding("http", None).binding_information is None


def test_statuses_by_number_and_unknown() -> None:
    text = (
        "<configuration><location path='a'><system.webServer>"
        "<httpRedirect enabled='TRUE' destination='http://x/' httpResponseStatus='308'/>"
        "</system.webServer></location><location path='b'><system.webServer>"
        "<httpRedirect enabled='maybe' httpResponseStatus='Teapot'/>"
        "</system.webServer></location></configuration>"
    )
    first, second = parse_application_host(text).redirects
    assert (first.enabled, first.http_response_status) == (True, "PermRedirect")
    assert (second.enabled, second.http_response_status) == (None, "Teapot")


def test_doctype_is_refused() -> None:
    text = (
        '<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        "<configuration><system.applicationHost><sites><site name='&b;' id='1'/></sites>"
        "</system.applicationHost></configuration>"
    )
    config = parse_application_host(text, "evil.config")
    assert config.sites == ()
    assert "document type declarations are refused" in config.warnings[0].message


def test_malformed_xml_has_a_line() -> None:
    config = parse_application_host("<configuration>\n<sites>\n</configuration>", "bad.config")
    assert config.sites == ()
    assert config.warnings[0].line == 3


def test_odd_site_ids_and_root() -> None:
    text = "<cfg><sites><site name='s' id='x'/><site id='7'/></sites></cfg>"
    config = parse_application_host(text, "odd.config")
    assert [(site.name, site.id) for site in config.sites] == [("s", None), (None, 7)]
    assert len(config.warnings) == 2


def test_missing_file(tmp_path: Path) -> None:
    config = read_application_host(tmp_path / "applicationHost.config")
    assert "cannot read" in config.warnings[0].message


@settings(max_examples=100, deadline=None)
@given(rng=st.randoms(use_true_random=False), edits=st.integers(1, 30))
def test_mutated_config_never_raises(rng: random.Random, edits: int) -> None:
    chars = list(CONFIG.read_text(encoding="utf-8-sig"))
    for _ in range(edits):
        position = rng.randrange(len(chars))
        if rng.random() < 0.5:
            del chars[position]
        else:
            chars.insert(position, rng.choice("<>/='\"&!:[]"))
    config = parse_application_host("".join(chars), "fuzz.config")
    assert config.file == "fuzz.config"


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_random_text_never_raises(text: str) -> None:
    assert parse_application_host(text, "fuzz.config").file == "fuzz.config"
