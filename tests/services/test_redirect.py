"""Following redirects across the lab: the field note's growing loop, and its fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from hvlab.model.load import load_lab, load_lab_text
from hvlab.services.redirect import MAX_REDIRECTS, follow_redirects, redirect_passes
from tests.services import NOTE_URL, incident_lab

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FIXED_CHECK = {
    "protocol": "HTTP",
    "http_version": "1.1",
    "method": "HEAD",
    "url": "/",
    "host_header": "ntrip.surveyor.lab",
}


def test_destination_without_http_loops_with_the_field_notes_url() -> None:
    # "it has to be http://www.bussines.lab/surveyors/services or you'll get a funky loop
    # effect looking like this: http://www.surveyors.lab/www.bussines.lab/..."
    lab = incident_lab(check=FIXED_CHECK)
    trace = follow_redirects(lab, "http://www.surveyors.lab/")
    assert trace.urls[3] == NOTE_URL
    assert trace.outcome == "too_many_redirects"  # "Firefox will tell you you have a loop"
    assert trace.redirects == MAX_REDIRECTS == 20
    assert len(trace.hops) == 21
    assert trace.growing is True
    assert trace.relative_destinations == ("www-redirect: www.bussines.lab/surveyors/services",)
    assert all(h.status == 302 and h.site == "www-redirect" for h in trace.hops)
    assert all(h.via == "LB/web" for h in trace.hops)
    lengths = [len(u) for u in trace.urls]
    assert lengths == sorted(lengths) and len(set(lengths)) == len(lengths)
    assert "write the full URL" in trace.message


def test_destination_with_http_leaves_the_lab_after_one_302() -> None:
    lab = incident_lab(check=FIXED_CHECK, destination="http://www.bussines.lab/surveyors/services")
    trace = follow_redirects(lab, "http://www.surveyors.lab/")
    assert trace.outcome == "external"
    assert trace.urls == (
        "http://www.surveyors.lab/",
        "http://www.bussines.lab/surveyors/services",
    )
    assert trace.hops[0].status == 302
    assert trace.growing is False and trace.relative_destinations == ()


def test_loop_is_invisible_while_the_health_check_keeps_the_vip_down() -> None:
    # With the HTTP/1.0 check both real servers are down: nothing answers at all.
    lab = incident_lab()
    trace = follow_redirects(lab, "http://www.surveyors.lab/")
    assert trace.outcome == "unreachable"
    assert "forwards nothing" in trace.hops[0].reason
    assert follow_redirects(lab, "http://www.surveyors.lab/", respect_health=False).growing


def test_exact_repeat_is_a_loop() -> None:
    lab = load_lab_text(
        """
name: pingpong
vms:
  WEB1: {memory: 1GiB, nics: [{switch: S, ip: 10.0.0.1}]}
web_sites:
  a:
    servers: [WEB1]
    bindings: ["http/*:80:a.lab"]
    redirect: {destination: "http://b.lab/", exact_destination: true}
  b:
    servers: [WEB1]
    bindings: ["http/*:80:b.lab"]
    redirect: {destination: "http://a.lab/", exact_destination: true, status: 301}
load_balancers:
  LB:
    virtual_services:
      both: {address: 10.0.0.100, real_servers: [WEB1], host_names: [a.lab, b.lab]}
""",
        "pingpong.yaml",
    )
    trace = follow_redirects(lab, "http://a.lab/", respect_health=False)
    assert trace.outcome == "loop"
    assert trace.urls == ("http://a.lab/", "http://b.lab/")
    assert [h.status for h in trace.hops] == [302, 301]
    assert trace.growing is False


def test_absolute_path_destination_on_the_same_site_also_grows() -> None:
    lab = incident_lab(check=FIXED_CHECK, destination="/new")
    trace = follow_redirects(lab, "http://www.surveyors.lab/", max_hops=5)
    assert trace.outcome == "too_many_redirects"
    assert trace.urls[:3] == (
        "http://www.surveyors.lab/",
        "http://www.surveyors.lab/new",
        "http://www.surveyors.lab/new/new",
    )
    assert trace.growing
    # An absolute path is not the "forgotten http://" case.
    assert trace.relative_destinations == ()


def test_redirect_to_another_site_of_the_lab_ends_with_200() -> None:
    lab = incident_lab(check=FIXED_CHECK, destination="http://ntrip.surveyor.lab/")
    trace = follow_redirects(lab, "http://www.surveyors.lab/")
    assert trace.outcome == "final"
    assert [h.status for h in trace.hops] == [302, 200]
    assert trace.hops[-1].site == "ntrip"
    assert trace.redirects == 1


def test_max_hops_zero_and_direct_server_access() -> None:
    lab = incident_lab(check=FIXED_CHECK)
    trace = follow_redirects(lab, "http://www.surveyors.lab/", max_hops=0)
    assert (trace.outcome, len(trace.hops)) == ("too_many_redirects", 1)
    # By the server's address: no host name matches a binding → 400 from HTTP.sys.
    direct = follow_redirects(lab, "http://192.168.50.11/")
    assert (direct.outcome, direct.hops[0].status, direct.hops[0].server) == ("final", 400, "WEB1")
    by_name = follow_redirects(lab, "http://web2/")
    assert by_name.hops[0].server == "WEB2"
    with pytest.raises(ValueError):
        follow_redirects(lab, "www.surveyors.lab")
    with pytest.raises(ValueError):
        follow_redirects(lab, "http://www.surveyors.lab/", max_hops=-1)


def test_down_servers_are_skipped_and_none_left_is_unreachable() -> None:
    lab = incident_lab(check=FIXED_CHECK, destination="http://ntrip.surveyor.lab/")
    trace = follow_redirects(lab, "http://www.surveyors.lab/", down_servers=["WEB1"])
    assert {h.server for h in trace.hops} == {"WEB2"}
    gone = follow_redirects(lab, "http://ntrip.surveyor.lab/", down_servers=["WEB1", "WEB2"])
    assert gone.outcome == "unreachable"
    gone = follow_redirects(lab, "http://web1/", down_servers=["WEB1"], respect_health=False)
    assert gone.outcome == "unreachable" and "not running" in gone.hops[0].reason


def test_check_passing_on_a_redirect_is_reported() -> None:
    # Checking www.surveyors.lab: the 302 is accepted by the LoadMaster's default codes.
    lab = incident_lab(check=dict(FIXED_CHECK, host_header="www.surveyors.lab"))
    passes = redirect_passes(lab, "LB", "web")
    assert [p.real_server for p in passes] == ["WEB1:80", "WEB2:80"]
    first = passes[0]
    assert (first.status, first.site) == (302, "www-redirect")
    assert first.target == "http://www.surveyors.lab/www.bussines.lab/surveyors/services"
    assert "returns 200" in first.message
    # Don't fire: the check of the real site gets 200.
    assert redirect_passes(incident_lab(check=FIXED_CHECK), "LB", "web") == ()


@pytest.mark.parametrize(
    ("name", "outcome"),
    [
        ("kemp-iis-host-headers.yaml", "too_many_redirects"),
        ("kemp-iis-host-headers-fixed.yaml", "external"),
    ],
)
def test_examples(name: str, outcome: str) -> None:
    path = EXAMPLES / name
    if not path.is_file():
        pytest.skip(f"{name} is not in examples/")
    lab = load_lab(path)
    trace = follow_redirects(lab, "http://www.surveyor.lab/", respect_health=False)
    assert trace.outcome == outcome
