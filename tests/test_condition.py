"""Condition: failed elements normalised through resolve_element, and derived up/down state."""

from __future__ import annotations

from pathlib import Path

import pytest

from hvlab import api
from hvlab.condition import Condition, lag_of, nic_end
from hvlab.errors import UserError
from hvlab.model.elements import Element
from hvlab.model.lab import Lab
from hvlab.model.load import load_lab_text

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def lab() -> Lab:
    return api.load(EXAMPLES / "ten-gig-cluster.yaml")


STACK_LAB = """
name: stack
switches:
  a1: {stack: acc, rack: R1, ports: {1-4: 10G}, lags: {Po1: {members: [1, "a2:1"], lacp: active}}}
  a2: {stack: acc, rack: R2, ports: {1-4: 10G}}
links:
  - ["h1:N1", "a1:1"]
  - ["h1:N2", "a2:1"]
  - ["h1:N3", "a2:2"]
hosts:
  h1:
    rack: R9
    nics: {N1: 10G, N2: 10G, N3: 10G, N4: 10G}
"""


def test_none_is_empty_and_falsy() -> None:
    c = Condition.none()
    assert not c
    assert c.names() == ()
    assert c.overrides == {}


def test_from_elements_normalises_names(lab: Lab) -> None:
    c = Condition.from_elements(
        lab, ["switch:tor2", "host:node3", "link:tor2:47~tor1:47", "nic:node1:VM-A"]
    )
    assert c.names() == (
        "link:tor1:47~tor2:47",
        "nic:node1:VM-A",
        "node:node3",
        "switch:tor2",
    )
    assert c.is_down("switch:tor2")
    assert c.is_down("host:node3") and c.is_down("node:node3")
    assert c.is_down("link:tor2:47~tor1:47") and c.is_down("link:tor1:47~tor2:47")
    assert c.is_down(Element("nic", ("node1", "VM-A")))
    assert not c.is_down("switch:tor1")
    assert c.of_kind("switch") == {("tor2",)}


def test_bad_names_raise_user_error_with_suggestion(lab: Lab) -> None:
    with pytest.raises(UserError) as exc:
        Condition.from_elements(lab, ["switch:tor3", "nic:node1:VM-C", "swtch:tor1"])
    text = str(exc.value)
    assert len(exc.value.problems) == 3
    assert "switch:tor3: no switch named 'tor3'" in text
    assert "did you mean" in text
    assert "VM-C" in text and "swtch" in text


def test_with_failed_and_override(lab: Lab) -> None:
    c = Condition.none().with_failed(lab, "switch:tor1").with_override("lbfo.failover", "1s")
    assert c.is_down("switch:tor1")
    assert c.override("lbfo.failover") == "1s"
    assert c.override("missing", 7) == 7
    c2 = c.with_failed(lab, "nic:node1:VM-B")
    assert c2.names() == ("nic:node1:VM-B", "switch:tor1")
    assert c2.overrides == c.overrides
    assert hash(c2) == hash(Condition(c2.failed))


def test_nic_down_through_switch_port_cable_and_host(lab: Lab) -> None:
    """A NIC is down when it, its host, its cable, the far port or the far switch is down."""
    assert Condition.none().nic_is_up(lab, "node1", "VM-B")
    cases = {
        "nic:node1:VM-B": "nic:node1:VM-B",
        "node:node1": "node:node1",
        "link:node1:VM-B~tor2:11": "link:node1:VM-B~tor2:11",
        "port:tor2:11": "port:tor2:11",
        "switch:tor2": "switch:tor2",
        "rack:R2": "rack:R2",  # tor2's rack
    }
    for element, reason in cases.items():
        c = Condition.from_elements(lab, [element])
        assert not c.nic_is_up(lab, "node1", "VM-B"), element
        assert c.nic_down_reason(lab, "node1", "VM-B") == reason
    # tor1 failing does not touch VM-B (cabled to tor2).
    assert Condition.from_elements(lab, ["switch:tor1"]).nic_is_up(lab, "node1", "VM-B")


def test_rack_takes_down_hosts_and_switches(lab: Lab) -> None:
    c = Condition.from_elements(lab, ["rack:R1"])
    assert not c.host_is_up(lab, "node1")  # node1 is in R1
    assert not c.switch_is_up(lab, "tor1")
    assert c.switch_is_up(lab, "tor2")
    assert c.nic_down_reason(lab, "node1", "VM-B") == "rack:R1"


def test_shutdown_port_is_down(lab: Lab) -> None:
    # tor1 ports 25-44 are configured shutdown in the example.
    assert not Condition.none().port_is_up(lab, "tor1", "30")
    assert Condition.none().port_is_up(lab, "tor1", "11")


def test_failed_lag_takes_member_ports_down(lab: Lab) -> None:
    """Decision: ``lag:SW:Po`` is the port-channel shut down, so its member ports stop."""
    c = Condition.from_elements(lab, ["lag:tor1:Po1"])
    assert not c.port_is_up(lab, "tor1", "47")
    assert not c.port_is_up(lab, "tor1", "48")
    assert c.port_is_up(lab, "tor1", "45")
    link = next(x for x in lab.links if "tor1:47" in x.endpoints)
    assert not c.link_is_up(lab, link)


def test_cross_stack_lag_and_uncabled_nic() -> None:
    lab = load_lab_text(STACK_LAB)
    assert lag_of(lab, "a2", "1") == ("a1", lab.switches["a1"].lags["Po1"])
    assert lag_of(lab, "a2", "2") is None
    c = Condition.from_elements(lab, ["lag:a1:Po1"])
    assert not c.nic_is_up(lab, "h1", "N2")  # a2:1 is a cross-stack member of a1's Po1
    assert c.nic_down_reason(lab, "h1", "N2") == "lag:a1:Po1"
    assert c.nic_is_up(lab, "h1", "N3")
    # A stack member fails alone.
    c = Condition.from_elements(lab, ["switch:a1"])
    assert not c.nic_is_up(lab, "h1", "N1") and c.nic_is_up(lab, "h1", "N2")
    # A NIC the lab does not cable has nothing known against it.
    assert nic_end(lab, "h1", "N4") is None
    assert Condition.from_elements(lab, ["switch:a2"]).nic_is_up(lab, "h1", "N4")
    assert not Condition.from_elements(lab, ["rack:R9"]).nic_is_up(lab, "h1", "N4")
